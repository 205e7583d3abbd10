package graphapi_test

import (
	"sort"
	"strings"
	"testing"
)

func TestRequestablePackages(t *testing.T) { // POL-10 REQ-3 AP-2 POL-8
	backends(t, func(t *testing.T, h *harness) {
		cat := h.catalog(h.admin, "Requestable")
		memberID, member := h.user("member@bestow.test")
		_, other := h.user("other@bestow.test")
		guestID, guest := h.user("guest_fabrikam.test#EXT#@bestow.test")
		h.must(h.admin, "PATCH", "/v1.0/users/"+guestID, map[string]any{"userType": "Guest", "mail": "guest@fabrikam.test"}, 204)
		org := h.must(h.admin, "POST", em+"/connectedOrganizations", map[string]any{"displayName": "Fabrikam",
			"identitySources": []any{map[string]any{"@odata.type": "#microsoft.graph.domainIdentitySource", "domainName": "fabrikam.test"}}}, 201).str("id")
		selfAdd := map[string]any{"enableTargetsToSelfAddAccess": true}
		policy := func(pkg, name, scope string, targets ...any) {
			h.must(h.admin, "POST", em+"/assignmentPolicies", map[string]any{"displayName": name, "accessPackage": map[string]any{"id": pkg},
				"allowedTargetScope": scope, "specificAllowedTargets": targets, "requestorSettings": selfAdd,
				"requestApprovalSettings": map[string]any{"isRequestorJustificationRequired": strings.HasPrefix(name, "specific")}}, 201)
		}
		open := h.pkg(h.admin, cat, "Open to members")
		policy(open, "all members", "allMemberUsers")
		policy(open, "specific: member", "specificDirectoryUsers", map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": memberID})
		hidden := h.must(h.admin, "POST", em+"/accessPackages", map[string]any{"displayName": "Hidden", "isHidden": true, "catalog": map[string]any{"id": cat}}, 201).str("id")
		policy(hidden, "all members", "allMemberUsers")
		partners := h.pkg(h.admin, cat, "Partners")
		policy(partners, "fabrikam", "specificConnectedOrganizationUsers", map[string]any{"@odata.type": "#microsoft.graph.connectedOrganizationMembers", "connectedOrganizationId": org})

		listed := func(tok string) string {
			var names []string
			for _, p := range h.must(tok, "GET", em+"/accessPackages/filterByCurrentUser(on='allowedRequestor')", nil, 200).list() {
				names = append(names, p["displayName"].(string))
			}
			sort.Strings(names)
			return strings.Join(names, ", ")
		}
		if got := listed(member); got != "Open to members" {
			t.Errorf("member may request: %q", got)
		}
		if got := listed(guest); got != "Partners" {
			t.Errorf("REQ-3 guest of Fabrikam may request: %q", got)
		}
		// POL-10: the member is named specifically, so only that policy is offered.
		reqs := h.must(member, "POST", em+"/accessPackages/"+open+"/getApplicablePolicyRequirements", nil, 200).list()
		if len(reqs) != 1 || reqs[0]["policyDisplayName"] != "specific: member" || reqs[0]["isRequestorJustificationRequired"] != true {
			t.Errorf("member's applicable policies: %v", reqs)
		}
		reqs = h.must(other, "POST", em+"/accessPackages/"+open+"/getApplicablePolicyRequirements", nil, 200).list()
		if len(reqs) != 1 || reqs[0]["policyDisplayName"] != "all members" {
			t.Errorf("other member's applicable policies: %v", reqs)
		}
		// AP-2: hidden packages are not listed but can be requested through their link.
		if reqs := h.must(member, "POST", em+"/accessPackages/"+hidden+"/getApplicablePolicyRequirements", nil, 200).list(); len(reqs) != 1 {
			t.Errorf("hidden package requirements: %v", reqs)
		}
		if reqs := h.must(guest, "POST", em+"/accessPackages/"+open+"/getApplicablePolicyRequirements", nil, 200).list(); len(reqs) != 0 {
			t.Errorf("guest offered a members-only policy: %v", reqs)
		}
		// An unpublished catalog takes no requests; neither does a catalog closed to external users.
		h.must(h.admin, "PATCH", em+"/catalogs/"+cat, map[string]any{"isExternallyVisible": false}, 204)
		if got := listed(guest); got != "" {
			t.Errorf("catalog closed to external users still offers %q", got)
		}
		h.must(h.admin, "PATCH", em+"/catalogs/"+cat, map[string]any{"state": "unpublished"}, 204)
		if got := listed(member); got != "" {
			t.Errorf("unpublished catalog still offers %q", got)
		}
		h.fails(member, "GET", em+"/accessPackages/filterByCurrentUser(on='approver')", nil, 400, "allowedRequestor")
	})
}
