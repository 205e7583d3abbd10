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
	o := pw.withOIDC(t, "email")
	m, srv := o.m, o.srv
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
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.who span`)))
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

// TestGuestFirstSignIn follows a person from a connected organization who is not yet in
// the directory: through the portal link of a hidden package they sign in with their own
// provider, get a guest account, and request the package. Someone from an organization no
// policy includes is refused with the reason, and no account is made. // AUTH-2 AP-2
func TestGuestFirstSignIn(t *testing.T) {
	pw := newPortalWorld(t)
	org, err := pw.Svc.CreateConnectedOrganization(pw.Ctx, access.SystemActor, access.ConnectedOrganization{DisplayName: "Fabrikam",
		IdentitySources: []access.IdentitySource{{Type: "#microsoft.graph.domainIdentitySource", DomainName: "fabrikam.example", DisplayName: "Fabrikam"}}})
	pw.Must(err)
	partners := pw.Package("Partner portal", pw.Group("Partners"))
	_, err = pw.Svc.UpdatePackage(pw.Ctx, access.SystemActor, partners.ID, func(p *access.Package) error { p.IsHidden = true; return nil })
	pw.Must(err)
	pw.Policy(partners, "Fabrikam", func(p *access.Policy) {
		p.AllowedTargetScope = access.ScopeSpecificConnectedOrgs
		p.SpecificAllowedTargets = []access.SubjectSet{{Type: "#microsoft.graph.connectedOrganizationMembers", ConnectedOrganizationID: org.ID}}
		p.RequestApprovalSettings.IsRequestorJustificationRequired = true
	})
	m, err := mockoidc.Run()
	pw.Must(err)
	t.Cleanup(func() { _ = m.Shutdown() })
	cfg := m.Config()
	srv := httptest.NewServer(web.New(pw.Svc, web.Options{Providers: []web.Provider{{Name: "partners", DisplayName: "Partner ID",
		Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Claim: "email"}}}).Handler())
	t.Cleanup(srv.Close)
	ctx := browser(t)
	users := func() int {
		list, err := pw.Svc.ListUsers(pw.Ctx, access.SystemActor, false)
		pw.Must(err)
		return len(list)
	}
	before := users()

	m.QueueUser(&oidcUser{MockUser: mockoidc.MockUser{Subject: "m1", Email: "mallory@elsewhere.example", EmailVerified: true}})
	run(t, ctx, load(chromedp.Navigate(srv.URL+"/portal/access-packages/"+partners.ID)), load(chromedp.Click(chromedp.Search(`//a[text()="Sign in with Partner ID"]`))))
	wantText(t, ctx, "Sign-in refused", "no access package is open to people from elsewhere.example", "no account was made")
	if n := users(); n != before {
		t.Fatalf("a refused sign-in created %d users", n-before)
	}

	m.QueueUser(&oidcUser{MockUser: mockoidc.MockUser{Subject: "a1", Email: "alice@fabrikam.example", EmailVerified: true}})
	run(t, ctx, load(chromedp.Navigate(srv.URL+"/portal/access-packages/"+partners.ID)), load(chromedp.Click(chromedp.Search(`//a[text()="Sign in with Partner ID"]`))))
	wantText(t, ctx, "Partner portal", "Member of Partners")
	run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#justification`), "Joint launch"), load(chromedp.Click(chromedp.Search(`//button[text()="Request"]`))))
	wantText(t, ctx, "Your request was sent.", "Partner portal")
	list, err := pw.Svc.ListUsers(pw.Ctx, access.SystemActor, false, access.Key{Name: access.KeyUPN, Value: "alice_fabrikam.example#ext#@contoso.com"})
	pw.Must(err)
	if len(list) != 1 || !list[0].IsGuest() || list[0].Mail != "alice@fabrikam.example" {
		t.Fatalf("the new guest account = %+v", list)
	}
}
