package accesstest

import (
	"fmt"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

// runPreExisting covers the members a resource had before Bestow governed it (RES-7).
func runPreExisting(t *testing.T, open Opener) {
	t.Run("RES-7 members no package governs are listed, assigned directly, and keep their membership", func(t *testing.T) {
		w := NewWorld(t, open)
		g := w.Group("Sales")
		ann, _ := w.User("ann")
		bob, _ := w.User("bob")
		for _, u := range []access.User{ann, bob} {
			w.Must(w.Svc.AddRelation(w.Ctx, access.SystemActor, g.ID, access.RelMember, u.ID))
		}
		p := w.Package("Sales", g) // the group joins the catalog with its members
		pol := w.Policy(p, "Direct", DirectOnly)
		res := w.resourceOf(g)
		list := func() string {
			m, err := w.Svc.PreExistingMembers(w.Ctx, access.SystemActor, res.ID)
			w.Must(err)
			var out []string
			for _, x := range m {
				out = append(out, x.DisplayName+"/"+x.RoleDisplayName)
			}
			return fmt.Sprint(out)
		}
		if got := list(); got != "[ann/Member bob/Member]" && got != "[bob/Member ann/Member]" {
			t.Fatalf("pre-existing members: %s", got)
		}
		// ann gets an assignment: she is governed now, bob is still pre-existing.
		r := w.Assign(ann, p, pol)
		w.Work()
		if got := list(); got != "[bob/Member]" {
			t.Fatalf("after ann's assignment: %s", got)
		}
		_, strangerA := w.User("stranger")
		_, err := w.Svc.PreExistingMembers(w.Ctx, strangerA, res.ID) // the catalog does not exist for them
		wantKind(t, err, access.KindNotFound)
		_, _, err = w.Svc.AssignPreExisting(w.Ctx, strangerA, res.ID, p.ID, pol.ID)
		wantKind(t, err, access.KindNotFound)

		// Assign them all in one call: bob gets a request of his own.
		reqs, failed, err := w.Svc.AssignPreExisting(w.Ctx, access.SystemActor, res.ID, p.ID, pol.ID)
		w.Must(err)
		if len(reqs) != 1 || reqs[0].TargetID != bob.ID || len(failed) != 0 {
			t.Fatalf("assigned %+v, failed %+v", reqs, failed)
		}
		w.Work()
		if got := list(); got != "[]" {
			t.Fatalf("after assigning them: %s", got)
		}
		// Their assignments end: both were members before Bestow, so both stay members.
		w.Remove(w.Req(r.ID).AssignmentID)
		w.Remove(w.Req(reqs[0].ID).AssignmentID)
		w.Work()
		if !w.IsMember(g, ann) || !w.IsMember(g, bob) {
			t.Errorf("a member from before Bestow lost the membership when the assignment ended: ann %v, bob %v", w.IsMember(g, ann), w.IsMember(g, bob))
		}
		if got := list(); got != "[ann/Member bob/Member]" && got != "[bob/Member ann/Member]" {
			t.Errorf("after the assignments ended they are pre-existing again: %s", got)
		}
	})
}
