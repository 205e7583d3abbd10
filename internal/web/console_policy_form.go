package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// formOf describes a stored policy in the policy form's terms, or says why the form cannot
// show it faithfully (an approver who is a manager or a group, a scope the form does not
// offer): such a policy is edited through the API, so that nothing is lost.
func (p *Portal) formOf(r *http.Request, who access.Actor, pol access.Policy) (wizardPolicy, string) {
	wp := wizardPolicy{Name: pol.DisplayName, Enabled: pol.Enabled(), Extend: pol.RequestorSettings.EnableTargetsToSelfUpdateAccess,
		Justification: pol.RequestApprovalSettings.IsRequestorJustificationRequired, Approval: pol.RequestApprovalSettings.IsApprovalRequiredForAdd,
		ExtendApproval: pol.RequestApprovalSettings.IsApprovalRequiredForUpdate, DecideDays: 14, Expiry: "never", Days: 365}
	user := func(s access.SubjectSet) (string, bool) {
		if s.Kind() != access.SubjectSingleUser {
			return "", false
		}
		u, err := p.svc.GetUser(r.Context(), who, s.UserID)
		return u.UserPrincipalName, err == nil
	}
	switch pol.AllowedTargetScope {
	case access.ScopeAllMemberUsers:
		wp.Who = "members"
	case access.ScopeNotSpecified:
		wp.Who = "none"
	case access.ScopeAllConfiguredConnected:
		wp.Who = "allorgs"
	case access.ScopeSpecificConnectedOrgs:
		wp.Who = "orgs"
		for _, t := range pol.SpecificAllowedTargets {
			if t.Kind() != access.SubjectConnectedOrgMembers {
				return wp, "it names requestors other than connected organizations"
			}
			wp.Orgs = append(wp.Orgs, t.ConnectedOrganizationID)
		}
	case access.ScopeSpecificDirectoryUsers:
		wp.Who = "specific"
		var names []string
		for _, t := range pol.SpecificAllowedTargets {
			switch t.Kind() {
			case access.SubjectSingleUser:
				name, ok := user(t)
				if !ok {
					return wp, "it names a requestor who is not a user of the directory"
				}
				names = append(names, name)
			case access.SubjectGroupMembers:
				if _, err := p.svc.GetGroup(r.Context(), who, t.GroupID); err != nil {
					return wp, "it names a group that is gone"
				}
				names = append(names, t.GroupID) // by id: two groups may share a name
			default:
				return wp, fmt.Sprintf("it names requestors by %s", t.Kind())
			}
		}
		wp.Targets = strings.Join(names, "\n")
	default:
		return wp, fmt.Sprintf("who may request (%s) is not one of the form's choices", pol.AllowedTargetScope)
	}
	day := 24 * time.Hour
	ras := pol.RequestApprovalSettings
	stages := ras.Stages
	rs := pol.RequestorSettings
	switch {
	case len(stages) > len(wp.Approvers):
		return wp, fmt.Sprintf("it has %d approval stages", len(stages))
	case !ras.IsApprovalRequiredForAdd && (ras.IsApprovalRequiredForUpdate || len(stages) > 0):
		return wp, "it asks for approval of extensions only"
	case rs.EnableTargetsToSelfRemoveAccess != rs.EnableTargetsToSelfAddAccess:
		return wp, "people may request it but not give it up themselves, or the other way round"
	}
	for i, st := range stages {
		if st.IsEscalationEnabled || len(st.EscalationApprovers) > 0 || len(st.FallbackEscalationApprovers) > 0 {
			return wp, "it escalates to alternate approvers"
		}
		d := time.Duration(st.DurationBeforeAutomaticDenial)
		if d%day != 0 {
			return wp, fmt.Sprintf("stage %d's decision time (%s) is not a whole number of days", i+1, st.DurationBeforeAutomaticDenial)
		}
		if i > 0 && (int(d/day) != wp.DecideDays || st.IsApproverJustificationRequired != wp.ApproverJustification) {
			return wp, "its stages have different decision times or justification rules"
		}
		wp.DecideDays, wp.ApproverJustification = int(d/day), st.IsApproverJustificationRequired
		for _, pair := range []struct {
			sets []access.SubjectSet
			into *string
		}{{st.PrimaryApprovers, &wp.Approvers[i]}, {st.FallbackPrimaryApprovers, &wp.Fallbacks[i]}} {
			var names []string
			for _, s := range pair.sets {
				name, ok := user(s)
				if !ok {
					return wp, fmt.Sprintf("stage %d has an approver who is not a single user (a manager, sponsor or group)", i+1)
				}
				names = append(names, name)
			}
			*pair.into = strings.Join(names, ", ")
		}
	}
	switch e := pol.Expiration; {
	case e.Type == access.ExpireAfterDuration && e.Duration != nil:
		if time.Duration(*e.Duration)%day != 0 {
			return wp, fmt.Sprintf("access lasts %s, not a whole number of days", *e.Duration)
		}
		wp.Expiry, wp.Days = "days", int(time.Duration(*e.Duration)/day)
	case e.Type == access.ExpireAfterDateTime && e.EndDateTime != nil:
		if !e.EndDateTime.UTC().Truncate(day).Equal(e.EndDateTime.UTC()) {
			return wp, "access ends at a time of day, not at the start of a date"
		}
		wp.Expiry, wp.Date = "date", e.EndDateTime.UTC().Format(time.DateOnly)
	}
	return wp, ""
}

// policyFormView is the data of the Add policy and Edit policy pages.
type policyFormView struct {
	Head     PackageHead
	PolicyID string // "" for a new policy
	Fields   policyFields
	Why      string // why this policy is edited through the API instead
}

// adminPolicyForm shows the form of a new policy (GET …/policies/new) or of an existing one
// (GET …/policies/{policy}/edit).
func (p *Portal) adminPolicyForm(w http.ResponseWriter, r *http.Request) {
	p.showPolicyForm(w, r, http.StatusOK, nil, "")
}

func (p *Portal) showPolicyForm(w http.ResponseWriter, r *http.Request, status int, typed *wizardPolicy, msg string) {
	who := actorOf(r)
	head, err := p.loadPackage(r, who, "policies")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	if t := access.CatalogTarget(head.Catalog); !who.Can(access.ActManagePolicy, t) {
		p.fail(w, r, who, who.Authorize(access.ActManagePolicy, t))
		return
	}
	v := policyFormView{Head: head, PolicyID: r.PathValue("policy")}
	wp := wizardPolicy{Name: "New policy", Who: "members", Approval: true, DecideDays: 14, Expiry: "days", Days: 365, Enabled: true}
	if v.PolicyID != "" {
		pol, err := p.svc.GetPolicy(r.Context(), who, v.PolicyID)
		if err != nil {
			p.fail(w, r, who, err)
			return
		}
		wp, v.Why = p.formOf(r, who, pol)
	}
	if typed != nil {
		wp = *typed
	}
	orgs, _ := p.svc.ListConnectedOrganizations(r.Context(), who)
	v.Fields = policyFields{I: 0, P: wp, Orgs: orgs}
	title := "Add policy"
	if v.PolicyID != "" {
		title = "Edit policy " + wp.Name
	}
	p.render(w, r, status, "admin_policy_form", page{Title: title, Nav: "admin-packages", Who: who, Error: msg, Data: v})
}

// adminSavePolicy creates the policy of the form, or replaces the stored one with what
// the form says (keeping what the form does not show). Requests already made keep the
// version they were made under (POL-9).
func (p *Portal) adminSavePolicy(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, who, err)
		return
	}
	id, polID := r.PathValue("id"), r.PathValue("policy")
	var wp wizardPolicy
	readPolicy(r, 0, &wp)
	var base access.Policy
	if polID != "" {
		stored, err := p.svc.GetPolicy(r.Context(), who, polID)
		if err != nil {
			p.fail(w, r, who, err)
			return
		}
		if _, why := p.formOf(r, who, stored); why != "" {
			p.showPolicyForm(w, r, http.StatusConflict, nil, "This policy is edited through the API: "+why+".")
			return
		}
		base = stored
	}
	pol, err := p.policyOf(r, who, wp, base)
	if err == nil {
		if polID == "" {
			_, err = p.svc.CreatePolicy(r.Context(), who, pol, id)
		} else {
			_, err = p.svc.ReplacePolicy(r.Context(), who, polID, pol, id)
		}
	} else {
		err = access.E(access.KindInvalid, "%s", err.Error())
	}
	p.settle(w, r, err, "/admin/access-packages/"+url.PathEscape(id)+"/policies", "Policy '"+wp.Name+"' was saved.",
		func(status int, msg string) { p.showPolicyForm(w, r, status, &wp, msg) })
}
