package accesstest

import (
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// runOverview covers what the console's Overview gathers (Service.Attention).
func runOverview(t *testing.T, open Opener) {
	t.Run("attention: overdue approvals, failed and partial deliveries, drift, assignments ending soon, failed mail, the days", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("Sales team")
		site := w.Site("Intranet")
		approver, _ := w.User("approver")
		p := w.Package("Sales", g)
		w.Policy(p, "With approval", Approval([]string{approver.ID}))
		ten := access.Duration(10 * 24 * time.Hour)
		direct := w.Policy(p, "Direct", DirectOnly, func(pol *access.Policy) {
			pol.Expiration = access.Expiration{Type: access.ExpireAfterDuration, Duration: &ten}
		})
		withSite := w.Package("Sales and intranet", g)
		w.AddRole(withSite, access.OriginSite, site.ID, site.SiteRoles[0].ID)
		siteDirect := w.Policy(withSite, "Direct", DirectOnly)

		_, annA := w.User("ann")
		_, err := w.Request(annA, p)
		w.Must(err)
		bob, _ := w.User("bob")
		w.Assign(bob, p, direct) // ends in 10 days
		carl, _ := w.User("carl")
		w.Flaky.Fail(access.E(access.KindInvalid, "site role is locked"))
		w.Assign(carl, withSite, siteDirect) // the group is delivered, the site role fails
		w.Work()

		at, err := w.Svc.Attention(w.Ctx, access.SystemActor)
		w.Must(err)
		if len(at.ApprovalsOverdue) != 0 || at.PartialRequests != 1 || at.FailedRequests != 0 || at.DriftedAssignments != 1 || at.EndingSoon != 1 {
			t.Fatalf("at the start: overdue %d, partial %d, failed %d, drifted %d, ending %d", len(at.ApprovalsOverdue),
				at.PartialRequests, at.FailedRequests, at.DriftedAssignments, at.EndingSoon)
		}
		if len(at.Days) != access.AttentionDays {
			t.Fatalf("%d days", len(at.Days))
		}
		today := at.Days[len(at.Days)-1]
		if today.Requests != 3 || today.Delivered != 1 || today.Failed != 1 || !today.Day.Equal(w.Clock.Now().UTC().Truncate(24*time.Hour)) {
			t.Errorf("today: %+v", today)
		}
		if at.FailedMessages == nil {
			t.Error("a tenant administrator is not told about failed mail")
		}

		// Past half of its 14 days, ann's request is overdue; bob's assignment still ends
		// within 14 days, and the chart has moved on.
		w.Clock.Advance(8 * 24 * time.Hour)
		at, err = w.Svc.Attention(w.Ctx, access.SystemActor)
		w.Must(err)
		if len(at.ApprovalsOverdue) != 1 || at.EndingSoon != 1 || at.Days[len(at.Days)-9].Requests != 3 {
			t.Errorf("eight days later: overdue %d, ending %d, days %+v", len(at.ApprovalsOverdue), at.EndingSoon, at.Days[len(at.Days)-9])
		}

		// Someone who reads assignments of another catalog only sees none of this; someone
		// who reads them nowhere is refused.
		other, err := w.Svc.CreateCatalog(w.Ctx, access.SystemActor, access.Catalog{DisplayName: "Other", State: access.CatalogPublished})
		w.Must(err)
		mgr, _ := w.User("mgr")
		_, err = w.Svc.CreateRoleAssignment(w.Ctx, access.SystemActor, access.RoleAssignment{PrincipalID: mgr.ID,
			RoleDefinitionID: access.RoleAssignmentManager, AppScopeID: access.CatalogScope(other.ID)})
		w.Must(err)
		at, err = w.Svc.Attention(w.Ctx, w.Actor(mgr.ID))
		w.Must(err)
		if len(at.ApprovalsOverdue)+at.PartialRequests+at.DriftedAssignments+at.EndingSoon+at.Days[len(at.Days)-9].Requests != 0 || at.FailedMessages != nil {
			t.Errorf("an assignment manager of another catalog sees: %+v", at)
		}
		if _, err := w.Svc.Attention(w.Ctx, annA); !access.IsKind(err, access.KindForbidden) {
			t.Errorf("a requestor reads the overview: %v", err)
		}
	})
}
