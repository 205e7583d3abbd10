package graphapi_test

import (
	"encoding/csv"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

func TestAudit(t *testing.T) { // RPT-2
	backends(t, func(t *testing.T, h *harness) {
		cat := h.catalog(h.admin, "Audited")
		h.must(h.admin, "PATCH", em+"/catalogs/"+cat, map[string]any{"description": "changed"}, 204)

		t.Run("RPT-2 an admin's change is in the log with the admin as actor", func(t *testing.T) {
			h := h.on(t)
			r := h.must(h.admin, "GET", "/bestow/v1/audit?objectType=catalog&objectId="+cat, nil, 200)
			list := r.list()
			if len(list) != 2 {
				t.Fatalf("got %d entries, want create and update: %s", len(list), r.raw)
			}
			e := list[0]
			if e["action"] != "create" || e["objectType"] != "catalog" || e["objectId"] != cat ||
				e["actorId"] != h.adminID || e["actorName"] != "admin" || e["before"] != nil || e["id"] == "" {
				t.Errorf("create entry = %v", e)
			}
			if after, _ := e["after"].(map[string]any); after["displayName"] != "Audited" {
				t.Errorf("create entry's after = %v", e["after"])
			}
			if at, err := time.Parse(time.RFC3339, e["dateTime"].(string)); err != nil || time.Since(at) > time.Hour {
				t.Errorf("dateTime %v: %v", e["dateTime"], err)
			}
			u := list[1]
			before, _ := u["before"].(map[string]any)
			after, _ := u["after"].(map[string]any)
			if u["action"] != "update" || before["description"] == "changed" || after["description"] != "changed" {
				t.Errorf("update entry = %v", u)
			}
			r = h.must(h.admin, "GET", "/bestow/v1/audit?objectType=catalog&action=update&actor="+h.adminID, nil, 200)
			if got := r.list(); len(got) != 1 || got[0]["objectId"] != cat {
				t.Errorf("filtered by action and actor: %s", r.raw)
			}
			r = h.must(h.admin, "GET", "/bestow/v1/audit?objectId="+cat+"&until=2000-01-01T00:00:00Z", nil, 200)
			if len(r.list()) != 0 || !strings.Contains(r.raw, `"value":[]`) {
				t.Errorf("until in the past: %s", r.raw)
			}
		})

		t.Run("RPT-2 pages carry a nextLink", func(t *testing.T) {
			h := h.on(t)
			r := h.must(h.admin, "GET", "/bestow/v1/audit?objectId="+cat+"&$top=1", nil, 200)
			next := r.str("@odata.nextLink")
			if len(r.list()) != 1 || !strings.HasPrefix(next, "http") {
				t.Fatalf("first page: %s", r.raw)
			}
			r = h.must(h.admin, "GET", next, nil, 200)
			if got := r.list(); len(got) != 1 || got[0]["action"] != "update" || r.str("@odata.nextLink") != "" {
				t.Errorf("second page: %s", r.raw)
			}
		})

		t.Run("RPT-2 CSV export", func(t *testing.T) {
			for _, how := range []struct{ query, accept string }{{"&format=csv", ""}, {"", "text/csv"}} {
				req, err := http.NewRequest("GET", h.srv.URL+"/bestow/v1/audit?objectType=catalog&objectId="+cat+how.query, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+h.admin)
				if how.accept != "" {
					req.Header.Set("Accept", how.accept)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				data, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
					!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
					t.Fatalf("%+v: status %d, %q, %q: %s", how, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"), data)
				}
				rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
				if err != nil {
					t.Fatalf("not CSV: %v: %s", err, data)
				}
				want := []string{"id", "dateTime", "actorId", "actorName", "action", "objectType", "objectId", "before", "after"}
				if len(rows) != 3 || !slices.Equal(rows[0], want) {
					t.Fatalf("%+v: rows = %q", how, rows)
				}
				row := rows[1]
				if row[2] != h.adminID || row[4] != "create" || row[5] != "catalog" || row[6] != cat || row[7] != "null" ||
					!strings.Contains(row[8], `"displayName":"Audited"`) {
					t.Errorf("%+v: create row = %q", how, row)
				}
				if rows[2][4] != "update" || !strings.Contains(rows[2][7], `"displayName":"Audited"`) {
					t.Errorf("%+v: update row = %q", how, rows[2])
				}
			}
		})

		t.Run("RPT-2 reading the log needs a role", func(t *testing.T) {
			h := h.on(t)
			plain, plainTok := h.user("plain@bestow.test")
			h.fails(plainTok, "GET", "/bestow/v1/audit", nil, 403, "read the audit log", "Global Administrator")
			h.fails(plainTok, "GET", "/bestow/v1/audit?format=csv", nil, 403, "read the audit log")
			h.grant(plain, access.RoleGovernanceAdmin, "")
			h.must(plainTok, "GET", "/bestow/v1/audit", nil, 200)
		})

		t.Run("RPT-2 bad parameters say what is expected", func(t *testing.T) {
			h := h.on(t)
			for _, tc := range []struct{ query, want string }{
				{"since=yesterday", "'since' must be an RFC 3339 date-time"},
				{"until=2026-11-02", "'until' must be an RFC 3339 date-time"},
				{"$top=5000", "'$top' must be a whole number from 1 to 1000"},
				{"$top=x", "'$top'"},
				{"$skip=-1", "'$skip' must be a whole number"},
				{"action=rename", "action 'rename' is not an audit action"},
				{"objectType=catalogs", "objectType 'catalogs' is not an audited object type"},
				{"format=xml", "'format' must be json or csv"},
				{"objecttype=catalog", "query parameter 'objecttype' is not known"},
			} {
				h.fails(h.admin, "GET", "/bestow/v1/audit?"+tc.query, nil, 400, tc.want)
			}
		})

		t.Run("RPT-2 the endpoint is in the OpenAPI document", func(t *testing.T) {
			h := h.on(t)
			paths := h.must("", "GET", "/openapi.json", nil, 200).body["paths"].(map[string]any)
			if paths["/bestow/v1/audit"] == nil {
				t.Error("openapi lacks /bestow/v1/audit")
			}
		})
	})
}

func TestAuditVerify(t *testing.T) { // SEC-6
	backends(t, func(t *testing.T, h *harness) {
		h.catalog(h.admin, "Chained")
		t.Run("SEC-6 an admin verifies the chain", func(t *testing.T) {
			h := h.on(t)
			r := h.must(h.admin, "GET", "/bestow/v1/audit/verify", nil, 200)
			if r.body["ok"] != true || r.body["firstBroken"] != nil || r.body["triggersPresent"] != true ||
				len(r.str("headHash")) != 64 || r.body["entriesChecked"].(float64) < 1 {
				t.Errorf("verify: %s", r.raw)
			}
			h.fails(h.admin, "GET", "/bestow/v1/audit/verify?x=1", nil, 400, "'x'")
		})
		t.Run("SEC-6 a user without roles may not verify", func(t *testing.T) {
			h := h.on(t)
			_, plainTok := h.user("plain-verify@bestow.test")
			h.fails(plainTok, "GET", "/bestow/v1/audit/verify", nil, 403, "read the audit log")
		})
	})
}
