package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// The console's Settings pages: the entitlement management settings (the external user
// lifecycle, EXT-2), the tenant-wide role assignments (ADM-7, SEC-1, SEC-2), the audit
// log (RPT-2, SEC-6; console_audit.go) and the mail outbox (NOT-1;
// console_notifications.go). Each tab shows what the Service answers; the forms are
// offered to who may use them, and the Service's refusal is shown in its words.

// settingsRoutes adds the Settings pages to mux.
func (p *Portal) settingsRoutes(mux *http.ServeMux, admin func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /admin/settings", admin(p.adminSettings))
	mux.HandleFunc("POST /admin/settings", admin(p.adminSaveSettings))
	mux.HandleFunc("GET /admin/settings/roles", admin(p.adminTenantRoles))
	mux.HandleFunc("POST /admin/settings/roles", admin(p.adminGrantTenantRole))
	mux.HandleFunc("POST /admin/settings/roles/{assignment}/remove", admin(p.adminRemoveTenantRole))
	mux.HandleFunc("GET /admin/settings/audit", admin(p.adminAudit))
	mux.HandleFunc("GET /admin/settings/audit.csv", admin(p.adminAuditCSV))
	mux.HandleFunc("GET /admin/settings/audit/verify", admin(p.adminVerifyAudit))
	mux.HandleFunc("GET /admin/settings/notifications", admin(p.adminNotifications))
	mux.HandleFunc("POST /admin/settings/notifications/{id}/retry", admin(p.adminRetryNotification))
}

// settingsTab is a tab of the Settings pages; a tab with an action opens only for who may
// do it tenant-wide.
type settingsTab struct {
	tab
	need access.Action
}

// settingsTabs are the tabs of the Settings pages, in order.
var settingsTabs = []settingsTab{
	{tab{"settings", "Settings", "", false}, ""},
	{tab{"roles", "Roles", "/roles", false}, ""},
	{tab{"audit", "Audit log", "/audit", false}, access.ActReadAudit},
	{tab{"notifications", "Notifications", "/notifications", false}, access.ActReadAssignments},
}

// SettingsHead is what every Settings page shows above its tab.
type SettingsHead struct {
	Tab  string
	Tabs []tab // those the viewer may open
}

// settingsHead returns the head of the Settings tab key; a tab the viewer may not open is
// refused in ADM-2's words.
func settingsHead(who access.Actor, key string) (SettingsHead, error) {
	h := SettingsHead{Tab: key}
	for _, st := range settingsTabs {
		if st.need != "" && !who.Can(st.need, access.Target{}) {
			if st.Key == key {
				return h, who.Authorize(st.need, access.Target{})
			}
			continue
		}
		h.Tabs = append(h.Tabs, st.tab)
	}
	return h, nil
}

// lifecycleChoice is one answer of the external user lifecycle (EXT-2).
type lifecycleChoice struct{ Value, Label string }

var lifecycleChoices = []lifecycleChoice{
	{"none", "Do nothing: they keep their account"},
	{"blockSignIn", "Block their sign-in"},
	{"blockSignInAndDelete", "Block their sign-in, then remove them from the directory"},
}

// settingsView is the data of the Settings tab.
type settingsView struct {
	Head     SettingsHead
	Settings access.Settings
	Choices  []lifecycleChoice
	Days     string // days from blocking to removal, as shown or typed
	CanSave  bool
	Why      string // why the viewer may not change them (ADM-2), when they may not
}

// adminSettings shows the external user lifecycle (EXT-2): a form for who may change the
// settings, the values otherwise.
func (p *Portal) adminSettings(w http.ResponseWriter, r *http.Request) {
	p.showSettings(w, r, http.StatusOK, nil, "")
}

func (p *Portal) showSettings(w http.ResponseWriter, r *http.Request, status int, typed *settingsView, msg string) {
	who := actorOf(r)
	head, err := settingsHead(who, "settings")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	st, err := p.svc.GetSettings(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	v := settingsView{Head: head, Settings: st, Choices: lifecycleChoices,
		Days:    strconv.FormatInt(int64(time.Duration(st.DurationUntilExternalUserDeletedAfterBlocked)/(24*time.Hour)), 10),
		CanSave: who.Can(access.ActManageSettings, access.Target{})}
	if !v.CanSave {
		v.Why = who.Authorize(access.ActManageSettings, access.Target{}).Error()
	}
	if typed != nil {
		v.Settings.ExternalUserLifecycleAction, v.Days = typed.Settings.ExternalUserLifecycleAction, typed.Days
	}
	p.render(w, r, status, "admin_set_settings", page{Title: "Settings", Nav: "admin-settings", Who: who, Error: msg, Data: v})
}

// adminSaveSettings saves the external user lifecycle; the days are kept when left empty.
func (p *Portal) adminSaveSettings(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	typed := settingsView{Days: strings.TrimSpace(r.PostFormValue("days"))}
	typed.Settings.ExternalUserLifecycleAction = r.PostFormValue("action")
	var days *int
	if typed.Days != "" {
		n, err := strconv.Atoi(typed.Days)
		if err != nil {
			p.showSettings(w, r, http.StatusBadRequest, &typed, fmt.Sprintf("Enter the days before removal as a whole number, such as 30, not '%s'.", typed.Days))
			return
		}
		days = &n
	}
	_, err := p.svc.UpdateSettings(r.Context(), who, func(s *access.Settings) error {
		s.ExternalUserLifecycleAction = typed.Settings.ExternalUserLifecycleAction
		if days != nil {
			s.DurationUntilExternalUserDeletedAfterBlocked = access.Duration(time.Duration(*days) * 24 * time.Hour)
		}
		return nil
	})
	p.settle(w, r, err, "/admin/settings", "Saved.", func(status int, msg string) { p.showSettings(w, r, status, &typed, msg) })
}

// tenantRoleRow is a tenant-wide role with who holds it.
type tenantRoleRow struct {
	Role    access.RoleDefinition
	Holders []roleHolder
}

// roleHolder is one assignment of a tenant role.
type roleHolder struct {
	Assignment access.RoleAssignment
	Who        userName
}

// tenantRolesView is the data of the Roles tab.
type tenantRolesView struct {
	Head      SettingsHead
	Rows      []tenantRoleRow
	CanManage bool
	Why       string // why the viewer may not grant or remove them (ADM-2), when they may not
	User      string // as typed in the grant form
	Role      string
}

// adminTenantRoles shows the Roles tab: each tenant-wide role with the assignments the
// viewer may see, Remove on each, and a form that grants a role by userPrincipalName, for
// who may manage tenant roles. The Service refuses what SEC-1 and SEC-2 forbid.
func (p *Portal) adminTenantRoles(w http.ResponseWriter, r *http.Request) {
	p.showTenantRoles(w, r, http.StatusOK, "")
}

func (p *Portal) showTenantRoles(w http.ResponseWriter, r *http.Request, status int, msg string) {
	who := actorOf(r)
	head, err := settingsHead(who, "roles")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	all, err := p.svc.ListRoleAssignments(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	var ids []string
	for _, ra := range all {
		if ra.CatalogID() == "" {
			ids = append(ids, ra.PrincipalID)
		}
	}
	names := p.principalNames(r, who, ids...)
	v := tenantRolesView{Head: head, CanManage: who.Can(access.ActManageTenantRoles, access.Target{}),
		User: strings.TrimSpace(r.PostFormValue("user")), Role: r.PostFormValue("role")}
	if !v.CanManage {
		v.Why = who.Authorize(access.ActManageTenantRoles, access.Target{}).Error()
	}
	for _, def := range access.RoleDefinitions {
		if def.CatalogRole {
			continue
		}
		row := tenantRoleRow{Role: def}
		for _, ra := range all {
			if ra.CatalogID() == "" && ra.RoleDefinitionID == def.ID {
				row.Holders = append(row.Holders, roleHolder{Assignment: ra, Who: names[ra.PrincipalID]})
			}
		}
		slices.SortFunc(row.Holders, func(a, b roleHolder) int {
			return strings.Compare(strings.ToLower(a.Who.DisplayName), strings.ToLower(b.Who.DisplayName))
		})
		v.Rows = append(v.Rows, row)
	}
	p.render(w, r, status, "admin_set_roles", page{Title: "Roles", Nav: "admin-settings", Who: who, Error: msg, Data: v})
}

// grantFromForm gives the user the form names (field "user": a userPrincipalName, mail or
// id) the form's role (field "role") in appScope: "/" for the tenant, or a catalog's scope.
func (p *Portal) grantFromForm(r *http.Request, who access.Actor, appScope string) (access.User, error) {
	u, err := p.svc.GetUser(r.Context(), who, strings.TrimSpace(r.PostFormValue("user")))
	if err != nil {
		return u, err
	}
	ra := access.RoleAssignment{PrincipalID: u.ID, RoleDefinitionID: r.PostFormValue("role"), AppScopeID: appScope}
	if appScope == "/" {
		ra.DirectoryScopeID = "/"
	}
	_, err = p.svc.CreateRoleAssignment(r.Context(), who, ra)
	return u, err
}

// principalNames names the users and groups of ids.
func (p *Portal) principalNames(r *http.Request, who access.Actor, ids ...string) map[string]userName {
	out := p.names(r, who, ids...)
	for id, n := range out {
		if n.UserPrincipalName != "" {
			continue
		}
		if g, err := p.svc.GetGroup(r.Context(), who, id); err == nil {
			out[id] = userName{ID: id, DisplayName: g.DisplayName, UserPrincipalName: "group"}
		}
	}
	return out
}

// adminGrantTenantRole grants a tenant-wide role to the user the form names.
func (p *Portal) adminGrantTenantRole(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	def, _ := access.RoleByID(r.PostFormValue("role"))
	u, err := p.grantFromForm(r, who, "/")
	p.settle(w, r, err, "/admin/settings/roles", fmt.Sprintf("%s was granted to %s.", def.DisplayName, u.DisplayName),
		func(status int, msg string) { p.showTenantRoles(w, r, status, msg) })
}

// adminRemoveTenantRole removes a tenant role assignment; the last Global Administrator
// and the roles of more privileged accounts stay, in the Service's words (SEC-1).
func (p *Portal) adminRemoveTenantRole(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	id := r.PathValue("assignment")
	ra, err := p.svc.GetRoleAssignment(r.Context(), who, id)
	if err == nil {
		err = p.svc.DeleteRoleAssignment(r.Context(), who, id)
	}
	var notice string
	if err == nil {
		def, _ := access.RoleByID(ra.RoleDefinitionID)
		n := p.principalNames(r, who, ra.PrincipalID)[ra.PrincipalID]
		notice = fmt.Sprintf("%s was removed from %s.", def.DisplayName, n.DisplayName)
	}
	p.settle(w, r, err, "/admin/settings/roles", notice, func(status int, msg string) { p.showTenantRoles(w, r, status, msg) })
}
