// Package web serves the My Access portal: server-rendered pages where people request,
// follow and cancel access, and approvers decide. Pages call access.Service exactly as
// the Graph API does and show its answers; no rule is decided here. Every form works
// without JavaScript; cross-origin form posts are refused (http.CrossOriginProtection).
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the portal.
type Options struct {
	// DevSignIn offers a page that signs in as any user of the directory, for the demo.
	// Only ever set it for a server on a loopback address; every page then says so.
	DevSignIn bool
	// SecureCookies marks the session cookie Secure (set it when people reach Bestow
	// over https).
	SecureCookies bool
	// Providers are the OIDC identity providers people sign in through.
	Providers []Provider
	// BaseURL is where people reach Bestow (https://access.example.com), for the OIDC
	// callback; empty takes the host of each request.
	BaseURL string
	// Sessions bounds the sessions' idle and absolute lifetimes.
	Sessions access.SessionPolicy
	// SignInsPerMinute bounds the sign-in attempts of one client address (default 20).
	SignInsPerMinute int
	Log              *slog.Logger
}

// Portal is the web portal.
type Portal struct {
	svc     *access.Service
	opts    Options
	pages   map[string]*template.Template
	oidc    oidcClients
	signIns *addressLimiter
}

// New returns the portal over svc.
func New(svc *access.Service, opts Options) *Portal {
	if opts.Sessions == (access.SessionPolicy{}) {
		opts.Sessions = access.DefaultSessionPolicy
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.SignInsPerMinute <= 0 {
		opts.SignInsPerMinute = 20
	}
	return &Portal{svc: svc, opts: opts, pages: parsePages(), signIns: newAddressLimiter(opts.SignInsPerMinute)}
}

var funcs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return ""
			}
			return v.UTC().Format("2 Jan 2006 15:04 UTC")
		case *time.Time:
			if v == nil {
				return ""
			}
			return v.UTC().Format("2 Jan 2006 15:04 UTC")
		}
		return ""
	},
	"lower":      strings.ToLower,
	"deref":      func(b *bool) bool { return b != nil && *b },
	"tokenState": tokenState,
	"add":        func(a, b int) int { return a + b },
	"policyFields": func(i int, p wizardPolicy, orgs []access.ConnectedOrganization) policyFields {
		return policyFields{I: i, P: p, Orgs: orgs}
	},
}

// parsePages parses each page together with the layout.
func parsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		out[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return out
}

// Handler returns the portal's routes: /portal/…, the console's /admin/…, /signin,
// /signout, /static/ and / (which leads to the portal). Cross-origin POSTs are refused.
func (p *Portal) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/portal/access-packages", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /portal/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/portal/access-packages", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /signin", p.signInPage)
	mux.HandleFunc("POST /signin/dev", p.devSignIn)
	mux.HandleFunc("GET /signin/{provider}", p.oidcStart)
	mux.HandleFunc("GET /signin/{provider}/callback", p.oidcCallback)
	mux.HandleFunc("POST /signout", p.signOut)
	mux.HandleFunc("GET /portal/access-packages", p.signedIn(p.packagesPage))
	mux.HandleFunc("GET /portal/access-packages/{id}", p.signedIn(p.packagePage))
	mux.HandleFunc("POST /portal/access-packages/{id}/request", p.signedIn(p.submitRequest))
	mux.HandleFunc("GET /portal/requests", p.signedIn(p.requestsPage))
	mux.HandleFunc("POST /portal/requests/{id}/cancel", p.signedIn(p.cancelRequest))
	mux.HandleFunc("GET /portal/access", p.signedIn(p.accessPage))
	mux.HandleFunc("POST /portal/access/{id}/remove", p.signedIn(p.removeAccess))
	mux.HandleFunc("POST /portal/access/{id}/extend", p.signedIn(p.extendAccess))
	mux.HandleFunc("GET /portal/tokens", p.signedIn(p.tokensPage))
	mux.HandleFunc("POST /portal/tokens", p.signedIn(p.createToken))
	mux.HandleFunc("POST /portal/tokens/{id}/revoke", p.signedIn(p.revokeToken))
	mux.HandleFunc("GET /portal/approvals", p.signedIn(p.approvalsPage))
	mux.HandleFunc("POST /portal/approvals/{id}/{stage}", p.signedIn(p.decide))
	p.consoleRoutes(mux)
	return http.NewCrossOriginProtection().Handler(securityHeaders(mux))
}

// securityHeaders sets the headers every page carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// page is what every template gets.
type page struct {
	Title string
	Nav   string // the current section; "admin-…" for the console's
	Who   access.Actor
	Dev   bool
	// Admin: the viewer has something in the console; InConsole: this page is one of its.
	Admin, InConsole bool
	Notice           string
	Error            string
	Data             any
}

// render writes a page; a template error is logged and answered 500.
func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, name string, pg page) {
	pg.Dev = p.opts.DevSignIn
	pg.Admin = administers(pg.Who)
	pg.InConsole = strings.HasPrefix(pg.Nav, "admin")
	if pg.Notice == "" {
		pg.Notice = r.URL.Query().Get("notice")
	}
	t := p.pages[name]
	var b strings.Builder
	if err := t.Execute(&b, pg); err != nil {
		p.opts.Log.Error("portal page", "page", name, "err", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// fail shows a Service error as a page with its message, with the status it maps to.
// Unexpected errors are logged and described without their details.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, who access.Actor, err error) {
	status := statusOf(err)
	msg := err.Error()
	if status == http.StatusInternalServerError {
		p.opts.Log.Error("portal", "path", r.URL.Path, "err", err)
		msg = "Something went wrong; try again. If it keeps happening, tell your administrator."
	}
	p.render(w, r, status, "error", page{Title: "Not possible", Who: who, Error: msg})
}
