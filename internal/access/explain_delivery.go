package access

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DeliveryExplanation answers "why isn't this assignment delivered?" (TRB-2): every
// resource role of a request's or an assignment's access with its state, last error,
// attempts and next retry, and what an administrator can do now.
type DeliveryExplanation struct {
	RequestID    string         `json:"requestId,omitempty"`
	RequestState string         `json:"requestState,omitempty"`
	AssignmentID string         `json:"assignmentId,omitempty"`
	State        string         `json:"assignmentState,omitempty"`
	Package      string         `json:"accessPackage"`
	Target       string         `json:"target"`
	Roles        []RoleDelivery `json:"roles"`
	Actions      []string       `json:"actions"`
}

// RoleDelivery is one resource role in a DeliveryExplanation.
type RoleDelivery struct {
	DeliveryError
	PreExisting bool `json:"preExisting"`
}

// ExplainDelivery explains the delivery of a request (requestID) or of an assignment
// (assignmentID), to whoever may read it.
func (s *Service) ExplainDelivery(ctx context.Context, who Actor, requestID, assignmentID string) (DeliveryExplanation, error) {
	var ex DeliveryExplanation
	err := s.read(ctx, who, func(tx *op) error {
		var r *Request
		if requestID != "" {
			req, err := requestAs(ctx, tx, requestID)
			if err != nil {
				return err
			}
			r, assignmentID = &req, req.AssignmentID
			ex.RequestID, ex.RequestState = req.ID, req.State
		}
		if assignmentID == "" {
			if r == nil {
				return invalid("say what to explain: ?request=<id> or ?assignment=<id>")
			}
			ex.Actions = []string{fmt.Sprintf("The request is %s and made no assignment, so nothing was delivered.", r.State)}
			return nil
		}
		a, err := assignmentAs(ctx, tx, assignmentID)
		if err != nil {
			return err
		}
		ex.AssignmentID, ex.State = a.ID, a.State
		if p, err := tx.Packages().Get(ctx, a.PackageID); err == nil {
			ex.Package = p.DisplayName
		}
		if u, err := tx.Users().Get(ctx, a.TargetID); err == nil {
			ex.Target = u.UserPrincipalName
		}
		if r == nil && a.RequestID != "" {
			if req, err := tx.Requests().Get(ctx, a.RequestID); err == nil {
				r = &req
			}
		}
		entries, err := roleEntries(ctx, tx, &a)
		if err != nil {
			return err
		}
		for _, e := range entries {
			d, bad := s.deliveryErrorOf(e)
			if !bad {
				d = DeliveryError{ResourceDisplayName: e.ResourceDisplayName, RoleDisplayName: e.RoleDisplayName, OriginSystem: e.OriginSystem,
					ResourceOriginID: e.ResourceOriginID, RoleOriginID: e.RoleOriginID, State: roleState(e), Attempts: e.Attempts, NextRetry: e.Due}
			}
			ex.Roles = append(ex.Roles, RoleDelivery{DeliveryError: d, PreExisting: e.PreExisting})
		}
		ex.Actions = s.deliveryActions(&a, r, ex.Roles, tx.now)
		return nil
	})
	return ex, err
}

// deliveryActions says what an administrator can do about an assignment's delivery now.
func (s *Service) deliveryActions(a *Assignment, r *Request, roles []RoleDelivery, now time.Time) []string {
	if !a.Active() {
		return []string{"The assignment has ended; its roles are revoked unless another assignment wants them or the user held them before Bestow (ASG-2)."}
	}
	var out []string
	retrying, failed, drifted := false, false, false
	for _, rd := range roles {
		switch rd.State {
		case RoleDelivering:
			if rd.RetriesEnd != nil {
				retrying = true
				out = append(out, fmt.Sprintf("Wait: %s of '%s' in %s is retried automatically until %s (last error: %s).",
					rd.RoleDisplayName, rd.ResourceDisplayName, rd.OriginSystem, rd.RetriesEnd.UTC().Format(time.RFC3339), rd.Message))
			}
		case RoleFailed:
			failed = true
			out = append(out, fmt.Sprintf("Fix the target: %s of '%s' in %s failed: %s", rd.RoleDisplayName, rd.ResourceDisplayName, rd.OriginSystem, rd.Message))
		case RoleDrifted:
			drifted = true
			out = append(out, fmt.Sprintf("Drift: %s", rd.Message))
		}
	}
	switch {
	case failed && r != nil && s.reprocessable(r, nil, now) == nil:
		out = append(out, fmt.Sprintf("Then reprocess the request: POST …/assignmentRequests/%s/reprocess.", r.ID))
	case failed || drifted:
		out = append(out, fmt.Sprintf("Then reprocess the assignment: POST …/assignments/%s/reprocess.", a.ID))
	}
	if failed || drifted {
		out = append(out, fmt.Sprintf("Or remove the assignment if the access is no longer needed: POST …/assignmentRequests with requestType adminRemove and assignment.id %s.", a.ID))
	}
	if len(out) == 0 && !retrying {
		if a.State == AsgDelivered {
			out = append(out, "Nothing to do: every role is in place.")
		} else {
			out = append(out, "Delivery is under way; the worker delivers due roles within seconds.")
		}
	}
	return out
}

// String renders the explanation for a terminal.
func (ex DeliveryExplanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Assignment %s of %s to %s: %s\n", ex.AssignmentID, ex.Package, ex.Target, ex.State)
	if ex.RequestID != "" {
		fmt.Fprintf(&b, "Request %s: %s\n", ex.RequestID, ex.RequestState)
	}
	for _, r := range ex.Roles {
		fmt.Fprintf(&b, "  %-10s %s of %s (%s)", r.State, r.RoleDisplayName, r.ResourceDisplayName, r.OriginSystem)
		if r.Message != "" {
			fmt.Fprintf(&b, ": %s", r.Message)
		}
		if r.Attempts > 0 {
			fmt.Fprintf(&b, " [%d attempts]", r.Attempts)
		}
		b.WriteString("\n")
	}
	for _, a := range ex.Actions {
		fmt.Fprintf(&b, "- %s\n", a)
	}
	return b.String()
}
