package graphapi_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

// TestDirectoryObjectCollections checks that the items of directoryObject collections
// carry their @odata.type and their own properties, as Graph answers them, so typed SDKs
// read them as users and groups rather than bare directory objects.
func TestDirectoryObjectCollections(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		boss, _ := h.user("boss@bestow.test")
		ann, _ := h.user("ann@bestow.test")
		h.must(h.admin, "PUT", "/v1.0/users/"+ann+"/manager/$ref", ref(boss), 204)
		h.must(h.admin, "POST", "/v1.0/users/"+ann+"/sponsors/$ref", ref(boss), 204)
		grp := h.group(map[string]any{"displayName": "Finance team"})
		h.must(h.admin, "POST", "/v1.0/groups/"+grp+"/members/$ref", ref(ann), 204)
		h.must(h.admin, "POST", "/v1.0/groups/"+grp+"/owners/$ref", ref(boss), 204)

		one := func(path, wantType, prop, want string) {
			t.Helper()
			r := h.must(h.admin, "GET", path, nil, 200)
			if ctx := r.str("@odata.context"); !contains(ctx, "#directoryObject") {
				t.Errorf("%s: @odata.context %q, want a directoryObject collection", path, ctx)
			}
			items := r.list()
			if len(items) != 1 {
				t.Fatalf("%s: %d items, want 1: %s", path, len(items), r.raw)
			}
			if items[0]["@odata.type"] != wantType || items[0][prop] != want {
				t.Errorf("%s: item %v, want @odata.type %s and %s %q", path, items[0], wantType, prop, want)
			}
			if _, leaked := items[0]["managerId"]; leaked {
				t.Errorf("%s: item shows the stored managerId: %v", path, items[0])
			}
		}
		one("/v1.0/users/"+ann+"/memberOf", access.TypeGroup, "displayName", "Finance team")
		one("/v1.0/users/"+boss+"/directReports", access.TypeUser, "userPrincipalName", "ann@bestow.test")
		one("/v1.0/users/"+ann+"/sponsors", access.TypeUser, "userPrincipalName", "boss@bestow.test")
		one("/v1.0/groups/"+grp+"/members", access.TypeUser, "userPrincipalName", "ann@bestow.test")
		one("/v1.0/groups/"+grp+"/owners", access.TypeUser, "displayName", "boss@bestow.test")
		one("/v1.0/groups/"+grp+"/members?$select=displayName", access.TypeUser, "displayName", "ann@bestow.test")
		one("/v1.0/groups/"+grp+"/members?$filter=userPrincipalName eq 'ann@bestow.test'", access.TypeUser, "displayName", "ann@bestow.test")
		exp := h.must(h.admin, "GET", "/v1.0/users/"+ann+"?$expand=memberOf,sponsors", nil, 200)
		for _, nav := range []string{"memberOf", "sponsors"} {
			items, _ := exp.body[nav].([]any)
			if len(items) != 1 || items[0].(map[string]any)["@odata.type"] == nil || items[0].(map[string]any)["displayName"] == nil {
				t.Errorf("$expand=%s: %v, want one typed item with its displayName", nav, exp.body[nav])
			}
		}
	})
}

// TestCountSegments checks Graph's $count path segment: a text/plain integer that
// honours $filter and never counts more than the caller could list.
func TestCountSegments(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		_, guest := h.user("guest@fabrikam.test")
		gid := h.must(h.admin, "GET", "/v1.0/users/guest@fabrikam.test", nil, 200).str("id")
		h.must(h.admin, "PATCH", "/v1.0/users/"+gid, map[string]any{"userType": "Guest"}, 204)
		h.group(map[string]any{"displayName": "A"})
		h.group(map[string]any{"displayName": "B"})
		cat := h.catalog(h.admin, "Sales")
		h.pkg(h.admin, cat, "Sales")

		count := func(tok, path string) string {
			t.Helper()
			r := h.must(tok, "GET", path, nil, 200)
			if r.body != nil {
				t.Fatalf("%s: answered JSON, want a text/plain integer: %s", path, r.raw)
			}
			return r.raw
		}
		for path, want := range map[string]int{
			"/v1.0/users/$count":  h.count("/v1.0/users"),
			"/v1.0/groups/$count": 2,
			"/v1.0/users/$count?$filter=startswith(userPrincipalName,'guest')": 1,
			em + "/accessPackages/$count":                                      1,
			em + "/catalogs/$count":                                            h.count(em + "/catalogs"),
		} {
			if got := count(h.admin, path); got != strconv.Itoa(want) {
				t.Errorf("%s = %s, want %d", path, got, want)
			}
		}
		if got := count(guest, em+"/accessPackages/$count"); got != "0" {
			t.Errorf("a guest with no role counts %s access packages, want 0", got)
		}
		h.fails(guest, "GET", "/v1.0/users/$count", nil, 403)
		h.fails(h.admin, "GET", "/v1.0/users/$count?$filter=nope eq 1", nil, 400, "nope")
		h.fails(h.admin, "GET", "/v1.0/users/"+gid+"/manager/$count", nil, 404, "not an endpoint")
	})
}

// TestPolicyQuestionsExpand checks that questions, a relationship of the policy in v1.0,
// can be expanded (and selected inside the expansion). // POL-5
func TestPolicyQuestionsExpand(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		cat := h.catalog(h.admin, "Sales")
		pkg := h.pkg(h.admin, cat, "Sales")
		pol := policyBody(pkg)
		pol["questions"] = []any{map[string]any{"@odata.type": "#microsoft.graph.accessPackageTextInputQuestion", "text": "Ticket?", "isRequired": true}}
		id := h.must(h.admin, "POST", em+"/assignmentPolicies", pol, 201).str("id")
		r := h.must(h.admin, "GET", em+"/assignmentPolicies/"+id+"?$expand=questions($select=text)", nil, 200)
		qs, _ := r.body["questions"].([]any)
		if len(qs) != 1 {
			t.Fatalf("questions = %v, want one", r.body["questions"])
		}
		q := qs[0].(map[string]any)
		if q["text"] != "Ticket?" || q["id"] == nil || q["isRequired"] != nil {
			t.Errorf("expanded question with $select=text = %v, want id and text only", q)
		}
	})
}

// TestRequestableCatalogExpand checks that a requestor who holds no role sees the catalog
// of the packages they may request (My Access shows it), and nothing of others. // AP-2
func TestRequestableCatalogExpand(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		_, ann := h.user("ann@bestow.test")
		cat := h.catalog(h.admin, "Sales")
		pkg := h.pkg(h.admin, cat, "Sales")
		h.must(h.admin, "POST", em+"/assignmentPolicies", policyBody(pkg), 201)
		closed := h.pkg(h.admin, h.catalog(h.admin, "Secret"), "Secret")

		r := h.must(ann, "GET", em+"/accessPackages/filterByCurrentUser(on='allowedRequestor')?$expand=catalog", nil, 200)
		items := r.list()
		if len(items) != 1 || items[0]["id"] != pkg {
			t.Fatalf("requestable packages = %s, want only %s", r.raw, pkg)
		}
		if c, _ := items[0]["catalog"].(map[string]any); c["displayName"] != "Sales" {
			t.Errorf("expanded catalog = %v, want Sales", items[0]["catalog"])
		}
		h.fails(ann, "GET", em+"/accessPackages/"+closed+"?$expand=catalog", nil, 404)
	})
}

// TestDefaultProperties checks that users, groups and service principals show Graph's
// default properties (null when unset) and store the ones a client sets.
func TestDefaultProperties(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		ann, _ := h.user("ann@bestow.test")
		u := h.must(h.admin, "GET", "/v1.0/users/"+ann, nil, 200)
		for _, p := range []string{"givenName", "surname", "jobTitle", "mobilePhone", "officeLocation", "preferredLanguage"} {
			if v, ok := u.body[p]; !ok || v != nil {
				t.Errorf("unset %s = %v (present %v), want null", p, v, ok)
			}
		}
		if phones, ok := u.body["businessPhones"].([]any); !ok || len(phones) != 0 {
			t.Errorf("businessPhones = %v, want []", u.body["businessPhones"])
		}
		set := map[string]any{"givenName": "Ann", "surname": "Lee", "jobTitle": "Analyst", "mobilePhone": "+1 555 0100",
			"officeLocation": "B2", "preferredLanguage": "en-US", "businessPhones": []string{"+1 555 0101"}}
		h.must(h.admin, "PATCH", "/v1.0/users/"+ann, set, 204)
		u = h.must(h.admin, "GET", "/v1.0/users/"+ann, nil, 200)
		for k, v := range set {
			if k == "businessPhones" {
				if p, _ := u.body[k].([]any); len(p) != 1 || p[0] != "+1 555 0101" {
					t.Errorf("businessPhones = %v", u.body[k])
				}
				continue
			}
			if u.body[k] != v {
				t.Errorf("%s = %v, want %v", k, u.body[k], v)
			}
		}

		g := h.must(h.admin, "POST", "/v1.0/groups", map[string]any{"displayName": "Sales", "securityEnabled": true, "mailNickname": "sales",
			"classification": "Internal", "preferredLanguage": "en-GB"}, 201)
		g = h.must(h.admin, "GET", "/v1.0/groups/"+g.str("id"), nil, 200)
		if g.body["classification"] != "Internal" || g.body["preferredLanguage"] != "en-GB" {
			t.Errorf("group = %s, want classification and preferredLanguage stored", g.raw)
		}
		for _, p := range []string{"description", "mail", "visibility", "theme", "membershipRule"} {
			if v, ok := g.body[p]; !ok || v != nil {
				t.Errorf("group's unset %s = %v (present %v), want null", p, v, ok)
			}
		}

		sp := h.must(h.admin, "POST", "/v1.0/servicePrincipals", map[string]any{"displayName": "Payroll", "homepage": "https://payroll.bestow.test",
			"appRoleAssignmentRequired": true}, 201)
		sp = h.must(h.admin, "GET", "/v1.0/servicePrincipals/"+sp.str("id"), nil, 200)
		names, _ := sp.body["servicePrincipalNames"].([]any)
		if sp.body["homepage"] != "https://payroll.bestow.test" || sp.body["appRoleAssignmentRequired"] != true ||
			sp.body["appDisplayName"] != "Payroll" || len(names) != 1 || names[0] != sp.str("appId") {
			t.Errorf("service principal = %s", sp.raw)
		}
		if v, ok := sp.body["notes"]; !ok || v != nil {
			t.Errorf("service principal's unset notes = %v (present %v), want null", v, ok)
		}
	})
}

// TestRoleDefinitionShape checks templateId, version and rolePermissions, which list
// exactly the actions the role allows. // ADM-1
func TestRoleDefinitionShape(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		r := h.must(h.admin, "GET", rbacBase+"/roleDefinitions/"+access.RoleCatalogReader, nil, 200)
		if r.str("templateId") != access.RoleCatalogReader || r.str("version") == "" {
			t.Errorf("role definition = %s, want templateId and version", r.raw)
		}
		perms, _ := r.body["rolePermissions"].([]any)
		if len(perms) != 1 {
			t.Fatalf("rolePermissions = %v", r.body["rolePermissions"])
		}
		var actions []string
		for _, a := range perms[0].(map[string]any)["allowedResourceActions"].([]any) {
			actions = append(actions, a.(string))
		}
		slices.Sort(actions)
		if want := []string{string(access.ActReadPackage), string(access.ActReadCatalog)}; !slices.Equal(actions, want) {
			t.Errorf("Catalog reader allows %v, want %v", actions, want)
		}
	})
}

// TestUnreviewedStage checks that a stage nobody has reviewed shows reviewedBy null, and
// the reviewer once decided; approvals carry their @odata.type.
func TestUnreviewedStage(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		approver, approverTok := h.user("approver@bestow.test")
		_, ann := h.user("ann@bestow.test")
		cat := h.catalog(h.admin, "Sales")
		pkg := h.pkg(h.admin, cat, "Sales")
		pol := h.must(h.admin, "POST", em+"/assignmentPolicies", policyBody(pkg, []string{approver}), 201).str("id")
		req := h.must(ann, "POST", em+"/assignmentRequests", map[string]any{"requestType": "userAdd", "justification": "x",
			"assignment": map[string]any{"accessPackageId": pkg, "assignmentPolicyId": pol}}, 201).str("id")

		mine := h.must(approverTok, "GET", em+"/assignmentApprovals/filterByCurrentUser(on='approver')", nil, 200).list()
		if len(mine) != 1 || mine[0]["@odata.type"] != "#microsoft.graph.approval" {
			t.Fatalf("approvals = %v, want one typed approval", mine)
		}
		stage := mine[0]["stages"].([]any)[0].(map[string]any)
		if v, ok := stage["reviewedBy"]; !ok || v != nil {
			t.Errorf("unreviewed stage reviewedBy = %v (present %v), want null", v, ok)
		}
		h.must(approverTok, "PATCH", em+"/assignmentApprovals/"+req+"/stages/"+stage["id"].(string),
			map[string]any{"reviewResult": "Approve", "justification": "ok"}, 204)
		st := h.must(h.admin, "GET", em+"/assignmentApprovals/"+req+"/stages/"+stage["id"].(string), nil, 200)
		if st.str("reviewedBy.id") != approver {
			t.Errorf("reviewed stage reviewedBy = %v, want %s", st.body["reviewedBy"], approver)
		}
	})
}

// TestInviteByEmail checks adminAdd with assignment.target.email: someone not yet in the
// directory gets a guest account when the chosen policy includes people from their
// organization, and is assigned; a direct-assignment policy or an address of the
// organization's own domain is refused and creates nothing; a caller who may not assign
// is refused before anything is looked up. // AUTH-2 REQ-9
func TestInviteByEmail(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		_, member := h.user("member@bestow.test")
		org := h.must(h.admin, "POST", em+"/connectedOrganizations", map[string]any{"displayName": "Fabrikam",
			"identitySources": []any{map[string]any{"@odata.type": "#microsoft.graph.domainIdentitySource", "domainName": "fabrikam.test", "displayName": "fabrikam.test"}}}, 201).str("id")
		cat := h.catalog(h.admin, "Partners")
		h.must(h.admin, "PATCH", em+"/catalogs/"+cat, map[string]any{"isExternallyVisible": true}, 204)
		pkg := h.pkg(h.admin, cat, "Partner portal")
		partners := h.must(h.admin, "POST", em+"/assignmentPolicies", map[string]any{"displayName": "Fabrikam", "allowedTargetScope": "specificConnectedOrganizationUsers",
			"specificAllowedTargets": []any{map[string]any{"@odata.type": "#microsoft.graph.connectedOrganizationMembers", "connectedOrganizationId": org}},
			"expiration":             map[string]any{"type": "noExpiration"}, "accessPackage": map[string]any{"id": pkg}}, 201).str("id")
		direct := h.adminPolicy(pkg)
		invite := func(tok, policy, email string) resp {
			return h.call(tok, "POST", em+"/assignmentRequests", map[string]any{"requestType": "adminAdd",
				"assignment": map[string]any{"accessPackageId": pkg, "assignmentPolicyId": policy, "target": map[string]any{"email": email, "displayName": "Alice Partner"}}})
		}
		users := func() int { return h.count("/v1.0/users") }
		before := users()

		if r := invite(member, partners, "alice@fabrikam.test"); r.status != 403 {
			t.Errorf("a member without a role invited someone: %d %s", r.status, r.raw)
		}
		h.fails(h.admin, "POST", em+"/assignmentRequests", map[string]any{"requestType": "adminAdd",
			"assignment": map[string]any{"accessPackageId": pkg, "assignmentPolicyId": direct, "target": map[string]any{"email": "alice@fabrikam.test"}}},
			400, "choose a policy for users not in your directory")
		h.fails(h.admin, "POST", em+"/assignmentRequests", map[string]any{"requestType": "adminAdd",
			"assignment": map[string]any{"accessPackageId": pkg, "assignmentPolicyId": partners, "target": map[string]any{"email": "nobody@bestow.test"}}},
			400, "own domain")
		if n := users(); n != before {
			t.Fatalf("refused invitations created %d users", n-before)
		}

		r := invite(h.admin, partners, "Alice@Fabrikam.test")
		if r.status != 201 {
			t.Fatalf("invitation: %d %s", r.status, r.raw)
		}
		guest := h.must(h.admin, "GET", "/v1.0/users/alice_fabrikam.test%23EXT%23@bestow.test", nil, 200)
		if guest.str("userType") != "Guest" || guest.str("mail") != "alice@fabrikam.test" || guest.str("displayName") != "Alice Partner" {
			t.Errorf("the invited guest = %s", guest.raw)
		}
		h.work()
		got := h.must(h.admin, "GET", em+"/assignmentRequests/"+r.str("id"), nil, 200)
		if got.str("state") != "delivered" {
			t.Errorf("the invitation's request is %s, want delivered", got.str("state"))
		}
		if n := users(); n != before+1 {
			t.Errorf("the invitation created %d users, want 1", n-before)
		}
	})
}
