package main

// This file holds the request lifecycle, steps m–v: users request an access package,
// approvers decide its two approval stages, the server's worker delivers the group
// membership, two approvers race for one stage, a request is canceled, and a membership
// granted by two packages survives the end of one of them. Every call goes through the
// SDK; each user has an SDK client of their own, with their own bearer token.
//
// The users are created by the administrator with POST /users (as in step a); their
// tokens are minted with 'bestow token create' (the binary and database named by -bestow
// and -db), since Bestow issues API tokens only through its CLI. Without -bestow and -db
// the lifecycle steps fail as "not run".
//
// Delivery runs in the server's background worker, so the steps that wait for it poll
// (every half second, up to deliveryTimeout).

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/microsoft/kiota-abstractions-go/serialization"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	"github.com/microsoftgraph/msgraph-sdk-go/identitygovernance"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// deliveryTimeout bounds each wait for the worker (it runs every 2 s, or when woken).
const deliveryTimeout = 15 * time.Second

// The users of the lifecycle: three requestors and three approvers.
const (
	requestor1 = "requestor1"
	requestor2 = "requestor2"
	requestor3 = "requestor3"
	approver1  = "approver1"
	approver2  = "approver2"
	approver3  = "approver3"
)

var lifecycleUsers = []string{requestor1, requestor2, requestor3, approver1, approver2, approver3}

// actor is one user of the lifecycle with an SDK client that sends their token.
type actor struct {
	name, upn, id string
	client        *msgraphsdk.GraphServiceClient
	em            *identitygovernance.EntitlementManagementRequestBuilder
}

// roleRef is a group's Member role in a catalog, with its resource and root scope: what a
// resourceRoleScope POST names.
type roleRef struct {
	resID, resOriginID, resOriginSystem       string
	roleID, roleOriginID                      string
	scopeID, scopeOriginID, scopeOriginSystem string
	scopeIsRoot                               *bool
}

// body is the resourceRoleScope POST that adds the role to a package.
func (ref *roleRef) body() models.AccessPackageResourceRoleScopeable {
	role := models.NewAccessPackageResourceRole()
	role.SetId(sp(ref.roleID))
	role.SetOriginId(sp(ref.roleOriginID))
	role.SetOriginSystem(sp("AadGroup"))
	res := models.NewAccessPackageResource()
	res.SetId(sp(ref.resID))
	res.SetOriginId(sp(ref.resOriginID))
	res.SetOriginSystem(sp(ref.resOriginSystem))
	role.SetResource(res)
	scope := models.NewAccessPackageResourceScope()
	scope.SetId(sp(ref.scopeID))
	scope.SetOriginId(sp(ref.scopeOriginID))
	scope.SetOriginSystem(sp(ref.scopeOriginSystem))
	if ref.scopeIsRoot != nil {
		scope.SetIsRootScope(ref.scopeIsRoot)
	} else {
		scope.SetIsRootScope(bp(true))
	}
	rrs := models.NewAccessPackageResourceRoleScope()
	rrs.SetRole(role)
	rrs.SetScope(scope)
	return rrs
}

// lifecycle holds what the lifecycle steps created.
type lifecycle struct {
	users     map[string]*actor
	groupID   string
	catalogID string
	role      *roleRef

	pkg1ID, pol1ID string // two approval stages
	pkg2ID, pol2ID string // no approval
	req1ID         string // requestor1's request for package 1
	stage1ID       string // its first stage
	delivered1     bool   // requestor1 holds package 1
	canceledID     string // requestor3's canceled request (step u)
}

// lifecycleSteps lists steps m–v.
func (sc *scenario) lifecycleSteps() []namedStep {
	return []namedStep{
		{"m1. lifecycle: create requestors and approvers (POST /users), mint their tokens (bestow token create)", sc.lcUsers},
		{"m2. lifecycle: group, published catalog, group as catalog resource, its Member role", sc.lcCatalog},
		{"m3. lifecycle: package 1 with the group's Member role", sc.lcPackage1},
		{"m4. lifecycle: policy for package 1 (self add/remove, justification required, stage 1 approver1+approver3+requestor1, stage 2 approver2, P14D)", sc.lcPolicy1},
		{"n1. requestor1: userAdd without the required justification (expect 400)", sc.lcRequestNoJustification},
		{"n2. requestor1: userAdd with justification, no assignmentPolicyId (201, pendingApproval)", sc.lcRequest1},
		{"n3. assignmentRequests/filterByCurrentUser on target, createdBy (requestor1) and approver (approver1)", sc.lcRequestLists},
		{"o. requestor1, a stage-1 approver of her own request, gets no approvals; approver2 (stage 2) none yet", sc.lcRequestorNoApprovals},
		{"p. approver1: approvals filterByCurrentUser(on='approver'), stages, PATCH stage 1 Approve; a second decision gets 409", sc.lcApproveStage1},
		{"q. approver2: approves stage 2", sc.lcApproveStage2},
		{"r1. requestor1's request is delivered (poll) and she is a member of the group", sc.lcDelivered},
		{"r2. assignments: filterByCurrentUser(on='target') and admin list, $filter=state eq 'delivered'", sc.lcAssignments},
		{"r3. admin reprocesses requestor1's delivered assignment (assignments/{id}/reprocess, 202): still delivered, still a member", sc.lcReprocessAssignment},
		{"r4. reprocess of requestor1's delivered request (assignmentRequests/{id}/reprocess) is refused (expect 400)", sc.lcReprocessRequestRefused},
		{"s. DELETE of package 1, which has an active assignment (expect 400)", sc.lcDeletePackageRefused},
		{"t. approver1 and approver3 decide the same stage at once: one succeeds, the other gets 409", sc.lcConcurrentDecision},
		{"u. requestor3 requests package 1 and cancels (POST cancel), GET shows canceled; a second cancel fails", sc.lcCancel},
		{"u2. admin deletes requestor3's canceled request (DELETE assignmentRequests/{id}); GET answers 404", sc.lcDeleteCanceled},
		{"v1. package 2 with the same group's Member role and a policy without approval", sc.lcPackage2},
		{"v2. requestor1 requests package 2 (delivered without approval): two delivered assignments", sc.lcRequest2},
		{"v3. requestor1 removes her package-1 assignment (userRemove): still a member through package 2", sc.lcUserRemove},
		{"v4. admin removes the package-2 assignment (adminRemove): no longer a member", sc.lcAdminRemove},
		{"v5. package 2, its assignments ended, can be deleted", sc.lcDeletePackage2},
	}
}

// user returns a lifecycle user, or nil when step m1 did not create it.
func (sc *scenario) user(name string) *actor {
	if sc.lc.users == nil {
		return nil
	}
	return sc.lc.users[name]
}

// haveUsers reports whether step m1 created all the named users (with their clients).
func (sc *scenario) haveUsers(names ...string) bool {
	for _, n := range names {
		if u := sc.user(n); u == nil || u.client == nil {
			return false
		}
	}
	return true
}

// m1. POST /users for each lifecycle user (as the admin), then a token and a client each.
func (sc *scenario) lcUsers(s *step) {
	if s.requires(sc.mint != nil, "needs -bestow and -db (env BESTOW_BIN, BESTOW_DB) to mint the users' tokens with 'bestow token create'") {
		return
	}
	sc.lc.users = map[string]*actor{}
	for _, name := range lifecycleUsers {
		u := models.NewUser()
		u.SetAccountEnabled(bp(true))
		u.SetDisplayName(sp(fmt.Sprintf("SDK %s %s", name, sc.suffix)))
		u.SetMailNickname(sp(fmt.Sprintf("sdk-%s-%s", name, sc.suffix)))
		u.SetUserPrincipalName(sp(fmt.Sprintf("sdk-%s-%s@bestow.example", name, sc.suffix)))
		pp := models.NewPasswordProfile()
		pp.SetForceChangePasswordNextSignIn(bp(true))
		pp.SetPassword(sp("xWwvJ]6NMw+bWH-d"))
		u.SetPasswordProfile(pp)
		res, err := sc.client.Users().Post(s.ctx, u, nil)
		if s.failed("Users().Post "+name, err) {
			continue
		}
		s.audit("user "+name, res)
		a := &actor{name: name, upn: deref(res.GetUserPrincipalName()), id: deref(res.GetId())}
		if res.GetId() == nil || res.GetUserPrincipalName() == nil {
			s.failf("user %s: no id or userPrincipalName in the response", name)
			continue
		}
		sc.lc.users[name] = a
		tok, err := sc.mint(s.ctx, a.upn)
		if err != nil {
			s.failf("minting a token for %s: %v", a.upn, err)
			continue
		}
		if a.client, err = sc.newClient(tok); err != nil {
			s.failf("SDK client for %s: %v", a.upn, err)
			continue
		}
		a.em = a.client.IdentityGovernance().EntitlementManagement()
		// The token works, and is the user's: GET /me answers with their id.
		me, err := a.client.Me().Get(s.ctx, nil)
		if s.failed("Me().Get as "+name, err) {
			a.client = nil
			continue
		}
		s.expect(deref(me.GetId()) == a.id, "GET /me as %s answered id %s, want %s", name, deref(me.GetId()), a.id)
		s.logf("%-10s id=%s upn=%s (token minted, GET /me ok)", name, a.id, a.upn)
	}
}

// m2. A security group, a published catalog, the group as the catalog's resource, and the
// group's Member role (with the resource's root scope).
func (sc *scenario) lcCatalog(s *step) {
	g := models.NewGroup()
	g.SetDisplayName(sp("SDK Lifecycle Group " + sc.suffix))
	g.SetMailEnabled(bp(false))
	g.SetMailNickname(sp("sdklcgroup-" + sc.suffix))
	g.SetSecurityEnabled(bp(true))
	g.SetGroupTypes([]string{})
	gr, err := sc.client.Groups().Post(s.ctx, g, nil)
	if s.failed("Groups().Post", err) {
		return
	}
	s.audit("group", gr)
	sc.lc.groupID = deref(gr.GetId())

	c := models.NewAccessPackageCatalog()
	c.SetDisplayName(sp("SDK Lifecycle Catalog " + sc.suffix))
	c.SetDescription(sp("request lifecycle"))
	st := models.PUBLISHED_ACCESSPACKAGECATALOGSTATE
	c.SetState(&st)
	c.SetIsExternallyVisible(bp(false))
	cr, err := sc.em.Catalogs().Post(s.ctx, c, nil)
	if s.failed("Catalogs().Post", err) {
		return
	}
	s.audit("catalog", cr)
	sc.lc.catalogID = deref(cr.GetId())
	s.expect(cr.GetState() != nil && *cr.GetState() == models.PUBLISHED_ACCESSPACKAGECATALOGSTATE, "catalog state = %s, want published", deref(cr.GetState()))

	rr := models.NewAccessPackageResourceRequest()
	rt := models.ADMINADD_ACCESSPACKAGEREQUESTTYPE
	rr.SetRequestType(&rt)
	r := models.NewAccessPackageResource()
	r.SetOriginId(sp(sc.lc.groupID))
	r.SetOriginSystem(sp("AadGroup"))
	rr.SetResource(r)
	rc := models.NewAccessPackageCatalog()
	rc.SetId(sp(sc.lc.catalogID))
	rr.SetCatalog(rc)
	rres, err := sc.em.ResourceRequests().Post(s.ctx, rr, nil)
	if s.failed("ResourceRequests().Post", err) {
		return
	}
	s.audit("resourceRequest", rres)

	res, err := sc.em.Catalogs().ByAccessPackageCatalogId(sc.lc.catalogID).Resources().Get(s.ctx,
		&identitygovernance.EntitlementManagementCatalogsItemResourcesRequestBuilderGetRequestConfiguration{
			QueryParameters: &identitygovernance.EntitlementManagementCatalogsItemResourcesRequestBuilderGetQueryParameters{
				Expand: []string{"roles", "scopes"},
			},
		})
	if s.failed("Catalogs().ByAccessPackageCatalogId().Resources().Get", err) {
		return
	}
	s.audit("catalog.resources", res)
	for _, r := range res.GetValue() {
		if deref(r.GetOriginId()) != sc.lc.groupID {
			continue
		}
		ref := &roleRef{resID: deref(r.GetId()), resOriginID: deref(r.GetOriginId()), resOriginSystem: deref(r.GetOriginSystem())}
		for _, ro := range r.GetRoles() {
			if deref(ro.GetOriginId()) == "Member_"+sc.lc.groupID {
				ref.roleID, ref.roleOriginID = deref(ro.GetId()), deref(ro.GetOriginId())
			}
		}
		if len(r.GetScopes()) > 0 {
			sco := r.GetScopes()[0]
			ref.scopeID, ref.scopeOriginID, ref.scopeOriginSystem, ref.scopeIsRoot = deref(sco.GetId()), deref(sco.GetOriginId()), deref(sco.GetOriginSystem()), sco.GetIsRootScope()
		}
		if ref.roleID != "" && ref.scopeID != "" {
			sc.lc.role = ref
		}
	}
	if sc.lc.role == nil {
		s.failf("the catalog's resources have no Member role (and scope) for the group %s", sc.lc.groupID)
		return
	}
	s.logf("group=%s catalog=%s resource=%s role=%s scope=%s", sc.lc.groupID, sc.lc.catalogID, sc.lc.role.resID, sc.lc.role.roleID, sc.lc.role.scopeID)
}

// lcPackage creates a package in the lifecycle catalog holding the group's Member role.
func (sc *scenario) lcPackage(s *step, name string) string {
	if s.requires(sc.lc.catalogID != "" && sc.lc.role != nil, "no catalog or group role from step m2") {
		return ""
	}
	p := models.NewAccessPackage()
	p.SetDisplayName(sp(name + " " + sc.suffix))
	p.SetDescription(sp("request lifecycle"))
	c := models.NewAccessPackageCatalog()
	c.SetId(sp(sc.lc.catalogID))
	p.SetCatalog(c)
	pr, err := sc.em.AccessPackages().Post(s.ctx, p, nil)
	if s.failed("AccessPackages().Post", err) {
		return ""
	}
	s.audit("accessPackage", pr)
	id := deref(pr.GetId())

	ref := sc.lc.role
	rrs := ref.body()
	got, err := sc.em.AccessPackages().ByAccessPackageId(id).ResourceRoleScopes().Post(s.ctx, rrs, nil)
	if s.failed("ResourceRoleScopes().Post", err) {
		return ""
	}
	s.audit("resourceRoleScope", got)
	s.logf("package %s: %s with role %s", name, id, ref.roleOriginID)
	return id
}

// m3.
func (sc *scenario) lcPackage1(s *step) { sc.lc.pkg1ID = sc.lcPackage(s, "SDK Lifecycle Package 1") }

// lcPolicy builds a self-service policy for all member users of the directory: requestors
// may add and remove their own access, and the access does not expire. Each entry of
// stages is one approval stage with those users as singleUser approvers.
func (sc *scenario) lcPolicy(s *step, pkgID, name string, justification bool, stages ...[]*actor) (models.AccessPackageAssignmentPolicyable, error) {
	return sc.em.AssignmentPolicies().Post(s.ctx, sc.policyModel(pkgID, name, justification, stages...), nil)
}

// lcPolicyWith posts a policy without approval or required justification, which change
// may alter first.
func (sc *scenario) lcPolicyWith(s *step, pkgID, name string, change func(models.AccessPackageAssignmentPolicyable)) (models.AccessPackageAssignmentPolicyable, error) {
	pol := sc.policyModel(pkgID, name, false)
	change(pol)
	return sc.em.AssignmentPolicies().Post(s.ctx, pol, nil)
}

// policyModel is the lifecycle's policy for pkgID: all members may request for
// themselves, approval in the given stages, no expiration.
func (sc *scenario) policyModel(pkgID, name string, justification bool, stages ...[]*actor) models.AccessPackageAssignmentPolicyable {
	pol := models.NewAccessPackageAssignmentPolicy()
	pol.SetDisplayName(sp(name + " " + sc.suffix))
	pol.SetDescription(sp("request lifecycle"))
	ats := models.ALLMEMBERUSERS_ALLOWEDTARGETSCOPE
	pol.SetAllowedTargetScope(&ats)

	rs := models.NewAccessPackageAssignmentRequestorSettings()
	rs.SetEnableTargetsToSelfAddAccess(bp(true))
	rs.SetEnableTargetsToSelfRemoveAccess(bp(true))
	rs.SetEnableTargetsToSelfUpdateAccess(bp(false))
	rs.SetEnableOnBehalfRequestorsToAddAccess(bp(false))
	rs.SetAllowCustomAssignmentSchedule(bp(false))
	pol.SetRequestorSettings(rs)

	as := models.NewAccessPackageAssignmentApprovalSettings()
	as.SetIsApprovalRequiredForAdd(bp(len(stages) > 0))
	as.SetIsApprovalRequiredForUpdate(bp(false))
	as.SetIsRequestorJustificationRequired(bp(justification))
	list := []models.AccessPackageApprovalStageable{}
	for i, approvers := range stages {
		st := models.NewAccessPackageApprovalStage()
		st.SetDurationBeforeAutomaticDenial(serialization.NewDuration(0, 0, 14, 0, 0, 0, 0)) // P14D; kiota sends P2W
		st.SetIsApproverJustificationRequired(bp(false))
		st.SetIsEscalationEnabled(bp(false))
		var subjects []models.SubjectSetable
		for _, a := range approvers {
			su := models.NewSingleUser()
			su.SetUserId(sp(a.id))
			su.SetDescription(sp(fmt.Sprintf("stage %d: %s", i+1, a.name)))
			subjects = append(subjects, su)
		}
		st.SetPrimaryApprovers(subjects)
		list = append(list, st)
	}
	as.SetStages(list)
	pol.SetRequestApprovalSettings(as)

	exp := models.NewExpirationPattern()
	et := models.NOEXPIRATION_EXPIRATIONPATTERNTYPE
	exp.SetTypeEscaped(&et)
	pol.SetExpiration(exp)

	ap := models.NewAccessPackage()
	ap.SetId(sp(pkgID))
	pol.SetAccessPackage(ap)
	return pol
}

// m4. The two-stage policy of package 1, read back.
func (sc *scenario) lcPolicy1(s *step) {
	if s.requires(sc.lc.pkg1ID != "" && sc.haveUsers(requestor1, approver1, approver2, approver3), "no package 1 or users from the earlier steps") {
		return
	}
	stage1 := []*actor{sc.user(approver1), sc.user(approver3), sc.user(requestor1)}
	stage2 := []*actor{sc.user(approver2)}
	res, err := sc.lcPolicy(s, sc.lc.pkg1ID, "SDK Lifecycle Policy 1", true, stage1, stage2)
	if s.failed("AssignmentPolicies().Post", err) {
		return
	}
	s.audit("assignmentPolicy", res)
	sc.lc.pol1ID = deref(res.GetId())
	got, err := sc.em.AssignmentPolicies().ByAccessPackageAssignmentPolicyId(sc.lc.pol1ID).Get(s.ctx, nil)
	if s.failed("AssignmentPolicies().ByAccessPackageAssignmentPolicyId().Get", err) {
		return
	}
	s.audit("assignmentPolicy (GET)", got)
	s.expect(got.GetAllowedTargetScope() != nil && *got.GetAllowedTargetScope() == models.ALLMEMBERUSERS_ALLOWEDTARGETSCOPE, "allowedTargetScope = %s, want allMemberUsers", deref(got.GetAllowedTargetScope()))
	if rs := got.GetRequestorSettings(); rs == nil {
		s.failf("requestorSettings is nil")
	} else {
		s.expect(deref(rs.GetEnableTargetsToSelfAddAccess()) == "true" && deref(rs.GetEnableTargetsToSelfRemoveAccess()) == "true",
			"requestorSettings self add/remove = %s/%s, want true/true", deref(rs.GetEnableTargetsToSelfAddAccess()), deref(rs.GetEnableTargetsToSelfRemoveAccess()))
	}
	as := got.GetRequestApprovalSettings()
	if as == nil {
		s.failf("requestApprovalSettings is nil")
		return
	}
	s.expect(deref(as.GetIsRequestorJustificationRequired()) == "true", "isRequestorJustificationRequired = %s, want true", deref(as.GetIsRequestorJustificationRequired()))
	want := [][]*actor{stage1, stage2}
	if len(as.GetStages()) != 2 {
		s.failf("%d approval stages, want 2", len(as.GetStages()))
		return
	}
	for i, st := range as.GetStages() {
		d := st.GetDurationBeforeAutomaticDenial()
		s.expect(d != nil && d.String() == "P2W", "stage %d durationBeforeAutomaticDenial = %s, want P2W (14 days)", i+1, deref(d))
		var ids []string
		for _, a := range st.GetPrimaryApprovers() {
			su, ok := a.(models.SingleUserable)
			if !ok {
				s.failf("stage %d approver parsed as %T (@odata.type %s), want singleUser", i+1, a, deref(a.GetOdataType()))
				continue
			}
			ids = append(ids, deref(su.GetUserId()))
		}
		var wantIDs []string
		for _, a := range want[i] {
			wantIDs = append(wantIDs, a.id)
		}
		s.expect(strings.Join(ids, ",") == strings.Join(wantIDs, ","), "stage %d approvers = %v, want %v", i+1, ids, wantIDs)
		s.logf("stage %d: durationBeforeAutomaticDenial=%s approvers=%d", i+1, deref(d), len(ids))
	}
}

// newRequest builds an assignment request. The assignment reference carries
// accessPackageId (to add) or id (to remove) as additional data, as Graph's documentation
// shows for the SDKs.
func newRequest(typ models.AccessPackageRequestType, justification string, assignment map[string]any) models.AccessPackageAssignmentRequestable {
	req := models.NewAccessPackageAssignmentRequest()
	req.SetRequestType(&typ)
	if justification != "" {
		req.SetJustification(sp(justification))
	}
	a := models.NewAccessPackageAssignment()
	a.SetAdditionalData(assignment)
	req.SetAssignment(a)
	return req
}

// submit posts a request as who and checks the answer's basics.
func (sc *scenario) submit(s *step, who *actor, req models.AccessPackageAssignmentRequestable) models.AccessPackageAssignmentRequestable {
	res, err := who.em.AssignmentRequests().Post(s.ctx, req, nil)
	if s.failed("AssignmentRequests().Post as "+who.name, err) {
		return nil
	}
	status, _ := s.rec.last()
	s.expect(status == 201, "POST assignmentRequests answered %d, want 201", status)
	s.audit("assignmentRequest", res)
	s.logf("%s: request %s requestType=%s state=%s status=%s", who.name, deref(res.GetId()), deref(res.GetRequestType()), deref(res.GetState()), deref(res.GetStatus()))
	s.present("assignmentRequest.id", res.GetId())
	s.present("assignmentRequest.state", res.GetState())
	s.present("assignmentRequest.createdDateTime", res.GetCreatedDateTime())
	if req.GetRequestType() != nil {
		s.expect(res.GetRequestType() != nil && *res.GetRequestType() == *req.GetRequestType(), "requestType = %s, want %s", deref(res.GetRequestType()), deref(req.GetRequestType()))
	}
	return res
}

// n1. Without a justification the policy refuses the request.
func (sc *scenario) lcRequestNoJustification(s *step) {
	if s.requires(sc.lc.pol1ID != "" && sc.haveUsers(requestor1), "no policy or requestor from the earlier steps") {
		return
	}
	_, err := sc.user(requestor1).em.AssignmentRequests().Post(s.ctx,
		newRequest(models.USERADD_ACCESSPACKAGEREQUESTTYPE, "", map[string]any{"accessPackageId": sc.lc.pkg1ID}), nil)
	s.expectODataError("userAdd without justification", err, 400, "")
}

// n2. requestor1 asks for package 1; the server picks its only policy.
func (sc *scenario) lcRequest1(s *step) {
	if s.requires(sc.lc.pol1ID != "" && sc.haveUsers(requestor1), "no policy or requestor from the earlier steps") {
		return
	}
	res := sc.submit(s, sc.user(requestor1), newRequest(models.USERADD_ACCESSPACKAGEREQUESTTYPE, "quarterly sales work",
		map[string]any{"accessPackageId": sc.lc.pkg1ID}))
	if res == nil {
		return
	}
	sc.lc.req1ID = deref(res.GetId())
	s.expect(res.GetState() != nil && *res.GetState() == models.PENDINGAPPROVAL_ACCESSPACKAGEREQUESTSTATE, "state = %s, want pendingApproval", deref(res.GetState()))
	s.expect(deref(res.GetJustification()) == "quarterly sales work", "justification = %q, want the one sent", deref(res.GetJustification()))
	if ap := res.GetAccessPackage(); ap != nil {
		s.expect(deref(ap.GetId()) == sc.lc.pkg1ID, "accessPackage.id = %s, want %s", deref(ap.GetId()), sc.lc.pkg1ID)
	}
	if rq := res.GetRequestor(); rq != nil {
		s.expect(deref(rq.GetObjectId()) == sc.user(requestor1).id, "requestor.objectId = %s, want requestor1 %s", deref(rq.GetObjectId()), sc.user(requestor1).id)
	}
}

// requestIDs lists the ids of requests.
func requestIDs(list []models.AccessPackageAssignmentRequestable) []string {
	ids := []string{}
	for _, r := range list {
		ids = append(ids, deref(r.GetId()))
	}
	return ids
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// myRequests is GET assignmentRequests/filterByCurrentUser(on='…') as who.
func (sc *scenario) myRequests(s *step, who *actor, on string) ([]string, bool) {
	res, err := who.em.AssignmentRequests().FilterByCurrentUserWithOn(sp(on)).GetAsFilterByCurrentUserWithOnGetResponse(s.ctx, nil)
	if s.failed(fmt.Sprintf("AssignmentRequests().FilterByCurrentUserWithOn(%q) as %s", on, who.name), err) {
		return nil, false
	}
	s.audit(fmt.Sprintf("assignmentRequests/filterByCurrentUser(on='%s')", on), res)
	ids := requestIDs(res.GetValue())
	s.logf("%s on=%s: %d request(s)", who.name, on, len(ids))
	return ids, true
}

// n3. The request is in requestor1's lists on target and createdBy, and in approver1's on
// approver.
func (sc *scenario) lcRequestLists(s *step) {
	if s.requires(sc.lc.req1ID != "" && sc.haveUsers(requestor1, approver1), "no request from step n2") {
		return
	}
	for _, on := range []string{"target", "createdBy"} {
		if ids, ok := sc.myRequests(s, sc.user(requestor1), on); ok {
			s.expect(len(ids) == 1 && ids[0] == sc.lc.req1ID, "requestor1 on=%s: %v, want exactly [%s]", on, ids, sc.lc.req1ID)
		}
	}
	if ids, ok := sc.myRequests(s, sc.user(approver1), "approver"); ok {
		s.expect(contains(ids, sc.lc.req1ID), "approver1 on=approver: %v, want it to include %s", ids, sc.lc.req1ID)
	}
}

// approvals is GET accessPackageAssignmentApprovals/filterByCurrentUser(on='approver') as
// who.
func (sc *scenario) approvals(s *step, who *actor) ([]models.Approvalable, bool) {
	res, err := who.em.AccessPackageAssignmentApprovals().FilterByCurrentUserWithOn(sp("approver")).GetAsFilterByCurrentUserWithOnGetResponse(s.ctx, nil)
	if s.failed("AccessPackageAssignmentApprovals().FilterByCurrentUserWithOn(\"approver\") as "+who.name, err) {
		return nil, false
	}
	s.audit("accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')", res)
	var ids []string
	for _, a := range res.GetValue() {
		ids = append(ids, deref(a.GetId()))
	}
	s.logf("%s sees %d approval(s) %v", who.name, len(ids), ids)
	return res.GetValue(), true
}

// findApproval returns the approval with the request's id.
func findApproval(list []models.Approvalable, id string) models.Approvalable {
	for _, a := range list {
		if deref(a.GetId()) == id {
			return a
		}
	}
	return nil
}

// o. requestor1 is a stage-1 approver but may not approve her own request; approver2 is
// not asked before stage 1 is done.
func (sc *scenario) lcRequestorNoApprovals(s *step) {
	if s.requires(sc.lc.req1ID != "" && sc.haveUsers(requestor1, approver2), "no request from step n2") {
		return
	}
	if list, ok := sc.approvals(s, sc.user(requestor1)); ok {
		s.expect(len(list) == 0, "requestor1 sees %d approval(s), want none: she may not approve her own request", len(list))
	}
	_, err := sc.user(requestor1).em.AccessPackageAssignmentApprovals().ByApprovalId(sc.lc.req1ID).Get(s.ctx, nil)
	s.expectODataError("requestor1 GETs the approval of her own request", err, 404, "")
	if list, ok := sc.approvals(s, sc.user(approver2)); ok {
		s.expect(findApproval(list, sc.lc.req1ID) == nil, "approver2 (stage 2) already sees the request while stage 1 is open")
	}
}

// stages is GET accessPackageAssignmentApprovals/{id}/stages as who.
func (sc *scenario) stages(s *step, who *actor, reqID string) ([]models.ApprovalStageable, bool) {
	res, err := who.em.AccessPackageAssignmentApprovals().ByApprovalId(reqID).Stages().Get(s.ctx, nil)
	if s.failed("AccessPackageAssignmentApprovals().ByApprovalId().Stages().Get as "+who.name, err) {
		return nil, false
	}
	s.audit("approval.stages", res)
	for i, st := range res.GetValue() {
		by := "<nil>"
		if rb := st.GetReviewedBy(); rb != nil {
			by = deref(rb.GetId())
		}
		s.logf("  %s: stage %d id=%s status=%s reviewResult=%s assignedToMe=%s reviewedBy=%s justification=%s",
			who.name, i+1, deref(st.GetId()), deref(st.GetStatus()), deref(st.GetReviewResult()), deref(st.GetAssignedToMe()), by, deref(st.GetJustification()))
	}
	return res.GetValue(), true
}

// decide is PATCH accessPackageAssignmentApprovals/{id}/stages/{stage} as who.
func decide(s *step, who *actor, reqID, stageID, result, justification string) error {
	st := models.NewApprovalStage()
	st.SetReviewResult(sp(result))
	if justification != "" {
		st.SetJustification(sp(justification))
	}
	_, err := who.em.AccessPackageAssignmentApprovals().ByApprovalId(reqID).Stages().ByApprovalStageId(stageID).Patch(s.ctx, st, nil)
	return err
}

// expectStage checks one stage's status and review result.
func expectStage(s *step, label string, st models.ApprovalStageable, status, result string, assignedToMe bool) {
	s.expect(deref(st.GetStatus()) == status, "%s status = %s, want %s", label, deref(st.GetStatus()), status)
	s.expect(deref(st.GetReviewResult()) == result, "%s reviewResult = %s, want %s", label, deref(st.GetReviewResult()), result)
	s.expect(st.GetAssignedToMe() != nil && *st.GetAssignedToMe() == assignedToMe, "%s assignedToMe = %s, want %t", label, deref(st.GetAssignedToMe()), assignedToMe)
}

// p. approver1 finds the approval, reads its stages and approves stage 1; approver3's
// later decision on the same stage is a conflict.
func (sc *scenario) lcApproveStage1(s *step) {
	if s.requires(sc.lc.req1ID != "" && sc.haveUsers(approver1, approver3), "no request from step n2") {
		return
	}
	a1 := sc.user(approver1)
	list, ok := sc.approvals(s, a1)
	if !ok {
		return
	}
	ap := findApproval(list, sc.lc.req1ID)
	if ap == nil {
		s.failf("approver1's approvals do not include the request %s", sc.lc.req1ID)
		return
	}
	s.expect(len(ap.GetStages()) == 2, "the approval has %d stages, want 2", len(ap.GetStages()))
	one, err := a1.em.AccessPackageAssignmentApprovals().ByApprovalId(sc.lc.req1ID).Get(s.ctx, nil)
	if !s.failed("AccessPackageAssignmentApprovals().ByApprovalId().Get as approver1", err) {
		s.audit("approval", one)
		s.expect(deref(one.GetId()) == sc.lc.req1ID && len(one.GetStages()) == 2, "GET approval: id %s with %d stages, want %s with 2", deref(one.GetId()), len(one.GetStages()), sc.lc.req1ID)
	}
	stages, ok := sc.stages(s, a1, sc.lc.req1ID)
	if !ok {
		return
	}
	if len(stages) != 2 {
		s.failf("GET stages answered %d stages, want 2", len(stages))
		return
	}
	expectStage(s, "stage 1 (before)", stages[0], "InProgress", "NotReviewed", true)
	expectStage(s, "stage 2 (before)", stages[1], "NotStarted", "NotReviewed", false)
	sc.lc.stage1ID = deref(stages[0].GetId())
	if s.failed("PATCH stage 1 Approve as approver1", decide(s, a1, sc.lc.req1ID, sc.lc.stage1ID, "Approve", "approved by approver1")) {
		return
	}
	status, _ := s.rec.last()
	s.expect(status == 204, "PATCH stage answered %d, want 204", status)

	after, ok := sc.stages(s, a1, sc.lc.req1ID)
	if ok && len(after) == 2 {
		expectStage(s, "stage 1 (after)", after[0], "Completed", "Approved", false)
		s.expect(deref(after[0].GetJustification()) == "approved by approver1", "stage 1 justification = %q", deref(after[0].GetJustification()))
		if rb := after[0].GetReviewedBy(); rb == nil || deref(rb.GetId()) != a1.id {
			s.failf("stage 1 reviewedBy is not approver1 %s", a1.id)
		}
		s.present("stage 1 reviewedDateTime", after[0].GetReviewedDateTime())
		s.expect(deref(after[1].GetStatus()) == "InProgress", "stage 2 status = %s, want InProgress", deref(after[1].GetStatus()))
	}
	err = decide(s, sc.user(approver3), sc.lc.req1ID, sc.lc.stage1ID, "Deny", "too late")
	s.expectODataError("a second decision on stage 1 (approver3, Deny)", err, 409, "")
}

// q. approver2 finds the request now that stage 1 is done, and approves stage 2.
func (sc *scenario) lcApproveStage2(s *step) {
	if s.requires(sc.lc.stage1ID != "" && sc.haveUsers(approver2), "stage 1 was not approved in step p") {
		return
	}
	a2 := sc.user(approver2)
	list, ok := sc.approvals(s, a2)
	if !ok {
		return
	}
	if findApproval(list, sc.lc.req1ID) == nil {
		s.failf("approver2's approvals do not include the request %s", sc.lc.req1ID)
		return
	}
	stages, ok := sc.stages(s, a2, sc.lc.req1ID)
	if !ok || len(stages) != 2 {
		s.failf("want 2 stages, got %d", len(stages))
		return
	}
	expectStage(s, "stage 2", stages[1], "InProgress", "NotReviewed", true)
	s.failed("PATCH stage 2 Approve as approver2", decide(s, a2, sc.lc.req1ID, deref(stages[1].GetId()), "Approve", "approved by approver2"))
}

// pollRequest GETs the request as who until its state is want, for up to deliveryTimeout.
func (sc *scenario) pollRequest(s *step, who *actor, id string, want models.AccessPackageRequestState) models.AccessPackageAssignmentRequestable {
	deadline := time.Now().Add(deliveryTimeout)
	for {
		res, err := who.em.AssignmentRequests().ByAccessPackageAssignmentRequestId(id).Get(s.ctx, nil)
		if s.failed("AssignmentRequests().ByAccessPackageAssignmentRequestId().Get as "+who.name, err) {
			return nil
		}
		if res.GetState() != nil && *res.GetState() == want {
			s.audit("assignmentRequest", res)
			s.logf("request %s is %s (status %s)", id, want, deref(res.GetStatus()))
			return res
		}
		if time.Now().After(deadline) {
			s.audit("assignmentRequest", res)
			s.failf("request %s is still %s (status %s) after %s, want %s", id, deref(res.GetState()), deref(res.GetStatus()), deliveryTimeout, want)
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// isMember reports whether the user is a member of the lifecycle group, as the admin
// sees it (GET /groups/{id}/members), and audits the response.
func (sc *scenario) isMember(s *step, userID string) (member, ok bool) {
	res, err := sc.client.Groups().ByGroupId(sc.lc.groupID).Members().Get(s.ctx, nil)
	if s.failed("Groups().ByGroupId().Members().Get", err) {
		return false, false
	}
	s.audit("group.members", res)
	for _, m := range res.GetValue() {
		if deref(m.GetId()) == userID {
			return true, true
		}
	}
	return false, true
}

// pollMember waits until the user's membership is want.
func (sc *scenario) pollMember(s *step, who *actor, want bool) {
	deadline := time.Now().Add(deliveryTimeout)
	for {
		member, ok := sc.isMember(s, who.id)
		if !ok {
			return
		}
		if member == want {
			s.logf("%s member of the group: %t", who.name, member)
			return
		}
		if time.Now().After(deadline) {
			s.failf("%s member of the group: %t after %s, want %t", who.name, member, deliveryTimeout, want)
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// r1. The worker delivers the approved request; requestor1 joins the group.
func (sc *scenario) lcDelivered(s *step) {
	if s.requires(sc.lc.req1ID != "" && sc.haveUsers(requestor1), "no request from step n2") {
		return
	}
	r1 := sc.user(requestor1)
	res := sc.pollRequest(s, r1, sc.lc.req1ID, models.DELIVERED_ACCESSPACKAGEREQUESTSTATE)
	if res == nil {
		return
	}
	s.present("assignmentRequest.completedDateTime", res.GetCompletedDateTime())
	// The request with its navigation properties expanded.
	ex, err := r1.em.AssignmentRequests().ByAccessPackageAssignmentRequestId(sc.lc.req1ID).Get(s.ctx,
		&identitygovernance.EntitlementManagementAssignmentRequestsAccessPackageAssignmentRequestItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &identitygovernance.EntitlementManagementAssignmentRequestsAccessPackageAssignmentRequestItemRequestBuilderGetQueryParameters{
				Expand: []string{"assignment", "accessPackage", "requestor"},
			},
		})
	if !s.failed("AssignmentRequests().ByAccessPackageAssignmentRequestId().Get $expand=assignment,accessPackage,requestor", err) {
		s.audit("assignmentRequest $expand", ex)
		if a := ex.GetAssignment(); a == nil {
			s.failf("expanded assignment is nil")
		} else {
			s.expect(a.GetState() != nil && *a.GetState() == models.DELIVERED_ACCESSPACKAGEASSIGNMENTSTATE, "expanded assignment state = %s, want delivered", deref(a.GetState()))
		}
		if ap := ex.GetAccessPackage(); ap == nil || deref(ap.GetId()) != sc.lc.pkg1ID {
			s.failf("expanded accessPackage is not package 1 %s", sc.lc.pkg1ID)
		} else {
			s.present("expanded accessPackage.displayName", ap.GetDisplayName())
		}
		if rq := ex.GetRequestor(); rq == nil || deref(rq.GetObjectId()) != r1.id {
			s.failf("expanded requestor is not requestor1 %s", r1.id)
		} else {
			s.expect(deref(rq.GetPrincipalName()) == r1.upn, "expanded requestor.principalName = %s, want %s", deref(rq.GetPrincipalName()), r1.upn)
		}
	}
	member, ok := sc.isMember(s, r1.id)
	if ok {
		s.expect(member, "requestor1 is not a member of the group after delivery")
		sc.lc.delivered1 = member
	}
}

// r2. The delivered assignment, as requestor1 and as the admin see it.
func (sc *scenario) lcAssignments(s *step) {
	if s.requires(sc.lc.delivered1, "requestor1's request was not delivered (step r1)") {
		return
	}
	r1 := sc.user(requestor1)
	f := "state eq 'delivered'"
	mine, err := r1.em.Assignments().FilterByCurrentUserWithOn(sp("target")).GetAsFilterByCurrentUserWithOnGetResponse(s.ctx,
		&identitygovernance.EntitlementManagementAssignmentsFilterByCurrentUserWithOnRequestBuilderGetRequestConfiguration{
			QueryParameters: &identitygovernance.EntitlementManagementAssignmentsFilterByCurrentUserWithOnRequestBuilderGetQueryParameters{Filter: &f, Expand: assignmentExpand},
		})
	if !s.failed("Assignments().FilterByCurrentUserWithOn(\"target\") $filter as requestor1", err) {
		s.audit("assignments/filterByCurrentUser(on='target')", mine)
		s.expect(len(mine.GetValue()) == 1, "requestor1 has %d delivered assignment(s), want 1", len(mine.GetValue()))
		for _, a := range mine.GetValue() {
			checkAssignment(s, a, sc.lc.pkg1ID, r1.id)
		}
	}
	all, err := sc.em.Assignments().Get(s.ctx, &identitygovernance.EntitlementManagementAssignmentsRequestBuilderGetRequestConfiguration{
		QueryParameters: &identitygovernance.EntitlementManagementAssignmentsRequestBuilderGetQueryParameters{Filter: &f, Expand: assignmentExpand},
	})
	if s.failed("Assignments().Get $filter as admin", err) {
		return
	}
	s.audit("assignments", all)
	found := false
	for _, a := range all.GetValue() {
		s.expect(a.GetState() != nil && *a.GetState() == models.DELIVERED_ACCESSPACKAGEASSIGNMENTSTATE, "assignment %s in the $filter=state eq 'delivered' list is %s", deref(a.GetId()), deref(a.GetState()))
		if t := a.GetTarget(); t != nil && deref(t.GetObjectId()) == r1.id {
			found = true
		}
	}
	s.logf("admin: %d delivered assignment(s)", len(all.GetValue()))
	s.expect(found, "the admin's list of delivered assignments lacks requestor1's")
}

// assignmentExpand asks for an assignment's package and target, which Graph, like Bestow,
// returns only when expanded.
var assignmentExpand = []string{"accessPackage", "target"}

// checkAssignment checks a delivered assignment of the package to the user.
func checkAssignment(s *step, a models.AccessPackageAssignmentable, pkgID, userID string) {
	s.logf("assignment %s state=%s status=%s", deref(a.GetId()), deref(a.GetState()), deref(a.GetStatus()))
	s.expect(a.GetState() != nil && *a.GetState() == models.DELIVERED_ACCESSPACKAGEASSIGNMENTSTATE, "assignment state = %s, want delivered", deref(a.GetState()))
	if ap := a.GetAccessPackage(); ap == nil || deref(ap.GetId()) != pkgID {
		s.failf("assignment %s: accessPackage is not %s", deref(a.GetId()), pkgID)
	}
	if t := a.GetTarget(); t == nil || deref(t.GetObjectId()) != userID {
		s.failf("assignment %s: target.objectId is not %s", deref(a.GetId()), userID)
	}
	s.present("assignment.schedule", a.GetSchedule())
}

// s. A package with an active assignment cannot be deleted.
func (sc *scenario) lcDeletePackageRefused(s *step) {
	if s.requires(sc.lc.delivered1, "requestor1 holds no assignment of package 1 (step r1)") {
		return
	}
	err := sc.em.AccessPackages().ByAccessPackageId(sc.lc.pkg1ID).Delete(s.ctx, nil)
	s.expectODataError("DELETE of package 1 with an active assignment", err, 400, "")
	if _, err := sc.em.AccessPackages().ByAccessPackageId(sc.lc.pkg1ID).Get(s.ctx, nil); s.failed("GET package 1 after the refused DELETE", err) {
		return
	}
}

// statusOf is the HTTP status of an SDK error: ODataError embeds kiota's ApiError, whose
// GetStatusCode is the response's status (0 when err carries none).
func statusOf(err error) int {
	var withStatus interface{ GetStatusCode() int }
	if errors.As(err, &withStatus) {
		return withStatus.GetStatusCode()
	}
	return 0
}

// t. requestor2 asks for package 1; approver1 and approver3 approve its first stage at the
// same moment: one wins (no error), the other gets a 409 ODataError.
func (sc *scenario) lcConcurrentDecision(s *step) {
	if s.requires(sc.lc.pol1ID != "" && sc.haveUsers(requestor2, approver1, approver3), "no policy or users from the earlier steps") {
		return
	}
	res := sc.submit(s, sc.user(requestor2), newRequest(models.USERADD_ACCESSPACKAGEREQUESTTYPE, "needs it too",
		map[string]any{"accessPackageId": sc.lc.pkg1ID}))
	if res == nil {
		return
	}
	id := deref(res.GetId())
	stages, ok := sc.stages(s, sc.user(approver1), id)
	if !ok || len(stages) == 0 {
		s.failf("no stages for request %s", id)
		return
	}
	stageID := deref(stages[0].GetId())
	who := []*actor{sc.user(approver1), sc.user(approver3)}
	errs := make([]error, len(who))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, a := range who {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = decide(s, a, id, stageID, "Approve", "approved by "+a.name)
		}()
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		s.logf("%s: %s", who[i].name, describeErr(err))
		if err == nil {
			if winner >= 0 {
				s.failf("both %s and %s decided stage 1 without error", who[winner].name, who[i].name)
			}
			winner = i
		}
	}
	if winner < 0 {
		s.failf("neither approver's decision succeeded")
		return
	}
	loser := 1 - winner
	var oe odataerrors.ODataErrorable
	switch {
	case !errors.As(errs[loser], &oe):
		s.failf("%s: want an ODataError with status 409, got %s", who[loser].name, describeErr(errs[loser]))
	case statusOf(errs[loser]) != 409:
		s.failf("%s: want status 409, got %s", who[loser].name, describeErr(errs[loser]))
	}
	if after, ok := sc.stages(s, sc.user(approver1), id); ok && len(after) > 0 {
		rb := after[0].GetReviewedBy()
		s.expect(rb != nil && deref(rb.GetId()) == who[winner].id, "stage 1 reviewedBy = %v, want the winner %s", rb, who[winner].name)
		s.expect(deref(after[0].GetReviewResult()) == "Approved", "stage 1 reviewResult = %s, want Approved", deref(after[0].GetReviewResult()))
	}
}

// u. A pending request is canceled by its requestor.
func (sc *scenario) lcCancel(s *step) {
	if s.requires(sc.lc.pol1ID != "" && sc.haveUsers(requestor3), "no policy or requestor3 from the earlier steps") {
		return
	}
	r3 := sc.user(requestor3)
	res := sc.submit(s, r3, newRequest(models.USERADD_ACCESSPACKAGEREQUESTTYPE, "maybe later",
		map[string]any{"accessPackageId": sc.lc.pkg1ID}))
	if res == nil {
		return
	}
	id := deref(res.GetId())
	by := r3.em.AssignmentRequests().ByAccessPackageAssignmentRequestId(id)
	if s.failed("AssignmentRequests().ByAccessPackageAssignmentRequestId().Cancel().Post", by.Cancel().Post(s.ctx, nil)) {
		return
	}
	got, err := by.Get(s.ctx, nil)
	if s.failed("AssignmentRequests().ByAccessPackageAssignmentRequestId().Get", err) {
		return
	}
	s.audit("assignmentRequest", got)
	s.logf("after cancel: state=%s status=%s", deref(got.GetState()), deref(got.GetStatus()))
	s.expect(got.GetState() != nil && *got.GetState() == models.CANCELED_ACCESSPACKAGEREQUESTSTATE, "state after cancel = %s, want canceled", deref(got.GetState()))
	s.expectODataError("a second cancel", by.Cancel().Post(s.ctx, nil), 400, "")
	sc.lc.canceledID = id
	if list, ok := sc.approvals(s, sc.user(approver1)); ok {
		s.expect(findApproval(list, id) == nil, "approver1 still sees the canceled request among approvals")
	}
}

// u2. A request that is over can be deleted, as Graph documents.
func (sc *scenario) lcDeleteCanceled(s *step) {
	if s.requires(sc.lc.canceledID != "", "no canceled request (step u)") {
		return
	}
	by := sc.em.AssignmentRequests().ByAccessPackageAssignmentRequestId(sc.lc.canceledID)
	if s.failed("AssignmentRequests().ByAccessPackageAssignmentRequestId().Delete", by.Delete(s.ctx, nil)) {
		return
	}
	_, err := by.Get(s.ctx, nil)
	s.expectODataError("GET of the deleted request", err, 404, "")
}

// r3. Reprocessing a delivered assignment re-applies its roles; nothing is lost.
func (sc *scenario) lcReprocessAssignment(s *step) {
	if s.requires(sc.lc.delivered1, "requestor1's request was not delivered (step r1)") {
		return
	}
	req, err := sc.em.AssignmentRequests().ByAccessPackageAssignmentRequestId(sc.lc.req1ID).Get(s.ctx,
		&identitygovernance.EntitlementManagementAssignmentRequestsAccessPackageAssignmentRequestItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &identitygovernance.EntitlementManagementAssignmentRequestsAccessPackageAssignmentRequestItemRequestBuilderGetQueryParameters{Expand: []string{"assignment"}},
		})
	if s.failed("AssignmentRequests().ByAccessPackageAssignmentRequestId().Get $expand=assignment", err) {
		return
	}
	if req.GetAssignment() == nil || req.GetAssignment().GetId() == nil {
		s.failf("the request has no assignment")
		return
	}
	id := *req.GetAssignment().GetId()
	if s.failed("Assignments().ByAccessPackageAssignmentId().Reprocess().Post", sc.em.Assignments().ByAccessPackageAssignmentId(id).Reprocess().Post(s.ctx, nil)) {
		return
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		a, err := sc.em.Assignments().ByAccessPackageAssignmentId(id).Get(s.ctx, nil)
		if s.failed("Assignments().ByAccessPackageAssignmentId().Get", err) {
			return
		}
		if a.GetState() != nil && *a.GetState() == models.DELIVERED_ACCESSPACKAGEASSIGNMENTSTATE {
			s.logf("assignment %s delivered again after reprocess", id)
			break
		}
		if time.Now().After(deadline) {
			s.failf("assignment %s is %s 20 s after reprocess, want delivered", id, deref(a.GetState()))
			return
		}
	}
	if member, ok := sc.isMember(s, sc.user(requestor1).id); ok {
		s.expect(member, "requestor1 is not a member of the group after reprocess")
	}
}

// r4. A delivered request has nothing to reprocess (REQ-7).
func (sc *scenario) lcReprocessRequestRefused(s *step) {
	if s.requires(sc.lc.delivered1, "requestor1's request was not delivered (step r1)") {
		return
	}
	err := sc.em.AssignmentRequests().ByAccessPackageAssignmentRequestId(sc.lc.req1ID).Reprocess().Post(s.ctx, nil)
	s.expectODataError("reprocess of a delivered request", err, 400, "")
}

// v1. A second package granting the same group membership, with a policy without approval.
func (sc *scenario) lcPackage2(s *step) {
	sc.lc.pkg2ID = sc.lcPackage(s, "SDK Lifecycle Package 2")
	if sc.lc.pkg2ID == "" {
		return
	}
	res, err := sc.lcPolicy(s, sc.lc.pkg2ID, "SDK Lifecycle Policy 2 (no approval)", false)
	if s.failed("AssignmentPolicies().Post", err) {
		return
	}
	s.audit("assignmentPolicy", res)
	sc.lc.pol2ID = deref(res.GetId())
	if as := res.GetRequestApprovalSettings(); as != nil {
		s.expect(deref(as.GetIsApprovalRequiredForAdd()) == "false", "isApprovalRequiredForAdd = %s, want false", deref(as.GetIsApprovalRequiredForAdd()))
	}
}

// myDelivered is requestor's delivered assignments, by package id.
func (sc *scenario) myDelivered(s *step, who *actor) (map[string]string, bool) {
	f := "state eq 'delivered'"
	mine, err := who.em.Assignments().FilterByCurrentUserWithOn(sp("target")).GetAsFilterByCurrentUserWithOnGetResponse(s.ctx,
		&identitygovernance.EntitlementManagementAssignmentsFilterByCurrentUserWithOnRequestBuilderGetRequestConfiguration{
			QueryParameters: &identitygovernance.EntitlementManagementAssignmentsFilterByCurrentUserWithOnRequestBuilderGetQueryParameters{Filter: &f, Expand: assignmentExpand},
		})
	if s.failed("Assignments().FilterByCurrentUserWithOn(\"target\") as "+who.name, err) {
		return nil, false
	}
	s.audit("assignments/filterByCurrentUser(on='target')", mine)
	out := map[string]string{}
	for _, a := range mine.GetValue() {
		pkg := ""
		if ap := a.GetAccessPackage(); ap != nil {
			pkg = deref(ap.GetId())
		}
		checkAssignment(s, a, pkg, who.id)
		out[pkg] = deref(a.GetId())
	}
	return out, true
}

// v2. requestor1 asks for package 2, which needs no approval: delivered by the worker.
func (sc *scenario) lcRequest2(s *step) {
	if s.requires(sc.lc.pol2ID != "" && sc.lc.delivered1, "no package 2 policy (step v1) or package 1 assignment (step r1)") {
		return
	}
	r1 := sc.user(requestor1)
	res := sc.submit(s, r1, newRequest(models.USERADD_ACCESSPACKAGEREQUESTTYPE, "second source",
		map[string]any{"accessPackageId": sc.lc.pkg2ID}))
	if res == nil || sc.pollRequest(s, r1, deref(res.GetId()), models.DELIVERED_ACCESSPACKAGEREQUESTSTATE) == nil {
		return
	}
	mine, ok := sc.myDelivered(s, r1)
	if !ok {
		return
	}
	s.expect(len(mine) == 2 && mine[sc.lc.pkg1ID] != "" && mine[sc.lc.pkg2ID] != "", "requestor1's delivered assignments by package: %v, want one of each package", mine)
}

// remove submits a userRemove or adminRemove of requestor1's assignment of pkgID as who,
// and waits until the request is delivered.
func (sc *scenario) remove(s *step, who *actor, typ models.AccessPackageRequestType, pkgID string) bool {
	mine, ok := sc.myDelivered(s, sc.user(requestor1))
	if !ok {
		return false
	}
	asg := mine[pkgID]
	if asg == "" {
		s.failf("requestor1 has no delivered assignment of package %s (has %v)", pkgID, mine)
		return false
	}
	res := sc.submit(s, who, newRequest(typ, "", map[string]any{"id": asg}))
	if res == nil {
		return false
	}
	return sc.pollRequest(s, who, deref(res.GetId()), models.DELIVERED_ACCESSPACKAGEREQUESTSTATE) != nil
}

// v3. requestor1 gives up package 1; package 2 still grants the membership.
func (sc *scenario) lcUserRemove(s *step) {
	if s.requires(sc.lc.pkg2ID != "" && sc.lc.delivered1, "no package 2 (step v1) or package 1 assignment (step r1)") {
		return
	}
	if !sc.remove(s, sc.user(requestor1), models.USERREMOVE_ACCESSPACKAGEREQUESTTYPE, sc.lc.pkg1ID) {
		return
	}
	if member, ok := sc.isMember(s, sc.user(requestor1).id); ok {
		s.expect(member, "requestor1 lost the group membership although package 2 still grants it")
	}
	if mine, ok := sc.myDelivered(s, sc.user(requestor1)); ok {
		s.expect(len(mine) == 1 && mine[sc.lc.pkg2ID] != "", "requestor1's delivered assignments by package: %v, want only package 2's", mine)
	}
}

// v4. The admin ends requestor1's package-2 assignment; the membership goes.
func (sc *scenario) lcAdminRemove(s *step) {
	if s.requires(sc.lc.pkg2ID != "" && sc.haveUsers(requestor1), "no package 2 (step v1)") {
		return
	}
	admin := &actor{name: "admin", client: sc.client, em: sc.em}
	if !sc.remove(s, admin, models.ADMINREMOVE_ACCESSPACKAGEREQUESTTYPE, sc.lc.pkg2ID) {
		return
	}
	sc.pollMember(s, sc.user(requestor1), false)
}

// v5. Package 2 no longer has an active assignment: DELETE succeeds, GET answers 404.
func (sc *scenario) lcDeletePackage2(s *step) {
	if s.requires(sc.lc.pkg2ID != "", "no package 2 (step v1)") {
		return
	}
	by := sc.em.AccessPackages().ByAccessPackageId(sc.lc.pkg2ID)
	if s.failed("AccessPackages().ByAccessPackageId().Delete", by.Delete(s.ctx, nil)) {
		return
	}
	_, err := by.Get(s.ctx, nil)
	s.expectODataError("GET of the deleted package 2", err, 404, "")
}
