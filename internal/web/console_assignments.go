package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// assignmentStates are the filters of the Assignments tab, as seed 003 lists them; ""
// is every active assignment.
var assignmentStates = []struct{ Value, Label string }{
	{"", "All active"},
	{access.AsgDelivered, "Delivered"},
	{access.AsgDelivering, "Delivering"},
	{access.AsgPartiallyDelivered, "Partially delivered"},
	{access.AsgDeliveryFailed, "Delivery failed"},
	{access.AsgExpired, "Expired"},
}

// assignmentRow is one line of the Assignments tab.
type assignmentRow struct {
	Assignment access.Assignment
	User       userName
	Policy     string
}

// assignmentsView is the data of the Assignments tab.
type assignmentsView struct {
	PackageHead
	States []struct{ Value, Label string }
	State  string
	Rows   []assignmentRow
	Page   listPage
	CSV    string // the link that downloads the filtered list
	// Policies are the package's policies that take direct assignments (New assignment).
	Policies []access.Policy
	// Delivering counts the listed assignments still being delivered: the page shows the
	// progress of a bulk assignment or reprocess and refreshes itself while it lasts.
	Delivering int
}

// packageAssignments lists the package's assignments in the state the request filters on
// (every active one when it names none), oldest first.
func (p *Portal) packageAssignments(r *http.Request, who access.Actor, pkgID string) ([]access.Assignment, string, error) {
	state := r.URL.Query().Get("state")
	if !slices.ContainsFunc(assignmentStates, func(s struct{ Value, Label string }) bool { return s.Value == state }) {
		return nil, "", access.E(access.KindInvalid, "state '%s' is not a filter of assignments; use delivered, delivering, partiallyDelivered, deliveryFailed or expired", state)
	}
	list, err := p.svc.ListAssignments(r.Context(), who, access.AssignmentFilter{PackageID: pkgID, State: state})
	if err != nil {
		return nil, state, err
	}
	if state == "" {
		list = slices.DeleteFunc(list, func(a access.Assignment) bool { return !a.Active() })
	}
	slices.SortStableFunc(list, func(a, b access.Assignment) int { return a.CreatedDateTime.Compare(b.CreatedDateTime) })
	return list, state, nil
}

// policyNames maps the package's policy ids to their names.
func (p *Portal) policyNames(r *http.Request, who access.Actor, pkgID string) map[string]string {
	out := map[string]string{}
	if pols, err := p.svc.ListPolicies(r.Context(), who, pkgID); err == nil {
		for _, pol := range pols {
			out[pol.ID] = pol.DisplayName
		}
	}
	return out
}

// adminAssignments shows the Assignments tab: the package's assignments filtered by state,
// their count, the CSV of the filtered list, and (for assignment managers) Reprocess of
// the selected ones (ASG-3, seed 004).
func (p *Portal) adminAssignments(w http.ResponseWriter, r *http.Request) {
	p.showAssignments(w, r, http.StatusOK, "")
}

func (p *Portal) showAssignments(w http.ResponseWriter, r *http.Request, status int, msg string) {
	who := actorOf(r)
	head, err := p.loadPackage(r, who, "assignments")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	list, state, err := p.packageAssignments(r, who, head.Package.ID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	pg := pageOf(r, len(list))
	shown := list[pg.From:pg.To]
	ids := make([]string, len(shown))
	for i, a := range shown {
		ids[i] = a.TargetID
	}
	users := p.names(r, who, ids...)
	policies := p.policyNames(r, who, head.Package.ID)
	rows := make([]assignmentRow, len(shown))
	for i, a := range shown {
		rows[i] = assignmentRow{Assignment: a, User: p.assignee(r, who, users, a), Policy: policies[a.PolicyID]}
	}
	csvLink := "/admin/access-packages/" + url.PathEscape(head.Package.ID) + "/assignments.csv"
	if state != "" {
		csvLink += "?state=" + url.QueryEscape(state)
	}
	delivering := 0
	for _, a := range list {
		if a.State == access.AsgDelivering {
			delivering++
		}
	}
	if delivering > 0 {
		w.Header().Set("Refresh", "5") // progress: the page comes again until delivery is done
	}
	var enabled []access.Policy
	if head.CanAssign {
		if pols, err := p.svc.ListPolicies(r.Context(), who, head.Package.ID); err == nil {
			for _, pol := range pols {
				if pol.Enabled() {
					enabled = append(enabled, pol)
				}
			}
		}
	}
	p.render(w, r, status, "admin_assignments", page{Title: head.Package.DisplayName + ": assignments", Nav: "admin-packages", Who: who, Error: msg,
		Data: assignmentsView{PackageHead: head, States: assignmentStates, State: state, Rows: rows, Page: pg, CSV: csvLink, Policies: enabled, Delivering: delivering}})
}

// adminAssignmentsCSV downloads the filtered assignments as CSV, one row per assignment.
func (p *Portal) adminAssignmentsCSV(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	head, err := p.loadPackage(r, who, "assignments")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	list, state, err := p.packageAssignments(r, who, head.Package.ID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	policies := p.policyNames(r, who, head.Package.ID)
	name := strings.Map(func(c rune) rune {
		if c == '"' || c == '\\' || c == '/' || c < ' ' {
			return '_'
		}
		return c
	}, head.Package.DisplayName)
	if state != "" {
		name += " (" + state + ")"
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s assignments.csv"`, name))
	out := csv.NewWriter(w)
	_ = out.Write([]string{"assignmentId", "userId", "displayName", "userPrincipalName", "state", "status", "policy", "startDateTime", "endDateTime"})
	const chunk = 500 // users are looked up a chunk at a time, so memory stays flat
	for from := 0; from < len(list); from += chunk {
		part := list[from:min(from+chunk, len(list))]
		ids := make([]string, len(part))
		for i, a := range part {
			ids[i] = a.TargetID
		}
		users := p.names(r, who, ids...)
		for _, a := range part {
			u := users[a.TargetID]
			_ = out.Write([]string{a.ID, a.TargetID, csvSafe(u.DisplayName), csvSafe(u.UserPrincipalName), a.State, a.Status,
				csvSafe(policies[a.PolicyID]), stamp(&a.Start), stamp(a.End)})
		}
		out.Flush()
	}
	out.Flush()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (a name starting with =,
// +, - or @).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// adminReprocessAssignments reprocesses the selected assignments, or every active one of
// the package (ASG-3, seed 004), and returns to the tab with what was done.
func (p *Portal) adminReprocessAssignments(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, who, err)
		return
	}
	id := r.PathValue("id")
	ids := r.PostForm["assignment"]
	all := r.PostFormValue("all") == "on"
	if len(ids) == 0 && !all {
		p.showAssignments(w, r, http.StatusBadRequest, "Select the assignments to reprocess, or choose all of them.")
		return
	}
	n, err := p.svc.ReprocessAssignments(r.Context(), who, id, ids, all)
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError || access.IsKind(err, access.KindNotFound) {
			p.fail(w, r, who, err)
			return
		}
		p.showAssignments(w, r, statusOf(err), err.Error())
		return
	}
	notice := fmt.Sprintf("Reprocessing %d assignment(s): every resource role of each is applied again.", n)
	back := "/admin/access-packages/" + url.PathEscape(id) + "/assignments?notice=" + url.QueryEscape(notice)
	if st := r.PostFormValue("state"); st != "" {
		back += "&state=" + url.QueryEscape(st)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// assignResult is the outcome of assigning one of the users a New assignment named.
type assignResult struct {
	User string
	Err  string // "" when the request was accepted
}

// adminAssign makes direct assignments (REQ-9): the users named one per line (by
// userPrincipalName, mail or id), through one policy, with an optional start, end and
// justification. Each user gets their own adminAdd request; one refused does not stop the
// others, and the page lists each outcome.
func (p *Portal) adminAssign(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, who, err)
		return
	}
	var names []string
	for _, line := range strings.FieldsFunc(r.PostFormValue("users"), func(c rune) bool { return c == '\n' || c == ',' || c == ';' }) {
		if n := strings.TrimSpace(line); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		p.showAssignments(w, r, http.StatusBadRequest, "Name at least one user to assign: their userPrincipalName or mail, one per line.")
		return
	}
	in := access.RequestInput{RequestType: access.ReqAdminAdd, PackageID: id, PolicyID: r.PostFormValue("policy"),
		Justification: strings.TrimSpace(r.PostFormValue("justification"))}
	start, end, _, err := schedule(r.PostFormValue("start"), r.PostFormValue("end"))
	if err != nil {
		p.showAssignments(w, r, http.StatusBadRequest, err.Error())
		return
	}
	in.Schedule.StartDateTime = start
	if end != nil {
		in.Schedule.Expiration = &access.Expiration{Type: access.ExpireAfterDateTime, EndDateTime: end}
	}
	var results []assignResult
	done := 0
	for _, n := range names {
		res := assignResult{User: n}
		u, err := p.svc.GetUser(r.Context(), who, n)
		if err == nil {
			one := in
			one.TargetID = u.ID
			_, err = p.svc.SubmitRequest(r.Context(), who, one)
		}
		if err != nil {
			res.Err = err.Error()
		} else {
			done++
		}
		results = append(results, res)
	}
	if done == len(names) {
		notice := fmt.Sprintf("%d user(s) assigned: their access is being delivered.", done)
		http.Redirect(w, r, "/admin/access-packages/"+url.PathEscape(id)+"/assignments?notice="+url.QueryEscape(notice), http.StatusSeeOther)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d user(s) assigned.", done, len(names))
	for _, res := range results {
		if res.Err != "" {
			fmt.Fprintf(&b, " %s: %s", res.User, res.Err)
		}
	}
	p.showAssignments(w, r, http.StatusBadRequest, b.String())
}
