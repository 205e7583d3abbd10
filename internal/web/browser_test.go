package web_test

import (
	"context"
	_ "embed"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/access/accesstest"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
	"github.com/bestowhq/bestow/internal/web"
)

// browser starts headless Chromium (Debian's chromium, which .ci/run installs) and returns
// a context that drives it. Without Chromium on the machine the test is skipped, saying so.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("BESTOW_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" && os.Getenv("BESTOW_REQUIRE_CHROMIUM") != "" {
		t.Fatal("BESTOW_REQUIRE_CHROMIUM is set but no Chromium was found")
	}
	if path == "" {
		t.Skip("no Chromium on this machine: install Debian's chromium (.ci/run does) or set BESTOW_CHROMIUM")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	return ctx
}

// portalWorld is a catalog with one package that needs an answer, a justification and
// one approver's approval.
type portalWorld struct {
	*accesstest.World
	srv                   *httptest.Server
	ann, approver, bobbie access.User
	pkg                   access.Package
	group                 access.Group
}

func newPortalWorld(t *testing.T) portalWorld {
	w := accesstest.NewWorld(t, func(t *testing.T) access.Store { return sqlitetest.Open(t) })
	pw := portalWorld{World: w}
	pw.approver, _ = w.User("approver")
	pw.ann, _ = w.User("ann")
	pw.bobbie, _ = w.User("bobbie", func(u *access.User) { u.AccountEnabled = false })
	pw.group = w.Group("Sales team")
	pw.pkg = w.Package("Sales tools", pw.group)
	w.Policy(pw.pkg, "Members, with approval", accesstest.Approval([]string{pw.approver.ID}), func(p *access.Policy) {
		p.RequestApprovalSettings.IsRequestorJustificationRequired = true
		p.Questions = []access.Question{{Type: "#microsoft.graph.accessPackageTextInputQuestion", Text: "Which region?", IsRequired: true}}
	})
	pw.srv = httptest.NewServer(web.New(w.Svc, web.Options{DevSignIn: true}).Handler())
	t.Cleanup(pw.srv.Close)
	return pw
}

// oidcPortal is the portal world's portal behind a real OpenID provider (mockoidc)
// instead of the development sign-in; people are named by the claim withOIDC was given.
type oidcPortal struct {
	m   *mockoidc.MockOIDC
	srv *httptest.Server
}

func (pw portalWorld) withOIDC(t *testing.T, claim string) oidcPortal {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	cfg := m.Config()
	portal := web.New(pw.Svc, web.Options{Providers: []web.Provider{{Name: "corp", DisplayName: "Contoso ID", Issuer: cfg.Issuer,
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Claim: claim}}})
	srv := httptest.NewServer(portal.Handler())
	t.Cleanup(srv.Close)
	return oidcPortal{m: m, srv: srv}
}

// signIn signs in at the provider as upn, starting from path.
func (o oidcPortal) signIn(upn, path string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Func(func(context.Context, *chromedp.Target) error {
			o.m.QueueUser(&mockoidc.MockUser{Subject: upn, PreferredUsername: upn, Email: upn})
			return nil
		}),
		load(chromedp.Navigate(o.srv.URL+path)),
		load(chromedp.Click(chromedp.Search(`//a[text()="Sign in with Contoso ID"]`))),
	)
}

func (o oidcPortal) signOut() chromedp.Action[chromedp.Void] {
	return load(chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)))
}

// signIn signs in through the development sign-in as upn, starting from path.
func (pw portalWorld) signIn(upn, path string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(pw.srv.URL+path),
		chromedp.WaitVisible(chromedp.CSS(`#user`)),
		chromedp.SetValue(chromedp.CSS(`#user`), upn),
		load(chromedp.Click(chromedp.CSS(`form[action="/signin/dev"] button`))),
	)
}

// load runs a step that leads to another page and waits until that page has come: the
// old page is marked first, so a selector it also has cannot match too early.
func load(step chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	mark := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](`document.body.dataset.old = "1"`)(ctx, t)
		return err
	})
	return chromedp.Steps(mark, step, chromedp.WaitVisible(chromedp.CSS(`body:not([data-old]) main h1`)))
}

func (pw portalWorld) signOut() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		load(chromedp.Click(chromedp.CSS(`form[action="/signout"] button`))),
		chromedp.WaitVisible(chromedp.CSS(`#user`)),
	)
}

// text returns the text of the page's main element.
func text(ctx context.Context, t *testing.T) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// wantText fails unless the page's main text holds every fragment.
func wantText(t *testing.T, ctx context.Context, fragments ...string) {
	t.Helper()
	got := text(ctx, t)
	for _, f := range fragments {
		if !strings.Contains(got, f) {
			t.Errorf("the page does not say %q; it says:\n%s", f, got)
		}
	}
}

// TestPortalRequestLifecycle walks the request lifecycle in Chromium: a requestor finds
// the package, is told next to the field what is missing, requests with an answer and a
// justification; the approver approves; the requestor sees the access delivered and
// removes it. // REQ-1 REQ-10 POL-5 POL-11
func TestPortalRequestLifecycle(t *testing.T) {
	pw := newPortalWorld(t)
	ctx := browser(t)
	shots := screenshots(t)

	run(t, ctx, load(chromedp.Navigate(pw.srv.URL+"/signin")))
	shots.take(ctx, "signin")
	// From here on people sign in through a real OpenID provider, as in production.
	oidc := pw.withOIDC(t, "preferred_username")
	run(t, ctx, oidc.signIn(pw.ann.UserPrincipalName, "/portal/access-packages"))
	shots.take(ctx, "access-packages")
	wantText(t, ctx, "Access packages", "Sales tools")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#search`), "nothing like it"), load(chromedp.Submit(chromedp.CSS(`#search`))))
	wantText(t, ctx, "No access package you can request matches")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#search`), "sales"), load(chromedp.Submit(chromedp.CSS(`#search`))),
		load(chromedp.Click(chromedp.Search(`//a[text()="Sales tools"]`))), chromedp.WaitVisible(chromedp.CSS(`#justification`)))
	wantText(t, ctx, "Member of Sales team", "Which region?")
	shots.take(ctx, "package")

	// Without a justification the form comes back with the reason next to the field.
	run(t, ctx, chromedp.SendKeys(chromedp.CSS(`input[name^="answer."]`), "EMEA"),
		load(chromedp.Click(chromedp.Search(`//button[text()="Request"]`))), chromedp.WaitVisible(chromedp.CSS(`#justification-error`)))
	wantText(t, ctx, "requires a justification")
	shots.take(ctx, "request-form-error")
	kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`input[name^="answer."]`)))
	pw.Must(err)
	if kept != "EMEA" {
		t.Errorf("the answer was not kept when the form came back: %q", kept)
	}
	run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#justification`), "Quarterly planning"),
		load(chromedp.Click(chromedp.Search(`//button[text()="Request"]`))), chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	wantText(t, ctx, "Your request was sent.", "Sales tools", "PendingApproval", "Quarterly planning")
	shots.take(ctx, "request-history")
	run(t, ctx, load(chromedp.Navigate(oidc.srv.URL+"/portal/access-packages/"+pw.pkg.ID)))
	wantText(t, ctx, "You can't request this package now", "already has a pending request", "wait for that request to be decided")
	shots.take(ctx, "package-pending")
	run(t, ctx, oidc.signOut())

	// The approver sees the request with its justification and approves it.
	run(t, ctx, oidc.signIn(pw.approver.UserPrincipalName, "/portal/approvals"))
	wantText(t, ctx, "ann requests Sales tools", "Quarterly planning", "Which region?", "EMEA")
	shots.take(ctx, "approvals")
	run(t, ctx, chromedp.SendKeys(chromedp.CSS(`textarea[name="justification"]`), "Fine for the quarter"),
		load(chromedp.Click(chromedp.Search(`//button[text()="Approve"]`))), chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	wantText(t, ctx, "You approved the request.", "No request is waiting for your decision.")
	// The decision stays in the approver's past decisions, with its reason.
	past, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table`)))
	pw.Must(err)
	for _, want := range []string{"ann requests Sales tools", "Approved", "Fine for the quarter"} {
		if !strings.Contains(past, want) {
			t.Errorf("past decisions %q lack %q", past, want)
		}
	}
	shots.take(ctx, "approvals-decided")
	run(t, ctx, oidc.signOut())
	pw.Work()

	// The requestor has the access, and removes it.
	run(t, ctx, oidc.signIn(pw.ann.UserPrincipalName, "/portal/access"))
	wantText(t, ctx, "My access", "Sales tools", "Delivered", "does not expire")
	shots.take(ctx, "my-access")
	run(t, ctx, load(chromedp.Navigate(oidc.srv.URL+"/portal/access-packages/"+pw.pkg.ID)))
	wantText(t, ctx, "You can't request this package now", "already has access package 'Sales tools'")
	run(t, ctx, load(chromedp.Navigate(oidc.srv.URL+"/portal/access")))
	run(t, ctx, load(chromedp.Click(chromedp.Search(`//button[text()="Remove my access"]`))), chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	wantText(t, ctx, "Your access is being removed.")
	pw.Work()
	members, err := pw.Svc.Relations(pw.Ctx, access.SystemActor, pw.group.ID, access.RelMember)
	pw.Must(err)
	if len(members) != 0 {
		t.Errorf("after removal the group still has members: %v", members)
	}
}

// TestPortalRefusals checks what people who cannot go on are told: a user blocked from
// sign-in is refused with the reason, and a person out of every policy's scope sees why
// on the package page, with what to do (TRB-1). // REQ-2 TRB-1
func TestPortalRefusals(t *testing.T) {
	pw := newPortalWorld(t)
	guest, _ := pw.User("gus", func(u *access.User) {
		u.UserType = access.UserTypeGuest
		u.UserPrincipalName = "gus_fabrikam.example#EXT#@contoso.com"
	})
	ctx := browser(t)
	shots := screenshots(t)

	run(t, ctx, pw.signIn(pw.bobbie.UserPrincipalName, "/portal/access-packages"))
	wantText(t, ctx, "Sign-in refused", "blocked from signing in")
	shots.take(ctx, "signin-refused")

	run(t, ctx, pw.signIn(guest.UserPrincipalName, "/portal/access-packages"))
	wantText(t, ctx, "There is no access package you can request")
	shots.take(ctx, "no-packages")
	run(t, ctx, load(chromedp.Navigate(pw.srv.URL+"/portal/access-packages/"+pw.pkg.ID)))
	wantText(t, ctx, "isn't available to you", "no policy of this access package includes you", "guest from outside the organization")
	shots.take(ctx, "package-unavailable")
}

// axeSource is axe-core (npm axe-core 4.14.1, MPL-2.0), vendored for the accessibility check.
//
//go:embed testdata/axe-core-4.14.1.min.js
var axeSource string

// looker checks every page the journeys visit: axe-core must find no serious or critical
// accessibility violation. With BESTOW_SCREENSHOTS naming a directory it also saves the
// page at desktop and phone width (the docs' pictures are made so:
// BESTOW_SCREENSHOTS=$PWD/docs/screenshots go test ./internal/web).
type looker struct {
	t   *testing.T
	dir string
}

func screenshots(t *testing.T) looker { return looker{t: t, dir: os.Getenv("BESTOW_SCREENSHOTS")} }

// take checks the page shown now and saves its pictures as portal-NAME(-phone).png, or
// NAME(-phone).png for a name that starts with console-.
func (s looker) take(ctx context.Context, name string) {
	s.t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](axeSource)); err != nil {
		s.t.Fatalf("%s: loading axe-core: %v", name, err)
	}
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.impact + " " + v.id + ": " + v.help + " at " + v.nodes.map(n => n.target.join(" ")).join(", ")))`, chromedp.EvalAwaitPromise))
	if err != nil {
		s.t.Fatalf("%s: running axe-core: %v", name, err)
	}
	for _, v := range found {
		s.t.Errorf("accessibility, page %s: %s", name, v)
	}
	if s.dir == "" {
		return
	}
	for _, size := range []struct {
		suffix string
		w, h   int64
	}{{"", 1280, 900}, {"-phone", 390, 844}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h)); err != nil {
			s.t.Fatal(err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			s.t.Fatal(err)
		}
		file := "portal-" + name
		if strings.HasPrefix(name, "console-") {
			file = name
		}
		if err := os.WriteFile(filepath.Join(s.dir, file+size.suffix+".png"), png, 0o644); err != nil {
			s.t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		s.t.Fatal(err)
	}
}

// TestPortalOwnRequestNotApproved checks that an approver who is also a requestor never
// sees their own request among their approvals, while the other approver does. // POL-11
func TestPortalOwnRequestNotApproved(t *testing.T) {
	pw := newPortalWorld(t)
	travel := pw.Package("Travel", pw.Group("Travellers"))
	pw.Policy(travel, "Travel", accesstest.Approval([]string{pw.approver.ID, pw.ann.ID}))
	_, err := pw.Request(pw.Actor(pw.ann.ID), travel)
	pw.Must(err)
	ctx := browser(t)

	run(t, ctx, pw.signIn(pw.ann.UserPrincipalName, "/portal/approvals"))
	wantText(t, ctx, "No request is waiting for your decision.")
	run(t, ctx, pw.signOut(), pw.signIn(pw.approver.UserPrincipalName, "/portal/approvals"))
	wantText(t, ctx, "ann requests Travel")
}

// TestPortalExtend extends an assignment that ends, from My access: the request goes
// through the assignment's policy (POL-7), and a policy that does not allow it says so.
func TestPortalExtend(t *testing.T) {
	pw := newPortalWorld(t)
	month := access.Duration(30 * 24 * time.Hour)
	ends := func(p *access.Policy) {
		p.Expiration = access.Expiration{Type: access.ExpireAfterDuration, Duration: &month}
	}
	vpn := pw.Package("VPN", pw.Group("VPN users"))
	pol := pw.Policy(vpn, "VPN", ends)
	wiki := pw.Package("Wiki", pw.Group("Wiki editors"))
	fixed := pw.Policy(wiki, "Wiki", ends, func(p *access.Policy) { p.RequestorSettings.EnableTargetsToSelfUpdateAccess = false })
	pw.Assign(pw.ann, vpn, pol)
	pw.Assign(pw.ann, wiki, fixed)
	pw.Work()
	ctx := browser(t)
	shots := screenshots(t)

	run(t, ctx, pw.signIn(pw.ann.UserPrincipalName, "/portal/access"))
	wantText(t, ctx, "VPN", "Wiki", "ends ")
	shots.take(ctx, "my-access-extend")
	run(t, ctx, chromedp.SendKeys(chromedp.Search(`//h3[starts-with(., "Wiki")]/following::textarea[1]`), "still editing"),
		load(chromedp.Click(chromedp.Search(`//h3[starts-with(., "Wiki")]/following::button[text()="Extend"][1]`))))
	wantText(t, ctx, "does not let users extend their access")
	run(t, ctx, chromedp.SendKeys(chromedp.Search(`//h3[starts-with(., "VPN")]/following::textarea[1]`), "travelling"),
		load(chromedp.Click(chromedp.Search(`//h3[starts-with(., "VPN")]/following::button[text()="Extend"][1]`))))
	wantText(t, ctx, "Your request to extend the access was sent.", "travelling")
}

// TestPortalTokens creates an API token in the portal, shown once, that authenticates as
// the person, and revokes it.
func TestPortalTokens(t *testing.T) {
	pw := newPortalWorld(t)
	ctx := browser(t)
	shots := screenshots(t)

	run(t, ctx, pw.signIn(pw.ann.UserPrincipalName, "/portal/tokens"))
	wantText(t, ctx, "You have no API tokens.")
	run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#name`), "report script"), load(chromedp.Click(chromedp.Search(`//button[text()="Create token"]`))))
	secret, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#secret`)))
	pw.Must(err)
	shots.take(ctx, "tokens")
	who, err := pw.Svc.Authenticate(pw.Ctx, secret)
	if err != nil || who.UserID != pw.ann.ID {
		t.Fatalf("the new token authenticates as %q (%v), want ann", who.UserID, err)
	}
	run(t, ctx, load(chromedp.Navigate(pw.srv.URL+"/portal/tokens")))
	if got := text(ctx, t); strings.Contains(got, secret) {
		t.Error("the token's secret is shown again")
	}
	wantText(t, ctx, "report script", "active")
	run(t, ctx, load(chromedp.Click(chromedp.Search(`//button[text()="Revoke"]`))))
	wantText(t, ctx, "The token is revoked", "revoked")
	if _, err := pw.Svc.Authenticate(pw.Ctx, secret); err == nil {
		t.Error("a revoked token still works")
	}
}

// TestPortalReasons checks that the package page gives the seed checklist's reasons, each
// with what to do (TRB-1): catalog not published, policy disabled, separation of duties,
// and no approver other than the requestor.
func TestPortalReasons(t *testing.T) {
	pw := newPortalWorld(t)
	no := false
	closed := pw.Package("Closed", pw.Group("Closed team"))
	pw.Policy(closed, "Closed")
	off := pw.Package("Switched off", pw.Group("Off team"))
	pw.Policy(off, "Off", func(p *access.Policy) { p.RequestorSettings.AcceptRequests = &no })
	banned := pw.Group("Auditors")
	pw.Must(pw.Svc.AddRelation(pw.Ctx, access.SystemActor, banned.ID, access.RelMember, pw.ann.ID))
	sod := pw.Package("Payments", pw.Group("Payers"))
	pw.Policy(sod, "Payments")
	pw.Must(pw.Svc.ChangeIncompatible(pw.Ctx, access.SystemActor, sod.ID, access.IncompatibleGroup, banned.ID, true))
	self := pw.Package("Self-approved", pw.Group("Selfies"))
	pw.Policy(self, "Only ann approves", accesstest.Approval([]string{pw.ann.ID}))
	ctx := browser(t)
	run(t, ctx, pw.signIn(pw.ann.UserPrincipalName, "/portal/access-packages"))

	for _, c := range []struct {
		pkg  access.Package
		want []string
	}{
		{off, []string{"'Off' is disabled", "enables one"}},
		{sod, []string{"member of group 'Auditors', which is incompatible", "separation of duties"}},
		{self, []string{"has no approver for", "nobody approves their own request"}},
	} {
		run(t, ctx, load(chromedp.Navigate(pw.srv.URL+"/portal/access-packages/"+c.pkg.ID)))
		wantText(t, ctx, append([]string{"You can't request this package now", "What to do:"}, c.want...)...)
	}
	_, err := pw.Svc.UpdateCatalog(pw.Ctx, access.SystemActor, closed.CatalogID, func(c *access.Catalog) error { c.State = "unpublished"; return nil })
	pw.Must(err)
	run(t, ctx, load(chromedp.Navigate(pw.srv.URL+"/portal/access-packages/"+closed.ID)))
	wantText(t, ctx, "You can't request this package now", "is unpublished, so its packages take no requests")
}
