package accesstest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// Extension creates a request workflow extension in the world's catalog that calls rc,
// and gives rc its secret; mutate changes it first.
func (w *World) Extension(rc *Receiver, mutate ...func(*access.Extension)) access.Extension {
	w.T.Helper()
	x := access.Extension{Type: access.ExtRequestWorkflow, DisplayName: "Hook",
		EndpointConfiguration: &access.EndpointConfiguration{Type: access.EndpointHTTP, TargetURL: rc.URL}}
	for _, m := range mutate {
		m(&x)
	}
	x, err := w.Svc.CreateExtension(w.Ctx, access.SystemActor, w.cat.ID, x)
	w.Must(err)
	rc.Secret = x.AuthenticationConfiguration.Secret
	return x
}

// Waits makes an extension wait for its callback for at most d.
func Waits(d time.Duration) func(*access.Extension) {
	return func(x *access.Extension) {
		x.CallbackConfiguration = &access.CallbackConfiguration{TimeoutDuration: access.Duration(d)}
	}
}

// PreExpiration makes an extension an assignment (pre-expiration) workflow extension.
func PreExpiration(x *access.Extension) { x.Type = access.ExtAssignmentWorkflow }

// Bind binds an extension to a stage of a policy.
func Bind(stage, extensionID string) func(*access.Policy) {
	return func(p *access.Policy) {
		p.CustomExtensionStageSettings = append(p.CustomExtensionStageSettings,
			access.ExtensionStageSetting{Stage: stage, CustomExtension: access.ExtensionRef{ID: extensionID}})
	}
}

// Grant gives a user a catalog role in the world's catalog and returns the new actor.
func (w *World) Grant(u access.User, role string) access.Actor {
	w.T.Helper()
	_, err := w.Svc.CreateRoleAssignment(w.Ctx, access.SystemActor, access.RoleAssignment{PrincipalID: u.ID, RoleDefinitionID: role,
		AppScopeID: access.CatalogScope(w.cat.ID)})
	w.Must(err)
	return w.Actor(u.ID)
}

// Resume resumes a request as the extension's receiver: no account, the body signed with
// the receiver's secret.
func (w *World) Resume(rc *Receiver, id string, in access.Resumption) error {
	body, err := json.Marshal(in)
	w.Must(err)
	sig, ts := SignResume(rc.Secret, w.Clock.Now(), body)
	return w.Svc.ResumeRequest(w.Ctx, access.Actor{}, id, in, &access.Signed{Signature: sig, Timestamp: ts, Body: body})
}

// resumeOf is the callback that continues (state "") or ends the stage of a payload.
func resumeOf(p Payload, state string) access.Resumption {
	return access.Resumption{Type: access.StageType(p.Data.Stage), Stage: p.Data.Stage, InstanceID: p.Data.InstanceID, Detail: "checked by HR", State: state}
}

// history is the actions of a request's history, joined by "|".
func history(r access.Request) string {
	var out []string
	for _, e := range r.History {
		out = append(out, e.Action)
	}
	return strings.Join(out, "|")
}

func runExtensions(t *testing.T, open Opener) {
	t.Run("CON-5 extensions are catalog objects: validated, authorized, their secret shown once", func(t *testing.T) { extensionCRUD(t, open) })
	t.Run("CON-5 policies bind extensions to stages that fit them, in their catalog", func(t *testing.T) { extensionBinding(t, open) })
	t.Run("CON-5 a waiting request continues through resume, then approval and delivery go on", func(t *testing.T) { resumeContinue(t, open) })
	t.Run("CON-5 resume denies or cancels a waiting request", func(t *testing.T) { resumeEnds(t, open) })
	t.Run("CON-5 an extension at the approved stage holds delivery until it calls back", func(t *testing.T) { approvedStageWaits(t, open) })
	t.Run("CON-5 resume is for assignment managers or the signed receiver, with the right stage and instance", func(t *testing.T) { resumeRefusals(t, open) })
	t.Run("CON-5 only the receiver of the extension a request waits for resumes it", func(t *testing.T) { resumeByOtherReceiver(t, open) })
	t.Run("CON-5 no callback in time: the stage fails and the request is denied", func(t *testing.T) { callbackTimeout(t, open) })
	t.Run("CON-5 a failing receiver is retried, then the callout is marked failed", func(t *testing.T) { calloutRetries(t, open) })
	t.Run("CON-5 a waiting callout refused by its receiver fails the request", func(t *testing.T) { calloutRefused(t, open) })
	t.Run("CON-5 a receiver slower than the client timeout counts as a failure and is retried", func(t *testing.T) { calloutTimeout(t, open) })
	t.Run("CON-5 POL-7 pre-expiration extensions are called 14 days and 1 day before the end", func(t *testing.T) { preExpiration(t, open) })
}

func extensionCRUD(t *testing.T, open Opener) {
	w := NewWorld(t, open)
	rc := NewReceiver(t, w.Clock.Now)
	owner, _ := w.User("owner")
	ownerA := w.Grant(owner, access.RoleCatalogOwner)
	reader, _ := w.User("reader")
	readerA := w.Grant(reader, access.RoleCatalogReader)
	_, strangerA := w.User("stranger")
	ok := access.Extension{Type: access.ExtRequestWorkflow, DisplayName: "HR check",
		EndpointConfiguration: &access.EndpointConfiguration{TargetURL: rc.URL}}

	for _, c := range []struct {
		name   string
		change func(*access.Extension)
		want   string
	}{
		{"a Logic App", func(x *access.Extension) {
			x.EndpointConfiguration = &access.EndpointConfiguration{Type: access.EndpointLogicApp, LogicAppWorkflowName: "wf", SubscriptionID: "s"}
		}, "httpRequestEndpoint"},
		{"no endpoint", func(x *access.Extension) { x.EndpointConfiguration = nil }, "endpointConfiguration is required"},
		{"no URL", func(x *access.Extension) {
			x.EndpointConfiguration = &access.EndpointConfiguration{TargetURL: "ftp://x"}
		}, "targetUrl"},
		{"a timeout too short", func(x *access.Extension) {
			ms := 100
			x.ClientConfiguration = &access.ClientConfiguration{TimeoutInMilliseconds: &ms}
		}, "between 200 and 2000"},
		{"two retries", func(x *access.Extension) {
			n := 2
			x.ClientConfiguration = &access.ClientConfiguration{MaximumRetries: &n}
		}, "0 or 1"},
		{"a callback wait of a minute", Waits(time.Minute), "PT5M"},
		{"a callback wait of 15 days", Waits(15 * 24 * time.Hour), "P14D"},
		{"a waiting pre-expiration extension", func(x *access.Extension) { PreExpiration(x); Waits(time.Hour)(x) }, "is for request workflow extensions"},
		{"another type", func(x *access.Extension) { x.Type = "#microsoft.graph.customAccessPackageWorkflowExtension" }, "accessPackageAssignmentRequestWorkflowExtension"},
		{"no name", func(x *access.Extension) { x.DisplayName = " " }, "displayName"},
		{"a short secret", func(x *access.Extension) { x.AuthenticationConfiguration = &access.ExtensionAuth{Secret: "short"} }, "32 characters"},
	} {
		x := ok
		x.EndpointConfiguration = &access.EndpointConfiguration{TargetURL: rc.URL}
		c.change(&x)
		_, err := w.Svc.CreateExtension(w.Ctx, ownerA, w.cat.ID, x)
		if !access.IsKind(err, access.KindInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want Invalid naming %q", c.name, err, c.want)
		}
	}

	_, err := w.Svc.CreateExtension(w.Ctx, readerA, w.cat.ID, ok)
	wantKind(t, err, access.KindForbidden)
	_, err = w.Svc.CreateExtension(w.Ctx, strangerA, w.cat.ID, ok)
	wantKind(t, err, access.KindNotFound)

	x, err := w.Svc.CreateExtension(w.Ctx, ownerA, w.cat.ID, ok)
	w.Must(err)
	secret := x.AuthenticationConfiguration.Secret
	if len(secret) < 32 || x.AuthenticationConfiguration.Type != access.AuthHMAC || *x.ClientConfiguration.TimeoutInMilliseconds != 1000 || *x.ClientConfiguration.MaximumRetries != 0 {
		t.Fatalf("created: %+v %+v", x.AuthenticationConfiguration, x.ClientConfiguration)
	}
	got, err := w.Svc.GetExtension(w.Ctx, readerA, w.cat.ID, x.ID)
	w.Must(err)
	if got.AuthenticationConfiguration.Secret != "" || got.Secret != "" || got.DisplayName != "HR check" {
		t.Fatalf("a read shows the secret or lost the name: %+v", got)
	}
	if list, err := w.Svc.ListExtensions(w.Ctx, readerA, w.cat.ID); err != nil || len(list) != 1 || list[0].Secret != "" {
		t.Fatalf("list: %v %+v", err, list)
	}
	_, err = w.Svc.GetExtension(w.Ctx, strangerA, w.cat.ID, x.ID)
	wantKind(t, err, access.KindNotFound)
	_, err = w.Svc.UpdateExtension(w.Ctx, readerA, w.cat.ID, x.ID, func(x *access.Extension) error { x.DisplayName = "mine"; return nil })
	wantKind(t, err, access.KindForbidden)

	// A change without authenticationConfiguration keeps the secret; one with it rotates.
	up, err := w.Svc.UpdateExtension(w.Ctx, ownerA, w.cat.ID, x.ID, func(x *access.Extension) error { x.DisplayName = "HR check 2"; return nil })
	w.Must(err)
	if up.AuthenticationConfiguration.Secret != "" || up.DisplayName != "HR check 2" || up.CatalogID != w.cat.ID {
		t.Fatalf("after a rename: %+v", up)
	}
	rot, err := w.Svc.UpdateExtension(w.Ctx, ownerA, w.cat.ID, x.ID, func(x *access.Extension) error {
		x.AuthenticationConfiguration = &access.ExtensionAuth{Type: access.AuthHMAC}
		return nil
	})
	w.Must(err)
	if s := rot.AuthenticationConfiguration.Secret; s == "" || s == secret {
		t.Fatalf("rotation gave secret %q (old %q)", s, secret)
	}
	mine := strings.Repeat("k", 40)
	rot, err = w.Svc.UpdateExtension(w.Ctx, ownerA, w.cat.ID, x.ID, func(x *access.Extension) error {
		x.AuthenticationConfiguration = &access.ExtensionAuth{Secret: mine}
		return nil
	})
	w.Must(err)
	if rot.AuthenticationConfiguration.Secret != mine {
		t.Fatalf("a secret given in the PATCH was not taken")
	}

	// The audit log records the extension, never its secret (RPT-2).
	entries, err := w.Svc.Audit(w.Ctx, access.SystemActor, access.AuditQuery{ObjectType: access.AuditCustomExtension, ObjectID: x.ID})
	w.Must(err)
	if len(entries) != 4 {
		t.Fatalf("audit entries for the extension: %d, want 4 (create, update x3)", len(entries))
	}
	for _, e := range entries {
		if strings.Contains(string(e.After), mine) || strings.Contains(string(e.After), secret) || strings.Contains(string(e.Before), secret) {
			t.Fatalf("the audit log holds the secret: %s", e.After)
		}
	}

	// Delete is refused while a policy binds the extension, naming the policy.
	p := w.Package("P")
	pol := w.Policy(p, "Checked", Bind(access.ExtCreated, x.ID))
	err = w.Svc.DeleteExtension(w.Ctx, ownerA, w.cat.ID, x.ID)
	if !access.IsKind(err, access.KindFailedPrecondition) || !strings.Contains(err.Error(), "Checked") {
		t.Fatalf("delete while bound: %v, want FailedPrecondition naming the policy", err)
	}
	w.Must(w.Svc.DeletePolicy(w.Ctx, access.SystemActor, pol.ID))
	wantKind(t, w.Svc.DeleteExtension(w.Ctx, readerA, w.cat.ID, x.ID), access.KindForbidden)
	w.Must(w.Svc.DeleteExtension(w.Ctx, ownerA, w.cat.ID, x.ID))
	_, err = w.Svc.GetExtension(w.Ctx, ownerA, w.cat.ID, x.ID)
	wantKind(t, err, access.KindNotFound)
}

func extensionBinding(t *testing.T, open Opener) {
	w := NewWorld(t, open)
	rc := NewReceiver(t, w.Clock.Now)
	req := w.Extension(rc)
	pre := w.Extension(rc, PreExpiration)
	other, err := w.Svc.CreateCatalog(w.Ctx, access.SystemActor, access.Catalog{DisplayName: "Other"})
	w.Must(err)
	elsewhere, err := w.Svc.CreateExtension(w.Ctx, access.SystemActor, other.ID, access.Extension{Type: access.ExtRequestWorkflow, DisplayName: "Elsewhere",
		EndpointConfiguration: &access.EndpointConfiguration{TargetURL: rc.URL}})
	w.Must(err)
	p := w.Package("P")
	base := access.Policy{DisplayName: "Bound", AllowedTargetScope: access.ScopeAllMemberUsers,
		RequestorSettings: access.RequestorSettings{EnableTargetsToSelfAddAccess: true}, Expiration: access.Expiration{Type: access.ExpireNever}}
	for _, c := range []struct {
		name, stage, ext, want string
	}{
		{"an unknown stage", "assignmentRequestDenied", req.ID, "is not a stage"},
		{"no extension", access.ExtCreated, "", "customExtension.id is required"},
		{"an extension of another catalog", access.ExtCreated, elsewhere.ID, "not in the policy's catalog"},
		{"an unknown extension", access.ExtCreated, "nope", "not in the policy's catalog"},
		{"a pre-expiration extension at a request stage", access.ExtCreated, pre.ID, "not at assignmentRequestCreated"},
		{"a request extension before expiration", access.ExtOneDayBefore, req.ID, "not at assignmentOneDayBeforeExpiration"},
	} {
		pol := base
		Bind(c.stage, c.ext)(&pol)
		_, err := w.Svc.CreatePolicy(w.Ctx, access.SystemActor, pol, p.ID)
		if !access.IsKind(err, access.KindInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want Invalid naming %q", c.name, err, c.want)
		}
	}
	pol := base
	Bind(access.ExtGranted, req.ID)(&pol)
	Bind(access.ExtFourteenDays, pre.ID)(&pol)
	got, err := w.Svc.CreatePolicy(w.Ctx, access.SystemActor, pol, p.ID)
	w.Must(err)
	got, err = w.Svc.GetPolicy(w.Ctx, access.SystemActor, got.ID)
	w.Must(err)
	if s := got.CustomExtensionStageSettings; len(s) != 2 || s[0].Stage != access.ExtGranted || s[0].CustomExtension.ID != req.ID || s[0].ID == "" || s[1].CustomExtension.ID != pre.ID {
		t.Fatalf("bindings read back: %+v", s)
	}
}

// waitingWorld is a package whose policy calls a waiting extension when a request is
// created, optionally with approval by appr.
func waitingWorld(t *testing.T, open Opener, approval bool) (*World, *Receiver, access.Package, access.Group) {
	w := NewWorld(t, open)
	rc := NewReceiver(t, w.Clock.Now)
	x := w.Extension(rc, Waits(time.Hour))
	g := w.Group("G")
	p := w.Package("P", g)
	opts := []func(*access.Policy){Bind(access.ExtCreated, x.ID)}
	if approval {
		appr, _ := w.User("appr")
		opts = append(opts, Approval([]string{appr.ID}))
	}
	w.Policy(p, "Checked", opts...)
	return w, rc, p, g
}

func resumeContinue(t *testing.T, open Opener) {
	w, rc, p, g := waitingWorld(t, open, true)
	u, uA := w.User("u")
	r, err := w.Request(uA, p)
	w.Must(err)
	if r.State != access.StateSubmitted || r.Status != access.StatusWaiting || len(r.Stages) != 0 || len(r.Callouts) != 1 || r.Callouts[0].Status != access.CalloutQueued {
		t.Fatalf("after submit: %s/%s stages=%d callouts=%+v", r.State, r.Status, len(r.Stages), r.Callouts)
	}
	if len(rc.Got()) != 0 {
		t.Fatal("the callout was made inside the request's transaction")
	}
	w.Work()
	got := rc.Got()
	if len(got) != 1 || len(rc.Bad) != 0 {
		t.Fatalf("receiver: %d payloads, bad %v", len(got), rc.Bad)
	}
	pl := got[0]
	if pl.Type != access.StageType(access.ExtCreated) || pl.Data.Stage != access.ExtCreated || pl.Data.RequestID != r.ID ||
		pl.Data.Type != "#microsoft.graph.accessPackageAssignmentRequestCalloutData" || pl.Data.InstanceID != r.Callouts[0].ID ||
		pl.Data.CallbackURIPath == nil || *pl.Data.CallbackURIPath != "/identityGovernance/entitlementManagement/assignmentRequests/"+r.ID+"/resume" ||
		pl.Data.CallbackConfiguration == nil || pl.Data.CallbackConfiguration.TimeoutDuration != "PT1H" || pl.Data.RequestType != access.ReqUserAdd ||
		!strings.HasPrefix(pl.Source, "/IdentityGovernance/EntitlementManagement/AccessPackageCatalog/") {
		t.Fatalf("payload: %s", pl.Raw)
	}
	r = w.Req(r.ID)
	if r.Callouts[0].Status != access.WaitingForCallback || r.Callouts[0].ExternalCorrelationID != "run-1" || r.Status != access.StatusWaiting {
		t.Fatalf("after the callout: %s %+v", r.Status, r.Callouts)
	}
	w.Must(w.Resume(rc, r.ID, resumeOf(pl, "")))
	r = w.Req(r.ID)
	if r.State != access.StatePendingApproval || r.Callouts[0].Status != access.CallbackReceived || r.Callouts[0].Detail != "checked by HR" ||
		!strings.Contains(history(r), "Waiting for custom extension callback|Custom extension callout sent|Custom extension callback received|Create request approval") {
		t.Fatalf("after resume: %s %+v\n%s", r.State, r.Callouts, history(r))
	}
	for _, e := range r.History {
		if e.Action == "Custom extension callback received" && (e.ActorName != "Custom extension 'Hook'" || !strings.Contains(e.Detail, "checked by HR")) {
			t.Errorf("the callback's history event: %+v", e)
		}
	}
	appr, err := w.Svc.MyApprovals(w.Ctx, w.Actor(r.Stages[0].Approvers[0]))
	w.Must(err)
	if len(appr) != 1 {
		t.Fatalf("the approver sees %d approvals", len(appr))
	}
	_, err = w.Svc.Decide(w.Ctx, w.Actor(r.Stages[0].Approvers[0]), r.ID, r.Stages[0].ID, access.Decision{Approve: true})
	w.Must(err)
	w.Work()
	if r = w.Req(r.ID); r.State != access.StateDelivered || !w.IsMember(g, u) {
		t.Fatalf("after approval: %s", r.State)
	}
	// A second resume finds nothing waiting.
	err = w.Resume(rc, r.ID, resumeOf(pl, ""))
	if !access.IsKind(err, access.KindConflict) || !strings.Contains(err.Error(), "not waiting") {
		t.Fatalf("resume of a delivered request: %v", err)
	}
}

func resumeEnds(t *testing.T, open Opener) {
	for _, c := range []struct{ state, want string }{{access.ResumeDenied, access.StateDenied}, {access.ResumeCanceled, access.StateCanceled}} {
		w, rc, p, g := waitingWorld(t, open, false)
		u, uA := w.User("u")
		r, err := w.Request(uA, p)
		w.Must(err)
		w.Work()
		w.Must(w.Resume(rc, r.ID, resumeOf(rc.Got()[0], c.state)))
		w.Work()
		r = w.Req(r.ID)
		if r.State != c.want || r.AssignmentID != "" || w.IsMember(g, u) || r.CompletedDateTime == nil || r.Callouts[0].Status != access.CallbackReceived {
			t.Fatalf("%s: %s assignment %q", c.state, r.State, r.AssignmentID)
		}
		last := r.History[len(r.History)-1]
		if !strings.Contains(last.Action, "custom extension callback") || !strings.Contains(last.Detail, "checked by HR") {
			t.Errorf("%s: last event %+v", c.state, last)
		}
	}
}

func approvedStageWaits(t *testing.T, open Opener) {
	w := NewWorld(t, open)
	rc := NewReceiver(t, w.Clock.Now)
	x := w.Extension(rc, Waits(24*time.Hour))
	told := NewReceiver(t, w.Clock.Now)
	y := w.Extension(told)
	g := w.Group("G")
	p := w.Package("P", g)
	appr, apprA := w.User("appr")
	w.Policy(p, "Approved then checked", Approval([]string{appr.ID}), Bind(access.ExtApproved, x.ID), Bind(access.ExtGranted, y.ID))
	u, uA := w.User("u")
	r, err := w.Request(uA, p)
	w.Must(err)
	if r.State != access.StatePendingApproval || len(r.Callouts) != 0 {
		t.Fatalf("after submit: %s, %d callouts", r.State, len(r.Callouts))
	}
	r, err = w.Svc.Decide(w.Ctx, apprA, r.ID, r.Stages[0].ID, access.Decision{Approve: true})
	w.Must(err)
	w.Work()
	if r = w.Req(r.ID); r.Status != access.StatusWaiting || r.AssignmentID != "" || w.IsMember(g, u) || len(rc.Got()) != 1 || rc.Got()[0].Data.Stage != access.ExtApproved {
		t.Fatalf("after approval: %s/%s assignment %q, %d callouts", r.State, r.Status, r.AssignmentID, len(rc.Got()))
	}
	if mine, _ := w.Svc.MyApprovals(w.Ctx, apprA); len(mine) != 0 {
		t.Errorf("the approver is still asked to decide a request waiting for a callback")
	}
	w.Must(w.Resume(rc, r.ID, resumeOf(rc.Got()[0], "")))
	w.Work()
	r = w.Req(r.ID)
	if r.State != access.StateDelivered || !w.IsMember(g, u) {
		t.Fatalf("after resume: %s", r.State)
	}
	// The granted stage only tells: its receiver got the delivered request.
	if got := told.Got(); len(got) != 1 || got[0].Data.Stage != access.ExtGranted || got[0].Data.State != access.StateDelivered || got[0].Data.CallbackURIPath != nil {
		t.Fatalf("granted callouts: %d", len(got))
	}
	if len(r.Callouts) != 2 || r.Callouts[1].Status != access.CalloutSent {
		t.Fatalf("callouts on the request: %+v", r.Callouts)
	}
}

func resumeRefusals(t *testing.T, open Opener) {
	w, rc, p, _ := waitingWorld(t, open, false)
	_, uA := w.User("u")
	r, err := w.Request(uA, p)
	w.Must(err)
	w.Work()
	pl := rc.Got()[0]
	ok := resumeOf(pl, "")

	// Callers: a stranger is not shown the request; the requestor may not resume it; a
	// forged or stale signature is refused; none of them changes it.
	_, strangerA := w.User("stranger")
	wantKind(t, w.Svc.ResumeRequest(w.Ctx, strangerA, r.ID, ok, nil), access.KindNotFound)
	wantKind(t, w.Svc.ResumeRequest(w.Ctx, uA, r.ID, ok, nil), access.KindForbidden)
	body, _ := json.Marshal(ok)
	wantKind(t, w.Svc.ResumeRequest(w.Ctx, access.Actor{}, r.ID, ok, nil), access.KindUnauthenticated)
	sig, ts := SignResume("not the secret of any extension", w.Clock.Now(), body)
	wantKind(t, w.Svc.ResumeRequest(w.Ctx, access.Actor{}, r.ID, ok, &access.Signed{Signature: sig, Timestamp: ts, Body: body}), access.KindUnauthenticated)
	sig, ts = SignResume(rc.Secret, w.Clock.Now().Add(-10*time.Minute), body)
	wantKind(t, w.Svc.ResumeRequest(w.Ctx, access.Actor{}, r.ID, ok, &access.Signed{Signature: sig, Timestamp: ts, Body: body}), access.KindUnauthenticated)
	sig, ts = SignResume(rc.Secret, w.Clock.Now(), body)
	tampered := append([]byte{}, body...)
	tampered[len(tampered)-2] = ' '
	wantKind(t, w.Svc.ResumeRequest(w.Ctx, access.Actor{}, r.ID, ok, &access.Signed{Signature: sig, Timestamp: ts, Body: tampered}), access.KindUnauthenticated)
	wantKind(t, w.Svc.ResumeRequest(w.Ctx, access.Actor{}, "no-such-request", ok, &access.Signed{Signature: sig, Timestamp: ts, Body: body}), access.KindUnauthenticated)

	// Bodies: the wrong stage, instance or state, each saying what is expected.
	wrongStage := ok
	wrongStage.Stage, wrongStage.Type = access.ExtApproved, access.StageType(access.ExtApproved)
	if err := w.Resume(rc, r.ID, wrongStage); !access.IsKind(err, access.KindInvalid) || !strings.Contains(err.Error(), "waits at stage assignmentRequestCreated") {
		t.Errorf("wrong stage: %v", err)
	}
	wrongInstance := ok
	wrongInstance.InstanceID = "00000000-0000-0000-0000-000000000000"
	if err := w.Resume(rc, r.ID, wrongInstance); !access.IsKind(err, access.KindConflict) || !strings.Contains(err.Error(), pl.Data.InstanceID) {
		t.Errorf("wrong instance: %v", err)
	}
	wrongState := ok
	wrongState.State = "approved"
	wantKind(t, w.Resume(rc, r.ID, wrongState), access.KindInvalid)
	if r = w.Req(r.ID); r.Status != access.StatusWaiting {
		t.Fatalf("a refused resume changed the request: %s", r.Status)
	}

	// An assignment manager of the catalog may resume it without a signature.
	mgr, _ := w.User("mgr")
	mgrA := w.Grant(mgr, access.RoleAssignmentManager)
	w.Must(w.Svc.ResumeRequest(w.Ctx, mgrA, r.ID, ok, nil))
	w.Work()
	if r = w.Req(r.ID); r.State != access.StateDelivered {
		t.Fatalf("after the manager's resume: %s", r.State)
	}
}

// resumeByOtherReceiver binds a notifier and a waiting extension at the same stage: the
// notifier's receiver, though it signs correctly with its own secret, cannot resume the
// request that waits for the other one.
func resumeByOtherReceiver(t *testing.T, open Opener) {
	w := NewWorld(t, open)
	notifier, waiter := NewReceiver(t, w.Clock.Now), NewReceiver(t, w.Clock.Now)
	nx := w.Extension(notifier)
	wx := w.Extension(waiter, Waits(time.Hour))
	p := w.Package("P", w.Group("G"))
	w.Policy(p, "Checked", Bind(access.ExtCreated, nx.ID), Bind(access.ExtCreated, wx.ID))
	_, uA := w.User("u")
	r, err := w.Request(uA, p)
	w.Must(err)
	w.Work()
	if len(waiter.Got()) != 1 {
		t.Fatalf("the waiting extension got %d callouts", len(waiter.Got()))
	}
	forged := resumeOf(waiter.Got()[0], "") // the right stage and instance, the wrong secret
	if err := w.Resume(notifier, r.ID, forged); err == nil {
		t.Fatal("the notifier's receiver resumed a request that waits for another extension")
	}
	if got := w.Req(r.ID); got.Status != access.StatusWaiting {
		t.Fatalf("after the refused resume the request is %s/%s", got.State, got.Status)
	}
	w.Must(w.Resume(waiter, r.ID, forged))
}

func callbackTimeout(t *testing.T, open Opener) {
	w, rc, p, g := waitingWorld(t, open, false)
	u, uA := w.User("u")
	r, err := w.Request(uA, p)
	w.Must(err)
	w.Work()
	w.Clock.Advance(59 * time.Minute)
	w.Work()
	if r = w.Req(r.ID); r.Status != access.StatusWaiting {
		t.Fatalf("before the timeout: %s", r.Status)
	}
	w.Clock.Advance(2 * time.Minute)
	w.Work()
	r = w.Req(r.ID)
	if r.State != access.StateDenied || r.Status != access.StatusCallbackTimed || r.Callouts[0].Status != access.CallbackTimedOut ||
		!strings.Contains(history(r), "Custom extension callback timed out") || w.IsMember(g, u) {
		t.Fatalf("after the timeout: %s/%s %+v\n%s", r.State, r.Status, r.Callouts, history(r))
	}
	if len(w.Mail.Of(access.MailRequestDenied)) == 0 {
		t.Error("the requestor was not told")
	}
	err = w.Resume(rc, r.ID, resumeOf(rc.Got()[0], ""))
	wantKind(t, err, access.KindConflict)
}

func calloutRetries(t *testing.T, open Opener) {
	w := NewWorld(t, open)
	rc := NewReceiver(t, w.Clock.Now)
	one := 1
	x := w.Extension(rc, func(x *access.Extension) { x.ClientConfiguration = &access.ClientConfiguration{MaximumRetries: &one} })
	g := w.Group("G")
	p := w.Package("P", g)
	w.Policy(p, "Told", Bind(access.ExtGranted, x.ID))
	u, uA := w.User("u")
	rc.Answer(http503)
	r, err := w.Request(uA, p)
	w.Must(err)
	w.Work()
	if n := rc.Count(); n != 2 {
		t.Fatalf("the receiver had %d calls, want 2 (a try and maximumRetries 1)", n)
	}
	r = w.Req(r.ID)
	if r.State != access.StateDelivered || !w.IsMember(g, u) || r.Callouts[0].Status != access.CalloutQueued ||
		!strings.Contains(history(r), "Custom extension callout failed; retrying") {
		t.Fatalf("after a failed callout: %s %+v\n%s", r.State, r.Callouts, history(r))
	}
	// Backoff: the next attempt comes after its wait, not before.
	w.Work()
	if rc.Count() != 2 {
		t.Fatal("retried before the backoff")
	}
	w.Clock.Advance(access.CalloutRetry.First + time.Second)
	w.Work()
	if rc.Count() != 4 {
		t.Fatalf("after the backoff: %d calls", rc.Count())
	}
	// The retries run out: calloutFailed, in the history and on the request.
	for i := 0; i < 20 && w.Req(r.ID).Callouts[0].Status == access.CalloutQueued; i++ {
		w.Clock.Advance(access.CalloutRetry.Max)
		w.Work()
	}
	r = w.Req(r.ID)
	if r.Callouts[0].Status != access.CalloutFailed || !strings.Contains(r.Callouts[0].Detail, "503") || !strings.HasSuffix(history(r), "Custom extension callout failed") ||
		r.State != access.StateDelivered {
		t.Fatalf("after the retries: %s %+v\n%s", r.State, r.Callouts, history(r))
	}
	// A receiver that recovers in time gets the callout: the next request's succeeds.
	rc.Answer(http503, 200)
	_, vA := w.User("v")
	r2, err := w.Request(vA, p)
	w.Must(err)
	w.Work()
	if r2 = w.Req(r2.ID); r2.Callouts[0].Status != access.CalloutSent {
		t.Fatalf("a try then a retry that succeeds: %+v", r2.Callouts)
	}
}

const http503 = 503

func calloutRefused(t *testing.T, open Opener) {
	w, rc, p, _ := waitingWorld(t, open, false)
	rc.Answer(400)
	_, uA := w.User("u")
	r, err := w.Request(uA, p)
	w.Must(err)
	w.Work()
	if rc.Count() != 1 {
		t.Fatalf("a 4xx is permanent: %d calls", rc.Count())
	}
	r = w.Req(r.ID)
	if r.State != access.StateDenied || r.Status != access.StatusCalloutFailed || r.Callouts[0].Status != access.CalloutFailed || !strings.Contains(r.Callouts[0].Detail, "400") {
		t.Fatalf("after a refused callout: %s/%s %+v", r.State, r.Status, r.Callouts)
	}
}

func calloutTimeout(t *testing.T, open Opener) {
	w := NewWorld(t, open)
	rc := NewReceiver(t, w.Clock.Now)
	ms := 200
	x := w.Extension(rc, func(x *access.Extension) {
		x.ClientConfiguration = &access.ClientConfiguration{TimeoutInMilliseconds: &ms}
	})
	p := w.Package("P", w.Group("G"))
	w.Policy(p, "Told", Bind(access.ExtCreated, x.ID))
	rc.Slow(time.Second)
	_, uA := w.User("u")
	r, err := w.Request(uA, p)
	w.Must(err)
	start := time.Now()
	w.Work()
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("the worker waited %s for a receiver with a 200ms timeout", d)
	}
	r = w.Req(r.ID)
	if r.Callouts[0].Status != access.CalloutQueued || !strings.Contains(history(r), "retrying") || !strings.Contains(r.History[len(r.History)-1].Detail, "200ms") {
		t.Fatalf("after a slow receiver: %+v\n%s", r.Callouts, history(r))
	}
	rc.Slow(0)
	w.Clock.Advance(access.CalloutRetry.First + time.Second)
	w.Work()
	if r = w.Req(r.ID); r.Callouts[0].Status != access.CalloutSent || len(rc.Got()) != 1 {
		t.Fatalf("after the receiver sped up: %+v", r.Callouts)
	}
}

func preExpiration(t *testing.T, open Opener) {
	w := NewWorld(t, open)
	rc := NewReceiver(t, w.Clock.Now)
	pre := w.Extension(rc, PreExpiration)
	ends := NewReceiver(t, w.Clock.Now)
	removed := w.Extension(ends)
	p := w.Package("P", w.Group("G"))
	month := access.Duration(30 * 24 * time.Hour)
	pol := w.Policy(p, "Month", Bind(access.ExtFourteenDays, pre.ID), Bind(access.ExtOneDayBefore, pre.ID), Bind(access.ExtRemoved, removed.ID),
		func(p *access.Policy) {
			p.Expiration = access.Expiration{Type: access.ExpireAfterDuration, Duration: &month}
		})
	u, _ := w.User("u")
	r := w.Assign(u, p, pol)
	w.Work()
	if len(rc.Got()) != 0 {
		t.Fatalf("called before expiration came near: %d", len(rc.Got()))
	}
	w.Clock.Advance(16*24*time.Hour + time.Hour)
	w.Work()
	got := rc.Got()
	if len(got) != 1 || got[0].Data.Stage != access.ExtFourteenDays || got[0].Data.Type != "#microsoft.graph.accessPackageAssignmentCalloutData" ||
		got[0].Data.Assignment == nil || got[0].Data.Assignment.ID != w.Req(r.ID).AssignmentID || got[0].Data.Assignment.Target.ObjectID != u.ID ||
		got[0].Data.CallbackURIPath != nil || got[0].Type != access.StageType(access.ExtFourteenDays) {
		t.Fatalf("14 days before: %d payloads %s", len(got), got[0].Raw)
	}
	w.Clock.Advance(13 * 24 * time.Hour)
	w.Work()
	if got = rc.Got(); len(got) != 2 || got[1].Data.Stage != access.ExtOneDayBefore {
		t.Fatalf("1 day before: %d payloads", len(got))
	}
	r = w.Req(r.ID)
	if len(r.Callouts) != 2 || r.Callouts[0].Status != access.CalloutSent || r.Callouts[1].Status != access.CalloutSent {
		t.Fatalf("the request shows %+v", r.Callouts)
	}
	// The end: the assignment is removed (a systemRemove request), which calls the
	// extension bound at assignmentRequestRemoved; pre-expiration ones are not called again.
	if len(ends.Got()) != 0 {
		t.Fatal("the removed stage was called before the end")
	}
	w.Clock.Advance(2 * 24 * time.Hour)
	w.Work()
	if got := ends.Got(); len(got) != 1 || got[0].Data.Stage != access.ExtRemoved || got[0].Data.RequestType != access.ReqSystemRemove {
		t.Fatalf("at the end: %d callouts", len(got))
	}
	if len(rc.Got()) != 2 {
		t.Fatalf("pre-expiration callouts after the end: %d", len(rc.Got()))
	}
}
