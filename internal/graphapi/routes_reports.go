package graphapi

import (
	"net/http"
	"strconv"

	"github.com/bestowhq/bestow/internal/odata"
)

const reportsPath = "/bestow/v1/reports"

// reportRoutes answer "how users got access" (RPT-1): for a user, every resource role
// with what stands behind it; for a package, who may request it and who has it; for a
// catalog resource, who holds each role and why.
func (a *API) reportRoutes() []route {
	s := a.svc
	return []route{
		{method: "GET", pattern: reportsPath + "/userAccess", summary: "How a user got access (RPT-1): every resource role they hold or are being given, with the package, policy, request, dates and delivery state behind it (?user=id or userPrincipalName)",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				rep, err := s.UserAccess(r.Context(), actorOf(r), r.URL.Query().Get("user"))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, rep)
				return nil
			})},
		{method: "GET", pattern: reportsPath + "/packageAccess", summary: "Who may request an access package and who has it (RPT-1): each policy with its audience in words, and the holders, paged with $top and $skiptoken (?accessPackage=id)",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				q, err := odata.ParseQuery(r.URL.Query())
				if err != nil {
					return err
				}
				win, err := pageWindow(q)
				if err != nil {
					return err
				}
				if win.Limit > MaxAnswerObjects {
					return badRequest("$top is %d; one answer holds at most %d holders: page with $top and @odata.nextLink", win.Limit, MaxAnswerObjects)
				}
				ask := win
				if ask.Limit == 0 { // $top=0: the count alone (a Window's Limit 0 would read them all)
					ask.Limit = 1
				}
				rep, err := s.PackageAccess(r.Context(), actorOf(r), r.URL.Query().Get("accessPackage"), ask)
				if err != nil {
					return err
				}
				rep.Holders = rep.Holders[:min(len(rep.Holders), win.Limit)]
				body := obj{"accessPackage": rep.Package, "catalog": rep.Catalog, "canRequest": rep.CanRequest,
					"holders": rep.Holders, "@odata.count": rep.HolderCount}
				if end := win.Offset + len(rep.Holders); win.Limit > 0 && end < rep.HolderCount {
					next := *r.URL
					v := next.Query()
					v.Del("$skip")
					v.Del("skip")
					v.Set("$skiptoken", encodeSkipToken(end))
					v.Set("$top", strconv.Itoa(win.Limit))
					next.RawQuery = v.Encode()
					body["@odata.nextLink"] = absURL(r, next.Path+"?"+next.RawQuery)
				}
				writeJSON(w, http.StatusOK, body)
				return nil
			})},
		{method: "GET", pattern: reportsPath + "/resourceAccess", summary: "Who holds each role of a catalog resource and why (RPT-1): through which package and assignment, or as pre-existing (?resource=catalog resource id)",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				rep, err := s.ResourceAccess(r.Context(), actorOf(r), r.URL.Query().Get("resource"))
				if err != nil {
					return err
				}
				n := 0
				for _, role := range rep.Roles {
					n += len(role.Holders)
				}
				if n > MaxAnswerObjects {
					return badRequest("resource '%s' has %d holders, more than the %d one answer may hold; report its packages instead (%s/packageAccess?accessPackage=…), which page their holders",
						rep.Resource.DisplayName, n, MaxAnswerObjects, reportsPath)
				}
				writeJSON(w, http.StatusOK, rep)
				return nil
			})},
	}
}
