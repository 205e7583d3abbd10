package graphapi_test

import (
	"slices"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

const (
	deletedGroups = "/v1.0/directory/deletedItems/microsoft.graph.group"
	deletedItems  = "/v1.0/directory/deletedItems/"
)

// TestGroupSoftDelete checks groups in the directory's deleted items, as Graph keeps them
// (ASG-4, which SPEC states for users, applied to groups): DELETE /groups/{id} moves a
// group there for 30 days; meanwhile it is gone from every listing and its members get
// nothing through it; a restore brings it back with its members and owners; a purge
// removes it for good. The 30-day sweep is in the conformance suite (accesstest,
// "ASG-4 a deleted group counts for nothing…"), which moves the test clock.
func TestGroupSoftDelete(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		annID, ann := h.user("ann@bestow.test")
		ownerID, _ := h.user("owner@bestow.test")
		cat := h.catalog(h.admin, "Projects")
		pkg := h.pkg(h.admin, cat, "Project room")
		// newTeam makes a group with ann as member and owner@ as owner, and a policy that
		// lets its members request pkg.
		newTeam := func(h *harness, name string) string {
			h.t.Helper()
			g := h.group(map[string]any{"displayName": name})
			h.must(h.admin, "POST", "/v1.0/groups/"+g+"/members/$ref", ref(annID), 204)
			h.must(h.admin, "POST", "/v1.0/groups/"+g+"/owners/$ref", ref(ownerID), 204)
			h.must(h.admin, "POST", em+"/assignmentPolicies", map[string]any{"displayName": name + " members", "accessPackage": map[string]any{"id": pkg},
				"allowedTargetScope": "specificDirectoryUsers", "expiration": map[string]any{"type": "noExpiration"},
				"specificAllowedTargets": []any{map[string]any{"@odata.type": "#microsoft.graph.groupMembers", "groupId": g}},
				"requestorSettings":      map[string]any{"enableTargetsToSelfAddAccess": true}}, 201)
			return g
		}
		eligible := func(h *harness) bool {
			h.t.Helper()
			return len(h.must(ann, "GET", em+"/accessPackages/filterByCurrentUser(on='allowedRequestor')", nil, 200).list()) > 0
		}
		ids := func(list []map[string]any) []string {
			var out []string
			for _, o := range list {
				out = append(out, o["id"].(string))
			}
			return out
		}
		memberOf := func(h *harness, g string) bool {
			h.t.Helper()
			return slices.Contains(ids(h.must(ann, "GET", "/v1.0/users/"+annID+"/memberOf", nil, 200).list()), g)
		}

		t.Run("ASG-4 a deleted group is in deleted items, gone elsewhere, and grants nothing; a restore brings back its members and owners", func(t *testing.T) {
			h := h.on(t)
			g := newTeam(h, "Team")
			if !eligible(h) || !memberOf(h, g) {
				t.Fatal("before deletion ann should be eligible through the group and list it in memberOf")
			}
			h.must(h.admin, "DELETE", "/v1.0/groups/"+g, nil, 204)

			h.fails(h.admin, "GET", "/v1.0/groups/"+g, nil, 404, "deleted", "deletedItems/"+g+"/restore")
			h.must(h.admin, "GET", "/v1.0/groups/"+g+"/members", nil, 404)
			h.must(h.admin, "PATCH", "/v1.0/groups/"+g, map[string]any{"description": "x"}, 404)
			h.must(h.admin, "POST", "/v1.0/groups/"+g+"/members/$ref", ref(ownerID), 404)
			if slices.Contains(ids(h.must(h.admin, "GET", "/v1.0/groups", nil, 200).list()), g) {
				t.Error("GET /groups lists the deleted group")
			}
			deleted := h.must(h.admin, "GET", deletedGroups, nil, 200)
			if list := deleted.list(); len(list) != 1 || list[0]["id"] != g || list[0]["deletedDateTime"] == nil || !contains(deleted.str("@odata.context"), "$metadata#group") {
				t.Errorf("deleted groups: %s", deleted.raw)
			}
			item := h.must(h.admin, "GET", deletedItems+g, nil, 200)
			if item.str("@odata.type") != "#microsoft.graph.group" || item.str("displayName") != "Team" || item.body["deletedDateTime"] == nil ||
				!contains(item.str("@odata.context"), "$metadata#directoryObjects/$entity") {
				t.Errorf("deleted item: %s", item.raw)
			}
			if memberOf(h, g) || contains(h.must(ann, "GET", "/v1.0/users/"+annID+"?$expand=memberOf", nil, 200).raw, g) {
				t.Error("ann's memberOf still lists the deleted group")
			}
			if eligible(h) {
				t.Error("a groupMembers policy naming the deleted group still makes its members eligible")
			}
			h.fails(h.admin, "POST", em+"/assignmentPolicies", map[string]any{"displayName": "new", "accessPackage": map[string]any{"id": pkg},
				"allowedTargetScope": "specificDirectoryUsers", "expiration": map[string]any{"type": "noExpiration"},
				"specificAllowedTargets": []any{map[string]any{"@odata.type": "#microsoft.graph.groupMembers", "groupId": g}}}, 400, "deleted")

			restored := h.must(h.admin, "POST", deletedItems+g+"/restore", nil, 200)
			if restored.str("@odata.type") != "#microsoft.graph.group" || restored.str("id") != g || restored.body["deletedDateTime"] != nil {
				t.Errorf("restore answered %s", restored.raw)
			}
			h.must(h.admin, "GET", "/v1.0/groups/"+g, nil, 200)
			if m := ids(h.must(h.admin, "GET", "/v1.0/groups/"+g+"/members", nil, 200).list()); len(m) != 1 || m[0] != annID {
				t.Errorf("members after restore: %v", m)
			}
			if o := ids(h.must(h.admin, "GET", "/v1.0/groups/"+g+"/owners", nil, 200).list()); len(o) != 1 || o[0] != ownerID {
				t.Errorf("owners after restore: %v", o)
			}
			if !eligible(h) || !memberOf(h, g) {
				t.Error("after the restore ann is not eligible through the group again, or memberOf lacks it")
			}
			if len(h.must(h.admin, "GET", deletedGroups, nil, 200).list()) != 0 {
				t.Error("the restored group is still in deleted items")
			}
			h.fails(h.admin, "POST", deletedItems+g+"/restore", nil, 404, "not deleted")
		})

		t.Run("ASG-4 RPT-2 a purged group is gone for good, and delete, restore and purge are in the audit log", func(t *testing.T) {
			h := h.on(t)
			g := newTeam(h, "Short-lived")
			h.must(h.admin, "DELETE", "/v1.0/groups/"+g, nil, 204)
			h.must(h.admin, "POST", deletedItems+g+"/restore", nil, 200)
			h.must(h.admin, "DELETE", "/v1.0/groups/"+g, nil, 204)
			h.must(h.admin, "DELETE", deletedItems+g, nil, 204)
			h.fails(h.admin, "GET", deletedItems+g, nil, 404, "does not exist")
			h.must(h.admin, "GET", "/v1.0/groups/"+g, nil, 404)
			h.must(h.admin, "POST", deletedItems+g+"/restore", nil, 404)
			if len(h.must(h.admin, "GET", deletedGroups, nil, 200).list()) != 0 || memberOf(h, g) {
				t.Error("the purged group is still listed")
			}
			var actions []string
			for _, e := range h.must(h.admin, "GET", "/bestow/v1/audit?objectType=group&objectId="+g, nil, 200).list() {
				before, _ := e["before"].(map[string]any)
				after, _ := e["after"].(map[string]any)
				switch {
				case e["action"] == "update" && before["deletedDateTime"] == nil && after["deletedDateTime"] != nil:
					actions = append(actions, "delete")
				case e["action"] == "update" && before["deletedDateTime"] != nil && after["deletedDateTime"] == nil:
					actions = append(actions, "restore")
				case e["action"] == "delete":
					actions = append(actions, "purge")
				default:
					actions = append(actions, e["action"].(string))
				}
			}
			if want := []string{"create", "delete", "restore", "delete", "purge"}; !slices.Equal(actions, want) {
				t.Errorf("audit of the group: %v, want %v", actions, want)
			}
			members := h.must(h.admin, "GET", "/bestow/v1/audit?objectType=groupMember&objectId="+g+"&action=unrelate", nil, 200).list()
			if len(members) != 1 || h.adminID != members[0]["actorId"] {
				t.Errorf("the purge's removal of the members is not audited: %v", members)
			}
		})

		t.Run("SEC-2 roles held through a deleted role-assignable group do not count, and come back with it", func(t *testing.T) {
			h := h.on(t)
			carolID, carol := h.user("carol@bestow.test")
			admins := h.group(map[string]any{"displayName": "Directory admins", "isAssignableToRole": true})
			h.grant(admins, access.RoleUserAdmin, "")
			h.must(h.admin, "POST", "/v1.0/groups/"+admins+"/members/$ref", ref(carolID), 204)
			h.must(carol, "GET", "/v1.0/directory/deletedItems/microsoft.graph.user", nil, 200)
			h.must(h.admin, "DELETE", "/v1.0/groups/"+admins, nil, 204)
			h.must(carol, "GET", "/v1.0/directory/deletedItems/microsoft.graph.user", nil, 403)
			h.fails(h.admin, "POST", roleAssignments, map[string]any{"principalId": admins, "roleDefinitionId": access.RoleCatalogCreator}, 400, "is deleted")
			h.must(h.admin, "POST", deletedItems+admins+"/restore", nil, 200)
			h.must(carol, "GET", "/v1.0/directory/deletedItems/microsoft.graph.user", nil, 200)
		})

		t.Run("SEC-1 SEC-2 SEC-3 only those who may delete groups list, read, restore and purge them", func(t *testing.T) {
			h := h.on(t)
			uaID, ua := h.user("ua@bestow.test")
			h.grant(uaID, access.RoleUserAdmin, "")
			igaID, iga := h.user("iga@bestow.test")
			h.grant(igaID, access.RoleGovernanceAdmin, "")
			guestID, guest := h.user("guest@fabrikam.test")
			h.must(h.admin, "PATCH", "/v1.0/users/"+guestID, map[string]any{"userType": "Guest"}, 204)
			plain := newTeam(h, "Plain")
			roleGroup := h.group(map[string]any{"displayName": "Role holders", "isAssignableToRole": true})
			h.must(h.admin, "DELETE", "/v1.0/groups/"+plain, nil, 204)
			h.must(h.admin, "DELETE", "/v1.0/groups/"+roleGroup, nil, 204)

			for _, c := range []struct{ name, tok string }{{"member without roles", ann}, {"guest", guest}} {
				h.fails(c.tok, "GET", deletedGroups, nil, 403, "not allowed")
				for _, g := range []string{plain, roleGroup, "00000000-0000-4000-8000-00000000beef"} {
					h.must(c.tok, "GET", deletedItems+g, nil, 403)
					h.must(c.tok, "POST", deletedItems+g+"/restore", nil, 403)
					h.must(c.tok, "DELETE", deletedItems+g, nil, 403)
				}
			}
			// Reading deleted users is not enough: deleted groups are for those who manage groups.
			h.must(iga, "GET", "/v1.0/directory/deletedItems/microsoft.graph.user", nil, 200)
			h.fails(iga, "GET", deletedGroups, nil, 403, "User Administrator")
			h.must(iga, "GET", deletedItems+plain, nil, 403)
			h.must(iga, "POST", deletedItems+plain+"/restore", nil, 403)

			// A User Administrator manages plain groups, not role-assignable ones (SEC-2).
			if got := ids(h.must(ua, "GET", deletedGroups, nil, 200).list()); len(got) != 2 {
				t.Errorf("the User Administrator sees deleted groups %v, want both", got)
			}
			h.fails(ua, "POST", deletedItems+roleGroup+"/restore", nil, 403, "role-assignable", "Global Administrator")
			h.fails(ua, "DELETE", deletedItems+roleGroup, nil, 403, "role-assignable")
			if r := h.must(ua, "POST", deletedItems+plain+"/restore", nil, 200); r.str("@odata.type") != "#microsoft.graph.group" {
				t.Errorf("restore by the User Administrator: %s", r.raw)
			}
			h.must(ua, "DELETE", "/v1.0/groups/"+plain, nil, 204)
			h.must(ua, "DELETE", deletedItems+plain, nil, 204)
			h.must(h.admin, "DELETE", deletedItems+roleGroup, nil, 204)
		})

		t.Run("a group that is a catalog resource is still refused, and stays live; a deleted group cannot become one", func(t *testing.T) {
			h := h.on(t)
			g := h.group(map[string]any{"displayName": "Resource"})
			if r := h.addResource(h.admin, cat, "AadGroup", g); r.status != 201 {
				t.Fatal(r.raw)
			}
			h.fails(h.admin, "DELETE", "/v1.0/groups/"+g, nil, 400, "resource in catalog", "Projects")
			h.must(h.admin, "GET", "/v1.0/groups/"+g, nil, 200)
			// A deleted group cannot become a resource, so nothing is delivered into it.
			other := newTeam(h, "Deleted")
			h.must(h.admin, "DELETE", "/v1.0/groups/"+other, nil, 204)
			if r := h.addResource(h.admin, cat, "AadGroup", other); r.status != 404 {
				t.Errorf("adding a deleted group as a resource: %d %s", r.status, r.raw)
			}
		})

		t.Run("ASG-4 deletedItems answers users with their @odata.type too", func(t *testing.T) {
			h := h.on(t)
			id, _ := h.user("leaver2@bestow.test")
			h.must(h.admin, "DELETE", "/v1.0/users/"+id, nil, 204)
			if r := h.must(h.admin, "GET", deletedItems+id, nil, 200); r.str("@odata.type") != "#microsoft.graph.user" {
				t.Errorf("deleted user: %s", r.raw)
			}
			if slices.Contains(ids(h.must(h.admin, "GET", deletedGroups, nil, 200).list()), id) {
				t.Error("a deleted user is listed among the deleted groups")
			}
			if r := h.must(h.admin, "POST", deletedItems+id+"/restore", nil, 200); r.str("@odata.type") != "#microsoft.graph.user" ||
				r.str("userPrincipalName") != "leaver2@bestow.test" || !contains(r.str("@odata.context"), "directoryObjects/$entity") {
				t.Errorf("restored user: %s", r.raw)
			}
			if slices.Contains(ids(h.must(h.admin, "GET", "/v1.0/directory/deletedItems/microsoft.graph.user", nil, 200).list()), id) {
				t.Error("the restored user is still in deleted items")
			}
		})
	})
}
