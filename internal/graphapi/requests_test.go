package graphapi_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

// policyBody is a self-request policy for all members, with the given approval stages
// (each a list of approver user ids).
func policyBody(pkg string, stages ...[]string) map[string]any {
	var st []any
	for _, users := range stages {
		var approvers []any
		for _, u := range users {
			approvers = append(approvers, map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": u})
		}
		st = append(st, map[string]any{"durationBeforeAutomaticDenial": "P2W", "primaryApprovers": approvers})
	}
	return map[string]any{"displayName": "Members", "allowedTargetScope": "allMemberUsers",
		"expiration":        map[string]any{"type": "noExpiration"},
		"requestorSettings": map[string]any{"enableTargetsToSelfAddAccess": true, "enableTargetsToSelfRemoveAccess": true},
		"requestApprovalSettings": map[string]any{"isApprovalRequiredForAdd": len(stages) > 0, "isRequestorJustificationRequired": true,
			"stages": st},
		"accessPackage": map[string]any{"id": pkg}}
}

// memberOf reports whether user is a member of group, as the admin sees it.
func (h *harness) memberOf(group, user string) bool {
	h.t.Helper()
	for _, m := range h.must(h.admin, "GET", "/v1.0/groups/"+group+"/members", nil, 200).list() {
		if m["id"] == user {
			return true
		}
	}
	return false
}

func TestRequestLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		cat := h.catalog(h.admin, "Sales")
		g := h.group(map[string]any{"displayName": "Sales team"})
		if r := h.addResource(h.admin, cat, "AadGroup", g); r.status != 201 {
			t.Fatal(r.raw)
		}
		pkg := h.pkg(h.admin, cat, "Sales")
		if r := h.addMember(h.admin, pkg, g); r.status != 201 {
			t.Fatal(r.raw)
		}
		ann, annTok := h.user("ann@contoso.com")
		bob, bobTok := h.user("bob@contoso.com")
		cid, cidTok := h.user("cid@contoso.com")
		h.must(h.admin, "POST", em+"/assignmentPolicies", policyBody(pkg, []string{bob, ann}, []string{cid}), 201)

		t.Run("REQ-1 POL-5 a justification is required", func(t *testing.T) {
			h := h.on(t)
			h.fails(annTok, "POST", em+"/assignmentRequests", map[string]any{"requestType": "userAdd",
				"assignment": map[string]any{"accessPackageId": pkg}}, 400, "justification")
		})
		req := h.must(annTok, "POST", em+"/assignmentRequests", map[string]any{"@odata.type": "#microsoft.graph.accessPackageAssignmentRequest",
			"requestType": "userAdd", "justification": "quarterly sales work", "assignment": map[string]any{"accessPackageId": pkg}}, 201)
		id := req.str("id")
		if req.str("state") != "pendingApproval" || req.str("status") != "PendingApproval" || req.str("requestType") != "userAdd" {
			t.Fatalf("created request: %s", req.raw)
		}
		t.Run("POL-11 the requestor does not see her own request among approvals", func(t *testing.T) {
			h := h.on(t)
			if n := len(h.must(annTok, "GET", em+"/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')", nil, 200).list()); n != 0 {
				t.Fatalf("ann sees %d approvals", n)
			}
			h.must(annTok, "GET", em+"/accessPackageAssignmentApprovals/"+id, nil, 404)
		})
		t.Run("REQ-4 filterByCurrentUser on target and createdBy", func(t *testing.T) {
			h := h.on(t)
			for _, on := range []string{"target", "createdBy"} {
				if l := h.must(annTok, "GET", em+"/assignmentRequests/filterByCurrentUser(on='"+on+"')", nil, 200).list(); len(l) != 1 || l[0]["id"] != id {
					t.Fatalf("on=%s: %v", on, l)
				}
			}
			if l := h.must(bobTok, "GET", em+"/assignmentRequests/filterByCurrentUser(on='approver')", nil, 200).list(); len(l) != 1 {
				t.Fatalf("approver: %v", l)
			}
		})

		decide := func(tok, stage, result string) resp {
			return h.call(tok, "PATCH", em+"/accessPackageAssignmentApprovals/"+id+"/stages/"+stage,
				map[string]any{"reviewResult": result, "justification": "fine"})
		}
		approvals := h.must(bobTok, "GET", em+"/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')", nil, 200).list()
		if len(approvals) != 1 || approvals[0]["id"] != id {
			t.Fatalf("bob's approvals: %v", approvals)
		}
		stages := approvals[0]["stages"].([]any)
		first := stages[0].(map[string]any)
		if first["assignedToMe"] != true || first["status"] != "InProgress" || first["reviewResult"] != "NotReviewed" {
			t.Fatalf("first stage as bob sees it: %v", first)
		}
		if r := decide(bobTok, first["id"].(string), "Approve"); r.status != 204 {
			t.Fatalf("bob approves: %d %s", r.status, r.raw)
		}
		t.Run("POL-3 a second decision on a decided stage is a conflict", func(t *testing.T) {
			h := h.on(t)
			r := decide(annTok, first["id"].(string), "Deny")
			if r.status != 404 { // ann is the requestor: the approval does not exist for her
				t.Fatalf("ann deciding her own: %d %s", r.status, r.raw)
			}
			r = decide(bobTok, first["id"].(string), "Deny")
			if r.status != 409 {
				t.Fatalf("deciding a completed stage: %d %s", r.status, r.raw)
			}
			_ = h
		})
		second := h.must(cidTok, "GET", em+"/accessPackageAssignmentApprovals/"+id+"/stages", nil, 200).list()[1]
		if second["assignedToMe"] != true {
			t.Fatalf("second stage for cid: %v", second)
		}
		if r := decide(cidTok, second["id"].(string), "Approve"); r.status != 204 {
			t.Fatalf("cid approves: %d %s", r.status, r.raw)
		}
		h.work()
		got := h.must(annTok, "GET", em+"/assignmentRequests/"+id+"?$expand=assignment,accessPackage,requestor", nil, 200)
		if got.str("state") != "delivered" || got.str("assignment.state") != "delivered" || got.str("requestor.objectId") != ann || got.str("accessPackage.id") != pkg {
			t.Fatalf("after approvals and delivery: %s", got.raw)
		}
		if !h.memberOf(g, ann) {
			t.Fatal("ann is not a member of the package's group")
		}
		mine := h.must(annTok, "GET", em+"/assignments/filterByCurrentUser(on='target')", nil, 200).list()
		if len(mine) != 1 || mine[0]["state"] != "delivered" {
			t.Fatalf("ann's assignments: %v", mine)
		}
		if l := h.must(h.admin, "GET", em+"/assignments?$filter=state eq 'delivered'&$expand=target", nil, 200).list(); len(l) != 1 {
			t.Fatalf("admin list by state: %v", l)
		}
		roles := h.must(annTok, "GET", "/bestow/v1/assignments/"+mine[0]["id"].(string)+"/roles", nil, 200).list()
		if len(roles) != 1 || roles[0]["state"] != "delivered" || roles[0]["roleOriginId"] != "Member_"+g {
			t.Fatalf("ASG-5 per-role state: %v", roles)
		}
		h.must(bobTok, "GET", "/bestow/v1/assignments/"+mine[0]["id"].(string)+"/roles", nil, 404)

		t.Run("TRB-1 explain request through the API", func(t *testing.T) {
			h := h.on(t)
			ex := h.must(h.admin, "GET", "/bestow/v1/explain/request?user=ann@contoso.com&accessPackage="+pkg, nil, 200)
			if ex.body["requestable"] != false || !contains(ex.raw, "noExistingAssignment") || !contains(ex.raw, "userUpdate") {
				t.Fatalf("explain for a user who already has the package: %s", ex.raw)
			}
			h.must(bobTok, "GET", "/bestow/v1/explain/request?user=ann@contoso.com&accessPackage="+pkg, nil, 403)
			if ex := h.must(bobTok, "GET", "/bestow/v1/explain/request?accessPackage=Sales", nil, 200); ex.body["requestable"] != true {
				t.Fatalf("bob explaining himself: %s", ex.raw)
			}
			h.fails(bobTok, "GET", "/bestow/v1/explain/request", nil, 400, "accessPackage is required")
		})
		t.Run("NOT-1 every notification is recorded and visible", func(t *testing.T) {
			h := h.on(t)
			msgs := h.must(h.admin, "GET", "/bestow/v1/notifications", nil, 200).list()
			kinds := map[any]int{}
			for _, m := range msgs {
				kinds[m["kind"]]++
				if m["state"] != "skipped" || !contains(m["lastError"].(string), "smtp") {
					t.Errorf("without a mail server a message is skipped and says why: %v", m)
				}
			}
			if kinds["approvalNeeded"] != 2 || kinds["requestApproved"] != 1 || kinds["accessDelivered"] != 1 {
				t.Fatalf("notifications: %v", kinds)
			}
			h.must(bobTok, "GET", "/bestow/v1/notifications", nil, 403)
			r := h.must(h.admin, "POST", "/bestow/v1/notifications/"+msgs[0]["id"].(string)+"/retry", nil, 200)
			if r.str("state") != "pending" {
				t.Fatalf("retry: %s", r.raw)
			}
		})
		t.Run("AP-3 a package with an active assignment cannot be deleted", func(t *testing.T) {
			h := h.on(t)
			h.fails(h.admin, "DELETE", em+"/accessPackages/"+pkg, nil, 400, "active assignment", "ann@contoso.com")
		})
		t.Run("REQ-5 a pending request can be canceled", func(t *testing.T) {
			h := h.on(t)
			dan, danTok := h.user("dan@contoso.com")
			r := h.must(danTok, "POST", em+"/assignmentRequests", map[string]any{"requestType": "userAdd", "justification": "x",
				"assignment": map[string]any{"accessPackageId": pkg}}, 201)
			h.must(danTok, "POST", em+"/assignmentRequests/"+r.str("id")+"/cancel", nil, 204)
			if s := h.must(danTok, "GET", em+"/assignmentRequests/"+r.str("id"), nil, 200).str("state"); s != "canceled" {
				t.Fatalf("after cancel: %s", s)
			}
			h.fails(danTok, "POST", em+"/assignmentRequests/"+r.str("id")+"/cancel", nil, 400, "canceled")
			_ = dan
		})
		t.Run("POL-3 two approvers deciding the same stage at once: one success, one 409", func(t *testing.T) {
			h := h.on(t)
			eve, eveTok := h.user("eve@contoso.com")
			_ = eve
			r := h.must(eveTok, "POST", em+"/assignmentRequests", map[string]any{"requestType": "userAdd", "justification": "x",
				"assignment": map[string]any{"accessPackageId": pkg}}, 201)
			st := h.must(bobTok, "GET", em+"/accessPackageAssignmentApprovals/"+r.str("id")+"/stages", nil, 200).list()[0]["id"].(string)
			var wg sync.WaitGroup
			codes := make([]int, 2)
			for i, tok := range []string{bobTok, annTok} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i] = h.call(tok, "PATCH", em+"/accessPackageAssignmentApprovals/"+r.str("id")+"/stages/"+st, map[string]any{"reviewResult": "Approve"}).status
				}()
			}
			wg.Wait()
			if !(codes[0] == 204 && codes[1] == 409 || codes[0] == 409 && codes[1] == 204) {
				t.Fatalf("concurrent decisions: %v", codes)
			}
		})
		t.Run("ASG-2 a member through two packages stays until both assignments end", func(t *testing.T) {
			h := h.on(t)
			pkg2 := h.pkg(h.admin, cat, "Sales too")
			if r := h.addMember(h.admin, pkg2, g); r.status != 201 {
				t.Fatal(r.raw)
			}
			h.must(h.admin, "POST", em+"/assignmentPolicies", policyBody(pkg2), 201)
			h.must(annTok, "POST", em+"/assignmentRequests", map[string]any{"requestType": "userAdd", "justification": "x",
				"assignment": map[string]any{"accessPackageId": pkg2}}, 201)
			h.work()
			mine := h.must(annTok, "GET", em+"/assignments/filterByCurrentUser(on='target')?$filter=state eq 'delivered'", nil, 200).list()
			if len(mine) != 2 {
				t.Fatalf("ann's assignments: %v", mine)
			}
			h.must(annTok, "POST", em+"/assignmentRequests", map[string]any{"requestType": "userRemove", "assignment": map[string]any{"id": mine[0]["id"]}}, 201)
			h.work()
			if !h.memberOf(g, ann) {
				t.Fatal("membership removed while the other package still grants it")
			}
			h.must(h.admin, "POST", em+"/assignmentRequests", map[string]any{"requestType": "adminRemove", "assignment": map[string]any{"id": mine[1]["id"]}}, 201)
			h.work()
			if h.memberOf(g, ann) {
				t.Fatal("still a member after both assignments ended")
			}
			h.must(h.admin, "DELETE", em+"/accessPackages/"+pkg2, nil, 204)
		})
	})
}

func TestDirectAssignment(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		cat := h.catalog(h.admin, "Ops")
		g1 := h.group(map[string]any{"displayName": "Ops"})
		g2 := h.group(map[string]any{"displayName": "Ops on-call"})
		for _, g := range []string{g1, g2} {
			if r := h.addResource(h.admin, cat, "AadGroup", g); r.status != 201 {
				t.Fatal(r.raw)
			}
		}
		pkg := h.pkg(h.admin, cat, "Ops")
		if r := h.addMember(h.admin, pkg, g1); r.status != 201 {
			t.Fatal(r.raw)
		}
		pol := h.must(h.admin, "POST", em+"/assignmentPolicies", map[string]any{"displayName": "Direct", "allowedTargetScope": "notSpecified",
			"expiration": map[string]any{"type": "afterDuration", "duration": "P30D"}, "accessPackage": map[string]any{"id": pkg}}, 201).str("id")
		mgr, mgrTok := h.user("anna@contoso.com")
		h.grant(mgr, access.RoleAssignmentManager, cat)
		ann, _ := h.user("ann@contoso.com")
		_, otherTok := h.user("other@contoso.com")
		body := map[string]any{"requestType": "adminAdd", "justification": "joins the ops team",
			"assignment": map[string]any{"targetId": ann, "assignmentPolicyId": pol, "accessPackageId": pkg}}

		t.Run("REQ-9 an assignment manager assigns directly; others may not", func(t *testing.T) {
			h := h.on(t)
			h.fails(otherTok, "POST", em+"/assignmentRequests", body, 403, "assignment manager")
			r := h.must(mgrTok, "POST", em+"/assignmentRequests", body, 201)
			if r.str("state") != "delivering" || r.str("requestType") != "adminAdd" {
				t.Fatalf("direct assignment: %s", r.raw)
			}
			h.work()
			a := h.must(mgrTok, "GET", em+"/assignmentRequests/"+r.str("id")+"?$expand=assignment", nil, 200)
			if a.str("state") != "delivered" || a.str("assignment.schedule.expiration.type") != "afterDateTime" || !h.memberOf(g1, ann) {
				t.Fatalf("after delivery: %s", a.raw)
			}
			h.fails(mgrTok, "POST", em+"/assignmentRequests", body, 409, "already has")
		})
		t.Run("REQ-10 the request keeps who did what with which justification", func(t *testing.T) {
			h := h.on(t)
			reqs := h.must(mgrTok, "GET", em+"/assignmentRequests?$filter=requestType eq 'adminAdd'", nil, 200).list()
			if len(reqs) != 1 {
				t.Fatalf("requests: %v", reqs)
			}
			hist := reqs[0]["history"].([]any)
			first := hist[0].(map[string]any)
			if first["actorId"] != mgr || first["justification"] != "joins the ops team" || hist[len(hist)-1].(map[string]any)["state"] != "delivered" {
				t.Fatalf("history: %v", hist)
			}
		})
		t.Run("ASG-1 RES-6 a role added to the package reaches the assignee; removed, it is revoked", func(t *testing.T) {
			h := h.on(t)
			rs := h.addMember(h.admin, pkg, g2)
			if rs.status != 201 {
				t.Fatal(rs.raw)
			}
			if l := h.must(h.admin, "GET", em+"/assignments?$filter=state eq 'delivering'", nil, 200).list(); len(l) != 1 {
				t.Fatalf("while the new role is delivered the assignment is delivering: %v", l)
			}
			h.work()
			if !h.memberOf(g2, ann) {
				t.Fatal("the new role did not reach the assignee")
			}
			csv := h.callRaw(mgrTok, "/bestow/v1/assignments/export?state=delivered")
			if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "id,accessPackage,") ||
				!strings.Contains(lines[1], "ann@contoso.com") || !strings.Contains(lines[1], ",delivered,") {
				t.Fatalf("CSV export of delivered assignments:\n%s", csv)
			}
			if csv := h.callRaw(mgrTok, "/bestow/v1/assignments/export?state=expired"); strings.Count(csv, "\n") != 1 {
				t.Fatalf("CSV export of expired assignments should be the header only:\n%s", csv)
			}
			h.fails(mgrTok, "GET", "/bestow/v1/assignments/export?state=gone", nil, 400, "not an assignment state")
			h.must(h.admin, "DELETE", em+"/accessPackages/"+pkg+"/resourceRoleScopes/"+rs.str("id"), nil, 204)
			h.work()
			if h.memberOf(g2, ann) || !h.memberOf(g1, ann) {
				t.Fatal("removing the role did not revoke exactly it")
			}
		})
		t.Run("RES-7 a member before Bestow stays a member when the assignment ends", func(t *testing.T) {
			h := h.on(t)
			bob, _ := h.user("bob@contoso.com")
			h.must(h.admin, "POST", "/v1.0/groups/"+g1+"/members/$ref", map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + bob}, 204)
			b := map[string]any{"requestType": "adminAdd", "assignment": map[string]any{"targetId": bob, "assignmentPolicyId": pol, "accessPackageId": pkg}}
			r := h.must(mgrTok, "POST", em+"/assignmentRequests", b, 201)
			h.work()
			aid := h.must(mgrTok, "GET", em+"/assignmentRequests/"+r.str("id")+"?$expand=assignment", nil, 200).str("assignment.id")
			roles := h.must(mgrTok, "GET", "/bestow/v1/assignments/"+aid+"/roles", nil, 200).list()
			if len(roles) != 1 || roles[0]["preExisting"] != true {
				t.Fatalf("the pre-existing membership is not recognised: %v", roles)
			}
			h.must(mgrTok, "POST", em+"/assignmentRequests", map[string]any{"requestType": "adminRemove", "assignment": map[string]any{"id": aid}}, 201)
			h.work()
			if !h.memberOf(g1, bob) {
				t.Fatal("a membership from before Bestow was removed")
			}
		})
		t.Run("REQ-2 a blocked user cannot sign in to request, and the troubleshooter says why", func(t *testing.T) {
			h := h.on(t)
			cid, cidTok := h.user("cid@contoso.com")
			h.must(h.admin, "PATCH", "/v1.0/users/"+cid, map[string]any{"accountEnabled": false}, 204)
			h.fails(cidTok, "POST", em+"/assignmentRequests", map[string]any{"requestType": "userAdd", "assignment": map[string]any{"accessPackageId": pkg}}, 401, "blocked")
			ex := h.must(h.admin, "GET", "/bestow/v1/explain/request?user=cid@contoso.com&accessPackage="+pkg, nil, 200)
			if !contains(ex.raw, `"name":"signInAllowed","passed":false`) || !contains(ex.raw, "accountEnabled") {
				t.Fatalf("explain for a blocked user: %s", ex.raw)
			}
		})
	})
}

// callRaw GETs a non-JSON resource and returns its body; the status must be 200.
func (h *harness) callRaw(tok, path string) string {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		h.t.Fatalf("GET %s: %d %s", path, res.StatusCode, data)
	}
	return string(data)
}
