package graphapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/configured"
	"github.com/bestowhq/bestow/internal/connector/directory"
	"github.com/bestowhq/bestow/internal/connector/ldap"
	"github.com/bestowhq/bestow/internal/connector/scim"
	"github.com/bestowhq/bestow/internal/delivery"
	"github.com/bestowhq/bestow/internal/graphapi"
	"github.com/bestowhq/bestow/internal/notify"
	"github.com/bestowhq/bestow/internal/postgres/pgtest"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
)

const em = "/v1.0/identityGovernance/entitlementManagement"

// harness is a running API over a fresh database, with a Global Administrator.
type harness struct {
	t       *testing.T
	svc     *access.Service
	srv     *httptest.Server
	api     *graphapi.API
	admin   string // token
	adminID string
	worker  *delivery.Worker
}

// backends runs fn once per database: SQLite always, PostgreSQL when
// BESTOW_TEST_POSTGRES is set.
func backends(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newHarness(t, sqlitetest.Open(t))) })
	t.Run("postgres", func(t *testing.T) { fn(t, newHarness(t, pgtest.Open(t))) })
}

// bootstrapped returns a service over store with its Default catalog and a Global
// Administrator, and that administrator with a token.
func bootstrapped(t *testing.T, store access.Store) (*access.Service, access.User, string) {
	t.Helper()
	svc := access.NewService(store, nil, nil)
	ctx := context.Background()
	if err := svc.Init(ctx); err != nil {
		t.Fatal(err)
	}
	u, tok, err := svc.Bootstrap(ctx, "admin@bestow.test")
	if err != nil {
		t.Fatal(err)
	}
	return svc, u, tok
}

func newHarness(t *testing.T, store access.Store) *harness {
	t.Helper()
	svc, u, tok := bootstrapped(t, store)
	builtin := connector.Registry{}
	directory.New(store, nil, nil).Register(builtin)
	conns := configured.New(builtin, map[string]configured.Factory{access.ConnectorLDAP: ldap.FromConfig, access.ConnectorSCIM: scim.FromConfig}, svc.Connector)
	svc.SetTargets(conns)
	t.Cleanup(conns.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := graphapi.New(svc, log, nil)
	api.SetLimits(graphapi.Limits{}) // tests send bursts; TestRateLimits turns them on
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(func() { srv.Close(); store.Close() })
	return &harness{t: t, svc: svc, srv: srv, api: api, admin: tok, adminID: u.ID, worker: delivery.New(svc, conns, delivery.Options{Outbox: notify.NewOutbox(svc, nil)})}
}

// resp is a decoded response.
type resp struct {
	status int
	body   map[string]any
	raw    string
}

func (r resp) str(path string) string {
	if s, ok := r.body[path].(string); ok {
		return s
	}
	var v any = r.body
	for _, p := range strings.Split(path, ".") {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

func (r resp) list() []map[string]any {
	vs, _ := r.body["value"].([]any)
	out := make([]map[string]any, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.(map[string]any))
	}
	return out
}

func (r resp) errMsg() string { return r.str("error.message") }

// call sends a request as the holder of tok. body may be a string (sent as is) or a
// value (sent as JSON).
func (h *harness) call(tok, method, path string, body any) resp {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	target := path
	if !strings.HasPrefix(path, "http") {
		target = h.srv.URL + strings.ReplaceAll(path, " ", "%20")
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, raw: string(data)}
	if len(data) > 0 && !strings.HasPrefix(res.Header.Get("Content-Type"), "text/") {
		if err := json.Unmarshal(data, &out.body); err != nil {
			h.t.Fatalf("%s %s: response is not JSON: %s", method, path, data)
		}
	}
	if res.StatusCode >= 400 && (out.str("error.code") == "" || out.str("error.message") == "") {
		h.t.Fatalf("%s %s: error response without code and message: %s", method, path, data)
	}
	return out
}

// must sends a request and fails the test unless the status is want.
func (h *harness) must(tok, method, path string, body any, want int) resp {
	h.t.Helper()
	r := h.call(tok, method, path, body)
	if r.status != want {
		h.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.raw)
	}
	return r
}

// fails sends a request, expects status want and an error message containing every
// one of the fragments.
func (h *harness) fails(tok, method, path string, body any, want int, fragments ...string) resp {
	h.t.Helper()
	r := h.must(tok, method, path, body, want)
	for _, f := range fragments {
		if !strings.Contains(r.errMsg(), f) {
			h.t.Errorf("%s %s: error message %q does not mention %q", method, path, r.errMsg(), f)
		}
	}
	return r
}

// user creates a user and returns its id and a token for it.
func (h *harness) user(upn string) (id, tok string) {
	h.t.Helper()
	r := h.must(h.admin, "POST", "/v1.0/users", map[string]any{"displayName": upn, "userPrincipalName": upn, "accountEnabled": true, "mailNickname": "x"}, 201)
	id = r.str("id")
	secret, _, err := h.svc.CreateToken(context.Background(), id, "test", 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return id, secret
}

// grant gives principal a role, tenant-wide (catalog "") or in a catalog.
func (h *harness) grant(principal, role, catalog string) string {
	h.t.Helper()
	body := map[string]any{"principalId": principal, "roleDefinitionId": role, "directoryScopeId": "/"}
	if catalog != "" {
		body["appScopeId"] = "/AccessPackageCatalog/" + catalog
	}
	return h.must(h.admin, "POST", "/v1.0/roleManagement/entitlementManagement/roleAssignments", body, 201).str("id")
}

func (h *harness) group(body map[string]any) string {
	h.t.Helper()
	if _, ok := body["securityEnabled"]; !ok {
		body["securityEnabled"] = true
	}
	body["mailNickname"] = "g"
	return h.must(h.admin, "POST", "/v1.0/groups", body, 201).str("id")
}

func (h *harness) catalog(tok, name string) string {
	h.t.Helper()
	return h.must(tok, "POST", em+"/catalogs", map[string]any{"displayName": name, "state": "published"}, 201).str("id")
}

func (h *harness) addResource(tok, catalog, system, origin string) resp {
	h.t.Helper()
	return h.call(tok, "POST", em+"/resourceRequests", map[string]any{"requestType": "adminAdd",
		"resource": map[string]any{"originId": origin, "originSystem": system}, "catalog": map[string]any{"id": catalog}})
}

func (h *harness) pkg(tok, catalog, name string) string {
	h.t.Helper()
	return h.must(tok, "POST", em+"/accessPackages", map[string]any{"displayName": name, "catalog": map[string]any{"id": catalog}}, 201).str("id")
}

func (h *harness) addMember(tok, pkg, group string) resp {
	h.t.Helper()
	return h.call(tok, "POST", em+"/accessPackages/"+pkg+"/resourceRoleScopes", map[string]any{
		"role":  map[string]any{"originId": "Member_" + group, "originSystem": "AadGroup", "resource": map[string]any{"originId": group, "originSystem": "AadGroup"}},
		"scope": map[string]any{"originId": group, "originSystem": "AadGroup"}})
}

// count returns how many objects a collection holds, as the admin sees it.
func (h *harness) count(path string) int {
	h.t.Helper()
	return len(h.must(h.admin, "GET", path+"?$top=999", nil, 200).list())
}

// on returns the harness bound to a subtest.
func (h *harness) on(t *testing.T) *harness { c := *h; c.t = t; return &c }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// adminActor returns the actor of the harness's administrator.
func adminActor(t *testing.T, h *harness) access.Actor {
	who, err := h.svc.ActorFor(t.Context(), h.adminID)
	if err != nil {
		t.Fatal(err)
	}
	return who
}

// work runs the worker until nothing is due, as the server's worker loop would.
func (h *harness) work() {
	h.t.Helper()
	if err := h.worker.RunOnce(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}
