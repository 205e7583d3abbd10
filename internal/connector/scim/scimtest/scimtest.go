// Package scimtest runs a real SCIM 2.0 server (github.com/elimity-com/scim) in a test,
// with an in-memory store of Users and Groups behind it, for the SCIM connector's tests.
//
// The server requires a bearer token, evaluates filters with the library's filter
// validator, applies PATCH operations to a group's members atomically (RFC 7644 §3.5.2),
// and can be made to fail with 503 or to go away, for tests of transient errors.
package scimtest

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

// Server is a running SCIM server. URL is its SCIM base URL (ending in /scim/v2); Token is
// the bearer token it accepts.
type Server struct {
	URL   string
	Token string

	hs          *httptest.Server
	store       *store
	scim        http.Handler
	unavailable atomic.Bool
	throttled   atomic.Bool

	mu       sync.Mutex
	requests []string
}

// Option configures a Server.
type Option func(*config)

type config struct{ pageSize int }

// PageSize sets the most resources the server returns in one list response (its
// ServiceProviderConfig maxResults); the default is 50.
func PageSize(n int) Option { return func(c *config) { c.pageSize = n } }

// Start runs a SCIM server until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{pageSize: 50}
	for _, o := range opts {
		o(&cfg)
	}
	st := newStore()
	h, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{
			MaxResults:       cfg.pageSize,
			SupportFiltering: true,
			SupportPatch:     true,
			AuthenticationSchemes: []scim.AuthenticationScheme{{Type: scim.AuthenticationTypeOauthBearerToken,
				Name: "OAuth Bearer Token", Description: "A bearer token in the Authorization header", Primary: true}},
		},
		ResourceTypes: []scim.ResourceType{
			{ID: optional.NewString("User"), Name: "User", Endpoint: "/Users", Description: optional.NewString("User Account"),
				Schema: schema.CoreUserSchema(), Handler: &handler{store: st, kind: kindUser, schema: schema.CoreUserSchema()}},
			{ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups", Description: optional.NewString("Group"),
				Schema: schema.CoreGroupSchema(), Handler: &handler{store: st, kind: kindGroup, schema: schema.CoreGroupSchema()}},
		},
	})
	if err != nil {
		t.Fatalf("scimtest: %v", err)
	}
	s := &Server{Token: "scimtest-token", store: st, scim: h}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim", s))
	mux.Handle("/scim/v2", http.StripPrefix("/scim", s))
	s.hs = httptest.NewServer(mux)
	s.URL = s.hs.URL + "/scim/v2"
	t.Cleanup(s.hs.Close)
	return s
}

// ServeHTTP records the request, answers 503 while the server is unavailable, refuses a
// missing or wrong bearer token with 401, and passes the rest to the SCIM library.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+strings.TrimPrefix(r.URL.Path, "/v2"))
	s.mu.Unlock()
	if s.unavailable.Load() {
		writeError(w, http.StatusServiceUnavailable, "the service is down for maintenance")
		return
	}
	if s.throttled.Load() {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "too many requests")
		return
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.Token)) != 1 {
		writeError(w, http.StatusUnauthorized, "the bearer token is missing or not valid")
		return
	}
	s.scim.ServeHTTP(w, r)
}

func writeError(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"},
		"detail":  detail, "status": strconv.Itoa(status),
	})
}

// SetUnavailable makes every request fail with 503 Service Unavailable (true) or be
// served again (false).
func (s *Server) SetUnavailable(down bool) { s.unavailable.Store(down) }

// SetThrottled makes the server answer 429 Too Many Requests (true) or serve again.
func (s *Server) SetThrottled(on bool) { s.throttled.Store(on) }

// Close stops the server: later requests fail to connect.
func (s *Server) Close() { s.hs.Close() }

// Requests returns the requests served so far, as "METHOD /Endpoint/..." (the path
// below the base URL), and forgets them.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.requests
	s.requests = nil
	return r
}

// User is a user to add to the store.
type User struct {
	UserName   string
	ExternalID string
	Emails     []string // the first is primary
	Inactive   bool     // an inactive user cannot be added to a group
}

// AddUser stores a user and returns its id.
func (s *Server) AddUser(u User) string {
	attrs := map[string]any{"userName": u.UserName, "active": !u.Inactive}
	if len(u.Emails) > 0 {
		var emails []any
		for i, e := range u.Emails {
			emails = append(emails, map[string]any{"value": e, "type": "work", "primary": i == 0})
		}
		attrs["emails"] = emails
	}
	return s.store.create(kindUser, u.ExternalID, attrs)
}

// DeleteUser removes a user (and its memberships).
func (s *Server) DeleteUser(id string) { s.store.delete(kindUser, id) }

// AddGroup stores a group with the given members (user ids) and returns its id.
func (s *Server) AddGroup(displayName string, memberIDs ...string) string {
	members := []any{}
	for _, id := range memberIDs {
		members = append(members, map[string]any{"value": id, "type": "User"})
	}
	return s.store.create(kindGroup, "", map[string]any{"displayName": displayName, "members": members})
}

// Members returns the member ids of a group in the order they were added, or nil when
// there is no such group.
func (s *Server) Members(groupID string) []string { return s.store.memberIDs(groupID) }
