package graphapi

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// requestRoutes serve the request lifecycle: assignment requests, assignments and
// approvals.
func (a *API) requestRoutes() []route {
	t, s := a.types, a.svc
	id := func(r *http.Request) string { return r.PathValue("id") }
	var routes []route
	add := func(method, pattern, summary, typ string, h http.HandlerFunc) {
		routes = append(routes, route{method: method, pattern: em + pattern, summary: summary, typ: typ, h: h})
	}

	// Assignment requests.
	add("GET", "/assignmentRequests", "List the assignment requests the caller may see", "accessPackageAssignmentRequest",
		windowOf(a, t.request, func(r *http.Request, who access.Actor, keys ...access.Key) ([]access.Request, error) {
			return s.ListRequests(r.Context(), who, keyValue(keys, access.KeyState))
		}, func(r *http.Request, who access.Actor, w access.Window) ([]access.Request, int, error) {
			list, err := s.ListRequests(r.Context(), who, "")
			return cut(list, w), len(list), err
		}))
	add("POST", "/assignmentRequests", "Request, extend or remove an assignment (userAdd, userUpdate/userExtend, userRemove, adminAdd, adminUpdate, adminRemove)",
		"accessPackageAssignmentRequest", createOf(a, t.request, "accessPackageAssignmentRequest", func(r *http.Request, who access.Actor, b body) (access.Request, error) {
			in, err := requestInput(b)
			if err != nil {
				return access.Request{}, err
			}
			return s.SubmitRequest(r.Context(), who, in)
		}))
	getRequest := oneOf(a, t.request, func(r *http.Request, who access.Actor) (access.Request, error) {
		return s.GetRequest(r.Context(), who, id(r))
	})
	add("GET", "/assignmentRequests/{id}", "Get an assignment request; or filterByCurrentUser(on='target'|'createdBy'|'approver')", "accessPackageAssignmentRequest",
		a.handle(func(w http.ResponseWriter, r *http.Request) error {
			on, ok := filterByCurrentUser(id(r))
			if !ok {
				getRequest(w, r)
				return nil
			}
			list, err := s.MyRequests(r.Context(), actorOf(r), on)
			if err != nil {
				return err
			}
			a.writeList(w, r, t.request, toObjs(list))
			return nil
		}))
	add("POST", "/assignmentRequests/{id}/cancel", "Cancel a pending request, or one whose delivery failed", "",
		a.handle(func(w http.ResponseWriter, r *http.Request) error {
			if _, err := s.CancelRequest(r.Context(), actorOf(r), id(r)); err != nil {
				return err
			}
			noContent(w)
			return nil
		}))

	// Assignments.
	add("GET", "/assignments", "List the assignments the caller may see", "accessPackageAssignment",
		windowOf(a, t.assignment, func(r *http.Request, who access.Actor, keys ...access.Key) ([]access.Assignment, error) {
			return s.ListAssignments(r.Context(), who, access.AssignmentFilter{State: keyValue(keys, access.KeyState)})
		}, func(r *http.Request, who access.Actor, w access.Window) ([]access.Assignment, int, error) {
			list, err := s.ListAssignments(r.Context(), who, access.AssignmentFilter{})
			return cut(list, w), len(list), err
		}))
	getAssignment := oneOf(a, t.assignment, func(r *http.Request, who access.Actor) (access.Assignment, error) {
		return s.GetAssignment(r.Context(), who, id(r))
	})
	add("GET", "/assignments/{id}", "Get an assignment; or filterByCurrentUser(on='target'): the caller's assignments; "+
		"or "+additionalAccessForm+": the assignments of one package whose targets also hold the other", "accessPackageAssignment",
		a.handle(func(w http.ResponseWriter, r *http.Request) error {
			if name, _ := callName(id(r)); name == "additionalAccess" {
				return a.writeAdditionalAccess(w, r, id(r))
			}
			on, ok := filterByCurrentUser(id(r))
			if !ok {
				getAssignment(w, r)
				return nil
			}
			if on != "target" {
				return badRequest("filterByCurrentUser on='%s' is not supported for assignments; use on='target'", on)
			}
			list, err := s.MyAssignments(r.Context(), actorOf(r))
			if err != nil {
				return err
			}
			a.writeList(w, r, t.assignment, toObjs(list))
			return nil
		}))

	// Approvals, under Graph's v1.0 name and the documented alias.
	for _, base := range []string{"/accessPackageAssignmentApprovals", "/assignmentApprovals"} {
		add("GET", base, "The approvals waiting for the caller", "approval", a.handle(func(w http.ResponseWriter, r *http.Request) error {
			return a.writeApprovals(w, r)
		}))
		add("GET", base+"/{id}", "Get the approval of a request (its id is the request's); or filterByCurrentUser(on='approver')", "approval",
			a.handle(func(w http.ResponseWriter, r *http.Request) error {
				if on, ok := filterByCurrentUser(id(r)); ok {
					if on != "approver" {
						return badRequest("filterByCurrentUser on='%s' is not supported for approvals; use on='approver'", on)
					}
					return a.writeApprovals(w, r)
				}
				req, err := s.GetApproval(r.Context(), actorOf(r), id(r))
				if err != nil {
					return err
				}
				a.writeOne(w, r, http.StatusOK, t.approval, toObj(approvalOf(req, actorOf(r))))
				return nil
			}))
		add("GET", base+"/{id}/stages", "List the stages of an approval", "approvalStage", a.handle(func(w http.ResponseWriter, r *http.Request) error {
			req, err := s.GetApproval(r.Context(), actorOf(r), id(r))
			if err != nil {
				return err
			}
			a.writeList(w, r, t.approvalStage, toObjs(approvalOf(req, actorOf(r)).Stages))
			return nil
		}))
		add("GET", base+"/{id}/stages/{stage}", "Get a stage of an approval", "approvalStage", a.handle(func(w http.ResponseWriter, r *http.Request) error {
			req, err := s.GetApproval(r.Context(), actorOf(r), id(r))
			if err != nil {
				return err
			}
			for _, st := range approvalOf(req, actorOf(r)).Stages {
				if st.ID == r.PathValue("stage") {
					a.writeOne(w, r, http.StatusOK, t.approvalStage, toObj(st))
					return nil
				}
			}
			return access.Ec(access.KindNotFound, "ResourceNotFound", "approval '%s' has no stage '%s'", id(r), r.PathValue("stage"))
		}))
		add("PATCH", base+"/{id}/stages/{stage}", "Approve or deny a stage: reviewResult Approve or Deny, with justification", "",
			a.handle(func(w http.ResponseWriter, r *http.Request) error {
				b, err := typedBody(r, "approvalStage")
				if err != nil {
					return err
				}
				d, err := decision(b)
				if err != nil {
					return err
				}
				if _, err := s.Decide(r.Context(), actorOf(r), id(r), r.PathValue("stage"), d); err != nil {
					return err
				}
				noContent(w)
				return nil
			}))
	}
	// Assignments as CSV (ASG-1), filtered like the list.
	routes = append(routes, route{method: "GET", pattern: "/bestow/v1/assignments/export",
		summary: "The assignments the caller may see as CSV (?state=&accessPackage=&target=): package, user, state, dates, policy",
		h:       a.handle(func(w http.ResponseWriter, r *http.Request) error { return a.exportAssignments(w, r) })})

	// Per-role delivery of an assignment (ASG-5, REQ-6).
	routes = append(routes, route{method: "GET", pattern: "/bestow/v1/assignments/{id}/roles",
		summary: "Each resource role of an assignment: delivered, delivering or failed, with attempts, last error and next attempt",
		h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
			roles, err := s.AssignmentRoles(r.Context(), actorOf(r), id(r))
			if err != nil {
				return err
			}
			out := make([]obj, 0, len(roles))
			for _, rs := range roles {
				e := rs.Entry
				out = append(out, obj{"state": rs.State, "originSystem": e.OriginSystem, "resource": e.ResourceDisplayName,
					"resourceOriginId": e.ResourceOriginID, "role": e.RoleDisplayName, "roleOriginId": e.RoleOriginID,
					"attempts": e.Attempts, "lastError": e.LastError, "nextAttemptDateTime": e.Due, "preExisting": e.PreExisting})
			}
			writeJSON(w, http.StatusOK, obj{"value": out})
			return nil
		})})

	// The mail outbox (NOT-1): every notification with its state, attempts and last error.
	routes = append(routes,
		route{method: "GET", pattern: "/bestow/v1/notifications", summary: "The mail outbox: every notification with state (pending, sent, failed, skipped), attempts and last error (?state=)",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				list, err := s.ListMessages(r.Context(), actorOf(r), r.URL.Query().Get("state"))
				if err != nil {
					return err
				}
				if list == nil {
					list = []access.Message{}
				}
				writeJSON(w, http.StatusOK, obj{"value": list})
				return nil
			})},
		route{method: "POST", pattern: "/bestow/v1/notifications/{id}/retry", summary: "Send a failed or skipped notification again",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				m, err := s.RetryMessage(r.Context(), actorOf(r), id(r))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, m)
				return nil
			})})
	return routes
}

// writeApprovals answers the approvals waiting for the caller.
func (a *API) writeApprovals(w http.ResponseWriter, r *http.Request) error {
	who := actorOf(r)
	list, err := a.svc.MyApprovals(r.Context(), who)
	if err != nil {
		return err
	}
	out := make([]obj, len(list))
	for i, req := range list {
		out[i] = toObj(approvalOf(req, who))
	}
	a.writeList(w, r, a.types.approval, out)
	return nil
}

// requestInput reads an accessPackageAssignmentRequest body. The assignment reference
// carries accessPackageId, assignmentPolicyId and targetId (or id) as additional
// properties, as the SDKs send them; accessPackageAssignment is accepted as beta's name.
func requestInput(b body) (access.RequestInput, error) {
	var in struct {
		RequestType   string           `json:"requestType"`
		Justification *string          `json:"justification"`
		Answers       []access.Answer  `json:"answers"`
		Schedule      *access.Schedule `json:"schedule"`
	}
	if err := decodeInto(b, &in); err != nil {
		return access.RequestInput{}, err
	}
	if in.RequestType == "" {
		return access.RequestInput{}, badRequest("requestType is required: userAdd, userUpdate, userRemove, adminAdd, adminUpdate or adminRemove")
	}
	raw, ok := b["assignment"]
	if !ok {
		raw, ok = b["accessPackageAssignment"]
	}
	if !ok || string(raw) == "null" {
		return access.RequestInput{}, badRequest(`the request needs an assignment: {"accessPackageId": "…", "assignmentPolicyId": "…"} to add, or {"id": "…"} to update or remove`)
	}
	var ref struct {
		ID                 string          `json:"id"`
		AccessPackageID    string          `json:"accessPackageId"`
		AssignmentPolicyID string          `json:"assignmentPolicyId"`
		TargetID           string          `json:"targetId"`
		Target             json.RawMessage `json:"target"`
		AccessPackage      *struct {
			ID string `json:"id"`
		} `json:"accessPackage"`
		AssignmentPolicy *struct {
			ID string `json:"id"`
		} `json:"assignmentPolicy"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		return access.RequestInput{}, badRequest("assignment must be an object such as {\"accessPackageId\": \"…\"}")
	}
	if ref.AccessPackageID == "" && ref.AccessPackage != nil {
		ref.AccessPackageID = ref.AccessPackage.ID
	}
	if ref.AssignmentPolicyID == "" && ref.AssignmentPolicy != nil {
		ref.AssignmentPolicyID = ref.AssignmentPolicy.ID
	}
	var target struct {
		ObjectID    string `json:"objectId"`
		Email       string `json:"email"`
		DisplayName string `json:"displayName"`
	}
	if ref.TargetID == "" && len(ref.Target) > 0 && string(ref.Target) != "null" {
		if err := json.Unmarshal(ref.Target, &target); err != nil {
			return access.RequestInput{}, badRequest(`assignment.target must be an object such as {"objectId": "…"} or {"email": "…", "displayName": "…"}`)
		}
		ref.TargetID = target.ObjectID
	}
	out := access.RequestInput{RequestType: in.RequestType, PackageID: ref.AccessPackageID, PolicyID: ref.AssignmentPolicyID,
		TargetID: ref.TargetID, TargetEmail: target.Email, TargetName: target.DisplayName, AssignmentID: ref.ID, Answers: in.Answers}
	if in.Justification != nil {
		out.Justification = *in.Justification
	}
	if in.Schedule != nil {
		out.Schedule = *in.Schedule
	}
	if strings.HasPrefix(strings.ToLower(in.RequestType), "useradd") || strings.HasPrefix(strings.ToLower(in.RequestType), "adminadd") {
		out.AssignmentID = ""
	}
	return out, nil
}

// decision reads a PATCH of an approval stage: reviewResult Approve or Deny (Approved and
// Denied are accepted too) and an optional justification.
func decision(b body) (access.Decision, error) {
	var in struct {
		ReviewResult  string  `json:"reviewResult"`
		Justification *string `json:"justification"`
	}
	if err := decodeInto(b, &in); err != nil {
		return access.Decision{}, err
	}
	d := access.Decision{Review: &in.ReviewResult}
	if in.Justification != nil {
		d.Justification = *in.Justification
	}
	return d, nil // the service reads Review once it knows the caller is an approver
}

// keyValue returns the value of the named key, or "".
func keyValue(keys []access.Key, name string) string {
	for _, k := range keys {
		if k.Name == name && !k.Prefix {
			return k.Value
		}
	}
	return ""
}

// cut returns one window of a list.
func cut[T any](list []T, w access.Window) []T {
	lo := min(w.Offset, len(list))
	hi := len(list)
	if w.Limit > 0 {
		hi = min(lo+w.Limit, len(list))
	}
	return list[lo:hi]
}

// exportAssignments writes the assignments the caller may see, filtered by state, package
// and target, as CSV (ASG-1).
func (a *API) exportAssignments(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k := range q {
		if k != "state" && k != "accessPackage" && k != "target" {
			return badRequest("unknown parameter '%s'; use state, accessPackage (id) or target (user id)", k)
		}
	}
	f := access.AssignmentFilter{State: q.Get("state"), PackageID: q.Get("accessPackage"), TargetID: q.Get("target")}
	switch f.State {
	case "", access.AsgDelivering, access.AsgDelivered, access.AsgPartiallyDelivered, access.AsgDeliveryFailed, access.AsgExpired:
	default:
		return badRequest("state '%s' is not an assignment state; use delivering, delivered, partiallyDelivered, deliveryFailed or expired", f.State)
	}
	who := actorOf(r)
	list, err := a.svc.ListAssignments(r.Context(), who, f)
	if err != nil {
		return err
	}
	names := map[string]string{}
	name := func(kind, id string, get func() (string, error)) string {
		if n, ok := names[kind+id]; ok {
			return n
		}
		n, err := get()
		if err != nil {
			n = id
		}
		names[kind+id] = n
		return n
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="bestow-assignments.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "accessPackage", "accessPackageId", "user", "userId", "state", "status", "startDateTime", "endDateTime", "expiredDateTime", "assignmentPolicyId"})
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.RFC3339)
	}
	for _, x := range list {
		pkg := name("p", x.PackageID, func() (string, error) {
			p, err := a.svc.AssignmentPackage(r.Context(), who, x.ID)
			return p.DisplayName, err
		})
		user := name("u", x.TargetID, func() (string, error) {
			u, _, err := a.svc.AssignmentSubject(r.Context(), who, x.ID)
			return u.UserPrincipalName, err
		})
		start := x.Start
		_ = cw.Write([]string{x.ID, csvCell(pkg), x.PackageID, csvCell(user), x.TargetID, x.State, x.Status, stamp(&start), stamp(x.End), stamp(x.ExpiredDateTime), x.PolicyID})
	}
	cw.Flush()
	return nil
}
