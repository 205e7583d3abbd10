package graphapi_test

import (
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

func TestAdministrativeRoles(t *testing.T) { // ADM-1 ADM-2 ADM-3 ADM-4 ADM-5 ADM-7
	backends(t, func(t *testing.T, h *harness) {
		mkt := h.catalog(h.admin, "Marketing")
		readerID, reader := h.user("reader@bestow.test")
		pmID, pm := h.user("pm@bestow.test")
		amID, am := h.user("am@bestow.test")
		creatorID, creator := h.user("creator@bestow.test")
		uaID, ua := h.user("ua@bestow.test")
		_, nobody := h.user("nobody@bestow.test")
		h.grant(readerID, access.RoleCatalogReader, mkt)
		h.grant(pmID, access.RolePackageManager, mkt)
		h.grant(amID, access.RoleAssignmentManager, mkt)
		h.grant(creatorID, access.RoleCatalogCreator, "")
		h.grant(uaID, access.RoleUserAdmin, "")

		t.Run("ADM-1 task matrix", func(t *testing.T) {
			h := h.on(t)
			h.must(pm, "POST", em+"/accessPackages", map[string]any{"displayName": "by pm", "catalog": map[string]any{"id": mkt}}, 201)
			h.must(reader, "GET", em+"/catalogs/"+mkt, nil, 200)
			h.must(am, "GET", em+"/catalogs/"+mkt+"/accessPackages", nil, 200)
			h.must(reader, "POST", em+"/accessPackages", map[string]any{"displayName": "x", "catalog": map[string]any{"id": mkt}}, 403)
			h.must(am, "POST", em+"/accessPackages", map[string]any{"displayName": "x", "catalog": map[string]any{"id": mkt}}, 403)
			h.must(pm, "PATCH", em+"/catalogs/"+mkt, map[string]any{"description": "pm may not"}, 403)
			h.must(ua, "POST", em+"/catalogs", map[string]any{"displayName": "UA catalog"}, 201)
			// Catalog readers see only their catalogs; others do not see them at all.
			if n := len(h.must(nobody, "GET", em+"/catalogs", nil, 200).list()); n != 0 {
				t.Errorf("a user without roles sees %d catalogs, want 0", n)
			}
			h.must(nobody, "GET", em+"/catalogs/"+mkt, nil, 404)
			h.must(nobody, "PATCH", em+"/catalogs/"+mkt, map[string]any{"description": "x"}, 404)
		})
		t.Run("ADM-2 denial names action, scope and roles", func(t *testing.T) {
			h := h.on(t)
			r := h.fails(reader, "POST", em+"/accessPackages", map[string]any{"displayName": "x", "catalog": map[string]any{"id": mkt}}, 403,
				"create access packages", "catalog 'Marketing'", "Access package manager of catalog 'Marketing'", "Catalog owner of catalog 'Marketing'", "Identity Governance Administrator")
			if r.str("error.code") != "Authorization_RequestDenied" {
				t.Errorf("code %q", r.str("error.code"))
			}
			h.fails(pm, "DELETE", em+"/catalogs/"+mkt, nil, 403, "change or delete a catalog", "Catalog owner of catalog 'Marketing'")
			h.fails(nobody, "POST", "/v1.0/users", map[string]any{"displayName": "x", "userPrincipalName": "x@bestow.test"}, 403, "User Administrator", "Global Administrator")
		})
		t.Run("ADM-3 catalog creator is told to create a catalog first", func(t *testing.T) {
			h := h.on(t)
			general := h.must(h.admin, "GET", em+"/catalogs?$filter=catalogType eq 'serviceDefault'", nil, 200).list()[0]["id"].(string)
			h.fails(creator, "POST", em+"/accessPackages", map[string]any{"displayName": "x", "catalog": map[string]any{"id": general}}, 403, "Create a catalog first")
		})
		t.Run("ADM-4 creator becomes owner", func(t *testing.T) {
			h := h.on(t)
			own := h.catalog(creator, "Creator's catalog")
			ras := h.must(h.admin, "GET", "/v1.0/roleManagement/entitlementManagement/roleAssignments?$filter=principalId eq '"+creatorID+"' and appScopeId eq '/AccessPackageCatalog/"+own+"'", nil, 200).list()
			if len(ras) != 1 || ras[0]["roleDefinitionId"] != access.RoleCatalogOwner {
				t.Fatalf("role assignments of the creator on the new catalog: %v", ras)
			}
			h.pkg(creator, own, "Creator's package")
			// Creators see only their own catalogs.
			if n := len(h.must(creator, "GET", em+"/catalogs", nil, 200).list()); n != 1 {
				t.Errorf("creator sees %d catalogs, want 1", n)
			}
		})
		t.Run("ADM-5 Default catalog", func(t *testing.T) {
			h := h.on(t)
			general := h.must(h.admin, "GET", em+"/catalogs?$filter=displayName eq 'General'", nil, 200).list()
			if len(general) != 1 || general[0]["catalogType"] != "serviceDefault" {
				t.Fatalf("Default catalog: %v", general)
			}
			r := h.must(ua, "POST", em+"/accessPackages?$expand=catalog", map[string]any{"displayName": "no catalog given"}, 201)
			if r.str("catalog.displayName") != "General" {
				t.Errorf("package without catalog went to %q", r.str("catalog.displayName"))
			}
			h.grant(pmID, access.RolePackageManager, general[0]["id"].(string))
			h.fails(pm, "POST", em+"/accessPackages", map[string]any{"displayName": "pm in General"}, 403, "User Administrator or higher")
			h.fails(h.admin, "DELETE", em+"/catalogs/"+general[0]["id"].(string), nil, 400, "cannot be deleted")
		})
		t.Run("ADM-7 role assignments are data", func(t *testing.T) {
			h := h.on(t)
			id := h.grant(readerID, access.RoleCatalogOwner, mkt)
			r := h.must(h.admin, "GET", "/v1.0/roleManagement/entitlementManagement/roleAssignments/"+id+"?$expand=roleDefinition,principal", nil, 200)
			if r.str("roleDefinition.displayName") != "Catalog owner" || r.str("principal.userPrincipalName") != "reader@bestow.test" {
				t.Errorf("expanded assignment: %s", r.raw)
			}
			// A User Administrator may not grant tenant-wide roles.
			h.fails(ua, "POST", "/v1.0/roleManagement/entitlementManagement/roleAssignments",
				map[string]any{"principalId": readerID, "roleDefinitionId": access.RoleCatalogCreator}, 403, "grant or remove tenant-wide administrative roles")
			h.must(h.admin, "DELETE", "/v1.0/roleManagement/entitlementManagement/roleAssignments/"+id, nil, 204)
			h.must(h.admin, "GET", "/v1.0/roleManagement/entitlementManagement/roleAssignments/"+id, nil, 404)
			h.fails(h.admin, "POST", "/v1.0/roleManagement/entitlementManagement/roleAssignments",
				map[string]any{"principalId": readerID, "roleDefinitionId": "11111111-1111-1111-1111-111111111111"}, 400, "not a known role")
			h.fails(h.admin, "POST", "/v1.0/roleManagement/entitlementManagement/roleAssignments",
				map[string]any{"principalId": readerID, "roleDefinitionId": access.RoleCatalogOwner}, 400, "appScopeId")
		})
		t.Run("TRB-3 explain administration", func(t *testing.T) {
			h := h.on(t)
			r := h.must(h.admin, "GET", "/bestow/v1/explain/permission?user=reader@bestow.test&action=accessPackage.create&scope="+mkt, nil, 200)
			if r.body["allowed"] != false {
				t.Fatalf("reader allowed to create packages: %s", r.raw)
			}
			if !strings.Contains(r.raw, "Access package manager of catalog 'Marketing'") || !strings.Contains(r.raw, "/AccessPackageCatalog/"+mkt) {
				t.Errorf("explanation lacks the roles and where to grant them: %s", r.raw)
			}
			r = h.must(pm, "GET", "/bestow/v1/explain/permission?action=accessPackage.create&scope="+mkt, nil, 200)
			if r.body["allowed"] != true {
				t.Errorf("package manager not allowed: %s", r.raw)
			}
			h.fails(h.admin, "GET", "/bestow/v1/explain/permission?user=reader@bestow.test&action=fly", nil, 400, "not known")
		})
	})
}
