package access

import (
	"context"
	"fmt"
	"strings"
)

// Resumption is Graph's resume body: the callback of the extension a request waits for.
// State is "" to continue, "denied" or "canceled".
type Resumption struct {
	Source, Type                     string
	DataType                         string
	Stage, InstanceID, Detail, State string
}

// Resumption states.
const (
	ResumeDenied   = "denied"
	ResumeCanceled = "canceled"
)

// ResumeRequest continues, denies or cancels a request that waits for a custom extension's
// callback (CON-5). Two kinds of caller may: an assignment manager of the request's
// catalog (catalog owners and assignment managers, tenant administrators), signed in as
// who; or the extension's receiver, which has no account: who is then the zero Actor and
// signed carries the body with its X-Bestow-Signature and X-Bestow-Timestamp, which must
// verify with the secret of an extension called for this request. Only a waiting request
// resumes, and only with the stage and instance it waits for.
func (s *Service) ResumeRequest(ctx context.Context, who Actor, id string, in Resumption, signed *Signed) error {
	if who.UserID == "" && !who.System && who.DisplayName == "" {
		who.DisplayName = "custom extension receiver (signed callback)" // the author of the change in the audit log
	}
	var by Actor
	_, err := update(ctx, s, who,
		func(tx *op) (Request, error) {
			r, b, err := s.resumer(ctx, tx, id, signed)
			by = b
			return r, err
		},
		func(tx *op, r *Request) error { return s.resume(ctx, tx, r, in, by) },
		func(tx *op, r *Request) error { return tx.Requests().Put(ctx, r) })
	if err == nil {
		s.kick()
	}
	return err
}

// resumer loads the request and decides who resumes it (the gate): a signed-in caller
// who may manage its assignments, or a receiver whose signature verifies. It returns the
// actor to record in the history.
func (s *Service) resumer(ctx context.Context, tx *op, id string, signed *Signed) (Request, Actor, error) {
	if tx.who.UserID == "" && !tx.who.System {
		r, x, err := verifiedReceiver(ctx, tx, id, signed)
		if err != nil {
			return Request{}, Actor{}, err
		}
		tx.allow("the extension's receiver: it signed the resume body with the secret of an extension called for this request")
		return r, Actor{DisplayName: "Custom extension '" + x.DisplayName + "'"}, nil
	}
	r, err := requestAs(ctx, tx, id)
	if err != nil {
		return Request{}, Actor{}, err
	}
	if err := tx.authorize(ActManageAssignments, requestTarget(ctx, tx, &r)); err != nil {
		return Request{}, Actor{}, err
	}
	return r, tx.who, nil
}

// verifiedReceiver checks that the signature is the one of the extension the request waits
// for (only its receiver was told the instance to resume). Whatever fails, the caller
// learns only that it is not authenticated: not whether the request exists, waits, or
// which check failed.
func verifiedReceiver(ctx context.Context, tx *op, id string, signed *Signed) (Request, Extension, error) {
	denied := Ec(KindUnauthenticated, "InvalidSignature", "resume needs a signed-in assignment manager, or the %s and %s of the custom extension the request waits for, over the exact body", SignatureHeader, TimestampHeader)
	if signed == nil || signed.Signature == "" {
		return Request{}, Extension{}, denied
	}
	r, err := tx.Requests().Get(ctx, id)
	if IsKind(err, KindNotFound) {
		return Request{}, Extension{}, denied
	} else if err != nil {
		return Request{}, Extension{}, err
	}
	verifies := func(extensionID string) (Extension, bool) {
		x, err := tx.Extensions().Get(ctx, extensionID)
		return x, err == nil && signed.Verify(x.Secret, tx.now) == nil
	}
	if inst := r.instance(r.WaitingOn); r.WaitingOn != "" && inst != nil {
		if x, ok := verifies(inst.CustomExtensionID); ok {
			return r, x, nil
		}
	}
	// A receiver of an earlier callout of this request (a late or repeated callback) is
	// told that the request does not wait for it, and nothing more.
	for _, c := range r.Callouts {
		if _, ok := verifies(c.CustomExtensionID); ok {
			return Request{}, Extension{}, Ec(KindConflict, "RequestNotWaiting", "request '%s' is not waiting for this extension's callback", r.ID)
		}
	}
	return Request{}, Extension{}, denied
}

// resume applies a callback to the waiting request.
func (s *Service) resume(ctx context.Context, tx *op, r *Request, in Resumption, by Actor) error {
	if r.Status != StatusWaiting || r.WaitingOn == "" {
		return Ec(KindConflict, "RequestNotWaiting", "request '%s' is not waiting for a custom extension's callback (it is %s, status %s); resume only continues a request whose status is %s",
			r.ID, r.State, r.Status, StatusWaiting)
	}
	inst := r.instance(r.WaitingOn)
	if inst == nil {
		return E(KindInternal, "request '%s' waits for callout %s, which it does not show", r.ID, r.WaitingOn)
	}
	if err := in.check(inst); err != nil {
		return err
	}
	now := tx.now
	inst.Status, inst.Detail = CallbackReceived, cond(in.Detail != "", in.Detail, inst.Detail)
	r.WaitingOn, r.Due = "", nil
	detail := fmt.Sprintf("%s (instance %s): %s", inst.Stage, inst.ID, cond(in.Detail != "", in.Detail, "no detail"))
	switch in.State {
	case ResumeDenied:
		r.skipStages()
		r.record(now, by, "Deny access package assignment request (custom extension callback)", StateDenied, StatusDenied, "", detail)
		return s.notify(ctx, tx, MailRequestDenied, []string{r.TargetID, r.RequestorID}, r, map[string]string{"reason": in.Detail}, now)
	case ResumeCanceled:
		r.skipStages()
		r.record(now, by, "Cancel access package assignment request (custom extension callback)", StateCanceled, StatusCanceled, "", detail)
		return nil
	}
	r.record(now, by, "Custom extension callback received", r.State, StatusAccepted, "", detail)
	if inst.Stage == ExtApproved {
		return s.proceed(ctx, tx, r, now, "Ready to fulfill access package assignment request")
	}
	pol, err := tx.PolicyVersion(ctx, r.PolicyID, r.PolicyVersion)
	if err != nil {
		return err
	}
	sub, err := subjectOf(ctx, tx, r.TargetID)
	if err != nil {
		return err
	}
	return s.afterCreated(ctx, tx, r, &pol, sub, now)
}

// check refuses a callback that is not the one the request waits for, saying what is
// expected.
func (in Resumption) check(inst *CalloutInstance) error {
	want := StageType(inst.Stage)
	switch {
	case in.Stage == "":
		return invalid("data.stage is required: the request waits at %s (customExtensionStageInstanceId %s)", inst.Stage, inst.ID)
	case in.Stage != inst.Stage:
		return Ec(KindInvalid, "StageMismatch", "the request waits at stage %s, not %s; send data.stage %s and type %s", inst.Stage, in.Stage, inst.Stage, want)
	case in.Type != "" && strings.TrimPrefix(in.Type, "#") != want:
		return Ec(KindInvalid, "StageMismatch", "type must be %s for the stage the request waits at, not '%s'", want, in.Type)
	case in.DataType != "" && strings.TrimPrefix(in.DataType, "#") != "microsoft.graph.accessPackageAssignmentRequestCallbackData":
		return invalid("data @odata.type must be #microsoft.graph.accessPackageAssignmentRequestCallbackData, not '%s'", in.DataType)
	case in.InstanceID != inst.ID:
		return Ec(KindConflict, "StageInstanceMismatch", "the request waits for customExtensionStageInstanceId %s, not '%s' (an earlier or another callout)", inst.ID, in.InstanceID)
	case in.State != "" && in.State != ResumeDenied && in.State != ResumeCanceled:
		return invalid("data.state '%s' is not valid: leave it out to continue the request, or send denied or canceled", in.State)
	}
	return nil
}
