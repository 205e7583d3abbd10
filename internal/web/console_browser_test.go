package web_test

import (
	"strings"
	"testing"

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

	run(t, ctx, load(chromedp.Click(chromedp.Search(`//button[text()="Delete access package"]`))))
	wantText(t, ctx, "cannot be deleted", "3 active assignment(s)", cw.assigned[0].UserPrincipalName)

	run(t, ctx, load(chromedp.Navigate(cw.srv.URL+pkgURL+"/assignments")))
	wantText(t, ctx, "3 assignment(s)", "uma", "vic", "wen")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#state`), access.AsgExpired), load(chromedp.Click(chromedp.Search(`//button[text()="Filter"]`))))
	wantText(t, ctx, "0 assignment(s)", "No assignment in this state")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#state`), access.AsgDelivered), load(chromedp.Click(chromedp.Search(`//button[text()="Filter"]`))))
	wantText(t, ctx, "3 assignment(s)")
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("a[download]").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[0], "assignmentId,userId,displayName") ||
		!strings.Contains(csv, cw.assigned[2].UserPrincipalName) || !strings.Contains(csv, ",delivered,") {
		t.Errorf("the CSV of delivered assignments:\n%s", csv)
	}
	shots.take(ctx, "console-assignments")

	// Seed 004: uma is taken out of the group by hand; reprocessing her assignment puts her back.
	cw.Must(cw.Svc.RemoveRelation(cw.Ctx, access.SystemActor, cw.group.ID, access.RelMember, cw.assigned[0].ID))
	run(t, ctx, chromedp.Click(chromedp.CSS(`input[aria-label="Select uma"]`)), load(chromedp.Click(chromedp.Search(`//button[text()="Reprocess"]`))))
	wantText(t, ctx, "Reprocessing 1 assignment(s)")
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
