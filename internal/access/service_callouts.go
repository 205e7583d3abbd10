package access

import (
	"context"
	"fmt"
	"time"
)

// Reaching a stage (CON-5): a request or assignment that reaches a stage its policy binds
// to custom extensions records one callout per extension, in the transaction of the change,
// and shows it on the request; the worker sends it. A request workflow extension with a
// callbackConfiguration, at the created or approved stage, makes the request wait until it
// is resumed (ResumeRequest), fails, or its callback times out (the sweep).

// reachStage records the callouts of the extensions that the request's policy (at the
// version the request pinned, POL-9) binds at stage, and reports whether the request now
// waits for a callback. pol may be nil; it is then loaded.
func (s *Service) reachStage(ctx context.Context, tx Tx, req *Request, pol *Policy, stage string, now time.Time) (bool, error) {
	if pol == nil || pol.Version != req.PolicyVersion {
		p, err := tx.PolicyVersion(ctx, req.PolicyID, req.PolicyVersion)
		if IsKind(err, KindNotFound) {
			return false, nil
		} else if err != nil {
			return false, err
		}
		pol = &p
	}
	wait := false
	for _, xid := range pol.boundAt(stage) {
		if req.reached(stage, xid) {
			continue
		}
		x, err := tx.Extensions().Get(ctx, xid)
		if IsKind(err, KindNotFound) {
			req.note(now, SystemActor, "Custom extension skipped", fmt.Sprintf("the policy binds extension %s at %s, but it no longer exists", xid, stage))
			continue
		} else if err != nil {
			return false, err
		}
		w := !wait && x.Waits(stage) // one callback at a time; later ones are only told
		cc, err := s.calloutContext(ctx, tx, &x, stage, req, nil, pol)
		if err != nil {
			return false, err
		}
		if err := s.queueCallout(ctx, tx, cc, w, now); err != nil {
			return false, err
		}
		if w {
			wait = true
			req.WaitingOn = cc.id
			due := now.Add(time.Duration(x.CallbackConfiguration.TimeoutDuration))
			req.Due = &due
			req.record(now, SystemActor, "Waiting for custom extension callback", req.State, StatusWaiting, "",
				fmt.Sprintf("extension '%s' at %s; resume by %s", x.DisplayName, stage, due.Format(time.RFC3339)))
		}
	}
	return wait, nil
}

// reachAssignmentStage records the callouts of a pre-expiration stage of an assignment;
// they are shown on the request that last changed it.
func (s *Service) reachAssignmentStage(ctx context.Context, tx Tx, a *Assignment, stage string, now time.Time) error {
	pol, err := tx.PolicyVersion(ctx, a.PolicyID, a.PolicyVersion)
	if IsKind(err, KindNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	ids := pol.boundAt(stage)
	if len(ids) == 0 {
		return nil
	}
	var req *Request
	if r, err := tx.Requests().Get(ctx, a.RequestID); err == nil {
		req = &r
	}
	for _, xid := range ids {
		x, err := tx.Extensions().Get(ctx, xid)
		if IsKind(err, KindNotFound) {
			continue
		} else if err != nil {
			return err
		}
		cc, err := s.calloutContext(ctx, tx, &x, stage, req, a, &pol)
		if err != nil {
			return err
		}
		if err := s.queueCallout(ctx, tx, cc, false, now); err != nil {
			return err
		}
	}
	if req == nil {
		return nil
	}
	return tx.Requests().Put(ctx, req)
}

// calloutContext gathers what a callout tells about.
func (s *Service) calloutContext(ctx context.Context, tx Tx, x *Extension, stage string, req *Request, a *Assignment, pol *Policy) (calloutContext, error) {
	cc := calloutContext{ext: x, stage: stage, id: s.ids.NewID(), pol: *pol, req: req, asg: a, stageTitle: stageTitles[stage]}
	pkgID, target, requestor := pol.PackageID, "", ""
	if req != nil {
		pkgID, target, requestor = req.PackageID, req.TargetID, req.RequestorID
		if req.AssignmentID != "" && a == nil {
			if got, err := tx.Assignments().Get(ctx, req.AssignmentID); err == nil {
				cc.asg = &got
			}
		}
	}
	if a != nil {
		target = a.TargetID
	}
	var err error
	if cc.pkg, err = tx.Packages().Get(ctx, pkgID); err != nil {
		return cc, err
	}
	if cc.cat, err = tx.Catalogs().Get(ctx, cc.pkg.CatalogID); err != nil {
		return cc, err
	}
	if u, err := tx.Users().Get(ctx, target); err == nil {
		cc.subject = &u
	}
	if u, err := tx.Users().Get(ctx, requestor); err == nil {
		cc.requestor = &u
	}
	return cc, nil
}

// queueCallout stores the callout, due now, and shows it on its request.
func (s *Service) queueCallout(ctx context.Context, tx Tx, cc calloutContext, wait bool, now time.Time) error {
	body, err := cc.body()
	if err != nil {
		return err
	}
	c := Callout{ID: cc.id, ExtensionID: cc.ext.ID, Stage: cc.stage, Body: body, Wait: wait, State: CalloutPending, Created: now, Due: &now}
	if cc.req != nil {
		c.RequestID = cc.req.ID
		cc.req.Callouts = append(cc.req.Callouts, CalloutInstance{ID: c.ID, CustomExtensionID: cc.ext.ID, Stage: cc.stage,
			Detail: cc.stageTitle, Status: CalloutQueued})
		cc.req.note(now, SystemActor, "Custom extension callout queued", fmt.Sprintf("extension '%s' at %s (instance %s)", cc.ext.DisplayName, cc.stage, c.ID))
	}
	return tx.Callouts().Put(ctx, &c)
}

// failWaiting fails the stage a request waits at: the callback timed out or the callout
// could not be made. The request is denied with the reason (CON-5).
func (s *Service) failWaiting(ctx context.Context, tx Tx, r *Request, status, instStatus, action, why string, now time.Time) error {
	if inst := r.instance(r.WaitingOn); inst != nil {
		inst.Status, inst.Detail = instStatus, why
	}
	r.WaitingOn = ""
	r.skipStages()
	r.record(now, SystemActor, action, StateDenied, status, "", why)
	return s.notify(ctx, tx, MailRequestDenied, []string{r.TargetID, r.RequestorID}, r, map[string]string{"reason": why}, now)
}

// callbackTimedOut is the sweep's work on a request whose callback did not come in time.
func (s *Service) callbackTimedOut(ctx context.Context, tx Tx, r *Request, now time.Time) error {
	why := "the custom extension did not call back in time"
	if inst := r.instance(r.WaitingOn); inst != nil {
		why = fmt.Sprintf("custom extension %s did not call back at %s in time (instance %s)", inst.CustomExtensionID, inst.Stage, inst.ID)
	}
	return s.failWaiting(ctx, tx, r, StatusCallbackTimed, CallbackTimedOut, "Custom extension callback timed out", why, now)
}
