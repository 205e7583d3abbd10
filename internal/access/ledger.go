package access

import (
	"errors"
	"time"
)

// LedgerEntry is the grant ledger's row for one (subject, resource role) pair (DESIGN §5):
// the assignments that want the role present, whether the subject held it before Bestow
// did (RES-7), what Bestow last delivered, and the state of delivery.
//
// The role is wanted while Sources is not empty. When that differs from Present, the entry
// is due for delivery: the delivery worker claims it (setting Due to the end of a lease, so
// a crashed worker's claim runs out), calls the connector, and records the result. A
// periodic sweep picks up everything whose Due has passed, so nothing is lost when a
// process dies between steps.
type LedgerEntry struct {
	Revision
	ID                  string   `json:"id"`
	SubjectID           string   `json:"subjectId"`
	OriginSystem        string   `json:"originSystem"`
	ResourceOriginID    string   `json:"resourceOriginId"`
	RoleOriginID        string   `json:"roleOriginId"`
	ResourceDisplayName string   `json:"resourceDisplayName"`
	RoleDisplayName     string   `json:"roleDisplayName"`
	Sources             []string `json:"sources"`
	// Watchers are assignments that ended and wait for this entry's revocation to finish
	// before their removal request is delivered.
	Watchers    []string `json:"watchers,omitempty"`
	PreExisting bool     `json:"preExisting"`
	Present     bool     `json:"present"`
	// Attempts counts delivery attempts since the wanted state last changed.
	Attempts     int        `json:"attempts"`
	LastError    string     `json:"lastError,omitempty"`
	Failed       bool       `json:"failed"` // delivery stopped: a permanent error, or retries ran out
	FirstFailure *time.Time `json:"firstFailure,omitempty"`
	Due          *time.Time `json:"due,omitempty"` // next attempt (or end of a claim's lease)
	Modified     time.Time  `json:"modifiedDateTime"`
	// Reapply asks for a delivered role to be granted again (ASG-3, reprocess): the
	// target may have lost it behind Bestow's back. Its answer "already present" then
	// means the role was in place, not that the subject held it before Bestow.
	Reapply bool `json:"reapply,omitempty"`
	// Drifted is when Bestow found the role removed from the target outside Bestow
	// (ASG-6), with what it found in DriftNote. A drifted role is not granted again by
	// itself: a reprocess or a new assignment repairs it.
	Drifted   *time.Time `json:"drifted,omitempty"`
	DriftNote string     `json:"driftNote,omitempty"`
}

// LedgerID is the id of the ledger entry for a subject and a role in a target system. It
// names the target's objects, not the catalog's, so one group offered by two catalogs is
// one entry.
func LedgerID(subjectID, originSystem, resourceOriginID, roleOriginID string) string {
	return originSystem + "|" + resourceOriginID + "|" + roleOriginID + "|" + subjectID
}

// RoleKey is the value of KeyRole for the ledger entries of one resource role of a target
// system: LedgerID without the subject.
func RoleKey(originSystem, resourceOriginID, roleOriginID string) string {
	return originSystem + "|" + resourceOriginID + "|" + roleOriginID
}

// Wanted reports whether some assignment wants the role present.
func (e *LedgerEntry) Wanted() bool { return len(e.Sources) > 0 }

// Pending reports whether delivery has work to do: Bestow must grant a wanted role it has
// not delivered, or revoke one nobody wants any more that it did deliver. A role the
// subject held before Bestow (RES-7) is never revoked.
func (e *LedgerEntry) Pending() bool {
	if e.Wanted() {
		return e.Reapply || !e.Present && e.Drifted == nil
	}
	// A drifted role may have been put back by hand since: revoking it is harmless
	// (already absent is success) and leaves nothing behind.
	return (e.Present || e.Drifted != nil) && !e.PreExisting
}

// Grant returns what a connector needs to deliver this entry.
func (e *LedgerEntry) Grant() RoleGrant {
	return RoleGrant{Key: e.ID, SubjectID: e.SubjectID, OriginSystem: e.OriginSystem,
		ResourceOriginID: e.ResourceOriginID, RoleOriginID: e.RoleOriginID}
}

// addSource records that an assignment wants the role (ASG-2).
func (e *LedgerEntry) addSource(assignmentID string, now time.Time) {
	if indexOf(e.Sources, assignmentID) < 0 {
		e.Sources = append(e.Sources, assignmentID)
		e.Drifted, e.DriftNote = nil, "" // a new assignment delivers the role again
	}
	e.reschedule(now)
}

// retryNow makes a role whose delivery stopped (Failed) due again, with fresh retries
// (REQ-7).
func (e *LedgerEntry) retryNow(now time.Time) {
	if !e.Failed {
		return
	}
	e.Failed, e.Attempts, e.FirstFailure, e.Due, e.Modified = false, 0, nil, &now, now
	// An earlier attempt may have reached the target although its answer was lost: the
	// next "already present" then is Bestow's own, not a role held before Bestow.
	e.Reapply = e.Wanted()
}

// reapply asks for a wanted role to be delivered again (ASG-3): a failed one is retried,
// a delivered or drifted one granted again. It reports whether there was anything to do.
func (e *LedgerEntry) reapply(now time.Time) bool {
	if !e.Wanted() {
		return false
	}
	if e.Failed {
		e.retryNow(now)
		return true
	}
	if !e.Present && e.Drifted == nil {
		return false // never delivered yet: its delivery is already under way
	}
	e.Reapply, e.Attempts, e.Due, e.Modified = true, 0, &now, now
	return true
}

// drift records that the target lost the role outside Bestow (ASG-6); it reports whether
// that changes anything (the role was wanted and delivered).
func (e *LedgerEntry) drift(note string, now time.Time) bool {
	if !e.Wanted() || !e.Present {
		return false
	}
	e.Present, e.Reapply, e.Drifted, e.DriftNote, e.Due, e.Modified = false, false, &now, note, nil, now
	return true
}

// dropSource records that an assignment no longer wants the role. The role is revoked
// only when no source is left and Bestow delivered it (ASG-2, RES-7). The assignment
// watches the entry until that revocation is done.
func (e *LedgerEntry) dropSource(assignmentID string, now time.Time) {
	if i := indexOf(e.Sources, assignmentID); i >= 0 {
		e.Sources = append(e.Sources[:i:i], e.Sources[i+1:]...)
	}
	if e.Pending() && indexOf(e.Watchers, assignmentID) < 0 {
		e.Watchers = append(e.Watchers, assignmentID)
	}
	e.reschedule(now)
}

// reschedule makes the entry due now when it has work to do and resets the retry state
// when the wanted state changed; an entry in sync has nothing due.
func (e *LedgerEntry) reschedule(now time.Time) {
	e.Modified = now
	if !e.Pending() {
		e.Due, e.Attempts, e.LastError, e.Failed, e.FirstFailure = nil, 0, "", false, nil
		return
	}
	if e.Due == nil || e.Failed {
		e.Due, e.Attempts, e.LastError, e.Failed, e.FirstFailure = &now, 0, "", false, nil
	}
}

// Disposable reports whether the entry may be deleted: nobody wants it, nothing is to be
// revoked and nobody waits for it. An entry that records a role the subject held before
// Bestow (RES-7) is kept: a reconcile must not take that member for unexpected.
func (e *LedgerEntry) Disposable() bool {
	return !e.Wanted() && !e.Pending() && len(e.Watchers) == 0 && !(e.Present && e.PreExisting)
}

// RoleGrant is what a connector is asked to grant or revoke: a subject and a role in a
// target system. Key identifies it; it is the same on every retry (an idempotency key).
// Subject carries the properties by which other systems know the person (a connector
// matches one of them to its own user attribute).
type RoleGrant struct {
	Key              string
	SubjectID        string
	OriginSystem     string
	ResourceOriginID string
	RoleOriginID     string
	Subject          SubjectRef
}

// SubjectRef names a person the way target systems can find them: their Bestow id and
// the directory properties connectors match on. A connector that lists members (drift,
// RES-7) fills what it knows; the others stay empty.
type SubjectRef struct {
	ID                string
	UserPrincipalName string
	Mail              string
}

// DeliveryResult is a connector's answer. AlreadyDone means the target already was as
// asked (the role present for Grant, absent for Revoke).
type DeliveryResult struct {
	AlreadyDone bool
}

// Retry policy for failed deliveries (REQ-8).
type RetryPolicy struct {
	// For is how long failed deliveries are retried before the role is marked failed.
	For time.Duration
	// First is the first backoff; it doubles per attempt up to Max.
	First, Max time.Duration
}

// DefaultRetry retries for six hours, starting at 30 seconds and backing off to 30 minutes.
var DefaultRetry = RetryPolicy{For: 6 * time.Hour, First: 30 * time.Second, Max: 30 * time.Minute}

// backoff returns the wait before attempt n+1 after n failed attempts.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.First
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// next records a failed attempt made at now, the first failure of its run set in *first
// if unset, and returns when to try again: nil to give up, because the failure is not
// retryable or the retries ran out (p.For after the first failure).
func (p RetryPolicy) next(first **time.Time, attempts int, retryable bool, now time.Time) *time.Time {
	if *first == nil {
		*first = &now
	}
	if !retryable || now.Sub(**first) >= p.For {
		return nil
	}
	t := now.Add(p.backoff(attempts))
	return &t
}

// permanent reports whether a connector error should not be retried.
func permanent(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Kind != KindTransient && e.Kind != KindInternal
}

// applyResult records the outcome of one delivery attempt made when the entry wanted
// present (grant) or absent (revoke). firstAttempt says whether this was the first
// attempt for the current wanted state: only then does "already present" on a grant mean
// the subject held the role before Bestow (RES-7) — on a later attempt it may be Bestow's
// own earlier attempt whose result was lost.
func (e *LedgerEntry) applyResult(grant bool, res DeliveryResult, err error, firstAttempt bool, now time.Time, rp RetryPolicy) {
	e.Modified = now
	if err == nil {
		if grant && res.AlreadyDone && firstAttempt && !e.Present && !e.Reapply && e.Drifted == nil {
			e.PreExisting = true
		}
		// The target is now as asked: whatever drift was recorded is over.
		e.Reapply, e.Drifted, e.DriftNote = false, nil, ""
		if !grant {
			e.PreExisting = false
		}
		e.Present = grant
		e.Due, e.Attempts, e.LastError, e.Failed, e.FirstFailure = nil, 0, "", false, nil
		if e.Pending() { // the wanted state changed while the attempt ran
			e.Due = &now
		}
		return
	}
	if !e.Pending() { // nothing to do any more: the wanted state changed back
		e.Due, e.Attempts, e.LastError, e.Failed, e.FirstFailure = nil, 0, "", false, nil
		return
	}
	e.LastError = err.Error()
	e.Due = rp.next(&e.FirstFailure, e.Attempts, !permanent(err), now)
	e.Failed = e.Due == nil
}
