package web_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/configured"
	"github.com/bestowhq/bestow/internal/connector/directory"
	"github.com/bestowhq/bestow/internal/connector/ldap"
	"github.com/bestowhq/bestow/internal/connector/ldap/ldaptest"
	"github.com/bestowhq/bestow/internal/connector/scim"
	"github.com/bestowhq/bestow/internal/delivery"
)

// clickText clicks the button or link with exactly that text and waits for the page it
// leads to.
func clickText(text string) chromedp.Action[chromedp.Void] {
	return load(chromedp.Click(chromedp.Search(`//main//*[self::button or self::a][normalize-space()="` + text + `"]`)))
}

// TestConsoleDirectoryUsers walks the Directory's user pages as a Global Administrator:
// the list with its search, a user blocked from signing in (the portal refuses them) and
// unblocked, a manager refused then set, a sponsor added, the user deleted and restored
// with their manager (ASG-4); then a Catalog reader reads the pages without any control,
// and the groups, applications and sites lists. // ASG-4 REQ-2
func TestConsoleDirectoryUsers(t *testing.T) {
	cw := newConsoleWorld(t)
	admin := tenantAdmin(cw, "ada.admin", access.RoleGlobalAdmin)
	boss, _ := cw.User("boris.boss")
	ann := cw.ann
	ctx := browser(t)
	shots := screenshots(t)

	run(t, ctx, cw.signIn(admin.UserPrincipalName, "/admin/access-packages"))
	run(t, ctx, load(chromedp.Click(chromedp.Search(`//header//a[text()="Directory"]`))))
	wantText(t, ctx, "Users", "Connected organizations", "Connectors", "ann@contoso.com", "uma@contoso.com", "Deleted users (0)")
	shots.take(ctx, "console-directory-users")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#search`), "an"), load(chromedp.Click(chromedp.Search(`//button[text()="Search"]`))))
	if got := text(ctx, t); !strings.Contains(got, "ann@contoso.com") || strings.Contains(got, "uma@contoso.com") {
		t.Errorf("searching for 'an' shows:\n%s", got)
	}

	// Blocked: the portal refuses the sign-in; unblocked, it lets them in.
	run(t, ctx, clickText("ann"))
	wantText(t, ctx, "ann@contoso.com", "Allowed", "No manager.", "No sponsor.")
	shots.take(ctx, "console-directory-user")
	run(t, ctx, clickText("Block sign-in"))
	wantText(t, ctx, "ann is blocked from signing in.", "Sign-in blocked")
	if u, err := cw.Svc.GetUser(cw.Ctx, access.SystemActor, ann.ID); err != nil || u.AccountEnabled {
		t.Fatalf("after Block sign-in ann is %+v (%v)", u, err)
	}
	run(t, ctx, cw.signOut(), cw.signIn(ann.UserPrincipalName, "/portal/access-packages"))
	wantText(t, ctx, "Sign-in refused", "blocked from signing in")
	run(t, ctx, cw.signIn(admin.UserPrincipalName, "/admin/directory/users/"+ann.ID), clickText("Unblock sign-in"))
	wantText(t, ctx, "ann can sign in again.", "Allowed")
	run(t, ctx, cw.signOut(), cw.signIn(ann.UserPrincipalName, "/portal/access-packages"))
	wantText(t, ctx, "Sales tools")
	run(t, ctx, cw.signOut(), cw.signIn(admin.UserPrincipalName, "/admin/directory/users/"+ann.ID))

	// Manager: an unknown one is refused in the Service's words, what was typed kept.
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#manager-upn`), "nobody@contoso.com"), clickText("Set manager"))
	wantText(t, ctx, "nobody@contoso.com", "does not exist")
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#manager-upn`))); v != "nobody@contoso.com" {
		t.Errorf("after the refusal the manager field holds %q", v)
	}
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#manager-upn`), boss.UserPrincipalName), clickText("Set manager"))
	wantText(t, ctx, "The manager was set.")
	if m, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#manager`))); !strings.Contains(m, "boris.boss") {
		t.Errorf("the manager shown is %q", m)
	}
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#sponsor`), boss.UserPrincipalName), clickText("Add sponsor"))
	wantText(t, ctx, "The sponsor was added.", "boris.boss")
	if sp, err := cw.Svc.Sponsors(cw.Ctx, access.SystemActor, ann.ID); err != nil || len(sp) != 1 || sp[0].ID != boss.ID {
		t.Errorf("ann's sponsors are %v (%v), want boris", sp, err)
	}

	// Deleted, then restored from the deleted users with what she had.
	run(t, ctx, clickText("Delete user"))
	wantText(t, ctx, "The user was deleted.", "Deleted", "Restorable until", "Restore user")
	shots.take(ctx, "console-directory-user-deleted")
	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/directory/users")))
	wantText(t, ctx, "Deleted users (1)")
	if strings.Contains(text(ctx, t), "ann@contoso.com") {
		t.Error("the deleted user is still among the users")
	}
	run(t, ctx, clickText("Deleted users (1)"))
	wantText(t, ctx, "ann@contoso.com", "Restorable until")
	shots.take(ctx, "console-directory-deleted-users")
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Restore ann"]`))))
	wantText(t, ctx, "ann was restored", "boris.boss")
	if m, err := cw.Svc.Manager(cw.Ctx, access.SystemActor, ann.ID); err != nil || m.ID != boss.ID {
		t.Errorf("after the restore ann's manager is %v (%v), want boris", m.DisplayName, err)
	}
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Remove sponsor boris.boss"]`))))
	wantText(t, ctx, "The sponsor was removed.", "No sponsor.")

	// Groups, with their members; applications and sites with their roles.
	_, err := cw.Svc.CreateServicePrincipal(cw.Ctx, access.SystemActor, access.ServicePrincipal{DisplayName: "Expenses", AppID: "11111111-2222-3333-4444-555555555555",
		AppRoles: []access.AppRole{{DisplayName: "Approver", Value: "expenses.approve", IsEnabled: true}}})
	cw.Must(err)
	cw.Site("Marketing")
	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/directory/groups")))
	wantText(t, ctx, "Sales team", "Security")
	shots.take(ctx, "console-directory-groups")
	run(t, ctx, clickText("Sales team"))
	wantText(t, ctx, "Members (3)", "uma", "vic", "wen", "Owners (0)")
	shots.take(ctx, "console-directory-group")
	run(t, ctx, clickText("Applications"))
	wantText(t, ctx, "Expenses", "Approver", "expenses.approve")
	shots.take(ctx, "console-directory-applications")
	run(t, ctx, clickText("Sites"))
	wantText(t, ctx, "Marketing", "https://sites.example/sites/Marketing", "Owners", "Visitors", "Members")
	shots.take(ctx, "console-directory-sites")
	run(t, ctx, cw.signOut())

	// A Catalog reader reads the directory, without a control and without the deleted
	// users or the connectors.
	run(t, ctx, cw.signIn(cw.reader.UserPrincipalName, "/admin/directory/users/"+ann.ID))
	wantText(t, ctx, "ann@contoso.com", "boris.boss")
	if n := countOf(t, ctx, `main form[method=post]`); n != 0 {
		t.Errorf("a catalog reader is offered %d forms on a user's page", n)
	}
	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/directory/users")))
	if n := countOf(t, ctx, `a[href="/admin/directory/deleted-users"], a[href="/admin/directory/connectors"]`); n != 0 {
		t.Errorf("a catalog reader is offered %d links to the deleted users or the connectors", n)
	}
	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/directory/deleted-users")))
	wantText(t, ctx, "You are not allowed to read deleted users")
}

// TestConsoleDirectoryConnectedOrgs creates a connected organization with a domain,
// gives it an internal and an external sponsor, changes its state to proposed, adds and
// removes a domain, and deletes it; a Catalog reader sees it without controls. // EXT-1
func TestConsoleDirectoryConnectedOrgs(t *testing.T) {
	cw := newConsoleWorld(t)
	admin := tenantAdmin(cw, "ada.admin", access.RoleUserAdmin)
	boss, _ := cw.User("boris.boss")
	guest, _ := cw.User("gus", func(u *access.User) {
		u.UserType = access.UserTypeGuest
		u.UserPrincipalName = "gus_fabrikam.example#EXT#@contoso.com"
		u.Mail = "gus@fabrikam.example"
	})
	ctx := browser(t)
	shots := screenshots(t)

	run(t, ctx, cw.signIn(admin.UserPrincipalName, "/admin/directory/connected-organizations"))
	wantText(t, ctx, "There is no connected organization.")
	if n := countOf(t, ctx, `a[href="/admin/directory/connectors"]`); n != 0 {
		t.Error("a User Administrator, who may not manage connectors, is offered their tab")
	}
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#displayName`), "Fabrikam"), chromedp.SetValue(chromedp.CSS(`#domain`), "Fabrikam.example"),
		clickText("Create"))
	wantText(t, ctx, "Connected organization 'Fabrikam' was created.", "fabrikam.example", "configured")
	orgs, err := cw.Svc.ListConnectedOrganizations(cw.Ctx, access.SystemActor)
	cw.Must(err)
	if len(orgs) != 1 || !orgs[0].Matches("fabrikam.example") || orgs[0].State != access.OrgConfigured {
		t.Fatalf("the organizations are %+v", orgs)
	}
	org := orgs[0]

	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#internal-sponsor`), boss.UserPrincipalName), clickText("Add internal sponsor"))
	wantText(t, ctx, "The sponsor was added.", "boris.boss")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#external-sponsor`), guest.UserPrincipalName), clickText("Add external sponsor"))
	wantText(t, ctx, "The sponsor was added.", "gus")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#external-sponsor`), guest.UserPrincipalName), clickText("Add external sponsor"))
	wantText(t, ctx, "is already a sponsor of connected organization 'Fabrikam'")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#state`), access.OrgProposed), clickText("Save"))
	wantText(t, ctx, "Saved.", "proposed")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#domain`), "fabrikam.test"), clickText("Add domain"))
	wantText(t, ctx, "The domain was added.", "fabrikam.test")
	shots.take(ctx, "console-directory-org")
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Remove fabrikam.test"]`))))
	wantText(t, ctx, "The domain was removed.")
	o, err := cw.Svc.GetConnectedOrganization(cw.Ctx, access.SystemActor, org.ID)
	cw.Must(err)
	if o.State != access.OrgProposed || len(o.IdentitySources) != 1 || !slices.Equal(o.InternalSponsorIDs, []string{boss.ID}) || !slices.Equal(o.ExternalSponsorIDs, []string{guest.ID}) {
		t.Errorf("the organization is %+v", o)
	}
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Remove internal sponsor boris.boss"]`))))
	wantText(t, ctx, "The sponsor was removed.")
	run(t, ctx, clickText("Connected organizations"))
	wantText(t, ctx, "Fabrikam", "fabrikam.example", "proposed")
	shots.take(ctx, "console-directory-orgs")
	run(t, ctx, cw.signOut())

	run(t, ctx, cw.signIn(cw.reader.UserPrincipalName, "/admin/directory/connected-organizations/"+org.ID))
	wantText(t, ctx, "Fabrikam", "gus")
	if n := countOf(t, ctx, `main form[method=post]`); n != 0 {
		t.Errorf("a catalog reader is offered %d forms on a connected organization", n)
	}
	run(t, ctx, cw.signOut(), cw.signIn(admin.UserPrincipalName, "/admin/directory/connected-organizations/"+org.ID))
	run(t, ctx, clickText("Delete connected organization"))
	wantText(t, ctx, "The connected organization was deleted.", "There is no connected organization.")
}

// TestConsoleDirectoryConnectors creates an LDAP connector against a real slapd, whose
// password is never shown back, tests it, finds its groups, then tests it with a wrong
// password and gets the server's refusal (CON-1, CON-2). A member Bestow delivered is
// removed in the directory by hand: Reconcile reports the drift, Reconcile and repair puts
// them back (ASG-6). The connector cannot be deleted while a catalog holds its group.
// // CON-1 CON-2 ASG-6
func TestConsoleDirectoryConnectors(t *testing.T) {
	cw := newConsoleWorld(t)
	slapd := ldaptest.Start(t)
	svc := cw.Svc
	builtin := connector.Registry{}
	directory.New(svc.Store(), cw.Clock, nil).Register(builtin)
	set := configured.New(builtin, map[string]configured.Factory{access.ConnectorLDAP: ldap.FromConfig, access.ConnectorSCIM: scim.FromConfig}, svc.Connector)
	t.Cleanup(set.Close)
	svc.SetTargets(set)
	worker := delivery.New(svc, set, delivery.Options{})
	admin := tenantAdmin(cw, "ada.admin", access.RoleGovernanceAdmin)
	ctx := browser(t)
	shots := screenshots(t)

	run(t, ctx, cw.signIn(admin.UserPrincipalName, "/admin/directory/connectors"))
	wantText(t, ctx, "There is no connector yet.")
	// A SCIM connector without its token is refused in the connector type's words, what
	// was typed kept.
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#scim-id`), "corp-scim"), chromedp.SetValue(chromedp.CSS(`#scim-displayName`), "Corporate SCIM"),
		chromedp.SetValue(chromedp.CSS(`#scim-url`), "https://idp.example/scim/v2"),
		load(chromedp.Click(chromedp.Search(`//form[input[@value="scim"]]//button[text()="Create"]`))))
	wantText(t, ctx, "no bearer token", "There is no connector yet.")
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#scim-url`))); v != "https://idp.example/scim/v2" {
		t.Errorf("after the refusal the SCIM url field holds %q", v)
	}
	run(t, ctx,
		chromedp.SetValue(chromedp.CSS(`#ldap-id`), "corp-ldap"), chromedp.SetValue(chromedp.CSS(`#ldap-displayName`), "Corporate LDAP"),
		chromedp.SetValue(chromedp.CSS(`#ldap-url`), slapd.URL), chromedp.SetValue(chromedp.CSS(`#ldap-bindDN`), slapd.BindDN),
		chromedp.SetValue(chromedp.CSS(`#ldap-bindPassword`), slapd.Password), chromedp.SetValue(chromedp.CSS(`#ldap-baseDN`), slapd.BaseDN),
		load(chromedp.Click(chromedp.Search(`//form[input[@value="ldap"]]//button[text()="Create"]`))))
	wantText(t, ctx, "Connector 'Corporate LDAP' was created.", slapd.URL, "bindPassword", "write-only")
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`html`)))
	cw.Must(err)
	if strings.Contains(html, slapd.Password) {
		t.Error("the connector's page shows its bind password")
	}
	run(t, ctx, clickText("Test connection"))
	wantText(t, ctx, "Test passed")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#search`), "fin"), load(chromedp.Click(chromedp.Search(`//button[text()="Search"]`))))
	wantText(t, ctx, "finance", ldaptest.GroupDN("finance"), "Member")
	shots.take(ctx, "console-directory-connector")

	// A wrong password: the test says what the server answered; the right one again.
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#bindPassword`), "wrong"), clickText("Save"))
	wantText(t, ctx, "Saved.")
	run(t, ctx, clickText("Test connection"))
	wantText(t, ctx, "Test failed", "refused the bind of "+slapd.BindDN, "check bindDN and bindPassword")
	shots.take(ctx, "console-directory-connector-test-failed")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#bindPassword`), slapd.Password), clickText("Save"), clickText("Test connection"))
	wantText(t, ctx, "Test passed")

	// dave and carol get the finance group through a package; bob, who is no Bestow user,
	// was in it before.
	dn := ldaptest.GroupDN("finance")
	finance := cw.Package("Finance tools")
	cw.AddRole(finance, "corp-ldap", dn, "Member")
	direct := cw.Policy(finance, "Direct", func(p *access.Policy) {
		p.AllowedTargetScope, p.RequestorSettings = access.ScopeNotSpecified, access.RequestorSettings{}
	})
	for _, name := range []string{"dave", "carol"} {
		u, _ := cw.User(name, func(u *access.User) { u.Mail = name + "@bestow.test" })
		cw.Assign(u, finance, direct)
	}
	cw.Must(worker.RunOnce(cw.Ctx))
	for _, uid := range []string{"dave", "carol"} {
		if !slices.Contains(slapd.Members(dn), ldaptest.UserDN(uid)) {
			t.Fatalf("%s is not in the LDAP group: %v", uid, slapd.Members(dn))
		}
	}
	takeOut := func(uid string) {
		t.Helper()
		modify := exec.Command("ldapmodify", "-x", "-H", slapd.URL, "-D", slapd.BindDN, "-w", slapd.Password)
		modify.Stdin = strings.NewReader("dn: " + dn + "\nchangetype: modify\ndelete: member\nmember: " + ldaptest.UserDN(uid) + "\n")
		if out, err := modify.CombinedOutput(); err != nil {
			t.Fatalf("ldapmodify: %v\n%s", err, out)
		}
	}
	repaired := func(user string) string {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.Search(`//table[@id="drift"]//tr[td[contains(., "`+user+`")]]/td[last()]`)))
		cw.Must(err)
		return got
	}

	// dave taken out by hand: Reconcile reports him missing and bob unexpected, and
	// changes nothing in the directory.
	takeOut("dave")
	run(t, ctx, clickText("Reconcile"))
	wantText(t, ctx, "2 difference(s)", "finance", "dave@contoso.com", "missing", "bob@bestow.test", "unexpected")
	if got := repaired("dave@contoso.com"); got != "No" {
		t.Errorf("a report says dave's drift is repaired: %q", got)
	}
	cw.Must(worker.RunOnce(cw.Ctx))
	if slices.Contains(slapd.Members(dn), ldaptest.UserDN("dave")) {
		t.Error("a reconcile without repair put dave back")
	}
	shots.take(ctx, "console-directory-drift")

	// carol taken out: Reconcile and repair grants her the group again; bob, whom Bestow
	// never had, is reported and left alone.
	takeOut("carol")
	run(t, ctx, clickText("Reconcile and repair"))
	wantText(t, ctx, "carol@contoso.com", "missing", "bob@bestow.test")
	if got := repaired("carol@contoso.com"); got != "Yes" {
		t.Errorf("after Reconcile and repair carol's row says repaired %q", got)
	}
	if got := repaired("bob@bestow.test"); got != "No" {
		t.Errorf("bob, unknown to Bestow, is said to be removed: %q", got)
	}
	cw.Must(worker.RunOnce(cw.Ctx))
	if m := slapd.Members(dn); !slices.Contains(m, ldaptest.UserDN("carol")) || !slices.Contains(m, ldaptest.UserDN("bob")) {
		t.Errorf("after the repair the group's members are %v, want carol back and bob kept", m)
	}

	run(t, ctx, clickText("Delete connector"))
	wantText(t, ctx, "cannot be deleted while catalogs hold its resources", "'finance' in catalog 'Sales'")
	run(t, ctx, clickText("Connectors"))
	wantText(t, ctx, "corp-ldap", "Corporate LDAP", "ldap")
	shots.take(ctx, "console-directory-connectors")
	run(t, ctx, cw.signOut())

	// Only Global and Identity Governance administrators reach connectors (CON-1).
	run(t, ctx, cw.signIn(cw.owner.UserPrincipalName, "/admin/directory/connectors"))
	wantText(t, ctx, "You are not allowed to create, change, test or delete connectors", "Identity Governance Administrator")
}
