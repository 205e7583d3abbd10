package access_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

func pol(name, scope string, targets ...access.SubjectSet) access.Policy {
	return access.Policy{DisplayName: name, AllowedTargetScope: scope, SpecificAllowedTargets: targets,
		RequestorSettings: access.RequestorSettings{EnableTargetsToSelfAddAccess: true}}
}

func names(ps []access.Policy) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.DisplayName)
	}
	return out
}

func TestPolicyScopes(t *testing.T) { // POL-1 REQ-3 EXT-1
	fabrikam := access.ConnectedOrganization{ID: "fab", State: access.OrgConfigured,
		IdentitySources: []access.IdentitySource{{Type: "#microsoft.graph.domainIdentitySource", DomainName: "fabrikam.test"}}}
	proposed := access.ConnectedOrganization{ID: "new", State: access.OrgProposed,
		IdentitySources: []access.IdentitySource{{Type: "#microsoft.graph.domainIdentitySource", DomainName: "new.test"}}}
	orgs := []access.ConnectedOrganization{fabrikam, proposed}
	member := access.User{ID: "m", UserType: "Member", Mail: "m@bestow.test"}
	guest := access.User{ID: "g", UserType: "Guest", UserPrincipalName: "g_fabrikam.test#EXT#@bestow.test"}
	newGuest := access.User{ID: "n", UserType: "Guest", Mail: "n@new.test"}
	stranger := access.User{ID: "s", UserType: "Guest", Mail: "s@elsewhere.test"}
	subject := func(u access.User, groups ...string) access.Subject {
		return access.Subject{User: u, GroupIDs: groups, Org: access.OrgOf(u, orgs)}
	}
	if o := access.OrgOf(guest, orgs); o == nil || o.ID != "fab" {
		t.Fatalf("guest's organization from the #EXT# principal name: %v", o)
	}
	cases := []struct {
		policy access.Policy
		covers map[string]bool // user id → covered
	}{
		{pol("nobody", access.ScopeNotSpecified), map[string]bool{}},
		{pol("specific", access.ScopeSpecificDirectoryUsers, access.SubjectSet{Type: "#microsoft.graph.singleUser", UserID: "g"},
			access.SubjectSet{Type: "#microsoft.graph.groupMembers", GroupID: "grp"}), map[string]bool{"g": true, "m": true}},
		{pol("members", access.ScopeAllMemberUsers), map[string]bool{"m": true}},
		{pol("directory", access.ScopeAllDirectoryUsers), map[string]bool{"m": true, "g": true, "n": true, "s": true}},
		{pol("fabrikam", access.ScopeSpecificConnectedOrgs, access.SubjectSet{Type: "#microsoft.graph.connectedOrganizationMembers", ConnectedOrganizationID: "fab"}),
			map[string]bool{"g": true}},
		{pol("configured orgs", access.ScopeAllConfiguredConnected), map[string]bool{"g": true}},
		{pol("all external", access.ScopeAllExternalUsers), map[string]bool{"g": true, "n": true, "s": true}},
	}
	for _, c := range cases {
		for _, s := range []access.Subject{subject(member, "grp"), subject(guest), subject(newGuest), subject(stranger)} {
			if got := c.policy.Covers(s); got != c.covers[s.User.ID] {
				t.Errorf("policy %q covers user %s = %v, want %v", c.policy.DisplayName, s.User.ID, got, c.covers[s.User.ID])
			}
		}
	}
}

func TestPolicyRanking(t *testing.T) { // POL-10
	specific := pol("P1 specific", access.ScopeSpecificDirectoryUsers, access.SubjectSet{Type: "#microsoft.graph.singleUser", UserID: "m"})
	specific2 := pol("P1 also", access.ScopeSpecificDirectoryUsers, access.SubjectSet{Type: "#microsoft.graph.groupMembers", GroupID: "grp"})
	members := pol("P2 members", access.ScopeAllMemberUsers)
	directory := pol("P3 directory", access.ScopeAllDirectoryUsers)
	external := pol("P4 external", access.ScopeAllExternalUsers)
	disabled := pol("P1 disabled", access.ScopeSpecificDirectoryUsers, access.SubjectSet{Type: "#microsoft.graph.singleUser", UserID: "m"})
	off := false
	disabled.RequestorSettings.AcceptRequests = &off
	adminOnly := pol("admin only", access.ScopeNotSpecified)
	m := access.Subject{User: access.User{ID: "m", UserType: "Member"}, GroupIDs: []string{"grp"}}
	g := access.Subject{User: access.User{ID: "g", UserType: "Guest"}}
	for _, c := range []struct {
		name     string
		policies []access.Policy
		s        access.Subject
		want     string
	}{
		{"only the best rank is offered", []access.Policy{directory, members, specific}, m, "[P1 specific]"},
		{"several in the best rank: the requestor chooses", []access.Policy{members, specific2, specific}, m, "[P1 also P1 specific]"},
		{"P2 beats P3", []access.Policy{directory, members}, m, "[P2 members]"},
		{"a guest falls through to P3", []access.Policy{external, members, directory}, g, "[P3 directory]"},
		{"P4 when nothing better covers", []access.Policy{external, members}, g, "[P4 external]"},
		{"POL-8 disabled policies are not offered", []access.Policy{disabled, members}, m, "[P2 members]"},
		{"admin-only policies are not offered", []access.Policy{adminOnly}, m, "[]"},
	} {
		got := names(access.ApplicablePolicies(c.policies, c.s))
		if g := "[" + strings.Join(got, " ") + "]"; g != c.want {
			t.Errorf("%s: got %s, want %s", c.name, g, c.want)
		}
	}
}

// TestAudienceMatchesCovers checks the index the store keeps of who may request through
// each policy: a policy is offered to a subject exactly when they share an audience.
func TestAudienceMatchesCovers(t *testing.T) { // POL-1 POL-10
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	scopes := []string{access.ScopeNotSpecified, access.ScopeSpecificDirectoryUsers, access.ScopeAllMemberUsers,
		access.ScopeAllDirectoryUsers, access.ScopeSpecificConnectedOrgs, access.ScopeAllConfiguredConnected, access.ScopeAllExternalUsers}
	orgs := []*access.ConnectedOrganization{nil, {ID: "o1", State: access.OrgConfigured}, {ID: "o2", State: access.OrgProposed}}
	for i := 0; i < 20000; i++ {
		p := access.Policy{AllowedTargetScope: pick(scopes...),
			RequestorSettings: access.RequestorSettings{EnableTargetsToSelfAddAccess: rng.IntN(5) > 0}}
		if rng.IntN(6) == 0 {
			off := false
			p.RequestorSettings.AcceptRequests = &off
		}
		if rng.IntN(8) == 0 {
			p.AutomaticRequestSettings = &access.AutomaticRequestSettings{RequestAccessForAllowedTargets: true}
		}
		for n := rng.IntN(3); n > 0; n-- {
			switch rng.IntN(3) {
			case 0:
				p.SpecificAllowedTargets = append(p.SpecificAllowedTargets, access.SubjectSet{Type: "#microsoft.graph.singleUser", UserID: pick("u1", "u2")})
			case 1:
				p.SpecificAllowedTargets = append(p.SpecificAllowedTargets, access.SubjectSet{Type: "#microsoft.graph.groupMembers", GroupID: pick("g1", "g2")})
			default:
				p.SpecificAllowedTargets = append(p.SpecificAllowedTargets, access.SubjectSet{Type: "#microsoft.graph.connectedOrganizationMembers", ConnectedOrganizationID: pick("o1", "o2")})
			}
		}
		s := access.Subject{User: access.User{ID: pick("u1", "u2", "u3"), UserType: pick("Member", "Guest")}}
		for _, g := range []string{"g1", "g2"} {
			if rng.IntN(2) == 0 {
				s.GroupIDs = append(s.GroupIDs, g)
			}
		}
		if s.User.IsGuest() {
			s.Org = orgs[rng.IntN(len(orgs))]
		}
		want := p.SelfRequestable() && p.Covers(s)
		shared := false
		for _, a := range p.Audiences() {
			if slices.Contains(s.Audiences(), a) {
				shared = true
			}
		}
		if shared != want {
			t.Fatalf("policy %+v and subject %+v: share an audience = %v, covered and self-requestable = %v (audiences %v and %v)",
				p, s, shared, want, p.Audiences(), s.Audiences())
		}
	}
}
