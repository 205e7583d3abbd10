package access_test

import (
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

// TestPolicyAudience checks the words the package report (RPT-1) uses for who may request
// through a policy, for every scope of POL-1 and every reason nobody can.
func TestPolicyAudience(t *testing.T) { // RPT-1 POL-1
	name := func(kind, id string) string { return "'" + kind + ":" + id + "'" }
	off := false
	auto := pol("auto", access.ScopeSpecificDirectoryUsers, access.SubjectSet{Type: "#microsoft.graph.attributeRuleMembers", MembershipRule: "user.department -eq \"Sales\""})
	auto.AutomaticRequestSettings = &access.AutomaticRequestSettings{RequestAccessForAllowedTargets: true}
	noSelf := pol("noSelf", access.ScopeAllMemberUsers)
	noSelf.RequestorSettings.EnableTargetsToSelfAddAccess = false
	disabled := pol("disabled", access.ScopeAllMemberUsers)
	disabled.RequestorSettings.AcceptRequests = &off
	for _, c := range []struct {
		p    access.Policy
		want string
	}{
		{pol("members", access.ScopeAllMemberUsers), "All members of the directory (not guests)"},
		{pol("everyone", access.ScopeAllDirectoryUsers), "All users of the directory, members and guests"},
		{pol("specific", access.ScopeSpecificDirectoryUsers, access.SubjectSet{Type: "#microsoft.graph.singleUser", UserID: "u1"},
			access.SubjectSet{Type: "#microsoft.graph.groupMembers", GroupID: "g1"}), "User 'singleUser:u1', members of group 'groupMembers:g1'"},
		{pol("orgs", access.ScopeSpecificConnectedOrgs, access.SubjectSet{Type: "#microsoft.graph.connectedOrganizationMembers", ConnectedOrganizationID: "o1"}),
			"Users of connected organization 'connectedOrganizationMembers:o1'"},
		{pol("configured", access.ScopeAllConfiguredConnected), "Users of every configured connected organization"},
		{pol("external", access.ScopeAllExternalUsers), "All external users: guests, users of connected organizations and new users from other organizations"},
		{pol("admins", access.ScopeNotSpecified), "No one: the policy is for direct assignment by administrators only"},
		{disabled, "No one: the policy is disabled (POL-8)"},
		{noSelf, "No one: the policy does not let users request for themselves"},
		{auto, "No one: the policy assigns automatically"},
	} {
		if got := c.p.Audience(name); got != c.want {
			t.Errorf("%s: got %q, want %q", c.p.DisplayName, got, c.want)
		}
	}
}
