package access

import "time"

// Assignment states (ASG-1), as Graph spells them.
const (
	AsgDelivering         = "delivering"
	AsgDelivered          = "delivered"
	AsgPartiallyDelivered = "partiallyDelivered"
	AsgDeliveryFailed     = "deliveryFailed"
	AsgExpired            = "expired"
)

// Reminder points before an assignment ends (POL-7, NOT-1).
var Reminders = []time.Duration{14 * 24 * time.Hour, 24 * time.Hour}

// Assignment is a user's access package assignment: which package, under which policy,
// from when until when, and the resource roles it wants delivered. Assignments are only
// changed through requests.
type Assignment struct {
	Revision
	ID              string     `json:"id"`
	PackageID       string     `json:"accessPackageId"`
	CatalogID       string     `json:"catalogId"`
	PolicyID        string     `json:"assignmentPolicyId"`
	PolicyVersion   int64      `json:"policyVersion"`
	TargetID        string     `json:"targetId"`
	State           string     `json:"state"`
	Status          string     `json:"status"`
	Start           time.Time  `json:"startDateTime"`
	End             *time.Time `json:"endDateTime"`
	ExpiredDateTime *time.Time `json:"expiredDateTime"`
	CreatedDateTime time.Time  `json:"createdDateTime"`
	IsExtended      bool       `json:"isExtended"`
	// RequestID is the request that last changed the assignment; its state follows the
	// assignment's delivery.
	RequestID string `json:"requestId"`
	// Roles are the ledger entries the assignment is a source of (or, once it ended, was).
	Roles []string `json:"roles"`
	// Reminded lists the reminder points (hours before the end) already sent.
	Reminded []int `json:"reminded,omitempty"`
	// Due is when the sweep must look at the assignment next (a reminder or the end).
	Due *time.Time `json:"due,omitempty"`
}

// Active reports whether the assignment still grants access.
func (a *Assignment) Active() bool { return a.State != AsgExpired }

// Schedule returns the assignment's schedule in Graph's shape.
func (a *Assignment) Schedule() Schedule {
	return spanSchedule(Span{Start: a.Start, End: a.End})
}

// spanSchedule turns a resolved span into Graph's schedule shape.
func spanSchedule(w Span) Schedule {
	start := w.Start
	s := Schedule{StartDateTime: &start, Expiration: &Expiration{Type: ExpireNever}}
	if w.End != nil {
		end := *w.End
		s.Expiration = &Expiration{Type: ExpireAfterDateTime, EndDateTime: &end}
	}
	return s
}

// nextDue computes when the sweep must next look at an active assignment: the earliest
// reminder not yet sent, or the end.
func (a *Assignment) nextDue() *time.Time {
	if !a.Active() || a.End == nil {
		return nil
	}
	due := *a.End
	for _, r := range Reminders {
		h := int(r / time.Hour)
		at := a.End.Add(-r)
		if at.After(a.Start) && !containsInt(a.Reminded, h) && at.Before(due) {
			due = at
		}
	}
	return &due
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// RoleState is the delivery state of one resource role of an assignment (ASG-5, REQ-6).
type RoleState struct {
	Entry LedgerEntry
	State string // delivered, delivering, failed
}

// Per-role delivery states.
const (
	RoleDelivered  = "delivered"
	RoleDelivering = "delivering"
	RoleFailed     = "failed"
	RoleDrifted    = "drifted" // removed from the target outside Bestow (ASG-6)
)

// roleState says where one role of an active assignment stands.
func roleState(e LedgerEntry) string {
	switch {
	case e.Present && !e.Pending():
		return RoleDelivered
	case e.Failed:
		return RoleFailed
	case e.Drifted != nil && !e.Pending():
		return RoleDrifted
	}
	return RoleDelivering
}

// deliveryState derives an active assignment's state from its roles' states (ASG-5):
// delivered when all are in place, deliveryFailed when none is and delivery stopped,
// partiallyDelivered when some are and the rest failed, otherwise delivering.
func deliveryState(states []string) string {
	var ok, failed, busy int
	for _, s := range states {
		switch s {
		case RoleDelivered:
			ok++
		case RoleFailed, RoleDrifted:
			failed++
		default:
			busy++
		}
	}
	switch {
	case busy > 0:
		return AsgDelivering
	case failed == 0:
		return AsgDelivered
	case ok == 0:
		return AsgDeliveryFailed
	}
	return AsgPartiallyDelivered
}
