package access

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DefaultLease is how long a claimed ledger entry stays with the worker that claimed it. A
// worker that dies leaves the claim to run out; the entry is then due again. It must be
// longer than a connector call can take.
const DefaultLease = time.Minute

// SetLease sets how long a delivery claim lasts (DefaultLease unless set).
func (s *Service) SetLease(d time.Duration) { s.lease = d }

// SetRetryPolicy sets how failed deliveries are retried (REQ-8).
func (s *Service) SetRetryPolicy(p RetryPolicy) { s.retry = p }

// Wake returns a channel that receives when new work may be due; the worker loop waits on
// it besides its timer.
func (s *Service) Wake() <-chan struct{} { return s.wake }

// kick tells the worker that work may be due, without blocking.
func (s *Service) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Delivery is one claimed attempt to bring a ledger entry to the state it wants: the
// delivery worker asks the connector of Entry.OriginSystem to grant the role (Grant) or to
// revoke it, sets Result or Err, and hands the batch back to RecordDeliveries.
type Delivery struct {
	Entry   LedgerEntry
	Grant   bool
	Subject SubjectRef // the entry's subject, for the connector (RoleGrant.Subject)
	Result  DeliveryResult
	Err     error
}

// RoleGrant is what the connector is asked to grant or revoke.
func (d *Delivery) RoleGrant() RoleGrant {
	g := d.Entry.Grant()
	g.Subject = d.Subject
	return g
}

// subjectRef describes a ledger entry's subject for connectors: a user (soft-deleted ones
// too, so that their access can still be revoked), or just the id when it is gone.
func subjectRef(ctx context.Context, tx Tx, id string) (SubjectRef, error) {
	u, err := tx.Users().Get(ctx, id)
	if IsKind(err, KindNotFound) {
		return SubjectRef{ID: id}, nil
	}
	return SubjectRef{ID: id, UserPrincipalName: u.UserPrincipalName, Mail: u.Mail}, err
}

// ClaimDeliveries claims up to limit due ledger entries, one attempt each. A claim lasts
// the lease (SetLease): a worker that dies leaves it to run out, and the entry is then due
// again. An entry with nothing to do is cleared rather than claimed. When another worker
// claimed some of the same entries first, nothing is claimed and the next round goes on.
func (s *Service) ClaimDeliveries(ctx context.Context, limit int) ([]Delivery, error) {
	var batch []Delivery
	err := s.system(ctx, func(tx Tx) error {
		batch = batch[:0]
		now := s.clock.Now()
		due, err := tx.Ledger().Slice(ctx, Window{Limit: limit}, ByDue(now))
		if err != nil {
			return err
		}
		for _, e := range due {
			if !e.Pending() { // nothing to do; clear it
				e.reschedule(now)
				if err := tx.Ledger().Put(ctx, &e); err != nil {
					return err
				}
				continue
			}
			lease := now.Add(s.lease)
			e.Due = &lease
			e.Attempts++
			if err := tx.Ledger().Put(ctx, &e); err != nil {
				return err
			}
			d := Delivery{Entry: e, Grant: e.Wanted()}
			if d.Subject, err = subjectRef(ctx, tx, e.SubjectID); err != nil {
				return err
			}
			batch = append(batch, d)
		}
		return nil
	})
	if errors.Is(err, ErrVersionConflict) {
		return nil, nil
	}
	return batch, err
}

// RecordDeliveries stores the outcomes of a batch of claimed deliveries in one
// transaction, moving their assignments and requests along (REQ-8: a transient error is
// retried with backoff, a permanent one fails the role). It retries when a concurrent
// change got there first.
func (s *Service) RecordDeliveries(ctx context.Context, batch []Delivery) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.system(ctx, func(raw Tx) error {
			tx := newCachedTx(raw) // settle and releaseWatchers read back what this loop wrote
			now := s.clock.Now()
			touched := map[string]bool{}
			var order []string
			for _, c := range batch {
				e, err := tx.Ledger().Get(ctx, c.Entry.ID)
				if IsKind(err, KindNotFound) {
					continue
				} else if err != nil {
					return err
				}
				e.applyResult(c.Grant, c.Result, c.Err, c.Entry.Attempts == 1, now, s.retry)
				for _, a := range append(append([]string{}, e.Sources...), e.Watchers...) {
					if !touched[a] {
						touched[a] = true
						order = append(order, a)
					}
				}
				if err := tx.Ledger().Put(ctx, &e); err != nil {
					return err
				}
			}
			for _, id := range order {
				a, err := tx.Assignments().Get(ctx, id)
				if IsKind(err, KindNotFound) {
					continue
				} else if err != nil {
					return err
				}
				before := a.State
				if err := s.settle(ctx, tx, &a, nil, now); err != nil {
					return err
				}
				if a.State != before {
					if err := tx.Assignments().Put(ctx, &a); err != nil {
						return err
					}
				}
			}
			return s.releaseWatchers(ctx, tx, batch)
		})
		if !errors.Is(err, ErrVersionConflict) {
			return err
		}
	}
	return err
}

// releaseWatchers drops ended assignments from entries whose revocation is done, and
// deletes entries nobody needs any more.
func (s *Service) releaseWatchers(ctx context.Context, tx Tx, batch []Delivery) error {
	for _, c := range batch {
		e, err := tx.Ledger().Get(ctx, c.Entry.ID)
		if IsKind(err, KindNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if !e.Pending() && len(e.Watchers) > 0 {
			e.Watchers = nil
		} else if !e.Disposable() {
			continue
		}
		if e.Disposable() {
			err = tx.Ledger().Delete(ctx, e.ID)
		} else {
			err = tx.Ledger().Put(ctx, &e)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Sweep handles everything whose time has come (DESIGN §7: the sweep is the source of
// truth for anything due): approval stages that escalate or time out (POL-3, POL-4),
// scheduled requests that start, reminders before an assignment ends (POL-7), and
// assignments that end (POL-6). It returns how many objects it changed.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	n := 0
	now := s.clock.Now()
	var reqIDs, asgIDs []string
	err := s.systemRead(ctx, func(tx Tx) error {
		rs, err := tx.Requests().Slice(ctx, Window{Limit: SweepBatch}, ByDue(now))
		if err != nil {
			return err
		}
		for _, r := range rs {
			reqIDs = append(reqIDs, r.ID)
		}
		as, err := tx.Assignments().Slice(ctx, Window{Limit: SweepBatch}, ByDue(now))
		for _, a := range as {
			asgIDs = append(asgIDs, a.ID)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	for _, id := range reqIDs {
		changed, err := s.sweepRequest(ctx, id)
		if err != nil {
			return n, fmt.Errorf("sweep request %s: %w", id, err)
		}
		if changed {
			n++
		}
	}
	swept, err := s.sweepAssignments(ctx, asgIDs)
	n += swept
	if err != nil {
		return n, fmt.Errorf("sweep assignments: %w", err)
	}
	removed, err := s.sweepExternalUsers(ctx, now)
	n += removed
	if err != nil {
		return n, fmt.Errorf("sweep external users: %w", err)
	}
	purged, err := s.purgeExpired(ctx)
	n += purged
	if err != nil {
		return n, err
	}
	if n > 0 {
		s.kick()
	}
	return n, nil
}

// endAssignmentsOf ends every active assignment of a user, each with a systemRemove
// request that records why.
func (s *Service) endAssignmentsOf(ctx context.Context, tx Tx, userID, why string, now time.Time) error {
	list, err := tx.Assignments().List(ctx, By(KeyTarget, userID), By(KeyActive, "1"))
	if err != nil {
		return err
	}
	for i := range list {
		if err := s.systemRemove(ctx, tx, &list[i], why, now); err != nil {
			return err
		}
	}
	return nil
}

// systemRemove ends an assignment on the system's behalf, with a systemRemove request
// (REQ-1) that says why.
func (s *Service) systemRemove(ctx context.Context, tx Tx, a *Assignment, why string, now time.Time) error {
	req := Request{ID: s.ids.NewID(), RequestType: ReqSystemRemove, CreatedDateTime: now, Schedule: a.Schedule(),
		PackageID: a.PackageID, CatalogID: a.CatalogID, PolicyID: a.PolicyID, PolicyVersion: a.PolicyVersion,
		TargetID: a.TargetID, AssignmentID: a.ID}
	req.record(now, SystemActor, "Remove access package assignment", StateDelivering, StatusDelivering, "", why)
	if err := s.endAssignment(ctx, tx, a, &req, now); err != nil {
		return err
	}
	return tx.Requests().Put(ctx, &req)
}

// sweepRequest escalates or times out the open approval stage, or starts a scheduled
// request, when its time has come.
func (s *Service) sweepRequest(ctx context.Context, id string) (bool, error) {
	changed := false
	_, err := update(ctx, s, SystemActor,
		func(tx *op) (Request, error) { tx.allow("the sweep: Bestow itself"); return tx.Requests().Get(ctx, id) },
		func(tx *op, r *Request) error {
			changed = false
			now := s.clock.Now()
			if r.Due == nil || r.Due.After(now) {
				return nil
			}
			changed = true
			if r.Status == StatusWaiting {
				return s.callbackTimedOut(ctx, tx, r, now) // CON-5
			}
			switch r.State {
			case StateScheduled:
				r.record(now, SystemActor, "Scheduled start reached", StateDelivering, StatusDelivering, "", "")
				r.Due = nil
				return s.fulfill(ctx, tx, r, now)
			case StatePendingApproval:
				st := r.CurrentStage()
				if st == nil || st.TimeoutAt == nil || !st.TimeoutAt.After(now) {
					r.timeOut(now)
					return s.notify(ctx, tx, MailRequestExpired, []string{r.TargetID, r.RequestorID}, r, nil, now)
				}
				if st.EscalateAt != nil && !st.Escalated && !st.EscalateAt.After(now) {
					pol, err := tx.PolicyVersion(ctx, r.PolicyID, r.PolicyVersion)
					if err != nil {
						return err
					}
					sub, err := subjectOf(ctx, tx, r.TargetID)
					if err != nil {
						return err
					}
					i := indexOfStage(r, st.ID)
					before := st.Approvers
					st.Escalated = true
					st.Approvers = pol.RequestApprovalSettings.Stages[i].Approvers(sub, lookupIn(ctx, tx), true)
					r.Status = StatusEscalated
					r.History = append(r.History, Event{Time: now, ActorName: SystemActor.DisplayName, Action: "Escalate request approval",
						State: r.State, Detail: fmt.Sprintf("%s: forwarded to alternate approvers", st.DisplayName)})
					var added []string
					for _, a := range st.Approvers {
						if indexOf(before, a) < 0 {
							added = append(added, a)
						}
					}
					if err := s.notify(ctx, tx, MailApprovalNeeded, added, r, map[string]string{"stage": st.DisplayName, "escalated": "true"}, now); err != nil {
						return err
					}
				}
				if st.RemindAt != nil && !st.Reminded && !st.RemindAt.After(now) {
					st.Reminded = true
					if err := s.notify(ctx, tx, MailApprovalReminder, st.Approvers, r, map[string]string{"stage": st.DisplayName,
						"decideBy": st.TimeoutAt.Format(time.RFC3339)}, now); err != nil {
						return err
					}
				}
				r.Due = st.nextDue()
				return nil
			}
			r.Due = nil
			return nil
		},
		func(tx *op, r *Request) error {
			if !changed {
				return nil
			}
			return tx.Requests().Put(ctx, r)
		})
	return changed, err
}

func indexOfStage(r *Request, id string) int {
	for i := range r.Stages {
		if r.Stages[i].ID == id {
			return i
		}
	}
	return -1
}

// SweepBatch is how many due requests and assignments one sweep takes; the worker sweeps
// again until nothing is due. The due assignments of a batch end in one transaction,
// which holds the write lock for about half a second at this size on SQLite: fewer,
// larger commits end a mass expiry sooner, and an API write waits at most that long.
const SweepBatch = 1000

// sweepAssignments sends due reminders and ends assignments whose end has come, each with
// a systemRemove request that records why (REQ-1), all in one transaction (retried when a
// concurrent change got there first).
func (s *Service) sweepAssignments(ctx context.Context, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	n := 0
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.system(ctx, func(raw Tx) error {
			tx := newCachedTx(raw) // the assignments of a batch share packages, policies and roles
			n = 0
			now := s.clock.Now()
			for _, id := range ids {
				a, err := tx.Assignments().Get(ctx, id)
				if IsKind(err, KindNotFound) {
					continue
				} else if err != nil {
					return err
				}
				changed, err := s.sweepAssignment(ctx, tx, &a, now)
				if err != nil {
					return fmt.Errorf("assignment %s: %w", id, err)
				}
				if changed {
					n++
				}
			}
			return nil
		})
		if !errors.Is(err, ErrVersionConflict) {
			break
		}
	}
	return n, err
}

// sweepAssignment handles one assignment whose due time may have come, and saves it.
func (s *Service) sweepAssignment(ctx context.Context, tx Tx, a *Assignment, now time.Time) (bool, error) {
	if a.Due == nil || a.Due.After(now) || !a.Active() {
		return false, nil
	}
	if a.End != nil && !a.End.After(now) {
		return true, s.systemRemove(ctx, tx, a, "the assignment reached its end "+a.End.Format(time.RFC3339), now)
	}
	for _, r := range Reminders {
		h := int(r / time.Hour)
		if !containsInt(a.Reminded, h) && !a.End.Add(-r).After(now) {
			a.Reminded = append(a.Reminded, h)
			a.Status = fmt.Sprintf("NearExpiry%dDaysNotificationTriggered", h/24)
			if h == 24 {
				a.Status = "NearExpiry1DayNotificationTriggered"
			}
			if err := s.reachAssignmentStage(ctx, tx, a, reminderStage(h), now); err != nil {
				return true, err
			}
			if !assignmentMailsOff(ctx, tx, a.PolicyID) {
				err := s.notify(ctx, tx, MailExpiringSoon, []string{a.TargetID}, requestOf(ctx, tx, a),
					map[string]string{"days": fmt.Sprint(h / 24), "endDateTime": a.End.Format(time.RFC3339), "assignmentId": a.ID}, now)
				if err != nil {
					return true, err
				}
			}
		}
	}
	a.Due = a.nextDue()
	return true, tx.Assignments().Put(ctx, a)
}

// reminderStage is the custom extension stage of a reminder point (hours before the end).
func reminderStage(h int) string {
	if h <= 24 {
		return ExtOneDayBefore
	}
	return ExtFourteenDays
}

// requestOf returns the request that last changed an assignment, for mail data; a
// stand-in with the assignment's package and target when it is gone.
func requestOf(ctx context.Context, tx Tx, a *Assignment) *Request {
	if r, err := tx.Requests().Get(ctx, a.RequestID); err == nil {
		return &r
	}
	return &Request{PackageID: a.PackageID, TargetID: a.TargetID}
}
