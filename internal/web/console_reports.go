package web

import (
	"net/http"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// reportsView is the data of the Reports page: the three questions of "how users got
// access" (RPT-1), with what was typed and the answer to the one asked.
type reportsView struct {
	Ask                     string // "user", "package", "resource" or ""
	User, Package, Resource string
	UserAnswer              *access.UserAccess
	PackageAnswer           *access.PackageAccess
	ResourceAnswer          *access.ResourceAccess
}

// reportHolders is how many holders the package report shows on the page.
const reportHolders = 200

// adminReports shows the Reports page and, when the query asks, a report:
// ?ask=user&user= (every resource role of a user, with the package, policy, request and
// dates behind it), ?ask=package&package= (who may request it and who has it),
// ?ask=resource&resource= (who holds each role and why).
func (p *Portal) adminReports(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	ctx := r.Context()
	q := r.URL.Query()
	v := reportsView{Ask: q.Get("ask"), User: strings.TrimSpace(q.Get("user")), Package: q.Get("package"), Resource: q.Get("resource")}
	var err error
	switch v.Ask {
	case "user":
		var rep access.UserAccess
		if rep, err = p.svc.UserAccess(ctx, who, v.User); err == nil {
			v.UserAnswer = &rep
		}
	case "package":
		var rep access.PackageAccess
		if rep, err = p.svc.PackageAccess(ctx, who, v.Package, access.Window{Limit: reportHolders}); err == nil {
			v.PackageAnswer = &rep
		}
	case "resource":
		var rep access.ResourceAccess
		if rep, err = p.svc.ResourceAccess(ctx, who, v.Resource); err == nil {
			v.ResourceAnswer = &rep
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
	p.render(w, r, status, "admin_reports", page{Title: "How users got access", Nav: "admin-reports", Who: who, Error: msg, Data: v})
}
