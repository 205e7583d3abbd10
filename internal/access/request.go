package access

import (
	"encoding/json"
	"strings"
	"time"
)

// Request types (REQ-1), as Graph spells them. userExtend is accepted as an alias of
// userUpdate, since Microsoft's documentation uses both.
const (
	ReqUserAdd      = "userAdd"
	ReqUserUpdate   = "userUpdate"
	ReqUserExtend   = "userExtend"
	ReqUserRemove   = "userRemove"
	ReqAdminAdd     = "adminAdd"
	ReqAdminUpdate  = "adminUpdate"
	ReqAdminRemove  = "adminRemove"
	ReqSystemAdd    = "systemAdd"
	ReqSystemUpdate = "systemUpdate"
	ReqSystemRemove = "systemRemove"
)

// Request states (REQ-4), as Graph spells them.
const (
	StateSubmitted          = "submitted"
	StatePendingApproval    = "pendingApproval"
	StateScheduled          = "scheduled"
	StateDelivering         = "delivering"
	StateDelivered          = "delivered"
	StatePartiallyDelivered = "partiallyDelivered"
	StateDeliveryFailed     = "deliveryFailed"
	StateDenied             = "denied"
	StateCanceled           = "canceled"
)

// Approval stage statuses and review results, as Graph spells them.
const (
	StageNotStarted  = "NotStarted"
	StageInProgress  = "InProgress"
	StageCompleted   = "Completed"
	StageExpired     = "Expired"
	ReviewNotYet     = "NotReviewed"
	ReviewApproved   = "Approved"
	ReviewDenied     = "Denied"
	StatusAccepted   = "Accepted"
	StatusPending    = "PendingApproval"
	StatusEscalated  = "PendingApprovalEscalated"
	StatusNotBefore  = "PendingNotBefore"
	StatusDelivering = "Delivering"
	StatusFulfilled  = "Fulfilled"
	StatusDenied     = "Denied"
	StatusExpired    = "Expired"
	StatusCanceled   = "Canceled"
	StatusFailed     = "DeliveryFailed"
	StatusPartial    = "PartiallyDelivered"
)

// NormalizeRequestType returns the canonical spelling of a request type (case-insensitive;
// userExtend becomes userUpdate), or "" when it is not one a client may send.
func NormalizeRequestType(t string) string {
	for _, v := range []string{ReqUserAdd, ReqUserUpdate, ReqUserRemove, ReqAdminAdd, ReqAdminUpdate, ReqAdminRemove} {
		if strings.EqualFold(t, v) {
			return v
		}
	}
	if strings.EqualFold(t, ReqUserExtend) {
		return ReqUserUpdate
	}
	return ""
}

// Request is an access package assignment request: someone asks for, extends or gives up
// access, or an administrator or the system does it for them. It pins the policy version it
// was made under (POL-9) and keeps its full history (REQ-10).
type Request struct {
	Revision
	ID                string     `json:"id"`
	RequestType       string     `json:"requestType"`
	State             string     `json:"state"`
	Status            string     `json:"status"`
	CreatedDateTime   time.Time  `json:"createdDateTime"`
	CompletedDateTime *time.Time `json:"completedDateTime"`
	Justification     string     `json:"justification"`
	Answers           []Answer   `json:"answers"`
	Schedule          Schedule   `json:"schedule"`
	PackageID         string     `json:"accessPackageId"`
	CatalogID         string     `json:"catalogId"`
	PolicyID          string     `json:"assignmentPolicyId"`
	PolicyVersion     int64      `json:"policyVersion"`
	AssignmentID      string     `json:"assignmentId"`
	TargetID          string     `json:"targetId"`
	RequestorID       string     `json:"requestorId"` // "" when the system made it
	Stages            []Stage    `json:"stages"`
	History           []Event    `json:"history"`
	// Callouts are the custom extensions called for the request (CON-5); WaitingOn is the
	// one whose callback it waits for (its status is then StatusWaiting).
	Callouts  []CalloutInstance `json:"customExtensionCalloutInstances"`
	WaitingOn string            `json:"waitingOn,omitempty"`
	// Due is when the sweep must look at the request next (stage escalation or timeout,
	// scheduled start, callback timeout); nil when nothing is due.
	Due *time.Time `json:"due,omitempty"`
}

// Stage is one approval stage of a request (Graph's approvalStage).
type Stage struct {
	ID               string     `json:"id"`
	DisplayName      string     `json:"displayName"`
	Status           string     `json:"status"`
	ReviewResult     string     `json:"reviewResult"`
	ReviewedBy       string     `json:"reviewedBy,omitempty"`
	ReviewedByName   string     `json:"reviewedByName,omitempty"`
	ReviewedDateTime *time.Time `json:"reviewedDateTime"`
	Justification    string     `json:"justification"`
	Approvers        []string   `json:"approvers"` // resolved when the stage starts
	Escalated        bool       `json:"escalated"`
	StartedDateTime  *time.Time `json:"startedDateTime,omitempty"`
	EscalateAt       *time.Time `json:"escalateAt,omitempty"`
	RemindAt         *time.Time `json:"remindAt,omitempty"` // approvers are reminded then, once
	Reminded         bool       `json:"reminded,omitempty"`
	TimeoutAt        *time.Time `json:"timeoutAt,omitempty"`
}

// Event is one step in a request's history (REQ-10).
type Event struct {
	Time          time.Time `json:"dateTime"`
	ActorID       string    `json:"actorId,omitempty"`
	ActorName     string    `json:"actorName"`
	Action        string    `json:"action"`
	State         string    `json:"state"`
	Justification string    `json:"justification,omitempty"`
	Detail        string    `json:"detail,omitempty"`
}

// IsAdd reports whether the request creates an assignment.
func (r *Request) IsAdd() bool {
	return r.RequestType == ReqUserAdd || r.RequestType == ReqAdminAdd || r.RequestType == ReqSystemAdd
}

// IsRemove reports whether the request ends an assignment.
func (r *Request) IsRemove() bool {
	return r.RequestType == ReqUserRemove || r.RequestType == ReqAdminRemove || r.RequestType == ReqSystemRemove
}

// Final reports whether the request has reached an end state. A request whose delivery
// failed is final too, although it may still be reprocessed or canceled.
func (r *Request) Final() bool {
	switch r.State {
	case StateDelivered, StateDenied, StateCanceled, StatePartiallyDelivered, StateDeliveryFailed:
		return true
	}
	return false
}

// Pending reports whether the request is waiting for a decision or its start.
func (r *Request) Pending() bool {
	return r.State == StateSubmitted || r.State == StatePendingApproval || r.State == StateScheduled
}

// CurrentStage returns the stage waiting for a decision, or nil.
func (r *Request) CurrentStage() *Stage {
	if r.State != StatePendingApproval {
		return nil
	}
	for i := range r.Stages {
		if r.Stages[i].Status == StageInProgress {
			return &r.Stages[i]
		}
	}
	return nil
}

// IsApprover reports whether user may decide the request's current stage.
func (r *Request) IsApprover(userID string) bool {
	st := r.CurrentStage()
	return st != nil && userID != r.TargetID && userID != r.RequestorID && indexOf(st.Approvers, userID) >= 0
}

// WasApprover reports whether user is or was an approver of any started stage; the
// requestor never is (POL-11).
func (r *Request) WasApprover(userID string) bool {
	if userID == r.TargetID || userID == r.RequestorID {
		return false
	}
	for _, st := range r.Stages {
		if st.Status != StageNotStarted && indexOf(st.Approvers, userID) >= 0 {
			return true
		}
	}
	return false
}

// ApproverIDs lists, ordered and once each, the users who are or were approvers of a
// started stage: those for whom WasApprover is true.
func (r *Request) ApproverIDs() []string {
	var out []string
	for _, st := range r.Stages {
		if st.Status == StageNotStarted {
			continue
		}
		for _, id := range st.Approvers {
			if id != r.TargetID && id != r.RequestorID {
				out = append(out, id)
			}
		}
	}
	return uniqueSorted(out)
}

// DecidedBy returns the stage the user decided, or nil.
func (r *Request) DecidedBy(userID string) *Stage {
	for i := range r.Stages {
		if st := &r.Stages[i]; st.ReviewedBy == userID && st.ReviewedDateTime != nil {
			return st
		}
	}
	return nil
}

// MarshalJSON writes empty lists as [] rather than null, as Graph does.
func (r Request) MarshalJSON() ([]byte, error) {
	type plain Request
	if r.Answers == nil {
		r.Answers = []Answer{}
	}
	if r.Stages == nil {
		r.Stages = []Stage{}
	}
	if r.Callouts == nil {
		r.Callouts = []CalloutInstance{}
	}
	return json.Marshal(plain(r))
}

// record appends an event to the history and sets the state.
func (r *Request) record(now time.Time, who Actor, action, state, status, justification, detail string) {
	r.State, r.Status = state, status
	r.History = append(r.History, Event{Time: now, ActorID: who.UserID, ActorName: who.DisplayName, Action: action,
		State: state, Justification: justification, Detail: detail})
	switch state {
	case StateDelivered, StateDenied, StateCanceled, StatePartiallyDelivered, StateDeliveryFailed:
		if r.CompletedDateTime == nil {
			t := now
			r.CompletedDateTime = &t
		}
		r.Due = nil
	}
}

// startStage opens stage i with its resolved approvers and sets when its approvers are
// reminded (halfway), when it escalates and when it times out (POL-3, POL-4).
func (r *Request) startStage(i int, st ApprovalStage, approvers []string, now time.Time) {
	s := &r.Stages[i]
	s.Status, s.Approvers, s.StartedDateTime = StageInProgress, approvers, &now
	timeout := time.Duration(st.DurationBeforeAutomaticDenial)
	if timeout <= 0 {
		timeout = DefaultStageTimeout
	}
	t := now.Add(timeout)
	s.TimeoutAt = &t
	if timeout >= 48*time.Hour {
		rem := now.Add(timeout / 2)
		s.RemindAt = &rem
	}
	if st.IsEscalationEnabled && st.DurationBeforeEscalation > 0 && time.Duration(st.DurationBeforeEscalation) < timeout {
		e := now.Add(time.Duration(st.DurationBeforeEscalation))
		s.EscalateAt = &e
	}
	r.Due = s.nextDue()
}

// nextDue is the next time the sweep must look at an open stage: a reminder not yet sent,
// an escalation not yet done, or the timeout.
func (s *Stage) nextDue() *time.Time {
	due := *s.TimeoutAt
	if s.RemindAt != nil && !s.Reminded && s.RemindAt.Before(due) {
		due = *s.RemindAt
	}
	if s.EscalateAt != nil && !s.Escalated && s.EscalateAt.Before(due) {
		due = *s.EscalateAt
	}
	return &due
}

// DefaultStageTimeout is how long a stage waits for a decision when the policy says nothing.
const DefaultStageTimeout = 14 * 24 * time.Hour

// Decision is an approver's review of the current stage.
type Decision struct {
	Approve       bool
	Justification string
	// Review, when not nil, is Graph's reviewResult as the approver sent it ("Approve" or
	// "Deny", case-insensitive); it then decides Approve. It is read only after the
	// approver has been recognised, so a stranger learns nothing from a bad value.
	Review *string
}

// resolve returns d with Approve decided by Review when Review is set.
func (d Decision) resolve() (Decision, error) {
	if d.Review == nil {
		return d, nil
	}
	switch strings.ToLower(*d.Review) {
	case "approve", "approved":
		d.Approve = true
	case "deny", "denied":
		d.Approve = false
	default:
		return d, Ec(KindInvalid, "BadRequest", "reviewResult must be Approve or Deny, not '%s'", *d.Review)
	}
	return d, nil
}

// decide applies an approver's decision to the current stage (POL-3, POL-11). It returns
// whether another stage follows. The first decision in a stage wins: deciding a stage that
// is no longer in progress is a Conflict.
func (r *Request) decide(now time.Time, who Actor, stageID string, d Decision, pol *Policy) (next bool, err error) {
	idx := -1
	for i := range r.Stages {
		if r.Stages[i].ID == stageID {
			idx = i
		}
	}
	if idx < 0 {
		return false, notFound("approval stage", stageID)
	}
	st := &r.Stages[idx]
	if st.Status != StageInProgress || r.State != StatePendingApproval {
		by := st.ReviewedByName
		if by == "" {
			by = "the system"
		}
		return false, Ec(KindConflict, "Conflict", "this approval stage was already decided (%s by %s) or is not open; reload the request", strings.ToLower(st.ReviewResult), by)
	}
	if who.UserID == r.TargetID || who.UserID == r.RequestorID {
		return false, Ec(KindForbidden, "Forbidden", "you cannot approve or deny your own request (POL-11)")
	}
	if indexOf(st.Approvers, who.UserID) < 0 {
		return false, Ec(KindForbidden, "Forbidden", "you are not an approver of this stage of the request")
	}
	stagePol := pol.RequestApprovalSettings.Stages[idx]
	if stagePol.IsApproverJustificationRequired && strings.TrimSpace(d.Justification) == "" {
		return false, Ec(KindInvalid, "ApproverJustificationRequired", "this stage requires the approver's justification: say why you approve or deny")
	}
	st.Status, st.ReviewedBy, st.ReviewedByName, st.ReviewedDateTime, st.Justification = StageCompleted, who.UserID, who.DisplayName, &now, d.Justification
	if !d.Approve {
		st.ReviewResult = ReviewDenied
		r.skipStages()
		r.record(now, who, "Deny access package assignment request", StateDenied, StatusDenied, d.Justification, st.DisplayName)
		return false, nil
	}
	st.ReviewResult = ReviewApproved
	r.History = append(r.History, Event{Time: now, ActorID: who.UserID, ActorName: who.DisplayName,
		Action: "Approve access package assignment request", State: r.State, Justification: d.Justification, Detail: st.DisplayName})
	return idx+1 < len(r.Stages), nil
}

// skipStages marks stages that never started as not needed.
func (r *Request) skipStages() {
	for i := range r.Stages {
		if r.Stages[i].Status == StageNotStarted {
			r.Stages[i].Status = StageCompleted
		}
	}
}

// cancel cancels a pending request or one whose delivery failed (REQ-5).
// Cancelable reports whether the request may still be canceled (REQ-5): it is pending,
// or its delivery failed.
func (r *Request) Cancelable() bool { return r.Pending() || r.State == StateDeliveryFailed }

func (r *Request) cancel(now time.Time, who Actor) error {
	if !r.Cancelable() {
		return Ec(KindFailedPrecondition, "RequestNotCancelable",
			"request '%s' is %s; only a pending request or one whose delivery failed can be canceled (REQ-5)", r.ID, r.State)
	}
	for i := range r.Stages {
		if r.Stages[i].Status == StageInProgress || r.Stages[i].Status == StageNotStarted {
			r.Stages[i].Status = StageCompleted
		}
	}
	r.record(now, who, "Cancel access package assignment request", StateCanceled, StatusCanceled, "", "")
	return nil
}

// timeOut expires the current stage: nobody decided in time, so the request is canceled
// with status Expired and the requestor has to ask again (POL-4).
func (r *Request) timeOut(now time.Time) {
	if st := r.CurrentStage(); st != nil {
		st.Status = StageExpired
	}
	r.skipStages()
	r.record(now, SystemActor, "Access package assignment request timed out (no approver action taken)", StateCanceled, StatusExpired, "",
		"no approver decided in time; request the access package again")
}
