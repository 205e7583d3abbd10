package graphapi_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/graphapi"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
)

func TestLimits(t *testing.T) { // SEC-4
	backends(t, func(t *testing.T, h *harness) {
		cat := h.catalog(h.admin, "Wide")
		for i := range 100 {
			h.pkg(h.admin, cat, fmt.Sprintf("P%03d", i))
		}
		t.Run("SEC-4 $expand nests at most three levels", func(t *testing.T) {
			h := h.on(t)
			h.fails(h.admin, "GET", em+"/catalogs?$expand=accessPackages($expand=catalog($expand=accessPackages($expand=catalog)))", nil, 400,
				"nests 4 levels", "limit is 3")
			h.must(h.admin, "GET", em+"/catalogs/"+cat+"?$expand=accessPackages($expand=catalog($expand=resources))", nil, 200)
		})
		t.Run("SEC-4 an answer holds a bounded number of objects", func(t *testing.T) {
			h := h.on(t)
			// 1 + 100 + 100 + 100×100 objects: over the bound.
			h.fails(h.admin, "GET", em+"/catalogs/"+cat+"?$expand=accessPackages($expand=catalog($expand=accessPackages))", nil, 400,
				fmt.Sprintf("more than %d objects", graphapi.MaxAnswerObjects))
			h.fails(h.admin, "GET", em+"/catalogs?$filter=displayName eq 'Wide'&$expand=accessPackages($expand=catalog($expand=accessPackages))", nil, 400, "$top")
		})
		t.Run("SEC-4 text properties have maximum lengths", func(t *testing.T) {
			h := h.on(t)
			long := strings.Repeat("x", 257)
			h.fails(h.admin, "POST", "/v1.0/groups", map[string]any{"displayName": long, "mailNickname": "g", "securityEnabled": true}, 400, "'displayName'", "limit is 256")
			h.fails(h.admin, "POST", em+"/accessPackages", map[string]any{"displayName": "ok", "description": strings.Repeat("d", 5000), "catalog": map[string]any{"id": cat}}, 400, "'description'", "2048")
			h.fails(h.admin, "POST", em+"/catalogs", map[string]any{"displayName": "ok", "x": map[string]any{"y": strings.Repeat("é", 4097)}}, 400, "'x.y'", "4096")
			if n := h.count(em + "/catalogs"); n != 2 {
				t.Errorf("%d catalogs after refused creates, want 2", n)
			}
		})
		t.Run("SEC-4 an oversize body answers 413", func(t *testing.T) {
			h := h.on(t)
			h.fails(h.admin, "POST", "/v1.0/groups", `{"displayName":"`+strings.Repeat("a", 5<<20)+`"}`, 413, "larger than")
		})
	})
}

// TestRateLimits turns the throttle on: a user past their rate, and an address that keeps
// failing to authenticate, get 429 with Retry-After; failures are logged at warn. SEC-5
func TestRateLimits(t *testing.T) {
	svc, _, tok := bootstrapped(t, sqlitetest.Open(t))
	var logs bytes.Buffer
	api := graphapi.New(svc, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	api.SetLimits(graphapi.Limits{PerUser: 0.5, UserBurst: 3, FailedAuth: 1.0 / 60, FailedBurst: 2})
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	get := func(token string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/v1.0/me", nil)
		req.Header.Set("Authorization", "bearer "+token) // the scheme is case-insensitive
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for i := range 3 {
		if res := get(tok); res.StatusCode != 200 {
			t.Fatalf("request %d within the burst: %d", i, res.StatusCode)
		}
	}
	res := get(tok)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("past the user's rate: %d, Retry-After %q; want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	for range 2 {
		if res := get("bst_guess"); res.StatusCode != 401 {
			t.Fatalf("a wrong token: %d, want 401", res.StatusCode)
		}
	}
	if res := get("bst_guess"); res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after two failed authentications: %d, want 429 with Retry-After", res.StatusCode)
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"authentication failed\"") {
		t.Errorf("failed authentication not logged at warn:\n%s", logs.String())
	}
}
