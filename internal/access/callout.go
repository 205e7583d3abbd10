package access

import (
	"encoding/json"
	"fmt"
	"time"
)

// Callout is one call of a custom extension at a stage (CON-5). It is recorded in the
// transaction of the change that reached the stage, with the exact body to send; the
// worker sends it later, outside any transaction, and hands the outcome back
// (RecordCallouts). Its id is the customExtensionStageInstanceId of the payload.
type Callout struct {
	Revision
	ID          string          `json:"id"`
	ExtensionID string          `json:"customExtensionId"`
	Stage       string          `json:"stage"`
	RequestID   string          `json:"requestId,omitempty"`
	Body        json.RawMessage `json:"body"`
	Wait        bool            `json:"wait,omitempty"` // the request waits for the callback
	State       string          `json:"state"`
	Attempts    int             `json:"attempts"`
	LastError   string          `json:"lastError,omitempty"`
	Created     time.Time       `json:"createdDateTime"`
	SentAt      *time.Time      `json:"sentDateTime,omitempty"`
	FirstFailed *time.Time      `json:"firstFailure,omitempty"`
	Due         *time.Time      `json:"due,omitempty"`
}

// Callout states.
const (
	CalloutPending = "pending" // waiting to be sent (or for its next attempt)
	CalloutDone    = "sent"
	CalloutGaveUp  = "failed" // the error is permanent or the retries ran out
)

// CalloutInstance is a callout as its request shows it (Graph's
// customExtensionCalloutInstance); Stage is Bestow's addition.
type CalloutInstance struct {
	ID                    string `json:"id"`
	CustomExtensionID     string `json:"customExtensionId"`
	Stage                 string `json:"stage"`
	Detail                string `json:"detail"`
	ExternalCorrelationID string `json:"externalCorrelationId"`
	Status                string `json:"status"`
}

// Callout instance statuses, as Graph spells them; CalloutQueued is Bestow's, for a
// callout recorded and not yet sent.
const (
	CalloutQueued       = "calloutPending"
	CalloutSent         = "calloutSent"
	CallbackReceived    = "callbackReceived"
	CalloutFailed       = "calloutFailed"
	CallbackTimedOut    = "callbackTimedOut"
	WaitingForCallback  = "waitingForCallback"
	StatusWaiting       = "WaitingForCallback" // the request's status while it waits
	StatusCallbackTimed = "CallbackTimedOut"
	StatusCalloutFailed = "CalloutFailed"
)

// CalloutRetry is how callouts that failed for a transient reason (network, 5xx, 429)
// are retried.
var CalloutRetry = RetryPolicy{For: time.Hour, First: 30 * time.Second, Max: 10 * time.Minute}

// CalloutResult is what the worker saw of one callout: the HTTP status of the last try,
// or the error that kept it from getting one; CorrelationID is the receiver's
// externalCorrelationId, when its answer named one.
type CalloutResult struct {
	Status        int
	Err           error
	CorrelationID string
}

// OK reports whether the receiver accepted the callout.
func (r CalloutResult) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// Transient reports whether trying again later may succeed: no answer (an error that is
// not a permanent *Error), 5xx or 429.
func (r CalloutResult) Transient() bool {
	if r.Err != nil {
		return !permanent(r.Err)
	}
	return r.Status >= 500 || r.Status == 429
}

func (r CalloutResult) String() string {
	if r.Err != nil {
		return r.Err.Error()
	}
	return fmt.Sprintf("the receiver answered HTTP %d", r.Status)
}

// applyResult moves a sent callout along: done, due again after a backoff, or given up.
func (c *Callout) applyResult(r CalloutResult, now time.Time, p RetryPolicy) {
	if r.OK() {
		c.State, c.SentAt, c.Due, c.LastError = CalloutDone, &now, nil, ""
		return
	}
	c.LastError = r.String()
	if c.Due = p.next(&c.FirstFailed, c.Attempts, r.Transient(), now); c.Due == nil {
		c.State = CalloutGaveUp
	}
}

// calloutEnvelope is Graph's customExtensionCalloutRequest.
type calloutEnvelope struct {
	Source string `json:"source"`
	Type   string `json:"type"`
	Data   any    `json:"data"`
}

// requestCalloutData is Graph's accessPackageAssignmentRequestCalloutData.
type requestCalloutData struct {
	Type                  string          `json:"@odata.type"`
	Stage                 string          `json:"stage"`
	InstanceID            string          `json:"customExtensionStageInstanceId"`
	InstanceDetail        string          `json:"customExtensionStageInstanceDetail"`
	CallbackURIPath       *string         `json:"callbackUriPath"`
	CallbackConfiguration *callbackConfig `json:"callbackConfiguration"`
	RequestID             string          `json:"accessPackageAssignmentRequestId"`
	RequestType           string          `json:"requestType"`
	State                 string          `json:"state"`
	Status                string          `json:"status"`
	Answers               []Answer        `json:"answers"`
	AccessPackage         calloutRef      `json:"accessPackage"`
	Catalog               calloutRef      `json:"accessPackageCatalog"`
	Assignment            *calloutAsg     `json:"assignment"`
	Requestor             *calloutSubject `json:"requestor"`
}

// assignmentCalloutData is Graph's accessPackageAssignmentCalloutData.
type assignmentCalloutData struct {
	Type                  string          `json:"@odata.type"`
	Stage                 string          `json:"stage"`
	InstanceID            string          `json:"customExtensionStageInstanceId"`
	InstanceDetail        string          `json:"customExtensionStageInstanceDetail"`
	CallbackConfiguration *callbackConfig `json:"callbackConfiguration"`
	RequestID             string          `json:"accessPackageAssignmentRequestId,omitempty"`
	AccessPackage         calloutRef      `json:"accessPackage"`
	Catalog               calloutRef      `json:"accessPackageCatalog"`
	Assignment            *calloutAsg     `json:"assignment"`
}

type callbackConfig struct {
	Type            string   `json:"@odata.type"`
	TimeoutDuration Duration `json:"timeoutDuration"`
}

type calloutRef struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Description string `json:"description"`
}

type calloutAsg struct {
	ID               string          `json:"id,omitempty"`
	State            string          `json:"state,omitempty"`
	Schedule         Schedule        `json:"schedule"`
	AssignmentPolicy calloutRef      `json:"assignmentPolicy"`
	Target           *calloutSubject `json:"target,omitempty"`
}

type calloutSubject struct {
	ObjectID      string `json:"objectId"`
	DisplayName   string `json:"displayName"`
	Email         string `json:"email"`
	PrincipalName string `json:"principalName"`
	SubjectType   string `json:"subjectType"`
}

// calloutContext is what a payload tells about: the objects involved, read in the
// transaction that reached the stage.
type calloutContext struct {
	ext        *Extension
	stage, id  string
	pkg        Package
	cat        Catalog
	pol        Policy
	req        *Request
	asg        *Assignment
	subject    *User
	requestor  *User
	stageTitle string
}

// StageType is the type of a callout or resume body at a stage.
func StageType(stage string) string {
	return "microsoft.graph.accessPackageCustomExtensionStage." + stage
}

// ResumePath is the path (below the API's root) at which a request waiting for a
// callback is resumed.
func ResumePath(requestID string) string {
	return "/identityGovernance/entitlementManagement/assignmentRequests/" + requestID + "/resume"
}

func subjectFor(u *User) *calloutSubject {
	if u == nil {
		return nil
	}
	return &calloutSubject{ObjectID: u.ID, DisplayName: u.DisplayName, Email: u.Mail, PrincipalName: u.UserPrincipalName, SubjectType: "user"}
}

// body builds the exact JSON of a callout.
func (c calloutContext) body() (json.RawMessage, error) {
	env := calloutEnvelope{Source: "/IdentityGovernance/EntitlementManagement/AccessPackageCatalog/" + c.cat.ID, Type: StageType(c.stage)}
	var cb *callbackConfig
	if c.ext.Waits(c.stage) {
		cb = &callbackConfig{Type: "#microsoft.graph.customExtensionCallbackConfiguration", TimeoutDuration: c.ext.CallbackConfiguration.TimeoutDuration}
	}
	pkg := calloutRef{ID: c.pkg.ID, DisplayName: c.pkg.DisplayName, Description: c.pkg.Description}
	cat := calloutRef{ID: c.cat.ID, DisplayName: c.cat.DisplayName, Description: c.cat.Description}
	asg := &calloutAsg{AssignmentPolicy: calloutRef{ID: c.pol.ID, DisplayName: c.pol.DisplayName, Description: c.pol.Description}, Target: subjectFor(c.subject)}
	if c.asg != nil {
		asg.ID, asg.State, asg.Schedule = c.asg.ID, c.asg.State, c.asg.Schedule()
	} else if c.req != nil {
		asg.ID, asg.Schedule = c.req.AssignmentID, c.req.Schedule
	}
	if c.req != nil && c.ext.Type == ExtRequestWorkflow {
		d := requestCalloutData{Type: "#microsoft.graph.accessPackageAssignmentRequestCalloutData", Stage: c.stage, InstanceID: c.id,
			InstanceDetail: c.stageTitle, CallbackConfiguration: cb, RequestID: c.req.ID, RequestType: c.req.RequestType,
			State: c.req.State, Status: c.req.Status, Answers: c.req.Answers, AccessPackage: pkg, Catalog: cat, Assignment: asg,
			Requestor: subjectFor(c.requestor)}
		if d.Answers == nil {
			d.Answers = []Answer{}
		}
		if cb != nil {
			p := ResumePath(c.req.ID)
			d.CallbackURIPath = &p
		}
		env.Data = d
	} else {
		d := assignmentCalloutData{Type: "#microsoft.graph.accessPackageAssignmentCalloutData", Stage: c.stage, InstanceID: c.id,
			InstanceDetail: c.stageTitle, AccessPackage: pkg, Catalog: cat, Assignment: asg}
		if c.req != nil {
			d.RequestID = c.req.ID
		}
		env.Data = d
	}
	return json.Marshal(env)
}

// stageTitles describe the stages in callouts and history.
var stageTitles = map[string]string{
	ExtCreated:      "A request was created",
	ExtApproved:     "A request was approved",
	ExtGranted:      "Access was granted",
	ExtRemoved:      "Access was removed",
	ExtFourteenDays: "The assignment ends in 14 days",
	ExtOneDayBefore: "The assignment ends in 1 day",
}

// instance returns the callout instance with the id, or nil.
func (r *Request) instance(id string) *CalloutInstance {
	for i := range r.Callouts {
		if r.Callouts[i].ID == id {
			return &r.Callouts[i]
		}
	}
	return nil
}

// reached reports whether the request already called the extension at stage.
func (r *Request) reached(stage, extensionID string) bool {
	for _, c := range r.Callouts {
		if c.Stage == stage && c.CustomExtensionID == extensionID {
			return true
		}
	}
	return false
}

// note appends an event to the history without changing the state.
func (r *Request) note(now time.Time, who Actor, action, detail string) {
	r.History = append(r.History, Event{Time: now, ActorID: who.UserID, ActorName: who.DisplayName, Action: action, State: r.State, Detail: detail})
}
