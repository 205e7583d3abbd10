package web_test

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bestowhq/bestow/internal/access"
)

// TestConsoleSettingsLifecycle changes the external user lifecycle from the Settings tab
// and sees it saved; a negative number of days is refused in the Service's words, the form
// keeping what was typed. // EXT-2
func TestConsoleSettingsLifecycle(t *testing.T) {
	cw := newConsoleWorld(t)
	gina := tenantAdmin(cw, "gina.admin", access.RoleGlobalAdmin)
	ctx := browser(t)
	shots := screenshots(t)

	run(t, ctx, cw.signIn(gina.UserPrincipalName, "/admin/access-packages"),
		load(chromedp.Click(chromedp.Search(`//nav[@aria-label="Administration"]//a[text()="Settings"]`))))
	wantText(t, ctx, "External user lifecycle", "Block their sign-in, then remove them from the directory")
	if n := countOf(t, ctx, `input[name=action][value=blockSignInAndDelete]:checked`); n != 1 {
		t.Error("the default lifecycle (block and delete) is not the one checked")
	}
	if days, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#days`))); days != "30" {
		t.Errorf("the days before removal show %q, want 30", days)
	}
	shots.take(ctx, "console-settings")

	run(t, ctx, chromedp.Click(chromedp.CSS(`input[name=action][value=blockSignIn]`)), chromedp.SetValue(chromedp.CSS(`#days`), "10"),
		load(chromedp.Click(chromedp.Search(`//button[text()="Save"]`))))
	wantText(t, ctx, "Saved.")
	st, err := cw.Svc.GetSettings(cw.Ctx, access.SystemActor)
	cw.Must(err)
	if st.ExternalUserLifecycleAction != "blockSignIn" || time.Duration(st.DurationUntilExternalUserDeletedAfterBlocked) != 10*24*time.Hour {
		t.Errorf("after Save the settings are %+v, want blockSignIn after 10 days", st)
	}
	if n := countOf(t, ctx, `input[name=action][value=blockSignIn]:checked`); n != 1 {
		t.Error("the saved lifecycle is not the one checked")
	}

	run(t, ctx, chromedp.Click(chromedp.CSS(`input[name=action][value=blockSignInAndDelete]`)), chromedp.SetValue(chromedp.CSS(`#days`), "-3"),
		script(`document.querySelector("#days").removeAttribute("min")`), load(chromedp.Click(chromedp.Search(`//button[text()="Save"]`))))
	wantText(t, ctx, "durationUntilExternalUserDeletedAfterBlocked must not be negative")
	if days, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#days`))); days != "-3" {
		t.Errorf("the refused form shows %q days, want what was typed", days)
	}
	if n := countOf(t, ctx, `input[name=action][value=blockSignInAndDelete]:checked`); n != 1 {
		t.Error("the refused form does not keep the lifecycle that was chosen")
	}
	if st, _ := cw.Svc.GetSettings(cw.Ctx, access.SystemActor); st.ExternalUserLifecycleAction != "blockSignIn" {
		t.Errorf("a refused change was saved: %+v", st)
	}
}

// TestConsoleTenantRoles grants Catalog creator from the Roles tab and removes it; the
// Service refuses a role granted to oneself, the last Global Administrator's removal, and
// an Identity Governance Administrator's removal of a Global Administrator's role, each in
// its own words. // SEC-1 SEC-2 ADM-7
func TestConsoleTenantRoles(t *testing.T) {
	cw := newConsoleWorld(t)
	gina := tenantAdmin(cw, "gina.admin", access.RoleGlobalAdmin)
	ivy := tenantAdmin(cw, "ivy.governance", access.RoleGovernanceAdmin)
	carl, _ := cw.User("carl.creator")
	ctx := browser(t)
	shots := screenshots(t)
	grant := func(upn, role string) {
		t.Helper()
		run(t, ctx, chromedp.SetValue(chromedp.CSS(`#user`), upn), chromedp.SetValue(chromedp.CSS(`#role`), role),
			load(chromedp.Click(chromedp.Search(`//button[text()="Grant"]`))))
	}

	run(t, ctx, cw.signIn(gina.UserPrincipalName, "/admin/settings/roles"))
	wantText(t, ctx, "Tenant-wide roles", "Global Administrator", "gina.admin", "Identity Governance Administrator", "ivy.governance",
		"User Administrator", "Catalog creator", "Connected Organization Administrator")
	grant(carl.UserPrincipalName, access.RoleCatalogCreator)
	wantText(t, ctx, "Catalog creator was granted to carl.creator.")
	if !cw.Actor(carl.ID).Grants.Tenant[access.RoleCatalogCreator] {
		t.Error("carl is not a Catalog creator after the grant")
	}
	shots.take(ctx, "console-tenant-roles")
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Remove Catalog creator from carl.creator"]`))))
	wantText(t, ctx, "Catalog creator was removed from carl.creator.")
	if cw.Actor(carl.ID).Grants.Tenant[access.RoleCatalogCreator] {
		t.Error("carl is still a Catalog creator after the removal")
	}

	grant(gina.UserPrincipalName, access.RoleUserAdmin)
	wantText(t, ctx, "You are not allowed to grant a role to yourself.")
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#user`))); v != gina.UserPrincipalName {
		t.Errorf("the refused grant form shows %q, want what was typed", v)
	}
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Remove Global Administrator from gina.admin"]`))))
	wantText(t, ctx, "this is the last Global Administrator assignment; grant the role to someone else first")
	if !cw.Actor(gina.ID).Grants.Tenant[access.RoleGlobalAdmin] {
		t.Fatal("the last Global Administrator was removed")
	}
	run(t, ctx, cw.signOut())

	// SEC-1: an Identity Governance Administrator may grant and remove tenant roles, but not
	// strip a Global Administrator.
	run(t, ctx, cw.signIn(ivy.UserPrincipalName, "/admin/settings/roles"))
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Remove Global Administrator from gina.admin"]`))))
	wantText(t, ctx, "You are not allowed to remove Global Administrator", "Identity Governance Administrator")
	if !cw.Actor(gina.ID).Grants.Tenant[access.RoleGlobalAdmin] {
		t.Error("an Identity Governance Administrator removed a Global Administrator's role")
	}
}

// TestConsoleAudit searches the audit log for the settings an administrator changed and
// reads the change with its before and after; pages through the whole log; downloads the
// filtered log as CSV; and verifies the hash chain. // RPT-2 SEC-6
func TestConsoleAudit(t *testing.T) {
	cw := newConsoleWorld(t)
	gina := tenantAdmin(cw, "gina.admin", access.RoleGlobalAdmin)
	_, err := cw.Svc.UpdateSettings(cw.Ctx, cw.Actor(gina.ID), func(s *access.Settings) error {
		s.ExternalUserLifecycleAction = "none"
		return nil
	})
	cw.Must(err)
	for i := range 15 { // more than a page of entries
		cw.User(fmt.Sprintf("temp%02d", i))
	}
	all, err := cw.Svc.Audit(cw.Ctx, access.SystemActor, access.AuditQuery{})
	cw.Must(err)
	if len(all) <= 50 {
		t.Fatalf("the world has %d audit entries; the paging check needs more than 50", len(all))
	}
	ctx := browser(t)
	shots := screenshots(t)

	run(t, ctx, cw.signIn(gina.UserPrincipalName, "/admin/settings"), load(chromedp.Click(chromedp.Search(`//a[text()="Audit log"]`))))
	wantText(t, ctx, "Audit log", "1–50")
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`a[rel=next]`))))
	wantText(t, ctx, "51–")
	if n := countOf(t, ctx, `a[rel=prev]`); n != 1 {
		t.Error("the second page has no link back to the first")
	}

	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#actor`), gina.UserPrincipalName), chromedp.SetValue(chromedp.CSS(`#objectType`), access.AuditSettings),
		chromedp.SetValue(chromedp.CSS(`#objectId`), "settings"), load(chromedp.Click(chromedp.Search(`//button[text()="Search"]`))))
	wantText(t, ctx, "gina.admin", "update", "settings", "1–1")
	if n := countOf(t, ctx, `table.audit tbody tr:not(.change)`); n != 1 {
		t.Errorf("the search for gina's change of the settings finds %d entries, want 1", n)
	}
	run(t, ctx, chromedp.Click(chromedp.Search(`//summary[starts-with(., "Before and after")]`)))
	change, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table.audit details`)))
	cw.Must(err)
	before, after, _ := strings.Cut(change, "After")
	if !strings.Contains(before, `"externalUserLifecycleAction": "blockSignInAndDelete"`) || !strings.Contains(after, `"externalUserLifecycleAction": "none"`) {
		t.Errorf("the change does not show the lifecycle before and after:\n%s", change)
	}
	shots.take(ctx, "console-audit")

	// Days in UTC: the world's clock is on 2 November 2026.
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#until`), "2026-11-01"), load(chromedp.Click(chromedp.Search(`//button[text()="Search"]`))))
	wantText(t, ctx, "No entry matches.")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#since`), "2026-11-02"), chromedp.SetValue(chromedp.CSS(`#until`), "2026-11-02"),
		load(chromedp.Click(chromedp.Search(`//button[text()="Search"]`))))
	wantText(t, ctx, "1–1")

	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("a[download]").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	cw.Must(err)
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 2 || strings.Join(rows[0], ",") != "id,dateTime,actorId,actorName,action,objectType,objectId,before,after" ||
		rows[1][2] != gina.ID || rows[1][4] != "update" || rows[1][5] != "settings" || !strings.Contains(rows[1][8], `"none"`) {
		t.Errorf("the CSV of the search (%v):\n%s", err, body)
	}
	// The whole log, streamed in chunks: one row per entry.
	body, err = chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/admin/settings/audit.csv").then(r => r.text())`, chromedp.EvalAwaitPromise))
	cw.Must(err)
	if rows, err := csv.NewReader(strings.NewReader(body)).ReadAll(); err != nil || len(rows) < len(all)+1 {
		t.Errorf("the CSV of the whole log has %d rows (%v), want at least %d", len(rows), err, len(all)+1)
	}

	run(t, ctx, load(chromedp.Click(chromedp.Search(`//button[text()="Verify the chain"]`))))
	wantText(t, ctx, "The audit chain is intact", "Entries checked", "Append-only triggers", "in place")
	if n, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#checked`))); n == "" || n == "0" {
		t.Errorf("the verification checked %q entries", n)
	}
}

// TestConsoleNotifications lists the outbox with the world's mail, a send that failed
// with its error, and retries it. // NOT-1
func TestConsoleNotifications(t *testing.T) {
	cw := newConsoleWorld(t)
	gina := tenantAdmin(cw, "gina.admin", access.RoleGlobalAdmin)
	xia, _ := cw.User("xia")
	cw.Mail.Err = access.E(access.KindInvalid, "550 5.1.1 mailbox unavailable") // permanent: fails at once
	cw.Assign(xia, cw.pkg, cw.direct)
	cw.Work()
	cw.Mail.Err = nil
	ctx := browser(t)
	shots := screenshots(t)

	run(t, ctx, cw.signIn(gina.UserPrincipalName, "/admin/settings/notifications"))
	wantText(t, ctx, "4 message(s)", "accessDelivered", "Sales tools", "uma@contoso.com", "sent", "failed", "550 5.1.1 mailbox unavailable")
	shots.take(ctx, "console-notifications")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#state`), access.MsgFailed), load(chromedp.Click(chromedp.Search(`//button[text()="Filter"]`))))
	wantText(t, ctx, "1 message(s)", "xia@contoso.com")
	if n := countOf(t, ctx, `button[aria-label^="Retry"]`); n != 1 {
		t.Fatalf("%d messages can be retried, want the failed one", n)
	}
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Retry accessDelivered to xia@contoso.com"]`))))
	wantText(t, ctx, "The message is queued to be sent again.", "No message in this state")
	cw.Work()
	if got := cw.Mail.Of(access.MailAccessDelivered); len(got) != 4 || got[3] != "xia@contoso.com" {
		t.Errorf("after the retry, accessDelivered went to %v", got)
	}
	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/settings/notifications?state=sent")))
	wantText(t, ctx, "4 message(s)", "xia@contoso.com")
}

// TestConsoleSettingsCatalogOwner checks what a catalog owner gets from the Settings pages:
// the lifecycle without a form, the tenant roles without Grant or Remove, no Audit log or
// Notifications tab, and those pages and a forged save refused in ADM-2's words.
// // ADM-2 RPT-2 NOT-1
func TestConsoleSettingsCatalogOwner(t *testing.T) {
	cw := newConsoleWorld(t)
	tenantAdmin(cw, "gina.admin", access.RoleGlobalAdmin)
	ctx := browser(t)

	run(t, ctx, cw.signIn(cw.owner.UserPrincipalName, "/admin/access-packages"),
		load(chromedp.Click(chromedp.Search(`//nav[@aria-label="Administration"]//a[text()="Settings"]`))))
	wantText(t, ctx, "External user lifecycle", "Block their sign-in, then remove them from the directory", "30",
		"You are not allowed to change entitlement management settings in the tenant")
	if n := countOf(t, ctx, `main form[method=post]`); n != 0 {
		t.Errorf("a catalog owner is offered %d forms on the Settings tab", n)
	}
	if n := countOf(t, ctx, `a[href="/admin/settings/audit"], a[href="/admin/settings/notifications"]`); n != 0 {
		t.Errorf("a catalog owner is offered %d tabs they may not open", n)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/admin/settings", {method: "POST", body: new URLSearchParams({action: "none"})})
		.then(r => r.text().then(b => r.status + " " + b))`, chromedp.EvalAwaitPromise))
	cw.Must(err)
	if !strings.HasPrefix(status, "403 ") || !strings.Contains(status, "You are not allowed to change entitlement management settings") {
		t.Errorf("a catalog owner's save of the settings is answered %.200s", status)
	}

	run(t, ctx, load(chromedp.Click(chromedp.Search(`//a[text()="Roles"]`))))
	wantText(t, ctx, "Tenant-wide roles", "You are not allowed to grant or remove tenant-wide administrative roles")
	if n := countOf(t, ctx, `main form[method=post]`); n != 0 {
		t.Errorf("a catalog owner is offered %d forms on the Roles tab", n)
	}

	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/settings/audit")))
	wantText(t, ctx, "You are not allowed to read the audit log in the tenant", "Global Administrator")
	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/settings/notifications")))
	wantText(t, ctx, "You are not allowed to read assignments and requests in the tenant")
	code, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/admin/settings/audit.csv").then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || code != 403 {
		t.Errorf("a catalog owner's download of the audit log is answered %d (%v), want 403", code, err)
	}
}
