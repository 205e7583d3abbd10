package accesstest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

// runReports covers the reports of how users got access (RPT-1).
func runReports(t *testing.T, open Opener) {
	t.Run("RPT-1 a role held through two packages appears once per package, with the package, policy, request and dates", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("Sales team")
		p1, p2 := w.Package("Sales", g), w.Package("Sales extra", g)
		w.Policy(p1, "Members")
		direct := w.Policy(p2, "Direct", DirectOnly)
		ann, annA := w.User("ann")
		r1, err := w.Request(annA, p1)
		w.Must(err)
		r2 := w.Assign(ann, p2, direct)
		w.Work()
		a1 := w.Req(r1.ID).AssignmentID

		rep, err := w.Svc.UserAccess(w.Ctx, access.SystemActor, ann.UserPrincipalName)
		w.Must(err)
		if rep.User.ID != ann.ID || rep.User.UserPrincipalName != "ann@contoso.com" || rep.User.DisplayName != "ann" {
			t.Errorf("user: %+v", rep.User)
		}
		want := []string{
			"Sales team/Member in Sales: assignment Sales (Members) userAdd by ann, delivered",
			"Sales team/Member in Sales: assignment Sales extra (Direct) adminAdd by Bestow, delivered",
		}
		if got := holdings(rep.Value); !equal(got, want) {
			t.Fatalf("holdings:\n got %q\nwant %q", got, want)
		}
		h := rep.Value[0]
		if h.Assignment.ID != a1 || h.Assignment.State != access.AsgDelivered || !h.Assignment.StartDateTime.Equal(w.Clock.Now()) || h.Assignment.EndDateTime != nil {
			t.Errorf("assignment: %+v", h.Assignment)
		}
		if h.Request.ID != r1.ID || !h.Request.CreatedDateTime.Equal(w.Clock.Now()) || h.Request.CompletedDateTime == nil || h.Request.Requestor.ID != ann.ID {
			t.Errorf("request: %+v", h.Request)
		}
		if h.Resource.ID != w.resourceOf(g).ID || h.Resource.OriginSystem != access.OriginGroup || h.Resource.OriginID != g.ID ||
			h.Role.OriginID != access.GroupRole(g.ID, access.RelMember) || h.Catalog.ID != w.cat.ID || h.Package.ID != p1.ID {
			t.Errorf("names: %+v", h)
		}
		if rep.Value[1].Request.ID != r2.ID || rep.Value[1].Request.Requestor != nil {
			t.Errorf("a direct assignment by the system has no requestor: %+v", rep.Value[1].Request)
		}

		// Ann reads her own report; by id too.
		mine, err := w.Svc.UserAccess(w.Ctx, annA, ann.ID)
		w.Must(err)
		if len(mine.Value) != 2 {
			t.Errorf("ann's own report: %q", holdings(mine.Value))
		}
		// One of the two assignments ends: the role is still held through the other.
		w.Remove(a1)
		w.Work()
		rep, err = w.Svc.UserAccess(w.Ctx, access.SystemActor, ann.ID)
		w.Must(err)
		if got := holdings(rep.Value); !equal(got, want[1:]) {
			t.Errorf("after one assignment ended: %q", got)
		}
	})

	t.Run("RPT-1 pre-existing members are reported as such, beside an assignment and after it ends", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("Finance")
		bob, _ := w.User("bob")
		carl, _ := w.User("carl")
		for _, u := range []access.User{bob, carl} {
			w.Must(w.Svc.AddRelation(w.Ctx, access.SystemActor, g.ID, access.RelMember, u.ID))
		}
		p := w.Package("Finance", g) // the group joins the catalog with its members
		direct := w.Policy(p, "Direct", DirectOnly)
		r := w.Assign(carl, p, direct)
		w.Work()

		report := func(u access.User) []string {
			t.Helper()
			rep, err := w.Svc.UserAccess(w.Ctx, access.SystemActor, u.ID)
			w.Must(err)
			return holdings(rep.Value)
		}
		if got, want := report(bob), []string{"Finance/Member in Sales: preExisting, present"}; !equal(got, want) {
			t.Errorf("bob, a member no package governs: %q", got)
		}
		// carl was a member before Bestow and now has an assignment too: both grounds.
		if got, want := report(carl), []string{"Finance/Member in Sales: assignment Finance (Direct) adminAdd by Bestow, delivered",
			"Finance/Member in Sales: preExisting, present"}; !equal(got, want) {
			t.Errorf("carl, assigned and pre-existing: %q", got)
		}

		res := w.resourceOf(g)
		ra, err := w.Svc.ResourceAccess(w.Ctx, access.SystemActor, res.ID)
		w.Must(err)
		if ra.Resource.ID != res.ID || ra.Catalog.ID != w.cat.ID || len(ra.Roles) != 2 {
			t.Fatalf("resource report: %+v", ra)
		}
		if got, want := roleHolders(ra.Roles[0]), []string{"Member: bob preExisting, present",
			"Member: carl assignment Finance (Direct) adminAdd by Bestow, delivered", "Member: carl preExisting, present"}; !equal(got, want) {
			t.Errorf("holders of Member:\n got %q\nwant %q", got, want)
		}
		if ra.Roles[1].Role.DisplayName != "Owner" || len(ra.Roles[1].Holders) != 0 {
			t.Errorf("holders of Owner: %+v", ra.Roles[1])
		}

		// carl's assignment ends: he keeps the membership he had before Bestow (RES-7).
		w.Remove(w.Req(r.ID).AssignmentID)
		w.Work()
		if got, want := report(carl), []string{"Finance/Member in Sales: preExisting, present"}; !equal(got, want) {
			t.Errorf("carl after his assignment ended: %q", got)
		}
	})

	t.Run("RPT-1 a catalog's assignment manager sees only that catalog; readers and strangers are refused", func(t *testing.T) {
		w := NewWorld(t, open)
		other, err := w.Svc.CreateCatalog(w.Ctx, access.SystemActor, access.Catalog{DisplayName: "Research", State: access.CatalogPublished})
		w.Must(err)
		gs, gr := w.Group("Sales team"), w.Group("Lab")
		ps := w.Package("Sales", gs)
		pr := w.packageIn(other, "Lab access", gr)
		ann, annA := w.User("ann")
		w.Assign(ann, ps, w.Policy(ps, "Direct", DirectOnly))
		w.Assign(ann, pr, w.Policy(pr, "Direct", DirectOnly))
		w.Work()

		mgr, _ := w.User("mgr")
		mgrA := w.grantIn(mgr, access.RoleAssignmentManager, other)
		rep, err := w.Svc.UserAccess(w.Ctx, mgrA, ann.ID)
		w.Must(err)
		if got, want := holdings(rep.Value), []string{"Lab/Member in Research: assignment Lab access (Direct) adminAdd by Bestow, delivered"}; !equal(got, want) {
			t.Errorf("Research's assignment manager sees: %q", got)
		}
		all, err := w.Svc.UserAccess(w.Ctx, access.SystemActor, ann.ID)
		w.Must(err)
		if len(all.Value) != 2 {
			t.Errorf("an administrator sees both catalogs: %q", holdings(all.Value))
		}
		if _, err := w.Svc.PackageAccess(w.Ctx, mgrA, pr.ID, access.Window{}); err != nil {
			t.Errorf("Research's assignment manager reads its package's report: %v", err)
		}
		_, err = w.Svc.PackageAccess(w.Ctx, mgrA, ps.ID, access.Window{})
		wantKind(t, err, access.KindNotFound) // a package they cannot read does not exist for them
		_, err = w.Svc.ResourceAccess(w.Ctx, mgrA, w.resourceOf(gs).ID)
		wantKind(t, err, access.KindNotFound)

		// The lab group is offered by Sales too: Sales's assignment manager sees no holder of
		// it, since ann holds it through Research, whose assignments they may not read.
		w.Package("Lab in Sales", gr)
		lab := w.resourceOf(gr)
		sam, _ := w.User("sam")
		samA := w.Grant(sam, access.RoleAssignmentManager)
		ra, err := w.Svc.ResourceAccess(w.Ctx, samA, lab.ID)
		w.Must(err)
		if got := roleHolders(ra.Roles[0]); len(got) != 0 {
			t.Errorf("Sales's assignment manager sees holders through Research: %q", got)
		}
		ra, err = w.Svc.ResourceAccess(w.Ctx, access.SystemActor, lab.ID)
		w.Must(err)
		if got, want := roleHolders(ra.Roles[0]), []string{"Member: ann assignment Lab access (Direct) adminAdd by Bestow, delivered"}; !equal(got, want) {
			t.Errorf("an administrator sees the holder through Research: %q", got)
		}

		// A catalog reader reads packages, not who holds them (reference §5).
		rita, _ := w.User("rita")
		ritaA := w.grantIn(rita, access.RoleCatalogReader, other)
		_, err = w.Svc.PackageAccess(w.Ctx, ritaA, pr.ID, access.Window{})
		wantDenied(t, err, "read assignments and requests", "access package 'Lab access' in catalog 'Research'", "Access package assignment manager of catalog 'Research'")
		_, err = w.Svc.UserAccess(w.Ctx, ritaA, ann.ID)
		wantDenied(t, err, "read assignments and requests", "Global Administrator")

		// Someone with no role: refused before anything is looked up, even without a user.
		_, strangerA := w.User("stranger")
		_, err = w.Svc.UserAccess(w.Ctx, strangerA, ann.ID)
		wantDenied(t, err, "You are not allowed to read assignments and requests", "Roles that allow it")
		_, err = w.Svc.UserAccess(w.Ctx, strangerA, "nobody@contoso.com")
		wantKind(t, err, access.KindForbidden)
		_, err = w.Svc.UserAccess(w.Ctx, strangerA, "")
		wantKind(t, err, access.KindForbidden)
		_, err = w.Svc.PackageAccess(w.Ctx, strangerA, "", access.Window{})
		wantKind(t, err, access.KindForbidden)
		_, err = w.Svc.ResourceAccess(w.Ctx, strangerA, "")
		wantKind(t, err, access.KindForbidden)
		_, err = w.Svc.PackageAccess(w.Ctx, strangerA, pr.ID, access.Window{})
		wantKind(t, err, access.KindNotFound)
		// ...but anyone may read their own report.
		mine, err := w.Svc.UserAccess(w.Ctx, annA, ann.UserPrincipalName)
		w.Must(err)
		if len(mine.Value) != 2 {
			t.Errorf("ann's own report: %q", holdings(mine.Value))
		}
		// Who may read gets told what to pass.
		_, err = w.Svc.UserAccess(w.Ctx, mgrA, "")
		wantKind(t, err, access.KindInvalid)
		if !strings.Contains(err.Error(), "?user=") {
			t.Errorf("a missing user: %v", err)
		}
		_, err = w.Svc.PackageAccess(w.Ctx, mgrA, "", access.Window{})
		wantKind(t, err, access.KindInvalid)
		_, err = w.Svc.ResourceAccess(w.Ctx, access.SystemActor, "")
		wantKind(t, err, access.KindInvalid)
	})

	t.Run("RPT-1 a package's report says who may request it, in words, and pages its holders", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("Ops")
		p := w.Package("Ops", g)
		org, err := w.Svc.CreateConnectedOrganization(w.Ctx, access.SystemActor, access.ConnectedOrganization{DisplayName: "Fabrikam",
			IdentitySources: []access.IdentitySource{{Type: "#microsoft.graph.domainIdentitySource", DomainName: "fabrikam.com", DisplayName: "Fabrikam"}}})
		w.Must(err)
		ann, _ := w.User("ann")
		bob, _ := w.User("bob")
		members := w.Policy(p, "A members")
		w.Policy(p, "B team", func(pol *access.Policy) {
			pol.AllowedTargetScope = access.ScopeSpecificDirectoryUsers
			pol.SpecificAllowedTargets = []access.SubjectSet{{Type: "#microsoft.graph.groupMembers", GroupID: g.ID},
				{Type: "#microsoft.graph.singleUser", UserID: ann.ID}}
		})
		w.Policy(p, "C partners", func(pol *access.Policy) {
			pol.AllowedTargetScope = access.ScopeSpecificConnectedOrgs
			pol.SpecificAllowedTargets = []access.SubjectSet{{Type: "#microsoft.graph.connectedOrganizationMembers", ConnectedOrganizationID: org.ID}}
		})
		direct := w.Policy(p, "D direct", DirectOnly)
		off := false
		w.Policy(p, "E closed", func(pol *access.Policy) { pol.RequestorSettings.AcceptRequests = &off })
		w.Assign(ann, p, direct)
		w.Assign(bob, p, members)
		w.Work()

		rep, err := w.Svc.PackageAccess(w.Ctx, access.SystemActor, p.ID, access.Window{})
		w.Must(err)
		var got []string
		for _, c := range rep.CanRequest {
			got = append(got, c.Policy.DisplayName+": "+c.Audience)
		}
		want := []string{
			"A members: All members of the directory (not guests)",
			"B team: Members of group 'Ops', user 'ann' (ann@contoso.com)",
			"C partners: Users of connected organization 'Fabrikam'",
			"D direct: No one: the policy is for direct assignment by administrators only",
			"E closed: No one: the policy is disabled (POL-8)",
		}
		if !equal(got, want) {
			t.Errorf("who may request:\n got %q\nwant %q", got, want)
		}
		if rep.Package.ID != p.ID || rep.Catalog.ID != w.cat.ID || rep.HolderCount != 2 || len(rep.Holders) != 2 {
			t.Fatalf("report: %+v", rep)
		}
		byUser := map[string]access.PackageHolder{}
		for _, h := range rep.Holders {
			byUser[h.User.UserPrincipalName] = h
		}
		if h := byUser["ann@contoso.com"]; h.Policy.DisplayName != "D direct" || h.Assignment.State != access.AsgDelivered || h.Assignment.ID == "" {
			t.Errorf("ann's assignment: %+v", h)
		}
		if h := byUser["bob@contoso.com"]; h.Policy.ID != members.ID {
			t.Errorf("bob's assignment: %+v", h)
		}
		// One page at a time; the count is of them all.
		seen := map[string]bool{}
		for off := 0; off < 2; off++ {
			page, err := w.Svc.PackageAccess(w.Ctx, access.SystemActor, p.ID, access.Window{Offset: off, Limit: 1})
			w.Must(err)
			if page.HolderCount != 2 || len(page.Holders) != 1 {
				t.Fatalf("page %d: %d of %d", off, len(page.Holders), page.HolderCount)
			}
			seen[page.Holders[0].User.ID] = true
		}
		if len(seen) != 2 {
			t.Errorf("two pages of one holder each show both holders: %v", seen)
		}
	})
}

// packageIn creates a package in catalog c granting the Member role of group g.
func (w *World) packageIn(c access.Catalog, name string, g access.Group) access.Package {
	w.T.Helper()
	p, err := w.Svc.CreatePackage(w.Ctx, access.SystemActor, access.Package{DisplayName: name}, c.ID)
	w.Must(err)
	_, _, err = w.Svc.RequestResource(w.Ctx, access.SystemActor, access.ResourceChange{RequestType: "adminAdd", CatalogID: c.ID, OriginSystem: access.OriginGroup, OriginID: g.ID})
	w.Must(err)
	_, err = w.Svc.AddRoleScope(w.Ctx, access.SystemActor, p.ID, access.RoleRef{OriginSystem: access.OriginGroup, ResourceOriginID: g.ID, RoleOriginID: access.GroupRole(g.ID, access.RelMember)})
	w.Must(err)
	return p
}

// grantIn gives a user a catalog role in catalog c and returns the new actor.
func (w *World) grantIn(u access.User, role string, c access.Catalog) access.Actor {
	w.T.Helper()
	_, err := w.Svc.CreateRoleAssignment(w.Ctx, access.SystemActor, access.RoleAssignment{PrincipalID: u.ID, RoleDefinitionID: role,
		AppScopeID: access.CatalogScope(c.ID)})
	w.Must(err)
	return w.Actor(u.ID)
}

// holdings renders a user's holdings one line each: resource/role in catalog: grounds.
func holdings(list []access.Holding) []string {
	var out []string
	for _, h := range list {
		out = append(out, fmt.Sprintf("%s/%s in %s: %s", h.Resource.DisplayName, h.Role.DisplayName, h.Catalog.DisplayName, grounds(h.Grounds)))
	}
	return out
}

// roleHolders renders the holders of one role one line each: role: user grounds.
func roleHolders(rh access.RoleHolders) []string {
	var out []string
	for _, h := range rh.Holders {
		out = append(out, fmt.Sprintf("%s: %s %s", rh.Role.DisplayName, h.User.DisplayName, grounds(h.Grounds)))
	}
	return out
}

func grounds(g access.Grounds) string {
	if g.Via != access.ViaAssignment {
		return g.Via + ", " + g.DeliveryState
	}
	by := "Bestow"
	if g.Request.Requestor != nil {
		by = g.Request.Requestor.DisplayName
	}
	return fmt.Sprintf("assignment %s (%s) %s by %s, %s", g.Package.DisplayName, g.Policy.DisplayName, g.Request.RequestType, by, g.DeliveryState)
}

func equal(a, b []string) bool { return fmt.Sprintf("%q", a) == fmt.Sprintf("%q", b) }

// wantDenied fails unless err is Forbidden with a message holding every fragment (ADM-2).
func wantDenied(t *testing.T, err error, fragments ...string) {
	t.Helper()
	wantKind(t, err, access.KindForbidden)
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("denial %q does not say %q", err, f)
		}
	}
}
