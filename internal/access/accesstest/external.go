package accesstest

import (
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// runExternal covers the lifecycle of external users brought in by entitlement
// management (EXT-2).
func runExternal(t *testing.T, open Opener) {
	// guest makes a guest whom entitlement management governs.
	guest := func(w *World, name string) access.User {
		u, _ := w.User(name, func(u *access.User) { u.UserType = access.UserTypeGuest })
		_, err := w.Svc.SetSubjectLifecycle(w.Ctx, access.SystemActor, u.ID, func() (string, error) { return access.LifecycleGoverned, nil })
		w.Must(err)
		return u
	}
	user := func(w *World, id string) access.User { // deleted users too
		var u access.User
		w.Must(w.Svc.Store().Read(w.Ctx, func(tx access.Tx) error {
			var err error
			u, err = tx.Users().Get(w.Ctx, id)
			return err
		}))
		return u
	}
	t.Run("EXT-2 a governed guest's last assignment ends: blocked, then deleted; a new assignment undoes it", func(t *testing.T) {
		w := NewWorld(t, open)
		p1, p2 := w.Package("One", w.Group("One")), w.Package("Two", w.Group("Two"))
		pol1, pol2 := w.Policy(p1, "Direct", DirectOnly), w.Policy(p2, "Direct", DirectOnly)
		g := guest(w, "gus")
		member, _ := w.User("mia")
		r1, r2, rm := w.Assign(g, p1, pol1), w.Assign(g, p2, pol2), w.Assign(member, p1, pol1)
		w.Work()

		w.Remove(w.Req(r1.ID).AssignmentID)
		w.Work()
		if u := user(w, g.ID); !u.AccountEnabled || u.LifecycleDelete != nil {
			t.Fatalf("with one assignment left the guest is blocked: %+v", u)
		}
		w.Remove(w.Req(r2.ID).AssignmentID)
		w.Remove(w.Req(rm.ID).AssignmentID)
		w.Work()
		u := user(w, g.ID)
		if u.AccountEnabled || u.LifecycleBlocked == nil || u.LifecycleDelete == nil || !u.LifecycleDelete.Equal(w.Clock.Now().Add(30*24*time.Hour)) {
			t.Fatalf("after the last assignment ended: enabled %v, blocked %v, delete at %v", u.AccountEnabled, u.LifecycleBlocked, u.LifecycleDelete)
		}
		if m := user(w, member.ID); !m.AccountEnabled || m.LifecycleDelete != nil {
			t.Errorf("a member was treated as an external user: %+v", m)
		}
		// Assigned again before the deletion: sign-in allowed, deletion called off.
		again := w.Assign(g, p1, pol1)
		w.Work()
		if u = user(w, g.ID); !u.AccountEnabled || u.LifecycleBlocked != nil || u.LifecycleDelete != nil {
			t.Fatalf("after a new assignment: %+v", u)
		}
		w.Remove(w.Req(again.ID).AssignmentID)
		w.Work()
		w.Clock.Advance(30*24*time.Hour + time.Minute)
		w.Work()
		if u = user(w, g.ID); u.DeletedDateTime == nil || u.LifecycleDelete != nil {
			t.Fatalf("30 days after being blocked the guest is not deleted: %+v", u)
		}
	})
	t.Run("EXT-2 the settings decide: nothing, or only a block", func(t *testing.T) {
		w := NewWorld(t, open)
		p := w.Package("One", w.Group("One"))
		pol := w.Policy(p, "Direct", DirectOnly)
		for _, c := range []struct {
			action           string
			enabled, deleted bool
		}{{"none", true, false}, {"blockSignIn", false, false}} {
			_, err := w.Svc.UpdateSettings(w.Ctx, access.SystemActor, func(s *access.Settings) error { s.ExternalUserLifecycleAction = c.action; return nil })
			w.Must(err)
			g := guest(w, "guest-"+c.action)
			r := w.Assign(g, p, pol)
			w.Work()
			w.Remove(w.Req(r.ID).AssignmentID)
			w.Work()
			w.Clock.Advance(31 * 24 * time.Hour)
			w.Work()
			if u := user(w, g.ID); u.AccountEnabled != c.enabled || (u.DeletedDateTime != nil) != c.deleted {
				t.Errorf("%s: enabled %v deleted %v, want %v %v", c.action, u.AccountEnabled, u.DeletedDateTime != nil, c.enabled, c.deleted)
			}
		}
		// Blocked and due for deletion, then allowed to sign in again by an administrator:
		// the sweep keeps them.
		_, err := w.Svc.UpdateSettings(w.Ctx, access.SystemActor, func(s *access.Settings) error { s.ExternalUserLifecycleAction = "blockSignInAndDelete"; return nil })
		w.Must(err)
		kept := guest(w, "kept")
		r := w.Assign(kept, p, pol)
		w.Work()
		w.Remove(w.Req(r.ID).AssignmentID)
		w.Work()
		_, err = w.Svc.UpdateUser(w.Ctx, access.SystemActor, kept.ID, func(u *access.User) error { u.AccountEnabled = true; return nil })
		w.Must(err)
		w.Clock.Advance(31 * 24 * time.Hour)
		w.Work()
		if u := user(w, kept.ID); u.DeletedDateTime != nil || !u.AccountEnabled {
			t.Errorf("a guest an administrator allowed to sign in again was deleted: %+v", u)
		}
		// A guest that entitlement management does not govern is left alone.
		other, _ := w.User("other", func(u *access.User) { u.UserType = access.UserTypeGuest })
		r = w.Assign(other, p, pol)
		w.Work()
		w.Remove(w.Req(r.ID).AssignmentID)
		w.Work()
		if u := user(w, other.ID); !u.AccountEnabled {
			t.Errorf("a guest not governed by entitlement management was blocked")
		}
	})
}
