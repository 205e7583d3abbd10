package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/bestowhq/bestow/internal/access"
)

// Provider is an OpenID Connect identity provider people sign in through: the
// organization's own, or a partner's.
type Provider struct {
	// Name is the provider's short name, used in its URLs (/signin/{name}): letters,
	// digits and '-'.
	Name string
	// DisplayName is shown on the sign-in button ("Sign in with …").
	DisplayName  string
	Issuer       string
	ClientID     string
	ClientSecret string
	// Claim is the ID token claim that names the person: "email" (matched to mail, and
	// only when email_verified is not false), or "upn" or "preferred_username" (matched to
	// userPrincipalName).
	Claim string
}

// Validate checks a provider's settings.
func (p Provider) Validate() error {
	switch {
	case p.Name == "" || strings.Trim(p.Name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "":
		return fmt.Errorf("OIDC provider name %q: use letters, digits and '-'", p.Name)
	case p.Issuer == "" || p.ClientID == "":
		return fmt.Errorf("OIDC provider %q needs an issuer and a client id", p.Name)
	}
	switch p.Claim {
	case "email", "upn", "preferred_username":
	default:
		return fmt.Errorf("OIDC provider %q: claim %q is not supported; use email, upn or preferred_username", p.Name, p.Claim)
	}
	return nil
}

// oidcFlowCookie carries the state, nonce, PKCE verifier and destination of a sign-in
// in progress, for ten minutes.
const oidcFlowCookie = "bestow_oidc"

// oidcClients discovers each provider once, on first use, so a provider that is down at
// start does not stop Bestow.
type oidcClients struct {
	mu  sync.Mutex
	got map[string]*oidc.Provider
}

func (c *oidcClients) get(ctx context.Context, p Provider) (*oidc.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if op, ok := c.got[p.Name]; ok {
		return op, nil
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	op, err := oidc.NewProvider(dctx, p.Issuer)
	if err != nil {
		return nil, err
	}
	if c.got == nil {
		c.got = map[string]*oidc.Provider{}
	}
	c.got[p.Name] = op
	return op, nil
}

// signInThrough returns the provider a sign-in URL names, once the client may try to sign
// in; otherwise it has answered (404 for an unknown provider, 429 when throttled).
func (p *Portal) signInThrough(w http.ResponseWriter, r *http.Request) (Provider, bool) {
	for _, pr := range p.opts.Providers {
		if pr.Name == r.PathValue("provider") {
			return pr, p.allowSignIn(w, r)
		}
	}
	http.NotFound(w, r)
	return Provider{}, false
}

// oauthConfig is the OAuth client of a provider, answering at this server's callback.
func (p *Portal) oauthConfig(r *http.Request, pr Provider, op *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: pr.ClientID, ClientSecret: pr.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: p.baseURL(r) + "/signin/" + pr.Name + "/callback", Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}
}

// baseURL is where people reach this server: Options.BaseURL, or the request's own host.
func (p *Portal) baseURL(r *http.Request) string {
	if p.opts.BaseURL != "" {
		return strings.TrimSuffix(p.opts.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" { // the header only when --trust-forwarded
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// oidcStart sends the browser to the provider: authorization code flow with PKCE (S256),
// a state bound to this browser by a cookie, and a nonce bound to the ID token.
func (p *Portal) oidcStart(w http.ResponseWriter, r *http.Request) {
	pr, ok := p.signInThrough(w, r)
	if !ok {
		return
	}
	op, err := p.oidc.get(r.Context(), pr)
	if err != nil {
		p.opts.Log.Error("OIDC discovery", "provider", pr.Name, "issuer", pr.Issuer, "err", err)
		p.render(w, r, http.StatusBadGateway, "error", page{Title: "Sign-in is not available",
			Error: fmt.Sprintf("%s cannot be reached right now; try again in a moment. If it keeps happening, tell your administrator.", pr.DisplayName)})
		return
	}
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	flow := strings.Join([]string{state, nonce, verifier, base64.RawURLEncoding.EncodeToString([]byte(next(r)))}, ".")
	http.SetCookie(w, &http.Cookie{Name: oidcFlowCookie, Value: flow, Path: "/signin/", HttpOnly: true, Secure: p.opts.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, p.oauthConfig(r, pr, op).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// oidcCallback finishes a sign-in: the state must match this browser's, the code is
// exchanged with the PKCE verifier, and the ID token's signature, audience, expiry and
// nonce are checked before its claim names the person.
func (p *Portal) oidcCallback(w http.ResponseWriter, r *http.Request) {
	pr, ok := p.signInThrough(w, r)
	if !ok {
		return
	}
	refuse := func(status int, msg string, args ...any) {
		p.opts.Log.Warn("sign-in refused", "provider", pr.Name, "addr", r.RemoteAddr, "reason", fmt.Sprintf(msg, args...))
		p.render(w, r, status, "error", page{Title: "Sign-in refused", Error: fmt.Sprintf(msg, args...)})
	}
	c, err := r.Cookie(oidcFlowCookie)
	parts := []string{}
	if err == nil {
		parts = strings.Split(c.Value, ".")
	}
	http.SetCookie(w, &http.Cookie{Name: oidcFlowCookie, Path: "/signin/", MaxAge: -1, HttpOnly: true, Secure: p.opts.SecureCookies})
	if len(parts) != 4 || parts[0] != r.URL.Query().Get("state") {
		refuse(http.StatusBadRequest, "this sign-in did not start in this browser, or took longer than ten minutes; start again")
		return
	}
	if e := r.URL.Query().Get("error"); e != "" {
		refuse(http.StatusUnauthorized, "%s refused the sign-in: %s %s", pr.DisplayName, e, r.URL.Query().Get("error_description"))
		return
	}
	op, err := p.oidc.get(r.Context(), pr)
	if err != nil {
		refuse(http.StatusBadGateway, "%s cannot be reached right now; try again in a moment", pr.DisplayName)
		return
	}
	tok, err := p.oauthConfig(r, pr, op).Exchange(r.Context(), r.URL.Query().Get("code"), oauth2.VerifierOption(parts[2]))
	if err != nil {
		refuse(http.StatusUnauthorized, "%s did not accept the sign-in code: %v", pr.DisplayName, err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := op.Verifier(&oidc.Config{ClientID: pr.ClientID}).Verify(r.Context(), raw)
	if err != nil {
		refuse(http.StatusUnauthorized, "the ID token from %s is not valid: %v", pr.DisplayName, err)
		return
	}
	if idt.Nonce != parts[1] {
		refuse(http.StatusUnauthorized, "the ID token from %s is not for this sign-in (its nonce differs); start again", pr.DisplayName)
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		refuse(http.StatusUnauthorized, "the ID token from %s cannot be read: %v", pr.DisplayName, err)
		return
	}
	value, _ := claims[pr.Claim].(string)
	if pr.Claim == "email" {
		if verified, ok := claims["email_verified"].(bool); ok && !verified {
			refuse(http.StatusUnauthorized, "%s says the address %s is not verified; verify it there first", pr.DisplayName, value)
			return
		}
	}
	verified, _ := claims["email_verified"].(bool)
	name, _ := claims["name"].(string)
	secret, who, err := p.svc.StartSession(r.Context(), access.Identity{Value: value, ByMail: pr.Claim == "email",
		Verified: pr.Claim == "email" && verified, DisplayName: name, Via: pr.Name}, p.opts.Sessions)
	if err != nil {
		refuse(statusOf(err), "%s", err.Error())
		return
	}
	p.opts.Log.Info("signed in", "user", who.UserID, "via", pr.Name)
	p.setCookie(w, secret)
	dest := "/portal/access-packages"
	if b, err := base64.RawURLEncoding.DecodeString(parts[3]); err == nil {
		dest = next(&http.Request{Form: url.Values{"next": {string(b)}}})
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

func random() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
