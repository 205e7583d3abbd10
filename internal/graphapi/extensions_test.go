package graphapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access/accesstest"
)

const requestWorkflow = "#microsoft.graph.accessPackageAssignmentRequestWorkflowExtension"

// extensionBody is a request workflow extension that calls url.
func extensionBody(url string) map[string]any {
	return map[string]any{"@odata.type": requestWorkflow, "displayName": "HR check", "description": "asks HR",
		"endpointConfiguration": map[string]any{"@odata.type": "#microsoft.graph.httpRequestEndpoint", "targetUrl": url}}
}

// TestCustomWorkflowExtensionsAPI covers catalogs/{id}/customWorkflowExtensions over
// HTTP: Graph's shapes, the secret shown once, validation and who may do what.
func TestCustomWorkflowExtensionsAPI(t *testing.T) { // CON-5
	backends(t, func(t *testing.T, h *harness) {
		cat := h.catalog(h.admin, "HR")
		base := em + "/catalogs/" + cat + "/customWorkflowExtensions"
		ownerID, owner := h.user("owner@bestow.test")
		h.grant(ownerID, "ae79f266-94d4-4dab-b730-feca7e132178", cat) // Catalog owner
		readerID, reader := h.user("reader@bestow.test")
		h.grant(readerID, "44272f93-9762-48e8-af59-1b5351b1d6b3", cat) // Catalog reader
		_, stranger := h.user("stranger@bestow.test")

		logic := extensionBody("")
		logic["endpointConfiguration"] = map[string]any{"@odata.type": "#microsoft.graph.logicAppTriggerEndpointConfiguration",
			"subscriptionId": "38ab2ccc-3747-4567-b36b-9478f5602f0d", "resourceGroupName": "rg", "logicAppWorkflowName": "wf"}
		h.fails(owner, "POST", base, logic, 400, "httpRequestEndpoint")
		slow := extensionBody("https://hooks.bestow.test/hr")
		slow["clientConfiguration"] = map[string]any{"timeoutInMilliseconds": 5000}
		h.fails(owner, "POST", base, slow, 400, "between 200 and 2000")
		h.fails(reader, "POST", base, extensionBody("https://hooks.bestow.test/hr"), 403, "Catalog owner")
		h.must(stranger, "POST", base, extensionBody("https://hooks.bestow.test/hr"), 404)

		body := extensionBody("https://hooks.bestow.test/hr")
		body["callbackConfiguration"] = map[string]any{"@odata.type": "#microsoft.graph.customExtensionCallbackConfiguration", "timeoutDuration": "PT1H"}
		created := h.must(owner, "POST", base, body, 201)
		id, secret := created.str("id"), created.str("authenticationConfiguration.secret")
		if created.str("@odata.type") != requestWorkflow || len(secret) < 32 || created.body["authenticationConfiguration"].(map[string]any)["@odata.type"] != "#microsoft.graph.bestowHmacSignature" ||
			created.str("endpointConfiguration.targetUrl") != "https://hooks.bestow.test/hr" || created.str("callbackConfiguration.timeoutDuration") != "PT1H" ||
			created.str("createdDateTime") == "" || created.str("lastModifiedDateTime") == "" {
			t.Fatalf("created: %s", created.raw)
		}
		if cc, _ := created.body["clientConfiguration"].(map[string]any); cc["timeoutInMilliseconds"] != 1000.0 || cc["maximumRetries"] != 0.0 {
			t.Errorf("clientConfiguration defaults: %v", cc)
		}
		got := h.must(reader, "GET", base+"/"+id, nil, 200)
		if strings.Contains(got.raw, secret) || got.str("displayName") != "HR check" || strings.Contains(got.raw, "catalogId") {
			t.Fatalf("a read: %s", got.raw)
		}
		if list := h.must(reader, "GET", base, nil, 200); len(list.list()) != 1 || strings.Contains(list.raw, secret) {
			t.Fatalf("the list: %s", list.raw)
		}
		h.must(stranger, "GET", base, nil, 404)
		h.must(stranger, "GET", base+"/"+id, nil, 404)
		h.fails(reader, "PATCH", base+"/"+id, map[string]any{"displayName": "x"}, 403, "Catalog owner")

		renamed := h.must(owner, "PATCH", base+"/"+id, map[string]any{"displayName": "HR check 2", "clientConfiguration": map[string]any{"maximumRetries": 1}}, 200)
		if renamed.str("displayName") != "HR check 2" || strings.Contains(renamed.raw, "secret") || renamed.str("callbackConfiguration.timeoutDuration") != "PT1H" {
			t.Fatalf("after PATCH: %s", renamed.raw)
		}
		if cc, _ := renamed.body["clientConfiguration"].(map[string]any); cc["maximumRetries"] != 1.0 || cc["timeoutInMilliseconds"] != 1000.0 {
			t.Errorf("a PATCH of one client setting: %v", cc)
		}
		rotated := h.must(owner, "PATCH", base+"/"+id, map[string]any{"authenticationConfiguration": map[string]any{"@odata.type": "#microsoft.graph.bestowHmacSignature"}}, 200)
		if s := rotated.str("authenticationConfiguration.secret"); s == "" || s == secret {
			t.Fatalf("rotation: %s", rotated.raw)
		}
		h.fails(owner, "PATCH", base+"/"+id, map[string]any{"clientConfiguration": map[string]any{"maximumRetries": 3}}, 400, "0 or 1")

		// A policy binds it; the binding reads back in Graph's shape, and blocks deletion.
		pkg := h.pkg(h.admin, cat, "Payroll")
		pol := policyBody(pkg)
		pol["customExtensionStageSettings"] = []any{map[string]any{"stage": "assignmentRequestCreated",
			"customExtension": map[string]any{"@odata.type": requestWorkflow, "id": id}}}
		bad := policyBody(pkg)
		bad["customExtensionStageSettings"] = []any{map[string]any{"stage": "assignmentFourteenDaysBeforeExpiration", "customExtension": map[string]any{"id": id}}}
		h.fails(h.admin, "POST", em+"/assignmentPolicies", bad, 400, "not at assignmentFourteenDaysBeforeExpiration")
		polID := h.must(h.admin, "POST", em+"/assignmentPolicies", pol, 201).str("id")
		read := h.must(h.admin, "GET", em+"/assignmentPolicies/"+polID, nil, 200)
		settings, _ := read.body["customExtensionStageSettings"].([]any)
		if len(settings) != 1 {
			t.Fatalf("bindings: %s", read.raw)
		}
		if st := settings[0].(map[string]any); st["stage"] != "assignmentRequestCreated" || st["customExtension"].(map[string]any)["id"] != id || st["id"] == "" {
			t.Errorf("binding: %v", st)
		}
		h.fails(owner, "DELETE", base+"/"+id, nil, 400, "Members")
		h.must(h.admin, "DELETE", em+"/assignmentPolicies/"+polID, nil, 204)
		h.must(owner, "DELETE", base+"/"+id, nil, 204)
		h.must(owner, "GET", base+"/"+id, nil, 404)

		// The audit log has the extension, not its secret.
		audit := h.must(h.admin, "GET", "/bestow/v1/audit?objectType=customWorkflowExtension&objectId="+id, nil, 200)
		if strings.Contains(audit.raw, secret) || len(audit.list()) < 4 {
			t.Errorf("audit: %d entries, secret shown: %v", len(audit.list()), strings.Contains(audit.raw, secret))
		}
	})
}

// signedPost posts body to path with the receiver's signature and no token.
func (h *harness) signedPost(path string, body []byte, secret string, at time.Time) resp {
	h.t.Helper()
	req, err := http.NewRequest("POST", h.srv.URL+path, strings.NewReader(string(body)))
	if err != nil {
		h.t.Fatal(err)
	}
	sig, ts := accesstest.SignResume(secret, at, body)
	req.Header.Set("X-Bestow-Signature", sig)
	req.Header.Set("X-Bestow-Timestamp", ts)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, raw: string(data)}
	_ = json.Unmarshal(data, &out.body)
	return out
}

// TestResumeAPI is a request that waits for a created-stage extension and is resumed by
// its receiver, over HTTP with the signature and no account, with Graph's resume body.
func TestResumeAPI(t *testing.T) { // CON-5
	backends(t, func(t *testing.T, h *harness) {
		rc := accesstest.NewReceiver(t, time.Now)
		cat := h.catalog(h.admin, "HR")
		body := extensionBody(rc.URL)
		body["callbackConfiguration"] = map[string]any{"timeoutDuration": "PT30M"}
		x := h.must(h.admin, "POST", em+"/catalogs/"+cat+"/customWorkflowExtensions", body, 201)
		rc.Secret = x.str("authenticationConfiguration.secret")
		grp := h.group(map[string]any{"displayName": "Payroll team"})
		if r := h.addResource(h.admin, cat, "AadGroup", grp); r.status != 201 {
			t.Fatal(r.raw)
		}
		pkg := h.pkg(h.admin, cat, "Payroll")
		if r := h.addMember(h.admin, pkg, grp); r.status != 201 {
			t.Fatal(r.raw)
		}
		pol := policyBody(pkg)
		pol["customExtensionStageSettings"] = []any{map[string]any{"stage": "assignmentRequestCreated", "customExtension": map[string]any{"id": x.str("id")}}}
		polID := h.must(h.admin, "POST", em+"/assignmentPolicies", pol, 201).str("id")
		annID, ann := h.user("ann@bestow.test")
		submitted := h.must(ann, "POST", em+"/assignmentRequests", map[string]any{"requestType": "userAdd", "justification": "payroll",
			"assignment": map[string]any{"accessPackageId": pkg, "assignmentPolicyId": polID}}, 201)
		req := submitted.str("id")
		// Before the callout is sent, Graph's view shows it as waited for: never Bestow's
		// calloutPending, which the SDKs cannot read.
		if inst, _ := submitted.body["customExtensionCalloutInstances"].([]any); submitted.str("status") != "WaitingForCallback" || len(inst) != 1 ||
			inst[0].(map[string]any)["status"] != "waitingForCallback" {
			t.Fatalf("submitted: %s", submitted.raw)
		}
		h.work()
		got := h.must(h.admin, "GET", em+"/assignmentRequests/"+req, nil, 200)
		inst, _ := got.body["customExtensionCalloutInstances"].([]any)
		if got.str("status") != "WaitingForCallback" || len(inst) != 1 || inst[0].(map[string]any)["status"] != "waitingForCallback" ||
			inst[0].(map[string]any)["customExtensionId"] != x.str("id") || strings.Contains(got.raw, "waitingOn") {
			t.Fatalf("waiting request: %s", got.raw)
		}
		p := rc.Got()
		if len(p) != 1 || len(rc.Bad) != 0 || *p[0].Data.CallbackURIPath != "/identityGovernance/entitlementManagement/assignmentRequests/"+req+"/resume" {
			t.Fatalf("receiver: %d payloads, bad %v", len(p), rc.Bad)
		}
		resume := func(stage, instance, state string) []byte {
			data := map[string]any{"@odata.type": "microsoft.graph.accessPackageAssignmentRequestCallbackData", "stage": stage,
				"customExtensionStageInstanceId": instance, "customExtensionStageInstanceDetail": "HR approved the hire"}
			if state != "" {
				data["state"] = state
			}
			b, _ := json.Marshal(map[string]any{"source": "HRSystem", "type": "microsoft.graph.accessPackageCustomExtensionStage." + stage, "data": data})
			return b
		}
		path := em + "/assignmentRequests/" + req + "/resume"
		// Neither a token nor a signature; a forged signature; the requestor's own token.
		if r := h.call("", "POST", path, string(resume("assignmentRequestCreated", p[0].Data.InstanceID, ""))); r.status != 401 {
			t.Errorf("no credentials: %d %s", r.status, r.raw)
		}
		if r := h.signedPost(path, resume("assignmentRequestCreated", p[0].Data.InstanceID, ""), "forged-secret-forged-secret-forged-secret", time.Now()); r.status != 401 || r.str("error.message") == "" {
			t.Errorf("forged signature: %d %s", r.status, r.raw)
		}
		h.fails(ann, "POST", path, string(resume("assignmentRequestCreated", p[0].Data.InstanceID, "")), 403, "Access package assignment manager")
		// The receiver, signed: the wrong instance, then the right one.
		if r := h.signedPost(path, resume("assignmentRequestCreated", "11111111-1111-1111-1111-111111111111", ""), rc.Secret, time.Now()); r.status != 409 || !strings.Contains(r.raw, p[0].Data.InstanceID) {
			t.Errorf("wrong instance: %d %s", r.status, r.raw)
		}
		if r := h.signedPost(path, resume("assignmentRequestApproved", p[0].Data.InstanceID, ""), rc.Secret, time.Now()); r.status != 400 || !strings.Contains(r.raw, "assignmentRequestCreated") {
			t.Errorf("wrong stage: %d %s", r.status, r.raw)
		}
		if r := h.signedPost(path, resume("assignmentRequestCreated", p[0].Data.InstanceID, ""), rc.Secret, time.Now()); r.status != 204 || r.raw != "" {
			t.Fatalf("resume: %d %s", r.status, r.raw)
		}
		h.work()
		got = h.must(h.admin, "GET", em+"/assignmentRequests/"+req, nil, 200)
		if got.str("state") != "delivered" || !h.memberOf(grp, annID) || !strings.Contains(got.raw, "callbackReceived") {
			t.Fatalf("after resume: %s", got.raw)
		}
		h.must(h.admin, "POST", path, string(resume("assignmentRequestCreated", p[0].Data.InstanceID, "")), 409)
	})
}
