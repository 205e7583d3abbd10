package graphapi_test

import (
	"strings"
	"testing"
)

func TestAccessPackages(t *testing.T) { // AP-1 ADM-6 AP-5 AP-3 AP-4
	backends(t, func(t *testing.T, h *harness) {
		cat := h.catalog(h.admin, "Packages")
		other := h.catalog(h.admin, "Elsewhere")
		g := h.group(map[string]any{"displayName": "Team"})
		h.must(h.admin, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminAdd",
			"resource": map[string]any{"originId": g, "originSystem": "AadGroup"}, "catalog": map[string]any{"id": cat}}, 201)

		t.Run("AP-1 package properties", func(t *testing.T) {
			h := h.on(t)
			r := h.must(h.admin, "POST", em+"/accessPackages", map[string]any{"displayName": "Sales reps", "description": "outside sales",
				"isHidden": true, "catalog": map[string]any{"id": cat}}, 201)
			id := r.str("id")
			got := h.must(h.admin, "GET", em+"/accessPackages/"+id+"?$expand=catalog", nil, 200)
			if got.str("displayName") != "Sales reps" || got.str("description") != "outside sales" || got.body["isHidden"] != true ||
				got.str("catalog.id") != cat || got.str("createdDateTime") == "" {
				t.Errorf("package read back: %s", got.raw)
			}
			if _, leaked := got.body["catalogId"]; leaked {
				t.Errorf("storage property catalogId is shown: %s", got.raw)
			}
			h.must(h.admin, "PATCH", em+"/accessPackages/"+id, map[string]any{"isHidden": false}, 204)
			got = h.must(h.admin, "GET", em+"/accessPackages/"+id, nil, 200)
			if got.body["isHidden"] != false || got.str("description") != "outside sales" {
				t.Errorf("PATCH isHidden changed more than isHidden: %s", got.raw)
			}
			h.fails(h.admin, "POST", em+"/accessPackages", map[string]any{"catalog": map[string]any{"id": cat}}, 400, "displayName is required")
			link := h.must(h.admin, "GET", "/bestow/v1/accessPackages/"+id+"/portalLink", nil, 200)
			if link.str("portalLink") != h.srv.URL+"/portal/access-packages/"+id {
				t.Errorf("portal link: %s", link.raw)
			}
		})
		t.Run("ADM-6 a package stays in its catalog", func(t *testing.T) {
			h := h.on(t)
			id := h.pkg(h.admin, cat, "Fixed")
			h.fails(h.admin, "PATCH", em+"/accessPackages/"+id, map[string]any{"catalog": map[string]any{"id": other}}, 400, "cannot move to another catalog")
			h.fails(h.admin, "POST", em+"/accessPackages", map[string]any{"displayName": "x", "catalog": map[string]any{"id": "00000000-0000-0000-0000-00000000dead"}}, 404, "does not exist")
		})
		t.Run("resource role scopes", func(t *testing.T) {
			h := h.on(t)
			id := h.pkg(h.admin, cat, "With roles")
			rs := h.addMember(h.admin, id, g)
			if rs.status != 201 || rs.str("role.originId") != "Member_"+g || rs.str("scope.originId") != g {
				t.Fatalf("add role: %s", rs.raw)
			}
			h.must(h.admin, "POST", em+"/accessPackages/"+id+"/resourceRoleScopes", map[string]any{
				"role": map[string]any{"originId": "Member_" + g, "originSystem": "AadGroup"}}, 409)
			got := h.must(h.admin, "GET", em+"/accessPackages/"+id+"?$expand=resourceRoleScopes($expand=role($expand=resource),scope)", nil, 200)
			list := got.body["resourceRoleScopes"].([]any)
			first := list[0].(map[string]any)
			role, scope := first["role"].(map[string]any), first["scope"].(map[string]any)
			if len(list) != 1 || role["originId"] != "Member_"+g || scope["isRootScope"] != true || role["resource"].(map[string]any)["originId"] != g {
				t.Errorf("expanded role scopes: %s", got.raw)
			}
			h.must(h.admin, "DELETE", em+"/accessPackages/"+id+"/resourceRoleScopes/"+rs.str("id"), nil, 204)
			if n := h.count(em + "/accessPackages/" + id + "/resourceRoleScopes"); n != 0 {
				t.Errorf("%d role scopes left after delete", n)
			}
		})
		t.Run("POL-12 incompatible packages and groups are links", func(t *testing.T) {
			h := h.on(t)
			a, b := h.pkg(h.admin, cat, "A"), h.pkg(h.admin, cat, "B")
			h.must(h.admin, "POST", em+"/accessPackages/"+a+"/incompatibleAccessPackages/$ref",
				map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/identityGovernance/entitlementManagement/accessPackages/" + b}, 204)
			h.must(h.admin, "POST", em+"/accessPackages/"+a+"/incompatibleGroups/$ref",
				map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/groups/" + g}, 204)
			h.fails(h.admin, "POST", em+"/accessPackages/"+a+"/incompatibleAccessPackages/$ref",
				map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/identityGovernance/entitlementManagement/accessPackages/" + a}, 400, "itself")
			back := h.must(h.admin, "GET", em+"/accessPackages/"+b+"/accessPackagesIncompatibleWith", nil, 200).list()
			if len(back) != 1 || back[0]["id"] != a {
				t.Errorf("accessPackagesIncompatibleWith: %v", back)
			}
			h.must(h.admin, "DELETE", em+"/accessPackages/"+a+"/incompatibleAccessPackages/"+b+"/$ref", nil, 204)
			h.must(h.admin, "DELETE", em+"/accessPackages/"+a+"/incompatibleAccessPackages/"+b+"/$ref", nil, 404)
		})
		t.Run("AP-5 a catalog with packages cannot be deleted", func(t *testing.T) {
			h := h.on(t)
			doomed := h.catalog(h.admin, "Doomed")
			p := h.pkg(h.admin, doomed, "Blocker")
			r := h.fails(h.admin, "DELETE", em+"/catalogs/"+doomed, nil, 400, "Blocker", "holds 1 access package")
			if r.str("error.code") != "CatalogHasAccessPackages" {
				t.Errorf("code %q", r.str("error.code"))
			}
			h.must(h.admin, "GET", em+"/catalogs/"+doomed, nil, 200)
			h.must(h.admin, "DELETE", em+"/accessPackages/"+p, nil, 204)
			h.must(h.admin, "DELETE", em+"/catalogs/"+doomed, nil, 204)
			h.must(h.admin, "GET", em+"/catalogs/"+doomed, nil, 404)
		})
		t.Run("AP-3 AP-4 deleting a package takes its policies and roles", func(t *testing.T) {
			h := h.on(t)
			p := h.pkg(h.admin, cat, "Short-lived")
			h.addMember(h.admin, p, g)
			pol := h.must(h.admin, "POST", em+"/assignmentPolicies", directPolicy(p), 201).str("id")
			h.must(h.admin, "DELETE", em+"/assignmentPolicies/"+pol, nil, 204)
			h.must(h.admin, "GET", em+"/assignmentPolicies/"+pol, nil, 404)
			pol = h.must(h.admin, "POST", em+"/assignmentPolicies", directPolicy(p), 201).str("id")
			h.must(h.admin, "DELETE", em+"/accessPackages/"+p, nil, 204)
			h.must(h.admin, "GET", em+"/assignmentPolicies/"+pol, nil, 404)
			h.must(h.admin, "GET", em+"/accessPackages/"+p, nil, 404)
			// The group's resource is free again.
			if r := h.call(h.admin, "GET", em+"/catalogs/"+cat+"/resources", nil); !strings.Contains(r.raw, g) {
				t.Errorf("resource vanished with the package")
			}
		})
	})
}

// directPolicy is Microsoft's example policy for direct assignment only (appendix B.2).
func directPolicy(pkg string) map[string]any {
	return map[string]any{"displayName": "New Policy", "description": "policy for assignment",
		"allowedTargetScope": "notSpecified", "specificAllowedTargets": []any{},
		"expiration": map[string]any{"endDateTime": nil, "duration": nil, "type": "noExpiration"},
		"requestorSettings": map[string]any{"enableTargetsToSelfAddAccess": false, "enableTargetsToSelfUpdateAccess": false,
			"enableTargetsToSelfRemoveAccess": false, "allowCustomAssignmentSchedule": true,
			"enableOnBehalfRequestorsToAddAccess": false, "enableOnBehalfRequestorsToUpdateAccess": false,
			"enableOnBehalfRequestorsToRemoveAccess": false, "onBehalfRequestors": []any{}},
		"requestApprovalSettings": map[string]any{"isApprovalRequiredForAdd": false, "isApprovalRequiredForUpdate": false, "stages": []any{}},
		"accessPackage":           map[string]any{"id": pkg}}
}
