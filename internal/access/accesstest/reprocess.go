package accesstest

import (
	"strings"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// runReprocess covers what happens after a delivery went wrong: the errors a request
// shows, reprocessing a request and assignments, and access removed behind Bestow's back.
func runReprocess(t *testing.T, open Opener) {
	// sitePackage is a package of a group's Member role and a site role: the site
	// connector (Flaky) is the one the tests break.
	sitePackage := func(w *World) (access.Package, access.Group, access.Site) {
		g := w.Group("G")
		site := w.Site("Intranet")
		p := w.Package("P", g)
		w.AddRole(p, access.OriginSite, site.ID, site.SiteRoles[0].ID)
		return p, g, site
	}

	t.Run("REQ-6 REQ-7 a request shows its delivery errors and is reprocessed within its window", func(t *testing.T) {
		w := NewWorld(t, open)
		p, g, _ := sitePackage(w)
		w.Policy(p, "Open")
		u, uA := w.User("u")
		w.Flaky.Fail(access.E(access.KindTransient, "site service unavailable"))
		r, err := w.Request(uA, p)
		w.Must(err)
		w.Work()

		// While retries run the request is delivering; reprocess is refused with their end.
		errs, err := w.Svc.RequestDeliveryErrors(w.Ctx, access.SystemActor, r.ID)
		w.Must(err)
		if len(errs) != 1 || errs[0].OriginSystem != access.OriginSite || errs[0].State != access.RoleDelivering ||
			!strings.Contains(errs[0].Message, "site service unavailable") || errs[0].Attempts != 1 || errs[0].NextRetry == nil || errs[0].RetriesEnd == nil {
			t.Fatalf("delivery errors while retrying: %+v", errs)
		}
		err = w.Svc.ReprocessRequest(w.Ctx, access.SystemActor, r.ID)
		wantKind(t, err, access.KindFailedPrecondition)
		if end := errs[0].RetriesEnd.UTC().Format(time.RFC3339); err == nil || !strings.Contains(err.Error(), end) {
			t.Errorf("reprocess while retrying: %v, want the end of the retries %s", err, end)
		}

		// The retries run out: the request is partially delivered (the group is there).
		w.Clock.Advance(access.DefaultRetry.For + time.Minute)
		w.Work()
		if got := w.Req(r.ID); got.State != access.StatePartiallyDelivered || !w.IsMember(g, u) {
			t.Fatalf("after the retries: %s", got.State)
		}
		errs, err = w.Svc.RequestDeliveryErrors(w.Ctx, access.SystemActor, r.ID)
		w.Must(err)
		if len(errs) != 1 || errs[0].State != access.RoleFailed || errs[0].NextRetry != nil {
			t.Fatalf("delivery errors after the retries: %+v", errs)
		}
		// Someone who may not manage the package's assignments cannot reprocess it.
		_, strangerA := w.User("stranger")
		wantKind(t, w.Svc.ReprocessRequest(w.Ctx, strangerA, r.ID), access.KindNotFound)

		// The fault is fixed; a reprocess delivers the rest.
		w.Flaky.Fail(nil)
		w.Must(w.Svc.ReprocessRequest(w.Ctx, access.SystemActor, r.ID))
		if got := w.Req(r.ID); got.State != access.StateDelivering || got.CompletedDateTime != nil {
			t.Fatalf("right after reprocess: %s", got.State)
		}
		w.Work()
		got := w.Req(r.ID)
		if got.State != access.StateDelivered {
			t.Fatalf("after reprocess: %s", got.State)
		}
		var actions []string
		for _, e := range got.History {
			actions = append(actions, e.Action)
		}
		if !strings.Contains(strings.Join(actions, "|"), "Reprocess request|Delivering access package assignment") {
			t.Errorf("history does not record the reprocess: %v", actions)
		}
		if errs, _ := w.Svc.RequestDeliveryErrors(w.Ctx, access.SystemActor, r.ID); len(errs) != 0 {
			t.Errorf("delivered, yet errors: %+v", errs)
		}
		// A delivered request is not reprocessed.
		wantKind(t, w.Svc.ReprocessRequest(w.Ctx, access.SystemActor, r.ID), access.KindFailedPrecondition)
	})

	t.Run("REQ-7 a failed request is reprocessed only within the window", func(t *testing.T) {
		w := NewWorld(t, open)
		p, _, _ := sitePackage(w)
		w.Policy(p, "Open")
		_, uA := w.User("u")
		w.Flaky.Fail(access.E(access.KindInvalid, "site role is locked")) // permanent: fails at once
		r, err := w.Request(uA, p)
		w.Must(err)
		w.Work()
		if got := w.Req(r.ID); got.State != access.StatePartiallyDelivered {
			t.Fatalf("after a permanent failure: %s", got.State)
		}
		// A failed request of another user whose assignment was removed since is not
		// reprocessed: its assignment has ended.
		_, vA := w.User("v")
		ended, err := w.Request(vA, p)
		w.Must(err)
		w.Work()
		w.Remove(w.Req(ended.ID).AssignmentID)
		w.Work()
		err = w.Svc.ReprocessRequest(w.Ctx, access.SystemActor, ended.ID)
		wantKind(t, err, access.KindFailedPrecondition)
		if err == nil || !strings.Contains(err.Error(), "has ended since") {
			t.Errorf("reprocess of a request whose assignment ended: %v", err)
		}
		w.Clock.Advance(access.DefaultReprocessWindow + time.Hour)
		err = w.Svc.ReprocessRequest(w.Ctx, access.SystemActor, r.ID)
		wantKind(t, err, access.KindFailedPrecondition)
		if err == nil || !strings.Contains(err.Error(), "reprocess its assignment instead") {
			t.Errorf("reprocess after the window: %v", err)
		}
		// Its assignment can still be reprocessed (ASG-3).
		w.Flaky.Fail(nil)
		a := w.Req(r.ID).AssignmentID
		w.Must(w.Svc.ReprocessAssignment(w.Ctx, access.SystemActor, a))
		w.Work()
		if got := w.Asg(a); got.State != access.AsgDelivered {
			t.Fatalf("assignment after reprocess: %s", got.State)
		}
	})

	t.Run("ASG-3 ASG-6 access removed by hand shows as drift and a reprocess restores it", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("Sales")
		p := w.Package("Sales", g)
		pol := w.Policy(p, "Direct", DirectOnly)
		ann, _ := w.User("ann")
		bob, _ := w.User("bob")
		ra, rb := w.Assign(ann, p, pol), w.Assign(bob, p, pol)
		w.Work()
		aa, ab := w.Req(ra.ID).AssignmentID, w.Req(rb.ID).AssignmentID

		w.Must(w.Svc.RemoveRelation(w.Ctx, access.SystemActor, g.ID, access.RelMember, ann.ID))
		got := w.Asg(aa)
		if got.State != access.AsgDeliveryFailed {
			t.Fatalf("assignment after its group membership was removed by hand: %s, want %s", got.State, access.AsgDeliveryFailed)
		}
		roles, err := w.Svc.AssignmentRoles(w.Ctx, access.SystemActor, aa)
		w.Must(err)
		if len(roles) != 1 || roles[0].State != access.RoleDrifted || !strings.Contains(roles[0].Entry.DriftNote, "removed as member of group 'Sales'") {
			t.Fatalf("the drifted role: %+v", roles)
		}
		w.Work() // drift is reported, not repaired behind the administrator's back
		if w.IsMember(g, ann) {
			t.Fatal("the worker put the member back by itself")
		}
		if w.Req(ra.ID).State != access.StateDelivered {
			t.Errorf("the request's delivery is history: it stays delivered")
		}
		// A reprocess of the package's assignments (all of them) restores the membership;
		// bob's, which was in place, stays delivered.
		n, err := w.Svc.ReprocessAssignments(w.Ctx, access.SystemActor, p.ID, nil, true)
		w.Must(err)
		if n != 2 {
			t.Errorf("reprocessed %d assignments, want 2", n)
		}
		w.Work()
		if !w.IsMember(g, ann) || !w.IsMember(g, bob) {
			t.Fatal("reprocess did not restore the membership")
		}
		for _, id := range []string{aa, ab} {
			if got := w.Asg(id); got.State != access.AsgDelivered {
				t.Errorf("assignment %s after reprocess: %s", id, got.State)
			}
		}
		roles, _ = w.Svc.AssignmentRoles(w.Ctx, access.SystemActor, aa)
		if len(roles) != 1 || roles[0].Entry.PreExisting || roles[0].Entry.Drifted != nil {
			t.Errorf("after reprocess the role is %+v: re-granting must not make it pre-existing", roles[0].Entry)
		}
		// When the assignment ends the membership is revoked (it is not pre-existing).
		w.Remove(aa)
		w.Work()
		if w.IsMember(g, ann) {
			t.Error("the membership outlived the assignment after a reprocess")
		}
		// Removed by hand, then put back by hand: when the assignment ends the role goes.
		w.Must(w.Svc.RemoveRelation(w.Ctx, access.SystemActor, g.ID, access.RelMember, bob.ID))
		w.Must(w.Svc.AddRelation(w.Ctx, access.SystemActor, g.ID, access.RelMember, bob.ID))
		w.Remove(ab)
		w.Work()
		if w.IsMember(g, bob) {
			t.Error("a membership that drifted and was put back by hand outlived its assignment")
		}
		// Reprocessing names only the package's own assignments.
		other := w.Package("Other", w.Group("Other"))
		_, err = w.Svc.ReprocessAssignments(w.Ctx, access.SystemActor, other.ID, []string{aa}, false)
		wantKind(t, err, access.KindNotFound)
	})

	t.Run("TRB-2 explain delivery says every role's state and what to do", func(t *testing.T) {
		w := NewWorld(t, open)
		p, _, _ := sitePackage(w)
		w.Policy(p, "Open")
		_, uA := w.User("u")
		w.Flaky.Fail(access.E(access.KindTransient, "site service unavailable"))
		r, err := w.Request(uA, p)
		w.Must(err)
		w.Work()
		actions := func() (access.DeliveryExplanation, string) {
			ex, err := w.Svc.ExplainDelivery(w.Ctx, access.SystemActor, r.ID, "")
			w.Must(err)
			return ex, strings.Join(ex.Actions, " | ")
		}
		ex, got := actions()
		if len(ex.Roles) != 2 || !strings.Contains(got, "Wait: ") || !strings.Contains(got, "retried automatically until") {
			t.Errorf("while retrying: %+v", ex)
		}
		w.Clock.Advance(access.DefaultRetry.For + time.Minute)
		w.Work()
		ex, got = actions()
		if ex.State != access.AsgPartiallyDelivered || !strings.Contains(got, "Fix the target") || !strings.Contains(got, "reprocess the request") {
			t.Errorf("after the retries: %s: %s", ex.State, got)
		}
		byAsg, err := w.Svc.ExplainDelivery(w.Ctx, access.SystemActor, "", ex.AssignmentID)
		w.Must(err)
		if byAsg.RequestID != "" || len(byAsg.Roles) != 2 || byAsg.String() == "" {
			t.Errorf("explained by assignment: %+v", byAsg)
		}
		_, strangerA := w.User("stranger")
		_, err = w.Svc.ExplainDelivery(w.Ctx, strangerA, r.ID, "")
		wantKind(t, err, access.KindNotFound)
		w.Flaky.Fail(nil)
		w.Must(w.Svc.ReprocessRequest(w.Ctx, access.SystemActor, r.ID))
		w.Work()
		if _, got = actions(); got != "Nothing to do: every role is in place." {
			t.Errorf("once delivered: %s", got)
		}
	})

	t.Run("REQ-4 only requests that are over, with no active assignment, are deleted", func(t *testing.T) {
		w := NewWorld(t, open)
		p := w.Package("P", w.Group("G"))
		approver, _ := w.User("approver")
		w.Policy(p, "Approved", Approval([]string{approver.ID}))
		direct := w.Policy(p, "Direct", DirectOnly)
		_, uA := w.User("u")
		pending, err := w.Request(uA, p)
		w.Must(err)
		wantKind(t, w.Svc.DeleteRequest(w.Ctx, access.SystemActor, pending.ID), access.KindFailedPrecondition)
		_, err = w.Svc.CancelRequest(w.Ctx, uA, pending.ID)
		w.Must(err)
		wantKind(t, w.Svc.DeleteRequest(w.Ctx, uA, pending.ID), access.KindForbidden) // the requestor may cancel, not delete
		w.Must(w.Svc.DeleteRequest(w.Ctx, access.SystemActor, pending.ID))
		_, err = w.Svc.GetRequest(w.Ctx, access.SystemActor, pending.ID)
		wantKind(t, err, access.KindNotFound)

		v, _ := w.User("v")
		added := w.Assign(v, p, direct)
		w.Work()
		err = w.Svc.DeleteRequest(w.Ctx, access.SystemActor, added.ID)
		wantKind(t, err, access.KindFailedPrecondition)
		if err == nil || !strings.Contains(err.Error(), "still active") {
			t.Errorf("deleting the request of an active assignment: %v", err)
		}
		w.Remove(w.Req(added.ID).AssignmentID)
		w.Work()
		w.Must(w.Svc.DeleteRequest(w.Ctx, access.SystemActor, added.ID))
	})
}
