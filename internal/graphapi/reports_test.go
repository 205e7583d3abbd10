package graphapi_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

// TestReports checks the JSON of the three reports of how users got access, their paging,
// and that a caller is refused (403) before being told what to pass (400). // RPT-1 ADM-2
func TestReports(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		annID, annTok := h.user("ann@bestow.test")
		_, bobTok := h.user("bob@bestow.test")
		preID, _ := h.user("pre@bestow.test")
		_, nobody := h.user("nobody@bestow.test")
		readerID, readerTok := h.user("reader@bestow.test")
		cat := h.catalog(h.admin, "Finance")
		h.grant(readerID, access.RoleCatalogReader, cat)
		grp := h.group(map[string]any{"displayName": "Finance team"})
		h.must(h.admin, "POST", "/v1.0/groups/"+grp+"/members/$ref", ref(preID), 204)
		if r := h.addResource(h.admin, cat, "AadGroup", grp); r.status != 201 {
			t.Fatal(r.raw)
		}
		pkg, extra := h.pkg(h.admin, cat, "Finance"), h.pkg(h.admin, cat, "Finance extra")
		for _, p := range []string{pkg, extra} {
			if r := h.addMember(h.admin, p, grp); r.status != 201 {
				t.Fatal(r.raw)
			}
		}
		members := h.must(h.admin, "POST", em+"/assignmentPolicies", policyBody(pkg), 201).str("id")
		for _, tok := range []string{annTok, bobTok} {
			h.must(tok, "POST", em+"/assignmentRequests", map[string]any{"requestType": "userAdd", "justification": "month end",
				"assignment": map[string]any{"accessPackageId": pkg, "assignmentPolicyId": members}}, 201)
		}
		h.must(h.admin, "POST", em+"/assignmentRequests", map[string]any{"requestType": "adminAdd",
			"assignment": map[string]any{"accessPackageId": extra, "assignmentPolicyId": h.adminPolicy(extra), "targetId": annID}}, 201)
		h.work()
		res := h.must(h.admin, "GET", em+"/catalogs/"+cat+"/resources", nil, 200).list()[0]["id"].(string)

		t.Run("userAccess", func(t *testing.T) {
			h := h.on(t)
			r := h.must(h.admin, "GET", "/bestow/v1/reports/userAccess?user=ann@bestow.test", nil, 200)
			if r.str("user.id") != annID || r.str("user.userPrincipalName") != "ann@bestow.test" || r.str("user.displayName") == "" {
				t.Errorf("user: %s", r.raw)
			}
			list := r.list()
			if len(list) != 2 {
				t.Fatalf("ann holds Member through two packages, two holdings: %s", r.raw)
			}
			var pkgs []string
			for _, v := range list {
				wantKeys(t, v, "resource", "role", "catalog", "via", "assignment", "accessPackage", "policy", "request", "deliveryState")
				wantKeys(t, v["resource"], "id", "displayName", "originSystem", "originId")
				wantKeys(t, v["role"], "originId", "displayName")
				wantKeys(t, v["catalog"], "id", "displayName")
				wantKeys(t, v["assignment"], "id", "state", "startDateTime", "endDateTime")
				wantKeys(t, v["request"], "id", "requestType", "createdDateTime", "completedDateTime", "requestor")
				if v["via"] != "assignment" || v["deliveryState"] != "delivered" || at(v, "resource", "id") != res ||
					at(v, "resource", "originId") != grp || at(v, "role", "originId") != "Member_"+grp || at(v, "catalog", "id") != cat {
					t.Errorf("holding: %v", v)
				}
				pkgs = append(pkgs, at(v, "accessPackage", "displayName")+" by "+at(v, "request", "requestType"))
			}
			sort.Strings(pkgs)
			if strings.Join(pkgs, ", ") != "Finance by userAdd, Finance extra by adminAdd" {
				t.Errorf("packages and requests: %v", pkgs)
			}
			if at(list[0], "request", "requestor", "id") != annID {
				t.Errorf("ann requested Finance herself: %v", list[0]["request"])
			}
			// A pre-existing member: no package, assignment or request behind it.
			r = h.must(h.admin, "GET", "/bestow/v1/reports/userAccess?user="+preID, nil, 200)
			if l := r.list(); len(l) != 1 || l[0]["via"] != "preExisting" || l[0]["deliveryState"] != "present" || l[0]["assignment"] != nil || l[0]["accessPackage"] != nil {
				t.Errorf("pre-existing member: %s", r.raw)
			}
			// Everyone reads their own; nobody else without a role; the caller first, then the question.
			h.must(annTok, "GET", "/bestow/v1/reports/userAccess?user="+annID, nil, 200)
			h.fails(nobody, "GET", "/bestow/v1/reports/userAccess?user="+annID, nil, 403, "You are not allowed to read assignments and requests", "Roles that allow it")
			h.fails(nobody, "GET", "/bestow/v1/reports/userAccess", nil, 403, "read assignments and requests")
			h.fails(readerTok, "GET", "/bestow/v1/reports/userAccess?user="+annID, nil, 403, "read assignments and requests")
			h.fails(h.admin, "GET", "/bestow/v1/reports/userAccess", nil, 400, "?user=")
			h.fails(h.admin, "GET", "/bestow/v1/reports/userAccess?user=ghost@bestow.test", nil, 404)
		})

		t.Run("packageAccess", func(t *testing.T) {
			h := h.on(t)
			r := h.must(h.admin, "GET", "/bestow/v1/reports/packageAccess?accessPackage="+pkg+"&$top=1", nil, 200)
			wantKeys(t, r.body, "accessPackage", "catalog", "canRequest", "holders", "@odata.count", "@odata.nextLink")
			if r.str("accessPackage.id") != pkg || r.str("catalog.displayName") != "Finance" || r.body["@odata.count"] != float64(2) {
				t.Errorf("package report: %s", r.raw)
			}
			can := r.body["canRequest"].([]any)
			if len(can) != 1 || at(can[0], "policy", "id") != members || at(can[0], "audience") != "All members of the directory (not guests)" {
				t.Errorf("canRequest: %v", can)
			}
			var holders []string
			for next := "/bestow/v1/reports/packageAccess?accessPackage=" + pkg + "&$top=1"; next != ""; {
				r := h.must(h.admin, "GET", next, nil, 200)
				page := r.body["holders"].([]any)
				if len(page) != 1 {
					t.Fatalf("a page of $top=1 holds %d: %s", len(page), r.raw)
				}
				wantKeys(t, page[0], "user", "assignment", "policy")
				wantKeys(t, at2(page[0], "user"), "id", "displayName", "userPrincipalName")
				wantKeys(t, at2(page[0], "assignment"), "id", "state", "startDateTime", "endDateTime")
				holders = append(holders, at(page[0], "user", "userPrincipalName"))
				next = r.str("@odata.nextLink")
			}
			sort.Strings(holders)
			if strings.Join(holders, ",") != "ann@bestow.test,bob@bestow.test" {
				t.Errorf("holders over the pages: %v", holders)
			}
			r = h.must(h.admin, "GET", "/bestow/v1/reports/packageAccess?accessPackage="+pkg+"&$top=0", nil, 200)
			if len(r.body["holders"].([]any)) != 0 || r.body["@odata.count"] != float64(2) || r.str("@odata.nextLink") != "" {
				t.Errorf("$top=0 answers the count alone: %s", r.raw)
			}
			h.fails(readerTok, "GET", "/bestow/v1/reports/packageAccess?accessPackage="+pkg, nil, 403,
				"read assignments and requests", "access package 'Finance' in catalog 'Finance'", "Catalog owner of catalog 'Finance'")
			h.fails(nobody, "GET", "/bestow/v1/reports/packageAccess", nil, 403)
			h.fails(h.admin, "GET", "/bestow/v1/reports/packageAccess", nil, 400, "?accessPackage=")
			h.fails(h.admin, "GET", "/bestow/v1/reports/packageAccess?accessPackage=00000000-0000-0000-0000-000000000000", nil, 404)
		})

		t.Run("resourceAccess", func(t *testing.T) {
			h := h.on(t)
			r := h.must(h.admin, "GET", "/bestow/v1/reports/resourceAccess?resource="+res, nil, 200)
			wantKeys(t, r.body, "resource", "catalog", "roles")
			if r.str("resource.id") != res || r.str("resource.originId") != grp || r.str("catalog.id") != cat {
				t.Errorf("resource report: %s", r.raw)
			}
			roles := r.body["roles"].([]any)
			if len(roles) != 2 || at(roles[0], "role", "displayName") != "Member" || at(roles[1], "role", "displayName") != "Owner" {
				t.Fatalf("roles: %s", r.raw)
			}
			var got []string
			for _, x := range at2(roles[0], "holders").([]any) {
				wantKeys(t, x, "user", "via", "deliveryState")
				line := at(x, "user", "userPrincipalName") + " " + at(x, "via")
				if at(x, "via") == "assignment" {
					wantKeys(t, x, "assignment", "accessPackage", "policy", "request")
					line += " " + at(x, "accessPackage", "displayName")
				}
				got = append(got, line)
			}
			sort.Strings(got)
			want := "ann@bestow.test assignment Finance,ann@bestow.test assignment Finance extra,bob@bestow.test assignment Finance,pre@bestow.test preExisting"
			if strings.Join(got, ",") != want {
				t.Errorf("holders of Member:\n got %s\nwant %s", strings.Join(got, ","), want)
			}
			h.fails(readerTok, "GET", "/bestow/v1/reports/resourceAccess?resource="+res, nil, 403, "read assignments and requests")
			h.fails(nobody, "GET", "/bestow/v1/reports/resourceAccess", nil, 403)
			h.fails(h.admin, "GET", "/bestow/v1/reports/resourceAccess", nil, 400, "?resource=")
		})
	})
}

// wantKeys fails unless v is a JSON object with every key.
func wantKeys(t *testing.T, v any, keys ...string) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Errorf("not an object: %v", v)
		return
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%v lacks %q", m, k)
		}
	}
}

// at returns the string at a path of nested JSON objects.
func at(v any, path ...string) string {
	s, _ := at2(v, path...).(string)
	return s
}

func at2(v any, path ...string) any {
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}
