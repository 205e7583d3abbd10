package access

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RequestInput is what a client asks for: Graph's accessPackageAssignmentRequest body, with
// the assignment reference's properties flattened.
type RequestInput struct {
	RequestType string
	PackageID   string // assignment.accessPackageId (add)
	PolicyID    string // assignment.assignmentPolicyId (add; optional for userAdd)
	TargetID    string // assignment.targetId (adminAdd)
	// TargetEmail invites someone by mail address (assignment.target.email, adminAdd): an
	// existing user with that mail is assigned; anyone else gets a guest account when the
	// chosen policy includes people from their organization. TargetName names the guest.
	TargetEmail, TargetName string
	AssignmentID            string // assignment.id (update, remove)
	Justification           string
	Answers                 []Answer
	Schedule                Schedule
}

// SubmitRequest accepts a request after every check for its type (REQ-1) and starts it:
// approval when the policy asks for it, otherwise straight to delivery (or scheduled for a
// future start). A refused request is an error naming the failed check and what to do;
// nothing is stored for it.
func (s *Service) SubmitRequest(ctx context.Context, who Actor, in RequestInput) (Request, error) {
	typ := NormalizeRequestType(in.RequestType)
	if typ == "" {
		return Request{}, invalid("requestType '%s' is not supported; use one of userAdd, userUpdate (or userExtend), userRemove, adminAdd, adminUpdate, adminRemove", in.RequestType)
	}
	var out Request
	err := s.write(ctx, who, func(tx *op) error {
		var err error
		switch typ {
		case ReqUserAdd, ReqAdminAdd:
			out, err = s.submitAdd(ctx, tx, typ, in)
		case ReqUserUpdate, ReqAdminUpdate:
			out, err = s.submitUpdate(ctx, tx, typ, in)
		default:
			out, err = s.submitRemove(ctx, tx, typ, in)
		}
		return err
	})
	if err == nil {
		s.kick()
	}
	return out, err
}

func (s *Service) submitAdd(ctx context.Context, tx *op, typ string, in RequestInput) (Request, error) {
	who, now := tx.who, tx.now
	if in.PackageID == "" {
		return Request{}, invalid("assignment.accessPackageId is required: say which access package you request")
	}
	p, err := tx.Packages().Get(ctx, in.PackageID)
	if err != nil {
		return Request{}, err
	}
	c, err := tx.Catalogs().Get(ctx, p.CatalogID)
	if err != nil {
		return Request{}, err
	}
	t := catalogTarget(c)
	t.PackageName = p.DisplayName
	var pol Policy
	var sub Subject
	if typ == ReqUserAdd {
		if !tx.self(who.UserID) { // self-service: the caller asks for themselves
			return Request{}, invalid("a userAdd request is made by a signed-in user for themselves")
		}
		if in.TargetID != "" && in.TargetID != who.UserID {
			return Request{}, userAddForOther(tx, t)
		}
		if sub, err = subjectOf(ctx, tx, who.UserID); err != nil {
			return Request{}, err
		}
		ev, err := evaluate(ctx, tx, sub, p, c)
		if err != nil {
			return Request{}, err
		}
		if err := ev.Err(); err != nil {
			return Request{}, err
		}
		if pol, err = choosePolicy(ctx, tx, ev.Policies, in.PolicyID, p); err != nil {
			return Request{}, err
		}
		if err := pol.CheckAnswers(in.Justification, in.Answers); err != nil {
			return Request{}, err
		}
		pol.labelAnswers(in.Answers)
	} else {
		if err := tx.authorize(ActManageAssignments, t); err != nil {
			return Request{}, err
		}
		if in.TargetID == "" && in.TargetEmail != "" {
			if in.TargetID, err = s.invite(ctx, tx, in, p); err != nil {
				return Request{}, err
			}
		}
		if in.TargetID == "" {
			return Request{}, invalid("assignment.targetId is required: say which user to assign (or target.email to invite someone not yet in the directory)")
		}
		if sub, err = subjectOf(ctx, tx, in.TargetID); err != nil {
			return Request{}, err
		}
		if pol, err = directPolicy(ctx, tx, in.PolicyID, p, sub); err != nil {
			return Request{}, err
		}
		ev := Evaluation{}
		sod, err := sodCheck(ctx, tx, p, sub)
		if err != nil {
			return Request{}, err
		}
		ev.add(sod)
		if err := existingChecks(ctx, tx, &ev, p, sub.User); err != nil {
			return Request{}, err
		}
		if err := ev.Err(); err != nil {
			return Request{}, err
		}
		pol.RequestorSettings.AllowCustomAssignmentSchedule = true // an administrator may choose dates within the policy's bound (REQ-9)
	}
	span, err := pol.ScheduleFor(in.Schedule, now)
	if err != nil {
		return Request{}, err
	}
	req := Request{ID: s.ids.NewID(), RequestType: typ, CreatedDateTime: now, Justification: in.Justification, Answers: in.Answers,
		Schedule: requestedSchedule(&pol, in.Schedule, span), PackageID: p.ID, CatalogID: c.ID, PolicyID: pol.ID, PolicyVersion: pol.Version,
		TargetID: sub.User.ID, RequestorID: who.UserID}
	action := "User requests access package assignment"
	if typ == ReqAdminAdd {
		action = "Administrator directly assigns user to access package"
	}
	req.record(now, who, action, StateSubmitted, StatusAccepted, in.Justification, "")
	if err := s.startRequest(ctx, tx, &req, &pol, sub, now); err != nil {
		return Request{}, err
	}
	return req, tx.Requests().Put(ctx, &req)
}

// userAddForOther is the refusal of a userAdd request whose target is someone else
// (ADM-2): userAdd is for the caller themselves; assigning someone else is an adminAdd,
// which needs a role that allows managing assignments in the package's catalog, named here.
func userAddForOther(tx *op, t Target) error {
	const why = "a userAdd request asks access for yourself; assigning someone else is an adminAdd request (requestType adminAdd with assignment.targetId and assignment.assignmentPolicyId)"
	if err := tx.authorize(ActManageAssignments, t); err != nil {
		return Ec(KindForbidden, "Forbidden", "%s, which needs one of the roles that allow it. %s", why, err.Error())
	}
	return Ec(KindForbidden, "Forbidden", "%s; you may make it in %s, so send the request again as adminAdd", why, t)
}

// choosePolicy picks the policy of a self-request: the one named, which must be among
// those offered (POL-10), or the only one offered.
func choosePolicy(ctx context.Context, tx Tx, offered []Policy, id string, p Package) (Policy, error) {
	list := func() string {
		var names []string
		for _, o := range offered {
			names = append(names, fmt.Sprintf("'%s' (%s)", o.DisplayName, o.ID))
		}
		return strings.Join(names, ", ")
	}
	if id == "" {
		if len(offered) == 1 {
			return offered[0], nil
		}
		return Policy{}, Ec(KindInvalid, "PolicyChoiceRequired", "access package '%s' offers you several policies; choose one with assignment.assignmentPolicyId: %s", p.DisplayName, list())
	}
	for _, o := range offered {
		if o.ID == id {
			return o, nil
		}
	}
	pol, err := tx.Policies().Get(ctx, id)
	if err != nil || pol.PackageID != p.ID {
		return Policy{}, Ec(KindInvalid, "PolicyNotFound", "access package '%s' has no assignment policy '%s'; choose one of: %s", p.DisplayName, id, list())
	}
	return Policy{}, Ec(KindInvalid, "PolicyNotApplicable", "policy '%s' is not offered to you (when several policies apply only the most specific are offered, POL-10); choose one of: %s", pol.DisplayName, list())
}

// directPolicy loads the policy of a direct assignment (REQ-9) and checks that it may be
// used for the subject: it belongs to the package, an admin-only policy is enabled
// (POL-8), and a policy with a scope includes the user.
func directPolicy(ctx context.Context, tx Tx, id string, p Package, sub Subject) (Policy, error) {
	if id == "" {
		return Policy{}, invalid("assignment.assignmentPolicyId is required for a direct assignment: choose one of the package's policies")
	}
	pol, err := tx.Policies().Get(ctx, id)
	if err != nil || pol.PackageID != p.ID {
		return Policy{}, Ec(KindInvalid, "PolicyNotFound", "access package '%s' has no assignment policy '%s'", p.DisplayName, id)
	}
	if !pol.Enabled() && pol.Rank() == 0 {
		return Policy{}, Ec(KindFailedPrecondition, "PolicyDisabled", "policy '%s' is disabled, so it takes no direct assignments either (POL-8); enable it first", pol.DisplayName)
	}
	if pol.Rank() > 0 && !pol.Covers(sub) {
		return Policy{}, Ec(KindInvalid, "TargetNotInPolicyScope", "%s is not in the scope of policy '%s' (%s); choose a policy that includes them, or one for direct assignment", describe(sub), pol.DisplayName, pol.AllowedTargetScope)
	}
	return pol, nil
}

// startRequest moves a submitted request on: it calls the extensions bound at
// assignmentRequestCreated (and waits for one that waits, CON-5), then afterCreated.
func (s *Service) startRequest(ctx context.Context, tx Tx, req *Request, pol *Policy, sub Subject, now time.Time) error {
	if wait, err := s.reachStage(ctx, tx, req, pol, ExtCreated, now); err != nil || wait {
		return err
	}
	return s.afterCreated(ctx, tx, req, pol, sub, now)
}

// afterCreated opens approval when the policy asks for it for the request's type, else
// approves the request.
func (s *Service) afterCreated(ctx context.Context, tx Tx, req *Request, pol *Policy, sub Subject, now time.Time) error {
	a := pol.RequestApprovalSettings
	if len(a.Stages) > 0 && (req.RequestType == ReqUserAdd && a.IsApprovalRequiredForAdd || req.RequestType == ReqUserUpdate && a.IsApprovalRequiredForUpdate) {
		return s.startApproval(ctx, tx, req, pol, sub, now)
	}
	return s.approved(ctx, tx, req, now, "Auto approve access package assignment request")
}

// startApproval opens the first approval stage with its approvers (POL-3).
func (s *Service) startApproval(ctx context.Context, tx Tx, req *Request, pol *Policy, sub Subject, now time.Time) error {
	stages := pol.RequestApprovalSettings.Stages
	req.Stages = make([]Stage, len(stages))
	for i := range stages {
		req.Stages[i] = Stage{ID: s.ids.NewID(), DisplayName: fmt.Sprintf("Stage %d", i+1), Status: StageNotStarted, ReviewResult: ReviewNotYet}
	}
	approvers := stages[0].Approvers(sub, lookupIn(ctx, tx), false)
	if len(approvers) == 0 {
		return Ec(KindInvalid, "NoApprovers", "stage 1 of policy '%s' has no approver for '%s' (nobody approves their own request, POL-11; a manager or sponsor may be missing); an access package manager adds fallback approvers", pol.DisplayName, sub.User.UserPrincipalName)
	}
	req.startStage(0, stages[0], approvers, now)
	req.record(now, SystemActor, "Create request approval", StatePendingApproval, StatusPending, "", fmt.Sprintf("%s: %d approver(s)", req.Stages[0].DisplayName, len(approvers)))
	return s.notify(ctx, tx, MailApprovalNeeded, approvers, req, map[string]string{"stage": req.Stages[0].DisplayName}, now)
}

// approved moves an approved (or auto-approved) request on: it calls the extensions
// bound at assignmentRequestApproved (and waits for one that waits, CON-5), then proceeds.
func (s *Service) approved(ctx context.Context, tx Tx, req *Request, now time.Time, action string) error {
	req.Due = nil
	if wait, err := s.reachStage(ctx, tx, req, nil, ExtApproved, now); err != nil || wait {
		return err
	}
	return s.proceed(ctx, tx, req, now, action)
}

// proceed moves an approved request on: scheduled until a future start, else fulfilled.
func (s *Service) proceed(ctx context.Context, tx Tx, req *Request, now time.Time, action string) error {
	req.Due = nil
	if st := req.Schedule.StartDateTime; req.IsAdd() && st != nil && st.After(now) {
		start := *st
		req.record(now, SystemActor, action, StateScheduled, StatusNotBefore, "", "starts "+start.Format(time.RFC3339))
		req.Due = &start
		return nil
	}
	req.record(now, SystemActor, action, StateDelivering, StatusDelivering, "", "")
	return s.fulfill(ctx, tx, req, now)
}

// fulfill carries out an approved request: it creates, changes or ends the assignment and
// updates the grant ledger, which the delivery worker then delivers.
func (s *Service) fulfill(ctx context.Context, tx Tx, req *Request, now time.Time) error {
	switch {
	case req.IsAdd():
		end := req.Schedule.endFrom(now)
		a := Assignment{ID: s.ids.NewID(), PackageID: req.PackageID, CatalogID: req.CatalogID, PolicyID: req.PolicyID,
			PolicyVersion: req.PolicyVersion, TargetID: req.TargetID, State: AsgDelivering, Status: "Delivering",
			Start: now, End: end, CreatedDateTime: now, RequestID: req.ID}
		req.AssignmentID = a.ID
		if err := assignedAgain(ctx, tx, req.TargetID); err != nil { // EXT-2
			return err
		}
		rss, err := tx.RoleScopes().List(ctx, By(KeyPackage, req.PackageID))
		if err != nil {
			return err
		}
		for _, rs := range rss {
			if err := s.want(ctx, tx, &a, rs, now); err != nil {
				return err
			}
		}
		a.Due = a.nextDue()
		if err := s.settle(ctx, tx, &a, req, now); err != nil {
			return err
		}
		return tx.Assignments().Put(ctx, &a)
	case req.IsRemove():
		a, err := tx.Assignments().Get(ctx, req.AssignmentID)
		if err != nil {
			return err
		}
		return s.endAssignment(ctx, tx, &a, req, now)
	default: // update: a new end date (and answers)
		a, err := tx.Assignments().Get(ctx, req.AssignmentID)
		if err != nil {
			return err
		}
		if !a.Active() {
			return Ec(KindFailedPrecondition, "AssignmentExpired", "assignment '%s' has expired; request the access package again", a.ID)
		}
		a.End = req.Schedule.endFrom(now)
		a.IsExtended, a.Reminded, a.RequestID = true, nil, req.ID
		a.Due = a.nextDue()
		if err := s.settle(ctx, tx, &a, req, now); err != nil {
			return err
		}
		return tx.Assignments().Put(ctx, &a)
	}
}

// want makes the assignment a source of one resource role in the ledger.
func (s *Service) want(ctx context.Context, tx Tx, a *Assignment, rs RoleScope, now time.Time) error {
	r, err := tx.Resources().Get(ctx, rs.ResourceID)
	if err != nil {
		return err
	}
	id := LedgerID(a.TargetID, r.OriginSystem, r.OriginID, rs.Role.OriginID)
	e, err := tx.Ledger().Get(ctx, id)
	if IsKind(err, KindNotFound) {
		e = LedgerEntry{ID: id, SubjectID: a.TargetID, OriginSystem: r.OriginSystem, ResourceOriginID: r.OriginID,
			RoleOriginID: rs.Role.OriginID, ResourceDisplayName: r.DisplayName, RoleDisplayName: rs.Role.DisplayName}
	} else if err != nil {
		return err
	}
	e.addSource(a.ID, now)
	if indexOf(a.Roles, id) < 0 {
		a.Roles = append(a.Roles, id)
	}
	return tx.Ledger().Put(ctx, &e)
}

// unwant removes the assignment as a source of one ledger entry (ASG-2).
func (s *Service) unwant(ctx context.Context, tx Tx, a *Assignment, id string, now time.Time) error {
	e, err := tx.Ledger().Get(ctx, id)
	if IsKind(err, KindNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	e.dropSource(a.ID, now)
	if e.Disposable() {
		return tx.Ledger().Delete(ctx, id)
	}
	return tx.Ledger().Put(ctx, &e)
}

// endAssignment expires an assignment on behalf of a removal request (or expiry): it stops
// being a source of its roles, which are revoked unless something else still grants them.
func (s *Service) endAssignment(ctx context.Context, tx Tx, a *Assignment, req *Request, now time.Time) error {
	if !a.Active() {
		return Ec(KindFailedPrecondition, "AssignmentExpired", "assignment '%s' has already ended", a.ID)
	}
	a.State, a.Status, a.ExpiredDateTime, a.Due, a.RequestID = AsgExpired, "Expired", &now, nil, req.ID
	for _, id := range a.Roles {
		if err := s.unwant(ctx, tx, a, id, now); err != nil {
			return err
		}
	}
	if err := s.settle(ctx, tx, a, req, now); err != nil {
		return err
	}
	if _, err := s.reachStage(ctx, tx, req, nil, ExtRemoved, now); err != nil {
		return err
	}
	if !assignmentMailsOff(ctx, tx, a.PolicyID) {
		if err := s.notify(ctx, tx, MailAccessEnded, []string{a.TargetID}, req, map[string]string{"assignmentId": a.ID}, now); err != nil {
			return err
		}
	}
	if err := tx.Assignments().Put(ctx, a); err != nil {
		return err
	}
	return lastAssignmentEnded(ctx, tx, a.TargetID, now) // EXT-2
}

// settle derives an assignment's state from its roles in the ledger (ASG-5) and moves the
// request that last changed it along (REQ-4): delivering, delivered, partially delivered
// or failed. req is that request when the caller holds it (and saves it); otherwise it is
// loaded and saved here.
func (s *Service) settle(ctx context.Context, tx Tx, a *Assignment, req *Request, now time.Time) error {
	var states []string
	done := true
	for _, id := range a.Roles {
		e, err := tx.Ledger().Get(ctx, id)
		if IsKind(err, KindNotFound) {
			states = append(states, RoleDelivered) // nothing left to do for it
			continue
		} else if err != nil {
			return err
		}
		states = append(states, roleState(e))
		if e.Pending() && indexOf(e.Watchers, a.ID) >= 0 {
			done = false
		}
	}
	target := ""
	if a.Active() {
		a.State = deliveryState(states)
		a.Status = map[string]string{AsgDelivered: "Delivered", AsgDelivering: "Delivering", AsgPartiallyDelivered: "PartiallyDelivered", AsgDeliveryFailed: "DeliveryFailed"}[a.State]
		target = map[string]string{AsgDelivered: StateDelivered, AsgDelivering: StateDelivering, AsgPartiallyDelivered: StatePartiallyDelivered, AsgDeliveryFailed: StateDeliveryFailed}[a.State]
	} else if done {
		target = StateDelivered
	} else {
		target = StateDelivering
	}
	save := false
	if req == nil {
		if a.RequestID == "" {
			return nil
		}
		r, err := tx.Requests().Get(ctx, a.RequestID)
		if IsKind(err, KindNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		req, save = &r, true
	}
	switch req.State {
	case StateDelivering, StatePartiallyDelivered, StateDeliveryFailed:
	default:
		return nil
	}
	if req.State == target {
		return nil
	}
	status := map[string]string{StateDelivered: StatusFulfilled, StateDelivering: StatusDelivering, StatePartiallyDelivered: StatusPartial, StateDeliveryFailed: StatusFailed}[target]
	action := map[string]string{StateDelivered: "Fulfill access package assignment", StateDelivering: "Delivering access package assignment",
		StatePartiallyDelivered: "Access package assignment partially delivered", StateDeliveryFailed: "Access package assignment delivery failed"}[target]
	if req.IsRemove() && target == StateDelivered {
		action = "Remove access package assignment"
	}
	if target == StateDelivering {
		req.CompletedDateTime = nil // delivery resumed (REQ-8)
	}
	req.record(now, SystemActor, action, target, status, "", "")
	if target == StateDelivered && !req.IsRemove() {
		if _, err := s.reachStage(ctx, tx, req, nil, ExtGranted, now); err != nil {
			return err
		}
	}
	if target == StateDelivered && !req.IsRemove() && !assignmentMailsOff(ctx, tx, a.PolicyID) {
		if err := s.notify(ctx, tx, MailAccessDelivered, []string{req.TargetID}, req, map[string]string{"assignmentId": a.ID}, now); err != nil {
			return err
		}
	}
	if save {
		return tx.Requests().Put(ctx, req)
	}
	return nil
}

// submitUpdate accepts an extension or change of an existing assignment (POL-7, REQ-1).
func (s *Service) submitUpdate(ctx context.Context, tx *op, typ string, in RequestInput) (Request, error) {
	who, now := tx.who, tx.now
	a, p, c, err := s.assignmentFor(ctx, tx, typ, in)
	if err != nil {
		return Request{}, err
	}
	pol, err := tx.Policies().Get(ctx, a.PolicyID)
	if err != nil {
		return Request{}, Ec(KindFailedPrecondition, "PolicyNotFound", "the policy of assignment '%s' no longer exists; an administrator assigns the package again under another policy", a.ID)
	}
	sub, err := subjectOf(ctx, tx, a.TargetID)
	if err != nil {
		return Request{}, err
	}
	if typ == ReqUserUpdate {
		if !sub.User.AccountEnabled {
			return Request{}, Ec(KindInvalid, "UserBlockedFromSignIn", "user '%s' is blocked from signing in (REQ-2); an administrator sets accountEnabled to true", sub.User.UserPrincipalName)
		}
		if !pol.RequestorSettings.EnableTargetsToSelfUpdateAccess || !pol.Enabled() {
			return Request{}, Ec(KindInvalid, "ExtensionNotAllowed", "policy '%s' does not let users extend their access (POL-7); ask an assignment manager to extend it", pol.DisplayName)
		}
		if !pol.Covers(sub) {
			return Request{}, Ec(KindInvalid, "TargetNotInPolicyScope", "%s is no longer in the scope of policy '%s', so the access cannot be extended (POL-7); request the package again through a policy that includes you", describe(sub), pol.DisplayName)
		}
		if err := pol.CheckAnswers(in.Justification, in.Answers); err != nil {
			return Request{}, err
		}
		pol.labelAnswers(in.Answers)
	} else {
		pol.RequestorSettings.AllowCustomAssignmentSchedule = true
	}
	if err := pendingFor(ctx, tx, a); err != nil {
		return Request{}, err
	}
	sched := in.Schedule
	sched.StartDateTime = nil // an extension keeps the start; the new end counts from now
	span, err := pol.ScheduleFor(sched, now)
	if err != nil {
		return Request{}, err
	}
	req := Request{ID: s.ids.NewID(), RequestType: typ, CreatedDateTime: now, Justification: in.Justification, Answers: in.Answers,
		Schedule: requestedSchedule(&pol, sched, span), PackageID: p.ID, CatalogID: c.ID, PolicyID: pol.ID, PolicyVersion: pol.Version,
		TargetID: a.TargetID, RequestorID: who.UserID, AssignmentID: a.ID}
	req.record(now, who, "Request to extend access package assignment", StateSubmitted, StatusAccepted, in.Justification, "")
	if err := s.startRequest(ctx, tx, &req, &pol, sub, now); err != nil {
		return Request{}, err
	}
	return req, tx.Requests().Put(ctx, &req)
}

// submitRemove accepts giving up (userRemove) or removing (adminRemove) an assignment.
func (s *Service) submitRemove(ctx context.Context, tx *op, typ string, in RequestInput) (Request, error) {
	who, now := tx.who, tx.now
	a, p, c, err := s.assignmentFor(ctx, tx, typ, in)
	if err != nil {
		return Request{}, err
	}
	if typ == ReqUserRemove {
		if pol, err := tx.Policies().Get(ctx, a.PolicyID); err == nil && !pol.RequestorSettings.EnableTargetsToSelfRemoveAccess {
			return Request{}, Ec(KindInvalid, "RemoveNotAllowed", "policy '%s' does not let users give up access themselves; ask an assignment manager to remove it", pol.DisplayName)
		}
	}
	req := Request{ID: s.ids.NewID(), RequestType: typ, CreatedDateTime: now, Justification: in.Justification,
		Schedule: a.Schedule(), PackageID: p.ID, CatalogID: c.ID, PolicyID: a.PolicyID, PolicyVersion: a.PolicyVersion,
		TargetID: a.TargetID, RequestorID: who.UserID, AssignmentID: a.ID}
	req.record(now, who, "Request to remove access package assignment", StateSubmitted, StatusAccepted, in.Justification, "")
	req.record(now, SystemActor, "Ready to remove access package assignment", StateDelivering, StatusDelivering, "", "")
	if err := s.fulfill(ctx, tx, &req, now); err != nil {
		return Request{}, err
	}
	return req, tx.Requests().Put(ctx, &req)
}

// assignmentFor loads the active assignment an update or removal is about and checks that
// the actor may ask: the user themselves for user* types, an assignment manager for
// admin* types.
func (s *Service) assignmentFor(ctx context.Context, tx *op, typ string, in RequestInput) (Assignment, Package, Catalog, error) {
	if in.AssignmentID == "" {
		return Assignment{}, Package{}, Catalog{}, invalid("assignment.id is required: say which assignment to %s", cond(strings.HasSuffix(typ, "Remove"), "remove", "extend"))
	}
	a, err := tx.Assignments().Get(ctx, in.AssignmentID)
	if err != nil {
		return Assignment{}, Package{}, Catalog{}, err
	}
	p, err := tx.Packages().Get(ctx, a.PackageID)
	if err != nil {
		return Assignment{}, Package{}, Catalog{}, err
	}
	c, err := tx.Catalogs().Get(ctx, p.CatalogID)
	if err != nil {
		return Assignment{}, Package{}, Catalog{}, err
	}
	t := catalogTarget(c)
	t.PackageName = p.DisplayName
	if strings.HasPrefix(typ, "user") {
		if !tx.self(a.TargetID) {
			if tx.can(ActReadAssignments, t) {
				return Assignment{}, Package{}, Catalog{}, Ec(KindForbidden, "Forbidden", "assignment '%s' is not yours; an assignment manager uses requestType %s instead", a.ID, strings.Replace(typ, "user", "admin", 1))
			}
			return Assignment{}, Package{}, Catalog{}, notFound("access package assignment", a.ID)
		}
	} else if err := tx.authorize(ActManageAssignments, t); err != nil {
		return Assignment{}, Package{}, Catalog{}, err
	}
	if !a.Active() {
		return Assignment{}, Package{}, Catalog{}, Ec(KindFailedPrecondition, "AssignmentExpired", "assignment '%s' has already ended", a.ID)
	}
	return a, p, c, nil
}

// pendingFor refuses a second change to an assignment while one is pending.
func pendingFor(ctx context.Context, tx Tx, a Assignment) error {
	reqs, err := tx.Requests().List(ctx, By(KeyTarget, a.TargetID), By(KeyPackage, a.PackageID))
	if err != nil {
		return err
	}
	for _, r := range reqs {
		if r.AssignmentID == a.ID && r.Pending() && !r.IsAdd() {
			return Ec(KindConflict, "PendingRequestExists", "assignment '%s' already has a pending request (%s); wait for it or cancel it", a.ID, r.ID)
		}
	}
	return nil
}

// Decide records an approver's decision on a stage of a request (POL-3, POL-11). The first
// decision wins; a concurrent or later second decision on the same stage gets a Conflict.
// Approving the last stage sends the request on to delivery; a denial ends it.
func (s *Service) Decide(ctx context.Context, who Actor, requestID, stageID string, d Decision) (Request, error) {
	out, err := update(ctx, s, who,
		func(tx *op) (Request, error) {
			r, err := tx.Requests().Get(ctx, requestID)
			if err != nil {
				return Request{}, err
			}
			if tx.who.UserID == "" || !r.WasApprover(tx.who.UserID) {
				return Request{}, notFound("approval", requestID) // not shown to exist (POL-11)
			}
			tx.allow("an approver of the request decides it: approvers come from the request's policy, not from roles (POL-3, POL-11)")
			return r, nil
		},
		func(tx *op, req *Request) error {
			d, err := d.resolve()
			if err != nil {
				return err
			}
			pol, err := tx.PolicyVersion(ctx, req.PolicyID, req.PolicyVersion)
			if err != nil {
				return err
			}
			now := tx.now
			next, err := req.decide(now, tx.who, stageID, d, &pol)
			if err != nil {
				return err
			}
			if req.State == StateDenied {
				return s.notify(ctx, tx, MailRequestDenied, []string{req.TargetID, req.RequestorID}, req, map[string]string{"reason": d.Justification}, now)
			}
			if next {
				i := 0
				for req.Stages[i].Status != StageNotStarted {
					i++
				}
				sub, err := subjectOf(ctx, tx, req.TargetID)
				if err != nil {
					return err
				}
				stage := pol.RequestApprovalSettings.Stages[i]
				req.startStage(i, stage, stage.Approvers(sub, lookupIn(ctx, tx), false), now)
				req.History = append(req.History, Event{Time: now, ActorName: SystemActor.DisplayName, Action: "Add approver to request approval",
					State: req.State, Detail: req.Stages[i].DisplayName})
				return s.notify(ctx, tx, MailApprovalNeeded, req.Stages[i].Approvers, req, map[string]string{"stage": req.Stages[i].DisplayName}, now)
			}
			if err := s.notify(ctx, tx, MailRequestApproved, []string{req.TargetID, req.RequestorID}, req, nil, now); err != nil {
				return err
			}
			return s.approved(ctx, tx, req, now, "Ready to fulfill access package assignment request")
		},
		func(tx *op, req *Request) error { return tx.Requests().Put(ctx, req) })
	if err == nil {
		s.kick()
	}
	return out, err
}

// CancelRequest cancels a pending request, or one whose delivery failed (REQ-5). The
// requestor (or target) may cancel their own; assignment managers any in their catalogs.
// Canceling a failed add request ends its assignment, revoking whatever was delivered.
// A request that was already past canceling when read is refused as invalid; one that
// was decided (or moved on) between the read and the write is a Conflict that says what
// it became.
func (s *Service) CancelRequest(ctx context.Context, who Actor, id string) (Request, error) {
	seen := "" // the state of the request when it was first read
	out, err := update(ctx, s, who,
		func(tx *op) (Request, error) {
			r, err := requestAs(ctx, tx, id)
			if err != nil {
				return Request{}, err
			}
			if !tx.self(r.TargetID) && !tx.self(r.RequestorID) {
				if err := tx.authorize(ActManageAssignments, requestTarget(ctx, tx, &r)); err != nil {
					return Request{}, err
				}
			}
			if seen == "" {
				seen = r.State
			}
			return r, nil
		},
		func(tx *op, req *Request) error {
			now := tx.now
			failed := req.State == StateDeliveryFailed
			if err := req.cancel(now, tx.who); err != nil {
				if req.State != seen {
					return Ec(KindConflict, "RequestJustDecided",
						"request '%s' was just decided while you canceled it: it was %s when you asked and is now %s, which cannot be canceled (REQ-5); read it again to see what happened",
						req.ID, seen, req.State)
				}
				return err
			}
			if failed && req.IsAdd() && req.AssignmentID != "" {
				a, err := tx.Assignments().Get(ctx, req.AssignmentID)
				if err == nil && a.Active() {
					return s.endAssignment(ctx, tx, &a, req, now)
				}
			}
			return nil
		},
		func(tx *op, req *Request) error { return tx.Requests().Put(ctx, req) })
	if err == nil {
		s.kick()
	}
	return out, err
}

// requestTarget is the authorization target of a request: its catalog and package.
func requestTarget(ctx context.Context, tx Tx, r *Request) Target {
	t := Target{CatalogID: r.CatalogID}
	if c, err := tx.Catalogs().Get(ctx, r.CatalogID); err == nil {
		t = catalogTarget(c)
	}
	if p, err := tx.Packages().Get(ctx, r.PackageID); err == nil {
		t.PackageName = p.DisplayName
	}
	return t
}

// requestAs loads a request the actor may see: their own (as target or requestor), one
// they approve or approved, or any in a catalog where they may read assignments.
func requestAs(ctx context.Context, tx *op, id string) (Request, error) {
	r, err := tx.Requests().Get(ctx, id)
	if err != nil {
		return Request{}, err
	}
	if canSeeRequest(ctx, tx, &r) {
		return r, nil
	}
	return Request{}, notFound("access package assignment request", id)
}

// canSeeRequest is the visibility of a request: its target, its requestor, its approvers,
// and administrators who may read assignments in its catalog (ActReadAssignments; reading
// the catalog or its packages is not enough).
func canSeeRequest(ctx context.Context, tx *op, r *Request) bool {
	if tx.self(r.TargetID) || tx.self(r.RequestorID) || (tx.who.UserID != "" && r.WasApprover(tx.who.UserID)) {
		return true
	}
	return tx.can(ActReadAssignments, requestTarget(ctx, tx, r))
}

// GetRequest returns a request the actor may see.
func (s *Service) GetRequest(ctx context.Context, who Actor, id string) (Request, error) {
	var out Request
	err := s.read(ctx, who, func(tx *op) error { var err error; out, err = requestAs(ctx, tx, id); return err })
	return out, err
}

// ListRequests returns the requests the actor may see (all of them for a tenant-wide
// reader), optionally only those of one state.
func (s *Service) ListRequests(ctx context.Context, who Actor, state string) ([]Request, error) {
	var out []Request
	err := s.read(ctx, who, func(tx *op) error {
		var keys []Key
		if state != "" {
			keys = append(keys, By(KeyState, state))
		}
		wide := tx.can(ActReadAssignments, Target{}) // decides even when there is no request
		all, err := tx.Requests().List(ctx, keys...)
		if err != nil {
			return err
		}
		for i := range all {
			if wide || canSeeRequest(ctx, tx, &all[i]) {
				out = append(out, all[i])
			}
		}
		return nil
	})
	return out, err
}

// PackageRequests returns the requests of one access package, newest first, to whoever
// may read the assignments of its catalog.
func (s *Service) PackageRequests(ctx context.Context, who Actor, pkgID string) ([]Request, error) {
	var out []Request
	err := s.read(ctx, who, func(tx *op) error {
		if _, _, err := packageAs(ctx, tx, ActReadAssignments, pkgID); err != nil {
			return err
		}
		var err error
		out, err = tx.Requests().List(ctx, By(KeyPackage, pkgID))
		return err
	})
	slices.SortStableFunc(out, func(a, b Request) int { return b.CreatedDateTime.Compare(a.CreatedDateTime) })
	return out, err
}

// Requests filtered by the current user (Graph's filterByCurrentUser).
const (
	OnTarget    = "target"
	OnCreatedBy = "createdBy"
	OnApprover  = "approver"
)

// MyRequests returns requests by their relation to the actor: where they are the target,
// the creator, or an approver (of the stage now open, or of one they already decided).
// A requestor never finds their own request as an approver (POL-11).
func (s *Service) MyRequests(ctx context.Context, who Actor, on string) ([]Request, error) {
	var out []Request
	err := s.read(ctx, who, func(tx *op) error {
		tx.allow("self-service: the requests are selected by the caller's own id (as target, requestor or approver)")
		var err error
		switch on {
		case OnTarget:
			out, err = tx.Requests().List(ctx, By(KeyTarget, tx.who.UserID))
		case OnCreatedBy:
			out, err = tx.Requests().List(ctx, By(KeyRequestor, tx.who.UserID))
		case OnApprover:
			out, err = approvalsOf(ctx, tx, tx.who.UserID)
		default:
			err = invalid("filterByCurrentUser on '%s' is not supported; use target, createdBy or approver", on)
		}
		return err
	})
	return out, err
}

// approvalsOf lists the pending requests a user may decide, through the index of
// approvers; a request waiting for a custom extension's callback is not to be decided.
func approvalsOf(ctx context.Context, tx Tx, userID string) ([]Request, error) {
	list, err := tx.ApproverRequests(ctx, userID, StatePendingApproval)
	return slices.DeleteFunc(list, func(r Request) bool { return r.Status == StatusWaiting }), err
}

// GetApproval returns a request as seen by one of its approvers; anyone else, including
// the requestor, gets NotFound (POL-11). Administrators who may read assignments see it too,
// unless it is their own.
func (s *Service) GetApproval(ctx context.Context, who Actor, id string) (Request, error) {
	var out Request
	err := s.read(ctx, who, func(tx *op) error {
		r, err := tx.Requests().Get(ctx, id)
		if err != nil {
			return err
		}
		own := tx.self(r.TargetID) || tx.self(r.RequestorID)
		approver := tx.who.UserID != "" && r.WasApprover(tx.who.UserID)
		if own || !(approver || tx.can(ActReadAssignments, requestTarget(ctx, tx, &r))) || len(r.Stages) == 0 {
			return notFound("approval", id)
		}
		out = r
		return nil
	})
	return out, err
}

// MyDecisions returns the requests in which the actor decided a stage, the latest
// decision first: an approver's past decisions.
func (s *Service) MyDecisions(ctx context.Context, who Actor) ([]Request, error) {
	var out []Request
	var me string
	err := s.read(ctx, who, func(tx *op) error {
		tx.allow("self-service: the requests are selected by the caller's own id, as an approver who decided them")
		me = tx.who.UserID
		all, err := tx.ApproverRequests(ctx, me, "")
		for _, r := range all {
			if r.DecidedBy(me) != nil {
				out = append(out, r)
			}
		}
		return err
	})
	slices.SortStableFunc(out, func(a, b Request) int {
		return b.DecidedBy(me).ReviewedDateTime.Compare(*a.DecidedBy(me).ReviewedDateTime)
	})
	return out, err
}

// MyApprovals returns the approvals waiting for the actor (Graph's
// accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')).
func (s *Service) MyApprovals(ctx context.Context, who Actor) ([]Request, error) {
	return s.MyRequests(ctx, who, OnApprover)
}
