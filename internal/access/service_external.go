package access

import (
	"context"
	"time"
)

// The external user lifecycle (EXT-2): a guest whom entitlement management brought in
// (subjectLifecycle governed) and whose last assignment ends is, as the settings say, left
// alone, blocked from signing in, or blocked and deleted after
// durationUntilExternalUserDeletedAfterBlocked. An assignment before then undoes it.

// lastAssignmentEnded applies the external user lifecycle to the target of an assignment
// that just ended, in the same transaction.
func lastAssignmentEnded(ctx context.Context, tx Tx, userID string, now time.Time) error {
	u, err := tx.Users().Get(ctx, userID)
	if IsKind(err, KindNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if !u.IsGuest() || u.Deleted() || u.Lifecycle() != LifecycleGoverned {
		return nil
	}
	active, err := tx.Assignments().Count(ctx, By(KeyTarget, u.ID), By(KeyActive, "1"))
	if err != nil || active > 0 {
		return err
	}
	st, err := tx.Settings().Get(ctx, "settings")
	if err != nil {
		return err
	}
	switch st.ExternalUserLifecycleAction {
	case "blockSignIn", "blockSignInAndDelete":
	default:
		return nil
	}
	if u.AccountEnabled {
		u.AccountEnabled, u.LifecycleBlocked = false, &now
	}
	if st.ExternalUserLifecycleAction == "blockSignInAndDelete" {
		at := now.Add(time.Duration(st.DurationUntilExternalUserDeletedAfterBlocked))
		u.LifecycleDelete = &at
	}
	return tx.Users().Put(ctx, &u)
}

// assignedAgain undoes the external user lifecycle for a guest who gets an assignment:
// the sign-in it blocked is allowed again and the deletion it planned is called off.
func assignedAgain(ctx context.Context, tx Tx, userID string) error {
	u, err := tx.Users().Get(ctx, userID)
	if err != nil || u.LifecycleBlocked == nil && u.LifecycleDelete == nil {
		return err
	}
	if u.LifecycleBlocked != nil {
		u.AccountEnabled = true
	}
	u.LifecycleBlocked, u.LifecycleDelete = nil, nil
	return tx.Users().Put(ctx, &u)
}

// sweepExternalUsers deletes (softly: restorable for 30 days, ASG-4) the blocked guests
// whose time has come. It returns how many.
func (s *Service) sweepExternalUsers(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.system(ctx, func(tx Tx) error {
		n = 0
		due, err := tx.Users().Slice(ctx, Window{Limit: SweepBatch}, ByDue(now))
		if err != nil {
			return err
		}
		for _, u := range due {
			u.LifecycleDelete = nil
			// Looked at again now: an assignment may have come meanwhile (its transaction did
			// not see the block), or an administrator may have allowed the sign-in again.
			active, err := tx.Assignments().Count(ctx, By(KeyTarget, u.ID), By(KeyActive, "1"))
			if err != nil {
				return err
			}
			switch {
			case active > 0:
				u.AccountEnabled = u.AccountEnabled || u.LifecycleBlocked != nil
				u.LifecycleBlocked = nil
			case u.AccountEnabled:
				u.LifecycleBlocked = nil
			case !u.Deleted() && u.LifecycleBlocked != nil:
				t := now
				u.DeletedDateTime = &t
			}
			if err := tx.Users().Put(ctx, &u); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
