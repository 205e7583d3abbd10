package graphapi_test

import (
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

const composePath = "/bestow/v1/accessPackages/compose"

// TestComposeAccessPackage creates an access package with a new catalog, a group and an
// application added on the way, a role of each and two policies in one request; a failing
// part answers 400 naming it and leaves nothing; a Catalog creator who owns no catalog
// creates catalog and package at once. // AP-1 ADM-3 ADM-4 RES-5 POL-1
func TestComposeAccessPackage(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		g := h.group(map[string]any{"displayName": "Sales team"})
		sp := h.must(h.admin, "POST", "/v1.0/servicePrincipals", map[string]any{"displayName": "CRM", "appRoles": []any{
			map[string]any{"id": "00000000-0000-0000-0000-0000000000a1", "displayName": "Sales rep", "value": "rep", "allowedMemberTypes": []string{"User"}, "isEnabled": true}}}, 201).str("id")
		org := h.must(h.admin, "POST", em+"/connectedOrganizations", map[string]any{"displayName": "Fabrikam",
			"identitySources": []any{map[string]any{"@odata.type": "#microsoft.graph.domainIdentitySource", "domainName": "fabrikam.test", "displayName": "fabrikam.test"}}}, 201).str("id")
		wizard := func() map[string]any {
			employees := policyBody("")
			delete(employees, "accessPackage")
			employees["displayName"] = "Employees"
			partners := map[string]any{"displayName": "Partners", "allowedTargetScope": "specificConnectedOrganizationUsers",
				"specificAllowedTargets": []any{map[string]any{"@odata.type": "#microsoft.graph.connectedOrganizationMembers", "connectedOrganizationId": org}},
				"requestorSettings":      map[string]any{"enableTargetsToSelfAddAccess": true}, "expiration": map[string]any{"type": "noExpiration"}}
			return map[string]any{
				"catalog":       map[string]any{"displayName": "Partners", "description": "Work with partners"},
				"accessPackage": map[string]any{"displayName": "Partner CRM", "description": "The CRM and the sales team", "isHidden": true},
				"resources":     []any{map[string]any{"originSystem": "AadGroup", "originId": g}, map[string]any{"originSystem": "AadApplication", "originId": sp}},
				"resourceRoleScopes": []any{
					map[string]any{"role": map[string]any{"originId": "Member_" + g, "originSystem": "AadGroup", "resource": map[string]any{"originId": g, "originSystem": "AadGroup"}},
						"scope": map[string]any{"originId": g, "originSystem": "AadGroup"}},
					map[string]any{"role": map[string]any{"originId": "00000000-0000-0000-0000-0000000000a1", "originSystem": "AadApplication",
						"resource": map[string]any{"originId": sp}}}},
				"assignmentPolicies": []any{employees, partners},
			}
		}
		catalogs := func() int { return h.count(em + "/catalogs") }

		t.Run("201 with everything created", func(t *testing.T) {
			h := h.on(t)
			r := h.must(h.admin, "POST", composePath, wizard(), 201)
			cat, pkg := r.str("catalog.id"), r.str("accessPackage.id")
			if cat == "" || r.str("catalog.displayName") != "Partners" || r.body["catalog"].(map[string]any)["isExternallyVisible"] != true ||
				pkg == "" || r.body["accessPackage"].(map[string]any)["isHidden"] != true {
				t.Fatalf("catalog and package: %s", r.raw)
			}
			resources, _ := r.body["resources"].([]any)
			scopes, _ := r.body["resourceRoleScopes"].([]any)
			policies, _ := r.body["assignmentPolicies"].([]any)
			if len(resources) != 2 || len(scopes) != 2 || len(policies) != 2 {
				t.Fatalf("%d resources, %d resource roles, %d policies: %s", len(resources), len(scopes), len(policies), r.raw)
			}
			first := scopes[0].(map[string]any)
			if first["role"].(map[string]any)["originId"] != "Member_"+g || first["scope"].(map[string]any)["originId"] != g ||
				scopes[1].(map[string]any)["role"].(map[string]any)["displayName"] != "Sales rep" {
				t.Errorf("resource roles: %v", scopes)
			}
			if p := policies[1].(map[string]any); p["displayName"] != "Partners" || p["allowedTargetScope"] != "specificConnectedOrganizationUsers" {
				t.Errorf("policies: %v", policies)
			}
			got := h.must(h.admin, "GET", em+"/accessPackages/"+pkg+"?$expand=catalog,resourceRoleScopes,assignmentPolicies", nil, 200)
			if got.str("catalog.id") != cat || len(got.body["resourceRoleScopes"].([]any)) != 2 || len(got.body["assignmentPolicies"].([]any)) != 2 {
				t.Errorf("the package read back: %s", got.raw)
			}
			if n := h.count(em + "/catalogs/" + cat + "/resources"); n != 2 {
				t.Errorf("%d resources in the new catalog, want 2", n)
			}
		})

		t.Run("400 naming the failing part, and nothing kept", func(t *testing.T) {
			h := h.on(t)
			n := catalogs()
			bad := wizard()
			bad["assignmentPolicies"].([]any)[1].(map[string]any)["specificAllowedTargets"] = []any{
				map[string]any{"@odata.type": "#microsoft.graph.connectedOrganizationMembers", "connectedOrganizationId": "00000000-0000-0000-0000-00000000dead"}}
			r := h.fails(h.admin, "POST", composePath, bad, 400, "policy 2 ('Partners'): ", "specificAllowedTargets")
			if r.str("error.code") != "ReferenceNotFound" || !strings.HasPrefix(r.errMsg(), "policy 2 ('Partners'): ") {
				t.Errorf("error: %s", r.raw)
			}
			bad = wizard()
			bad["resourceRoleScopes"].([]any)[0].(map[string]any)["role"].(map[string]any)["originId"] = "Guest_" + g
			h.fails(h.admin, "POST", composePath, bad, 400, "resource role 'Guest_"+g+"' of 'Sales team': ", "has no role")
			bad = wizard()
			bad["assignmentPolicies"].([]any)[0].(map[string]any)["displayName"] = 5
			h.fails(h.admin, "POST", composePath, bad, 400, "policy 1: ", "displayName")
			h.fails(h.admin, "POST", composePath, map[string]any{"catalog": map[string]any{"id": "00000000-0000-0000-0000-00000000dead"},
				"accessPackage": map[string]any{"displayName": "x"}}, 404, "access package 'x': ", "does not exist")
			if got := catalogs(); got != n {
				t.Errorf("%d catalogs after the failed calls, %d before", got, n)
			}
		})

		t.Run("ADM-3 ADM-4 a Catalog creator creates catalog and package in one call", func(t *testing.T) {
			h := h.on(t)
			id, tok := h.user("cara@bestow.test")
			h.grant(id, access.RoleCatalogCreator, "")
			body := map[string]any{"accessPackage": map[string]any{"displayName": "Cara's"}, "assignmentPolicies": wizard()["assignmentPolicies"].([]any)[:1]}
			h.fails(tok, "POST", composePath, body, 403, "access package 'Cara's': ", "Create a catalog first")
			body["catalog"] = map[string]any{"displayName": "Cara's catalog"}
			r := h.must(tok, "POST", composePath, body, 201)
			h.must(tok, "GET", em+"/accessPackages/"+r.str("accessPackage.id"), nil, 200) // she owns the catalog now
			// RES-5: adding a group she does not own is refused, and nothing is kept.
			n := catalogs()
			body["catalog"] = map[string]any{"displayName": "Another"}
			body["resources"] = []any{map[string]any{"originSystem": "AadGroup", "originId": g}}
			h.fails(tok, "POST", composePath, body, 403, "resource 1 (AadGroup '"+g+"'): ", "only groups they own")
			if got := catalogs(); got != n {
				t.Errorf("%d catalogs after the refused call, %d before", got, n)
			}
		})
	})
}
