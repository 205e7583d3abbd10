package accesstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

func runStore(t *testing.T, open Opener) {
	ctx := context.Background()
	t.Run("put get list", func(t *testing.T) {
		s := open(t)
		u := access.User{ID: "u1", DisplayName: "Ann", UserPrincipalName: "Ann@example.com", UserType: "Member"}
		must(t, s.Write(ctx, func(tx access.Tx) error { return tx.Users().Put(ctx, &u) }))
		if u.Version != 1 {
			t.Fatalf("version after insert = %d, want 1", u.Version)
		}
		must(t, s.Read(ctx, func(tx access.Tx) error {
			got, err := tx.Users().Get(ctx, "u1")
			if err != nil {
				return err
			}
			if got.DisplayName != "Ann" || got.Version != 1 {
				t.Errorf("got %+v", got)
			}
			list, err := tx.Users().List(ctx, access.By(access.KeyUPN, "ann@example.com"))
			if len(list) != 1 {
				t.Errorf("list by upn: got %d users, want 1", len(list))
			}
			_, err2 := tx.Users().Get(ctx, "nope")
			wantKind(t, err2, access.KindNotFound)
			return err
		}))
	})
	t.Run("count and slice", func(t *testing.T) {
		s := open(t)
		must(t, s.Write(ctx, func(tx access.Tx) error {
			for i := range 7 {
				u := access.User{ID: fmt.Sprintf("u%d", i), UserPrincipalName: fmt.Sprintf("u%d@example.com", i)}
				if i == 3 {
					now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
					u.DeletedDateTime = &now
				}
				if err := tx.Users().Put(ctx, &u); err != nil {
					return err
				}
			}
			return nil
		}))
		must(t, s.Read(ctx, func(tx access.Tx) error {
			live := access.By(access.KeyState, "live")
			n, err := tx.Users().Count(ctx, live)
			if err != nil || n != 6 {
				t.Errorf("Count(live) = %d, %v; want 6", n, err)
			}
			var got []string
			for off := 0; off < 8; off += 4 {
				page, err := tx.Users().Slice(ctx, access.Window{Offset: off, Limit: 4}, live)
				if err != nil {
					return err
				}
				for _, u := range page {
					got = append(got, u.ID)
				}
			}
			if fmt.Sprint(got) != "[u0 u1 u2 u4 u5 u6]" {
				t.Errorf("pages = %v", got)
			}
			rest, err := tx.Users().Slice(ctx, access.Window{Offset: 5})
			if len(rest) != 2 || rest[0].ID != "u5" {
				t.Errorf("offset without limit: %v", rest)
			}
			return err
		}))
	})
	t.Run("unique key conflict", func(t *testing.T) {
		s := open(t)
		a := access.User{ID: "a", UserPrincipalName: "x@example.com"}
		b := access.User{ID: "b", UserPrincipalName: "X@example.com"}
		must(t, s.Write(ctx, func(tx access.Tx) error { return tx.Users().Put(ctx, &a) }))
		err := s.Write(ctx, func(tx access.Tx) error { return tx.Users().Put(ctx, &b) })
		wantKind(t, err, access.KindConflict)
	})
	t.Run("stale version conflicts", func(t *testing.T) {
		s := open(t)
		g := access.Group{ID: "g", DisplayName: "one"}
		must(t, s.Write(ctx, func(tx access.Tx) error { return tx.Groups().Put(ctx, &g) }))
		stale := g
		g.DisplayName = "two"
		must(t, s.Write(ctx, func(tx access.Tx) error { return tx.Groups().Put(ctx, &g) }))
		stale.DisplayName = "three"
		err := s.Write(ctx, func(tx access.Tx) error { return tx.Groups().Put(ctx, &stale) })
		if !errors.Is(err, access.ErrVersionConflict) {
			t.Fatalf("got %v, want version conflict", err)
		}
	})
	t.Run("concurrent updates: one wins, none lost", func(t *testing.T) {
		s := open(t)
		g := access.Group{ID: "g", DisplayName: "start"}
		must(t, s.Write(ctx, func(tx access.Tx) error { return tx.Groups().Put(ctx, &g) }))
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c := g
				c.Description = string(rune('a' + i))
				errs[i] = s.Write(ctx, func(tx access.Tx) error { return tx.Groups().Put(ctx, &c) })
			}(i)
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if !errors.Is(err, access.ErrVersionConflict) {
				t.Errorf("unexpected error %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d writers succeeded with the same version, want exactly 1", ok)
		}
	})
	t.Run("rollback on error", func(t *testing.T) {
		s := open(t)
		boom := errors.New("boom")
		err := s.Write(ctx, func(tx access.Tx) error {
			g := access.Group{ID: "g"}
			if err := tx.Groups().Put(ctx, &g); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		must(t, s.Read(ctx, func(tx access.Tx) error {
			_, err := tx.Groups().Get(ctx, "g")
			wantKind(t, err, access.KindNotFound)
			return nil
		}))
	})
	t.Run("foreign keys guard deletes", func(t *testing.T) {
		s := open(t)
		must(t, s.Write(ctx, func(tx access.Tx) error {
			c := access.Catalog{ID: "c"}
			p := access.Package{ID: "p", CatalogID: "c"}
			if err := tx.Catalogs().Put(ctx, &c); err != nil {
				return err
			}
			return tx.Packages().Put(ctx, &p)
		}))
		err := s.Write(ctx, func(tx access.Tx) error { return tx.Catalogs().Delete(ctx, "c") })
		wantKind(t, err, access.KindFailedPrecondition)
		err = s.Write(ctx, func(tx access.Tx) error {
			p := access.Package{ID: "p2", CatalogID: "missing"}
			return tx.Packages().Put(ctx, &p)
		})
		wantKind(t, err, access.KindFailedPrecondition)
	})
	t.Run("relations", func(t *testing.T) {
		s := open(t)
		must(t, s.Write(ctx, func(tx access.Tx) error {
			g := access.Group{ID: "g"}
			if err := tx.Groups().Put(ctx, &g); err != nil {
				return err
			}
			if err := tx.Relate(ctx, "g", access.RelMember, "u1"); err != nil {
				return err
			}
			return tx.Relate(ctx, "g", access.RelOwner, "u1")
		}))
		err := s.Write(ctx, func(tx access.Tx) error { return tx.Relate(ctx, "g", access.RelMember, "u1") })
		wantKind(t, err, access.KindConflict)
		must(t, s.Read(ctx, func(tx access.Tx) error {
			m, _ := tx.Related(ctx, "g", access.RelMember)
			of, _ := tx.RelatedTo(ctx, "u1", access.RelOwner)
			if len(m) != 1 || len(of) != 1 {
				t.Errorf("members %v, owner of %v", m, of)
			}
			return nil
		}))
		err = s.Write(ctx, func(tx access.Tx) error { return tx.Unrelate(ctx, "g", access.RelMember, "u2") })
		wantKind(t, err, access.KindNotFound)
	})
	t.Run("POL-9 policy versions are kept", func(t *testing.T) {
		s := open(t)
		pol := access.Policy{ID: "pol", DisplayName: "v1"}
		must(t, s.Write(ctx, func(tx access.Tx) error {
			c := access.Catalog{ID: "c"}
			p := access.Package{ID: "p", CatalogID: "c"}
			pol.PackageID, pol.CatalogID = "p", "c"
			for _, err := range []error{tx.Catalogs().Put(ctx, &c), tx.Packages().Put(ctx, &p), tx.Policies().Put(ctx, &pol)} {
				if err != nil {
					return err
				}
			}
			pol.DisplayName = "v2"
			return tx.Policies().Put(ctx, &pol)
		}))
		must(t, s.Read(ctx, func(tx access.Tx) error {
			v1, err := tx.PolicyVersion(ctx, "pol", 1)
			if err != nil {
				return err
			}
			v2, err := tx.PolicyVersion(ctx, "pol", 2)
			if v1.DisplayName != "v1" || v2.DisplayName != "v2" {
				t.Errorf("versions: %q %q", v1.DisplayName, v2.DisplayName)
			}
			return err
		}))
	})
	t.Run("POL-1 offered packages follow their policies' audiences", func(t *testing.T) {
		s := open(t)
		self := access.RequestorSettings{EnableTargetsToSelfAddAccess: true}
		pols := []access.Policy{
			{ID: "members", PackageID: "p1", AllowedTargetScope: access.ScopeAllMemberUsers, RequestorSettings: self},
			{ID: "ann", PackageID: "p2", AllowedTargetScope: access.ScopeSpecificDirectoryUsers, RequestorSettings: self,
				SpecificAllowedTargets: []access.SubjectSet{{Type: "#microsoft.graph.singleUser", UserID: "ann"}}},
			{ID: "ann-too", PackageID: "p2", AllowedTargetScope: access.ScopeAllDirectoryUsers, RequestorSettings: self},
			{ID: "direct", PackageID: "p3", AllowedTargetScope: access.ScopeNotSpecified},
		}
		must(t, s.Write(ctx, func(tx access.Tx) error {
			c := access.Catalog{ID: "c"}
			if err := tx.Catalogs().Put(ctx, &c); err != nil {
				return err
			}
			for _, id := range []string{"p1", "p2", "p3"} {
				if err := tx.Packages().Put(ctx, &access.Package{ID: id, CatalogID: "c"}); err != nil {
					return err
				}
			}
			for i := range pols {
				pols[i].CatalogID = "c"
				if err := tx.Policies().Put(ctx, &pols[i]); err != nil {
					return err
				}
			}
			return nil
		}))
		offered := func(audiences ...string) string {
			var ids []string
			must(t, s.Read(ctx, func(tx access.Tx) error {
				list, err := tx.OfferedPackages(ctx, audiences)
				for _, p := range list {
					ids = append(ids, p.ID)
				}
				return err
			}))
			return fmt.Sprint(ids)
		}
		ann := access.Subject{User: access.User{ID: "ann", UserType: "Member"}}
		guest := access.Subject{User: access.User{ID: "gus", UserType: "Guest"}}
		if got := offered(ann.Audiences()...); got != "[p1 p2]" {
			t.Errorf("offered to a member named by one policy = %s, want [p1 p2] (each package once)", got)
		}
		if got := offered(guest.Audiences()...); got != "[p2]" {
			t.Errorf("offered to a guest = %s, want [p2]", got)
		}
		if got := offered(); got != "[]" {
			t.Errorf("offered to no audience = %s", got)
		}
		off := false
		must(t, s.Write(ctx, func(tx access.Tx) error {
			pols[0].RequestorSettings.AcceptRequests = &off // disabled: offered to nobody
			if err := tx.Policies().Put(ctx, &pols[0]); err != nil {
				return err
			}
			return tx.Policies().Delete(ctx, "ann-too")
		}))
		if got := offered(ann.Audiences()...); got != "[p2]" {
			t.Errorf("after disabling one policy and deleting another: offered = %s, want [p2]", got)
		}
		if got := offered(guest.Audiences()...); got != "[]" {
			t.Errorf("after deleting the all-users policy: offered to a guest = %s, want []", got)
		}
	})
	t.Run("POL-11 approver requests follow their stages", func(t *testing.T) {
		s := open(t)
		r := access.Request{ID: "r1", PackageID: "p", TargetID: "ann", RequestorID: "ann", State: access.StatePendingApproval,
			Stages: []access.Stage{{ID: "s1", Status: access.StageInProgress, Approvers: []string{"bob", "ann", "cy"}},
				{ID: "s2", Status: access.StageNotStarted, Approvers: []string{"dee"}}}}
		must(t, s.Write(ctx, func(tx access.Tx) error {
			for _, err := range []error{tx.Catalogs().Put(ctx, &access.Catalog{ID: "c"}),
				tx.Packages().Put(ctx, &access.Package{ID: "p", CatalogID: "c"}), tx.Requests().Put(ctx, &r)} {
				if err != nil {
					return err
				}
			}
			return nil
		}))
		of := func(user, state string) string {
			var ids []string
			must(t, s.Read(ctx, func(tx access.Tx) error {
				list, err := tx.ApproverRequests(ctx, user, state)
				for _, r := range list {
					ids = append(ids, r.ID)
				}
				return err
			}))
			return fmt.Sprint(ids)
		}
		for _, c := range []struct{ user, state, want string }{
			{"bob", "", "[r1]"}, {"cy", access.StatePendingApproval, "[r1]"}, {"bob", access.StateDelivered, "[]"},
			{"ann", "", "[]"}, // the requestor is never their own approver
			{"dee", "", "[]"}, // a stage not started yet has no approvers
		} {
			if got := of(c.user, c.state); got != c.want {
				t.Errorf("ApproverRequests(%s, %q) = %s, want %s", c.user, c.state, got, c.want)
			}
		}
		must(t, s.Write(ctx, func(tx access.Tx) error {
			r.Stages[0].Status, r.Stages[1].Status = access.StageCompleted, access.StageInProgress
			return tx.Requests().Put(ctx, &r)
		}))
		if got := of("dee", access.StatePendingApproval); got != "[r1]" {
			t.Errorf("once stage 2 started its approver has %s, want [r1]", got)
		}
		if got := of("bob", ""); got != "[r1]" {
			t.Errorf("the approver of stage 1 has %s after it ended, want [r1] (is or was an approver)", got)
		}
		must(t, s.Write(ctx, func(tx access.Tx) error { return tx.Requests().Delete(ctx, "r1") }))
		if got := of("bob", ""); got != "[]" {
			t.Errorf("after the request was deleted its approver has %s", got)
		}
	})
}
