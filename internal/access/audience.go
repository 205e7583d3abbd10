package access

import "strings"

// Audiences let the store find the policies a person may request through without reading
// every policy: each self-requestable policy is indexed under the audiences it covers,
// each subject belongs to a few audiences, and a policy covers a subject exactly when
// they share one (the property TestAudienceMatchesCovers checks).
//
// An audience is one of the constants below, or a prefix followed by an id.
const (
	AudienceMembers    = "members"        // every member user (not guests)
	AudienceGuests     = "guests"         // every guest
	AudienceConfigured = "configured-org" // every guest of a configured connected organization
	audienceUser       = "user:"          // + user id
	audienceGroup      = "group:"         // + group id (its direct members)
	audienceOrg        = "org:"           // + connected organization id (its guests)
)

// Audiences lists the audiences the policy is indexed under: none unless people can
// request through it for themselves (SelfRequestable).
func (p *Policy) Audiences() []string {
	if !p.SelfRequestable() {
		return nil
	}
	var out []string
	switch p.AllowedTargetScope {
	case ScopeSpecificDirectoryUsers:
		for _, t := range p.SpecificAllowedTargets {
			switch t.Kind() {
			case SubjectSingleUser:
				out = append(out, audienceUser+t.UserID)
			case SubjectGroupMembers:
				out = append(out, audienceGroup+t.GroupID)
			}
		}
	case ScopeAllMemberUsers:
		out = append(out, AudienceMembers)
	case ScopeAllDirectoryUsers:
		out = append(out, AudienceMembers, AudienceGuests)
	case ScopeSpecificConnectedOrgs:
		for _, t := range p.SpecificAllowedTargets {
			if t.Kind() == SubjectConnectedOrgMembers {
				out = append(out, audienceOrg+t.ConnectedOrganizationID)
			}
		}
	case ScopeAllConfiguredConnected:
		out = append(out, AudienceConfigured)
	case ScopeAllExternalUsers:
		out = append(out, AudienceGuests)
	}
	return uniqueSorted(out)
}

// Audiences lists the audiences the subject belongs to.
func (s Subject) Audiences() []string {
	out := []string{audienceUser + s.User.ID}
	for _, g := range s.GroupIDs {
		out = append(out, audienceGroup+g)
	}
	if !s.User.IsGuest() {
		return append(out, AudienceMembers)
	}
	out = append(out, AudienceGuests)
	if s.Org != nil {
		out = append(out, audienceOrg+s.Org.ID)
		if s.Org.State == OrgConfigured {
			out = append(out, AudienceConfigured)
		}
	}
	return out
}

// Audience describes in words who may request the package for themselves through the
// policy (RPT-1): "All members of the directory (not guests)", "Members of group 'X'",
// "Users of connected organization 'Y'", or "No one: " with the reason the requestability
// check gives (TRB-1) when nobody can. name turns the id of a user, group or connected
// organization (a subject set's kind tells which) into how people know it. The cases are
// those of Audiences and Covers, which decide what the words describe.
func (p *Policy) Audience(name func(kind, id string) string) string {
	if why := p.closed(); why != "" {
		return "No one: the policy " + why
	}
	var parts []string
	switch p.AllowedTargetScope {
	case ScopeSpecificDirectoryUsers, ScopeSpecificConnectedOrgs:
		for _, t := range p.SpecificAllowedTargets {
			switch k := t.Kind(); k {
			case SubjectSingleUser:
				parts = append(parts, "user "+name(k, t.UserID))
			case SubjectGroupMembers:
				parts = append(parts, "members of group "+name(k, t.GroupID))
			case SubjectConnectedOrgMembers:
				parts = append(parts, "users of connected organization "+name(k, t.ConnectedOrganizationID))
			}
		}
	case ScopeAllMemberUsers:
		parts = append(parts, "all members of the directory (not guests)")
	case ScopeAllDirectoryUsers:
		parts = append(parts, "all users of the directory, members and guests")
	case ScopeAllConfiguredConnected:
		parts = append(parts, "users of every configured connected organization")
	case ScopeAllExternalUsers:
		parts = append(parts, "all external users: guests, users of connected organizations and new users from other organizations")
	}
	s := strings.Join(parts, ", ")
	if s == "" {
		return "No one: the policy names nobody who may request"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
