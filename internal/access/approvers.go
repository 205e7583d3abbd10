package access

import "sort"

// Lookup answers the directory questions approver resolution asks. Each function returns
// ids; a nil function answers nothing.
type Lookup struct {
	Members     func(groupID string) []string              // direct members of a group
	Manager     func(userID string) string                 // a user's manager, or ""
	Sponsors    func(userID string) []string               // a user's sponsors (users or groups)
	OrgSponsors func(orgID string, external bool) []string // a connected organization's sponsors
	IsGroup     func(id string) bool                       // whether id is a group
}

// Approvers resolves who may decide a stage of the subject's request (POL-3): the primary
// approvers, or the fallback approvers when the primaries resolve to nobody (no manager, no
// sponsors, empty groups); after escalation also the escalation approvers (or their
// fallbacks). The requestor is never among them (POL-11), so a stage whose only approver is
// the requestor falls back too. The result is sorted and has no duplicates.
func (st ApprovalStage) Approvers(s Subject, l Lookup, escalated bool) []string {
	pick := func(primary, fallback []SubjectSet) []string {
		if ids := resolve(primary, s, l); len(ids) > 0 {
			return ids
		}
		return resolve(fallback, s, l)
	}
	ids := pick(st.PrimaryApprovers, st.FallbackPrimaryApprovers)
	if escalated {
		ids = append(ids, pick(st.EscalationApprovers, st.FallbackEscalationApprovers)...)
	}
	return uniqueSorted(ids)
}

// resolve turns subject sets into user ids, leaving out the requestor.
func resolve(sets []SubjectSet, s Subject, l Lookup) []string {
	var out []string
	users := func(ids ...string) {
		for _, id := range ids {
			if l.IsGroup != nil && l.IsGroup(id) && l.Members != nil {
				out = append(out, l.Members(id)...)
			} else {
				out = append(out, id)
			}
		}
	}
	for _, set := range sets {
		switch set.Kind() {
		case SubjectSingleUser:
			users(set.UserID)
		case SubjectGroupMembers:
			if l.Members != nil {
				out = append(out, l.Members(set.GroupID)...)
			}
		case SubjectRequestorManager:
			if l.Manager == nil {
				continue
			}
			m := l.Manager(s.User.ID)
			if set.ManagerLevel == 2 && m != "" {
				m = l.Manager(m)
			}
			if m != "" {
				out = append(out, m)
			}
		case SubjectTargetUserSponsors:
			if l.Sponsors != nil {
				users(l.Sponsors(s.User.ID)...)
			}
		case SubjectInternalSponsors, SubjectExternalSponsors:
			if l.OrgSponsors != nil && s.Org != nil {
				users(l.OrgSponsors(s.Org.ID, set.Kind() == SubjectExternalSponsors)...)
			}
		}
	}
	kept := out[:0]
	for _, id := range out {
		if id != s.User.ID {
			kept = append(kept, id)
		}
	}
	return kept
}

func uniqueSorted(ids []string) []string {
	sort.Strings(ids)
	out := ids[:0]
	for i, id := range ids {
		if i == 0 || id != ids[i-1] {
			out = append(out, id)
		}
	}
	return out
}
