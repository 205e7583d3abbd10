package graphapi_test

import (
	"testing"
)

func TestCatalogResources(t *testing.T) { // RES-1 RES-2 RES-3 RES-4 RES-5
	backends(t, func(t *testing.T, h *harness) {
		cat := h.catalog(h.admin, "Resources")
		sec := h.group(map[string]any{"displayName": "Security"})
		m365 := h.group(map[string]any{"displayName": "M365", "groupTypes": []string{"Unified"}, "mailEnabled": true})
		dyn := h.group(map[string]any{"displayName": "Dynamic", "groupTypes": []string{"DynamicMembership"}, "membershipRule": `(user.department -eq "Sales")`})
		synced := h.group(map[string]any{"displayName": "Synced", "onPremisesSyncEnabled": true})
		dl := h.group(map[string]any{"displayName": "Distribution", "securityEnabled": false, "mailEnabled": true})
		app := h.must(h.admin, "POST", "/v1.0/servicePrincipals", map[string]any{"displayName": "CRM", "appRoles": []any{
			map[string]any{"displayName": "Rep", "value": "rep", "isEnabled": true, "allowedMemberTypes": []string{"User"}}}}, 201)
		bare := h.must(h.admin, "POST", "/v1.0/servicePrincipals", map[string]any{"displayName": "Wiki"}, 201).str("id")
		service := h.must(h.admin, "POST", "/v1.0/servicePrincipals", map[string]any{"displayName": "Mail", "tags": []string{"bestow:platformService"}}, 201).str("id")
		site := h.must(h.admin, "POST", "/v1.0/sites", map[string]any{"displayName": "Hub", "webUrl": "https://sites.test/sites/hub"}, 201).str("id")

		roles := func(t *testing.T, system, origin string) []string {
			res := h.must(h.admin, "GET", em+"/catalogs/"+cat+"/resources?$filter=originId eq '"+origin+"'&$expand=roles,scopes", nil, 200).list()
			if len(res) != 1 {
				t.Fatalf("resource %s not listed once: %v", origin, res)
			}
			var out []string
			for _, r := range res[0]["roles"].([]any) {
				out = append(out, r.(map[string]any)["originId"].(string))
			}
			scopes := res[0]["scopes"].([]any)
			if len(scopes) != 1 || scopes[0].(map[string]any)["isRootScope"] != true {
				t.Errorf("scopes of %s: %v", origin, scopes)
			}
			return out
		}
		t.Run("RES-1 resource kinds and their roles", func(t *testing.T) {
			h := h.on(t)
			for _, g := range []string{sec, m365} {
				r := h.addResource(h.admin, cat, "AadGroup", g)
				if r.status != 201 || r.str("state") != "delivered" || r.str("requestType") != "adminAdd" {
					t.Fatalf("add group: %d %s", r.status, r.raw)
				}
				if got := roles(t, "AadGroup", g); len(got) != 2 || got[0] != "Member_"+g || got[1] != "Owner_"+g {
					t.Errorf("group roles %v", got)
				}
			}
			h.must(h.admin, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminAdd",
				"resource": map[string]any{"originId": app.str("id"), "originSystem": "AadApplication"}, "catalog": map[string]any{"id": cat}}, 201)
			appRoleID := app.body["appRoles"].([]any)[0].(map[string]any)["id"].(string)
			if got := roles(t, "AadApplication", app.str("id")); len(got) != 1 || got[0] != appRoleID {
				t.Errorf("app roles %v, want [%s]", got, appRoleID)
			}
			h.must(h.admin, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminAdd",
				"resource": map[string]any{"originId": bare, "originSystem": "AadApplication"}, "catalog": map[string]any{"id": cat}}, 201)
			if got := roles(t, "AadApplication", bare); len(got) != 1 || got[0] != "00000000-0000-0000-0000-000000000000" {
				t.Errorf("app without roles: %v, want Default Access", got)
			}
			h.must(h.admin, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminAdd",
				"resource": map[string]any{"originId": site, "originSystem": "SharePointOnline"}, "catalog": map[string]any{"id": cat}}, 201)
			if got := roles(t, "SharePointOnline", site); len(got) != 3 {
				t.Errorf("site roles %v", got)
			}
			h.fails(h.admin, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminAdd",
				"resource": map[string]any{"originId": sec, "originSystem": "AadGroup"}, "catalog": map[string]any{"id": cat}}, 409, "already in catalog")
		})
		t.Run("RES-2 groups Bestow cannot modify are refused", func(t *testing.T) {
			h := h.on(t)
			before := h.count(em + "/catalogs/" + cat + "/resources")
			r := h.addResource(h.admin, cat, "AadGroup", synced)
			if r.status != 400 || !contains(r.errMsg(), "synchronized from another directory") {
				t.Errorf("synced group: %d %s", r.status, r.raw)
			}
			r = h.addResource(h.admin, cat, "AadGroup", dl)
			if r.status != 400 || !contains(r.errMsg(), "mail distribution group") {
				t.Errorf("distribution group: %d %s", r.status, r.raw)
			}
			if after := h.count(em + "/catalogs/" + cat + "/resources"); after != before {
				t.Errorf("refused requests stored resources: %d → %d", before, after)
			}
			h.must(h.admin, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminAdd",
				"resource": map[string]any{"originId": dyn, "originSystem": "AadGroup"}, "catalog": map[string]any{"id": cat}}, 201)
			if got := roles(t, "AadGroup", dyn); len(got) != 1 || got[0] != "Owner_"+dyn {
				t.Errorf("dynamic group roles %v, want only Owner", got)
			}
			p := h.pkg(h.admin, cat, "Dynamic members")
			r = h.addMember(h.admin, p, dyn)
			if r.status != 400 || !contains(r.errMsg(), "dynamic membership") {
				t.Errorf("Member role of a dynamic group: %d %s", r.status, r.raw)
			}
		})
		t.Run("RES-3 services are refused", func(t *testing.T) {
			h := h.on(t)
			h.fails(h.admin, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminAdd",
				"resource": map[string]any{"originId": service, "originSystem": "AadApplication"}, "catalog": map[string]any{"id": cat}}, 400, "is a service", "group")
		})
		t.Run("RES-4 only whole sites", func(t *testing.T) {
			h := h.on(t)
			h.fails(h.admin, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminAdd",
				"resource": map[string]any{"originId": "https://sites.test/sites/hub/Shared Documents", "originSystem": "SharePointOnline"}, "catalog": map[string]any{"id": cat}},
				400, "only whole sites", "site role")
		})
		t.Run("RES-5 roles come from the package's catalog; in-use resources stay", func(t *testing.T) {
			h := h.on(t)
			other := h.catalog(h.admin, "Other")
			p := h.pkg(h.admin, other, "Other package")
			h.fails(h.admin, "POST", em+"/accessPackages/"+p+"/resourceRoleScopes", map[string]any{
				"role": map[string]any{"originId": "Member_" + sec, "originSystem": "AadGroup"}}, 400, "not a resource of catalog 'Other'", "resourceRequests")
			inCat := h.pkg(h.admin, cat, "Uses security group")
			h.must(h.admin, "POST", em+"/accessPackages/"+inCat+"/resourceRoleScopes", map[string]any{
				"role": map[string]any{"originId": "Member_" + sec, "originSystem": "AadGroup"}}, 201)
			h.fails(h.admin, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminRemove",
				"resource": map[string]any{"originId": sec, "originSystem": "AadGroup"}, "catalog": map[string]any{"id": cat}}, 400, "Uses security group")
			// Catalog owners may add groups they own, and only those.
			ownerID, owner := h.user("owner@bestow.test")
			h.grant(ownerID, "ae79f266-94d4-4dab-b730-feca7e132178", other)
			mine := h.group(map[string]any{"displayName": "Mine"})
			h.must(h.admin, "POST", "/v1.0/groups/"+mine+"/owners/$ref", map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + ownerID}, 204)
			if r := h.addResource(owner, other, "AadGroup", sec); r.status != 403 || !contains(r.errMsg(), "only groups they own") {
				t.Errorf("owner adding a group they do not own: %d %s", r.status, r.raw)
			}
			if r := h.addResource(owner, other, "AadGroup", mine); r.status != 201 {
				t.Errorf("owner adding their own group: %d %s", r.status, r.raw)
			}
			// Removal works once no package uses the resource.
			h.must(h.admin, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminRemove",
				"resource": map[string]any{"originId": m365, "originSystem": "AadGroup"}, "catalog": map[string]any{"id": cat}}, 201)
		})
	})
}
