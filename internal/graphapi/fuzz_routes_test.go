package graphapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/graphapi"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
)

// FuzzRoutes sends arbitrary query options and bodies to every route of the table, as
// the Global Administrator (who reaches the most code): no answer may be a 5xx, and
// every error must be Graph's error body with a code and a message. SEC-4
func FuzzRoutes(f *testing.F) {
	svc := sqlitetest.Service(f)
	ctx := context.Background()
	admin, tok, err := svc.Bootstrap(ctx, "admin@bestow.test")
	if err != nil {
		f.Fatal(err)
	}
	api := graphapi.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	api.SetLimits(graphapi.Limits{})
	h := api.Handler()
	eps := api.Endpoints()
	for i := range eps {
		f.Add(uint16(i), "", "")
		f.Add(uint16(i), "$filter=displayName eq 'x'&$expand=*&$top=1", `{"displayName":"x"}`)
	}
	for _, q := range []string{"$expand=catalog($expand=accessPackages($select=id))", "$orderby=displayName desc&$count=true",
		"$skiptoken=zz", "$filter=startswith(userPrincipalName,'a') or id in ('1','2')", "$select=id,,", "$top=-1", "%zz"} {
		f.Add(uint16(0), q, "")
	}
	for _, b := range []string{`{"@odata.id":"https://x/v1.0/directoryObjects/` + admin.ID + `"}`, `[]`, `null`, `{"a":`, `{"requestType":"userAdd","assignment":{}}`,
		`{"reviewResult":"Approve"}`, `{"displayName":"` + strings.Repeat("x", 300) + `"}`} {
		f.Add(uint16(1), "", b)
	}
	f.Fuzz(func(t *testing.T, route uint16, query, body string) {
		ep := eps[int(route)%len(eps)]
		path := strings.NewReplacer("{id}", admin.ID, "{ref}", admin.ID, "{rid}", admin.ID, "{stage}", admin.ID).Replace(ep.Pattern)
		req := httptest.NewRequest(ep.Method, "/", strings.NewReader(body))
		req.URL = &url.URL{Path: path, RawQuery: query}
		req.RequestURI = ""
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s with body %q: %d %s", ep.Method, path, query, body, rec.Code, rec.Body.String())
		}
		if rec.Code >= 400 {
			var e struct {
				Error struct{ Code, Message string }
			}
			if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%s %s?%s: %d without Graph's error body: %s", ep.Method, path, query, rec.Code, rec.Body.String())
			}
		}
	})
}
