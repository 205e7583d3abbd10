package web

import (
	"net/http"
	"net/url"

	"github.com/bestowhq/bestow/internal/access"
)

// The administration console: /admin/… pages for the people who run catalogs and access
// packages, on the portal's sessions, templates and rules. A page offers a control only
// when the domain says the viewer may use it (Actor.Can); the action itself is authorized
// again by the Service, whose refusal (ADM-2's words) the page shows.

// consoleRoutes adds the console's pages to mux.
func (p *Portal) consoleRoutes(mux *http.ServeMux) {
	admin := func(h http.HandlerFunc) http.HandlerFunc { return p.signedIn(p.administrator(h)) }
	mux.HandleFunc("GET /admin/{$}", admin(p.adminOverview))
	mux.HandleFunc("GET /admin/requests", admin(p.adminAllRequests))
	mux.HandleFunc("GET /admin/assignments", admin(p.adminAllAssignments))
	mux.HandleFunc("GET /admin/access-packages", admin(p.adminPackages))
	mux.HandleFunc("GET /admin/access-packages/new", admin(p.adminNewPackage))
	mux.HandleFunc("POST /admin/access-packages/new", admin(p.adminWizardStep))
	mux.HandleFunc("GET /admin/access-packages/{id}", admin(p.adminPackage))
	mux.HandleFunc("POST /admin/access-packages/{id}", admin(p.adminUpdatePackage))
	mux.HandleFunc("POST /admin/access-packages/{id}/delete", admin(p.adminDeletePackage))
	mux.HandleFunc("GET /admin/access-packages/{id}/roles", admin(p.adminRoles))
	mux.HandleFunc("POST /admin/access-packages/{id}/roles", admin(p.adminAddRole))
	mux.HandleFunc("POST /admin/access-packages/{id}/roles/{scope}/remove", admin(p.adminRemoveRole))
	mux.HandleFunc("GET /admin/access-packages/{id}/separation", admin(p.adminSeparation))
	mux.HandleFunc("POST /admin/access-packages/{id}/separation", admin(p.adminChangeSeparation))
	mux.HandleFunc("GET /admin/access-packages/{id}/policies", admin(p.adminPolicies))
	mux.HandleFunc("GET /admin/access-packages/{id}/policies/new", admin(p.adminPolicyForm))
	mux.HandleFunc("POST /admin/access-packages/{id}/policies/new", admin(p.adminSavePolicy))
	mux.HandleFunc("GET /admin/access-packages/{id}/policies/{policy}/edit", admin(p.adminPolicyForm))
	mux.HandleFunc("POST /admin/access-packages/{id}/policies/{policy}/edit", admin(p.adminSavePolicy))
	mux.HandleFunc("POST /admin/access-packages/{id}/policies/{policy}/toggle", admin(p.adminTogglePolicy))
	mux.HandleFunc("POST /admin/access-packages/{id}/policies/{policy}/delete", admin(p.adminDeletePolicy))
	mux.HandleFunc("GET /admin/access-packages/{id}/assignments", admin(p.adminAssignments))
	mux.HandleFunc("POST /admin/access-packages/{id}/assignments", admin(p.adminAssign))
	mux.HandleFunc("GET /admin/access-packages/{id}/assignments.csv", admin(p.adminAssignmentsCSV))
	mux.HandleFunc("POST /admin/access-packages/{id}/assignments/reprocess", admin(p.adminReprocessAssignments))
	mux.HandleFunc("GET /admin/access-packages/{id}/requests", admin(p.adminRequests))
	mux.HandleFunc("GET /admin/catalogs", admin(p.adminCatalogs))
	mux.HandleFunc("POST /admin/catalogs", admin(p.adminCreateCatalog))
	mux.HandleFunc("GET /admin/catalogs/{id}", admin(p.adminCatalog))
	mux.HandleFunc("POST /admin/catalogs/{id}", admin(p.adminUpdateCatalog))
	mux.HandleFunc("POST /admin/catalogs/{id}/delete", admin(p.adminDeleteCatalog))
	mux.HandleFunc("GET /admin/catalogs/{id}/resources", admin(p.adminResources))
	mux.HandleFunc("POST /admin/catalogs/{id}/resources", admin(p.adminAddResource))
	mux.HandleFunc("POST /admin/catalogs/{id}/resources/{resource}/remove", admin(p.adminRemoveResource))
	mux.HandleFunc("GET /admin/catalogs/{id}/resources/{resource}/pre-existing", admin(p.adminPreExisting))
	mux.HandleFunc("POST /admin/catalogs/{id}/resources/{resource}/pre-existing", admin(p.adminAssignPreExisting))
	mux.HandleFunc("GET /admin/catalogs/{id}/roles", admin(p.adminCatalogRoles))
	mux.HandleFunc("POST /admin/catalogs/{id}/roles", admin(p.adminGrantCatalogRole))
	mux.HandleFunc("POST /admin/catalogs/{id}/roles/{assignment}/remove", admin(p.adminRevokeCatalogRole))
	mux.HandleFunc("GET /admin/reports", admin(p.adminReports))
	mux.HandleFunc("GET /admin/troubleshoot", admin(p.adminTroubleshoot))
	mux.HandleFunc("GET /admin/requests/{id}", admin(p.adminRequest))
	mux.HandleFunc("POST /admin/requests/{id}/reprocess", admin(p.adminReprocessRequest))
	mux.HandleFunc("POST /admin/requests/{id}/cancel", admin(p.adminCancelRequest))
	p.settingsRoutes(mux, admin)
	p.directoryRoutes(mux, admin)
}

// administers reports whether the console has anything for who: they read access
// packages somewhere, may create a catalog, or manage connected organizations.
func administers(who access.Actor) bool {
	return who.MayAnywhere(access.ActReadPackage) || who.MayAnywhere(access.ActCreateCatalog) || who.MayAnywhere(access.ActManageConnOrgs)
}

// administrator lets through only people the console has something for; others get the
// refusal in ADM-2's words, with the roles that would let them in.
func (p *Portal) administrator(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who := actorOf(r)
		if !administers(who) {
			p.fail(w, r, who, who.Authorize(access.ActReadPackage, access.Target{}))
			return
		}
		h(w, r)
	}
}

// tab is one tab of a package's pages; Assignments says it shows who has or asks for
// the package, which not every role that reads the package may see.
type tab struct {
	Key, Label, Path string
	Assignments      bool
}

// packageTabs are the tabs of a package's pages, in order.
var packageTabs = []tab{
	{"overview", "Overview", "", false},
	{"roles", "Resource roles", "/roles", false},
	{"policies", "Policies", "/policies", false},
	{"separation", "Separation of duties", "/separation", false},
	{"assignments", "Assignments", "/assignments", true},
	{"requests", "Requests", "/requests", true},
}

// PackageHead is what every page of one package shows above its tab: the package, its
// catalog, which tab is open, and what the viewer may do there.
type PackageHead struct {
	Package access.Package
	Catalog access.Catalog
	Tab     string
	Tabs    []tab // those the viewer may open
	// What the viewer may do in the package's catalog.
	CanManage, CanAssign, CanReadAssignments bool
}

// loadPackage reads the package of the request's {id} with its catalog, for a tab. A tab
// about assignments and requests is refused, in ADM-2's words, to a viewer who may read
// the package but not who holds it (a Catalog reader).
func (p *Portal) loadPackage(r *http.Request, who access.Actor, key string) (PackageHead, error) {
	ctx := r.Context()
	pkg, err := p.svc.GetPackage(ctx, who, r.PathValue("id"))
	if err != nil {
		return PackageHead{}, err
	}
	cat, err := p.svc.PackageCatalog(ctx, who, pkg.ID)
	if err != nil {
		return PackageHead{}, err
	}
	t := access.CatalogTarget(cat)
	t.PackageName = pkg.DisplayName
	h := PackageHead{Package: pkg, Catalog: cat, Tab: key,
		CanManage: who.Can(access.ActManagePackage, t), CanAssign: who.Can(access.ActManageAssignments, t),
		CanReadAssignments: who.Can(access.ActReadAssignments, t)}
	for _, tb := range packageTabs {
		if tb.Assignments && !h.CanReadAssignments {
			if tb.Key == key {
				return h, who.Authorize(access.ActReadAssignments, t)
			}
			continue
		}
		h.Tabs = append(h.Tabs, tb)
	}
	return h, nil
}

// userName describes a user for a list: display name and userPrincipalName (marked when
// the user is deleted), or the id of one the viewer cannot read.
type userName struct {
	ID, DisplayName, UserPrincipalName string
}

// unknownUser names a user the viewer cannot read: deleted, or outside what they may see.
const unknownUser = "(deleted or unknown user)"

// assignee names the user of an assignment, deleted ones too (marked so): whoever may read
// an assignment may know whose it is.
func (p *Portal) assignee(r *http.Request, who access.Actor, known map[string]userName, a access.Assignment) userName {
	if n, ok := known[a.TargetID]; ok && n.DisplayName != unknownUser {
		return n
	}
	n := userName{ID: a.TargetID, DisplayName: unknownUser}
	if u, _, err := p.svc.AssignmentSubject(r.Context(), who, a.ID); err == nil {
		n.DisplayName, n.UserPrincipalName = u.DisplayName, u.UserPrincipalName
		if u.Deleted() {
			n.DisplayName += " (deleted)"
		}
	}
	return n
}

// names looks up the users of ids, once each.
func (p *Portal) names(r *http.Request, who access.Actor, ids ...string) map[string]userName {
	out := map[string]userName{}
	for _, id := range ids {
		if _, ok := out[id]; ok || id == "" {
			continue
		}
		n := userName{ID: id, DisplayName: unknownUser}
		if u, err := p.svc.GetUser(r.Context(), who, id); err == nil {
			n.DisplayName, n.UserPrincipalName = u.DisplayName, u.UserPrincipalName
		}
		out[id] = n
	}
	return out
}

// settle ends an action: done, it redirects to back with notice; refused, show shows the
// page again with the Service's words and status; an unexpected error is a failed page.
func (p *Portal) settle(w http.ResponseWriter, r *http.Request, err error, back, notice string, show func(status int, msg string)) {
	switch {
	case err == nil:
		http.Redirect(w, r, back+"?notice="+url.QueryEscape(notice), http.StatusSeeOther)
	case statusOf(err) == http.StatusInternalServerError:
		p.fail(w, r, actorOf(r), err)
	default:
		show(statusOf(err), err.Error())
	}
}
