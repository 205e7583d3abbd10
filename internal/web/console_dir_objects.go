package web

import (
	"net/http"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// groupKind describes a group for a list: Microsoft 365, dynamic, distribution or
// security, and role-assignable.
func groupKind(g access.Group) string {
	var kind string
	switch {
	case g.IsUnified():
		kind = "Microsoft 365"
	case g.IsDistribution():
		kind = "Distribution"
	case g.MailEnabled:
		kind = "Mail-enabled security"
	default:
		kind = "Security"
	}
	if g.IsDynamic() {
		kind += ", dynamic membership"
	}
	if g.IsAssignableToRole {
		kind += ", role-assignable"
	}
	return kind
}

// groupRow is a line of the group list.
type groupRow struct {
	Group access.Group
	Kind  string
}

// adminGroups lists the live groups with a search over their names, a page at a time.
func (p *Portal) adminGroups(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	list, err := p.svc.ListGroups(r.Context(), who, false)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("search"))
	list = search(list, q, func(g access.Group) []string { return []string{g.DisplayName, g.Mail} })
	pg := pageOf(r, len(list))
	rows := make([]groupRow, 0, pg.To-pg.From)
	for _, g := range list[pg.From:pg.To] {
		rows = append(rows, groupRow{Group: g, Kind: groupKind(g)})
	}
	p.render(w, r, http.StatusOK, "admin_dir_groups", page{Title: "Groups", Nav: "admin-directory", Who: who,
		Data: map[string]any{"Head": directoryHead(who, "groups"), "Rows": rows, "Search": q, "Page": pg}})
}

// adminGroup shows a group: its properties, members and owners.
func (p *Portal) adminGroup(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	ctx := r.Context()
	g, err := p.svc.GetGroup(ctx, who, r.PathValue("id"))
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	members, err := p.svc.Relations(ctx, who, g.ID, access.RelMember)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	owners, err := p.svc.Relations(ctx, who, g.ID, access.RelOwner)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	p.render(w, r, http.StatusOK, "admin_dir_group", page{Title: g.DisplayName, Nav: "admin-directory", Who: who,
		Data: map[string]any{"Head": directoryHead(who, "groups"), "Group": g, "Kind": groupKind(g),
			"Members": dirObjectsOf(members), "Owners": dirObjectsOf(owners)}})
}

// adminApplications lists the applications (service principals) with their app roles;
// platform services, which offer no role to a catalog (RES-3), are marked.
func (p *Portal) adminApplications(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	list, err := p.svc.ListServicePrincipals(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	list = search(list, "", func(sp access.ServicePrincipal) []string { return []string{sp.DisplayName} })
	type appRow struct {
		App     access.ServicePrincipal
		Service bool
	}
	rows := make([]appRow, len(list))
	for i, sp := range list {
		rows[i] = appRow{App: sp, Service: sp.IsService()}
	}
	p.render(w, r, http.StatusOK, "admin_dir_apps", page{Title: "Applications", Nav: "admin-directory", Who: who,
		Data: map[string]any{"Head": directoryHead(who, "applications"), "Rows": rows}})
}

// adminSites lists the sites with their roles.
func (p *Portal) adminSites(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	list, err := p.svc.ListSites(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	list = search(list, "", func(s access.Site) []string { return []string{s.DisplayName} })
	p.render(w, r, http.StatusOK, "admin_dir_sites", page{Title: "Sites", Nav: "admin-directory", Who: who,
		Data: map[string]any{"Head": directoryHead(who, "sites"), "Sites": list}})
}
