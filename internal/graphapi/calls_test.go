package graphapi_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// assign gives user a direct assignment of pkg through an administrator-only policy and
// returns the assignment's id.
func (h *harness) assign(pkg, user string) string {
	h.t.Helper()
	req := h.must(h.admin, "POST", em+"/assignmentRequests", map[string]any{"requestType": "adminAdd",
		"assignment": map[string]any{"accessPackageId": pkg, "assignmentPolicyId": h.adminPolicy(pkg), "targetId": user}}, 201).str("id")
	h.work()
	id := h.must(h.admin, "GET", em+"/assignmentRequests/"+req+"?$expand=assignment", nil, 200).str("assignment.id")
	if id == "" {
		h.t.Fatalf("the request %s made no assignment", req)
	}
	return id
}

// roleUser creates a user who holds role, tenant-wide (catalog "") or in a catalog, and
// returns its id and a token for it.
func (h *harness) roleUser(upn, role, catalog string) (id, tok string) {
	h.t.Helper()
	id, tok = h.user(upn)
	h.grant(id, role, catalog)
	return id, tok
}

// subject is the path of a user's accessPackageSubject.
func subject(id string) string { return em + "/subjects(objectId='" + id + "')" }

func TestSubjects(t *testing.T) { // #7 Graph fidelity: accessPackageSubject
	backends(t, func(t *testing.T, h *harness) {
		guestID, guestTok := h.user("guest@fabrikam.test")
		h.must(h.admin, "PATCH", "/v1.0/users/"+guestID, map[string]any{"userType": "Guest", "mail": "guest@fabrikam.test", "displayName": "Gail Guest"}, 204)
		memberID, memberTok := h.user("member@bestow.test")
		_, igaTok := h.roleUser("iga@bestow.test", access.RoleGovernanceAdmin, "")
		_, uaTok := h.roleUser("ua@bestow.test", access.RoleUserAdmin, "")
		org := h.must(h.admin, "POST", em+"/connectedOrganizations", map[string]any{"displayName": "Fabrikam",
			"identitySources": []any{map[string]any{"@odata.type": "#microsoft.graph.domainIdentitySource", "domainName": "fabrikam.test", "displayName": "fabrikam.test"}}}, 201).str("id")
		cat := h.catalog(h.admin, "Partners")
		_, ownerTok := h.roleUser("owner@bestow.test", access.RoleCatalogOwner, cat)
		pkg := h.pkg(h.admin, cat, "Partner portal")
		asg := h.assign(pkg, guestID)

		t.Run("shape", func(t *testing.T) {
			h := h.on(t)
			r := h.must(h.admin, "GET", subject(guestID), nil, 200)
			want := map[string]any{"id": guestID, "objectId": guestID, "displayName": "Gail Guest", "email": "guest@fabrikam.test",
				"principalName": "guest@fabrikam.test", "subjectType": "user", "onPremisesSecurityIdentifier": nil, "subjectLifecycle": "notDefined"}
			for k, v := range want {
				if got, ok := r.body[k]; !ok || got != v {
					t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
				}
			}
			if _, ok := r.body["connectedOrganization"]; ok {
				t.Errorf("connectedOrganization is a relationship, shown only with $expand: %s", r.raw)
			}
			if !strings.HasSuffix(r.str("@odata.context"), "#accessPackageSubject/$entity") {
				t.Errorf("@odata.context = %s", r.str("@odata.context"))
			}
			r = h.must(h.admin, "GET", subject(guestID)+"?$expand=connectedOrganization", nil, 200)
			if r.str("connectedOrganization.id") != org || r.str("connectedOrganization.displayName") != "Fabrikam" || r.body["connectedOrganization"].(map[string]any)["identitySources"] == nil {
				t.Errorf("expanded connectedOrganization: %s", r.raw)
			}
			r = h.must(h.admin, "GET", subject(memberID)+"?$expand=connectedOrganization", nil, 200)
			if v, ok := r.body["connectedOrganization"]; !ok || v != nil {
				t.Errorf("a member belongs to no connected organization: %s", r.raw)
			}
			r = h.must(h.admin, "GET", subject(guestID)+"?$select=displayName,subjectLifecycle", nil, 200)
			if _, ok := r.body["email"]; ok || r.str("subjectLifecycle") != "notDefined" {
				t.Errorf("$select: %s", r.raw)
			}
			// The same shape where a subject is expanded.
			r = h.must(h.admin, "GET", em+"/assignments/"+asg+"?$expand=target", nil, 200)
			if r.str("target.objectId") != guestID || r.str("target.subjectLifecycle") != "notDefined" {
				t.Errorf("expanded target: %s", r.raw)
			}
			if _, ok := r.body["target"].(map[string]any)["onPremisesSecurityIdentifier"]; !ok {
				t.Errorf("expanded target lacks onPremisesSecurityIdentifier: %s", r.raw)
			}
		})

		t.Run("who may read", func(t *testing.T) {
			h := h.on(t)
			for _, c := range []struct {
				name, tok, id string
				want          int
			}{
				{"the guest themselves", guestTok, guestID, 200},
				{"a member their own", memberTok, memberID, 200},
				{"a member someone else", memberTok, guestID, 403},
				{"a guest someone else", guestTok, memberID, 403},
				{"a catalog owner the target of an assignment in their catalog", ownerTok, guestID, 200},
				{"a catalog owner someone with nothing in their catalog", ownerTok, memberID, 404},
				{"an Identity Governance Administrator", igaTok, memberID, 200},
				{"the administrator an unknown id", h.admin, "00000000-0000-0000-0000-0000000000ff", 404},
				{"a member an unknown id", memberTok, "00000000-0000-0000-0000-0000000000ff", 403},
			} {
				if r := h.call(c.tok, "GET", subject(c.id), nil); r.status != c.want {
					t.Errorf("%s: %d, want %d: %s", c.name, r.status, c.want, r.raw)
				}
			}
			// A guest sees their own organization by name; they may not read organizations.
			r := h.must(guestTok, "GET", subject(guestID)+"?$expand=connectedOrganization", nil, 200)
			if r.str("connectedOrganization.displayName") != "Fabrikam" {
				t.Errorf("the guest's own organization: %s", r.raw)
			}
			h.fails(memberTok, "GET", subject(guestID), nil, 403, "read assignments and requests")
		})

		t.Run("subjectLifecycle", func(t *testing.T) {
			h := h.on(t)
			for _, tok := range []string{memberTok, guestTok, ownerTok} {
				h.fails(tok, "PATCH", subject(guestID), map[string]any{"subjectLifecycle": "governed"}, 403, "change entitlement management settings")
				h.fails(tok, "PATCH", subject(guestID), map[string]any{"subjectLifecycle": 7}, 403) // authorization comes first
			}
			h.must(h.admin, "PATCH", subject(guestID), map[string]any{"subjectLifecycle": "governed"}, 204)
			if r := h.must(ownerTok, "GET", subject(guestID), nil, 200); r.str("subjectLifecycle") != "governed" {
				t.Errorf("after PATCH: %s", r.raw)
			}
			h.must(igaTok, "PATCH", subject(guestID), map[string]any{"subjectLifecycle": "notGoverned"}, 204)
			h.must(uaTok, "PATCH", subject(guestID), map[string]any{"@odata.type": "#microsoft.graph.accessPackageSubject", "subjectLifecycle": "notGoverned"}, 204)
			if r := h.must(h.admin, "GET", em+"/assignments/"+asg+"?$expand=target", nil, 200); r.str("target.subjectLifecycle") != "notGoverned" {
				t.Errorf("expanded target after PATCH: %s", r.raw)
			}
			h.fails(h.admin, "PATCH", subject(guestID), map[string]any{"subjectLifecycle": "sometimes"}, 400, "sometimes", "notDefined, notGoverned or governed")
			h.fails(h.admin, "PATCH", subject(guestID), map[string]any{}, 400, "subjectLifecycle is required")
			h.fails(h.admin, "PATCH", subject(guestID), map[string]any{"subjectLifecycle": 7}, 400, "subjectLifecycle")
			h.fails(h.admin, "PATCH", subject(memberID), map[string]any{"subjectLifecycle": "governed"}, 400, "guests")
			h.must(h.admin, "PATCH", subject("00000000-0000-0000-0000-0000000000ff"), map[string]any{"subjectLifecycle": "governed"}, 404)

			// The lifecycle belongs to the subject: the user object neither shows nor takes it.
			u := h.must(h.admin, "GET", "/v1.0/users/"+guestID, nil, 200)
			if _, ok := u.body["subjectLifecycle"]; ok {
				t.Errorf("the user shows subjectLifecycle: %s", u.raw)
			}
			h.must(h.admin, "PATCH", "/v1.0/users/"+guestID, map[string]any{"subjectLifecycle": "governed"}, 204)
			if r := h.must(h.admin, "GET", subject(guestID), nil, 200); r.str("subjectLifecycle") != "notGoverned" {
				t.Errorf("PATCH of the user changed the subject: %s", r.raw)
			}
			h.must(h.admin, "PATCH", subject(guestID), map[string]any{"subjectLifecycle": "notDefined"}, 204)
			if r := h.must(h.admin, "GET", subject(guestID), nil, 200); r.str("subjectLifecycle") != "notDefined" {
				t.Errorf("back to notDefined: %s", r.raw)
			}
		})

		t.Run("addressing", func(t *testing.T) {
			h := h.on(t)
			for _, seg := range []string{"subjects(x)", "subjects()", "subjects(objectId='')", "subjects(id='" + guestID + "')",
				"subjects(objectId='" + guestID + "',x='y')", "subjects(objectId='" + guestID + "'"} {
				h.fails(h.admin, "GET", em+"/"+seg, nil, 400, "subjects(objectId='{id}')")
				h.fails(h.admin, "PATCH", em+"/"+seg, map[string]any{"subjectLifecycle": "governed"}, 400, "subjects(objectId='{id}')")
			}
			if r := h.must(h.admin, "GET", em+"/subjects(objectId="+guestID+")", nil, 200); r.str("objectId") != guestID {
				t.Errorf("unquoted objectId: %s", r.raw)
			}
			if r := h.must(h.admin, "GET", em+"/subjects%28objectId=%27"+guestID+"%27%29", nil, 200); r.str("objectId") != guestID {
				t.Errorf("percent-encoded, as the SDKs send it: %s", r.raw)
			}
			for _, seg := range []string{"subjects", "nothing", "unknownFn(x)", "microsoft.graph.nothing", "Subjects(objectId='" + guestID + "')"} {
				for _, tok := range []string{h.admin, ""} {
					h.fails(tok, "GET", em+"/"+seg, nil, 404, "is not an endpoint of this server; /openapi.json lists them all")
				}
				h.fails(h.admin, "PATCH", em+"/"+seg, map[string]any{}, 404, "is not an endpoint of this server")
			}
			// Literal siblings still win over the subject wildcard.
			h.must(memberTok, "GET", em+"/settings", nil, 200)
		})
	})
}

func TestAdditionalAccess(t *testing.T) { // #7 Graph fidelity: assignments/additionalAccess
	backends(t, func(t *testing.T, h *harness) {
		cat, other := h.catalog(h.admin, "Finance"), h.catalog(h.admin, "Audit")
		_, ownerTok := h.roleUser("owner@bestow.test", access.RoleCatalogOwner, cat)
		_, otherOwnerTok := h.roleUser("other-owner@bestow.test", access.RoleCatalogOwner, other)
		_, memberTok := h.user("member@bestow.test")
		both, bothTok := h.user("both@bestow.test")
		onlyA, _ := h.user("only-a@bestow.test")
		onlyB, _ := h.user("only-b@bestow.test")
		a, b, c := h.pkg(h.admin, cat, "Payments"), h.pkg(h.admin, cat, "Approvals"), h.pkg(h.admin, other, "Auditing")
		bothA, bothB := h.assign(a, both), h.assign(b, both)
		h.assign(a, onlyA)
		h.assign(b, onlyB)
		bothC := h.assign(c, both)
		call := func(x, y string) string {
			return em + "/assignments/additionalAccess(accessPackageId='" + x + "',incompatibleAccessPackageId='" + y + "')"
		}
		ids := func(r resp) []string {
			var out []string
			for _, x := range r.list() {
				out = append(out, x["id"].(string))
			}
			return out
		}

		r := h.must(h.admin, "GET", call(a, b)+"?$expand=target,accessPackage", nil, 200)
		if got := ids(r); len(got) != 1 || got[0] != bothA {
			t.Fatalf("additionalAccess(A, B) = %v, want [%s]: %s", got, bothA, r.raw)
		}
		if x := r.list()[0]; x["target"].(map[string]any)["objectId"] != both || x["accessPackage"].(map[string]any)["id"] != a {
			t.Errorf("expanded: %v", x)
		}
		if !strings.HasSuffix(r.str("@odata.context"), "#accessPackageAssignment") {
			t.Errorf("@odata.context = %s", r.str("@odata.context"))
		}
		if got := ids(h.must(h.admin, "GET", call(b, a), nil, 200)); len(got) != 1 || got[0] != bothB {
			t.Errorf("additionalAccess(B, A) = %v, want [%s]", got, bothB)
		}
		if got := ids(h.must(h.admin, "GET", call(c, a)+"?$select=id,state", nil, 200)); len(got) != 1 || got[0] != bothC {
			t.Errorf("additionalAccess(C, A) = %v, want [%s]", got, bothC)
		}
		if got := ids(h.must(h.admin, "GET", call(a, b)+"?$filter=state eq 'expired'", nil, 200)); len(got) != 0 {
			t.Errorf("$filter: %v", got)
		}

		t.Run("who may read", func(t *testing.T) {
			h := h.on(t)
			if got := ids(h.must(ownerTok, "GET", call(a, b), nil, 200)); len(got) != 1 || got[0] != bothA {
				t.Errorf("the catalog owner: %v", got)
			}
			// The other catalog's assignments stay hidden, on either side.
			h.must(ownerTok, "GET", call(a, c), nil, 404)
			h.must(otherOwnerTok, "GET", call(c, a), nil, 404)
			for _, tok := range []string{memberTok, bothTok} {
				h.must(tok, "GET", call(a, b), nil, 404) // the packages are not theirs to read
			}
		})

		t.Run("parameters", func(t *testing.T) {
			h := h.on(t)
			base := em + "/assignments/additionalAccess"
			h.fails(h.admin, "GET", base+"(accessPackageId='"+a+"')", nil, 400, "incompatibleAccessPackageId")
			h.fails(h.admin, "GET", base+"(incompatibleAccessPackageId='"+b+"')", nil, 400, "accessPackageId")
			h.fails(h.admin, "GET", base+"(accessPackageId='',incompatibleAccessPackageId='"+b+"')", nil, 400, "accessPackageId")
			h.fails(h.admin, "GET", base+"(accessPackageId='"+a+"',incompatibleAccessPackageId='')", nil, 400, "incompatibleAccessPackageId")
			h.fails(h.admin, "GET", base+"()", nil, 400, "accessPackageId")
			h.fails(h.admin, "GET", base+"(accessPackageId='"+a+"',incompatibleAccessPackageId='"+b+"',x='y')", nil, 400, "no parameter 'x'")
			h.fails(h.admin, "GET", base+"(accessPackageId='"+a+"'", nil, 400, "additionalAccess(accessPackageId='{id}',incompatibleAccessPackageId='{id}')")
			h.fails(h.admin, "GET", call(a, a), nil, 400, "must differ")
			h.fails(h.admin, "GET", call(a, "00000000-0000-0000-0000-0000000000ff"), nil, 404, "does not exist")
		})
	})
}

func TestResourceEnvironments(t *testing.T) { // #7 Graph fidelity: resourceEnvironments
	backends(t, func(t *testing.T, h *harness) {
		if l := h.must(h.admin, "GET", em+"/resourceEnvironments", nil, 200).list(); len(l) != 0 {
			t.Fatalf("no resource yet, environments %v", l)
		}
		_, memberTok := h.user("member@bestow.test")
		groups, sites := h.catalog(h.admin, "Groups"), h.catalog(h.admin, "Sites")
		_, ownerTok := h.roleUser("owner@bestow.test", access.RoleCatalogOwner, groups)
		grp := h.group(map[string]any{"displayName": "Finance team"})
		if r := h.addResource(h.admin, groups, "AadGroup", grp); r.status != 201 {
			t.Fatal(r.raw)
		}
		site := h.must(h.admin, "POST", "/v1.0/sites", map[string]any{"displayName": "Finance site", "webUrl": "https://sites.bestow.test/finance"}, 201).str("id")
		if r := h.addResource(h.admin, sites, "SharePointOnline", site); r.status != 201 {
			t.Fatal(r.raw)
		}

		r := h.must(h.admin, "GET", em+"/resourceEnvironments", nil, 200)
		list := r.list()
		if len(list) != 2 || list[0]["originSystem"] != "AadGroup" || list[1]["originSystem"] != "SharePointOnline" {
			t.Fatalf("environments: %s", r.raw)
		}
		uuidV5 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
		for _, e := range list {
			for _, k := range []string{"id", "displayName", "description", "isDefaultEnvironment", "originId", "originSystem", "connectionInfo", "createdDateTime", "modifiedDateTime"} {
				if _, ok := e[k]; !ok {
					t.Errorf("environment lacks %s: %v", k, e)
				}
			}
			if !uuidV5.MatchString(e["id"].(string)) || e["isDefaultEnvironment"] != true || e["originId"] != access.BuiltInDirectory || e["connectionInfo"] != nil || e["createdDateTime"] == "" {
				t.Errorf("environment: %v", e)
			}
			if want := access.EnvironmentOf(e["originSystem"].(string), time.Time{}).ID; e["id"] != want {
				t.Errorf("the id of %v is not the one of its origin system, %s", e, want)
			}
		}
		group := list[0]
		if got := h.must(h.admin, "GET", em+"/resourceEnvironments/"+group["id"].(string), nil, 200); got.str("displayName") != group["displayName"] || got.str("createdDateTime") != group["createdDateTime"] {
			t.Errorf("get one: %s", got.raw)
		}
		if l := h.must(h.admin, "GET", em+"/resourceEnvironments?$filter=originSystem eq 'SharePointOnline'", nil, 200).list(); len(l) != 1 || l[0]["id"] != list[1]["id"] {
			t.Errorf("$filter=originSystem: %v", l)
		}
		h.must(h.admin, "GET", em+"/resourceEnvironments/00000000-0000-0000-0000-0000000000ff", nil, 404)

		t.Run("stable ids", func(t *testing.T) {
			h := h.on(t)
			// Removing and adding the group again keeps the environment's id and times.
			h.must(h.admin, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminRemove",
				"resource": map[string]any{"originId": grp, "originSystem": "AadGroup"}, "catalog": map[string]any{"id": groups}}, 201)
			if l := h.must(h.admin, "GET", em+"/resourceEnvironments", nil, 200).list(); len(l) != 1 || l[0]["originSystem"] != "SharePointOnline" {
				t.Fatalf("after removing the only group: %v", l)
			}
			h.addResource(h.admin, groups, "AadGroup", grp)
			again := h.must(h.admin, "GET", em+"/resourceEnvironments/"+group["id"].(string), nil, 200)
			if again.str("createdDateTime") != group["createdDateTime"] {
				t.Errorf("the environment changed: %s, was %v", again.raw, group)
			}
		})

		t.Run("who may read", func(t *testing.T) {
			h := h.on(t)
			l := h.must(ownerTok, "GET", em+"/resourceEnvironments", nil, 200).list()
			if len(l) != 1 || l[0]["originSystem"] != "AadGroup" {
				t.Errorf("the owner of the groups catalog sees %v", l)
			}
			h.must(ownerTok, "GET", em+"/resourceEnvironments/"+list[1]["id"].(string), nil, 404)
			h.fails(memberTok, "GET", em+"/resourceEnvironments", nil, 403, "read a catalog")
			h.must(memberTok, "GET", em+"/resourceEnvironments/"+group["id"].(string), nil, 403)
		})

		t.Run("$expand=environment", func(t *testing.T) {
			h := h.on(t)
			res := h.must(ownerTok, "GET", em+"/catalogs/"+groups+"/resources?$expand=environment($select=id,originSystem)", nil, 200).list()
			if len(res) != 1 {
				t.Fatalf("resources: %v", res)
			}
			env, _ := res[0]["environment"].(map[string]any)
			if env["id"] != group["id"] || env["originSystem"] != "AadGroup" {
				t.Errorf("expanded environment: %v", res[0])
			}
			if _, ok := env["displayName"]; ok {
				t.Errorf("nested $select ignored: %v", env)
			}
		})
	})
}

// TestUndeclaredCalls: an OData function or cast in a path segment that no route declares
// is not an endpoint, wherever it stands, rather than an object that does not exist.
func TestUndeclaredCalls(t *testing.T) { // #7 Graph fidelity
	backends(t, func(t *testing.T, h *harness) {
		walked := 0
		for _, ep := range h.api.Endpoints() {
			if ep.Method != "GET" || !strings.Contains(ep.Pattern, "{") {
				continue
			}
			segs := strings.Split(ep.Pattern, "/")
			for i, s := range segs {
				if !strings.HasPrefix(s, "{") {
					continue
				}
				for _, bad := range []string{"unknownFn(x)", "microsoft.graph.nothing"} {
					p := make([]string, len(segs))
					for j, x := range segs {
						p[j] = x
						if strings.HasPrefix(x, "{") {
							p[j] = h.adminID
						}
					}
					p[i] = bad
					path := strings.Join(p, "/")
					r := h.call(h.admin, "GET", path, nil)
					want := "GET " + path + " is not an endpoint of this server; /openapi.json lists them all"
					if r.status != 404 || r.str("error.code") != "Request_UnsupportedQuery" || r.errMsg() != want {
						t.Errorf("%s with %s in %s: %d %.200s, want 404 %q", ep.Pattern, bad, s, r.status, r.raw, want)
					}
					walked++
				}
			}
		}
		if walked < 40 {
			t.Errorf("walked only %d wildcards", walked)
		}

		// Before this, both named an object that does not exist.
		h.fails(h.admin, "GET", em+"/assignments/foo(x)", nil, 404, "GET "+em+"/assignments/foo(x) is not an endpoint")
		h.fails(h.admin, "GET", "/v1.0/groups/microsoft.graph.foo", nil, 404, "GET /v1.0/groups/microsoft.graph.foo is not an endpoint")
		h.fails("", "GET", "/v1.0/groups/microsoft.graph.foo", nil, 404, "is not an endpoint") // as the catch-all: before authentication
		h.fails(h.admin, "DELETE", "/v1.0/groups/microsoft.graph.foo", nil, 404, "DELETE /v1.0/groups/microsoft.graph.foo is not an endpoint")
		h.fails(h.admin, "GET", em+"/accessPackages/filterByCurrentUser(on='allowedRequestor')/assignmentPolicies", nil, 404, "is not an endpoint")

		// Declared calls, literal casts and ids with dots still answer.
		h.must(h.admin, "GET", em+"/assignments/filterByCurrentUser(on='target')", nil, 200)
		h.must(h.admin, "GET", "/v1.0/directory/deletedItems/microsoft.graph.user", nil, 200)
		guest := h.must(h.admin, "POST", "/v1.0/users", map[string]any{"displayName": "Ext", "userPrincipalName": "ext_fabrikam.test#EXT#@bestow.test",
			"mailNickname": "ext", "userType": "Guest", "accountEnabled": true}, 201).str("id")
		if r := h.must(h.admin, "GET", "/v1.0/users/ext_fabrikam.test%23EXT%23@bestow.test", nil, 200); r.str("id") != guest {
			t.Errorf("a guest by principal name: %s", r.raw)
		}
		h.must(h.admin, "GET", "/v1.0/users/microsoft.graph.user@bestow.test", nil, 404) // an unknown principal name, not a cast
		if r := h.call(h.admin, "GET", "/v1.0/users/microsoft.graph.user@bestow.test", nil); strings.Contains(r.errMsg(), "not an endpoint") {
			t.Errorf("a principal name taken for a cast: %s", r.raw)
		}
	})
}
