package access

import "sort"

// Subject is a user as policies see them: who they are, the groups they are a member of,
// and the connected organization their domain belongs to (if any).
type Subject struct {
	User     User
	GroupIDs []string
	Org      *ConnectedOrganization // nil when no connected organization matches
}

// inGroup reports whether the subject is a direct member of group id.
func (s Subject) inGroup(id string) bool { return indexOf(s.GroupIDs, id) >= 0 }

// Covers reports whether the policy's allowedTargetScope includes the subject (POL-1).
// Users in the directory are members, or guests; users from connected organizations are
// guests whose domain matches an organization.
func (p *Policy) Covers(s Subject) bool {
	u := s.User
	switch p.AllowedTargetScope {
	case ScopeSpecificDirectoryUsers:
		for _, t := range p.SpecificAllowedTargets {
			switch t.Kind() {
			case SubjectSingleUser:
				if t.UserID == u.ID {
					return true
				}
			case SubjectGroupMembers:
				if s.inGroup(t.GroupID) {
					return true
				}
			}
		}
	case ScopeAllMemberUsers:
		return !u.IsGuest()
	case ScopeAllDirectoryUsers:
		return true
	case ScopeSpecificConnectedOrgs:
		if !u.IsGuest() || s.Org == nil {
			return false
		}
		for _, t := range p.SpecificAllowedTargets {
			if t.Kind() == SubjectConnectedOrgMembers && t.ConnectedOrganizationID == s.Org.ID {
				return true
			}
		}
	case ScopeAllConfiguredConnected:
		return u.IsGuest() && s.Org != nil && s.Org.State == OrgConfigured
	case ScopeAllExternalUsers:
		return u.IsGuest()
	}
	return false
}

// Rank is the priority of the policy's scope when several apply (POL-10): 1 for specific
// users, groups or connected organizations, 2 for all members, 3 for all directory users,
// 4 for all (configured) connected organizations and all external users; 0 when nobody can
// request through it.
func (p *Policy) Rank() int {
	switch p.AllowedTargetScope {
	case ScopeSpecificDirectoryUsers, ScopeSpecificConnectedOrgs:
		return 1
	case ScopeAllMemberUsers:
		return 2
	case ScopeAllDirectoryUsers:
		return 3
	case ScopeAllConfiguredConnected, ScopeAllExternalUsers:
		return 4
	}
	return 0
}

// SelfRequestable reports whether users in scope may request the package for themselves
// through the policy: it is enabled, lets targets add access, and is not an automatic
// assignment policy.
func (p *Policy) SelfRequestable() bool { return p.closed() == "" }

// closed says why nobody can request the package for themselves through the policy, as
// the end of a sentence about it ("is disabled (POL-8)"), or "" when people in its scope
// can. The requestability check (TRB-1) and the package report (RPT-1) both give it.
func (p *Policy) closed() string {
	switch {
	case !p.Enabled():
		return "is disabled (POL-8)"
	case p.Rank() == 0:
		return "is for direct assignment by administrators only"
	case !p.RequestorSettings.EnableTargetsToSelfAddAccess:
		return "does not let users request for themselves"
	case p.AutomaticRequestSettings != nil && p.AutomaticRequestSettings.RequestAccessForAllowedTargets:
		return "assigns automatically"
	}
	return ""
}

// ApplicablePolicies returns the policies through which the subject may request for
// themselves, keeping only the best non-empty rank (POL-10); when that rank holds several,
// the requestor chooses among them. The result is ordered by display name.
func ApplicablePolicies(policies []Policy, s Subject) []Policy {
	best := 0
	var out []Policy
	for _, p := range policies {
		if !p.SelfRequestable() || !p.Covers(s) {
			continue
		}
		switch r := p.Rank(); {
		case best == 0 || r < best:
			best, out = r, []Policy{p}
		case r == best:
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].DisplayName < out[j].DisplayName })
	return out
}

// OrgOf returns the connected organization a guest's domain belongs to, preferring a
// configured one, or nil. Members belong to no connected organization.
func OrgOf(u User, orgs []ConnectedOrganization) *ConnectedOrganization {
	if !u.IsGuest() {
		return nil
	}
	var found *ConnectedOrganization
	for i := range orgs {
		if orgs[i].Matches(u.Domain()) && (found == nil || orgs[i].State == OrgConfigured && found.State != OrgConfigured) {
			found = &orgs[i]
		}
	}
	return found
}
