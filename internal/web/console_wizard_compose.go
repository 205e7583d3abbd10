package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// compose turns the wizard's draft into what CreateAccessPackage takes, naming users by
// id. A name that matches nobody is an error that says which policy and field it is in.
func (p *Portal) compose(r *http.Request, who access.Actor, d wizardDraft) (access.NewAccessPackage, error) {
	in := access.NewAccessPackage{Package: access.Package{DisplayName: d.Name, Description: d.Description, IsHidden: d.Hidden}}
	if d.CatalogID == "new" {
		in.NewCatalog = &access.Catalog{DisplayName: d.NewCatalog, Description: d.NewCatDoc, State: access.CatalogPublished, IsExternallyVisible: true}
	} else {
		in.CatalogID = d.CatalogID
	}
	for _, role := range d.Roles {
		if !role.InCatalog {
			in.Resources = append(in.Resources, access.ResourceChange{OriginSystem: role.OriginSystem, OriginID: role.OriginID})
		}
		in.RoleScopes = append(in.RoleScopes, access.RoleRef{OriginSystem: role.OriginSystem, ResourceOriginID: role.OriginID, RoleOriginID: role.RoleOriginID})
	}
	for i, wp := range d.Policies {
		pol, err := p.policyOf(r, who, wp, access.Policy{})
		if err != nil {
			return in, access.E(access.KindInvalid, "policy %d ('%s'): %s", i+1, wp.Name, err.Error())
		}
		in.Policies = append(in.Policies, pol)
	}
	return in, nil
}

// policyOf builds the policy the form describes on base (a stored policy being edited, or
// none): what the form does not show (questions, custom extensions, notifications, who
// may request on behalf of others) is kept as base has it.
func (p *Portal) policyOf(r *http.Request, who access.Actor, wp wizardPolicy, base access.Policy) (access.Policy, error) {
	pol := base
	pol.DisplayName, pol.SpecificAllowedTargets = wp.Name, nil
	if pol.Description == "" {
		pol.Description = wp.Name
	}
	self := true
	switch wp.Who {
	case "members":
		pol.AllowedTargetScope = access.ScopeAllMemberUsers
	case "specific":
		pol.AllowedTargetScope = access.ScopeSpecificDirectoryUsers
		for _, name := range lines(wp.Targets) {
			set, err := p.subjectSet(r, who, name, true)
			if err != nil {
				return pol, fmt.Errorf("who may request: %w", err)
			}
			pol.SpecificAllowedTargets = append(pol.SpecificAllowedTargets, set)
		}
	case "orgs":
		pol.AllowedTargetScope = access.ScopeSpecificConnectedOrgs
		for _, id := range wp.Orgs {
			pol.SpecificAllowedTargets = append(pol.SpecificAllowedTargets, access.SubjectSet{Type: "#microsoft.graph.connectedOrganizationMembers", ConnectedOrganizationID: id})
		}
	case "allorgs":
		pol.AllowedTargetScope = access.ScopeAllConfiguredConnected
	default: // "none": administrators assign directly
		pol.AllowedTargetScope, self = access.ScopeNotSpecified, false
	}
	rs := &pol.RequestorSettings
	rs.EnableTargetsToSelfAddAccess, rs.EnableTargetsToSelfRemoveAccess, rs.EnableTargetsToSelfUpdateAccess = self, self, self && wp.Extend
	on := wp.Enabled
	rs.AcceptRequests = &on
	pol.RequestApprovalSettings = access.ApprovalSettings{}
	if self && wp.Approval {
		pol.RequestApprovalSettings = access.ApprovalSettings{IsApprovalRequiredForAdd: true, IsApprovalRequiredForUpdate: wp.ExtendApproval,
			IsRequestorJustificationRequired: wp.Justification}
		for s := range wp.Approvers {
			names := lines(wp.Approvers[s])
			if len(names) == 0 {
				continue
			}
			st := access.ApprovalStage{DurationBeforeAutomaticDenial: access.Duration(time.Duration(max(wp.DecideDays, 1)) * 24 * time.Hour),
				IsApproverJustificationRequired: wp.ApproverJustification}
			for _, name := range names {
				set, err := p.subjectSet(r, who, name, false)
				if err != nil {
					return pol, fmt.Errorf("approvers of stage %d: %w", s+1, err)
				}
				st.PrimaryApprovers = append(st.PrimaryApprovers, set)
			}
			for _, name := range lines(wp.Fallbacks[s]) {
				set, err := p.subjectSet(r, who, name, false)
				if err != nil {
					return pol, fmt.Errorf("fallback approvers of stage %d: %w", s+1, err)
				}
				st.FallbackPrimaryApprovers = append(st.FallbackPrimaryApprovers, set)
			}
			pol.RequestApprovalSettings.Stages = append(pol.RequestApprovalSettings.Stages, st)
		}
	} else if self {
		pol.RequestApprovalSettings.IsRequestorJustificationRequired = wp.Justification
	}
	switch wp.Expiry {
	case "days":
		dur := access.Duration(time.Duration(max(wp.Days, 1)) * 24 * time.Hour)
		pol.Expiration = access.Expiration{Type: access.ExpireAfterDuration, Duration: &dur}
	case "date":
		t, err := time.Parse(time.DateOnly, wp.Date)
		if err != nil {
			return pol, fmt.Errorf("the end date '%s' is not a date; use the date field", wp.Date)
		}
		pol.Expiration = access.Expiration{Type: access.ExpireAfterDateTime, EndDateTime: &t}
	default:
		pol.Expiration = access.Expiration{Type: access.ExpireNever}
	}
	return pol, nil
}

// subjectSet names a user (by userPrincipalName, mail or id) or, where groups are
// allowed, a group (by id or exact name).
func (p *Portal) subjectSet(r *http.Request, who access.Actor, name string, groups bool) (access.SubjectSet, error) {
	if u, err := p.svc.GetUser(r.Context(), who, name); err == nil {
		return access.SubjectSet{Type: "#microsoft.graph.singleUser", UserID: u.ID, Description: u.DisplayName}, nil
	}
	if groups {
		if g, ok := p.groupNamed(r, who, name); ok {
			return access.SubjectSet{Type: "#microsoft.graph.groupMembers", GroupID: g.ID, Description: g.DisplayName}, nil
		}
		return access.SubjectSet{}, fmt.Errorf("no user or group is named '%s'", name)
	}
	return access.SubjectSet{}, fmt.Errorf("no user is named '%s'", name)
}

// groupNamed finds a live group by id or, failing that, by its exact name (ignoring case).
func (p *Portal) groupNamed(r *http.Request, who access.Actor, name string) (access.Group, bool) {
	if g, err := p.svc.GetGroup(r.Context(), who, name); err == nil {
		return g, true
	}
	list, err := p.svc.ListGroups(r.Context(), who, false)
	if err != nil {
		return access.Group{}, false
	}
	for _, g := range list {
		if strings.EqualFold(g.DisplayName, name) {
			return g, true
		}
	}
	return access.Group{}, false
}

// lines splits a field into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(c rune) bool { return c == '\n' || c == '\r' || c == ',' || c == ';' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
