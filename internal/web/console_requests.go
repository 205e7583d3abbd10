package web

import (
	"net/http"
	"net/url"

	"github.com/bestowhq/bestow/internal/access"
)

// requestRow is one line of a package's Requests tab.
type requestRow struct {
	Request           access.Request
	Target, Requestor userName
}

// adminRequests shows the Requests tab: the package's requests, newest first.
func (p *Portal) adminRequests(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	head, err := p.loadPackage(r, who, "requests")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	list, err := p.svc.PackageRequests(r.Context(), who, head.Package.ID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	pg := pageOf(r, len(list))
	shown := list[pg.From:pg.To]
	var ids []string
	for _, q := range shown {
		ids = append(ids, q.TargetID, q.RequestorID)
	}
	users := p.names(r, who, ids...)
	rows := make([]requestRow, len(shown))
	for i, q := range shown {
		rows[i] = requestRow{Request: q, Target: users[q.TargetID], Requestor: users[q.RequestorID]}
	}
	p.render(w, r, http.StatusOK, "admin_requests", page{Title: head.Package.DisplayName + ": requests", Nav: "admin-packages", Who: who,
		Data: map[string]any{"Head": head, "Rows": rows, "Page": pg}})
}

// adminRequestView is the data of a request's page.
type adminRequestView struct {
	Head              PackageHead
	Request           access.Request
	Target, Requestor userName
	Errors            []access.DeliveryError
	// Reprocess is offered for a request whose delivery failed in part or whole (REQ-7;
	// the Service says when it is too early or too late), Cancel for one still cancelable
	// (REQ-5).
	CanReprocess, CanCancel bool
}

// adminRequest shows one request: who asked for whom, the answers, each approval stage,
// the history, its delivery errors (REQ-6), and Reprocess request and Cancel request.
func (p *Portal) adminRequest(w http.ResponseWriter, r *http.Request) {
	p.showRequest(w, r, http.StatusOK, "")
}

func (p *Portal) showRequest(w http.ResponseWriter, r *http.Request, status int, msg string) {
	who := actorOf(r)
	ctx := r.Context()
	req, err := p.svc.GetRequest(ctx, who, r.PathValue("id"))
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	r.SetPathValue("id", req.PackageID)
	head, err := p.loadPackage(r, who, "requests")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	errs, err := p.svc.RequestDeliveryErrors(ctx, who, req.ID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	users := p.names(r, who, req.TargetID, req.RequestorID)
	v := adminRequestView{Head: head, Request: req, Target: users[req.TargetID], Requestor: users[req.RequestorID], Errors: errs,
		CanReprocess: head.CanAssign && (req.State == access.StateDeliveryFailed || req.State == access.StatePartiallyDelivered),
		CanCancel:    head.CanAssign && req.Cancelable()}
	p.render(w, r, status, "admin_request", page{Title: "Request for " + head.Package.DisplayName, Nav: "admin-packages", Who: who, Error: msg, Data: v})
}

// adminReprocessRequest reprocesses a request (REQ-7); a refusal — still retrying, past
// the window — is shown on the request's page in the Service's words.
func (p *Portal) adminReprocessRequest(w http.ResponseWriter, r *http.Request) {
	p.requestAction(w, r, "Reprocessing: every resource role that is not in place is applied again.",
		func(who access.Actor, id string) error { return p.svc.ReprocessRequest(r.Context(), who, id) })
}

// adminCancelRequest cancels a request (REQ-5).
func (p *Portal) adminCancelRequest(w http.ResponseWriter, r *http.Request) {
	p.requestAction(w, r, "The request was canceled.", func(who access.Actor, id string) error {
		_, err := p.svc.CancelRequest(r.Context(), who, id)
		return err
	})
}

// requestAction runs act on the request of the path and returns to its page, with notice
// when it was done and with the refusal otherwise.
func (p *Portal) requestAction(w http.ResponseWriter, r *http.Request, notice string, act func(access.Actor, string) error) {
	who := actorOf(r)
	id := r.PathValue("id")
	if err := act(who, id); err != nil {
		if statusOf(err) == http.StatusInternalServerError || access.IsKind(err, access.KindNotFound) {
			p.fail(w, r, who, err)
			return
		}
		p.showRequest(w, r, statusOf(err), err.Error())
		return
	}
	http.Redirect(w, r, "/admin/requests/"+url.PathEscape(id)+"?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}
