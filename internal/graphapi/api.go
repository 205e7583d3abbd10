// Package graphapi serves Bestow's REST API in the Microsoft Graph v1.0 dialect
// (entitlement management, the built-in directory, role management) plus Bestow's own
// additions under /bestow/v1. It translates HTTP to calls of access.Service and back;
// it holds no rules of its own.
package graphapi

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/prometheus/client_golang/prometheus"
)

// API is the HTTP API.
type API struct {
	svc     *access.Service
	log     *slog.Logger
	routes  []route
	types   types
	metrics *metrics
	// environment is accessPackageResourceEnvironment (types_calls.go).
	environment *entityType

	limits               Limits
	users, addrs, failed *limiterSet
}

// route is one endpoint; the table drives both the mux and /openapi.json.
type route struct {
	method, pattern string
	summary         string
	typ             string // Graph type returned, for the OpenAPI document
	public          bool   // no token needed
	// signed routes also take, in place of a token, a custom extension's signature
	// (X-Bestow-Signature), which the use case verifies (CON-5).
	signed bool
	h      http.HandlerFunc
	// calls are the OData functions (name(…)) its wildcards accept; any other function or
	// cast there is not an endpoint (checkCalls). With onlyCalls, its last wildcard holds
	// one of them and nothing else.
	calls     []string
	onlyCalls bool
}

// New returns the API over svc. reg may be nil for no metrics.
func New(svc *access.Service, log *slog.Logger, reg prometheus.Registerer) *API {
	a := &API{svc: svc, log: log}
	a.types = a.newTypes()
	a.environment = a.callTypes(&a.types)
	a.metrics = newMetrics(reg)
	a.routes = withCounts(declareCalls(append(a.routeTable(), a.auditRoutes()...)))
	a.SetLimits(DefaultLimits)
	return a
}

// Endpoint is one route of the API: its method, its pattern (as http.ServeMux reads it) and
// whether it answers without a token.
type Endpoint struct {
	Method, Pattern string
	Public          bool
}

// Endpoints lists every route, in the order of the route table.
func (a *API) Endpoints() []Endpoint {
	out := make([]Endpoint, len(a.routes))
	for i, rt := range a.routes {
		out[i] = Endpoint{Method: rt.method, Pattern: rt.pattern, Public: rt.public}
	}
	return out
}

// Handler returns the HTTP handler with every route, authentication, logging, metrics
// and panic recovery.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range a.routes {
		h := rt.h
		switch {
		case rt.signed:
			h = a.authenticateOrSigned(h)
		case !rt.public:
			h = a.authenticate(h)
		}
		mux.Handle(rt.method+" "+rt.pattern, a.instrument(rt.pattern, a.checkCalls(rt, h)))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { a.writeError(w, r, notAnEndpoint(r)) })
	return a.recover(a.throttleAddress(mux))
}

type actorKey struct{}

// actorOf returns the authenticated actor of a request.
func actorOf(r *http.Request) access.Actor {
	who, _ := r.Context().Value(actorKey{}).(access.Actor)
	return who
}

// WithActor returns ctx carrying who, for handlers called in-process; the store records
// who as the author of the changes made under ctx (access.WithActor, RPT-2).
func WithActor(ctx context.Context, who access.Actor) context.Context {
	return context.WithValue(access.WithActor(ctx, who), actorKey{}, who)
}

func (a *API) authenticate(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if over, wait := a.failed.exhausted(remoteAddress(r), time.Now()); over {
			a.tooMany(w, r, wait, "too many failed authentications from this address")
			return
		}
		tok, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="bestow"`)
			a.writeError(w, r, access.Ec(access.KindUnauthenticated, "InvalidAuthenticationToken",
				"Access token is empty: send 'Authorization: Bearer <token>'; create a token with 'bestow token create --user UPN'"))
			return
		}
		who, err := a.svc.Authenticate(r.Context(), tok)
		if err != nil {
			if access.IsKind(err, access.KindUnauthenticated) {
				a.authFailed(r, err)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="bestow", error="invalid_token"`)
			a.writeError(w, r, err)
			return
		}
		if ok, wait := a.users.take(who.UserID, time.Now()); !ok {
			a.tooMany(w, r, wait, "too many requests from this user")
			return
		}
		next(w, r.WithContext(WithActor(r.Context(), who)))
	}
}

// authenticateOrSigned lets a request without an Authorization header but with a custom
// extension's signature through with no actor: the use case verifies the signature
// against the extension's secret and refuses it otherwise. Anything else authenticates
// as usual.
func (a *API) authenticateOrSigned(next http.HandlerFunc) http.HandlerFunc {
	auth := a.authenticate(next)
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || r.Header.Get(access.SignatureHeader) == "" {
			auth(w, r)
			return
		}
		if over, wait := a.failed.exhausted(remoteAddress(r), time.Now()); over {
			a.tooMany(w, r, wait, "too many failed authentications from this address")
			return
		}
		next(w, r)
	}
}

// bearer returns the token of an Authorization header. The scheme is case-insensitive
// (RFC 9110 §11.1), so "bearer", "Bearer" and "BEARER" all work.
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

func (a *API) instrument(pattern string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		d := time.Since(start)
		a.metrics.observe(r.Method, pattern, sw.status, d)
		a.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", d)
	})
}

func (a *API) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.Error("panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				a.writeError(w, r, access.E(access.KindInternal, "panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
