package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bestowhq/bestow/internal/access"
)

// consoleWorld is the portal world with a direct-assignment policy, three users assigned
// through it, and people holding the catalog's roles.
type consoleWorld struct {
	portalWorld
	direct                 access.Policy
	owner, reader, manager access.User
	assigned               []access.User
}

func newConsoleWorld(t *testing.T) consoleWorld {
	cw := consoleWorld{portalWorld: newPortalWorld(t)}
	w := cw.World
	cw.direct = w.Policy(cw.pkg, "Direct assignment", func(p *access.Policy) {
		p.AllowedTargetScope = access.ScopeNotSpecified
		p.RequestorSettings = access.RequestorSettings{}
	})
	cw.owner, _ = w.User("olga.owner")
	cw.reader, _ = w.User("rita.reader")
	cw.manager, _ = w.User("ari.assigner")
	w.Grant(cw.owner, access.RoleCatalogOwner)
	w.Grant(cw.reader, access.RoleCatalogReader)
	w.Grant(cw.manager, access.RoleAssignmentManager)
	for _, name := range []string{"uma", "vic", "wen"} {
		u, _ := w.User(name)
		w.Assign(u, cw.pkg, cw.direct)
		cw.assigned = append(cw.assigned, u)
	}
	w.Work()
	return cw
}

// TestConsolePackage walks a package's pages as its catalog owner: the list, the
// Overview (Hidden changed, the portal link), delete refused while assignments remain
// (AP-3), the Assignments tab filtered with its count, its CSV, and Reprocess of selected
// assignments (ASG-3, seed 004), and a request with its delivery errors (REQ-6).
// // AP-2 AP-3 ASG-3 REQ-6
func TestConsolePackage(t *testing.T) {
	cw := newConsoleWorld(t)
	ctx := browser(t)
	shots := screenshots(t)
	pkgURL := "/admin/access-packages/" + cw.pkg.ID

	run(t, ctx, cw.signIn(cw.owner.UserPrincipalName, "/admin/access-packages"))
	wantText(t, ctx, "Access packages", "Sales tools", "1–1 of 1")
	shots.take(ctx, "console-packages")

	run(t, ctx, load(chromedp.Click(chromedp.Search(`//a[text()="Sales tools"]`))))
	link, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#portal-link`)))
	if err != nil || !strings.HasSuffix(link, "/portal/access-packages/"+cw.pkg.ID) {
		t.Fatalf("the portal link is %q (%v)", link, err)
	}
	run(t, ctx, chromedp.Click(chromedp.CSS(`button[data-copy]`)), chromedp.WaitVisible(chromedp.Search(`//button[text()="Copied"]`)))
	shots.take(ctx, "console-package")
	run(t, ctx, chromedp.Click(chromedp.CSS(`input[name=hidden]`)), load(chromedp.Click(chromedp.Search(`//button[text()="Save"]`))))
	wantText(t, ctx, "Saved.", "Hidden")
	if p, err := cw.Svc.GetPackage(cw.Ctx, access.SystemActor, cw.pkg.ID); err != nil || !p.IsHidden {
		t.Fatalf("after Save the package is %+v (%v), want hidden", p, err)
	}

	// wen is deleted (and can be restored for 30 days): her assignment still blocks the delete.
	cw.Must(cw.Svc.DeleteUser(cw.Ctx, access.SystemActor, cw.assigned[2].ID))
	run(t, ctx, load(chromedp.Click(chromedp.Search(`//button[text()="Delete access package"]`))))
	wantText(t, ctx, "cannot be deleted", "3 active assignment(s)", cw.assigned[0].UserPrincipalName,
		"of deleted user '"+cw.assigned[2].UserPrincipalName+"' (restore or permanently delete the user, or remove the assignment)")

	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+pkgURL+"/assignments")))
	wantText(t, ctx, "3 assignment(s)", "uma", "vic", "wen (deleted)")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#state`), access.AsgExpired), load(chromedp.Click(chromedp.Search(`//button[text()="Filter"]`))))
	wantText(t, ctx, "0 assignment(s)", "No assignment in this state")
	// An assignment of a fourth user ends: the Expired filter and its CSV hold it.
	xena, _ := cw.User("xena")
	req := cw.Assign(xena, cw.pkg, cw.direct)
	cw.Work()
	cw.Remove(cw.Req(req.ID).AssignmentID)
	cw.Work()
	run(t, ctx, load(chromedp.Reload()))
	wantText(t, ctx, "1 assignment(s)", "xena")
	expired, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("a[download]").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || strings.Count(strings.TrimSpace(expired), "\n") != 1 || !strings.Contains(expired, xena.UserPrincipalName+",expired,") {
		t.Errorf("the CSV of expired assignments (%v):\n%s", err, expired)
	}
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#state`), access.AsgDelivered), load(chromedp.Click(chromedp.Search(`//button[text()="Filter"]`))))
	wantText(t, ctx, "3 assignment(s)")
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("a[download]").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[0], "assignmentId,userId,displayName") ||
		!strings.Contains(csv, cw.assigned[1].UserPrincipalName) || !strings.Contains(csv, ",delivered,") {
		t.Errorf("the CSV of delivered assignments:\n%s", csv)
	}
	shots.take(ctx, "console-assignments")

	// Seed 004: uma is taken out of the group by hand; reprocessing her assignment puts her back.
	cw.Must(cw.Svc.RemoveRelation(cw.Ctx, access.SystemActor, cw.group.ID, access.RelMember, cw.assigned[0].ID))
	run(t, ctx, chromedp.Click(chromedp.CSS(`input[aria-label="Select uma"]`)), load(chromedp.Click(chromedp.Search(`//button[text()="Reprocess"]`))))
	wantText(t, ctx, "Reprocessing 1 assignment(s)")
	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+pkgURL+"/assignments")))
	wantText(t, ctx, "1 of 3 still being delivered") // progress, until the worker has run
	cw.Work()
	if !cw.IsMember(cw.group, cw.assigned[0]) {
		t.Error("reprocess from the console did not put uma back in the group")
	}

	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+pkgURL+"/requests")))
	wantText(t, ctx, "adminAdd", "uma")
	run(t, ctx, load(chromedp.Click(chromedp.Search(`//tr[td[3][text()="uma"]]//a`))))
	wantText(t, ctx, "adminAdd for uma", "Delivery errors", "Every resource role of this request is in place", "History")
	shots.take(ctx, "console-request")
}

// TestConsoleRoles checks what each role sees: a Catalog reader reads packages without
// any control to change them, and not who holds them; an assignment manager reprocesses but
// cannot edit the package; a person with no role is refused in ADM-2's words and has no
// Administration link. // ADM-2 ADM-7
func TestConsoleRoles(t *testing.T) {
	cw := newConsoleWorld(t)
	ctx := browser(t)
	pkgURL := cw.srv.URL + "/admin/access-packages/" + cw.pkg.ID
	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+sel+"`"+`).length`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	run(t, ctx, cw.signIn(cw.reader.UserPrincipalName, "/admin/access-packages/"+cw.pkg.ID))
	wantText(t, ctx, "Sales tools", "My Access portal link")
	if n := count(`main form[method=post]`); n != 0 {
		t.Errorf("a catalog reader is offered %d forms that change the package", n)
	}
	if n := count(`a[href$="/assignments"], a[href$="/requests"]`); n != 0 {
		t.Errorf("a catalog reader is offered %d tabs of assignments and requests, which the role does not read", n)
	}
	run(t, ctx, load(chromedp.Navigate(pkgURL+"/assignments")))
	wantText(t, ctx, "You are not allowed to read assignments and requests in access package 'Sales tools'", "Catalog owner of catalog 'Sales'")
	run(t, ctx, load(chromedp.Navigate(pkgURL+"/policies/new")))
	wantText(t, ctx, "You are not allowed to create, change or delete assignment policies")
	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/access-packages")))
	run(t, ctx, cw.signOut())

	run(t, ctx, cw.signIn(cw.manager.UserPrincipalName, "/admin/access-packages/"+cw.pkg.ID))
	if n := count(`main form[method=post]`); n != 0 {
		t.Errorf("an assignment manager is offered %d forms that change the package", n)
	}
	run(t, ctx, load(chromedp.Navigate(pkgURL+"/assignments")))
	if n := count(`input[name=assignment]`); n != 3 {
		t.Errorf("an assignment manager can select %d assignments to reprocess, want 3", n)
	}
	run(t, ctx, cw.signOut())

	run(t, ctx, cw.signIn(cw.ann.UserPrincipalName, "/portal/access-packages"))
	if n := count(`a[href^="/admin"]`); n != 0 {
		t.Errorf("a person with no role sees %d links to the console", n)
	}
	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/access-packages")))
	wantText(t, ctx, "You are not allowed to read access packages", "Roles that allow it")
}

// TestConsoleRolesPoliciesAssign adds a resource role and removes it, and the assignees'
// access follows (RES-6); assigns three users directly through a policy (REQ-9); and
// disables a policy and is refused its deletion while assignments use it (AP-4).
// // RES-6 REQ-9 AP-4 POL-8
func TestConsoleRolesPoliciesAssign(t *testing.T) {
	cw := newConsoleWorld(t)
	extra := cw.Group("Sales wiki editors")
	_, _, err := cw.Svc.RequestResource(cw.Ctx, access.SystemActor, access.ResourceChange{RequestType: access.ResourceAdminAdd,
		CatalogID: cw.pkg.CatalogID, OriginSystem: access.OriginGroup, OriginID: extra.ID})
	cw.Must(err)
	ctx := browser(t)
	shots := screenshots(t)
	pkgURL := cw.srv.URL + "/admin/access-packages/" + cw.pkg.ID

	run(t, ctx, cw.signIn(cw.owner.UserPrincipalName, "/admin/access-packages/"+cw.pkg.ID+"/roles"))
	wantText(t, ctx, "Sales team", "3 active assignment(s)")
	run(t, ctx,
		script(`(() => { const s = document.querySelector("#role"); s.value = [...s.options].find(o => o.text.startsWith("Sales wiki editors — Member")).value; })()`),
		load(chromedp.Click(chromedp.Search(`//button[text()="Add"]`))))
	wantText(t, ctx, "Added.", "Sales wiki editors")
	shots.take(ctx, "console-roles")
	cw.Work()
	for _, u := range cw.assigned {
		if !cw.IsMember(extra, u) {
			t.Errorf("after the role was added, %s is not a member of %s", u.DisplayName, extra.DisplayName)
		}
	}
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Remove Member of Sales wiki editors"]`))))
	wantText(t, ctx, "Removed.")
	cw.Work()
	for _, u := range cw.assigned {
		if cw.IsMember(extra, u) {
			t.Errorf("after the role was removed, %s is still a member of %s", u.DisplayName, extra.DisplayName)
		}
	}

	// Three more users assigned directly, one of them unknown: the others are assigned.
	var upns []string
	for _, name := range []string{"xia", "yan", "zoe"} {
		u, _ := cw.User(name)
		upns = append(upns, u.UserPrincipalName)
	}
	run(t, ctx, load(chromedp.Navigate(pkgURL+"/assignments")),
		chromedp.Click(chromedp.Search(`//summary[text()="New assignment"]`)),
		chromedp.SetValue(chromedp.CSS(`#users`), strings.Join(upns, "\n")+"\nnobody@example.com"),
		script(`(() => { const s = document.querySelector("#policy"); s.value = [...s.options].find(o => o.text === "Direct assignment").value; })()`),
		chromedp.SetValue(chromedp.CSS(`#justification`), "joins the sales team"),
		load(chromedp.Click(chromedp.Search(`//button[text()="Assign"]`))))
	wantText(t, ctx, "3 of 4 user(s) assigned.", "nobody@example.com")
	shots.take(ctx, "console-new-assignment")
	cw.Work()
	run(t, ctx, load(chromedp.Navigate(pkgURL+"/assignments?state=delivered")))
	wantText(t, ctx, "6 assignment(s)", "xia", "yan", "zoe")

	// The direct policy: disabled, then refused deletion while assignments use it.
	run(t, ctx, load(chromedp.Navigate(pkgURL+"/policies")))
	wantText(t, ctx, "Direct assignment", "No one: the policy is for direct assignment by administrators only", "Members, with approval")
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Disable Direct assignment"]`))))
	wantText(t, ctx, "takes no new requests", "Disabled")
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Delete Direct assignment"]`))))
	wantText(t, ctx, "cannot be deleted")
	shots.take(ctx, "console-policies")
}

// script runs JavaScript in the page as a step.
func script(src string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](src)(ctx, t)
		return err
	})
}

// TestConsoleTroubleshooter asks the three questions of the troubleshooter in the
// browser and reads the checks. // TRB-1 TRB-2 TRB-3
func TestConsoleTroubleshooter(t *testing.T) {
	cw := newConsoleWorld(t)
	reqs, err := cw.Svc.PackageRequests(cw.Ctx, access.SystemActor, cw.pkg.ID)
	cw.Must(err)
	ctx := browser(t)
	shots := screenshots(t)
	run(t, ctx, cw.signIn(cw.owner.UserPrincipalName, "/admin/troubleshoot"))

	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#r-user`), cw.bobbie.UserPrincipalName), chromedp.SetValue(chromedp.CSS(`#r-package`), cw.pkg.DisplayName),
		load(chromedp.Click(chromedp.CSS(`section[aria-labelledby=h-trb1] button`))))
	wantText(t, ctx, "cannot request it", "failed", "Fix:")
	shots.take(ctx, "console-troubleshoot-request")

	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#d-request`), reqs[0].ID), load(chromedp.Click(chromedp.CSS(`section[aria-labelledby=h-trb2] button`))))
	wantText(t, ctx, "Sales tools for", "Member", "What you can do")

	// A catalog owner may ask about themself, not about others (that would show their roles).
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#p-action`), string(access.ActManageTenantRoles)),
		load(chromedp.Click(chromedp.CSS(`section[aria-labelledby=h-trb3] button`))))
	wantText(t, ctx, "may not grant or remove tenant-wide administrative roles", "Roles that allow it", "Global Administrator")
	shots.take(ctx, "console-troubleshoot-permission")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#p-user`), cw.reader.UserPrincipalName),
		chromedp.SetValue(chromedp.CSS(`#p-action`), string(access.ActManagePackage)), chromedp.SetValue(chromedp.CSS(`#p-scope`), cw.pkg.CatalogID),
		load(chromedp.Click(chromedp.CSS(`section[aria-labelledby=h-trb3] button`))))
	wantText(t, ctx, "You are not allowed to explain the permissions of another user")
}

// TestConsoleCatalogs walks the catalog pages as a Catalog creator: told to create a
// catalog first (ADM-3), creates one and owns it (ADM-4), is refused a group they do not
// own (RES-5), adds one they own and assigns its pre-existing member and owner directly
// (RES-7),
// cannot remove a resource a package uses (RES-5), and grants and removes a catalog role
// (ADM-7). // ADM-3 ADM-4 ADM-7 RES-5 RES-7
func TestConsoleCatalogs(t *testing.T) {
	cw := newConsoleWorld(t)
	sys := access.SystemActor
	carl, _ := cw.User("carl.creator")
	_, err := cw.Svc.CreateRoleAssignment(cw.Ctx, sys, access.RoleAssignment{PrincipalID: carl.ID, RoleDefinitionID: access.RoleCatalogCreator, DirectoryScopeID: "/", AppScopeID: "/"})
	cw.Must(err)
	owned, other := cw.Group("Research lab"), cw.Group("Finance")
	bob, _ := cw.User("bob")
	cw.Must(cw.Svc.AddRelation(cw.Ctx, sys, owned.ID, access.RelOwner, carl.ID))
	cw.Must(cw.Svc.AddRelation(cw.Ctx, sys, owned.ID, access.RelMember, bob.ID))
	ctx := browser(t)
	shots := screenshots(t)

	run(t, ctx, cw.signIn(carl.UserPrincipalName, "/admin/access-packages"))
	wantText(t, ctx, "own no catalog yet", "Create a catalog")
	run(t, ctx, load(chromedp.Click(chromedp.Search(`//a[text()="Create a catalog"]`))),
		chromedp.SetValue(chromedp.CSS(`#displayName`), "Research"), chromedp.SetValue(chromedp.CSS(`#description`), "Lab equipment and data"),
		load(chromedp.Click(chromedp.Search(`//button[text()="Create"]`))))
	wantText(t, ctx, "Catalog 'Research' was created; you are its owner.")
	catURL, err := chromedp.Run(ctx, chromedp.Location())
	cw.Must(err)
	catURL = strings.Split(catURL, "?")[0]

	addGroup := func(id string) {
		run(t, ctx, load(chromedp.Navigate(catURL+"/resources")), chromedp.SetValue(chromedp.CSS(`#originId`), id),
			load(chromedp.Click(chromedp.Search(`//button[text()="Add"]`))))
	}
	addGroup(other.ID)
	wantText(t, ctx, "a catalog owner may add only groups they own")
	addGroup(owned.ID)
	wantText(t, ctx, "Added to the catalog.", "2 of its roles are held by people no access package governs", "Research lab")
	shots.take(ctx, "console-catalog-resources")

	// A package of the catalog, made by its owner through the API, then the pre-existing member.
	carlActor := cw.Actor(carl.ID)
	cats, err := cw.Svc.ListCatalogs(cw.Ctx, carlActor)
	cw.Must(err)
	var research access.Catalog
	for _, c := range cats {
		if c.DisplayName == "Research" {
			research = c
		}
	}
	pkg, err := cw.Svc.CreatePackage(cw.Ctx, carlActor, access.Package{DisplayName: "Lab access"}, research.ID)
	cw.Must(err)
	_, err = cw.Svc.AddRoleScope(cw.Ctx, carlActor, pkg.ID, access.RoleRef{OriginSystem: access.OriginGroup, ResourceOriginID: owned.ID,
		RoleOriginID: access.GroupRole(owned.ID, access.RelMember)})
	cw.Must(err)
	_, err = cw.Svc.CreatePolicy(cw.Ctx, carlActor, access.Policy{DisplayName: "Direct", AllowedTargetScope: access.ScopeNotSpecified}, pkg.ID)
	cw.Must(err)
	run(t, ctx, load(chromedp.Navigate(catURL+"/resources")), load(chromedp.Click(chromedp.Search(`//a[text()="Pre-existing members"]`))))
	wantText(t, ctx, "Pre-existing members of Research lab", "bob")
	run(t, ctx, load(chromedp.Click(chromedp.Search(`//button[text()="Assign them directly"]`))))
	wantText(t, ctx, "2 pre-existing member(s) assigned directly.")

	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Remove Research lab"]`))))
	wantText(t, ctx, "Lab access")

	run(t, ctx, load(chromedp.Navigate(catURL+"/roles")))
	wantText(t, ctx, "Catalog owner", "carl.creator")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#user`), cw.reader.UserPrincipalName),
		chromedp.SetValue(chromedp.CSS(`#role`), access.RoleCatalogReader), load(chromedp.Click(chromedp.Search(`//button[text()="Add"]`))))
	wantText(t, ctx, "The role was granted to rita.reader.", "Catalog reader")
	shots.take(ctx, "console-catalog-roles")
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Remove Catalog reader from rita.reader"]`))))
	wantText(t, ctx, "The role was removed.")
}

// TestConsoleReports reads the three reports of how users got access. // RPT-1
func TestConsoleReports(t *testing.T) {
	cw := newConsoleWorld(t)
	ctx := browser(t)
	shots := screenshots(t)
	run(t, ctx, cw.signIn(cw.owner.UserPrincipalName, "/admin/reports"),
		chromedp.SetValue(chromedp.CSS(`#u-user`), cw.assigned[0].UserPrincipalName),
		load(chromedp.Click(chromedp.CSS(`section[aria-labelledby=h-ru] button`))))
	wantText(t, ctx, "Sales team", "Member", "Sales tools", "policy Direct assignment", "adminAdd", "delivered")
	shots.take(ctx, "console-report-user")

	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/access-packages/"+cw.pkg.ID)),
		load(chromedp.Click(chromedp.Search(`//a[text()="Who can request it and who has it"]`))))
	wantText(t, ctx, "Who can request it", "Members, with approval: All members of the directory", "Who has it (3)", "uma", "vic", "wen")

	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/catalogs/"+cw.pkg.CatalogID+"/resources")),
		load(chromedp.Click(chromedp.CSS(`a[aria-label="Who holds it: Sales team"]`))))
	wantText(t, ctx, "Sales team", "Member (3)", "Sales tools")
}

// TestConsoleOverview reads the Overview: what needs attention, each figure a link to its
// list, and the chart of the last 30 days with its table.
func TestConsoleOverview(t *testing.T) {
	cw := newConsoleWorld(t)
	site := cw.Site("Intranet")
	withSite := cw.Package("Sales and intranet", cw.group)
	cw.AddRole(withSite, access.OriginSite, site.ID, site.SiteRoles[0].ID)
	pol := cw.Policy(withSite, "Direct", func(p *access.Policy) {
		p.AllowedTargetScope = access.ScopeNotSpecified
		p.RequestorSettings = access.RequestorSettings{}
	})
	cw.Flaky.Fail(access.E(access.KindInvalid, "site role is locked"))
	cw.Assign(cw.assigned[0], withSite, pol)
	cw.Work()
	ctx := browser(t)
	shots := screenshots(t)

	run(t, ctx, cw.signIn(cw.owner.UserPrincipalName, "/admin/"))
	wantText(t, ctx, "Needs attention", "1\nrequests partially delivered", "1\nassignments with a role not in place", "The last 30 days")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.chart rect").length`)); err != nil || n != 90 {
		t.Errorf("the chart has %d bars (%v), want 3 for each of 30 days", n, err)
	}
	shots.take(ctx, "console-overview")
	run(t, ctx, load(chromedp.Click(chromedp.Search(`//a[contains(., "requests partially delivered")]`))))
	wantText(t, ctx, "Requests: partiallyDelivered", "uma", "partiallyDelivered")
	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+"/admin/")), load(chromedp.Click(chromedp.Search(`//a[contains(., "assignments with a role not in place")]`))))
	wantText(t, ctx, "Assignments: partiallyDelivered", "Sales and intranet")

	// A catalog reader, who reads no assignments, starts at the access packages.
	run(t, ctx, cw.signOut(), cw.signIn(cw.reader.UserPrincipalName, "/admin/"))
	wantText(t, ctx, "Access packages", "Sales tools")
}

// tenantAdmin makes a user the console world's only Global Administrator.
func tenantAdmin(cw consoleWorld, name string, role string) access.User {
	cw.T.Helper()
	u, _ := cw.User(name)
	_, err := cw.Svc.CreateRoleAssignment(cw.Ctx, access.SystemActor, access.RoleAssignment{PrincipalID: u.ID, RoleDefinitionID: role,
		DirectoryScopeID: "/", AppScopeID: "/"})
	cw.Must(err)
	return u
}

// countOf counts the elements of the page that match a CSS selector.
func countOf(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+sel+"`"+`).length`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConsoleSeparation names an incompatible package and an incompatible group on the
// Separation of duties tab; a holder of the other package is then refused the request
// (POL-12), and removing the link lets them request again. // POL-12
func TestConsoleSeparation(t *testing.T) {
	cw := newConsoleWorld(t)
	other := cw.Package("Purchasing")
	pol := cw.Policy(other, "Direct", func(p *access.Policy) {
		p.AllowedTargetScope = access.ScopeNotSpecified
		p.RequestorSettings = access.RequestorSettings{}
	})
	buyer, buyerA := cw.User("buyer")
	cw.Assign(buyer, other, pol)
	cw.Work()
	finance := cw.Group("Finance")
	ctx := browser(t)
	shots := screenshots(t)

	run(t, ctx, cw.signIn(cw.owner.UserPrincipalName, "/admin/access-packages/"+cw.pkg.ID+"/separation"),
		chromedp.SetValue(chromedp.CSS(`#sod-package`), other.ID), load(chromedp.Click(chromedp.Search(`//button[text()="Add package"]`))))
	wantText(t, ctx, "Added: its holders can no longer request this package.", "Purchasing")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#sod-group`), finance.DisplayName), load(chromedp.Click(chromedp.Search(`//button[text()="Add group"]`))))
	wantText(t, ctx, "Finance")
	shots.take(ctx, "console-separation")
	if _, err := cw.Request(buyerA, cw.pkg); err == nil || !strings.Contains(err.Error(), "Purchasing") {
		t.Errorf("a holder of an incompatible package requested it: %v", err)
	}
	run(t, ctx, load(chromedp.Click(chromedp.CSS(`button[aria-label="Remove Purchasing"]`))))
	wantText(t, ctx, "Removed")
	if _, err := cw.Request(buyerA, cw.pkg, func(in *access.RequestInput) {
		in.Answers = []access.Answer{{Type: "#microsoft.graph.accessPackageAnswerString", Value: "North", AnsweredQuestion: access.QuestionRef{ID: questionID(t, cw)}}}
	}); err != nil {
		t.Errorf("after the link was removed, the request is refused: %v", err)
	}
}

// TestConsolePolicyForm adds a policy for a group's members with one approval stage, and
// edits an existing one: a second stage and a shorter decision time, keeping its question
// (which the form does not show). // POL-1 POL-3 POL-9
func TestConsolePolicyForm(t *testing.T) {
	cw := newConsoleWorld(t)
	contractors := cw.Group("Contractors")
	ctx := browser(t)
	shots := screenshots(t)
	polURL := "/admin/access-packages/" + cw.pkg.ID + "/policies"
	run(t, ctx, cw.signIn(cw.owner.UserPrincipalName, polURL), load(chromedp.Click(chromedp.Search(`//a[text()="Add policy"]`))),
		chromedp.SetValue(chromedp.CSS(`#p0-name`), "Contractors"),
		chromedp.Click(chromedp.CSS(`input[name="p0.who"][value=specific]`)),
		chromedp.SetValue(chromedp.CSS(`#p0-targets`), contractors.DisplayName),
		chromedp.SetValue(chromedp.CSS(`#p0-stage0`), cw.owner.UserPrincipalName),
		chromedp.SetValue(chromedp.CSS(`#p0-days`), "30"))
	shots.take(ctx, "console-policy-form")
	run(t, ctx, load(chromedp.Click(chromedp.Search(`//button[text()="Save"]`))))
	wantText(t, ctx, "Policy 'Contractors' was saved.", "Members of group 'Contractors'", "30 days after it starts")

	run(t, ctx, load(chromedp.Click(chromedp.CSS(`a[aria-label="Edit Members, with approval"]`))),
		chromedp.SetValue(chromedp.CSS(`#p0-stage1`), cw.owner.UserPrincipalName),
		chromedp.SetValue(chromedp.CSS(`#p0-decideDays`), "7"),
		load(chromedp.Click(chromedp.Search(`//button[text()="Save"]`))))
	wantText(t, ctx, "Policy 'Members, with approval' was saved.")
	pols, err := cw.Svc.ListPolicies(cw.Ctx, access.SystemActor, cw.pkg.ID)
	cw.Must(err)
	found := 0
	for _, pol := range pols {
		switch pol.DisplayName {
		case "Contractors":
			found++
			if pol.AllowedTargetScope != access.ScopeSpecificDirectoryUsers || len(pol.SpecificAllowedTargets) != 1 || pol.SpecificAllowedTargets[0].GroupID != contractors.ID ||
				len(pol.RequestApprovalSettings.Stages) != 1 || pol.Expiration.Duration == nil || time.Duration(*pol.Expiration.Duration) != 30*24*time.Hour {
				t.Errorf("the added policy: %+v", pol)
			}
		case "Members, with approval":
			found++
			st := pol.RequestApprovalSettings.Stages
			if len(st) != 2 || time.Duration(st[0].DurationBeforeAutomaticDenial) != 7*24*time.Hour || len(pol.Questions) != 1 || pol.Version < 2 {
				t.Errorf("the edited policy: %d stages, %+v, %d questions, version %d", len(st), st, len(pol.Questions), pol.Version)
			}
		}
	}
	if found != 2 {
		t.Errorf("found %d of the two policies", found)
	}
}
