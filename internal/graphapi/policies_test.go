package graphapi_test

import (
	"maps"
	"testing"
)

// twoStagePolicy is Microsoft's external-users example (appendix B.3), including a second
// stage with only fallback approvers.
func twoStagePolicy(pkg, user, group string) map[string]any {
	return map[string]any{"displayName": "External", "allowedTargetScope": "allConfiguredConnectedOrganizationUsers",
		"expiration": map[string]any{"type": "noExpiration"},
		"requestorSettings": map[string]any{"enableTargetsToSelfAddAccess": true, "enableTargetsToSelfUpdateAccess": true,
			"enableTargetsToSelfRemoveAccess": true, "allowCustomAssignmentSchedule": false},
		"requestApprovalSettings": map[string]any{"isApprovalRequiredForAdd": true, "isApprovalRequiredForUpdate": false, "stages": []any{
			map[string]any{"durationBeforeAutomaticDenial": "P2W", "isApproverJustificationRequired": false, "isEscalationEnabled": false, "durationBeforeEscalation": "PT0S",
				"primaryApprovers": []any{map[string]any{"@odata.type": "#microsoft.graph.internalSponsors"}},
				"fallbackPrimaryApprovers": []any{map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": user},
					map[string]any{"@odata.type": "#microsoft.graph.groupMembers", "groupId": group}},
				"escalationApprovers": []any{}, "fallbackEscalationApprovers": []any{}},
			map[string]any{"durationBeforeAutomaticDenial": "P14D", "primaryApprovers": []any{},
				"fallbackPrimaryApprovers": []any{map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": user}}}}},
		"reviewSettings": map[string]any{"isEnabled": true, "expirationBehavior": "keepAccess"},
		"accessPackage":  map[string]any{"id": pkg}}
}

func with(base map[string]any, kv ...any) map[string]any {
	out := maps.Clone(base)
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestAssignmentPolicies(t *testing.T) { // POL-1 POL-2 POL-3 POL-5 POL-6 POL-7 POL-8 POL-9
	backends(t, func(t *testing.T, h *harness) {
		cat := h.catalog(h.admin, "Policies")
		pkg := h.pkg(h.admin, cat, "Package")
		userID, _ := h.user("approver@bestow.test")
		grp := h.group(map[string]any{"displayName": "Requestors"})
		org := h.must(h.admin, "POST", em+"/connectedOrganizations", map[string]any{"displayName": "Fabrikam",
			"identitySources": []any{map[string]any{"@odata.type": "#microsoft.graph.domainIdentitySource", "domainName": "fabrikam.test", "displayName": "Fabrikam"}}}, 201).str("id")
		base := directPolicy(pkg)
		post := func(t *testing.T, body map[string]any) resp {
			return h.on(t).call(h.admin, "POST", em+"/assignmentPolicies", body)
		}
		policies := func() int { return h.count(em + "/assignmentPolicies") }

		t.Run("POL-1 every requestor scope", func(t *testing.T) {
			single := []any{map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": userID}, map[string]any{"@odata.type": "#microsoft.graph.groupMembers", "groupId": grp}}
			orgs := []any{map[string]any{"@odata.type": "#microsoft.graph.connectedOrganizationMembers", "connectedOrganizationId": org}}
			selfAdd := map[string]any{"enableTargetsToSelfAddAccess": true}
			for _, c := range []struct {
				scope   string
				targets []any
			}{
				{"notSpecified", nil}, {"specificDirectoryUsers", single}, {"allMemberUsers", nil}, {"allDirectoryUsers", nil},
				{"specificConnectedOrganizationUsers", orgs}, {"allConfiguredConnectedOrganizationUsers", nil}, {"allExternalUsers", nil},
			} {
				body := with(base, "displayName", c.scope, "allowedTargetScope", c.scope, "specificAllowedTargets", c.targets)
				if c.scope != "notSpecified" {
					body["requestorSettings"] = selfAdd
				}
				r := post(t, body)
				if r.status != 201 || r.str("allowedTargetScope") != c.scope {
					t.Errorf("%s: %d %s", c.scope, r.status, r.raw)
				}
			}
			n := policies()
			for _, c := range []struct {
				body map[string]any
				want string
			}{
				{with(base, "allowedTargetScope", "everyone"), "allowedTargetScope 'everyone' is not valid"},
				{with(base, "allowedTargetScope", "specificDirectoryUsers"), "needs specificAllowedTargets"},
				{with(base, "allowedTargetScope", "allMemberUsers", "specificAllowedTargets", single), "takes no specificAllowedTargets"},
				{with(base, "allowedTargetScope", "notSpecified", "requestorSettings", selfAdd), "direct assignment only"},
				{with(base, "allowedTargetScope", "specificDirectoryUsers", "specificAllowedTargets", []any{map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": "00000000-0000-0000-0000-00000000beef"}}), "does not exist"},
				{with(base, "allowedTargetScope", "specificDirectoryUsers", "specificAllowedTargets", []any{map[string]any{"@odata.type": "#microsoft.graph.nobody"}}), "not a subject set"},
			} {
				r := post(t, c.body)
				if r.status != 400 || !contains(r.errMsg(), c.want) {
					t.Errorf("want 400 mentioning %q, got %d %s", c.want, r.status, r.raw)
				}
			}
			if policies() != n {
				t.Errorf("refused policies were stored")
			}
		})
		t.Run("POL-2 internal or external, never both", func(t *testing.T) {
			mixed := []any{map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": userID},
				map[string]any{"@odata.type": "#microsoft.graph.connectedOrganizationMembers", "connectedOrganizationId": org}}
			for _, scope := range []string{"specificDirectoryUsers", "specificConnectedOrganizationUsers"} {
				r := post(t, with(base, "allowedTargetScope", scope, "specificAllowedTargets", mixed))
				if r.status != 400 || !contains(r.errMsg(), "never both") {
					t.Errorf("%s with mixed targets: %d %s", scope, r.status, r.raw)
				}
			}
		})
		t.Run("POL-3 approval stages", func(t *testing.T) {
			r := post(t, twoStagePolicy(pkg, userID, grp))
			if r.status != 201 {
				t.Fatalf("Microsoft's two-stage example: %d %s", r.status, r.raw)
			}
			stages := r.body["requestApprovalSettings"].(map[string]any)["stages"].([]any)
			if len(stages) != 2 || stages[0].(map[string]any)["durationBeforeAutomaticDenial"] != "P14D" {
				t.Errorf("stages read back: %v", stages)
			}
			manager := with(base, "allowedTargetScope", "allMemberUsers", "requestorSettings", map[string]any{"enableTargetsToSelfAddAccess": true},
				"requestApprovalSettings", map[string]any{"isApprovalRequiredForAdd": true, "stages": []any{map[string]any{
					"durationBeforeAutomaticDenial": "P2D",
					"primaryApprovers":              []any{map[string]any{"@odata.type": "#microsoft.graph.requestorManager", "managerLevel": 1}},
					"fallbackPrimaryApprovers":      []any{map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": userID, "description": "user"}}}}})
			if r := post(t, manager); r.status != 201 {
				t.Errorf("manager approval (appendix B.4): %d %s", r.status, r.raw)
			}
			stage := map[string]any{"primaryApprovers": []any{map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": userID}}}
			approval := func(stages ...any) map[string]any {
				return with(base, "allowedTargetScope", "allMemberUsers", "requestorSettings", map[string]any{"enableTargetsToSelfAddAccess": true},
					"requestApprovalSettings", map[string]any{"isApprovalRequiredForAdd": true, "stages": stages})
			}
			if r := post(t, approval(stage, stage, stage)); r.status != 201 {
				t.Errorf("three stages: %d %s", r.status, r.raw)
			}
			for _, c := range []struct {
				body map[string]any
				want string
			}{
				{approval(stage, stage, stage, stage), "at most 3"},
				{approval(), "stages is empty"},
				{approval(map[string]any{"primaryApprovers": []any{}}), "has no approvers"},
				{approval(with(stage, "isEscalationEnabled", true, "durationBeforeEscalation", "P1D")), "escalationApprovers is empty"},
				{approval(with(stage, "durationBeforeAutomaticDenial", "P30D")), "between PT1H and P14D"},
				{approval(with(stage, "primaryApprovers", []any{map[string]any{"@odata.type": "#microsoft.graph.internalSponsors"}})), "only resolve for requestors from connected organizations"},
				{approval(with(stage, "durationBeforeAutomaticDenial", "P1M")), "years and months"},
			} {
				r := post(t, c.body)
				if r.status != 400 || !contains(r.errMsg(), c.want) {
					t.Errorf("want 400 mentioning %q, got %d %s", c.want, r.status, r.raw)
				}
			}
		})
		t.Run("POL-5 justification and questions", func(t *testing.T) {
			q := func(qs ...any) map[string]any {
				return with(base, "requestApprovalSettings", map[string]any{"isRequestorJustificationRequired": true}, "questions", qs)
			}
			r := post(t, q(
				map[string]any{"@odata.type": "#microsoft.graph.accessPackageTextInputQuestion", "text": "Ticket?", "isRequired": true, "regexPattern": "^T-[0-9]+$"},
				map[string]any{"@odata.type": "#microsoft.graph.accessPackageMultipleChoiceQuestion", "text": "Region?", "choices": []any{
					map[string]any{"actualValue": "eu", "text": "Europe"}, map[string]any{"actualValue": "us", "text": "Americas"}}}))
			if r.status != 201 {
				t.Fatalf("questions: %d %s", r.status, r.raw)
			}
			qs := r.body["questions"].([]any)
			if len(qs) != 2 || qs[0].(map[string]any)["id"] == "" || r.body["requestApprovalSettings"].(map[string]any)["isRequestorJustificationRequired"] != true {
				t.Errorf("questions read back: %s", r.raw)
			}
			for _, c := range []struct {
				body map[string]any
				want string
			}{
				{q(map[string]any{"@odata.type": "#microsoft.graph.accessPackageTextInputQuestion", "text": "x", "regexPattern": "(["}), "regexPattern does not compile"},
				{q(map[string]any{"@odata.type": "#microsoft.graph.accessPackageMultipleChoiceQuestion", "text": "x"}), "at least one choice"},
				{q(map[string]any{"@odata.type": "#microsoft.graph.accessPackageQuestion", "text": "x"}), "is not a question"},
				{q(map[string]any{"@odata.type": "#microsoft.graph.accessPackageTextInputQuestion"}), "text is required"},
			} {
				r := post(t, c.body)
				if r.status != 400 || !contains(r.errMsg(), c.want) {
					t.Errorf("want 400 mentioning %q, got %d %s", c.want, r.status, r.raw)
				}
			}
		})
		t.Run("POL-6 expiration", func(t *testing.T) {
			for _, exp := range []map[string]any{
				{"type": "noExpiration"}, {"type": "afterDuration", "duration": "P90D"}, {"type": "afterDuration", "duration": "PT8H"},
				{"type": "afterDuration", "duration": "P4W2D"}, {"type": "afterDateTime", "endDateTime": "2099-01-01T00:00:00Z"},
			} {
				r := post(t, with(base, "expiration", exp, "requestorSettings", map[string]any{"allowCustomAssignmentSchedule": true}))
				if r.status != 201 {
					t.Errorf("expiration %v: %d %s", exp, r.status, r.raw)
				}
			}
			if r := post(t, with(base, "expiration", map[string]any{"type": "afterDuration", "duration": "P4W2D"})); r.str("expiration.duration") != "P30D" {
				t.Errorf("P4W2D read back as %q, want P30D", r.str("expiration.duration"))
			}
			for exp, want := range map[string]map[string]any{
				"needs a positive expiration.duration": {"type": "afterDuration"},
				"is in the past":                       {"type": "afterDateTime", "endDateTime": "2001-01-01T00:00:00Z"},
				"longer than the maximum":              {"type": "afterDuration", "duration": "P4000D"},
				"expiration.type 'soon' is not valid":  {"type": "soon"},
				"not a valid ISO-8601 duration":        {"type": "afterDuration", "duration": "90 days"},
			} {
				r := post(t, with(base, "expiration", want))
				if r.status != 400 || !contains(r.errMsg(), exp) {
					t.Errorf("want 400 mentioning %q, got %d %s", exp, r.status, r.raw)
				}
			}
		})
		t.Run("POL-7 extension approval needs stages", func(t *testing.T) {
			r := post(t, with(base, "allowedTargetScope", "allMemberUsers",
				"requestorSettings", map[string]any{"enableTargetsToSelfAddAccess": true, "enableTargetsToSelfUpdateAccess": true},
				"requestApprovalSettings", map[string]any{"isApprovalRequiredForUpdate": true, "stages": []any{}}))
			if r.status != 400 || !contains(r.errMsg(), "stages is empty") {
				t.Errorf("extension approval without stages: %d %s", r.status, r.raw)
			}
			r = post(t, with(base, "allowedTargetScope", "allMemberUsers", "expiration", map[string]any{"type": "afterDuration", "duration": "P30D"},
				"requestorSettings", map[string]any{"enableTargetsToSelfAddAccess": true, "enableTargetsToSelfUpdateAccess": true}))
			if r.status != 201 || r.body["requestorSettings"].(map[string]any)["enableTargetsToSelfUpdateAccess"] != true {
				t.Errorf("extendable policy: %d %s", r.status, r.raw)
			}
		})
		t.Run("POL-8 a policy can be disabled", func(t *testing.T) {
			r := post(t, with(base, "requestorSettings", map[string]any{"acceptRequests": false}))
			if r.status != 201 || r.body["requestorSettings"].(map[string]any)["acceptRequests"] != false {
				t.Fatalf("disabled policy: %d %s", r.status, r.raw)
			}
		})
		t.Run("POL-9 edits make new versions", func(t *testing.T) {
			h := h.on(t)
			id := post(t, base).str("id")
			h.must(h.admin, "PUT", em+"/assignmentPolicies/"+id, with(base, "displayName", "Renamed", "expiration", map[string]any{"type": "afterDuration", "duration": "P7D"}), 200)
			h.must(h.admin, "PATCH", em+"/assignmentPolicies/"+id, map[string]any{"description": "patched"}, 204)
			got := h.must(h.admin, "GET", em+"/assignmentPolicies/"+id, nil, 200)
			if got.str("displayName") != "Renamed" || got.str("description") != "patched" || got.str("expiration.duration") != "P7D" {
				t.Errorf("after PUT and PATCH: %s", got.raw)
			}
			v1, err := h.svc.PolicyAtVersion(t.Context(), adminActor(t, h), id, 1)
			if err != nil || v1.DisplayName != "New Policy" || v1.Expiration.Type != "noExpiration" {
				t.Errorf("version 1: %+v %v", v1, err)
			}
			other := h.pkg(h.admin, cat, "Other")
			h.fails(h.admin, "PUT", em+"/assignmentPolicies/"+id, with(base, "accessPackage", map[string]any{"id": other}), 400, "cannot move")
		})
	})
}
