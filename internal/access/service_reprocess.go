package access

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// DefaultReprocessWindow is how long after it completed a failed request may be
// reprocessed (REQ-7).
const DefaultReprocessWindow = 7 * 24 * time.Hour

// SetReprocessWindow sets how long after it completed a failed request may be
// reprocessed (DefaultReprocessWindow unless set).
func (s *Service) SetReprocessWindow(d time.Duration) { s.reprocessWindow = d }

// DeliveryError is one resource role of a request or assignment that is not in place,
// and why (REQ-6): the target's last error, the attempts made, and when the next one is
// due (nil once delivery stopped).
type DeliveryError struct {
	ResourceDisplayName string     `json:"resourceDisplayName"`
	RoleDisplayName     string     `json:"roleDisplayName"`
	OriginSystem        string     `json:"originSystem"`
	ResourceOriginID    string     `json:"resourceOriginId"`
	RoleOriginID        string     `json:"roleOriginId"`
	State               string     `json:"state"` // delivering (retries run), failed, drifted
	Message             string     `json:"message"`
	Attempts            int        `json:"attempts"`
	FirstFailure        *time.Time `json:"firstFailureDateTime,omitempty"`
	NextRetry           *time.Time `json:"nextRetryDateTime,omitempty"`
	RetriesEnd          *time.Time `json:"retriesEndDateTime,omitempty"`
}

// deliveryErrorOf describes an entry that is not in place, or returns false.
func (s *Service) deliveryErrorOf(e LedgerEntry) (DeliveryError, bool) {
	st := roleState(e)
	if st == RoleDelivered || st == RoleDelivering && e.LastError == "" {
		return DeliveryError{}, false
	}
	d := DeliveryError{ResourceDisplayName: e.ResourceDisplayName, RoleDisplayName: e.RoleDisplayName, OriginSystem: e.OriginSystem,
		ResourceOriginID: e.ResourceOriginID, RoleOriginID: e.RoleOriginID, State: st, Message: e.LastError,
		Attempts: e.Attempts, FirstFailure: e.FirstFailure}
	if st == RoleDrifted {
		d.Message = e.DriftNote
	}
	if st == RoleDelivering {
		d.NextRetry = e.Due
		if e.FirstFailure != nil {
			end := e.FirstFailure.Add(s.retry.For)
			d.RetriesEnd = &end
		}
	}
	return d, true
}

// RequestDeliveryErrors lists the resource roles of a request's assignment that are not
// in place, with why (REQ-6), to whoever may see the request. A request that made no
// assignment has none.
func (s *Service) RequestDeliveryErrors(ctx context.Context, who Actor, id string) ([]DeliveryError, error) {
	var out []DeliveryError
	err := s.read(ctx, who, func(tx *op) error {
		r, err := requestAs(ctx, tx, id)
		if err != nil || r.AssignmentID == "" {
			return err
		}
		a, err := tx.Assignments().Get(ctx, r.AssignmentID)
		if IsKind(err, KindNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		entries, err := roleEntries(ctx, tx, &a)
		for _, e := range entries {
			if d, ok := s.deliveryErrorOf(e); ok {
				out = append(out, d)
			}
		}
		return err
	})
	return out, err
}

// roleEntries loads the ledger entries of an assignment's roles that still exist.
func roleEntries(ctx context.Context, tx Tx, a *Assignment) ([]LedgerEntry, error) {
	var out []LedgerEntry
	for _, id := range a.Roles {
		e, err := tx.Ledger().Get(ctx, id)
		if IsKind(err, KindNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// ReprocessRequest delivers a failed request's roles again (REQ-7): only a
// deliveryFailed or partiallyDelivered request that completed within the reprocess
// window; while automatic retries still run it is refused with the time they end. The
// roles that failed get fresh retries and the request is delivering again.
func (s *Service) ReprocessRequest(ctx context.Context, who Actor, id string) error {
	_, err := update(ctx, s, who,
		func(tx *op) (Request, error) {
			r, err := requestAs(ctx, tx, id)
			if err != nil {
				return r, err
			}
			return r, tx.authorize(ActManageAssignments, requestTarget(ctx, tx, &r))
		},
		func(tx *op, r *Request) error {
			a, err := tx.Assignments().Get(ctx, r.AssignmentID)
			if r.AssignmentID == "" || IsKind(err, KindNotFound) {
				return Ec(KindFailedPrecondition, "RequestNotReprocessable", "request '%s' is %s and has no assignment to deliver", r.ID, r.State)
			} else if err != nil {
				return err
			}
			if r.IsRemove() || !a.Active() {
				return Ec(KindFailedPrecondition, "RequestNotReprocessable", "request '%s' is %s, but its assignment '%s' has ended since; reprocess the assignment's current request, or request the access again", r.ID, r.State, a.ID)
			}
			entries, err := roleEntries(ctx, tx, &a)
			if err != nil {
				return err
			}
			if err := s.reprocessable(r, entries, tx.now); err != nil {
				return err
			}
			for i := range entries {
				if entries[i].Failed {
					entries[i].retryNow(tx.now)
					if err := tx.Ledger().Put(ctx, &entries[i]); err != nil {
						return err
					}
				}
			}
			r.History = append(r.History, Event{Time: tx.now, ActorID: tx.who.UserID, ActorName: tx.who.DisplayName,
				Action: "Reprocess request", State: r.State})
			if err := s.settle(ctx, tx, &a, r, tx.now); err != nil {
				return err
			}
			return tx.Assignments().Put(ctx, &a)
		},
		func(tx *op, r *Request) error { return tx.Requests().Put(ctx, r) })
	if err == nil {
		s.kick()
	}
	return err
}

// reprocessable says why a request cannot be reprocessed now (REQ-7), or nil.
func (s *Service) reprocessable(r *Request, entries []LedgerEntry, now time.Time) error {
	if r.State == StateDelivering {
		var end time.Time
		for _, e := range entries {
			if e.FirstFailure != nil && !e.Failed {
				if t := e.FirstFailure.Add(s.retry.For); t.After(end) {
					end = t
				}
			}
		}
		if !end.IsZero() {
			return Ec(KindFailedPrecondition, "RetriesRunning", "request '%s' is still being retried automatically until %s; it can be reprocessed after that if it fails",
				r.ID, end.UTC().Format(time.RFC3339))
		}
	}
	if !slices.Contains([]string{StateDeliveryFailed, StatePartiallyDelivered}, r.State) {
		return Ec(KindFailedPrecondition, "RequestNotReprocessable", "request '%s' is %s; only deliveryFailed or partiallyDelivered requests can be reprocessed", r.ID, r.State)
	}
	window := s.reprocessWindow
	if window <= 0 {
		window = DefaultReprocessWindow
	}
	if r.CompletedDateTime != nil && now.Sub(*r.CompletedDateTime) > window {
		return Ec(KindFailedPrecondition, "RequestNotReprocessable", "request '%s' completed on %s, more than %s ago; reprocess its assignment instead (POST …/assignments/%s/reprocess)",
			r.ID, r.CompletedDateTime.UTC().Format(time.RFC3339), Duration(window), r.AssignmentID)
	}
	return nil
}

// ReprocessAssignment re-applies every resource role of an active assignment (ASG-3):
// roles that failed are retried, delivered and drifted ones granted again, restoring
// access removed outside Bestow.
func (s *Service) ReprocessAssignment(ctx context.Context, who Actor, id string) error {
	err := s.write(ctx, who, func(tx *op) error {
		a, err := assignmentAs(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := tx.authorize(ActManageAssignments, assignmentTarget(ctx, tx, &a)); err != nil {
			return err
		}
		return s.reapply(ctx, tx, &a)
	})
	if err == nil {
		s.kick()
	}
	return err
}

// ReprocessAssignments re-applies the roles of many assignments of one package (ASG-3,
// seed 004): those with the given ids, or every active one (all). It returns how many
// were reprocessed.
func (s *Service) ReprocessAssignments(ctx context.Context, who Actor, pkgID string, ids []string, all bool) (int, error) {
	n := 0
	err := s.write(ctx, who, func(tx *op) error {
		n = 0
		p, c, err := packageAs(ctx, tx, ActManageAssignments, pkgID)
		if err != nil {
			return err
		}
		if all == (len(ids) > 0) {
			return invalid(`say which assignments to reprocess: {"assignmentIds": ["…"]} or {"all": true}, not both`)
		}
		var list []Assignment
		if all {
			if list, err = tx.Assignments().List(ctx, By(KeyPackage, p.ID), By(KeyActive, "1")); err != nil {
				return err
			}
		}
		for _, id := range ids {
			a, err := tx.Assignments().Get(ctx, id)
			if IsKind(err, KindNotFound) || err == nil && a.PackageID != p.ID {
				return Ec(KindNotFound, "ResourceNotFound", "assignment '%s' is not an assignment of access package '%s' in catalog '%s'", id, p.DisplayName, c.DisplayName)
			} else if err != nil {
				return err
			}
			list = append(list, a)
		}
		for i := range list {
			if err := s.reapply(ctx, tx, &list[i]); err != nil {
				return fmt.Errorf("assignment %s: %w", list[i].ID, err)
			}
			n++
		}
		return nil
	})
	if err == nil {
		s.kick()
	}
	return n, err
}

// reapply marks every wanted role of an active assignment for delivery again and saves
// the assignment's new state.
func (s *Service) reapply(ctx context.Context, tx *op, a *Assignment) error {
	if !a.Active() {
		return Ec(KindFailedPrecondition, "AssignmentExpired", "assignment '%s' has ended; there is nothing to reprocess", a.ID)
	}
	entries, err := roleEntries(ctx, tx, a)
	if err != nil {
		return err
	}
	for i := range entries {
		if entries[i].reapply(tx.now) {
			if err := tx.Ledger().Put(ctx, &entries[i]); err != nil {
				return err
			}
		}
	}
	if err := s.settle(ctx, tx, a, nil, tx.now); err != nil {
		return err
	}
	return tx.Assignments().Put(ctx, a)
}

// DeleteRequest deletes a request that is over (denied, canceled, or delivered, fully or
// not), as Graph allows; a request whose assignment is still active is kept, since the
// assignment refers to it. The audit log keeps what the request was.
func (s *Service) DeleteRequest(ctx context.Context, who Actor, id string) error {
	return s.write(ctx, who, func(tx *op) error {
		r, err := requestAs(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := tx.authorize(ActManageAssignments, requestTarget(ctx, tx, &r)); err != nil {
			return err
		}
		if !r.Final() {
			return Ec(KindFailedPrecondition, "RequestNotDeletable", "request '%s' is %s; only denied, canceled or completed requests can be deleted (cancel it first)", r.ID, r.State)
		}
		if r.AssignmentID != "" && !r.IsRemove() {
			if a, err := tx.Assignments().Get(ctx, r.AssignmentID); err == nil && a.Active() {
				return Ec(KindFailedPrecondition, "RequestNotDeletable", "request '%s' made assignment '%s', which is still active; remove the assignment first (requestType adminRemove)", r.ID, a.ID)
			} else if err != nil && !IsKind(err, KindNotFound) {
				return err
			}
		}
		return tx.Requests().Delete(ctx, r.ID)
	})
}

// assignmentTarget is the scope an assignment's administration is decided in.
func assignmentTarget(ctx context.Context, tx Tx, a *Assignment) Target {
	t := Target{CatalogID: a.CatalogID}
	if c, err := tx.Catalogs().Get(ctx, a.CatalogID); err == nil {
		t = catalogTarget(c)
	}
	if p, err := tx.Packages().Get(ctx, a.PackageID); err == nil {
		t.PackageName = p.DisplayName
	}
	return t
}

// driftRemoved records that someone removed a role from the built-in directory by hand
// (ASG-6): the role of every assignment that wants it is marked drifted instead of staying
// delivered, until a reprocess or a new assignment delivers it again.
func (s *Service) driftRemoved(ctx context.Context, tx *op, system, resourceOriginID, roleOriginID, subjectID, what string) error {
	e, err := tx.Ledger().Get(ctx, LedgerID(subjectID, system, resourceOriginID, roleOriginID))
	if IsKind(err, KindNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	note := fmt.Sprintf("%s by %s on %s, outside the access package; reprocess the assignment to restore it", what,
		firstNonEmpty(tx.who.DisplayName, tx.who.UserID, "the system"), tx.now.UTC().Format(time.RFC3339))
	if !e.drift(note, tx.now) {
		return nil
	}
	if err := tx.Ledger().Put(ctx, &e); err != nil {
		return err
	}
	return s.settleSources(ctx, tx, &e, tx.now)
}
