package accesstest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/directory"
	"github.com/bestowhq/bestow/internal/delivery"
)

// runLifecycle checks requests, approvals, assignments and delivery through the service
// on a real store, with the built-in directory connector.
func runLifecycle(t *testing.T, open Opener) {
	t.Run("REQ-1 REQ-4 REQ-10 POL-3 POL-11 two-stage approval delivers group membership", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("Sales")
		p := w.Package("Sales access", g)
		ann, annA := w.User("ann")
		bob, bobA := w.User("bob")
		cid, cidA := w.User("cid")
		w.Policy(p, "Two stages", Approval([]string{ann.ID, bob.ID}, []string{cid.ID}))
		// ann is an approver and requests herself: she never approves or sees her own request.
		req, err := w.Request(annA, p)
		w.Must(err)
		if req.State != access.StatePendingApproval || req.Status != access.StatusPending || len(req.Stages) != 2 {
			t.Fatalf("after submit: %s/%s stages=%d", req.State, req.Status, len(req.Stages))
		}
		if got := req.Stages[0].Approvers; len(got) != 1 || got[0] != bob.ID {
			t.Fatalf("stage 1 approvers = %v, want only bob (the requestor is left out)", got)
		}
		mine, err := w.Svc.MyApprovals(w.Ctx, annA)
		w.Must(err)
		if len(mine) != 0 {
			t.Fatalf("the requestor sees her own request among approvals: %d", len(mine))
		}
		if _, err := w.Svc.GetApproval(w.Ctx, annA, req.ID); !access.IsKind(err, access.KindNotFound) {
			t.Fatalf("requestor reading her own approval: %v, want NotFound", err)
		}
		_, err = w.Svc.Decide(w.Ctx, annA, req.ID, req.Stages[0].ID, access.Decision{Approve: true})
		wantKind(t, err, access.KindNotFound)
		list, err := w.Svc.MyApprovals(w.Ctx, bobA)
		w.Must(err)
		if len(list) != 1 || list[0].ID != req.ID {
			t.Fatalf("bob's approvals: %d", len(list))
		}
		r, err := w.Svc.Decide(w.Ctx, bobA, req.ID, req.Stages[0].ID, access.Decision{Approve: true, Justification: "ok"})
		w.Must(err)
		if r.State != access.StatePendingApproval || r.Stages[0].ReviewResult != access.ReviewApproved || r.Stages[1].Status != access.StageInProgress {
			t.Fatalf("after stage 1: %s, stages %+v", r.State, r.Stages)
		}
		if list, _ := w.Svc.MyApprovals(w.Ctx, cidA); len(list) != 1 {
			t.Fatalf("cid should now see the request")
		}
		_, err = w.Svc.Decide(w.Ctx, bobA, req.ID, req.Stages[1].ID, access.Decision{Approve: true})
		wantKind(t, err, access.KindForbidden)
		r, err = w.Svc.Decide(w.Ctx, cidA, req.ID, req.Stages[1].ID, access.Decision{Approve: true})
		w.Must(err)
		if r.State != access.StateDelivering || r.AssignmentID == "" {
			t.Fatalf("after the last stage: %s", r.State)
		}
		if w.IsMember(g, ann) {
			t.Fatal("membership before delivery ran")
		}
		w.Work()
		if !w.IsMember(g, ann) {
			t.Fatal("ann is not a member of the package's group after delivery")
		}
		r = w.Req(req.ID)
		if r.State != access.StateDelivered || r.Status != access.StatusFulfilled || r.CompletedDateTime == nil {
			t.Fatalf("request after delivery: %s/%s", r.State, r.Status)
		}
		a := w.Asg(r.AssignmentID)
		if a.State != access.AsgDelivered || a.TargetID != ann.ID {
			t.Fatalf("assignment: %+v", a)
		}
		// Each approver keeps their past decisions, the latest first; the requestor has none.
		w.Clock.Advance(time.Hour)
		dee, deeA := w.User("dee")
		second, err := w.Request(deeA, p)
		w.Must(err)
		_, err = w.Svc.Decide(w.Ctx, bobA, second.ID, second.Stages[0].ID, access.Decision{Approve: false, Justification: "not now"})
		w.Must(err)
		decided := func(who access.Actor) string {
			list, err := w.Svc.MyDecisions(w.Ctx, who)
			w.Must(err)
			var out []string
			for _, r := range list {
				out = append(out, r.TargetID+":"+r.DecidedBy(who.UserID).ReviewResult)
			}
			return strings.Join(out, " ")
		}
		for _, c := range []struct {
			who  access.Actor
			want string
		}{{bobA, dee.ID + ":Denied " + ann.ID + ":Approved"}, {cidA, ann.ID + ":Approved"}, {annA, ""}} {
			if got := decided(c.who); got != c.want {
				t.Errorf("past decisions of %s = %q, want %q", c.who.UserID, got, c.want)
			}
		}
		var actions []string
		for _, e := range r.History {
			actions = append(actions, e.Action)
		}
		for _, want := range []string{"User requests", "Create request approval", "Approve", "Ready to fulfill", "Fulfill"} {
			if !strings.Contains(strings.Join(actions, "|"), want) {
				t.Errorf("history lacks %q: %v", want, actions)
			}
		}
		if r.History[2].ActorID != bob.ID || r.History[2].Justification != "ok" {
			t.Errorf("history does not record who approved with what justification: %+v", r.History[2])
		}
	})

	t.Run("POL-3 the first decision in a stage wins; a concurrent second gets Conflict", func(t *testing.T) {
		w := NewWorld(t, open)
		p := w.Package("P", w.Group("G"))
		_, reqA := w.User("req")
		a1, a1A := w.User("a1")
		a2, a2A := w.User("a2")
		w.Policy(p, "One stage", Approval([]string{a1.ID, a2.ID}))
		req, err := w.Request(reqA, p)
		w.Must(err)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, who := range []access.Actor{a1A, a2A} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = w.Svc.Decide(w.Ctx, who, req.ID, req.Stages[0].ID, access.Decision{Approve: i == 0})
			}()
		}
		wg.Wait()
		ok, conflicts := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case access.IsKind(err, access.KindConflict):
				conflicts++
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 || conflicts != 1 {
			t.Fatalf("ok=%d conflicts=%d, want one each", ok, conflicts)
		}
		if r := w.Req(req.ID); r.State != access.StateDelivering && r.State != access.StateDenied {
			t.Fatalf("state %s", r.State)
		}
	})

	t.Run("POL-3 a denial ends the request; POL-3 approver justification when required", func(t *testing.T) {
		w := NewWorld(t, open)
		p := w.Package("P", w.Group("G"))
		_, reqA := w.User("req")
		a1, a1A := w.User("a1")
		w.Policy(p, "Strict", Approval([]string{a1.ID}, []string{a1.ID}), func(p *access.Policy) {
			p.RequestApprovalSettings.Stages[0].IsApproverJustificationRequired = true
		})
		req, err := w.Request(reqA, p)
		w.Must(err)
		_, err = w.Svc.Decide(w.Ctx, a1A, req.ID, req.Stages[0].ID, access.Decision{Approve: false})
		wantKind(t, err, access.KindInvalid)
		r, err := w.Svc.Decide(w.Ctx, a1A, req.ID, req.Stages[0].ID, access.Decision{Approve: false, Justification: "not needed"})
		w.Must(err)
		if r.State != access.StateDenied || r.Stages[1].Status == access.StageInProgress || r.CompletedDateTime == nil {
			t.Fatalf("after deny: %s %+v", r.State, r.Stages)
		}
	})

	t.Run("POL-4 no decision before the stage timeout: canceled with status Expired", func(t *testing.T) {
		w := NewWorld(t, open)
		p := w.Package("P", w.Group("G"))
		_, reqA := w.User("req")
		a1, a1A := w.User("a1")
		w.Policy(p, "Slow", Approval([]string{a1.ID}), func(p *access.Policy) {
			p.RequestApprovalSettings.Stages[0].DurationBeforeAutomaticDenial = access.Duration(48 * time.Hour)
		})
		req, err := w.Request(reqA, p)
		w.Must(err)
		w.Clock.Advance(47 * time.Hour)
		w.Work()
		if r := w.Req(req.ID); r.State != access.StatePendingApproval {
			t.Fatalf("before the timeout: %s", r.State)
		}
		w.Clock.Advance(2 * time.Hour)
		w.Work()
		r := w.Req(req.ID)
		if r.State != access.StateCanceled || r.Status != access.StatusExpired || r.Stages[0].Status != access.StageExpired {
			t.Fatalf("after the timeout: %s/%s %s", r.State, r.Status, r.Stages[0].Status)
		}
		if !strings.Contains(r.History[len(r.History)-1].Detail, "request the access package again") {
			t.Errorf("the requestor is not told to request again: %+v", r.History[len(r.History)-1])
		}
		_, err = w.Svc.Decide(w.Ctx, a1A, req.ID, req.Stages[0].ID, access.Decision{Approve: true})
		wantKind(t, err, access.KindConflict)
	})

	t.Run("POL-3 escalation adds the alternate approvers; primaries can still act", func(t *testing.T) {
		w := NewWorld(t, open)
		p := w.Package("P", w.Group("G"))
		_, reqA := w.User("req")
		a1, _ := w.User("a1")
		alt, altA := w.User("alt")
		w.Policy(p, "Escalating", Approval([]string{a1.ID}), func(p *access.Policy) {
			st := &p.RequestApprovalSettings.Stages[0]
			st.IsEscalationEnabled, st.DurationBeforeEscalation = true, access.Duration(24*time.Hour)
			st.EscalationApprovers = []access.SubjectSet{{Type: "#microsoft.graph.singleUser", UserID: alt.ID}}
		})
		req, err := w.Request(reqA, p)
		w.Must(err)
		if list, _ := w.Svc.MyApprovals(w.Ctx, altA); len(list) != 0 {
			t.Fatal("the alternate sees the request before escalation")
		}
		w.Clock.Advance(25 * time.Hour)
		w.Work()
		r := w.Req(req.ID)
		if r.Status != access.StatusEscalated || len(r.Stages[0].Approvers) != 2 {
			t.Fatalf("after escalation: %s approvers=%v", r.Status, r.Stages[0].Approvers)
		}
		if _, err := w.Svc.Decide(w.Ctx, altA, req.ID, req.Stages[0].ID, access.Decision{Approve: true}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ASG-2 a role granted by two packages stays until both assignments end", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("Shared")
		p1, p2 := w.Package("One", g), w.Package("Two", g)
		w.Policy(p1, "Open")
		w.Policy(p2, "Open")
		u, uA := w.User("u")
		r1, err := w.Request(uA, p1)
		w.Must(err)
		r2, err := w.Request(uA, p2)
		w.Must(err)
		w.Work()
		if !w.IsMember(g, u) {
			t.Fatal("not a member after two assignments")
		}
		if s := w.Req(r2.ID).State; s != access.StateDelivered {
			t.Fatalf("second request: %s", s)
		}
		rm := w.Remove(w.Req(r1.ID).AssignmentID)
		w.Work()
		if !w.IsMember(g, u) {
			t.Fatal("membership removed although the other package still grants it")
		}
		if got := w.Req(rm.ID); got.State != access.StateDelivered || got.RequestType != access.ReqAdminRemove {
			t.Fatalf("removal request: %s", got.State)
		}
		if a := w.Asg(w.Req(r1.ID).AssignmentID); a.State != access.AsgExpired || a.ExpiredDateTime == nil {
			t.Fatalf("removed assignment: %s", a.State)
		}
		w.Remove(w.Req(r2.ID).AssignmentID)
		w.Work()
		if w.IsMember(g, u) {
			t.Fatal("still a member after the last assignment ended")
		}
	})

	t.Run("RES-7 a member before Bestow keeps the membership when the assignment ends", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("Old")
		u, uA := w.User("u")
		w.Must(w.Svc.AddRelation(w.Ctx, access.SystemActor, g.ID, access.RelMember, u.ID))
		p := w.Package("P", g)
		w.Policy(p, "Open")
		r, err := w.Request(uA, p)
		w.Must(err)
		w.Work()
		if w.Req(r.ID).State != access.StateDelivered {
			t.Fatal("not delivered")
		}
		w.Remove(w.Req(r.ID).AssignmentID)
		w.Work()
		if !w.IsMember(g, u) {
			t.Fatal("a pre-existing membership was removed")
		}
	})

	t.Run("AP-3 AP-4 a package or policy with an active assignment cannot be deleted", func(t *testing.T) {
		w := NewWorld(t, open)
		p := w.Package("Held", w.Group("G"))
		pol := w.Policy(p, "Open")
		u, uA := w.User("u")
		r, err := w.Request(uA, p)
		w.Must(err)
		w.Work()
		err = w.Svc.DeletePackage(w.Ctx, access.SystemActor, p.ID)
		wantKind(t, err, access.KindFailedPrecondition)
		if !strings.Contains(err.Error(), "u@contoso.com") || !strings.Contains(err.Error(), "adminRemove") {
			t.Fatalf("the error does not list the assignment and the fix: %v", err)
		}
		wantKind(t, w.Svc.DeletePolicy(w.Ctx, access.SystemActor, pol.ID), access.KindFailedPrecondition)
		// ASG-4: a soft-deleted user's assignment still blocks, and the error says so.
		w.Must(w.Svc.DeleteUser(w.Ctx, access.SystemActor, u.ID))
		err = w.Svc.DeletePackage(w.Ctx, access.SystemActor, p.ID)
		if !access.IsKind(err, access.KindFailedPrecondition) || !strings.Contains(err.Error(), "deleted user") {
			t.Fatalf("with a deleted user: %v", err)
		}
		w.Remove(w.Req(r.ID).AssignmentID)
		w.Work()
		w.Must(w.Svc.DeletePackage(w.Ctx, access.SystemActor, p.ID))
	})

	t.Run("REQ-5 a pending request can be canceled, a delivered one cannot", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("G")
		p := w.Package("P", g)
		a1, _ := w.User("a1")
		w.Policy(p, "Approved", Approval([]string{a1.ID}))
		_, otherA := w.User("other")
		u, uA := w.User("u")
		req, err := w.Request(uA, p)
		w.Must(err)
		_, err = w.Svc.CancelRequest(w.Ctx, otherA, req.ID)
		wantKind(t, err, access.KindNotFound)
		r, err := w.Svc.CancelRequest(w.Ctx, uA, req.ID)
		w.Must(err)
		if r.State != access.StateCanceled || r.Status != access.StatusCanceled {
			t.Fatalf("after cancel: %s/%s", r.State, r.Status)
		}
		_, err = w.Svc.CancelRequest(w.Ctx, uA, req.ID)
		wantKind(t, err, access.KindFailedPrecondition)
		p2 := w.Package("Open", g)
		w.Policy(p2, "Open")
		r2, err := w.Request(uA, p2)
		w.Must(err)
		w.Work()
		_, err = w.Svc.CancelRequest(w.Ctx, uA, r2.ID)
		wantKind(t, err, access.KindFailedPrecondition)
		if !w.IsMember(g, u) {
			t.Fatal("not delivered")
		}
	})

	t.Run("REQ-2 POL-8 POL-10 POL-12 refusals name the failed check", func(t *testing.T) {
		w := NewWorld(t, open)
		g, bad := w.Group("G"), w.Group("Bad")
		p := w.Package("P", g)
		w.Policy(p, "Everyone")
		_, blockedA := w.User("blocked", func(u *access.User) { u.AccountEnabled = false })
		_, err := w.Request(blockedA, p)
		if !access.IsKind(err, access.KindInvalid) || !strings.Contains(err.Error(), "blocked from signing in") || !strings.Contains(err.Error(), "accountEnabled") {
			t.Fatalf("REQ-2: %v", err)
		}
		u, uA := w.User("u")
		// POL-10: two policies of the same rank: the requestor must choose.
		w.Policy(p, "Everyone too")
		_, err = w.Request(uA, p)
		if !access.IsKind(err, access.KindInvalid) || !strings.Contains(err.Error(), "Everyone too") {
			t.Fatalf("POL-10 choice: %v", err)
		}
		// POL-8: a disabled policy takes no requests.
		off := w.Package("Off", g)
		w.Policy(off, "Disabled", func(p *access.Policy) { f := false; p.RequestorSettings.AcceptRequests = &f })
		_, err = w.Request(uA, off)
		if !access.IsKind(err, access.KindInvalid) || !strings.Contains(err.Error(), "disabled") {
			t.Fatalf("POL-8: %v", err)
		}
		// POL-12: incompatible group and package.
		sod := w.Package("SoD", g)
		w.Policy(sod, "Open")
		w.Must(w.Svc.ChangeIncompatible(w.Ctx, access.SystemActor, sod.ID, access.IncompatibleGroup, bad.ID, true))
		w.Must(w.Svc.AddRelation(w.Ctx, access.SystemActor, bad.ID, access.RelMember, u.ID))
		_, err = w.Request(uA, sod)
		if !access.IsKind(err, access.KindInvalid) || !strings.Contains(err.Error(), "'Bad'") {
			t.Fatalf("POL-12 group: %v", err)
		}
		other := w.Package("Other", g)
		otherPol := w.Policy(other, "Open")
		w.Must(w.Svc.ChangeIncompatible(w.Ctx, access.SystemActor, other.ID, access.IncompatiblePackage, sod.ID, true))
		v, vA := w.User("v")
		w.Assign(v, sod, w.Policy(sod, "Direct", DirectOnly))
		_, err = w.Request(vA, other)
		if !access.IsKind(err, access.KindInvalid) || !strings.Contains(err.Error(), "'SoD'") {
			t.Fatalf("POL-12 package: %v", err)
		}
		_, err = w.Svc.SubmitRequest(w.Ctx, access.SystemActor, access.RequestInput{RequestType: access.ReqAdminAdd, PackageID: other.ID, PolicyID: otherPol.ID, TargetID: v.ID})
		wantKind(t, err, access.KindInvalid) // direct assignments are refused too
		// An existing assignment is a Conflict.
		_, err = w.Svc.SubmitRequest(w.Ctx, access.SystemActor, access.RequestInput{RequestType: access.ReqAdminAdd, PackageID: sod.ID, PolicyID: otherPol.ID, TargetID: v.ID})
		wantKind(t, err, access.KindInvalid) // the policy is not the package's
	})

	t.Run("REQ-9 POL-6 direct assignment ends after the policy's duration with a systemRemove request", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("G")
		p := w.Package("P", g)
		pol := w.Policy(p, "Thirty days", func(p *access.Policy) {
			DirectOnly(p)
			d := access.Duration(30 * 24 * time.Hour)
			p.Expiration = access.Expiration{Type: access.ExpireAfterDuration, Duration: &d}
		})
		u, _ := w.User("u")
		r := w.Assign(u, p, pol)
		w.Work()
		a := w.Asg(w.Req(r.ID).AssignmentID)
		if a.End == nil || !a.End.Equal(w.Clock.Now().Add(30*24*time.Hour)) || a.State != access.AsgDelivered {
			t.Fatalf("assignment: end %v state %s", a.End, a.State)
		}
		_, err := w.Svc.SubmitRequest(w.Ctx, access.SystemActor, access.RequestInput{RequestType: access.ReqAdminAdd, PackageID: p.ID, PolicyID: pol.ID, TargetID: u.ID})
		wantKind(t, err, access.KindConflict)
		w.Clock.Advance(16 * 24 * time.Hour)
		w.Work()
		if a := w.Asg(a.ID); a.Status != "NearExpiry14DaysNotificationTriggered" {
			t.Fatalf("POL-7 14-day reminder: status %s", a.Status)
		}
		w.Clock.Advance(13 * 24 * time.Hour)
		w.Work()
		if a := w.Asg(a.ID); a.Status != "NearExpiry1DayNotificationTriggered" || !w.IsMember(g, u) {
			t.Fatalf("POL-7 1-day reminder: status %s", a.Status)
		}
		w.Clock.Advance(24 * time.Hour)
		w.Work()
		if a := w.Asg(a.ID); a.State != access.AsgExpired {
			t.Fatalf("after the end: %s", a.State)
		}
		if w.IsMember(g, u) {
			t.Fatal("still a member after expiry")
		}
		reqs, err := w.Svc.ListRequests(w.Ctx, access.SystemActor, "")
		w.Must(err)
		found := false
		for _, r := range reqs {
			found = found || r.RequestType == access.ReqSystemRemove && r.AssignmentID == a.ID && r.State == access.StateDelivered
		}
		if !found {
			t.Fatal("no delivered systemRemove request records the expiry")
		}
	})

	t.Run("POL-7 extension: allowed while in scope, moves the end, needs approval when set", func(t *testing.T) {
		w := NewWorld(t, open)
		g, team := w.Group("G"), w.Group("Team")
		p := w.Package("P", g)
		a1, a1A := w.User("a1")
		d := access.Duration(10 * 24 * time.Hour)
		w.Policy(p, "Team", func(p *access.Policy) {
			p.AllowedTargetScope = access.ScopeSpecificDirectoryUsers
			p.SpecificAllowedTargets = []access.SubjectSet{{Type: "#microsoft.graph.groupMembers", GroupID: team.ID}}
			p.Expiration = access.Expiration{Type: access.ExpireAfterDuration, Duration: &d}
			Approval([]string{a1.ID})(p)
			p.RequestApprovalSettings.IsApprovalRequiredForAdd = false
		})
		u, uA := w.User("u")
		w.Must(w.Svc.AddRelation(w.Ctx, access.SystemActor, team.ID, access.RelMember, u.ID))
		uA = w.Actor(u.ID)
		r, err := w.Request(uA, p)
		w.Must(err)
		w.Work()
		asg := w.Asg(w.Req(r.ID).AssignmentID)
		w.Clock.Advance(5 * 24 * time.Hour)
		ext, err := w.Svc.SubmitRequest(w.Ctx, uA, access.RequestInput{RequestType: "userExtend", AssignmentID: asg.ID})
		w.Must(err)
		if ext.RequestType != access.ReqUserUpdate || ext.State != access.StatePendingApproval {
			t.Fatalf("extension: %s %s", ext.RequestType, ext.State)
		}
		_, err = w.Svc.Decide(w.Ctx, a1A, ext.ID, ext.Stages[0].ID, access.Decision{Approve: true})
		w.Must(err)
		w.Work()
		got := w.Asg(asg.ID)
		if !got.IsExtended || !got.End.Equal(w.Clock.Now().Add(10*24*time.Hour)) {
			t.Fatalf("after extension: extended=%v end=%v", got.IsExtended, got.End)
		}
		w.Must(w.Svc.RemoveRelation(w.Ctx, access.SystemActor, team.ID, access.RelMember, u.ID))
		_, err = w.Svc.SubmitRequest(w.Ctx, w.Actor(u.ID), access.RequestInput{RequestType: access.ReqUserUpdate, AssignmentID: asg.ID})
		if !access.IsKind(err, access.KindInvalid) || !strings.Contains(err.Error(), "no longer in the scope") {
			t.Fatalf("out of scope extension: %v", err)
		}
	})

	t.Run("RES-6 a role added to a package reaches every assignee; removed, it is revoked", func(t *testing.T) {
		w := NewWorld(t, open)
		g1, g2 := w.Group("G1"), w.Group("G2")
		p := w.Package("P", g1)
		pol := w.Policy(p, "Direct", DirectOnly)
		u, _ := w.User("u")
		r := w.Assign(u, p, pol)
		w.Work()
		rs := w.AddRole(p, access.OriginGroup, g2.ID, access.GroupRole(g2.ID, access.RelMember))
		a := w.Asg(w.Req(r.ID).AssignmentID)
		if a.State != access.AsgDelivering {
			t.Fatalf("after adding a role: %s", a.State)
		}
		w.Work()
		if !w.IsMember(g2, u) || w.Asg(a.ID).State != access.AsgDelivered {
			t.Fatal("the new role was not delivered to the assignee")
		}
		w.Must(w.Svc.RemoveRoleScope(w.Ctx, access.SystemActor, p.ID, rs.ID))
		w.Work()
		if w.IsMember(g2, u) || !w.IsMember(g1, u) {
			t.Fatal("removing the role did not revoke exactly that role")
		}
	})

	t.Run("REQ-8 ASG-5 failed deliveries are retried, a permanent failure is partial, then repaired", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("G")
		site := w.Site("Intranet")
		p := w.Package("P", g)
		w.AddRole(p, access.OriginSite, site.ID, site.SiteRoles[0].ID)
		w.Policy(p, "Open")
		u, uA := w.User("u")
		w.Flaky.Fail(access.E(access.KindTransient, "site service unavailable"))
		r, err := w.Request(uA, p)
		w.Must(err)
		w.Work()
		a := w.Asg(w.Req(r.ID).AssignmentID)
		if a.State != access.AsgDelivering || !w.IsMember(g, u) {
			t.Fatalf("while retrying: %s", a.State)
		}
		roles, err := w.Svc.AssignmentRoles(w.Ctx, access.SystemActor, a.ID)
		w.Must(err)
		var siteRole access.RoleState
		for _, rs := range roles {
			if rs.Entry.OriginSystem == access.OriginSite {
				siteRole = rs
			}
		}
		if siteRole.Entry.LastError == "" || siteRole.Entry.Due == nil || siteRole.Entry.Attempts != 1 {
			t.Fatalf("the failed role does not show its error and next retry: %+v", siteRole.Entry)
		}
		calls := w.Flaky.Calls
		w.Clock.Advance(31 * time.Second)
		w.Work()
		if w.Flaky.Calls != calls+1 {
			t.Fatalf("no retry after the backoff: %d calls", w.Flaky.Calls-calls)
		}
		w.Flaky.Fail(nil) // the fault is fixed: delivery completes without anyone acting
		w.Clock.Advance(2 * time.Minute)
		w.Work()
		if got := w.Req(r.ID); got.State != access.StateDelivered {
			t.Fatalf("after the fix: %s", got.State)
		}
		// A permanent failure stops at once: the request is partially delivered.
		p2 := w.Package("P2", g)
		w.AddRole(p2, access.OriginSite, site.ID, site.SiteRoles[1].ID)
		w.Policy(p2, "Open")
		w.Flaky.Fail(access.E(access.KindInvalid, "site role is locked"))
		r2, err := w.Request(uA, p2)
		w.Must(err)
		w.Work()
		if got := w.Req(r2.ID); got.State != access.StatePartiallyDelivered {
			t.Fatalf("permanent failure: %s", got.State)
		}
		if got := w.Asg(w.Req(r2.ID).AssignmentID); got.State != access.AsgPartiallyDelivered {
			t.Fatalf("assignment with a failed role: %s", got.State)
		}
	})

	t.Run("TRB-1 explain requestability: every check with pass or fail and the fix", func(t *testing.T) {
		w := NewWorld(t, open)
		g, bad := w.Group("G"), w.Group("Bad")
		p := w.Package("Sales access", g)
		team := w.Group("Team")
		w.Policy(p, "Team only", func(p *access.Policy) {
			p.AllowedTargetScope = access.ScopeSpecificDirectoryUsers
			p.SpecificAllowedTargets = []access.SubjectSet{{Type: "#microsoft.graph.groupMembers", GroupID: team.ID}}
		})
		w.Must(w.Svc.ChangeIncompatible(w.Ctx, access.SystemActor, p.ID, access.IncompatibleGroup, bad.ID, true))
		blocked, _ := w.User("blocked", func(u *access.User) { u.AccountEnabled = false })
		w.Must(w.Svc.AddRelation(w.Ctx, access.SystemActor, bad.ID, access.RelMember, blocked.ID))
		ex, err := w.Svc.ExplainRequest(w.Ctx, access.SystemActor, "blocked@contoso.com", "sales ACCESS")
		w.Must(err)
		failed := map[string]access.Check{}
		for _, c := range ex.Checks {
			if !c.Passed {
				failed[c.Name] = c
			}
		}
		if ex.Requestable || len(failed) != 3 {
			t.Fatalf("requestable=%v failed=%v", ex.Requestable, failed)
		}
		for name, frag := range map[string]string{access.CheckSignIn: "accountEnabled", access.CheckPolicy: "'Team only'", access.CheckSoD: "'Bad'"} {
			c, ok := failed[name]
			if !ok || c.Fix == "" || !strings.Contains(c.Detail+c.Fix, frag) {
				t.Errorf("check %s: %+v, want a failure mentioning %s with a fix", name, c, frag)
			}
		}
		// The same user, fixed, passes everything; a self-approving policy is caught.
		w.Must(w.Svc.RemoveRelation(w.Ctx, access.SystemActor, bad.ID, access.RelMember, blocked.ID))
		w.Must(w.Svc.AddRelation(w.Ctx, access.SystemActor, team.ID, access.RelMember, blocked.ID))
		_, err = w.Svc.UpdateUser(w.Ctx, access.SystemActor, blocked.ID, func(u *access.User) error { u.AccountEnabled = true; return nil })
		w.Must(err)
		ex, err = w.Svc.ExplainRequest(w.Ctx, access.SystemActor, blocked.ID, p.ID)
		w.Must(err)
		if !ex.Requestable || len(ex.Policies) != 1 {
			t.Fatalf("after the fixes: %s", ex)
		}
		self := w.Package("Self", g)
		w.Policy(self, "Only me approves", Approval([]string{blocked.ID}))
		ex, err = w.Svc.ExplainRequest(w.Ctx, access.SystemActor, blocked.ID, "Self")
		w.Must(err)
		if ex.Requestable || !strings.Contains(ex.String(), "FAIL  "+access.CheckApprovers) {
			t.Fatalf("self-approval only: %s", ex)
		}
		// Another member may not explain someone else: a package they could not open does not
		// exist for them (p is for Team only), one they could open is forbidden (ADM-2).
		_, otherA := w.User("other")
		_, err = w.Svc.ExplainRequest(w.Ctx, otherA, blocked.ID, p.ID)
		wantKind(t, err, access.KindNotFound)
		_, err = w.Svc.ExplainRequest(w.Ctx, otherA, blocked.ID, self.ID)
		wantKind(t, err, access.KindForbidden)
	})

	t.Run("ASG-4 a deleted user keeps assignments for 30 days, gets them back on restore, loses them after", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("G")
		p := w.Package("P", g)
		pol := w.Policy(p, "Direct", DirectOnly)
		u, _ := w.User("u")
		r := w.Assign(u, p, pol)
		w.Work()
		aid := w.Req(r.ID).AssignmentID
		w.Must(w.Svc.DeleteUser(w.Ctx, access.SystemActor, u.ID))
		w.Clock.Advance(10 * 24 * time.Hour)
		w.Work()
		if a := w.Asg(aid); a.State != access.AsgDelivered || !w.IsMember(g, u) {
			t.Fatalf("a deleted user lost access within the restore window: %s", a.State)
		}
		_, err := w.Svc.RestoreDeletedItem(w.Ctx, access.SystemActor, u.ID)
		w.Must(err)
		if a := w.Asg(aid); a.State != access.AsgDelivered || !w.IsMember(g, u) {
			t.Fatal("restoring the user did not give everything back")
		}
		w.Must(w.Svc.DeleteUser(w.Ctx, access.SystemActor, u.ID))
		w.Clock.Advance(31 * 24 * time.Hour)
		w.Work()
		if a := w.Asg(aid); a.State != access.AsgExpired {
			t.Fatalf("30 days after deletion the assignment is %s", a.State)
		}
		if w.IsMember(g, u) {
			t.Fatal("30 days after deletion the user is still a member")
		}
		_, err = w.Svc.RestoreDeletedItem(w.Ctx, access.SystemActor, u.ID)
		wantKind(t, err, access.KindNotFound)
		w.Must(w.Svc.DeletePackage(w.Ctx, access.SystemActor, p.ID))
	})

	t.Run("ASG-4 a deleted group counts for nothing for 30 days, gives everything back on restore, is purged after", func(t *testing.T) {
		w := NewWorld(t, open)
		team := w.Group("Team") // named by the policies below; not a catalog resource
		p := w.Package("P", w.Group("Target"))
		fallback, _ := w.User("fallback")
		w.Policy(p, "Team only", func(p *access.Policy) {
			p.AllowedTargetScope = access.ScopeSpecificDirectoryUsers
			p.SpecificAllowedTargets = []access.SubjectSet{{Type: "#microsoft.graph.groupMembers", GroupID: team.ID}}
		})
		asked := w.Package("Asked", w.Group("Other"))
		w.Policy(asked, "Team approves", Approval([]string{fallback.ID}), func(p *access.Policy) {
			st := &p.RequestApprovalSettings.Stages[0]
			st.PrimaryApprovers, st.FallbackPrimaryApprovers = []access.SubjectSet{{Type: "#microsoft.graph.groupMembers", GroupID: team.ID}}, st.PrimaryApprovers
		})
		sod := w.Package("SoD", w.Group("Audit"))
		w.Policy(sod, "Open")
		w.Must(w.Svc.ChangeIncompatible(w.Ctx, access.SystemActor, sod.ID, access.IncompatibleGroup, team.ID, true))
		u, uA := w.User("u")
		approver, _ := w.User("approver")
		owner, _ := w.User("owner")
		for _, id := range []string{u.ID, approver.ID} {
			w.Must(w.Svc.AddRelation(w.Ctx, access.SystemActor, team.ID, access.RelMember, id))
		}
		w.Must(w.Svc.AddRelation(w.Ctx, access.SystemActor, team.ID, access.RelOwner, owner.ID))
		// counts reports what membership of team gives now: whether u may request p, and who
		// approves a new requestor's request for asked.
		n := 0
		counts := func() (eligible bool, approvers []string) {
			t.Helper()
			pols, err := w.Svc.ApplicablePolicies(w.Ctx, uA, p.ID)
			w.Must(err)
			n++
			_, vA := w.User(fmt.Sprintf("requestor%d", n))
			r, err := w.Request(vA, asked)
			w.Must(err)
			return len(pols) == 1, r.Stages[0].Approvers
		}
		if ok, apps := counts(); !ok || len(apps) != 2 || !slices.Contains(apps, approver.ID) {
			t.Fatalf("before deletion: eligible %v, approvers %v (want the members of Team)", ok, apps)
		}
		if _, err := w.Request(uA, sod); !access.IsKind(err, access.KindInvalid) || !strings.Contains(err.Error(), "'Team'") {
			t.Fatalf("POL-12 before deletion: %v", err)
		}
		w.Must(w.Svc.DeleteGroup(w.Ctx, access.SystemActor, team.ID))
		if ok, apps := counts(); ok || len(apps) != 1 || apps[0] != fallback.ID {
			t.Fatalf("while deleted: eligible %v, approvers %v (want the fallback)", ok, apps)
		}
		if _, err := w.Request(uA, sod); err != nil {
			t.Fatalf("POL-12 a deleted incompatible group still blocks: %v", err)
		}
		if !w.IsMember(team, u) {
			t.Fatal("deleting the group dropped its members; they are kept for the restore")
		}
		w.Clock.Advance(10 * 24 * time.Hour)
		w.Work()
		d, err := w.Svc.RestoreDeletedItem(w.Ctx, access.SystemActor, team.ID)
		w.Must(err)
		if d.Group == nil || d.Group.DeletedDateTime != nil {
			t.Fatalf("restore answered %+v", d)
		}
		owners, err := w.Svc.Relations(w.Ctx, access.SystemActor, team.ID, access.RelOwner)
		w.Must(err)
		if ok, apps := counts(); !ok || len(apps) != 2 || !slices.Contains(apps, approver.ID) || len(owners) != 1 || owners[0].ID != owner.ID {
			t.Fatalf("after restore: eligible %v, approvers %v, owners %v", ok, apps, owners)
		}
		w.Must(w.Svc.DeleteGroup(w.Ctx, access.SystemActor, team.ID))
		w.Clock.Advance(30*24*time.Hour - time.Minute)
		w.Work()
		if gs, err := w.Svc.ListGroups(w.Ctx, access.SystemActor, true); err != nil || len(gs) != 1 {
			t.Fatalf("within 30 days the sweep purged the group: %v %v", gs, err)
		}
		w.Clock.Advance(2 * time.Minute)
		w.Work()
		if gs, err := w.Svc.ListGroups(w.Ctx, access.SystemActor, true); err != nil || len(gs) != 0 {
			t.Fatalf("30 days after deletion the group is still in deleted items: %v %v", gs, err)
		}
		_, err = w.Svc.RestoreDeletedItem(w.Ctx, access.SystemActor, team.ID)
		wantKind(t, err, access.KindNotFound)
		w.Must(w.Svc.Store().Read(w.Ctx, func(tx access.Tx) error {
			members, _ := tx.Related(w.Ctx, team.ID, access.RelMember)
			of, _ := tx.RelatedTo(w.Ctx, owner.ID, access.RelOwner)
			links, _ := tx.IncompatibleWith(w.Ctx, access.IncompatibleGroup, team.ID)
			if len(members) != 0 || len(of) != 0 || len(links) != 0 {
				t.Errorf("the purge left members %v, ownerships %v, incompatibilities %v", members, of, links)
			}
			return nil
		}))
	})

	t.Run("NOT-1 mail for approvals, decisions, delivery, expiry; failed sends are retried and visible", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("G")
		p := w.Package("Sales", g)
		a1, a1A := w.User("a1")
		d := access.Duration(20 * 24 * time.Hour)
		w.Policy(p, "Approved", Approval([]string{a1.ID}), func(p *access.Policy) {
			p.Expiration = access.Expiration{Type: access.ExpireAfterDuration, Duration: &d}
		})
		_, uA := w.User("u")
		req, err := w.Request(uA, p)
		w.Must(err)
		w.Work()
		if got := w.Mail.Of(access.MailApprovalNeeded); len(got) != 1 || got[0] != "a1@contoso.com" {
			t.Fatalf("approval needed mails: %v", got)
		}
		w.Clock.Advance(8 * 24 * time.Hour) // halfway through the 14-day stage
		w.Work()
		if got := w.Mail.Of(access.MailApprovalReminder); len(got) != 1 || got[0] != "a1@contoso.com" {
			t.Fatalf("approver reminders: %v", got)
		}
		_, err = w.Svc.Decide(w.Ctx, a1A, req.ID, req.Stages[0].ID, access.Decision{Approve: true})
		w.Must(err)
		w.Mail.mu.Lock()
		w.Mail.Err = access.E(access.KindTransient, "421 try again later")
		w.Mail.mu.Unlock()
		w.Work()
		msgs, err := w.Svc.ListMessages(w.Ctx, access.SystemActor, access.MsgPending)
		w.Must(err)
		if len(msgs) != 2 || msgs[0].LastError == "" || msgs[0].Attempts != 1 || msgs[0].Due == nil {
			t.Fatalf("failed sends are not visible with their error and next attempt: %+v", msgs)
		}
		w.Mail.mu.Lock()
		w.Mail.Err = nil
		w.Mail.mu.Unlock()
		w.Clock.Advance(2 * time.Minute)
		w.Work()
		if got := w.Mail.Of(access.MailRequestApproved); len(got) != 1 || got[0] != "u@contoso.com" {
			t.Fatalf("approved mails: %v", got)
		}
		if got := w.Mail.Of(access.MailAccessDelivered); len(got) != 1 {
			t.Fatalf("delivered mails: %v", got)
		}
		// Access started on day 8 (when approved) and lasts 20 days: reminders on days 14
		// and 27, the end on day 28.
		w.Clock.Advance(7 * 24 * time.Hour)
		w.Work()
		w.Clock.Advance(12 * 24 * time.Hour)
		w.Work()
		w.Clock.Advance(24 * time.Hour)
		w.Work()
		if got := w.Mail.Of(access.MailExpiringSoon); len(got) != 2 {
			t.Fatalf("expiry reminders (14 days, 1 day): %v", got)
		}
		if got := w.Mail.Of(access.MailAccessEnded); len(got) != 1 {
			t.Fatalf("access ended mails: %v", got)
		}
		sent, err := w.Svc.ListMessages(w.Ctx, access.SystemActor, access.MsgSent)
		w.Must(err)
		if len(sent) != 7 {
			t.Fatalf("%d messages recorded as sent, want 7", len(sent))
		}
		// Denied and expired requests tell the requestor.
		req2, err := w.Request(uA, w.Package("Other", g))
		if err == nil {
			t.Fatal("a package without a policy took a request")
		}
		_ = req2
		p3 := w.Package("Third", g)
		w.Policy(p3, "Approved", Approval([]string{a1.ID}))
		r3, err := w.Request(uA, p3)
		w.Must(err)
		_, err = w.Svc.Decide(w.Ctx, a1A, r3.ID, r3.Stages[0].ID, access.Decision{Approve: false, Justification: "no"})
		w.Must(err)
		w.Work()
		if got := w.Mail.Of(access.MailRequestDenied); len(got) != 1 || got[0] != "u@contoso.com" {
			t.Fatalf("denied mails: %v", got)
		}
	})

	t.Run("REQ-3 EXT-1 a guest requests through their connected organization; one from an unknown domain is told why", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("G")
		p := w.Package("Partners", g)
		org, err := w.Svc.CreateConnectedOrganization(w.Ctx, access.SystemActor, access.ConnectedOrganization{DisplayName: "Fabrikam",
			IdentitySources: []access.IdentitySource{{Type: "#microsoft.graph.domainIdentitySource", DomainName: "fabrikam.com", DisplayName: "Fabrikam"}}})
		w.Must(err)
		w.Policy(p, "Fabrikam", func(p *access.Policy) {
			p.AllowedTargetScope = access.ScopeSpecificConnectedOrgs
			p.SpecificAllowedTargets = []access.SubjectSet{{Type: "#microsoft.graph.connectedOrganizationMembers", ConnectedOrganizationID: org.ID}}
		})
		guest := func(name, domain string) (access.User, access.Actor) {
			return w.User(name, func(u *access.User) {
				u.UserType = access.UserTypeGuest
				u.Mail = name + "@" + domain
				u.UserPrincipalName = name + "_" + domain + "#EXT#@contoso.com"
			})
		}
		fab, fabA := guest("fay", "fabrikam.com")
		r, err := w.Request(fabA, p)
		w.Must(err)
		w.Work()
		if w.Req(r.ID).State != access.StateDelivered || !w.IsMember(g, fab) {
			t.Fatalf("guest of the connected organization: %s", w.Req(r.ID).State)
		}
		_, otherA := guest("oz", "elsewhere.org")
		_, err = w.Request(otherA, p)
		if !access.IsKind(err, access.KindInvalid) || !strings.Contains(err.Error(), "elsewhere.org") || !strings.Contains(err.Error(), "connected organization") {
			t.Fatalf("guest from an unknown domain: %v", err)
		}
		_, memberA := w.User("mem")
		_, err = w.Request(memberA, p)
		wantKind(t, err, access.KindInvalid) // an external-users policy does not cover members (POL-2)
	})

	t.Run("REQ-8 two workers on one database deliver every request exactly once", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("G")
		p := w.Package("P", g)
		pol := w.Policy(p, "Direct", DirectOnly)
		const n = 40
		var users []access.User
		for i := range n {
			u, _ := w.User(fmt.Sprint("u", i))
			users = append(users, u)
			w.Assign(u, p, pol)
		}
		other := access.NewService(w.Svc.Store(), w.Clock, &SeqIDs{})
		conns := connector.Registry{}
		directory.New(w.Svc.Store(), w.Clock, &SeqIDs{}).Register(conns)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, worker := range []*delivery.Worker{w.Worker, delivery.New(other, conns, delivery.Options{})} {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = worker.RunOnce(w.Ctx) }()
		}
		wg.Wait()
		w.Must(errs[0])
		w.Must(errs[1])
		w.Work()
		reqs, err := w.Svc.ListRequests(w.Ctx, access.SystemActor, access.StateDelivered)
		w.Must(err)
		if len(reqs) != n {
			t.Fatalf("%d of %d requests delivered", len(reqs), n)
		}
		for _, u := range users {
			if !w.IsMember(g, u) {
				t.Fatalf("%s is not a member", u.UserPrincipalName)
			}
		}
	})

	t.Run("REQ-4 POL-6 a request for a future start is scheduled, then delivered when the start comes", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("G")
		p := w.Package("P", g)
		w.Policy(p, "Custom dates", func(p *access.Policy) { p.RequestorSettings.AllowCustomAssignmentSchedule = true })
		u, uA := w.User("u")
		start := w.Clock.Now().Add(48 * time.Hour)
		end := start.Add(24 * time.Hour)
		r, err := w.Request(uA, p, func(in *access.RequestInput) {
			in.Schedule = access.Schedule{StartDateTime: &start, Expiration: &access.Expiration{Type: access.ExpireAfterDateTime, EndDateTime: &end}}
		})
		w.Must(err)
		if r.State != access.StateScheduled || r.Status != access.StatusNotBefore {
			t.Fatalf("future start: %s/%s", r.State, r.Status)
		}
		w.Clock.Advance(47 * time.Hour)
		w.Work()
		if w.Req(r.ID).State != access.StateScheduled || w.IsMember(g, u) {
			t.Fatal("delivered before the start")
		}
		w.Clock.Advance(2 * time.Hour)
		w.Work()
		got := w.Req(r.ID)
		if got.State != access.StateDelivered || !w.IsMember(g, u) {
			t.Fatalf("after the start: %s", got.State)
		}
		if a := w.Asg(got.AssignmentID); a.End == nil || !a.End.Equal(end) {
			t.Fatalf("assignment end %v, want %v", a.End, end)
		}
		w.Clock.Advance(24 * time.Hour)
		w.Work()
		if w.IsMember(g, u) {
			t.Fatal("still a member after the requested end")
		}
	})

	t.Run("ASG-2 delivery into the directory: group owner, app role and site role, granted and revoked", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("Owned")
		sp, err := w.Svc.CreateServicePrincipal(w.Ctx, access.SystemActor, access.ServicePrincipal{AppID: access.NewUUID(), DisplayName: "CRM",
			ServicePrincipalType: "Application", AccountEnabled: true,
			AppRoles: []access.AppRole{{ID: access.NewUUID(), DisplayName: "Sales rep", Value: "rep", AllowedMemberTypes: []string{"User"}, IsEnabled: true}}})
		w.Must(err)
		site := w.Site("Intranet")
		p := w.Package("Everything", w.Group("Members"))
		w.AddRole(p, access.OriginGroup, g.ID, access.GroupRole(g.ID, access.RelOwner))
		w.AddRole(p, access.OriginApplication, sp.ID, sp.AppRoles[0].ID)
		w.AddRole(p, access.OriginSite, site.ID, site.SiteRoles[0].ID)
		pol := w.Policy(p, "Direct", DirectOnly)
		u, _ := w.User("u")
		r := w.Assign(u, p, pol)
		w.Work()
		held := func() (owner bool, app, siteRoles int) {
			w.Must(w.Svc.Store().Read(w.Ctx, func(tx access.Tx) error {
				owners, err := tx.Related(w.Ctx, g.ID, access.RelOwner)
				if err != nil {
					return err
				}
				owner = len(owners) == 1 && owners[0] == u.ID
				if app, err = tx.AppRoleAssignments().Count(w.Ctx, access.By(access.KeyPrincipal, u.ID)); err != nil {
					return err
				}
				siteRoles, err = tx.SiteRoleAssignments().Count(w.Ctx, access.By(access.KeyPrincipal, u.ID))
				return err
			}))
			return
		}
		if owner, app, sr := held(); !owner || app != 1 || sr != 1 || w.Req(r.ID).State != access.StateDelivered {
			t.Fatalf("after delivery: owner=%v appRoles=%d siteRoles=%d state=%s", owner, app, sr, w.Req(r.ID).State)
		}
		w.Remove(w.Req(r.ID).AssignmentID)
		w.Work()
		if owner, app, sr := held(); owner || app != 0 || sr != 0 {
			t.Fatalf("after removal: owner=%v appRoles=%d siteRoles=%d", owner, app, sr)
		}
	})
}
