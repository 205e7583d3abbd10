package access_test

import (
	"fmt"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

func TestApprovers(t *testing.T) { // POL-3 POL-11
	groups := map[string][]string{"g-approvers": {"a1", "a2", "req"}, "g-empty": nil, "g-sponsors": {"s2"}}
	managers := map[string]string{"req": "boss", "boss": "bigboss", "orphan": ""}
	l := access.Lookup{
		Members:     func(g string) []string { return groups[g] },
		Manager:     func(u string) string { return managers[u] },
		Sponsors:    func(u string) []string { return map[string][]string{"req": {"s1", "g-sponsors"}}[u] },
		OrgSponsors: func(org string, ext bool) []string { return map[bool][]string{false: {"in1"}, true: {"ex1"}}[ext] },
		IsGroup:     func(id string) bool { _, ok := groups[id]; return ok },
	}
	user := func(id string) access.SubjectSet {
		return access.SubjectSet{Type: "#microsoft.graph.singleUser", UserID: id}
	}
	group := func(id string) access.SubjectSet {
		return access.SubjectSet{Type: "#microsoft.graph.groupMembers", GroupID: id}
	}
	mgr := func(level int) access.SubjectSet {
		return access.SubjectSet{Type: "#microsoft.graph.requestorManager", ManagerLevel: level}
	}
	sponsors := access.SubjectSet{Type: "#microsoft.graph.targetUserSponsors"}
	internal := access.SubjectSet{Type: "#microsoft.graph.internalSponsors"}
	req := access.Subject{User: access.User{ID: "req"}}
	orphan := access.Subject{User: access.User{ID: "orphan"}}
	guest := access.Subject{User: access.User{ID: "guest", UserType: "Guest"}, Org: &access.ConnectedOrganization{ID: "fab"}}
	for name, c := range map[string]struct {
		stage     access.ApprovalStage
		s         access.Subject
		escalated bool
		want      string
	}{
		"single users":                          {access.ApprovalStage{PrimaryApprovers: []access.SubjectSet{user("a1"), user("a2")}}, req, false, "[a1 a2]"},
		"POL-11 group without the requestor":    {access.ApprovalStage{PrimaryApprovers: []access.SubjectSet{group("g-approvers")}}, req, false, "[a1 a2]"},
		"manager":                               {access.ApprovalStage{PrimaryApprovers: []access.SubjectSet{mgr(1)}}, req, false, "[boss]"},
		"second-level manager":                  {access.ApprovalStage{PrimaryApprovers: []access.SubjectSet{mgr(2)}}, req, false, "[bigboss]"},
		"no manager: fallback":                  {access.ApprovalStage{PrimaryApprovers: []access.SubjectSet{mgr(1)}, FallbackPrimaryApprovers: []access.SubjectSet{user("fb")}}, orphan, false, "[fb]"},
		"empty group: fallback":                 {access.ApprovalStage{PrimaryApprovers: []access.SubjectSet{group("g-empty")}, FallbackPrimaryApprovers: []access.SubjectSet{user("fb")}}, req, false, "[fb]"},
		"POL-11 only the requestor: fallback":   {access.ApprovalStage{PrimaryApprovers: []access.SubjectSet{user("req")}, FallbackPrimaryApprovers: []access.SubjectSet{user("fb")}}, req, false, "[fb]"},
		"sponsors, groups expanded":             {access.ApprovalStage{PrimaryApprovers: []access.SubjectSet{sponsors}}, req, false, "[s1 s2]"},
		"internal sponsors of the organization": {access.ApprovalStage{PrimaryApprovers: []access.SubjectSet{internal}}, guest, false, "[in1]"},
		"escalation adds alternates":            {access.ApprovalStage{PrimaryApprovers: []access.SubjectSet{user("a1")}, EscalationApprovers: []access.SubjectSet{user("alt")}}, req, true, "[a1 alt]"},
		"no escalation yet":                     {access.ApprovalStage{PrimaryApprovers: []access.SubjectSet{user("a1")}, EscalationApprovers: []access.SubjectSet{user("alt")}}, req, false, "[a1]"},
		"nobody at all":                         {access.ApprovalStage{PrimaryApprovers: []access.SubjectSet{user("req")}}, req, false, "[]"},
	} {
		if got := fmt.Sprint(c.stage.Approvers(c.s, l, c.escalated)); got != c.want {
			t.Errorf("%s: got %s, want %s", name, got, c.want)
		}
	}
}
