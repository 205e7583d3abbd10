package graphapi_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestGraphConventions(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		for i := range 5 {
			h.catalog(h.admin, "Catalog "+string(rune('A'+i)))
		}
		t.Run("paging with $top and absolute nextLink", func(t *testing.T) {
			h := h.on(t)
			next := em + "/catalogs?$top=2&$count=true"
			var names []string
			pages := 0
			for next != "" {
				r := h.must(h.admin, "GET", next, nil, 200)
				pages++
				for _, c := range r.list() {
					names = append(names, c["displayName"].(string))
				}
				if pages == 1 && r.body["@odata.count"] != float64(6) {
					t.Errorf("@odata.count = %v, want 6", r.body["@odata.count"])
				}
				next = r.str("@odata.nextLink")
				if next != "" && !strings.HasPrefix(next, "http://") {
					t.Fatalf("nextLink is not absolute: %s", next)
				}
			}
			if pages != 3 || len(names) != 6 {
				t.Errorf("%d pages, %d catalogs: %v", pages, len(names), names)
			}
			h.fails(h.admin, "GET", em+"/catalogs?$skiptoken=garbage", nil, 400, "$skiptoken")
		})
		t.Run("$filter $orderby $select", func(t *testing.T) {
			h := h.on(t)
			r := h.must(h.admin, "GET", em+"/catalogs?$filter=startswith(displayName,'Catalog') and displayName ne 'Catalog B'&$orderby=displayName desc&$select=displayName", nil, 200)
			list := r.list()
			if len(list) != 4 || list[0]["displayName"] != "Catalog E" {
				t.Fatalf("filtered list: %s", r.raw)
			}
			if _, ok := list[0]["state"]; ok {
				t.Errorf("$select=displayName still returns state: %v", list[0])
			}
			r = h.must(h.admin, "GET", em+"/catalogs?$filter=displayName in ('Catalog A','Catalog C') or contains(displayName,'eneral')", nil, 200)
			if len(r.list()) != 3 {
				t.Errorf("in/contains: %s", r.raw)
			}
			h.fails(h.admin, "GET", em+"/catalogs?$filter=displayNam eq 'x'", nil, 400, "displayNam")
			h.fails(h.admin, "GET", em+"/catalogs?$filter=displayName eq 'x", nil, 400, "position")
			h.fails(h.admin, "GET", em+"/catalogs?$orderby=nothing", nil, 400, "nothing")
			h.fails(h.admin, "GET", em+"/catalogs?$top=abc", nil, 400, "$top")
			h.fails(h.admin, "GET", em+"/catalogs?$expand=nowhere", nil, 400, "nowhere")
		})
		t.Run("encoded $expand as the SDK sends it", func(t *testing.T) {
			h := h.on(t)
			cat := h.catalog(h.admin, "Expand")
			p := h.pkg(h.admin, cat, "Expanded")
			g := h.group(map[string]any{"displayName": "G"})
			h.addResource(h.admin, cat, "AadGroup", g)
			h.addMember(h.admin, p, g)
			h.must(h.admin, "POST", em+"/assignmentPolicies", directPolicy(p), 201)
			r := h.must(h.admin, "GET", em+"/accessPackages/"+p+"?%24expand=resourceRoleScopes%28%24expand%3Drole%2Cscope%29,assignmentPolicies", nil, 200)
			rss := r.body["resourceRoleScopes"].([]any)
			pols := r.body["assignmentPolicies"].([]any)
			if len(rss) != 1 || len(pols) != 1 || rss[0].(map[string]any)["role"] == nil || rss[0].(map[string]any)["scope"] == nil {
				t.Errorf("expanded package: %s", r.raw)
			}
			r = h.must(h.admin, "GET", em+"/accessPackages?%24filter=catalog%2Fid%20eq%20%27"+cat+"%27", nil, 200)
			if len(r.list()) != 1 {
				t.Errorf("filter by catalog/id: %s", r.raw)
			}
		})
		t.Run("bad input gets 4xx with a Graph error and stores nothing", func(t *testing.T) {
			h := h.on(t)
			n := h.count(em + "/catalogs")
			h.fails(h.admin, "POST", em+"/catalogs", `{"displayName": "x",`, 400, "not valid JSON")
			h.fails(h.admin, "POST", em+"/catalogs", `{"displayName": 42}`, 400, "displayName")
			h.fails(h.admin, "POST", em+"/catalogs", `{"displayName": "x", "state": "open"}`, 400, "state 'open' is not valid")
			h.fails(h.admin, "POST", em+"/catalogs", `{"@odata.type": "#microsoft.graph.group", "displayName": "x"}`, 400, "@odata.type")
			h.fails(h.admin, "POST", em+"/catalogs", `[1,2]`, 400, "JSON")
			h.fails(h.admin, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminAdd",
				"resource": map[string]any{"originId": "00000000-0000-0000-0000-000000000000", "originSystem": "AadGroup"}, "catalog": map[string]any{"id": "missing"}}, 404, "catalog 'missing'")
			if h.count(em+"/catalogs") != n {
				t.Errorf("bad requests stored catalogs")
			}
			r := h.call("", "GET", em+"/catalogs", nil)
			if r.status != 401 || r.str("error.code") != "InvalidAuthenticationToken" {
				t.Errorf("no token: %d %s", r.status, r.raw)
			}
			if r := h.call("bst_wrong", "GET", em+"/catalogs", nil); r.status != 401 {
				t.Errorf("wrong token: %d", r.status)
			}
			h.fails(h.admin, "GET", "/v1.0/nothing/here", nil, 404, "openapi.json")
		})
		t.Run("chunked body without Content-Length", func(t *testing.T) {
			pr, pw := io.Pipe()
			go func() {
				pw.Write([]byte(`{"displayName":"Chunked",`))
				pw.Write([]byte(`"state":"published"}`))
				pw.Close()
			}()
			req, _ := http.NewRequest("POST", h.srv.URL+em+"/catalogs", pr)
			req.Header.Set("Authorization", "Bearer "+h.admin)
			req.ContentLength = -1
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 201 || res.Header.Get("Content-Type") == "" {
				t.Errorf("chunked create: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
			}
		})
		t.Run("openapi lists every endpoint", func(t *testing.T) {
			h := h.on(t)
			r := h.must("", "GET", "/openapi.json", nil, 200)
			paths := r.body["paths"].(map[string]any)
			for _, p := range []string{em + "/accessPackages/{id}/resourceRoleScopes", "/v1.0/users/{id}/manager/$ref",
				"/v1.0/roleManagement/entitlementManagement/roleAssignments", "/bestow/v1/explain/permission"} {
				if paths[p] == nil {
					t.Errorf("openapi lacks %s", p)
				}
			}
		})
	})
}

func TestDirectory(t *testing.T) { // ASG-4 (restore window of deleted users)
	backends(t, func(t *testing.T, h *harness) {
		t.Run("users with Graph's body", func(t *testing.T) {
			h := h.on(t)
			r := h.must(h.admin, "POST", "/v1.0/users", map[string]any{"@odata.type": "#microsoft.graph.user", "accountEnabled": true, "displayName": "Adele Vance",
				"mailNickname": "AdeleV", "userPrincipalName": "AdeleV@bestow.test", "department": "Sales", "jobTitle": "Rep",
				"passwordProfile": map[string]any{"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"}}, 201)
			id := r.str("id")
			if r.str("userType") != "Member" || r.body["accountEnabled"] != true || strings.Contains(r.raw, "password") {
				t.Errorf("created user: %s", r.raw)
			}
			h.fails(h.admin, "POST", "/v1.0/users", map[string]any{"displayName": "Dup", "userPrincipalName": "adelev@bestow.test"}, 409, "already exists")
			h.fails(h.admin, "POST", "/v1.0/users", map[string]any{"displayName": "Bad", "userPrincipalName": "no-at-sign"}, 400, "userPrincipalName")
			h.must(h.admin, "PATCH", "/v1.0/users/"+id, map[string]any{"accountEnabled": false, "jobTitle": "Lead"}, 204)
			got := h.must(h.admin, "GET", "/v1.0/users/AdeleV@bestow.test", nil, 200)
			if got.body["accountEnabled"] != false || got.str("jobTitle") != "Lead" || got.str("department") != "Sales" {
				t.Errorf("after PATCH: %s", got.raw)
			}
			mgr, _ := h.user("boss@bestow.test")
			h.must(h.admin, "PUT", "/v1.0/users/"+id+"/manager/$ref", map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/users/" + mgr}, 204)
			if h.must(h.admin, "GET", "/v1.0/users/"+id+"/manager", nil, 200).str("id") != mgr {
				t.Errorf("manager not set")
			}
			h.must(h.admin, "POST", "/v1.0/users/"+id+"/sponsors/$ref", map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/users/" + mgr}, 204)
			if r := h.must(h.admin, "GET", "/v1.0/users/"+id+"?$expand=sponsors,manager", nil, 200); r.str("manager.id") != mgr || !strings.Contains(r.raw, mgr) {
				t.Errorf("expand sponsors,manager: %s", r.raw)
			}
		})
		t.Run("ASG-4 soft delete and restore", func(t *testing.T) {
			h := h.on(t)
			id, _ := h.user("leaver@bestow.test")
			h.must(h.admin, "DELETE", "/v1.0/users/"+id, nil, 204)
			h.fails(h.admin, "GET", "/v1.0/users/"+id, nil, 404, "deletedItems")
			deleted := h.must(h.admin, "GET", "/v1.0/directory/deletedItems/microsoft.graph.user", nil, 200).list()
			if len(deleted) != 1 || deleted[0]["id"] != id || deleted[0]["deletedDateTime"] == nil {
				t.Errorf("deleted users: %v", deleted)
			}
			h.must(h.admin, "POST", "/v1.0/directory/deletedItems/"+id+"/restore", nil, 200)
			h.must(h.admin, "GET", "/v1.0/users/"+id, nil, 200)
		})
		t.Run("groups, members and owners", func(t *testing.T) {
			h := h.on(t)
			uid, _ := h.user("member@bestow.test")
			g := h.group(map[string]any{"displayName": "Team"})
			ref := map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + uid}
			h.must(h.admin, "POST", "/v1.0/groups/"+g+"/members/$ref", ref, 204)
			h.fails(h.admin, "POST", "/v1.0/groups/"+g+"/members/$ref", ref, 409, "already")
			if m := h.must(h.admin, "GET", "/v1.0/groups/"+g+"/members", nil, 200).list(); len(m) != 1 || m[0]["@odata.type"] != "#microsoft.graph.user" {
				t.Errorf("members: %v", m)
			}
			h.must(h.admin, "DELETE", "/v1.0/groups/"+g+"/members/"+uid+"/$ref", nil, 204)
			dyn := h.group(map[string]any{"displayName": "Dyn", "groupTypes": []string{"DynamicMembership"}, "membershipRule": "(user.department -eq \"x\")"})
			h.fails(h.admin, "POST", "/v1.0/groups/"+dyn+"/members/$ref", ref, 400, "dynamic membership")
			h.fails(h.admin, "POST", "/v1.0/groups", map[string]any{"displayName": "Bad", "groupTypes": []string{"DynamicMembership"}}, 400, "membershipRule")
			h.must(h.admin, "GET", "/v1.0/groups?$filter=groupTypes/any(c:c eq 'DynamicMembership')", nil, 200)
		})
	})
}

func TestCompressedBodies(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		send := func(enc string, body []byte) *http.Response {
			req, _ := http.NewRequest("POST", h.srv.URL+em+"/catalogs", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+h.admin)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Content-Encoding", enc)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		var zipped bytes.Buffer
		zw := gzip.NewWriter(&zipped)
		zw.Write([]byte(`{"displayName":"Gzipped","state":"published"}`))
		zw.Close()
		if res := send("gzip", zipped.Bytes()); res.StatusCode != 201 {
			t.Errorf("gzip body (as Microsoft's SDKs send it): status %d, want 201", res.StatusCode)
		}
		if res := send("br", []byte("whatever")); res.StatusCode != 415 {
			t.Errorf("unsupported encoding: status %d, want 415 so the SDK retries uncompressed", res.StatusCode)
		}
		if res := send("gzip", []byte(`{"displayName":"not gzip"}`)); res.StatusCode != 400 {
			t.Errorf("corrupt gzip: status %d, want 400", res.StatusCode)
		}
		if n := len(h.must(h.admin, "GET", em+"/catalogs?$filter=displayName eq 'Gzipped'", nil, 200).list()); n != 1 {
			t.Errorf("gzipped catalog stored %d times", n)
		}
	})
}

func TestUserPages(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		for i := range 6 {
			h.user(fmt.Sprintf("p%d@bestow.test", i))
		}
		gone, _ := h.user("gone@bestow.test")
		h.must(h.admin, "DELETE", "/v1.0/users/"+gone, nil, 204)
		seen := map[string]bool{}
		next, pages := "/v1.0/users?$top=3&$count=true", 0
		for next != "" {
			r := h.must(h.admin, "GET", next, nil, 200)
			if pages == 0 && r.body["@odata.count"] != float64(7) {
				t.Errorf("@odata.count = %v, want 7 (6 + admin, not the deleted user)", r.body["@odata.count"])
			}
			for _, u := range r.list() {
				if seen[u["id"].(string)] || u["id"] == gone {
					t.Errorf("user %v listed twice or deleted", u["userPrincipalName"])
				}
				seen[u["id"].(string)] = true
			}
			next, pages = r.str("@odata.nextLink"), pages+1
		}
		if len(seen) != 7 || pages != 3 {
			t.Errorf("%d users in %d pages", len(seen), pages)
		}
	})
}

func TestFilterOnOptionalProperties(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		h.must(h.admin, "POST", "/v1.0/users", map[string]any{"displayName": "Mailer", "userPrincipalName": "mailer@bestow.test", "mail": "m@bestow.test", "department": "Ops"}, 201)
		// mail and department are omitted from users that lack them; they are still known properties.
		r := h.must(h.admin, "GET", "/v1.0/users?$filter=mail eq 'm@bestow.test' and department eq 'Ops'&$select=mail,jobTitle", nil, 200)
		if len(r.list()) != 1 || r.list()[0]["mail"] != "m@bestow.test" {
			t.Errorf("filter on optional properties: %s", r.raw)
		}
		if n := len(h.must(h.admin, "GET", "/v1.0/users?$filter=jobTitle eq 'x'", nil, 200).list()); n != 0 {
			t.Errorf("jobTitle filter matched %d users without a jobTitle", n)
		}
	})
}

// TestNarrowedFilters checks that filters the store helps with (userPrincipalName eq and
// startswith) give exactly what the full evaluation gives: case-insensitive, with LIKE's
// wildcards taken literally.
func TestNarrowedFilters(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		for _, upn := range []string{"a_b@bestow.test", "axb@bestow.test", "A%c@bestow.test", "Ann@bestow.test"} {
			h.user(upn)
		}
		for filter, want := range map[string]int{
			"startswith(userPrincipalName,'a_')":                                        1,
			"startswith(userPrincipalName,'A%')":                                        1,
			"startswith(userPrincipalName,'A')":                                         5, // admin@, a_b, axb, A%c, Ann
			"userPrincipalName eq 'ANN@BESTOW.TEST'":                                    1,
			"startswith(userPrincipalName,'a') and displayName eq 'x'":                  0,
			"startswith(userPrincipalName,'zz') or startswith(userPrincipalName,'ann')": 1,
		} {
			r := h.must(h.admin, "GET", "/v1.0/users?$filter="+url.QueryEscape(filter), nil, 200)
			if got := len(r.list()); got != want {
				t.Errorf("%s: %d users, want %d", filter, got, want)
			}
		}
	})
}
