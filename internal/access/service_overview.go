package access

import (
	"context"
	"slices"
	"time"
)

// Attention is what needs an administrator now, and the last 30 days of requests, as the
// console's Overview shows them. Every count covers only what the viewer may read.
type Attention struct {
	// ApprovalsOverdue are requests waiting for a decision past half the time their
	// stage allows, oldest first.
	ApprovalsOverdue []Request
	// FailedRequests and PartialRequests count requests whose delivery failed in whole or
	// in part (REQ-6, REQ-7).
	FailedRequests, PartialRequests int
	// DriftedAssignments count assignments with a resource role not in place: failed, or
	// found missing by a reconcile or a hand removal (ASG-6).
	DriftedAssignments int
	// EndingSoon counts active assignments that end within the next 14 days, by EndsBy.
	EndingSoon int
	EndsBy     time.Time
	// FailedMessages counts notifications that could not be sent; nil when the viewer may
	// not read the outbox.
	FailedMessages *int
	// Days are the last 30 days, oldest first.
	Days []DayCount
}

// DayCount is one day of requests: made that day, and completed that day as delivered
// or as failed (in whole or in part).
type DayCount struct {
	Day                         time.Time // midnight UTC
	Requests, Delivered, Failed int
}

// AttentionWindow is how far ahead Attention looks for assignments that end, and
// AttentionDays how many days its chart covers.
const (
	AttentionWindow = 14 * 24 * time.Hour
	AttentionDays   = 30
)

// Attention gathers what needs the viewer's attention in the catalogs where they may
// read assignments (Forbidden, in ADM-2's words, where they may nowhere).
//
// The day counts read every request of the viewer's catalogs; an index of requests by
// creation time is part of the scale work (issue #11).
func (s *Service) Attention(ctx context.Context, who Actor) (Attention, error) {
	var out Attention
	err := s.read(ctx, who, func(tx *op) error {
		if err := tx.authorizeAnywhere(ActReadAssignments); err != nil {
			return err
		}
		now := tx.now
		visible := func(r *Request) bool { return tx.can(ActReadAssignments, requestTarget(ctx, tx, r)) }
		pending, err := tx.Requests().List(ctx, By(KeyState, StatePendingApproval))
		if err != nil {
			return err
		}
		for i := range pending {
			if st := pending[i].CurrentStage(); st != nil && overdue(st, now) && visible(&pending[i]) {
				out.ApprovalsOverdue = append(out.ApprovalsOverdue, pending[i])
			}
		}
		for _, c := range []struct {
			state string
			n     *int
		}{{StateDeliveryFailed, &out.FailedRequests}, {StatePartiallyDelivered, &out.PartialRequests}} {
			list, err := tx.Requests().List(ctx, By(KeyState, c.state))
			if err != nil {
				return err
			}
			for i := range list {
				if visible(&list[i]) {
					*c.n++
				}
			}
		}
		for _, state := range []string{AsgPartiallyDelivered, AsgDeliveryFailed} {
			list, err := tx.Assignments().List(ctx, By(KeyState, state))
			if err != nil {
				return err
			}
			for i := range list {
				if canSeeAssignment(ctx, tx, &list[i]) {
					out.DriftedAssignments++
				}
			}
		}
		by := now.Add(AttentionWindow)
		out.EndsBy = by
		soon, err := tx.Assignments().List(ctx, AssignmentFilter{EndsBy: &by}.keys()...)
		if err != nil {
			return err
		}
		for i := range soon {
			if a := &soon[i]; a.endsBy(now, by) && canSeeAssignment(ctx, tx, a) {
				out.EndingSoon++
			}
		}
		if tx.can(ActReadAssignments, Target{}) {
			n, err := tx.Messages().Count(ctx, By(KeyState, MsgFailed))
			if err != nil {
				return err
			}
			out.FailedMessages = &n
		}
		return s.countDays(ctx, tx, now, visible, &out)
	})
	slices.SortStableFunc(out.ApprovalsOverdue, func(a, b Request) int { return a.CreatedDateTime.Compare(b.CreatedDateTime) })
	return out, err
}

// overdue reports whether a stage has waited past half the time it allows.
func overdue(st *Stage, now time.Time) bool {
	if st.StartedDateTime == nil || st.TimeoutAt == nil {
		return false
	}
	half := st.StartedDateTime.Add(st.TimeoutAt.Sub(*st.StartedDateTime) / 2)
	return !now.Before(half)
}

// countDays fills the chart's days from the requests the viewer may read.
func (s *Service) countDays(ctx context.Context, tx *op, now time.Time, visible func(*Request) bool, out *Attention) error {
	today := now.UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, -(AttentionDays - 1))
	out.Days = make([]DayCount, AttentionDays)
	for i := range out.Days {
		out.Days[i].Day = first.AddDate(0, 0, i)
	}
	day := func(t time.Time) int {
		if t.Before(first) {
			return -1
		}
		return int(t.UTC().Sub(first) / (24 * time.Hour))
	}
	all, err := tx.Requests().List(ctx)
	if err != nil {
		return err
	}
	for i := range all {
		r := &all[i]
		made, done := day(r.CreatedDateTime), -1
		if r.CompletedDateTime != nil {
			done = day(*r.CompletedDateTime)
		}
		if (made < 0 || made >= AttentionDays) && (done < 0 || done >= AttentionDays) || !visible(r) {
			continue
		}
		if made >= 0 && made < AttentionDays {
			out.Days[made].Requests++
		}
		if done >= 0 && done < AttentionDays {
			switch r.State {
			case StateDelivered:
				out.Days[done].Delivered++
			case StateDeliveryFailed, StatePartiallyDelivered:
				out.Days[done].Failed++
			}
		}
	}
	return nil
}
