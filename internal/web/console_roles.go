package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// roleChoice is a resource role of the catalog that the Add form offers.
type roleChoice struct {
	Value, Label string // Value: resource id and role id, joined by a space
}

// roleRow is one resource role of the package.
type roleRow struct {
	Scope    access.RoleScope
	Resource string
	System   string
}

// rolesView is the data of the Resource roles tab.
type rolesView struct {
	Head      PackageHead
	Rows      []roleRow
	Choices   []roleChoice
	Assignees int // the package's active assignments, whom adding or removing a role affects (RES-6)
}

// adminRoles shows the Resource roles tab: the package's roles, each with Remove, and a
// form that adds one of the catalog's resource roles (for who may manage the package).
func (p *Portal) adminRoles(w http.ResponseWriter, r *http.Request) {
	p.showRoles(w, r, http.StatusOK, "")
}

func (p *Portal) showRoles(w http.ResponseWriter, r *http.Request, status int, msg string) {
	who := actorOf(r)
	ctx := r.Context()
	head, err := p.loadPackage(r, who, "roles")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	scopes, err := p.svc.RoleScopes(ctx, who, head.Package.ID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	resources, err := p.svc.ListResources(ctx, who, head.Catalog.ID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	byID := map[string]access.Resource{}
	for _, res := range resources {
		byID[res.ID] = res
	}
	v := rolesView{Head: head}
	have := map[string]bool{}
	for _, sc := range scopes {
		res := byID[sc.ResourceID]
		v.Rows = append(v.Rows, roleRow{Scope: sc, Resource: res.DisplayName, System: res.OriginSystem})
		have[sc.ResourceID+" "+sc.Role.ID] = true
	}
	for _, res := range resources {
		for _, role := range res.Roles {
			if key := res.ID + " " + role.ID; !have[key] {
				v.Choices = append(v.Choices, roleChoice{Value: key, Label: fmt.Sprintf("%s — %s (%s)", res.DisplayName, role.DisplayName, res.OriginSystem)})
			}
		}
	}
	if head.CanReadAssignments {
		if list, err := p.svc.ListAssignments(ctx, who, access.AssignmentFilter{PackageID: head.Package.ID}); err == nil {
			for _, a := range list {
				if a.Active() {
					v.Assignees++
				}
			}
		}
	}
	p.render(w, r, status, "admin_roles", page{Title: head.Package.DisplayName + ": resource roles", Nav: "admin-packages", Who: who, Error: msg, Data: v})
}

// adminAddRole adds the chosen resource role; the package's assignees receive it (RES-6).
func (p *Portal) adminAddRole(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	id := r.PathValue("id")
	resID, roleID, ok := strings.Cut(r.PostFormValue("role"), " ")
	if !ok {
		p.showRoles(w, r, http.StatusBadRequest, "Choose the resource role to add.")
		return
	}
	if _, err := p.svc.AddRoleScope(r.Context(), who, id, access.RoleRef{ResourceID: resID, RoleID: roleID}); err != nil {
		p.roleRefused(w, r, who, err)
		return
	}
	http.Redirect(w, r, "/admin/access-packages/"+url.PathEscape(id)+"/roles?notice="+
		url.QueryEscape("Added. Everyone who has this access package receives the role."), http.StatusSeeOther)
}

// adminRemoveRole removes a resource role; it is revoked from the package's assignees
// unless another assignment still grants it (RES-6, ASG-2).
func (p *Portal) adminRemoveRole(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	id := r.PathValue("id")
	if err := p.svc.RemoveRoleScope(r.Context(), who, id, r.PathValue("scope")); err != nil {
		p.roleRefused(w, r, who, err)
		return
	}
	http.Redirect(w, r, "/admin/access-packages/"+url.PathEscape(id)+"/roles?notice="+
		url.QueryEscape("Removed. The role is taken away from the package's assignees, except where another assignment still grants it."), http.StatusSeeOther)
}

// roleRefused shows a refusal of the Resource roles tab on the tab, or as an error page
// when the package itself cannot be shown.
func (p *Portal) roleRefused(w http.ResponseWriter, r *http.Request, who access.Actor, err error) {
	if statusOf(err) == http.StatusInternalServerError || access.IsKind(err, access.KindNotFound) && !strings.Contains(err.Error(), "role") {
		p.fail(w, r, who, err)
		return
	}
	p.showRoles(w, r, statusOf(err), err.Error())
}

// policyRow is one policy of the Policies tab.
type policyRow struct {
	Policy   access.Policy
	Who      string // who may request, or that administrators assign
	Stages   int
	Expires  string
	Accepted bool // takes new requests
}

// adminPolicies shows the Policies tab: each policy with who it is for, its approval
// stages and expiry, and (for who may manage policies) Disable/Enable and Delete (AP-4).
func (p *Portal) adminPolicies(w http.ResponseWriter, r *http.Request) {
	p.showPolicies(w, r, http.StatusOK, "")
}

func (p *Portal) showPolicies(w http.ResponseWriter, r *http.Request, status int, msg string) {
	who := actorOf(r)
	head, err := p.loadPackage(r, who, "policies")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	pols, err := p.svc.ListPolicies(r.Context(), who, head.Package.ID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	audiences, err := p.svc.PolicyAudiences(r.Context(), who, head.Package.ID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	rows := make([]policyRow, len(pols))
	for i, pol := range pols {
		rows[i] = policyRow{Policy: pol, Who: audiences[pol.ID], Stages: len(pol.RequestApprovalSettings.Stages),
			Expires: expiry(pol.Expiration), Accepted: pol.Enabled()}
	}
	canEdit := who.Can(access.ActManagePolicy, access.CatalogTarget(head.Catalog))
	p.render(w, r, status, "admin_policies", page{Title: head.Package.DisplayName + ": policies", Nav: "admin-packages", Who: who, Error: msg,
		Data: map[string]any{"Head": head, "Rows": rows, "CanEdit": canEdit}})
}

// expiry says in words when access through a policy ends.
func expiry(e access.Expiration) string {
	switch {
	case e.Type == access.ExpireAfterDuration && e.Duration != nil:
		if d := time.Duration(*e.Duration); d%(24*time.Hour) == 0 {
			return fmt.Sprintf("%d days after it starts", d/(24*time.Hour))
		}
		return "after " + e.Duration.String()
	case e.Type == access.ExpireAfterDateTime && e.EndDateTime != nil:
		return "on " + e.EndDateTime.UTC().Format("2 Jan 2006")
	case e.Type == access.ExpireNever || e.Type == access.ExpireNotSpecified || e.Type == "":
		return "never"
	}
	return e.Type
}

// adminTogglePolicy disables a policy (it takes no new requests; assignments stay) or
// enables it again.
func (p *Portal) adminTogglePolicy(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	id, polID := r.PathValue("id"), r.PathValue("policy")
	pol, err := p.svc.GetPolicy(r.Context(), who, polID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	on := !pol.Enabled()
	pol.RequestorSettings.AcceptRequests = &on
	if _, err := p.svc.ReplacePolicy(r.Context(), who, polID, pol, id); err != nil {
		p.policyRefused(w, r, who, err)
		return
	}
	notice := "Policy '" + pol.DisplayName + "' takes no new requests; current assignments stay."
	if on {
		notice = "Policy '" + pol.DisplayName + "' takes requests again."
	}
	http.Redirect(w, r, "/admin/access-packages/"+url.PathEscape(id)+"/policies?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}

// adminDeletePolicy deletes a policy; AP-4's refusal (active assignments use it) is shown
// on the tab.
func (p *Portal) adminDeletePolicy(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	id := r.PathValue("id")
	if err := p.svc.DeletePolicy(r.Context(), who, r.PathValue("policy")); err != nil {
		p.policyRefused(w, r, who, err)
		return
	}
	http.Redirect(w, r, "/admin/access-packages/"+url.PathEscape(id)+"/policies?notice="+url.QueryEscape("The policy was deleted."), http.StatusSeeOther)
}

func (p *Portal) policyRefused(w http.ResponseWriter, r *http.Request, who access.Actor, err error) {
	if statusOf(err) == http.StatusInternalServerError || access.IsKind(err, access.KindNotFound) {
		p.fail(w, r, who, err)
		return
	}
	p.showPolicies(w, r, statusOf(err), err.Error())
}
