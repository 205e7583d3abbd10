package access

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
