package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// sessionCookie holds the session secret. It is HttpOnly and SameSite=Lax; Secure when
// Options.SecureCookies is set.
const sessionCookie = "bestow_session"

type actorKey struct{}

func actorOf(r *http.Request) access.Actor {
	who, _ := r.Context().Value(actorKey{}).(access.Actor)
	return who
}

// signedIn runs h for a signed-in person, or sends the browser to the sign-in page and
// back afterwards.
func (p *Portal) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err == nil {
			who, err := p.svc.SessionActor(r.Context(), c.Value, p.opts.Sessions)
			if err == nil {
				h(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, who)))
				return
			}
			p.clearCookie(w)
		}
		if r.Method != http.MethodGet {
			http.Error(w, "your session has ended; sign in again", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	}
}

func (p *Portal) setCookie(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true,
		Secure: p.opts.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(p.opts.Sessions.Absolute.Seconds())})
}

func (p *Portal) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: p.opts.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// next is where to go after signing in: a path on this server, or the portal.
func next(r *http.Request) string {
	n := r.FormValue("next")
	if !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || strings.HasPrefix(n, "/\\") {
		return "/portal/access-packages"
	}
	return n
}

// signInPage offers the ways to sign in: the development sign-in of the demo lists the
// directory's users.
func (p *Portal) signInPage(w http.ResponseWriter, r *http.Request) {
	var users []access.User
	if p.opts.DevSignIn {
		list, err := p.svc.ListUsers(r.Context(), access.SystemActor, false)
		if err != nil {
			p.fail(w, r, access.Actor{}, err)
			return
		}
		slices.SortFunc(list, func(a, b access.User) int {
			return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
		})
		users = list
	}
	p.render(w, r, http.StatusOK, "signin", page{Title: "Sign in", Data: map[string]any{"Users": users, "Next": next(r), "Providers": p.opts.Providers}})
}

// devSignIn signs in as the chosen user; only with Options.DevSignIn.
func (p *Portal) devSignIn(w http.ResponseWriter, r *http.Request) {
	if !p.opts.DevSignIn {
		http.NotFound(w, r)
		return
	}
	if !p.allowSignIn(w, r) {
		return
	}
	secret, who, err := p.svc.StartSession(r.Context(), access.Identity{Value: r.FormValue("user"), Via: "development sign-in"}, p.opts.Sessions)
	if err != nil {
		p.opts.Log.Warn("sign-in refused", "user", r.FormValue("user"), "err", err)
		p.render(w, r, http.StatusUnauthorized, "error", page{Title: "Sign-in refused", Error: err.Error()})
		return
	}
	p.opts.Log.Info("signed in", "user", who.UserID, "via", "development sign-in")
	p.setCookie(w, secret)
	http.Redirect(w, r, next(r), http.StatusSeeOther)
}

func (p *Portal) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := p.svc.EndSession(r.Context(), c.Value); err != nil {
			p.fail(w, r, access.Actor{}, err)
			return
		}
	}
	p.clearCookie(w)
	http.Redirect(w, r, "/signin?notice="+url.QueryEscape("You are signed out."), http.StatusSeeOther)
}
