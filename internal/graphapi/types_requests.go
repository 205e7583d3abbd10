package graphapi

import (
	"context"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/odata"
)

// requestTypes adds the types of the request lifecycle: assignment requests, assignments,
// approvals with their stages, and the subjects they are for.
func (a *API) requestTypes(t *types) {
	t.request = newType("accessPackageAssignmentRequest", access.Request{},
		[]string{"catalogId", "policyVersion", "stages", "due", "waitingOn", "accessPackageId", "assignmentPolicyId", "assignmentId", "targetId", "requestorId",
			"accessPackage", "assignment", "requestor"},
		"accessPackage/id", "assignment/id", "requestor/objectId")
	t.request.keys = map[string]string{"state": access.KeyState}
	t.request.augment = func(m obj) {
		m["accessPackage"] = obj{"id": m["accessPackageId"]}
		m["assignment"] = obj{"id": m["assignmentId"]}
		m["requestor"] = obj{"objectId": m["targetId"]}
		m["customExtensionCalloutInstances"] = graphCallouts(m)
	}
	t.assignment = newType("accessPackageAssignment", access.Assignment{},
		[]string{"catalogId", "policyVersion", "startDateTime", "endDateTime", "requestId", "roles", "reminded", "due",
			"accessPackageId", "assignmentPolicyId", "targetId", "accessPackage", "assignmentPolicy", "target"},
		"schedule", "accessPackage/id", "assignmentPolicy/id", "target/objectId")
	t.assignment.keys = map[string]string{"state": access.KeyState}
	t.assignment.augment = func(m obj) {
		m["accessPackage"] = obj{"id": m["accessPackageId"]}
		m["assignmentPolicy"] = obj{"id": m["assignmentPolicyId"]}
		m["target"] = obj{"objectId": m["targetId"]}
		start, _ := m["startDateTime"].(string)
		exp := obj{"type": access.ExpireNever, "endDateTime": nil, "duration": nil}
		if end, ok := m["endDateTime"].(string); ok {
			exp = obj{"type": access.ExpireAfterDateTime, "endDateTime": end, "duration": nil}
		}
		m["schedule"] = obj{"startDateTime": start, "expiration": exp, "recurrence": nil}
	}
	t.approval = newType("approval", approvalView{}, nil, "stages/status", "stages/assignedToMe")
	t.approvalStage = newType("approvalStage", stageView{}, nil)
	t.subject = newType("accessPackageSubject", subjectView{}, nil)

	// The package and the subject of a request or assignment are shown to whoever may see
	// that request or assignment: the service checks it again for the id being expanded.
	type subjectFn func(context.Context, access.Actor, string) (access.User, *access.ConnectedOrganization, error)
	subject := func(get subjectFn) expander {
		return func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
			u, org, err := get(ctx, who, str(it, "id"))
			if access.IsKind(err, access.KindNotFound) {
				return nil, nil
			} else if err != nil {
				return nil, err
			}
			return t.subject.render(ctx, who, toObj(subjectOf(u, org)), q)
		}
	}
	pkg := func(get func(context.Context, access.Actor, string) (access.Package, error)) expander {
		return func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
			p, err := get(ctx, who, str(it, "id"))
			if access.IsKind(err, access.KindNotFound) {
				return nil, nil
			} else if err != nil {
				return nil, err
			}
			return t.accessPackage.render(ctx, who, toObj(p), q)
		}
	}
	t.request.expand["accessPackage"] = pkg(a.svc.RequestPackage)
	t.assignment.expand["accessPackage"] = pkg(a.svc.AssignmentPackage)
	t.request.expand["requestor"] = subject(a.svc.RequestSubject)
	t.assignment.expand["target"] = subject(a.svc.AssignmentSubject)
	t.request.expand["assignment"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		id := str(it, "assignmentId")
		if id == "" {
			return nil, nil
		}
		x, err := a.svc.GetAssignment(ctx, who, id)
		if access.IsKind(err, access.KindNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		return t.assignment.render(ctx, who, toObj(x), q)
	}
	t.assignment.expand["assignmentPolicy"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		p, err := a.svc.GetPolicy(ctx, who, str(it, "assignmentPolicyId"))
		if access.IsKind(err, access.KindNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		return t.policy.render(ctx, who, toObj(p), q)
	}
}

// graphCallouts shows a request's callout instances with Graph's statuses only: a callout
// recorded but not yet sent (Bestow's calloutPending, which Graph's SDKs cannot read) is
// left out, unless the request waits for it, which Graph shows as waitingForCallback.
func graphCallouts(m obj) []any {
	list, _ := m["customExtensionCalloutInstances"].([]any)
	out := []any{}
	for _, x := range list {
		c, ok := x.(obj)
		if !ok || c["status"] != access.CalloutQueued {
			out = append(out, x)
			continue
		}
		if c["id"] == m["waitingOn"] {
			w := obj{}
			for k, v := range c {
				w[k] = v
			}
			w["status"] = access.WaitingForCallback
			out = append(out, w)
		}
	}
	return out
}

// subjectView is Graph's accessPackageSubject; connectedOrganization is a relationship,
// shown with $expand (types_calls.go). Bestow keeps no security identifiers.
type subjectView struct {
	ID                           string  `json:"id"`
	ObjectID                     string  `json:"objectId"`
	DisplayName                  string  `json:"displayName"`
	Email                        *string `json:"email"`
	PrincipalName                string  `json:"principalName"`
	SubjectType                  string  `json:"subjectType"`
	OnPremisesSecurityIdentifier *string `json:"onPremisesSecurityIdentifier"`
	SubjectLifecycle             string  `json:"subjectLifecycle"`
	ConnectedOrganization        any     `json:"connectedOrganization"`
}

func subjectOf(u access.User, org *access.ConnectedOrganization) subjectView {
	v := subjectView{ID: u.ID, ObjectID: u.ID, DisplayName: u.DisplayName, PrincipalName: u.UserPrincipalName, SubjectType: "user",
		SubjectLifecycle: u.Lifecycle()}
	if u.Mail != "" {
		v.Email = &u.Mail
	}
	if org != nil {
		v.ConnectedOrganization = obj{"id": org.ID, "displayName": org.DisplayName}
	}
	return v
}

// approvalView is Graph's approval: the approval of a request has the request's id.
type approvalView struct {
	Type   string      `json:"@odata.type"`
	ID     string      `json:"id"`
	Stages []stageView `json:"stages"`
}

// stageView is Graph's approvalStage as seen by one viewer.
type stageView struct {
	Type             string     `json:"@odata.type"`
	ID               string     `json:"id"`
	AssignedToMe     bool       `json:"assignedToMe"`
	DisplayName      string     `json:"displayName"`
	Justification    *string    `json:"justification"`
	ReviewResult     string     `json:"reviewResult"`
	ReviewedBy       *identity  `json:"reviewedBy"`
	ReviewedDateTime *time.Time `json:"reviewedDateTime"`
	Status           string     `json:"status"`
}

type identity struct {
	ID          string  `json:"id"`
	DisplayName *string `json:"displayName"`
}

// noReviewer is the reviewer of a stage that was decided without a person (it expired).
const noReviewer = "00000000-0000-0000-0000-000000000000"

// approvalOf shows a request's approval to who: assignedToMe is true on the open stage
// they may decide.
func approvalOf(r access.Request, who access.Actor) approvalView {
	v := approvalView{Type: "#microsoft.graph.approval", ID: r.ID, Stages: []stageView{}}
	for _, st := range r.Stages {
		v.Stages = append(v.Stages, stageOf(r, st, who))
	}
	return v
}

func stageOf(r access.Request, st access.Stage, who access.Actor) stageView {
	sv := stageView{Type: "#microsoft.graph.approvalStage", ID: st.ID, DisplayName: st.DisplayName, ReviewResult: st.ReviewResult, ReviewedDateTime: st.ReviewedDateTime,
		Status: st.Status}
	// A stage nobody reviewed has no reviewer: reviewedBy is null. Graph's reference
	// describes an all-zero id there; null is what typed clients read as "no one".
	if st.ReviewedBy != "" || st.ReviewResult != access.ReviewNotYet {
		name := st.ReviewedByName
		sv.ReviewedBy = &identity{ID: st.ReviewedBy, DisplayName: &name}
		if st.ReviewedBy == "" {
			sv.ReviewedBy.ID = noReviewer
		}
	}
	if st.Justification != "" {
		j := st.Justification
		sv.Justification = &j
	}
	if cur := r.CurrentStage(); cur != nil && cur.ID == st.ID {
		sv.AssignedToMe = r.IsApprover(who.UserID)
	}
	return sv
}
