package web_test

import (
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/web"
)

// TestOIDCSignIn signs in through a real OpenID Connect provider running in the test
// (mockoidc: authorization code flow with PKCE, signed ID tokens): a person whose verified
// address is a user's mail gets a session; an address nobody in the directory has, and an
// unverified one, are refused with the reason; signing out ends the session. // AUTH-1
func TestOIDCSignIn(t *testing.T) {
	pw := newPortalWorld(t)
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	cfg := m.Config()
	portal := web.New(pw.Svc, web.Options{Providers: []web.Provider{{Name: "corp", DisplayName: "Contoso ID", Issuer: cfg.Issuer,
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Claim: "email"}}})
	srv := httptest.NewServer(portal.Handler())
	t.Cleanup(srv.Close)
	mail := func(u *access.User) { u.Mail = "ann.lee@contoso.com" }
	ann, _ := pw.User("annlee", mail)
	ctx := browser(t)

	signIn := func(email string, verified bool) {
		t.Helper()
		m.QueueUser(&oidcUser{MockUser: mockoidc.MockUser{Subject: email, Email: email, EmailVerified: verified}})
		run(t, ctx, load(chromedp.Navigate(srv.URL+"/portal/requests")), load(chromedp.Click(chromedp.Search(`//a[text()="Sign in with Contoso ID"]`))))
	}
	signIn("ann.lee@contoso.com", true)
	wantText(t, ctx, "Request history") // back where the person started
	var who string
	who, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.who span`)))
	pw.Must(err)
	if who != ann.DisplayName {
		t.Errorf("signed in as %q, want %q", who, ann.DisplayName)
	}
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`form[action="/signout"] button`))))
	wantText(t, ctx, "You are signed out.")
	run(t, ctx, load(chromedp.Navigate(srv.URL+"/portal/requests")))
	wantText(t, ctx, "Sign in with Contoso ID")

	signIn("stranger@contoso.com", true)
	wantText(t, ctx, "Sign-in refused", "'stranger@contoso.com' is not a user of this directory")
	signIn("ann.lee@contoso.com", false)
	wantText(t, ctx, "Sign-in refused", "is not verified")
}

// oidcUser is a mockoidc user whose ID token always carries email_verified, false too
// (mockoidc's own user leaves a false value out).
type oidcUser struct{ mockoidc.MockUser }

func (u *oidcUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &struct {
		*mockoidc.IDTokenClaims
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}{base, u.Email, u.EmailVerified}, nil
}
