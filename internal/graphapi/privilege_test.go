package graphapi_test

import (
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

const roleAssignments = "/v1.0/roleManagement/entitlementManagement/roleAssignments"

func ref(id string) map[string]any {
	return map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + id}
}

func TestPrivilegedAccounts(t *testing.T) { // SEC-1 SEC-2 ADM-1 ADM-7
	backends(t, func(t *testing.T, h *harness) {
		igaID, iga := h.user("iga@bestow.test")
		uaID, ua := h.user("ua@bestow.test")
		ua2ID, _ := h.user("ua2@bestow.test")
		plainID, _ := h.user("plain@bestow.test")
		h.grant(igaID, access.RoleGovernanceAdmin, "")
		h.grant(uaID, access.RoleUserAdmin, "")
		h.grant(ua2ID, access.RoleUserAdmin, "")

		t.Run("SEC-1 a User Administrator cannot block, change or delete a more privileged account", func(t *testing.T) {
			h := h.on(t)
			for _, target := range []string{h.adminID, igaID} {
				h.fails(ua, "PATCH", "/v1.0/users/"+target, map[string]any{"accountEnabled": false}, 403, "more privileged", "Global Administrator")
				h.fails(ua, "PATCH", "/v1.0/users/"+target, map[string]any{"displayName": "x"}, 403, "more privileged")
				h.fails(ua, "DELETE", "/v1.0/users/"+target, nil, 403, "more privileged")
				h.fails(ua, "PUT", "/v1.0/users/"+target+"/manager/$ref", ref(plainID), 403, "more privileged")
			}
			// Still a working tenant: the Global Administrator is enabled.
			if r := h.must(h.admin, "GET", "/v1.0/users/"+h.adminID, nil, 200); r.body["accountEnabled"] != true {
				t.Fatalf("the Global Administrator was blocked: %s", r.raw)
			}
			// A peer or someone less privileged is fine.
			h.must(ua, "PATCH", "/v1.0/users/"+ua2ID, map[string]any{"jobTitle": "peer"}, 204)
			h.must(ua, "PATCH", "/v1.0/users/"+plainID, map[string]any{"accountEnabled": false}, 204)
			h.must(ua, "PATCH", "/v1.0/users/"+plainID, map[string]any{"accountEnabled": true}, 204)
		})
		t.Run("SEC-1 a deleted administrator cannot be purged or restored by a User Administrator", func(t *testing.T) {
			h := h.on(t)
			id, _ := h.user("old-iga@bestow.test")
			h.grant(id, access.RoleGovernanceAdmin, "")
			h.must(h.admin, "DELETE", "/v1.0/users/"+id, nil, 204)
			h.fails(ua, "DELETE", "/v1.0/directory/deletedItems/"+id, nil, 403, "more privileged")
			h.fails(ua, "POST", "/v1.0/directory/deletedItems/"+id+"/restore", nil, 403, "more privileged")
			h.must(h.admin, "POST", "/v1.0/directory/deletedItems/"+id+"/restore", nil, 200)
		})
		t.Run("SEC-2 roles go only to role-assignable groups", func(t *testing.T) {
			h := h.on(t)
			plain := h.group(map[string]any{"displayName": "Ordinary"})
			h.fails(h.admin, "POST", roleAssignments, map[string]any{"principalId": plain, "roleDefinitionId": access.RoleUserAdmin}, 400, "not role-assignable")
			h.fails(ua, "POST", "/v1.0/groups", map[string]any{"displayName": "Admins", "mailNickname": "a", "securityEnabled": true, "isAssignableToRole": true}, 403, "role-assignable", "Global Administrator")
			admins := h.group(map[string]any{"displayName": "Admins", "isAssignableToRole": true})
			h.must(h.admin, "POST", roleAssignments, map[string]any{"principalId": admins, "roleDefinitionId": access.RoleGovernanceAdmin}, 201)
			// Only a Global Administrator changes its membership or properties.
			h.fails(ua, "POST", "/v1.0/groups/"+admins+"/members/$ref", ref(uaID), 403, "role-assignable")
			h.fails(ua, "PATCH", "/v1.0/groups/"+admins, map[string]any{"description": "x"}, 403, "role-assignable")
			h.fails(ua, "DELETE", "/v1.0/groups/"+admins, nil, 403, "role-assignable")
			h.fails(h.admin, "PATCH", "/v1.0/groups/"+admins, map[string]any{"isAssignableToRole": false}, 400, "cannot be changed")
			h.must(h.admin, "POST", "/v1.0/groups/"+admins+"/members/$ref", ref(plainID), 204)
			// Membership makes plain more privileged than ua.
			h.fails(ua, "PATCH", "/v1.0/users/"+plainID, map[string]any{"accountEnabled": false}, 403, "Identity Governance Administrator")
			h.must(h.admin, "DELETE", "/v1.0/groups/"+admins+"/members/"+plainID+"/$ref", nil, 204)
		})
		t.Run("SEC-2 nobody grants a role above their own, outside their remit, or to themselves", func(t *testing.T) {
			h := h.on(t)
			h.fails(iga, "POST", roleAssignments, map[string]any{"principalId": igaID, "roleDefinitionId": access.RoleUserAdmin}, 403, "User Administrator")
			h.fails(iga, "POST", roleAssignments, map[string]any{"principalId": plainID, "roleDefinitionId": access.RoleUserAdmin}, 403, "create, change or delete users")
			h.fails(iga, "POST", roleAssignments, map[string]any{"principalId": plainID, "roleDefinitionId": access.RoleGlobalAdmin}, 403, "Global Administrator")
			h.fails(iga, "POST", roleAssignments, map[string]any{"principalId": igaID, "roleDefinitionId": access.RoleCatalogCreator}, 403, "yourself")
			h.fails(h.admin, "POST", roleAssignments, map[string]any{"principalId": h.adminID, "roleDefinitionId": access.RoleUserAdmin}, 403, "yourself")
			// Within the remit, for someone else: fine.
			h.must(iga, "POST", roleAssignments, map[string]any{"principalId": plainID, "roleDefinitionId": access.RoleCatalogCreator}, 201)
			mkt := h.catalog(h.admin, "Marketing")
			ownerID, owner := h.user("owner@bestow.test")
			h.grant(ownerID, access.RoleCatalogOwner, mkt)
			h.must(owner, "POST", roleAssignments, map[string]any{"principalId": plainID, "roleDefinitionId": access.RoleCatalogReader, "appScopeId": "/AccessPackageCatalog/" + mkt}, 201)
			h.fails(owner, "POST", roleAssignments, map[string]any{"principalId": ownerID, "roleDefinitionId": access.RolePackageManager, "appScopeId": "/AccessPackageCatalog/" + mkt}, 403, "yourself")
		})
		t.Run("SEC-1 nobody removes a role of a more privileged account", func(t *testing.T) {
			h := h.on(t)
			mkt := h.catalog(h.admin, "Sales")
			ga2, _ := h.user("ga2@bestow.test")
			h.grant(ga2, access.RoleGlobalAdmin, "")
			id := h.grant(ga2, access.RoleCatalogOwner, mkt)
			ownerID, owner := h.user("sales-owner@bestow.test")
			h.grant(ownerID, access.RoleCatalogOwner, mkt)
			h.fails(owner, "DELETE", roleAssignments+"/"+id, nil, 403, "more privileged")
			list := h.must(h.admin, "GET", roleAssignments+"?$filter=principalId eq '"+h.adminID+"' and roleDefinitionId eq '"+access.RoleGlobalAdmin+"'", nil, 200).list()
			h.fails(iga, "DELETE", roleAssignments+"/"+list[0]["id"].(string), nil, 403, "Global Administrator")
		})
	})
}
