package web_test

import (
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/configured"
	"github.com/bestowhq/bestow/internal/connector/directory"
	"github.com/bestowhq/bestow/internal/connector/ldap"
	"github.com/bestowhq/bestow/internal/connector/ldap/ldaptest"
	"github.com/bestowhq/bestow/internal/delivery"
)

// TestConsoleDeliveryErrors follows a request into an LDAP group whose server is down: its
// page counts the delivery error and says why, offers no Reprocess while retries run, and
// once they have ended offers it; with the server back, Reprocess delivers. A request
// still waiting for approval is canceled from its page. // REQ-5 REQ-6 REQ-7 REQ-8
func TestConsoleDeliveryErrors(t *testing.T) {
	cw := newConsoleWorld(t)
	slapd := ldaptest.Start(t)
	svc := cw.Svc
	builtin := connector.Registry{}
	directory.New(svc.Store(), cw.Clock, nil).Register(builtin)
	set := configured.New(builtin, map[string]configured.Factory{access.ConnectorLDAP: ldap.FromConfig}, svc.Connector)
	t.Cleanup(set.Close)
	svc.SetTargets(set)
	svc.SetRetryPolicy(access.RetryPolicy{For: time.Minute, First: 10 * time.Second, Max: 30 * time.Second})
	worker := delivery.New(svc, set, delivery.Options{})
	work := func() { t.Helper(); cw.Must(worker.RunOnce(cw.Ctx)) }
	sys := access.SystemActor
	_, err := svc.CreateConnector(cw.Ctx, sys, access.ConnectorConfig{ID: "corp-ldap", Type: access.ConnectorLDAP, DisplayName: "Corporate LDAP",
		Settings: map[string]any{"url": slapd.URL, "bindDN": slapd.BindDN, "bindPassword": slapd.Password, "baseDN": slapd.BaseDN,
			"placeholderMember": slapd.BindDN, "timeout": "2s"}})
	cw.Must(err)
	dn := ldaptest.GroupDN("finance")
	_, _, err = svc.RequestResource(cw.Ctx, sys, access.ResourceChange{RequestType: access.ResourceAdminAdd, CatalogID: cw.pkg.CatalogID, OriginSystem: "corp-ldap", OriginID: dn})
	cw.Must(err)
	_, err = svc.AddRoleScope(cw.Ctx, sys, cw.pkg.ID, access.RoleRef{OriginSystem: "corp-ldap", ResourceOriginID: dn, RoleOriginID: "Member"})
	cw.Must(err)
	work() // the three assignees get the new role

	carol, _ := cw.User("carol", func(u *access.User) { u.Mail = "carol@bestow.test" })
	slapd.Stop()
	req := cw.Assign(carol, cw.pkg, cw.direct)
	work()

	ctx := browser(t)
	shots := screenshots(t)
	run(t, ctx, cw.signIn(cw.owner.UserPrincipalName, "/admin/requests/"+req.ID))
	wantText(t, ctx, "adminAdd for carol", "delivering", "finance", "corp-ldap", "unavailable")
	if n, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#error-count`))); n != "1" {
		t.Errorf("the request counts %q delivery errors, want 1", n)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("form[action$='/reprocess']").length`)); n != 0 {
		t.Error("Reprocess request is offered while the retries still run")
	}
	shots.take(ctx, "console-delivery-errors")

	// The retries end: the request is partially delivered (its built-in group is in
	// place), and Reprocess is offered.
	for range 6 {
		cw.Clock.Advance(30 * time.Second)
		work()
	}
	if st := cw.Req(req.ID).State; st != access.StatePartiallyDelivered {
		t.Fatalf("after the retries the request is %s, want partiallyDelivered", st)
	}
	slapd.Restart()
	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/requests/"+req.ID)))
	wantText(t, ctx, "partiallyDelivered", "failed")
	run(t, ctx, load(chromedp.Click(chromedp.Search(`//button[text()="Reprocess request"]`))))
	wantText(t, ctx, "Reprocessing")
	work()
	if st := cw.Req(req.ID).State; st != access.StateDelivered {
		t.Errorf("after Reprocess with the server back the request is %s, want delivered", st)
	}
	if !slices.Contains(slapd.Members(dn), ldaptest.UserDN("carol")) {
		t.Errorf("carol is not in the LDAP group after Reprocess: %v", slapd.Members(dn))
	}

	// A request waiting for approval is canceled from its page.
	pending, err := cw.Request(cw.Actor(cw.ann.ID), cw.pkg, func(in *access.RequestInput) {
		in.Answers = []access.Answer{{Type: "#microsoft.graph.accessPackageAnswerString", Value: "North", AnsweredQuestion: access.QuestionRef{ID: questionID(t, cw)}}}
	})
	cw.Must(err)
	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/requests/"+pending.ID)))
	wantText(t, ctx, "pendingApproval", "North")
	run(t, ctx, load(chromedp.Click(chromedp.Search(`//button[text()="Cancel request"]`))))
	wantText(t, ctx, "The request was canceled.", "canceled")
}

// questionID is the id of the question of the portal world's approval policy.
func questionID(t *testing.T, cw consoleWorld) string {
	t.Helper()
	pols, err := cw.Svc.ListPolicies(cw.Ctx, access.SystemActor, cw.pkg.ID)
	cw.Must(err)
	for _, p := range pols {
		if len(p.Questions) > 0 {
			return p.Questions[0].ID
		}
	}
	t.Fatal("no policy with a question")
	return ""
}
