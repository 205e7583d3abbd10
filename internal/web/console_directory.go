package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// The console's Directory: users (sign-in blocked and unblocked, deleted and restored
// within 30 days, manager, sponsors), groups, applications, sites, connected
// organizations and connectors. Every member may read the directory; the controls are
// offered to those whose roles manage it, and the Service authorizes each action again.

// directoryRoutes adds the Directory pages to mux.
func (p *Portal) directoryRoutes(mux *http.ServeMux, admin func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /admin/directory/{$}", admin(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/directory/users", http.StatusSeeOther)
	}))
	mux.HandleFunc("GET /admin/directory/users", admin(p.adminUsers))
	mux.HandleFunc("GET /admin/directory/deleted-users", admin(p.adminDeletedUsers))
	mux.HandleFunc("GET /admin/directory/users/{id}", admin(p.adminUser))
	mux.HandleFunc("POST /admin/directory/users/{id}/block", admin(p.adminSignIn(false)))
	mux.HandleFunc("POST /admin/directory/users/{id}/unblock", admin(p.adminSignIn(true)))
	mux.HandleFunc("POST /admin/directory/users/{id}/delete", admin(p.adminDeleteUser))
	mux.HandleFunc("POST /admin/directory/users/{id}/restore", admin(p.adminRestoreUser))
	mux.HandleFunc("POST /admin/directory/users/{id}/manager", admin(p.adminSetManager))
	mux.HandleFunc("POST /admin/directory/users/{id}/manager/clear", admin(p.adminClearManager))
	mux.HandleFunc("POST /admin/directory/users/{id}/sponsors", admin(p.adminAddSponsor))
	mux.HandleFunc("POST /admin/directory/users/{id}/sponsors/{sponsor}/remove", admin(p.adminRemoveSponsor))
	mux.HandleFunc("GET /admin/directory/groups", admin(p.adminGroups))
	mux.HandleFunc("GET /admin/directory/groups/{id}", admin(p.adminGroup))
	mux.HandleFunc("GET /admin/directory/applications", admin(p.adminApplications))
	mux.HandleFunc("GET /admin/directory/sites", admin(p.adminSites))
	p.connectedOrgRoutes(mux, admin)
	p.connectorRoutes(mux, admin)
}

// dirHead is what every Directory page shows above its content: the section's tabs,
// which one is open.
type dirHead struct {
	Tab  string
	Tabs []tab
}

// directoryHead returns the Directory's tabs for who, with key open: Connectors only for
// who may manage them (nobody else may read them).
func directoryHead(who access.Actor, key string) dirHead {
	h := dirHead{Tab: key}
	for _, t := range []tab{
		{"users", "Users", "/admin/directory/users", false},
		{"groups", "Groups", "/admin/directory/groups", false},
		{"applications", "Applications", "/admin/directory/applications", false},
		{"sites", "Sites", "/admin/directory/sites", false},
		{"orgs", "Connected organizations", "/admin/directory/connected-organizations", false},
		{"connectors", "Connectors", "/admin/directory/connectors", false},
	} {
		if t.Key == "connectors" && !who.Can(access.ActManageConnectors, access.Target{}) {
			continue
		}
		h.Tabs = append(h.Tabs, t)
	}
	return h
}

// search filters list to the items whose names (as names gives them) start with or
// contain q, ignoring case, those that start with it first, each part by name.
func search[T any](list []T, q string, names func(T) []string) []T {
	needle := strings.ToLower(q)
	rank := func(v T) int { // 0 starts with q, 1 contains it, 2 neither
		best := 2
		for _, n := range names(v) {
			n = strings.ToLower(n)
			if strings.HasPrefix(n, needle) {
				return 0
			}
			if strings.Contains(n, needle) {
				best = 1
			}
		}
		return best
	}
	if needle != "" {
		list = slices.DeleteFunc(list, func(v T) bool { return rank(v) == 2 })
	}
	slices.SortStableFunc(list, func(a, b T) int {
		if needle != "" {
			if c := cmp.Compare(rank(a), rank(b)); c != 0 {
				return c
			}
		}
		return strings.Compare(strings.ToLower(names(a)[0]), strings.ToLower(names(b)[0]))
	})
	return list
}

func userNames(u access.User) []string { return []string{u.DisplayName, u.UserPrincipalName} }

// adminUsers lists the live users a page at a time, read as a window of the directory,
// or those whose userPrincipalName starts with the search (read through its index), and
// links to the deleted users for who may read them.
func (p *Portal) adminUsers(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("search"))
	var shown []access.User
	var pg listPage
	if q == "" {
		_, total, err := p.svc.ListUsersWindow(ctx, who, access.Window{Limit: 1})
		if err != nil {
			p.fail(w, r, who, err)
			return
		}
		pg = pageOf(r, total)
		if shown, _, err = p.svc.ListUsersWindow(ctx, who, access.Window{Limit: pg.To - pg.From, Offset: pg.From}); err != nil {
			p.fail(w, r, who, err)
			return
		}
	} else {
		found, err := p.svc.ListUsers(ctx, who, false, access.ByPrefix(access.KeyUPN, q))
		if err != nil {
			p.fail(w, r, who, err)
			return
		}
		list := search(found, q, userNames)
		pg = pageOf(r, len(list))
		shown = list[pg.From:pg.To]
	}
	deleted := -1 // the deleted users are not for this viewer
	if gone, err := p.svc.ListUsers(ctx, who, true); err == nil {
		deleted = len(gone)
	}
	p.render(w, r, http.StatusOK, "admin_dir_users", page{Title: "Users", Nav: "admin-directory", Who: who,
		Data: map[string]any{"Head": directoryHead(who, "users"), "Users": shown, "Search": q, "Page": pg, "Deleted": deleted}})
}

// deletedRow is a deleted user with the time until which it can be restored (ASG-4).
type deletedRow struct {
	User      access.User
	RestoreBy time.Time
}

// adminDeletedUsers lists the users deleted in the last 30 days, with Restore for who
// may manage the directory (ASG-4).
func (p *Portal) adminDeletedUsers(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	list, err := p.svc.ListUsers(r.Context(), who, true)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	list = search(list, "", userNames)
	rows := make([]deletedRow, len(list))
	for i, u := range list {
		rows[i] = deletedRow{User: u, RestoreBy: u.DeletedDateTime.Add(access.RestoreWindow)}
	}
	p.render(w, r, http.StatusOK, "admin_dir_deleted", page{Title: "Deleted users", Nav: "admin-directory", Who: who,
		Data: map[string]any{"Head": directoryHead(who, "users"), "Rows": rows, "CanManage": who.Can(access.ActManageDirectory, access.Target{})}})
}

// dirObject is a user, group or application as a line of a list (members, owners,
// sponsors), with where its page is.
type dirObject struct {
	ID, Kind, Name, Detail, Link string
}

func dirObjectOf(o access.DirectoryObject) dirObject {
	d := dirObject{ID: o.ID, Name: o.ID}
	switch v := o.Object.(type) {
	case access.User:
		d.Kind, d.Name, d.Detail, d.Link = "User", v.DisplayName, v.UserPrincipalName, "/admin/directory/users/"+url.PathEscape(o.ID)
	case access.Group:
		d.Kind, d.Name, d.Detail, d.Link = "Group", v.DisplayName, v.Mail, "/admin/directory/groups/"+url.PathEscape(o.ID)
	case access.ServicePrincipal:
		d.Kind, d.Name, d.Detail = "Application", v.DisplayName, v.AppID
	}
	return d
}

func dirObjectsOf(list []access.DirectoryObject) []dirObject {
	out := make([]dirObject, len(list))
	for i, o := range list {
		out[i] = dirObjectOf(o)
	}
	slices.SortFunc(out, func(a, b dirObject) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out
}

// userView is the data of a user's page.
type userView struct {
	Head      dirHead
	User      access.User
	Deleted   bool
	RestoreBy time.Time
	Manager   *access.User
	Reports   []access.User
	Sponsors  []dirObject
	Groups    []access.Group
	CanManage bool
	Typed     map[string]string // what was typed into a refused form
}

// adminUser shows a user: their properties, sign-in, manager, direct reports, sponsors
// and groups, with Block or Unblock sign-in, Delete, and the manager and sponsor forms for
// who may manage the directory. A deleted user is shown with the time until which Restore
// brings them back (ASG-4).
func (p *Portal) adminUser(w http.ResponseWriter, r *http.Request) {
	p.showUser(w, r, http.StatusOK, "", nil)
}

func (p *Portal) showUser(w http.ResponseWriter, r *http.Request, status int, msg string, typed map[string]string) {
	who := actorOf(r)
	ctx := r.Context()
	id := r.PathValue("id")
	v := userView{Head: directoryHead(who, "users"), CanManage: who.Can(access.ActManageDirectory, access.Target{}), Typed: typed}
	u, err := p.svc.GetUser(ctx, who, id)
	if access.IsKind(err, access.KindNotFound) {
		if d, derr := p.svc.GetDeletedItem(ctx, who, id); derr == nil && d.User != nil {
			v.User, v.Deleted, v.RestoreBy = *d.User, true, d.User.DeletedDateTime.Add(access.RestoreWindow)
			p.render(w, r, status, "admin_dir_user", page{Title: v.User.DisplayName, Nav: "admin-directory", Who: who, Error: msg, Data: v})
			return
		}
	}
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	v.User = u
	if m, err := p.svc.Manager(ctx, who, u.ID); err == nil {
		v.Manager = &m
	}
	v.Reports, _ = p.svc.DirectReports(ctx, who, u.ID)
	sponsors, err := p.svc.Sponsors(ctx, who, u.ID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	v.Sponsors = dirObjectsOf(sponsors)
	v.Groups, _ = p.svc.MemberOf(ctx, who, u.ID)
	p.render(w, r, status, "admin_dir_user", page{Title: u.DisplayName, Nav: "admin-directory", Who: who, Error: msg, Data: v})
}

// userBack is the page of the request's user.
func userBack(r *http.Request) string {
	return "/admin/directory/users/" + url.PathEscape(r.PathValue("id"))
}

// refusedUser shows the user's page again with a refusal, keeping what was typed.
func (p *Portal) refusedUser(w http.ResponseWriter, r *http.Request, typed map[string]string) func(int, string) {
	return func(status int, msg string) { p.showUser(w, r, status, msg, typed) }
}

// adminSignIn blocks (enabled=false) or unblocks the user's sign-in (accountEnabled): a
// blocked user is refused at sign-in.
func (p *Portal) adminSignIn(enabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := p.svc.UpdateUser(r.Context(), actorOf(r), r.PathValue("id"), func(u *access.User) error {
			u.AccountEnabled = enabled
			return nil
		})
		notice := u.DisplayName + " can sign in again."
		if !enabled {
			notice = u.DisplayName + " is blocked from signing in."
		}
		p.settle(w, r, err, userBack(r), notice, p.refusedUser(w, r, nil))
	}
}

// adminDeleteUser deletes the user; they can be restored for 30 days (ASG-4).
func (p *Portal) adminDeleteUser(w http.ResponseWriter, r *http.Request) {
	err := p.svc.DeleteUser(r.Context(), actorOf(r), r.PathValue("id"))
	p.settle(w, r, err, userBack(r), "The user was deleted. They can be restored for 30 days.", p.refusedUser(w, r, nil))
}

// adminRestoreUser restores a deleted user with everything they had (ASG-4).
func (p *Portal) adminRestoreUser(w http.ResponseWriter, r *http.Request) {
	d, err := p.svc.RestoreDeletedItem(r.Context(), actorOf(r), r.PathValue("id"))
	notice := ""
	if err == nil && d.User != nil {
		notice = d.User.DisplayName + " was restored, with their assignments, groups and roles."
	}
	p.settle(w, r, err, userBack(r), notice, p.refusedUser(w, r, nil))
}

// adminSetManager sets the user's manager, named by userPrincipalName (or id).
func (p *Portal) adminSetManager(w http.ResponseWriter, r *http.Request) {
	typed := map[string]string{"manager": strings.TrimSpace(r.PostFormValue("manager"))}
	if typed["manager"] == "" {
		p.showUser(w, r, http.StatusBadRequest, "Type the userPrincipalName of the manager.", typed)
		return
	}
	err := p.svc.SetManager(r.Context(), actorOf(r), r.PathValue("id"), typed["manager"])
	p.settle(w, r, err, userBack(r), "The manager was set.", p.refusedUser(w, r, typed))
}

// adminClearManager removes the user's manager.
func (p *Portal) adminClearManager(w http.ResponseWriter, r *http.Request) {
	err := p.svc.SetManager(r.Context(), actorOf(r), r.PathValue("id"), "")
	p.settle(w, r, err, userBack(r), "The manager was removed.", p.refusedUser(w, r, nil))
}

// sponsorID is the id of the sponsor typed: a user by userPrincipalName, or any user or
// group by id.
func (p *Portal) sponsorID(r *http.Request, typed string) (string, error) {
	if !strings.Contains(typed, "@") {
		return typed, nil
	}
	u, err := p.svc.GetUser(r.Context(), actorOf(r), typed)
	return u.ID, err
}

// adminAddSponsor adds a sponsor to the user.
func (p *Portal) adminAddSponsor(w http.ResponseWriter, r *http.Request) {
	typed := map[string]string{"sponsor": strings.TrimSpace(r.PostFormValue("sponsor"))}
	if typed["sponsor"] == "" {
		p.showUser(w, r, http.StatusBadRequest, "Type the userPrincipalName of the sponsor, or the id of a user or group.", typed)
		return
	}
	id, err := p.sponsorID(r, typed["sponsor"])
	if err == nil {
		err = p.svc.AddSponsor(r.Context(), actorOf(r), r.PathValue("id"), id)
	}
	p.settle(w, r, err, userBack(r), "The sponsor was added.", p.refusedUser(w, r, typed))
}

// adminRemoveSponsor removes a sponsor from the user.
func (p *Portal) adminRemoveSponsor(w http.ResponseWriter, r *http.Request) {
	err := p.svc.RemoveSponsor(r.Context(), actorOf(r), r.PathValue("id"), r.PathValue("sponsor"))
	p.settle(w, r, err, userBack(r), "The sponsor was removed.", p.refusedUser(w, r, nil))
}
