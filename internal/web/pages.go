package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// packagesPage lists the packages the person may request (hidden ones left out, AP-2),
// with a search over names and descriptions.
func (p *Portal) packagesPage(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	list, err := p.svc.RequestablePackages(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("search"))
	if q != "" {
		needle := strings.ToLower(q)
		list = slices.DeleteFunc(list, func(pk access.Package) bool {
			return !strings.Contains(strings.ToLower(pk.DisplayName+" "+pk.Description), needle)
		})
	}
	slices.SortFunc(list, func(a, b access.Package) int {
		return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
	pg := pageOf(r, len(list))
	p.render(w, r, http.StatusOK, "packages", page{Title: "Access packages", Nav: "packages", Who: who,
		Data: map[string]any{"Packages": list[pg.From:pg.To], "Search": q, "Page": pg}})
}

// pageSize is how many items a portal list shows at once.
const pageSize = 50

// listPage is one page of a list: items From to To of Total, with the links to the pages
// before and after (empty when there are none).
type listPage struct {
	From, To, Total int
	Prev, Next      string
}

// pageOf cuts a list of n items at the request's ?page= (1-based), keeping its other
// query parameters in the links.
func pageOf(r *http.Request, n int) listPage {
	num, _ := strconv.Atoi(r.URL.Query().Get("page"))
	last := max(1, (n+pageSize-1)/pageSize)
	num = min(max(num, 1), last)
	pg := listPage{From: (num - 1) * pageSize, To: min(num*pageSize, n), Total: n}
	link := func(k int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(k))
		return r.URL.Path + "?" + q.Encode()
	}
	if num > 1 {
		pg.Prev = link(num - 1)
	}
	if num < last {
		pg.Next = link(num + 1)
	}
	return pg
}

// requestForm is what the person typed into the request form, kept when it is shown again.
type requestForm struct {
	Policy, Justification, Start, End string
	Answers                           map[string]string
}

// packageView is the package page's data.
type packageView struct {
	View  access.PackageView
	Form  requestForm
	Field string // the form field an error is about
}

// packagePage shows a package at its portal link: what it grants and the request form,
// or, when the person cannot request it, each reason with its fix (TRB-1).
func (p *Portal) packagePage(w http.ResponseWriter, r *http.Request) {
	p.showPackage(w, r, http.StatusOK, requestForm{Answers: map[string]string{}}, "", "")
}

func (p *Portal) showPackage(w http.ResponseWriter, r *http.Request, status int, form requestForm, field, msg string) {
	who := actorOf(r)
	v, err := p.svc.PortalPackage(r.Context(), who, r.PathValue("id"))
	if access.IsKind(err, access.KindNotFound) {
		// The package does not exist, or nothing opens it to this person: the page says
		// what they can check without naming a package they may not see (AP-2).
		p.render(w, r, http.StatusNotFound, "error", page{Title: "This access package isn't available to you", Who: who,
			Error: "Either the link is wrong, or no policy of this access package includes you (" + who.DisplayName + kind(who) +
				"). Ask whoever sent you the link to check that one of its policies includes you, or look for another package under Access packages."})
		return
	}
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	if form.Policy == "" && len(v.Evaluation.Policies) > 0 {
		form.Policy = v.Evaluation.Policies[0].ID
	}
	p.render(w, r, status, "package", page{Title: v.Package.DisplayName, Nav: "packages", Who: who, Error: msg,
		Data: packageView{View: v, Form: form, Field: field}})
}

// submitRequest sends a userAdd request from the form; a refusal shows the form again
// with the Service's message next to the field it is about.
func (p *Portal) submitRequest(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, who, err)
		return
	}
	form := requestForm{Policy: r.PostFormValue("policy"), Justification: r.PostFormValue("justification"),
		Start: r.PostFormValue("start"), End: r.PostFormValue("end"), Answers: map[string]string{}}
	in := access.RequestInput{RequestType: "userAdd", PackageID: r.PathValue("id"), PolicyID: form.Policy, Justification: form.Justification}
	for k, vs := range r.PostForm {
		if id, ok := strings.CutPrefix(k, "answer."); ok && len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
			form.Answers[id] = vs[0]
			in.Answers = append(in.Answers, access.Answer{Type: "#microsoft.graph.accessPackageAnswerString", Value: vs[0],
				AnsweredQuestion: access.QuestionRef{ID: id}})
		}
	}
	slices.SortFunc(in.Answers, func(a, b access.Answer) int { return strings.Compare(a.AnsweredQuestion.ID, b.AnsweredQuestion.ID) })
	if form.Start != "" || form.End != "" {
		start, end, field, err := schedule(form.Start, form.End)
		if err != nil {
			p.showPackage(w, r, http.StatusBadRequest, form, field, err.Error())
			return
		}
		in.Schedule.StartDateTime = start
		if end != nil {
			in.Schedule.Expiration = &access.Expiration{Type: access.ExpireAfterDateTime, EndDateTime: end}
		}
	}
	req, err := p.svc.SubmitRequest(r.Context(), who, in)
	if err != nil {
		p.showPackage(w, r, statusOf(err), form, fieldOf(err), err.Error())
		return
	}
	http.Redirect(w, r, "/portal/requests?notice="+url.QueryEscape("Your request was sent.")+"#"+req.ID, http.StatusSeeOther)
}

// schedule reads the form's start and end dates (YYYY-MM-DD, UTC midnight).
func schedule(start, end string) (*time.Time, *time.Time, string, error) {
	parse := func(field, v string) (*time.Time, error) {
		if v == "" {
			return nil, nil
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return nil, &formError{field: field, msg: "enter the " + field + " date as YYYY-MM-DD, for example 2027-01-31"}
		}
		return &t, nil
	}
	s, err := parse("start", start)
	if err != nil {
		return nil, nil, "start", err
	}
	e, err := parse("end", end)
	if err != nil {
		return nil, nil, "end", err
	}
	return s, e, "", nil
}

type formError struct{ field, msg string }

func (e *formError) Error() string { return e.msg }

// fieldOf names the form field a Service refusal is about, by its code, so the page puts
// the message next to it; other refusals are shown above the form.
func fieldOf(err error) string {
	var ae *access.Error
	if !errors.As(err, &ae) {
		return ""
	}
	switch ae.Code {
	case "RequestorJustificationRequired":
		return "justification"
	case "QuestionNotAnswered", "AnswerDoesNotMatchPattern":
		return "answers"
	case "CustomScheduleNotAllowed", "ScheduleOutsidePolicy":
		return "schedule"
	}
	return ""
}

// requestView is a request with the name of its package.
type requestView struct {
	access.Request
	Package string
}

// requestsPage lists the person's requests, newest first, each with its history (REQ-10).
func (p *Portal) requestsPage(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	list, err := p.svc.MyRequests(r.Context(), who, access.OnTarget)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	slices.SortFunc(list, func(a, b access.Request) int { return b.CreatedDateTime.Compare(a.CreatedDateTime) })
	views := make([]requestView, 0, len(list))
	for _, req := range list {
		v := requestView{Request: req}
		if pk, err := p.svc.RequestPackage(r.Context(), who, req.ID); err == nil {
			v.Package = pk.DisplayName
		}
		views = append(views, v)
	}
	p.render(w, r, http.StatusOK, "requests", page{Title: "Request history", Nav: "requests", Who: who, Data: views})
}

func (p *Portal) cancelRequest(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	if _, err := p.svc.CancelRequest(r.Context(), who, r.PathValue("id")); err != nil {
		p.fail(w, r, who, err)
		return
	}
	http.Redirect(w, r, "/portal/requests?notice="+url.QueryEscape("The request is canceled."), http.StatusSeeOther)
}

// assignmentView is an assignment with the name of its package.
type assignmentView struct {
	access.Assignment
	Package string
}

// accessPage lists the person's assignments: current ones with their end, expired ones.
func (p *Portal) accessPage(w http.ResponseWriter, r *http.Request) {
	p.showAccess(w, r, http.StatusOK, "", "")
}

// showAccess renders My access; a refused extension shows its reason on the assignment.
func (p *Portal) showAccess(w http.ResponseWriter, r *http.Request, status int, failedID, msg string) {
	who := actorOf(r)
	list, err := p.svc.MyAssignments(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	var current, expired []assignmentView
	for _, a := range list {
		v := assignmentView{Assignment: a}
		if pk, err := p.svc.AssignmentPackage(r.Context(), who, a.ID); err == nil {
			v.Package = pk.DisplayName
		}
		if a.State == access.AsgExpired {
			expired = append(expired, v)
		} else {
			current = append(current, v)
		}
	}
	p.render(w, r, status, "access", page{Title: "My access", Nav: "access", Who: who, Error: msg,
		Data: map[string]any{"Current": current, "Expired": expired, "Failed": failedID}})
}

// removeAccess asks to remove one of the person's assignments (userRemove).
func (p *Portal) removeAccess(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	_, err := p.svc.SubmitRequest(r.Context(), who, access.RequestInput{RequestType: "userRemove", AssignmentID: r.PathValue("id")})
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	http.Redirect(w, r, "/portal/access?notice="+url.QueryEscape("Your access is being removed."), http.StatusSeeOther)
}

// extendAccess asks to extend one of the person's assignments (userUpdate, POL-7): the
// policy decides whether that is allowed and whether it needs approval.
func (p *Portal) extendAccess(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	_, err := p.svc.SubmitRequest(r.Context(), who, access.RequestInput{RequestType: "userUpdate", AssignmentID: r.PathValue("id"),
		Justification: r.PostFormValue("justification")})
	if err != nil {
		p.showAccess(w, r, statusOf(err), r.PathValue("id"), err.Error())
		return
	}
	http.Redirect(w, r, "/portal/requests?notice="+url.QueryEscape("Your request to extend the access was sent."), http.StatusSeeOther)
}

// approvalView is a request waiting for the person's decision (Stage is the current
// stage), or one they decided (Stage is the stage they decided).
type approvalView struct {
	access.Request
	Package, Requestor string
	Stage              *access.Stage
}

// approvalsData is the approvals page: what waits for the person, and what they decided
// (the latest pastDecisions of it).
type approvalsData struct {
	Waiting, Decided []approvalView
	More             bool // there are older decisions than those shown
}

// pastDecisions is how many of an approver's past decisions the approvals page shows.
const pastDecisions = 50

// approvalsPage lists the requests waiting for the person (never their own, POL-11), and
// the decisions they made.
func (p *Portal) approvalsPage(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	list, err := p.svc.MyApprovals(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	decided, err := p.svc.MyDecisions(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	var data approvalsData
	for _, req := range list {
		if st := req.CurrentStage(); st != nil && req.IsApprover(who.UserID) {
			data.Waiting = append(data.Waiting, p.approvalOf(r, who, req, st))
		}
	}
	if len(decided) > pastDecisions {
		decided, data.More = decided[:pastDecisions], true
	}
	for _, req := range decided {
		data.Decided = append(data.Decided, p.approvalOf(r, who, req, req.DecidedBy(who.UserID)))
	}
	p.render(w, r, http.StatusOK, "approvals", page{Title: "Approvals", Nav: "approvals", Who: who, Data: data})
}

// approvalOf describes a request to one of its approvers.
func (p *Portal) approvalOf(r *http.Request, who access.Actor, req access.Request, st *access.Stage) approvalView {
	v := approvalView{Request: req, Stage: st}
	if pk, err := p.svc.RequestPackage(r.Context(), who, req.ID); err == nil {
		v.Package = pk.DisplayName
	}
	if u, _, err := p.svc.RequestSubject(r.Context(), who, req.ID); err == nil {
		v.Requestor = u.DisplayName
	}
	return v
}

// decide approves or denies a stage; a decision that lost to another approver says so.
func (p *Portal) decide(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	d := access.Decision{Approve: r.PostFormValue("decision") == "approve", Justification: r.PostFormValue("justification")}
	if _, err := p.svc.Decide(r.Context(), who, r.PathValue("id"), r.PathValue("stage"), d); err != nil {
		p.fail(w, r, who, err)
		return
	}
	word := "denied"
	if d.Approve {
		word = "approved"
	}
	http.Redirect(w, r, "/portal/approvals?notice="+url.QueryEscape("You "+word+" the request."), http.StatusSeeOther)
}

// statusOf is the HTTP status of a Service error.
func statusOf(err error) int {
	switch {
	case access.IsKind(err, access.KindNotFound):
		return http.StatusNotFound
	case access.IsKind(err, access.KindForbidden):
		return http.StatusForbidden
	case access.IsKind(err, access.KindConflict):
		return http.StatusConflict
	case access.IsKind(err, access.KindInvalid), access.IsKind(err, access.KindFailedPrecondition):
		return http.StatusBadRequest
	case access.IsKind(err, access.KindUnauthenticated):
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// kind describes the person's account for the messages that depend on it.
func kind(who access.Actor) string {
	if who.Guest {
		return ", signed in as a guest from outside the organization"
	}
	return ", a member of the organization"
}
