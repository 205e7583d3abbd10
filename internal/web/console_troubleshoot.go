package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// The troubleshooter's pages: a person picks the user and the package, request or
// assignment, or action, and reads every check with its fix. The answers are the
// Service's explanations (TRB-1, TRB-2, TRB-3), the same the API and `bestow explain`
// give.

// troubleshootView is the data of the troubleshooter page: the three forms with what was
// typed, and the answer to the one that was asked.
type troubleshootView struct {
	Ask                                string // "request", "delivery", "permission" or ""
	User, Package, Request, Assignment string
	Action, Scope                      string
	Actions                            []actionChoice
	RequestAnswer                      *access.RequestExplanation
	DeliveryAnswer                     *access.DeliveryExplanation
	PermissionAnswer                   *access.PermissionExplanation
}

// actionChoice is an action the permission form offers.
type actionChoice struct {
	Value, Label string
}

// adminTroubleshoot shows the troubleshooter and, when the query asks one of its
// questions, the answer: ?ask=request&user=&package= (TRB-1), ?ask=delivery&request= or
// &assignment= (TRB-2), ?ask=permission&user=&action=&scope= (TRB-3).
func (p *Portal) adminTroubleshoot(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	ctx := r.Context()
	q := r.URL.Query()
	v := troubleshootView{Ask: q.Get("ask"), User: strings.TrimSpace(q.Get("user")), Package: strings.TrimSpace(q.Get("package")),
		Request: strings.TrimSpace(q.Get("request")), Assignment: strings.TrimSpace(q.Get("assignment")),
		Action: q.Get("action"), Scope: strings.TrimSpace(q.Get("scope"))}
	for _, a := range access.Actions() {
		v.Actions = append(v.Actions, actionChoice{Value: string(a), Label: a.Describe()})
	}
	slices.SortFunc(v.Actions, func(a, b actionChoice) int { return strings.Compare(a.Label, b.Label) })
	var err error
	switch v.Ask {
	case "request":
		var ex access.RequestExplanation
		if ex, err = p.svc.ExplainRequest(ctx, who, v.User, v.Package); err == nil {
			v.RequestAnswer = &ex
		}
	case "delivery":
		var ex access.DeliveryExplanation
		if ex, err = p.svc.ExplainDelivery(ctx, who, v.Request, v.Assignment); err == nil {
			v.DeliveryAnswer = &ex
		}
	case "permission":
		var ex access.PermissionExplanation
		subject := v.User
		if subject == "" {
			subject = who.UserID // about oneself
		}
		if ex, err = p.svc.ExplainPermission(ctx, who, subject, access.Action(v.Action), v.Scope); err == nil {
			v.PermissionAnswer = &ex
		}
	}
	status, msg := http.StatusOK, ""
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			p.fail(w, r, who, err)
			return
		}
		status, msg = statusOf(err), err.Error()
	}
	p.render(w, r, status, "admin_troubleshoot", page{Title: "Troubleshooter", Nav: "admin-troubleshoot", Who: who, Error: msg, Data: v})
}
