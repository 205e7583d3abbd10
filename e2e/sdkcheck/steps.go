package main

// This file holds the scenario: the steps a–l (the request lifecycle, m–v, is in
// lifecycle.go), each a plain use of the SDK followed by
// checks of what came back. Later steps build on the objects earlier ones created; when
// one of those is missing, the later step fails as "not run".

import (
	"context"
	"fmt"

	"github.com/microsoft/kiota-abstractions-go/serialization"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	"github.com/microsoftgraph/msgraph-sdk-go/identitygovernance"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// scenario holds the SDK client and what the steps created.
type scenario struct {
	client *msgraphsdk.GraphServiceClient
	em     *identitygovernance.EntitlementManagementRequestBuilder
	base   string // the Graph base URL, for @odata.id references
	suffix string // makes this run's names unique

	// newClient builds another stock SDK client with its own bearer token; mint creates a
	// token for a user (nil without -bestow and -db). The lifecycle steps use them.
	newClient func(token string) (*msgraphsdk.GraphServiceClient, error)
	mint      func(ctx context.Context, upn string) (string, error)
	lc        lifecycle
	x         extensionRun // the custom extension steps (extensions.go)

	userIDs   []string
	groupID   string
	catalogID string
	pkgID     string
	pkgName   string
	policyID  string

	// The group's resource in the catalog, its Member role and its root scope (step e).
	roleRef
}

// namedStep is one entry of the scenario.
type namedStep struct {
	name string
	fn   func(*step)
}

// steps lists the scenario in order.
func (sc *scenario) steps() []namedStep {
	return append([]namedStep{
		{"a. create user 1", func(s *step) { sc.createUser(s, 1) }},
		{"a. create user 2", func(s *step) { sc.createUser(s, 2) }},
		{"b. create security group", sc.createGroup},
		{"b. add member to group ($ref)", sc.addMember},
		{"c. create catalog", sc.createCatalog},
		{"d. add group to catalog (resourceRequests adminAdd)", sc.addResource},
		{"e. catalog resources $expand=roles,scopes", sc.listResources},
		{"f. create access package", sc.createPackage},
		{"g. add group Member role to package (resourceRoleScopes)", sc.addRoleScope},
		{"h. create assignment policy (two-stage approval)", sc.createPolicy},
		{"i. read package $expand=resourceRoleScopes($expand=role,scope),assignmentPolicies", sc.readPackage},
		{"j. list packages $filter=displayName eq '<name>'", sc.filterPackages},
		{"k. page catalogs $top=1 following @odata.nextLink", sc.pageCatalogs},
		{"l1. get entitlementManagement settings", sc.getSettings},
		{"l2. list connected organizations", sc.listConnectedOrgs},
		{"l3. list roleManagement/entitlementManagement roleAssignments", sc.listRoleAssignments},
		{"l4. PATCH package description", sc.patchPackage},
		{"l5. delete the assignment policy (then GET answers 404)", sc.deletePolicy},
		{"l6. delete the catalog that holds the package (expect CatalogHasAccessPackages)", sc.deleteCatalog},
	}, append(sc.lifecycleSteps(), sc.extensionSteps()...)...)
}

func sp(s string) *string { return &s }
func bp(b bool) *bool     { return &b }
func i32(i int32) *int32  { return &i }

// a. POST /users.
func (sc *scenario) createUser(s *step, i int) {
	u := models.NewUser()
	u.SetAccountEnabled(bp(true))
	u.SetDisplayName(sp(fmt.Sprintf("SDK User %d %s", i, sc.suffix)))
	u.SetMailNickname(sp(fmt.Sprintf("sdk%d-%s", i, sc.suffix)))
	u.SetUserPrincipalName(sp(fmt.Sprintf("sdk%d-%s@bestow.example", i, sc.suffix)))
	pp := models.NewPasswordProfile()
	pp.SetForceChangePasswordNextSignIn(bp(true))
	pp.SetPassword(sp("xWwvJ]6NMw+bWH-d"))
	u.SetPasswordProfile(pp)
	res, err := sc.client.Users().Post(s.ctx, u, nil)
	if s.failed("Users().Post", err) {
		return
	}
	s.audit("user", res)
	s.logf("id=%s upn=%s accountEnabled=%s", deref(res.GetId()), deref(res.GetUserPrincipalName()), deref(res.GetAccountEnabled()))
	s.present("user.id", res.GetId())
	s.present("user.userPrincipalName", res.GetUserPrincipalName())
	if res.GetId() != nil && *res.GetId() != "" {
		sc.userIDs = append(sc.userIDs, *res.GetId())
	}
}

// b. POST /groups.
func (sc *scenario) createGroup(s *step) {
	g := models.NewGroup()
	g.SetDisplayName(sp("SDK Group " + sc.suffix))
	g.SetDescription(sp("created by sdkcheck"))
	g.SetMailEnabled(bp(false))
	g.SetMailNickname(sp("sdkgroup-" + sc.suffix))
	g.SetSecurityEnabled(bp(true))
	g.SetGroupTypes([]string{})
	res, err := sc.client.Groups().Post(s.ctx, g, nil)
	if s.failed("Groups().Post", err) {
		return
	}
	s.audit("group", res)
	s.logf("id=%s securityEnabled=%s createdDateTime=%s", deref(res.GetId()), deref(res.GetSecurityEnabled()), deref(res.GetCreatedDateTime()))
	s.present("group.id", res.GetId())
	s.present("group.createdDateTime", res.GetCreatedDateTime())
	if res.GetId() != nil {
		sc.groupID = *res.GetId()
	}
}

// b. POST /groups/{id}/members/$ref, then GET the members.
func (sc *scenario) addMember(s *step) {
	if s.requires(sc.groupID != "" && len(sc.userIDs) > 0, "no group or user from the earlier steps") {
		return
	}
	user := sc.userIDs[0]
	ref := models.NewReferenceCreate()
	ref.SetOdataId(sp(sc.base + "/directoryObjects/" + user))
	if s.failed("Members().Ref().Post", sc.client.Groups().ByGroupId(sc.groupID).Members().Ref().Post(s.ctx, ref, nil)) {
		return
	}
	mem, err := sc.client.Groups().ByGroupId(sc.groupID).Members().Get(s.ctx, nil)
	if s.failed("Members().Get", err) {
		return
	}
	s.audit("group.members", mem)
	found := false
	for _, m := range mem.GetValue() {
		found = found || deref(m.GetId()) == user
		s.logf("member %T id=%s @odata.type=%s", m, deref(m.GetId()), deref(m.GetOdataType()))
	}
	s.expect(found, "members (%d) do not include user %s", len(mem.GetValue()), user)
}

// c. POST /identityGovernance/entitlementManagement/catalogs.
func (sc *scenario) createCatalog(s *step) {
	c := models.NewAccessPackageCatalog()
	c.SetDisplayName(sp("SDK Catalog " + sc.suffix))
	c.SetDescription(sp("catalog created by sdkcheck"))
	st := models.PUBLISHED_ACCESSPACKAGECATALOGSTATE
	c.SetState(&st)
	c.SetIsExternallyVisible(bp(false))
	res, err := sc.em.Catalogs().Post(s.ctx, c, nil)
	if s.failed("Catalogs().Post", err) {
		return
	}
	s.audit("catalog", res)
	s.logf("id=%s state=%s catalogType=%s createdDateTime=%s", deref(res.GetId()), deref(res.GetState()), deref(res.GetCatalogType()), deref(res.GetCreatedDateTime()))
	s.present("catalog.id", res.GetId())
	s.present("catalog.state", res.GetState())
	s.present("catalog.catalogType", res.GetCatalogType())
	s.present("catalog.createdDateTime", res.GetCreatedDateTime())
	if res.GetId() != nil {
		sc.catalogID = *res.GetId()
	}
}

// d. POST resourceRequests with requestType adminAdd: the group joins the catalog.
func (sc *scenario) addResource(s *step) {
	if s.requires(sc.catalogID != "" && sc.groupID != "", "no catalog or group from the earlier steps") {
		return
	}
	rr := models.NewAccessPackageResourceRequest()
	rt := models.ADMINADD_ACCESSPACKAGEREQUESTTYPE
	rr.SetRequestType(&rt)
	r := models.NewAccessPackageResource()
	r.SetOriginId(sp(sc.groupID))
	r.SetOriginSystem(sp("AadGroup"))
	rr.SetResource(r)
	c := models.NewAccessPackageCatalog()
	c.SetId(sp(sc.catalogID))
	rr.SetCatalog(c)
	res, err := sc.em.ResourceRequests().Post(s.ctx, rr, nil)
	if s.failed("ResourceRequests().Post", err) {
		return
	}
	s.audit("resourceRequest", res)
	s.logf("id=%s requestType=%s state=%s", deref(res.GetId()), deref(res.GetRequestType()), deref(res.GetState()))
	s.present("resourceRequest.requestType", res.GetRequestType())
	s.present("resourceRequest.state", res.GetState())
}

// e. GET catalogs/{id}/resources?$expand=roles,scopes; finds the group's Member role and
// root scope for step g.
func (sc *scenario) listResources(s *step) {
	if s.requires(sc.catalogID != "" && sc.groupID != "", "no catalog or group from the earlier steps") {
		return
	}
	res, err := sc.em.Catalogs().ByAccessPackageCatalogId(sc.catalogID).Resources().Get(s.ctx,
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
		s.logf("resource id=%s originId=%s originSystem=%s roles=%d scopes=%d", deref(r.GetId()), deref(r.GetOriginId()), deref(r.GetOriginSystem()), len(r.GetRoles()), len(r.GetScopes()))
		if deref(r.GetOriginId()) != sc.groupID {
			continue
		}
		sc.resID, sc.resOriginID, sc.resOriginSystem = deref(r.GetId()), deref(r.GetOriginId()), deref(r.GetOriginSystem())
		s.present("resource.createdDateTime", r.GetCreatedDateTime())
		s.present("resource.roles", r.GetRoles())
		s.present("resource.scopes", r.GetScopes())
		for _, ro := range r.GetRoles() {
			s.logf("  role id=%s originId=%s displayName=%s", deref(ro.GetId()), deref(ro.GetOriginId()), deref(ro.GetDisplayName()))
			s.present("role.originId", ro.GetOriginId())
			if deref(ro.GetOriginId()) == "Member_"+sc.groupID {
				sc.roleID, sc.roleOriginID = deref(ro.GetId()), deref(ro.GetOriginId())
			}
		}
		if len(r.GetScopes()) > 0 {
			sc0 := r.GetScopes()[0]
			s.logf("  scope id=%s originId=%s isRootScope=%s", deref(sc0.GetId()), deref(sc0.GetOriginId()), deref(sc0.GetIsRootScope()))
			sc.scopeID, sc.scopeOriginID, sc.scopeOriginSystem, sc.scopeIsRoot = deref(sc0.GetId()), deref(sc0.GetOriginId()), deref(sc0.GetOriginSystem()), sc0.GetIsRootScope()
			s.present("scope.isRootScope", sc0.GetIsRootScope())
		}
	}
	switch {
	case sc.resID == "":
		s.failf("the group %s is not among the catalog's resources", sc.groupID)
	case sc.roleID == "":
		s.failf("the group's resource has no role with originId Member_%s", sc.groupID)
	}
}

// f. POST accessPackages in the new catalog.
func (sc *scenario) createPackage(s *step) {
	if s.requires(sc.catalogID != "", "no catalog from step c") {
		return
	}
	sc.pkgName = "SDK Package " + sc.suffix
	p := models.NewAccessPackage()
	p.SetDisplayName(sp(sc.pkgName))
	p.SetDescription(sp("package created by sdkcheck"))
	p.SetIsHidden(bp(false))
	c := models.NewAccessPackageCatalog()
	c.SetId(sp(sc.catalogID))
	p.SetCatalog(c)
	res, err := sc.em.AccessPackages().Post(s.ctx, p, nil)
	if s.failed("AccessPackages().Post", err) {
		return
	}
	s.audit("accessPackage", res)
	s.logf("id=%s isHidden=%s createdDateTime=%s", deref(res.GetId()), deref(res.GetIsHidden()), deref(res.GetCreatedDateTime()))
	s.present("accessPackage.id", res.GetId())
	s.present("accessPackage.createdDateTime", res.GetCreatedDateTime())
	if res.GetId() != nil {
		sc.pkgID = *res.GetId()
	}
}

// g. POST accessPackages/{id}/resourceRoleScopes with the role and scope found in step e.
func (sc *scenario) addRoleScope(s *step) {
	if s.requires(sc.pkgID != "" && sc.roleID != "", "no package or group role from the earlier steps") {
		return
	}
	rrs := sc.roleRef.body()
	got, err := sc.em.AccessPackages().ByAccessPackageId(sc.pkgID).ResourceRoleScopes().Post(s.ctx, rrs, nil)
	if s.failed("ResourceRoleScopes().Post", err) {
		return
	}
	s.audit("resourceRoleScope", got)
	s.logf("id=%s createdDateTime=%s", deref(got.GetId()), deref(got.GetCreatedDateTime()))
	s.present("resourceRoleScope.createdDateTime", got.GetCreatedDateTime())
	s.present("resourceRoleScope.role", got.GetRole())
	s.present("resourceRoleScope.scope", got.GetScope())
}

// h. POST assignmentPolicies: all member users may request, two approval stages of 14
// days each with user 1 as approver, assignments expire after 90 days.
func (sc *scenario) createPolicy(s *step) {
	if s.requires(sc.pkgID != "" && len(sc.userIDs) > 0, "no package or user from the earlier steps") {
		return
	}
	pol := models.NewAccessPackageAssignmentPolicy()
	pol.SetDisplayName(sp("SDK Policy " + sc.suffix))
	pol.SetDescription(sp("two-stage approval"))
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
	as.SetIsApprovalRequiredForAdd(bp(true))
	as.SetIsApprovalRequiredForUpdate(bp(false))
	as.SetIsRequestorJustificationRequired(bp(false))
	var stages []models.AccessPackageApprovalStageable
	for i := 1; i <= 2; i++ {
		st := models.NewAccessPackageApprovalStage()
		st.SetDurationBeforeAutomaticDenial(serialization.NewDuration(0, 0, 14, 0, 0, 0, 0))
		st.SetIsApproverJustificationRequired(bp(false))
		st.SetIsEscalationEnabled(bp(false))
		su := models.NewSingleUser()
		su.SetUserId(sp(sc.userIDs[0]))
		su.SetDescription(sp(fmt.Sprintf("stage %d approver", i)))
		st.SetPrimaryApprovers([]models.SubjectSetable{su})
		stages = append(stages, st)
	}
	as.SetStages(stages)
	pol.SetRequestApprovalSettings(as)

	exp := models.NewExpirationPattern()
	et := models.AFTERDURATION_EXPIRATIONPATTERNTYPE
	exp.SetTypeEscaped(&et)
	exp.SetDuration(serialization.NewDuration(0, 0, 90, 0, 0, 0, 0))
	pol.SetExpiration(exp)

	ap := models.NewAccessPackage()
	ap.SetId(sp(sc.pkgID))
	pol.SetAccessPackage(ap)

	res, err := sc.em.AssignmentPolicies().Post(s.ctx, pol, nil)
	if s.failed("AssignmentPolicies().Post", err) {
		return
	}
	s.audit("assignmentPolicy", res)
	s.present("assignmentPolicy.id", res.GetId())
	if res.GetId() != nil {
		sc.policyID = *res.GetId()
	}
	checkPolicy(s, "assignmentPolicy", res)
}

// checkPolicy checks that a policy read back from the server carries what step h sent.
func checkPolicy(s *step, label string, p models.AccessPackageAssignmentPolicyable) {
	s.logf("%s id=%s allowedTargetScope=%s createdDateTime=%s", label, deref(p.GetId()), deref(p.GetAllowedTargetScope()), deref(p.GetCreatedDateTime()))
	s.present(label+".displayName", p.GetDisplayName())
	s.present(label+".allowedTargetScope", p.GetAllowedTargetScope())
	s.present(label+".createdDateTime", p.GetCreatedDateTime())
	if rs := p.GetRequestorSettings(); rs != nil {
		s.present(label+".requestorSettings.enableTargetsToSelfAddAccess", rs.GetEnableTargetsToSelfAddAccess())
	} else {
		s.failf("%s.requestorSettings is nil", label)
	}
	if e := p.GetExpiration(); e != nil {
		s.logf("  expiration type=%s duration=%s", deref(e.GetTypeEscaped()), deref(e.GetDuration()))
		s.present(label+".expiration.type", e.GetTypeEscaped())
		s.present(label+".expiration.duration", e.GetDuration())
	} else {
		s.failf("%s.expiration is nil", label)
	}
	as := p.GetRequestApprovalSettings()
	if as == nil {
		s.failf("%s.requestApprovalSettings is nil", label)
		return
	}
	s.expect(len(as.GetStages()) == 2, "%s has %d approval stages, want 2", label, len(as.GetStages()))
	for i, st := range as.GetStages() {
		field := fmt.Sprintf("%s.stages[%d]", label, i)
		s.logf("  stage %d durationBeforeAutomaticDenial=%s primaryApprovers=%d", i+1, deref(st.GetDurationBeforeAutomaticDenial()), len(st.GetPrimaryApprovers()))
		if d := st.GetDurationBeforeAutomaticDenial(); d == nil {
			s.failf("%s.durationBeforeAutomaticDenial is nil", field)
		} else {
			s.expect(d.String() == "P2W", "%s.durationBeforeAutomaticDenial = %s, want P2W (14 days)", field, d)
		}
		s.present(field+".primaryApprovers", st.GetPrimaryApprovers())
		for _, a := range st.GetPrimaryApprovers() {
			su, ok := a.(models.SingleUserable)
			if !ok {
				s.failf("%s approver parsed as %T (@odata.type %s), want singleUser", field, a, deref(a.GetOdataType()))
				continue
			}
			s.present(field+".singleUser.userId", su.GetUserId())
		}
	}
}

// i. GET the package with its role scopes (role and scope expanded) and policies.
func (sc *scenario) readPackage(s *step) {
	if s.requires(sc.pkgID != "", "no package from step f") {
		return
	}
	res, err := sc.em.AccessPackages().ByAccessPackageId(sc.pkgID).Get(s.ctx,
		&identitygovernance.EntitlementManagementAccessPackagesAccessPackageItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &identitygovernance.EntitlementManagementAccessPackagesAccessPackageItemRequestBuilderGetQueryParameters{
				Expand: []string{"resourceRoleScopes($expand=role,scope)", "assignmentPolicies"},
			},
		})
	if s.failed("AccessPackages().ByAccessPackageId().Get", err) {
		return
	}
	s.audit("accessPackage", res)
	s.logf("id=%s resourceRoleScopes=%d assignmentPolicies=%d", deref(res.GetId()), len(res.GetResourceRoleScopes()), len(res.GetAssignmentPolicies()))
	s.present("accessPackage.createdDateTime", res.GetCreatedDateTime())
	s.present("accessPackage.resourceRoleScopes", res.GetResourceRoleScopes())
	s.present("accessPackage.assignmentPolicies", res.GetAssignmentPolicies())
	for _, rrs := range res.GetResourceRoleScopes() {
		s.present("resourceRoleScope.createdDateTime", rrs.GetCreatedDateTime())
		if r := rrs.GetRole(); r == nil {
			s.failf("resourceRoleScope.role is nil")
		} else {
			s.logf("  role id=%s originId=%s displayName=%s", deref(r.GetId()), deref(r.GetOriginId()), deref(r.GetDisplayName()))
			s.expect(deref(r.GetOriginId()) == sc.roleOriginID, "role.originId = %s, want %s", deref(r.GetOriginId()), sc.roleOriginID)
		}
		if sco := rrs.GetScope(); sco == nil {
			s.failf("resourceRoleScope.scope is nil")
		} else {
			s.logf("  scope id=%s originId=%s isRootScope=%s", deref(sco.GetId()), deref(sco.GetOriginId()), deref(sco.GetIsRootScope()))
			s.present("scope.originId", sco.GetOriginId())
		}
	}
	for _, p := range res.GetAssignmentPolicies() {
		checkPolicy(s, "assignmentPolicies[]", p)
	}
}

// j. GET accessPackages?$filter=displayName eq '…' finds exactly the new package.
func (sc *scenario) filterPackages(s *step) {
	if s.requires(sc.pkgName != "" && sc.pkgID != "", "no package from step f") {
		return
	}
	f := fmt.Sprintf("displayName eq '%s'", sc.pkgName)
	res, err := sc.em.AccessPackages().Get(s.ctx, &identitygovernance.EntitlementManagementAccessPackagesRequestBuilderGetRequestConfiguration{
		QueryParameters: &identitygovernance.EntitlementManagementAccessPackagesRequestBuilderGetQueryParameters{Filter: &f},
	})
	if s.failed("AccessPackages().Get $filter", err) {
		return
	}
	s.audit("accessPackages", res)
	n := len(res.GetValue())
	s.logf("count=%d", n)
	s.expect(n == 1 && deref(res.GetValue()[0].GetId()) == sc.pkgID, "want exactly the package %s named %q, got %d package(s)", sc.pkgID, sc.pkgName, n)
}

// k. GET catalogs?$top=1 and follow @odata.nextLink to the end: one catalog per page, no
// duplicates, and the new catalog among them.
func (sc *scenario) pageCatalogs(s *step) {
	const maxPages = 200
	res, err := sc.em.Catalogs().Get(s.ctx, &identitygovernance.EntitlementManagementCatalogsRequestBuilderGetRequestConfiguration{
		QueryParameters: &identitygovernance.EntitlementManagementCatalogsRequestBuilderGetQueryParameters{Top: i32(1)},
	})
	pages := 0
	seen := map[string]bool{}
	for err == nil {
		pages++
		s.audit(fmt.Sprintf("catalogs(page %d)", pages), res)
		s.expect(len(res.GetValue()) <= 1, "page %d has %d catalogs despite $top=1", pages, len(res.GetValue()))
		for _, c := range res.GetValue() {
			id := deref(c.GetId())
			s.expect(!seen[id], "catalog %s appears on more than one page", id)
			seen[id] = true
			s.logf("page %d: %s %q", pages, id, deref(c.GetDisplayName()))
		}
		next := res.GetOdataNextLink()
		if next == nil || *next == "" {
			break
		}
		if pages >= maxPages {
			s.failf("still a nextLink after %d pages", pages)
			return
		}
		res, err = sc.em.Catalogs().WithUrl(*next).Get(s.ctx, nil)
	}
	if s.failed(fmt.Sprintf("Catalogs().Get (page %d)", pages+1), err) {
		return
	}
	s.logf("pages=%d catalogs=%d", pages, len(seen))
	s.expect(pages >= 2, "only %d page: no @odata.nextLink was followed", pages)
	if sc.catalogID != "" {
		s.expect(seen[sc.catalogID], "the catalog %s from step c was on no page", sc.catalogID)
	}
}

// l1. GET entitlementManagement/settings.
func (sc *scenario) getSettings(s *step) {
	res, err := sc.em.Settings().Get(s.ctx, nil)
	if s.failed("Settings().Get", err) {
		return
	}
	s.audit("settings", res)
	s.logf("externalUserLifecycleAction=%s durationUntilExternalUserDeletedAfterBlocked=%s", deref(res.GetExternalUserLifecycleAction()), deref(res.GetDurationUntilExternalUserDeletedAfterBlocked()))
	s.present("settings.externalUserLifecycleAction", res.GetExternalUserLifecycleAction())
}

// l2. GET connectedOrganizations.
func (sc *scenario) listConnectedOrgs(s *step) {
	res, err := sc.em.ConnectedOrganizations().Get(s.ctx, nil)
	if s.failed("ConnectedOrganizations().Get", err) {
		return
	}
	s.audit("connectedOrganizations", res)
	for _, o := range res.GetValue() {
		s.logf("id=%s displayName=%s state=%s", deref(o.GetId()), deref(o.GetDisplayName()), deref(o.GetState()))
	}
}

// l3. GET roleManagement/entitlementManagement/roleAssignments.
func (sc *scenario) listRoleAssignments(s *step) {
	res, err := sc.client.RoleManagement().EntitlementManagement().RoleAssignments().Get(s.ctx, nil)
	if s.failed("RoleManagement().EntitlementManagement().RoleAssignments().Get", err) {
		return
	}
	s.audit("roleAssignments", res)
	s.logf("count=%d", len(res.GetValue()))
	s.present("roleAssignments.value", res.GetValue())
}

// l4. PATCH the package's description and read it back.
func (sc *scenario) patchPackage(s *step) {
	if s.requires(sc.pkgID != "", "no package from step f") {
		return
	}
	want := "updated by sdkcheck " + sc.suffix
	p := models.NewAccessPackage()
	p.SetDescription(sp(want))
	res, err := sc.em.AccessPackages().ByAccessPackageId(sc.pkgID).Patch(s.ctx, p, nil)
	if s.failed("AccessPackages().ByAccessPackageId().Patch", err) {
		return
	}
	status, _ := s.rec.last()
	s.logf("PATCH answered %d, body returned: %v", status, res != nil)
	if res != nil {
		s.audit("accessPackage", res)
	}
	got, err := sc.em.AccessPackages().ByAccessPackageId(sc.pkgID).Get(s.ctx, nil)
	if s.failed("AccessPackages().ByAccessPackageId().Get", err) {
		return
	}
	s.expect(deref(got.GetDescription()) == want, "description after PATCH is %q, want %q", deref(got.GetDescription()), want)
}

// l5. DELETE the policy; a GET afterwards must be a 404 ODataError.
func (sc *scenario) deletePolicy(s *step) {
	if s.requires(sc.policyID != "", "no policy from step h") {
		return
	}
	by := sc.em.AssignmentPolicies().ByAccessPackageAssignmentPolicyId(sc.policyID)
	if s.failed("AssignmentPolicies().ByAccessPackageAssignmentPolicyId().Delete", by.Delete(s.ctx, nil)) {
		return
	}
	_, err := by.Get(s.ctx, nil)
	s.expectODataError("GET of the deleted policy", err, 404, "")
}

// l6. DELETE the catalog that still holds the package: must fail with
// CatalogHasAccessPackages.
func (sc *scenario) deleteCatalog(s *step) {
	if s.requires(sc.catalogID != "" && sc.pkgID != "", "no catalog or package from the earlier steps") {
		return
	}
	err := sc.em.Catalogs().ByAccessPackageCatalogId(sc.catalogID).Delete(s.ctx, nil)
	s.expectODataError("DELETE of the catalog holding a package", err, 400, "CatalogHasAccessPackages")
}
