package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// catalogTabs are the tabs of a catalog's pages, in order.
var catalogTabs = []tab{
	{"overview", "Overview", "", false},
	{"resources", "Resources", "/resources", false},
	{"roles", "Roles", "/roles", false},
}

// CatalogHead is what every page of one catalog shows above its tab, and what the viewer
// may do there.
type CatalogHead struct {
	Catalog              access.Catalog
	Tab                  string
	Tabs                 []tab
	CanManage, CanGrant  bool // change the catalog and its resources; grant its roles (ADM-7)
	CanAssign, CanCreate bool // assign its packages; create packages in it
}

// loadCatalog reads the catalog of the request's {id}, for a tab.
func (p *Portal) loadCatalog(r *http.Request, who access.Actor, key string) (CatalogHead, error) {
	c, err := p.svc.GetCatalog(r.Context(), who, r.PathValue("id"))
	if err != nil {
		return CatalogHead{}, err
	}
	t := access.CatalogTarget(c)
	return CatalogHead{Catalog: c, Tab: key, Tabs: catalogTabs,
		CanManage: who.Can(access.ActManageCatalog, t), CanGrant: who.Can(access.ActManageCatalogRoles, t),
		CanAssign: who.Can(access.ActManageAssignments, t), CanCreate: who.Can(access.ActCreatePackage, t)}, nil
}

// catalogRow is one line of the catalog list.
type catalogRow struct {
	Catalog  access.Catalog
	Packages int
}

// adminCatalogs lists the catalogs the viewer may read, with Create catalog for who may
// create one. A Catalog creator who owns no catalog yet is told to create one first
// (ADM-3): they become its owner (ADM-4).
func (p *Portal) adminCatalogs(w http.ResponseWriter, r *http.Request) {
	p.showCatalogs(w, r, http.StatusOK, access.Catalog{}, "")
}

func (p *Portal) showCatalogs(w http.ResponseWriter, r *http.Request, status int, typed access.Catalog, msg string) {
	who := actorOf(r)
	ctx := r.Context()
	cats, err := p.svc.ListCatalogs(ctx, who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	pkgs, err := p.svc.ListPackages(ctx, who, "")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	count := map[string]int{}
	for _, pk := range pkgs {
		count[pk.CatalogID]++
	}
	slices.SortFunc(cats, func(a, b access.Catalog) int {
		return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
	rows := make([]catalogRow, len(cats))
	for i, c := range cats {
		rows[i] = catalogRow{Catalog: c, Packages: count[c.ID]}
	}
	p.render(w, r, status, "admin_catalogs", page{Title: "Catalogs", Nav: "admin-catalogs", Who: who, Error: msg,
		Data: map[string]any{"Rows": rows, "CanCreate": who.MayAnywhere(access.ActCreateCatalog), "Typed": typed, "NeedsCatalog": who.NeedsCatalog()}})
}

// adminCreateCatalog creates a catalog; its creator becomes its owner (ADM-4).
func (p *Portal) adminCreateCatalog(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	typed := access.Catalog{DisplayName: strings.TrimSpace(r.PostFormValue("displayName")), Description: strings.TrimSpace(r.PostFormValue("description")),
		State: access.CatalogPublished, IsExternallyVisible: r.PostFormValue("external") == "on"}
	if r.PostFormValue("enabled") != "on" {
		typed.State = access.CatalogUnpublished
	}
	c, err := p.svc.CreateCatalog(r.Context(), who, typed)
	p.settle(w, r, err, "/admin/catalogs/"+url.PathEscape(c.ID), "Catalog '"+c.DisplayName+"' was created; you are its owner.",
		func(status int, msg string) { p.showCatalogs(w, r, status, typed, msg) })
}

// adminCatalog shows a catalog's Overview: its properties (a form for who may manage it),
// its packages, and Delete.
func (p *Portal) adminCatalog(w http.ResponseWriter, r *http.Request) {
	p.showCatalog(w, r, http.StatusOK, nil, "")
}

func (p *Portal) showCatalog(w http.ResponseWriter, r *http.Request, status int, typed *access.Catalog, msg string) {
	who := actorOf(r)
	head, err := p.loadCatalog(r, who, "overview")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	pkgs, err := p.svc.ListPackages(r.Context(), who, head.Catalog.ID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	if typed != nil {
		head.Catalog.DisplayName, head.Catalog.Description, head.Catalog.State, head.Catalog.IsExternallyVisible =
			typed.DisplayName, typed.Description, typed.State, typed.IsExternallyVisible
	}
	p.render(w, r, status, "admin_catalog", page{Title: head.Catalog.DisplayName, Nav: "admin-catalogs", Who: who, Error: msg,
		Data: map[string]any{"Head": head, "Packages": pkgs}})
}

// adminUpdateCatalog saves the Overview form.
func (p *Portal) adminUpdateCatalog(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	id := r.PathValue("id")
	typed := access.Catalog{DisplayName: strings.TrimSpace(r.PostFormValue("displayName")), Description: strings.TrimSpace(r.PostFormValue("description")),
		State: access.CatalogUnpublished, IsExternallyVisible: r.PostFormValue("external") == "on"}
	if r.PostFormValue("enabled") == "on" {
		typed.State = access.CatalogPublished
	}
	_, err := p.svc.UpdateCatalog(r.Context(), who, id, func(c *access.Catalog) error {
		c.DisplayName, c.Description, c.State, c.IsExternallyVisible = typed.DisplayName, typed.Description, typed.State, typed.IsExternallyVisible
		return nil
	})
	p.settle(w, r, err, "/admin/catalogs/"+url.PathEscape(id), "Saved.", func(status int, msg string) { p.showCatalog(w, r, status, &typed, msg) })
}

// adminDeleteCatalog deletes a catalog; the refusal (it still holds packages or
// resources) is shown on its Overview.
func (p *Portal) adminDeleteCatalog(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	id := r.PathValue("id")
	head, err := p.loadCatalog(r, who, "overview")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	p.settle(w, r, p.svc.DeleteCatalog(r.Context(), who, id), "/admin/catalogs", "Catalog '"+head.Catalog.DisplayName+"' was deleted.",
		func(status int, msg string) { p.showCatalog(w, r, status, nil, msg) })
}

// originChoice is a system resources can come from, for the Add resource form.
type originChoice struct{ Value, Label string }

// adminResources shows the Resources tab: each resource with its roles, Remove, and the
// link to its pre-existing members (RES-7); and Add resource, whose refusals (RES-2, RES-3,
// RES-4, RES-5) are shown in the Service's words.
func (p *Portal) adminResources(w http.ResponseWriter, r *http.Request) {
	p.showResources(w, r, http.StatusOK, "", "")
}

func (p *Portal) showResources(w http.ResponseWriter, r *http.Request, status int, typedOrigin, msg string) {
	who := actorOf(r)
	ctx := r.Context()
	head, err := p.loadCatalog(r, who, "resources")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	list, err := p.svc.ListResources(ctx, who, head.Catalog.ID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	slices.SortFunc(list, func(a, b access.Resource) int {
		return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
	origins := []originChoice{{access.OriginGroup, "Group"}, {access.OriginApplication, "Application"}, {access.OriginSite, "SharePoint site"}}
	if conns, err := p.svc.ListConnectors(ctx, who); err == nil {
		for _, c := range conns {
			origins = append(origins, originChoice{c.ID, fmt.Sprintf("Group in %s (%s)", c.DisplayName, c.ID)})
		}
	}
	p.render(w, r, status, "admin_resources", page{Title: head.Catalog.DisplayName + ": resources", Nav: "admin-catalogs", Who: who, Error: msg,
		Data: map[string]any{"Head": head, "Resources": list, "Origins": origins, "Origin": r.PostFormValue("originSystem"), "OriginID": typedOrigin}})
}

// adminAddResource adds a resource to the catalog (RES-1 to RES-5).
func (p *Portal) adminAddResource(w http.ResponseWriter, r *http.Request) {
	p.changeResource(w, r, access.ResourceChange{RequestType: access.ResourceAdminAdd, CatalogID: r.PathValue("id"),
		OriginSystem: r.PostFormValue("originSystem"), OriginID: strings.TrimSpace(r.PostFormValue("originId"))}, "Added to the catalog.")
}

// adminRemoveResource takes a resource out of the catalog; a resource a package uses
// cannot go, and the refusal names the packages (RES-5).
func (p *Portal) adminRemoveResource(w http.ResponseWriter, r *http.Request) {
	p.changeResource(w, r, access.ResourceChange{RequestType: access.ResourceAdminRemove, CatalogID: r.PathValue("id"),
		ResourceID: r.PathValue("resource")}, "Removed from the catalog.")
}

func (p *Portal) changeResource(w http.ResponseWriter, r *http.Request, in access.ResourceChange, notice string) {
	who := actorOf(r)
	_, res, err := p.svc.RequestResource(r.Context(), who, in)
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			p.fail(w, r, who, err)
			return
		}
		p.showResources(w, r, statusOf(err), in.OriginID, err.Error())
		return
	}
	back := "/admin/catalogs/" + url.PathEscape(in.CatalogID) + "/resources"
	if in.RequestType == access.ResourceAdminAdd {
		if members, err := p.svc.PreExistingMembers(r.Context(), who, res.ID); err == nil && len(members) > 0 {
			notice += fmt.Sprintf(" %d of its roles are held by people no access package governs: see its pre-existing members to assign them directly.", len(members))
		}
	}
	http.Redirect(w, r, back+"?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}

// adminPreExisting lists a resource's pre-existing members (RES-7), with a form that
// assigns them all directly through a package and policy of the catalog.
func (p *Portal) adminPreExisting(w http.ResponseWriter, r *http.Request) {
	p.showPreExisting(w, r, http.StatusOK, "")
}

func (p *Portal) showPreExisting(w http.ResponseWriter, r *http.Request, status int, msg string) {
	who := actorOf(r)
	ctx := r.Context()
	head, err := p.loadCatalog(r, who, "resources")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	res, err := p.svc.GetResource(ctx, who, head.Catalog.ID, r.PathValue("resource"))
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	members, err := p.svc.PreExistingMembers(ctx, who, res.ID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	type choice struct{ Value, Label string }
	var choices []choice
	if head.CanAssign {
		pkgs, _ := p.svc.ListPackages(ctx, who, head.Catalog.ID)
		for _, pk := range pkgs {
			pols, _ := p.svc.ListPolicies(ctx, who, pk.ID)
			for _, pol := range pols {
				if pol.Enabled() {
					choices = append(choices, choice{pk.ID + " " + pol.ID, pk.DisplayName + " — " + pol.DisplayName})
				}
			}
		}
	}
	p.render(w, r, status, "admin_preexisting", page{Title: res.DisplayName + ": pre-existing members", Nav: "admin-catalogs", Who: who, Error: msg,
		Data: map[string]any{"Head": head, "Resource": res, "Members": members, "Choices": choices}})
}

// adminAssignPreExisting assigns every pre-existing member directly (RES-7).
func (p *Portal) adminAssignPreExisting(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	pkgID, polID, ok := strings.Cut(r.PostFormValue("target"), " ")
	if !ok {
		p.showPreExisting(w, r, http.StatusBadRequest, "Choose the access package and policy to assign them through.")
		return
	}
	reqs, failed, err := p.svc.AssignPreExisting(r.Context(), who, r.PathValue("resource"), pkgID, polID)
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			p.fail(w, r, who, err)
			return
		}
		p.showPreExisting(w, r, statusOf(err), err.Error())
		return
	}
	notice := fmt.Sprintf("%d pre-existing member(s) assigned directly.", len(reqs))
	for _, f := range failed {
		notice += fmt.Sprintf(" %s: %s", f.UserPrincipalName, f.Message)
	}
	http.Redirect(w, r, "/admin/catalogs/"+url.PathEscape(r.PathValue("id"))+"/resources?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}

// catalogRoleRow is one role assignment of the catalog.
type catalogRoleRow struct {
	Assignment access.RoleAssignment
	Role       string
	User       userName
}

// adminCatalogRoles shows the Roles tab: who holds each catalog role (owners, readers,
// access package managers, assignment managers; ADM-7), with Add and Remove for who may
// grant them.
func (p *Portal) adminCatalogRoles(w http.ResponseWriter, r *http.Request) {
	p.showCatalogRoles(w, r, http.StatusOK, "")
}

func (p *Portal) showCatalogRoles(w http.ResponseWriter, r *http.Request, status int, msg string) {
	who := actorOf(r)
	head, err := p.loadCatalog(r, who, "roles")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	all, err := p.svc.ListRoleAssignments(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	roleName := map[string]string{}
	var roles []originChoice
	for _, d := range access.RoleDefinitions {
		roleName[d.ID] = d.DisplayName
		if d.CatalogRole {
			roles = append(roles, originChoice{d.ID, d.DisplayName})
		}
	}
	var mine []access.RoleAssignment
	var ids []string
	for _, ra := range all {
		if ra.CatalogID() == head.Catalog.ID {
			mine = append(mine, ra)
			ids = append(ids, ra.PrincipalID)
		}
	}
	users := p.principalNames(r, who, ids...) // catalog roles go to users and role-assignable groups
	rows := make([]catalogRoleRow, len(mine))
	for i, ra := range mine {
		rows[i] = catalogRoleRow{Assignment: ra, Role: roleName[ra.RoleDefinitionID], User: users[ra.PrincipalID]}
	}
	slices.SortFunc(rows, func(a, b catalogRoleRow) int {
		return strings.Compare(a.Role+" "+a.User.DisplayName, b.Role+" "+b.User.DisplayName)
	})
	p.render(w, r, status, "admin_catalog_roles", page{Title: head.Catalog.DisplayName + ": roles", Nav: "admin-catalogs", Who: who, Error: msg,
		Data: map[string]any{"Head": head, "Rows": rows, "Roles": roles}})
}

// adminGrantCatalogRole gives a user a role on the catalog.
func (p *Portal) adminGrantCatalogRole(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	id := r.PathValue("id")
	u, err := p.grantFromForm(r, who, access.CatalogScope(id))
	p.settle(w, r, err, "/admin/catalogs/"+url.PathEscape(id)+"/roles", "The role was granted to "+u.DisplayName+".",
		func(status int, msg string) { p.showCatalogRoles(w, r, status, msg) })
}

// adminRevokeCatalogRole removes a role assignment of the catalog.
func (p *Portal) adminRevokeCatalogRole(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	id := r.PathValue("id")
	p.settle(w, r, p.svc.DeleteRoleAssignment(r.Context(), who, r.PathValue("assignment")), "/admin/catalogs/"+url.PathEscape(id)+"/roles",
		"The role was removed.", func(status int, msg string) { p.showCatalogRoles(w, r, status, msg) })
}
