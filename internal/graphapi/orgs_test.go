package graphapi_test

import "testing"

func TestConnectedOrganizations(t *testing.T) { // EXT-1
	backends(t, func(t *testing.T, h *harness) {
		r := h.must(h.admin, "POST", em+"/connectedOrganizations", map[string]any{"displayName": "Fabrikam", "description": "partner",
			"identitySources": []any{
				map[string]any{"@odata.type": "#microsoft.graph.domainIdentitySource", "domainName": "Fabrikam.TEST", "displayName": "Fabrikam"},
				map[string]any{"@odata.type": "#microsoft.graph.azureActiveDirectoryTenant", "tenantId": "11111111-2222-3333-4444-555555555555", "displayName": "Fabrikam tenant"}}}, 201)
		id := r.str("id")
		if r.str("state") != "configured" {
			t.Errorf("default state %q, want configured", r.str("state"))
		}
		srcs := r.body["identitySources"].([]any)
		if len(srcs) != 2 || srcs[0].(map[string]any)["domainName"] != "fabrikam.test" {
			t.Errorf("identity sources: %s", r.raw)
		}
		h.must(h.admin, "POST", em+"/connectedOrganizations", map[string]any{"displayName": "Proposed", "state": "proposed"}, 201)
		h.fails(h.admin, "POST", em+"/connectedOrganizations", map[string]any{"displayName": "x", "state": "approved"}, 400, "state 'approved' is not valid")
		h.fails(h.admin, "POST", em+"/connectedOrganizations", map[string]any{"displayName": "x",
			"identitySources": []any{map[string]any{"@odata.type": "#microsoft.graph.emailAddress"}}}, 400, "not an identity source")
		h.fails(h.admin, "POST", em+"/connectedOrganizations", map[string]any{"displayName": "x",
			"identitySources": []any{map[string]any{"@odata.type": "#microsoft.graph.domainIdentitySource"}}}, 400, "domainName is required")
		if n := len(h.must(h.admin, "GET", em+"/connectedOrganizations?$filter=identitySources/any(s:s/domainName eq 'fabrikam.test')", nil, 200).list()); n != 1 {
			t.Errorf("filter by domain found %d", n)
		}

		internal, _ := h.user("sponsor@bestow.test")
		external, _ := h.user("guest@bestow.test")
		h.must(h.admin, "POST", em+"/connectedOrganizations/"+id+"/internalSponsors/$ref", map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/users/" + internal}, 204)
		h.must(h.admin, "POST", em+"/connectedOrganizations/"+id+"/externalSponsors/$ref", map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/users/" + external}, 204)
		h.fails(h.admin, "POST", em+"/connectedOrganizations/"+id+"/internalSponsors/$ref", map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/users/" + internal}, 409, "already")
		got := h.must(h.admin, "GET", em+"/connectedOrganizations/"+id+"?$expand=internalSponsors,externalSponsors", nil, 200)
		in, ex := got.body["internalSponsors"].([]any), got.body["externalSponsors"].([]any)
		if len(in) != 1 || in[0].(map[string]any)["id"] != internal || len(ex) != 1 || ex[0].(map[string]any)["id"] != external {
			t.Errorf("sponsors: %s", got.raw)
		}
		h.must(h.admin, "DELETE", em+"/connectedOrganizations/"+id+"/externalSponsors/"+external+"/$ref", nil, 204)

		// An organization a policy names cannot be deleted.
		cat := h.catalog(h.admin, "Partners")
		p := h.pkg(h.admin, cat, "Partner access")
		h.must(h.admin, "POST", em+"/assignmentPolicies", map[string]any{"displayName": "Fabrikam only", "accessPackage": map[string]any{"id": p},
			"allowedTargetScope": "specificConnectedOrganizationUsers", "requestorSettings": map[string]any{"enableTargetsToSelfAddAccess": true},
			"specificAllowedTargets": []any{map[string]any{"@odata.type": "#microsoft.graph.connectedOrganizationMembers", "connectedOrganizationId": id}}}, 201)
		h.fails(h.admin, "DELETE", em+"/connectedOrganizations/"+id, nil, 400, "Fabrikam only")

		// Connected Organization Administrators manage organizations and nothing else.
		coaID, coa := h.user("coa@bestow.test")
		h.grant(coaID, "e65cf63f-9cc2-4b48-8871-cb667e9d90f0", "")
		h.must(coa, "PATCH", em+"/connectedOrganizations/"+id, map[string]any{"description": "renamed by the org admin"}, 204)
		h.must(coa, "POST", em+"/catalogs", map[string]any{"displayName": "not allowed"}, 403)
	})
}
