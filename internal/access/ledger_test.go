package access

import (
	"errors"
	"testing"
	"time"
)

// TestLedgerSources checks the ledger's rule of presence: a role is wanted while some
// assignment is its source, and revoked only if Bestow delivered it and the user did not
// hold it before (ASG-2, RES-7).
func TestLedgerSources(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	e := LedgerEntry{ID: "x"}
	e.addSource("a1", now)
	e.addSource("a2", now)
	if !e.Pending() || e.Due == nil {
		t.Fatal("a wanted role that is not present is due for delivery")
	}
	e.applyResult(true, DeliveryResult{}, nil, true, now, DefaultRetry)
	if e.Pending() || !e.Present || e.PreExisting {
		t.Fatalf("after a grant: %+v", e)
	}
	e.dropSource("a1", now)
	if e.Pending() {
		t.Fatal("ASG-2: a role another assignment still grants is not revoked")
	}
	e.dropSource("a2", now)
	if !e.Pending() || e.Wanted() || len(e.Watchers) != 1 {
		t.Fatalf("ASG-2: the last source gone, the role is revoked and the ending assignment waits: %+v", e)
	}
	e.applyResult(false, DeliveryResult{}, nil, true, now, DefaultRetry)
	if e.Pending() || e.Present {
		t.Fatalf("after the revoke: %+v", e)
	}

	// RES-7: present before Bestow (the first grant finds it there): never revoked.
	pre := LedgerEntry{ID: "y"}
	pre.addSource("a1", now)
	pre.applyResult(true, DeliveryResult{AlreadyDone: true}, nil, true, now, DefaultRetry)
	pre.dropSource("a1", now)
	if !pre.PreExisting || pre.Pending() {
		t.Fatalf("RES-7: %+v", pre)
	}
	// A later attempt that finds it present may be Bestow's own lost first attempt: not
	// pre-existing.
	lost := LedgerEntry{ID: "z"}
	lost.addSource("a1", now)
	lost.applyResult(true, DeliveryResult{AlreadyDone: true}, nil, false, now, DefaultRetry)
	if lost.PreExisting {
		t.Fatal("a retry's 'already present' was taken for access from before Bestow")
	}
}

// TestLedgerRetries checks REQ-8: transient failures are retried with growing backoff
// until the retry period ends; permanent ones stop at once.
func TestLedgerRetries(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	rp := RetryPolicy{For: time.Hour, First: time.Minute, Max: 10 * time.Minute}
	e := LedgerEntry{ID: "x"}
	e.addSource("a1", now)
	var waits []time.Duration
	for i := 1; i <= 5; i++ {
		e.Attempts = i
		e.applyResult(true, DeliveryResult{}, E(KindTransient, "busy"), i == 1, now, rp)
		if e.Failed || e.Due == nil || e.LastError == "" {
			t.Fatalf("attempt %d: %+v", i, e)
		}
		waits = append(waits, e.Due.Sub(now))
	}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("REQ-8 backoff %v, want %v", waits, want)
		}
	}
	e.applyResult(true, DeliveryResult{}, errors.New("connection reset"), false, now.Add(2*time.Hour), rp)
	if !e.Failed || e.Due != nil {
		t.Fatalf("REQ-8: after the retry period the role is failed: %+v", e)
	}
	p := LedgerEntry{ID: "p"}
	p.addSource("a1", now)
	p.applyResult(true, DeliveryResult{}, E(KindInvalid, "no such group"), true, now, rp)
	if !p.Failed {
		t.Fatal("a permanent error is retried")
	}
	// A new source restarts delivery of a failed role.
	p.addSource("a2", now)
	if p.Failed || p.Due == nil {
		t.Fatalf("a new source does not retry a failed role: %+v", p)
	}
}

// TestRequestTransitions checks the pure request transitions: time-out (POL-4), cancel
// (REQ-5) and the first decision winning (POL-3).
func TestRequestTransitions(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	pol := Policy{RequestApprovalSettings: ApprovalSettings{Stages: []ApprovalStage{{DurationBeforeAutomaticDenial: Duration(72 * time.Hour)}}}}
	newReq := func() Request {
		r := Request{ID: "r", TargetID: "u", RequestorID: "u", Stages: []Stage{{ID: "s1", Status: StageNotStarted, ReviewResult: ReviewNotYet}}}
		r.State = StatePendingApproval
		r.startStage(0, pol.RequestApprovalSettings.Stages[0], []string{"a", "b"}, now)
		return r
	}
	r := newReq()
	if r.Due == nil || !r.Due.Equal(now.Add(36*time.Hour)) {
		t.Fatalf("the first due time is the approver reminder halfway: %v", r.Due)
	}
	r.timeOut(now.Add(72 * time.Hour))
	if r.State != StateCanceled || r.Status != StatusExpired || r.Stages[0].Status != StageExpired || r.CompletedDateTime == nil {
		t.Fatalf("POL-4: %s/%s %s", r.State, r.Status, r.Stages[0].Status)
	}
	if err := r.cancel(now, Actor{UserID: "u"}); !IsKind(err, KindFailedPrecondition) {
		t.Fatalf("REQ-5: canceling a finished request: %v", err)
	}
	r = newReq()
	if _, err := r.decide(now, Actor{UserID: "u"}, "s1", Decision{Approve: true}, &pol); !IsKind(err, KindForbidden) {
		t.Fatalf("POL-11: the requestor decided: %v", err)
	}
	if _, err := r.decide(now, Actor{UserID: "a"}, "s1", Decision{Approve: true}, &pol); err != nil {
		t.Fatal(err)
	}
	if _, err := r.decide(now, Actor{UserID: "b"}, "s1", Decision{}, &pol); !IsKind(err, KindConflict) {
		t.Fatalf("POL-3: a second decision: %v", err)
	}
}

// TestRetryAfterFailure checks that a role retried after its delivery stopped (reprocess)
// does not take the target's "already there" for access held before Bestow: an earlier
// attempt may have reached the target although its answer was lost. // REQ-7 RES-7
func TestRetryAfterFailure(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	e := LedgerEntry{ID: "e", Sources: []string{"a1"}, Attempts: 5, Failed: true, LastError: "timeout"}
	e.retryNow(now)
	if e.Failed || e.Attempts != 0 || e.Due == nil || !e.Reapply {
		t.Fatalf("after retryNow: %+v", e)
	}
	e.Attempts = 1
	e.applyResult(true, DeliveryResult{AlreadyDone: true}, nil, true, now, DefaultRetry)
	if e.PreExisting || !e.Present || e.Reapply {
		t.Fatalf("the retried grant found the role there: %+v, want present, not pre-existing", e)
	}
	// Drifted, put back by hand and no longer wanted: the role is revoked (ASG-6).
	d := LedgerEntry{ID: "d", Sources: []string{"a1"}, Present: true}
	if !d.drift("removed by hand", now) {
		t.Fatal("a delivered role did not drift")
	}
	d.dropSource("a1", now)
	if !d.Pending() {
		t.Fatal("a drifted role nobody wants is not revoked: it may have been put back by hand")
	}
	d.applyResult(false, DeliveryResult{}, nil, true, now, DefaultRetry)
	if d.Pending() || d.Drifted != nil {
		t.Fatalf("after the revocation: %+v", d)
	}
}
