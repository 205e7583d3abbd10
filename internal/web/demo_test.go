package web_test

import (
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/access/accesstest"
	"github.com/bestowhq/bestow/internal/demo"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
	"github.com/bestowhq/bestow/internal/web"
)

// TestDemoWalkthrough clicks through what the README tells a newcomer to try on the demo
// data: emma requests Campaign Team, her manager approves the first stage and the
// catalog owner the second (with the reason that stage requires), and emma has the access.
func TestDemoWalkthrough(t *testing.T) {
	w := accesstest.NewWorld(t, func(t *testing.T) access.Store { return sqlitetest.Open(t) })
	if ok, err := demo.Seed(w.Ctx, w.Svc); err != nil || !ok {
		t.Fatalf("demo data: %v", err)
	}
	srv := httptest.NewServer(web.New(w.Svc, web.Options{DevSignIn: true}).Handler())
	t.Cleanup(srv.Close)
	pw := portalWorld{World: w, srv: srv}
	ctx := browser(t)

	run(t, ctx, pw.signIn("emma@bestow.example", "/portal/access-packages"),
		load(chromedp.Click(chromedp.Search(`//a[text()="Campaign Team"]`))), chromedp.WaitVisible(chromedp.CSS(`#justification`)))
	run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#justification`), "Spring campaign"), load(chromedp.Click(chromedp.Search(`//button[text()="Request"]`))))
	wantText(t, ctx, "Your request was sent.", "Campaign Team", "PendingApproval")

	run(t, ctx, pw.signOut(), pw.signIn("lead.marketing@bestow.example", "/portal/approvals"))
	wantText(t, ctx, "requests Campaign Team", "Spring campaign")
	run(t, ctx, load(chromedp.Click(chromedp.Search(`//h3[contains(., "Emma")]/following::button[text()="Approve"][1]`))))
	wantText(t, ctx, "You approved the request.", "Your past decisions", "requests Campaign Team", "Approved", "PendingApproval")

	run(t, ctx, pw.signOut(), pw.signIn("maria.owner@bestow.example", "/portal/approvals"))
	run(t, ctx, load(chromedp.Click(chromedp.Search(`//h3[contains(., "Emma")]/following::button[text()="Approve"][1]`))))
	wantText(t, ctx, "justification") // stage 2 asks the approver for a reason
	run(t, ctx, load(chromedp.Navigate(srv.URL+"/portal/approvals")),
		chromedp.SendKeys(chromedp.Search(`//h3[contains(., "Emma")]/following::textarea[1]`), "Campaign staff"),
		load(chromedp.Click(chromedp.Search(`//h3[contains(., "Emma")]/following::button[text()="Approve"][1]`))))
	wantText(t, ctx, "You approved the request.")
	w.Work()

	run(t, ctx, pw.signOut(), pw.signIn("emma@bestow.example", "/portal/access"))
	wantText(t, ctx, "Campaign Team", "Delivered")
}
