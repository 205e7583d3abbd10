package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// tokenLifetimes are the choices of the token form.
var tokenLifetimes = []struct {
	Value, Label string
	TTL          time.Duration
}{
	{"30d", "30 days", 30 * 24 * time.Hour},
	{"90d", "90 days", 90 * 24 * time.Hour},
	{"1y", "1 year", 365 * 24 * time.Hour},
	{"never", "No expiry", 0},
}

// tokensPage lists the person's API tokens; a new token's secret is shown once, on the
// page that answers its creation.
func (p *Portal) tokensPage(w http.ResponseWriter, r *http.Request) {
	p.showTokens(w, r, http.StatusOK, "", "")
}

func (p *Portal) showTokens(w http.ResponseWriter, r *http.Request, status int, secret, msg string) {
	who := actorOf(r)
	list, err := p.svc.MyTokens(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	p.render(w, r, status, "tokens", page{Title: "API tokens", Nav: "tokens", Who: who, Error: msg,
		Data: map[string]any{"Tokens": list, "Secret": secret, "Lifetimes": tokenLifetimes, "Now": time.Now()}})
}

func (p *Portal) createToken(w http.ResponseWriter, r *http.Request) {
	ttl, ok := time.Duration(-1), false
	for _, l := range tokenLifetimes {
		if l.Value == r.PostFormValue("lifetime") {
			ttl, ok = l.TTL, true
		}
	}
	if !ok {
		p.showTokens(w, r, http.StatusBadRequest, "", "choose how long the token lasts")
		return
	}
	name := r.PostFormValue("name")
	if name == "" {
		p.showTokens(w, r, http.StatusBadRequest, "", "give the token a name that says what uses it, for example \"nightly report script\"")
		return
	}
	secret, _, err := p.svc.CreateMyToken(r.Context(), actorOf(r), name, ttl)
	if err != nil {
		p.showTokens(w, r, statusOf(err), "", err.Error())
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	p.showTokens(w, r, http.StatusCreated, secret, "")
}

func (p *Portal) revokeToken(w http.ResponseWriter, r *http.Request) {
	if err := p.svc.RevokeMyToken(r.Context(), actorOf(r), r.PathValue("id")); err != nil {
		p.showTokens(w, r, statusOf(err), "", err.Error())
		return
	}
	http.Redirect(w, r, "/portal/tokens?notice="+url.QueryEscape("The token is revoked; it no longer works."), http.StatusSeeOther)
}

// tokenState describes a token for the list.
func tokenState(t access.Token, now time.Time) string {
	switch {
	case t.RevokedDateTime != nil:
		return "revoked"
	case t.ExpiresDateTime != nil && !t.ExpiresDateTime.After(now):
		return "expired"
	}
	return "active"
}
