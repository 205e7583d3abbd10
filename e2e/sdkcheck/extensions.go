package main

// This file holds the custom extension steps x1–x4 (CON-5): a catalog's
// customWorkflowExtensions through the SDK, a policy that binds one at
// assignmentRequestCreated, a request that waits for its callback, and the resume that lets
// it go on. The extension's endpoint is a receiver this program runs on a local port; it
// verifies each callout's signature as docs/custom-extensions.md tells receivers to.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/microsoft/kiota-abstractions-go/serialization"
	"github.com/microsoftgraph/msgraph-sdk-go/identitygovernance"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// receiver is the extension's endpoint: it records verified callouts.
type receiver struct {
	url    string
	mu     sync.Mutex
	secret string
	got    []calloutSeen
	bad    []string
}

// calloutSeen is what the receiver read of one verified callout.
type calloutSeen struct {
	Type string `json:"type"`
	Data struct {
		Stage           string `json:"stage"`
		InstanceID      string `json:"customExtensionStageInstanceId"`
		RequestID       string `json:"accessPackageAssignmentRequestId"`
		CallbackURIPath string `json:"callbackUriPath"`
	} `json:"data"`
}

// extensionRun holds what the extension steps created.
type extensionRun struct {
	rc     *receiver
	id     string
	pkgID  string
	polID  string
	reqID  string
	seen   calloutSeen
	waited bool
}

func (sc *scenario) extensionSteps() []namedStep {
	return []namedStep{
		{"x1. custom workflow extension: create (request workflow, httpRequestEndpoint to a local receiver, callback PT10M); a Logic App endpoint is refused (400)", sc.xCreate},
		{"x2. custom workflow extensions: list, get (no secret), PATCH displayName", sc.xReadPatch},
		{"x3. policy binding the extension at assignmentRequestCreated; requestor2's request waits (WaitingForCallback) after the signed callout", sc.xWait},
		{"x4. the admin resumes the request (POST resume with accessPackageAssignmentRequestCallbackData): it is delivered; a second resume gets 409", sc.xResume},
	}
}

// startReceiver listens on a local port for callouts.
func startReceiver() (*receiver, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &receiver{url: "http://" + l.Addr().String() + "/hook"}
	go http.Serve(l, http.HandlerFunc(rc.serve)) //nolint:errcheck // lives as long as the program
	return rc, nil
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	ts := r.Header.Get("X-Bestow-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	mac := hmac.New(sha256.New, []byte(rc.secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute || !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Bestow-Signature"))) {
		rc.bad = append(rc.bad, "bad signature or timestamp")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var c calloutSeen
	if err := json.Unmarshal(body, &c); err != nil {
		rc.bad = append(rc.bad, "not JSON: "+err.Error())
	}
	rc.got = append(rc.got, c)
	w.WriteHeader(http.StatusAccepted)
}

// x1. Create the extension in the lifecycle catalog.
func (sc *scenario) xCreate(s *step) {
	if s.requires(sc.lc.catalogID != "", "no lifecycle catalog (step m2)") {
		return
	}
	rc, err := startReceiver()
	if err != nil {
		s.failf("start the receiver: %v", err)
		return
	}
	exts := sc.em.Catalogs().ByAccessPackageCatalogId(sc.lc.catalogID).CustomWorkflowExtensions()

	logic := models.NewAccessPackageAssignmentRequestWorkflowExtension()
	logic.SetDisplayName(sp("SDK Logic App " + sc.suffix))
	la := models.NewLogicAppTriggerEndpointConfiguration()
	la.SetSubscriptionId(sp("38ab2ccc-3747-4567-b36b-9478f5602f0d"))
	la.SetResourceGroupName(sp("rg"))
	la.SetLogicAppWorkflowName(sp("wf"))
	logic.SetEndpointConfiguration(la)
	_, err = exts.Post(s.ctx, logic, nil)
	s.expectODataError("CustomWorkflowExtensions().Post with a Logic App endpoint", err, 400, "")

	x := models.NewAccessPackageAssignmentRequestWorkflowExtension()
	x.SetDisplayName(sp("SDK HR check " + sc.suffix))
	x.SetDescription(sp("custom extension steps"))
	ep := models.NewHttpRequestEndpoint()
	ep.SetTargetUrl(sp(rc.url))
	x.SetEndpointConfiguration(ep)
	cc := models.NewCustomExtensionClientConfiguration()
	cc.SetTimeoutInMilliseconds(i32(2000))
	cc.SetMaximumRetries(i32(1))
	x.SetClientConfiguration(cc)
	cb := models.NewCustomExtensionCallbackConfiguration()
	cb.SetTimeoutDuration(serialization.NewDuration(0, 0, 0, 0, 10, 0, 0))
	x.SetCallbackConfiguration(cb)
	res, err := exts.Post(s.ctx, x, nil)
	if s.failed("CustomWorkflowExtensions().Post", err) {
		return
	}
	status, _ := s.rec.last()
	s.expect(status == 201, "POST customWorkflowExtensions answered %d, want 201", status)
	s.audit("customCalloutExtension", res)
	if _, ok := res.(models.AccessPackageAssignmentRequestWorkflowExtensionable); !ok {
		s.failf("the answer parsed as %T (@odata.type %s), want accessPackageAssignmentRequestWorkflowExtension", res, deref(res.GetOdataType()))
	}
	secret := ""
	if ac := res.GetAuthenticationConfiguration(); ac != nil {
		secret, _ = ac.GetAdditionalData()["secret"].(string)
		if p, ok := ac.GetAdditionalData()["secret"].(*string); ok && p != nil {
			secret = *p
		}
	}
	if len(secret) < 32 {
		s.failf("the answer carries no signing secret in authenticationConfiguration (additional data %v)", res.GetAuthenticationConfiguration())
		return
	}
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()
	sc.x = extensionRun{rc: rc, id: deref(res.GetId())}
	s.logf("extension %s calls %s", sc.x.id, rc.url)
}

// x2. Read and change it.
func (sc *scenario) xReadPatch(s *step) {
	if s.requires(sc.x.id != "", "no extension (step x1)") {
		return
	}
	exts := sc.em.Catalogs().ByAccessPackageCatalogId(sc.lc.catalogID).CustomWorkflowExtensions()
	list, err := exts.Get(s.ctx, nil)
	if s.failed("CustomWorkflowExtensions().Get", err) {
		return
	}
	s.audit("customWorkflowExtensions", list)
	s.expect(len(list.GetValue()) == 1, "%d extensions in the catalog, want 1", len(list.GetValue()))
	got, err := exts.ByCustomCalloutExtensionId(sc.x.id).Get(s.ctx, nil)
	if s.failed("CustomWorkflowExtensions().ByCustomCalloutExtensionId().Get", err) {
		return
	}
	s.audit("customCalloutExtension", got)
	if ac := got.GetAuthenticationConfiguration(); ac != nil {
		_, shown := ac.GetAdditionalData()["secret"]
		s.expect(!shown, "a GET shows the secret")
	}
	if ep, ok := got.GetEndpointConfiguration().(models.HttpRequestEndpointable); !ok {
		s.failf("endpointConfiguration parsed as %T, want httpRequestEndpoint", got.GetEndpointConfiguration())
	} else {
		s.expect(deref(ep.GetTargetUrl()) == sc.x.rc.url, "targetUrl = %s, want %s", deref(ep.GetTargetUrl()), sc.x.rc.url)
	}
	if rw, ok := got.(models.AccessPackageAssignmentRequestWorkflowExtensionable); ok {
		d := rw.GetCallbackConfiguration()
		s.expect(d != nil && d.GetTimeoutDuration() != nil && d.GetTimeoutDuration().String() == "PT10M", "callbackConfiguration.timeoutDuration = %v, want PT10M", d)
	}
	patch := models.NewAccessPackageAssignmentRequestWorkflowExtension()
	patch.SetDisplayName(sp("SDK HR check (renamed) " + sc.suffix))
	res, err := exts.ByCustomCalloutExtensionId(sc.x.id).Patch(s.ctx, patch, nil)
	if s.failed("CustomWorkflowExtensions().ByCustomCalloutExtensionId().Patch", err) {
		return
	}
	if res != nil {
		s.audit("customCalloutExtension (PATCH)", res)
		s.expect(deref(res.GetDisplayName()) == "SDK HR check (renamed) "+sc.suffix, "displayName after PATCH = %s", deref(res.GetDisplayName()))
	}
}

// x3. A package whose policy calls the extension when a request is created; requestor2's
// request waits for the callback.
func (sc *scenario) xWait(s *step) {
	if s.requires(sc.x.id != "" && sc.haveUsers(requestor2), "no extension (step x1) or requestor2 (step m1)") {
		return
	}
	sc.x.pkgID = sc.lcPackage(s, "SDK Extension Package")
	if sc.x.pkgID == "" {
		return
	}
	set := models.NewCustomExtensionStageSetting()
	stage := models.ASSIGNMENTREQUESTCREATED_ACCESSPACKAGECUSTOMEXTENSIONSTAGE
	set.SetStage(&stage)
	ref := models.NewCustomCalloutExtension()
	ref.SetId(sp(sc.x.id))
	set.SetCustomExtension(ref)
	pol, err := sc.lcPolicyWith(s, sc.x.pkgID, "SDK Extension Policy", func(p models.AccessPackageAssignmentPolicyable) {
		p.SetCustomExtensionStageSettings([]models.CustomExtensionStageSettingable{set})
	})
	if s.failed("AssignmentPolicies().Post with customExtensionStageSettings", err) {
		return
	}
	s.audit("assignmentPolicy", pol)
	sc.x.polID = deref(pol.GetId())
	s.expect(len(pol.GetCustomExtensionStageSettings()) == 1, "the policy shows %d customExtensionStageSettings, want 1", len(pol.GetCustomExtensionStageSettings()))
	r2 := sc.user(requestor2)
	res := sc.submit(s, r2, newRequest(models.USERADD_ACCESSPACKAGEREQUESTTYPE, "needs HR", map[string]any{"accessPackageId": sc.x.pkgID}))
	if res == nil {
		return
	}
	sc.x.reqID = deref(res.GetId())
	s.expect(deref(res.GetStatus()) == "WaitingForCallback", "status after submit = %s, want WaitingForCallback", deref(res.GetStatus()))
	deadline := time.Now().Add(deliveryTimeout)
	for {
		sc.x.rc.mu.Lock()
		got, bad := append([]calloutSeen(nil), sc.x.rc.got...), append([]string(nil), sc.x.rc.bad...)
		sc.x.rc.mu.Unlock()
		if len(bad) > 0 {
			s.failf("the receiver refused callouts: %v", bad)
			return
		}
		if len(got) > 0 {
			sc.x.seen = got[0]
			break
		}
		if time.Now().After(deadline) {
			s.failf("no callout reached the receiver within %s", deliveryTimeout)
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
	c := sc.x.seen
	s.expect(c.Data.Stage == "assignmentRequestCreated" && c.Data.RequestID == sc.x.reqID && c.Data.InstanceID != "" &&
		c.Data.CallbackURIPath == "/identityGovernance/entitlementManagement/assignmentRequests/"+sc.x.reqID+"/resume",
		"callout: %+v", c)
	got, err := sc.em.AssignmentRequests().ByAccessPackageAssignmentRequestId(sc.x.reqID).Get(s.ctx, nil)
	if s.failed("AssignmentRequests().ByAccessPackageAssignmentRequestId().Get", err) {
		return
	}
	s.audit("assignmentRequest (waiting)", got)
	inst := got.GetCustomExtensionCalloutInstances()
	if len(inst) != 1 || inst[0].GetStatus() == nil || *inst[0].GetStatus() != models.WAITINGFORCALLBACK_CUSTOMEXTENSIONCALLOUTINSTANCESTATUS {
		s.failf("customExtensionCalloutInstances = %d, want one waitingForCallback", len(inst))
		return
	}
	s.expect(deref(inst[0].GetId()) == c.Data.InstanceID && deref(inst[0].GetCustomExtensionId()) == sc.x.id, "instance %s of %s", deref(inst[0].GetId()), deref(inst[0].GetCustomExtensionId()))
	sc.x.waited = true
}

// x4. The admin (an assignment manager of every catalog) resumes the request.
func (sc *scenario) xResume(s *step) {
	if s.requires(sc.x.waited, "no waiting request (step x3)") {
		return
	}
	body := func() *identitygovernance.EntitlementManagementAssignmentRequestsItemResumePostRequestBody {
		b := identitygovernance.NewEntitlementManagementAssignmentRequestsItemResumePostRequestBody()
		b.SetSource(sp("sdkcheck"))
		b.SetTypeEscaped(sp("microsoft.graph.accessPackageCustomExtensionStage.assignmentRequestCreated"))
		d := models.NewAccessPackageAssignmentRequestCallbackData()
		stage := models.ASSIGNMENTREQUESTCREATED_ACCESSPACKAGECUSTOMEXTENSIONSTAGE
		d.SetStage(&stage)
		d.SetCustomExtensionStageInstanceId(sp(sc.x.seen.Data.InstanceID))
		d.SetCustomExtensionStageInstanceDetail(sp("HR confirmed"))
		b.SetData(d)
		return b
	}
	resume := sc.em.AssignmentRequests().ByAccessPackageAssignmentRequestId(sc.x.reqID).Resume()
	if s.failed("AssignmentRequests().ByAccessPackageAssignmentRequestId().Resume().Post", resume.Post(s.ctx, body(), nil)) {
		return
	}
	status, _ := s.rec.last()
	s.expect(status == 204, "resume answered %d, want 204", status)
	if sc.pollRequest(s, sc.user(requestor2), sc.x.reqID, models.DELIVERED_ACCESSPACKAGEREQUESTSTATE) == nil {
		return
	}
	s.expectODataError("a second resume", resume.Post(s.ctx, body(), nil), 409, "RequestNotWaiting")
}
