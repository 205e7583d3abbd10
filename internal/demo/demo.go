// Package demo seeds a database with a small organization that exercises every part of
// Bestow: members and guests, every kind of group, applications, a site, a connected
// organization, two catalogs, four access packages and an administrator for every role.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// AdminUPN is the demo Global Administrator.
const AdminUPN = "admin@bestow.example"

// Accounts lists the demo accounts with administrative roles, for the README and tests.
var Accounts = []struct{ UPN, Role, Scope string }{
	{AdminUPN, access.RoleGlobalAdmin, ""},
	{"grace.iga@bestow.example", access.RoleGovernanceAdmin, ""},
	{"uma.useradmin@bestow.example", access.RoleUserAdmin, ""},
	{"carl.creator@bestow.example", access.RoleCatalogCreator, ""},
	{"olga.orgs@bestow.example", access.RoleConnectedOrgAdmin, ""},
	{"maria.owner@bestow.example", access.RoleCatalogOwner, "Marketing"},
	{"rita.reader@bestow.example", access.RoleCatalogReader, "Marketing"},
	{"pete.packages@bestow.example", access.RolePackageManager, "Marketing"},
	{"anna.assign@bestow.example", access.RoleAssignmentManager, "Marketing"},
	{"eric.owner@bestow.example", access.RoleCatalogOwner, "Engineering"},
}

var departments = []string{"Marketing", "Sales", "Engineering", "Finance", "Support"}

var firstNames = []string{"Adele", "Alex", "Ben", "Chloe", "Diego", "Emma", "Farid", "Gina", "Hugo", "Ines",
	"Jonas", "Kira", "Liam", "Mia", "Noah", "Olivia", "Pavel", "Quinn", "Rosa", "Sam", "Tara", "Umar",
	"Vera", "Wen", "Xavier", "Yara", "Zoe", "Bruno", "Carmen", "Dmitri", "Elif", "Femi", "Hana"}

// Seed fills an initialized database that has no users yet and reports whether it did.
func Seed(ctx context.Context, svc *access.Service) (bool, error) {
	who := access.SystemActor
	existing, err := svc.ListUsers(ctx, who, false)
	if err != nil || len(existing) > 0 {
		return false, err
	}
	s := seeder{ctx: ctx, svc: svc, who: who, users: map[string]access.User{}}
	s.run()
	return s.err == nil, s.err
}

type seeder struct {
	ctx   context.Context
	svc   *access.Service
	who   access.Actor
	err   error
	users map[string]access.User // by UPN
}

// do runs fn unless an earlier step failed.
func (s *seeder) do(what string, fn func() error) {
	if s.err != nil {
		return
	}
	if err := fn(); err != nil {
		s.err = fmt.Errorf("%s: %w", what, err)
	}
}

func (s *seeder) user(upn, name, dept, title string, guest bool) access.User {
	u := access.User{DisplayName: name, UserPrincipalName: upn, Mail: upn, Department: dept, JobTitle: title,
		UserType: access.UserTypeMember, AccountEnabled: true, CompanyName: "Bestow Example", UsageLocation: "US"}
	if guest {
		u.UserType, u.CompanyName = access.UserTypeGuest, "Fabrikam"
	}
	s.do("user "+upn, func() error {
		var err error
		u, err = s.svc.CreateUser(s.ctx, s.who, u)
		s.users[upn] = u
		return err
	})
	return u
}

func (s *seeder) run() {
	ctx, svc, who := s.ctx, s.svc, s.who
	admin := s.user(AdminUPN, "Bestow Admin", "IT", "Global Administrator", false)
	for _, a := range Accounts[1:] {
		s.user(a.UPN, nameOf(a.UPN), "IT", roleName(a.Role), false)
	}
	ceo := s.user("ceo@bestow.example", "Casey CEO", "Management", "Chief Executive", false)
	var managers []access.User
	for _, d := range departments {
		managers = append(managers, s.user("lead."+lower(d)+"@bestow.example", d+" Lead", d, "Head of "+d, false))
	}
	for i, n := range firstNames {
		d := departments[i%len(departments)]
		s.user(lower(n)+"@bestow.example", n+" "+d[:1]+".", d, d+" specialist", false)
	}
	blocked := s.user("blocked@bestow.example", "Bob Blocked", "Sales", "Former contractor", false)
	s.do("block", func() error {
		_, err := svc.UpdateUser(ctx, who, blocked.ID, func(u *access.User) error { u.AccountEnabled = false; return nil })
		return err
	})
	guests := []access.User{
		s.user("alice_fabrikam.example#EXT#@bestow.example", "Alice (Fabrikam)", "", "Partner engineer", true),
		s.user("bjorn_fabrikam.example#EXT#@bestow.example", "Björn (Fabrikam)", "", "Partner sales", true),
		s.user("chen_contoso.example#EXT#@bestow.example", "Chen (Contoso)", "", "Consultant", true),
	}
	for i := range guests {
		g := &guests[i]
		s.do("guest mail", func() error {
			_, err := svc.UpdateUser(ctx, who, g.ID, func(u *access.User) error {
				u.Mail = map[int]string{0: "alice@fabrikam.example", 1: "bjorn@fabrikam.example", 2: "chen@contoso.example"}[i]
				return nil
			})
			return err
		})
	}
	// Managers: leads report to the CEO, everyone else to their department's lead.
	s.do("managers", func() error {
		for _, m := range managers {
			if err := svc.SetManager(ctx, who, m.ID, ceo.ID); err != nil {
				return err
			}
		}
		for i, n := range firstNames {
			if err := svc.SetManager(ctx, who, s.users[lower(n)+"@bestow.example"].ID, managers[i%len(managers)].ID); err != nil {
				return err
			}
		}
		for _, g := range guests {
			if err := svc.AddSponsor(ctx, who, g.ID, managers[2].ID); err != nil {
				return err
			}
		}
		return nil
	})

	// Groups of every kind, including the ones RES-2 refuses.
	yes := true
	mkGroup := func(g access.Group) access.Group {
		s.do("group "+g.DisplayName, func() error { var err error; g, err = svc.CreateGroup(ctx, who, g); return err })
		return g
	}
	campaigns := mkGroup(access.Group{DisplayName: "Marketing Campaigns", Description: "Works on campaigns", SecurityEnabled: true, MailNickname: "campaigns"})
	brand := mkGroup(access.Group{DisplayName: "Brand Team", Description: "Microsoft 365 group of the brand team", GroupTypes: []string{"Unified"}, MailEnabled: true, SecurityEnabled: true, MailNickname: "brand", Mail: "brand@bestow.example"})
	repoAdmins := mkGroup(access.Group{DisplayName: "Repository Admins", SecurityEnabled: true, MailNickname: "repoadmins"})
	oncall := mkGroup(access.Group{DisplayName: "On-call Engineers", SecurityEnabled: true, MailNickname: "oncall"})
	dynamicSales := mkGroup(access.Group{DisplayName: "All Sales (dynamic)", SecurityEnabled: true, MailNickname: "allsales",
		GroupTypes: []string{"DynamicMembership"}, MembershipRule: `(user.department -eq "Sales")`})
	mkGroup(access.Group{DisplayName: "HQ Staff (synced from on-premises)", SecurityEnabled: true, MailNickname: "hqstaff", OnPremisesSyncEnabled: &yes})
	mkGroup(access.Group{DisplayName: "All Hands (distribution list)", MailEnabled: true, MailNickname: "allhands", Mail: "allhands@bestow.example"})
	finance := mkGroup(access.Group{DisplayName: "Finance Approvers", SecurityEnabled: true, MailNickname: "finapprovers"})
	auditors := mkGroup(access.Group{DisplayName: "Auditors", SecurityEnabled: true, MailNickname: "auditors"})
	s.do("group members", func() error {
		pairs := []struct {
			g   access.Group
			upn string
			rel access.Relation
		}{
			{campaigns, "adele@bestow.example", access.RelMember}, {campaigns, "maria.owner@bestow.example", access.RelOwner},
			{brand, "maria.owner@bestow.example", access.RelOwner}, {brand, "farid@bestow.example", access.RelMember},
			{repoAdmins, "eric.owner@bestow.example", access.RelOwner}, {oncall, "eric.owner@bestow.example", access.RelOwner},
			{finance, "lead.finance@bestow.example", access.RelMember}, {finance, "jonas@bestow.example", access.RelMember},
			{auditors, "liam@bestow.example", access.RelMember},
		}
		for _, p := range pairs {
			if err := svc.AddRelation(ctx, who, p.g.ID, p.rel, s.users[p.upn].ID); err != nil {
				return err
			}
		}
		return nil
	})

	// Applications with and without app roles, and a platform service (RES-3 refuses it).
	var crm, wiki access.ServicePrincipal
	s.do("apps", func() error {
		var err error
		crm, err = svc.CreateServicePrincipal(ctx, who, access.ServicePrincipal{DisplayName: "Contoso CRM", Description: "Customer relationship management",
			AccountEnabled: true, AppRoles: []access.AppRole{
				{DisplayName: "Sales Rep", Value: "crm.rep", IsEnabled: true, AllowedMemberTypes: []string{"User"}},
				{DisplayName: "Sales Manager", Value: "crm.manager", IsEnabled: true, AllowedMemberTypes: []string{"User"}},
			}})
		if err != nil {
			return err
		}
		wiki, err = svc.CreateServicePrincipal(ctx, who, access.ServicePrincipal{DisplayName: "Team Wiki", Description: "An app without roles", AccountEnabled: true})
		if err != nil {
			return err
		}
		_, err = svc.CreateServicePrincipal(ctx, who, access.ServicePrincipal{DisplayName: "Mail Service", Description: "A platform service: not an application with roles",
			AccountEnabled: true, Tags: []string{access.TagPlatformService}})
		return err
	})
	var site access.Site
	s.do("site", func() error {
		var err error
		site, err = svc.CreateSite(ctx, who, access.Site{DisplayName: "Marketing Hub", WebURL: "https://sites.bestow.example/sites/marketing"})
		return err
	})
	var fabrikam access.ConnectedOrganization
	s.do("connected organization", func() error {
		var err error
		fabrikam, err = svc.CreateConnectedOrganization(ctx, who, access.ConnectedOrganization{DisplayName: "Fabrikam", Description: "Our design partner",
			IdentitySources: []access.IdentitySource{{Type: "#microsoft.graph.domainIdentitySource", DomainName: "fabrikam.example", DisplayName: "Fabrikam"}}})
		if err != nil {
			return err
		}
		if err := svc.ChangeOrgSponsor(ctx, who, fabrikam.ID, false, true, managers[2].ID); err != nil {
			return err
		}
		return svc.ChangeOrgSponsor(ctx, who, fabrikam.ID, true, true, guests[0].ID)
	})

	// Catalogs, resources, packages and policies.
	var mkt, eng access.Catalog
	s.do("catalogs", func() error {
		var err error
		if mkt, err = svc.CreateCatalog(ctx, who, access.Catalog{DisplayName: "Marketing", Description: "Campaign tools and groups", IsExternallyVisible: true}); err != nil {
			return err
		}
		eng, err = svc.CreateCatalog(ctx, who, access.Catalog{DisplayName: "Engineering", Description: "Repositories and on-call", IsExternallyVisible: true})
		return err
	})
	s.do("role assignments", func() error {
		for _, a := range Accounts {
			ra := access.RoleAssignment{PrincipalID: s.users[a.UPN].ID, RoleDefinitionID: a.Role}
			switch a.Scope {
			case "Marketing":
				ra.AppScopeID = access.CatalogScope(mkt.ID)
			case "Engineering":
				ra.AppScopeID = access.CatalogScope(eng.ID)
			}
			if _, err := svc.CreateRoleAssignment(ctx, who, ra); err != nil {
				return err
			}
		}
		return nil
	})
	addRes := func(c access.Catalog, system, id string) {
		s.do("resource "+id, func() error {
			_, _, err := svc.RequestResource(ctx, who, access.ResourceChange{RequestType: access.ResourceAdminAdd, CatalogID: c.ID, OriginSystem: system, OriginID: id})
			return err
		})
	}
	addRes(mkt, access.OriginGroup, campaigns.ID)
	addRes(mkt, access.OriginGroup, brand.ID)
	addRes(mkt, access.OriginApplication, crm.ID)
	addRes(mkt, access.OriginSite, site.ID)
	addRes(mkt, access.OriginGroup, dynamicSales.ID)
	addRes(eng, access.OriginGroup, repoAdmins.ID)
	addRes(eng, access.OriginGroup, oncall.ID)
	addRes(eng, access.OriginApplication, wiki.ID)

	pkg := func(c access.Catalog, name, desc string, hidden bool, roles ...access.RoleRef) access.Package {
		p := access.Package{DisplayName: name, Description: desc, IsHidden: hidden}
		s.do("package "+name, func() error {
			var err error
			if p, err = svc.CreatePackage(ctx, who, p, c.ID); err != nil {
				return err
			}
			for _, r := range roles {
				if _, err := svc.AddRoleScope(ctx, who, p.ID, r); err != nil {
					return err
				}
			}
			return nil
		})
		return p
	}
	member := func(g access.Group) access.RoleRef {
		return access.RoleRef{RoleOriginID: access.GroupRole(g.ID, access.RelMember), OriginSystem: access.OriginGroup}
	}
	appRole := func(sp access.ServicePrincipal, roleID string) access.RoleRef {
		return access.RoleRef{RoleOriginID: roleID, OriginSystem: access.OriginApplication, ResourceOriginID: sp.ID}
	}
	campaignPkg := pkg(mkt, "Campaign Team", "Campaign group, the brand team and the CRM sales rep role", false,
		member(campaigns), member(brand), appRole(crm, crm.AppRoles[0].ID),
		access.RoleRef{RoleOriginID: site.SiteRoles[2].ID, OriginSystem: access.OriginSite, ResourceOriginID: site.ID})
	partnerPkg := pkg(mkt, "Partner Collaboration", "For people at connected organizations", false, member(campaigns))
	engPkg := pkg(eng, "Repository Administration", "Admin rights on the source repositories", false, member(repoAdmins), member(oncall))
	secretPkg := pkg(eng, "Incident Bridge (hidden)", "Hidden: requested through its portal link", true, member(oncall),
		appRole(wiki, access.DefaultAccessRoleID))
	s.do("separation of duties", func() error {
		if err := svc.ChangeIncompatible(ctx, who, engPkg.ID, access.IncompatiblePackage, campaignPkg.ID, true); err != nil {
			return err
		}
		return svc.ChangeIncompatible(ctx, who, campaignPkg.ID, access.IncompatibleGroup, auditors.ID, true)
	})

	days := func(n int) access.Duration { return access.Duration(time.Duration(n) * 24 * time.Hour) }
	d90, d30 := days(90), days(30)
	single := func(id string) access.SubjectSet {
		return access.SubjectSet{Type: "#microsoft.graph.singleUser", UserID: id}
	}
	group := func(g access.Group) access.SubjectSet {
		return access.SubjectSet{Type: "#microsoft.graph.groupMembers", GroupID: g.ID}
	}
	manager := access.SubjectSet{Type: "#microsoft.graph.requestorManager", ManagerLevel: 1}
	selfService := access.RequestorSettings{EnableTargetsToSelfAddAccess: true, EnableTargetsToSelfUpdateAccess: true, EnableTargetsToSelfRemoveAccess: true}
	policies := []struct {
		p   access.Package
		pol access.Policy
	}{
		{campaignPkg, access.Policy{DisplayName: "Marketing staff: manager approval", Description: "Members of Marketing Campaigns request; their manager approves",
			AllowedTargetScope: access.ScopeSpecificDirectoryUsers, SpecificAllowedTargets: []access.SubjectSet{group(campaigns)},
			RequestorSettings: selfService,
			RequestApprovalSettings: access.ApprovalSettings{IsApprovalRequiredForAdd: true, IsApprovalRequiredForUpdate: true, IsRequestorJustificationRequired: true,
				Stages: []access.ApprovalStage{{DurationBeforeAutomaticDenial: days(7), PrimaryApprovers: []access.SubjectSet{manager},
					FallbackPrimaryApprovers: []access.SubjectSet{single(s.users["maria.owner@bestow.example"].ID)}}}},
			Expiration: access.Expiration{Type: access.ExpireAfterDuration, Duration: &d90},
			Questions:  []access.Question{{Type: "#microsoft.graph.accessPackageTextInputQuestion", Text: "Which campaign?", IsRequired: true, RegexPattern: "^[A-Z]{2,5}-[0-9]+$"}}}},
		{campaignPkg, access.Policy{DisplayName: "All employees: two-stage approval", Description: "Any member may request; manager then the catalog owner approve",
			AllowedTargetScope: access.ScopeAllMemberUsers, RequestorSettings: selfService,
			RequestApprovalSettings: access.ApprovalSettings{IsApprovalRequiredForAdd: true, Stages: []access.ApprovalStage{
				{DurationBeforeAutomaticDenial: days(7), PrimaryApprovers: []access.SubjectSet{manager}, FallbackPrimaryApprovers: []access.SubjectSet{single(s.users["maria.owner@bestow.example"].ID)}},
				{DurationBeforeAutomaticDenial: days(7), IsApproverJustificationRequired: true, PrimaryApprovers: []access.SubjectSet{single(s.users["maria.owner@bestow.example"].ID)},
					IsEscalationEnabled: true, DurationBeforeEscalation: days(3), EscalationApprovers: []access.SubjectSet{single(s.users["pete.packages@bestow.example"].ID)}},
			}},
			Expiration: access.Expiration{Type: access.ExpireAfterDuration, Duration: &d30}}},
		{partnerPkg, access.Policy{DisplayName: "Fabrikam partners", Description: "Users of Fabrikam; internal sponsor then the catalog owner approve",
			AllowedTargetScope: access.ScopeSpecificConnectedOrgs, SpecificAllowedTargets: []access.SubjectSet{{Type: "#microsoft.graph.connectedOrganizationMembers", ConnectedOrganizationID: fabrikam.ID}},
			RequestorSettings: selfService,
			RequestApprovalSettings: access.ApprovalSettings{IsApprovalRequiredForAdd: true, IsRequestorJustificationRequired: true, Stages: []access.ApprovalStage{
				{PrimaryApprovers: []access.SubjectSet{{Type: "#microsoft.graph.internalSponsors"}}, FallbackPrimaryApprovers: []access.SubjectSet{single(s.users["maria.owner@bestow.example"].ID)}},
				{PrimaryApprovers: []access.SubjectSet{{Type: "#microsoft.graph.externalSponsors"}}, FallbackPrimaryApprovers: []access.SubjectSet{single(s.users["maria.owner@bestow.example"].ID)}},
			}},
			Expiration: access.Expiration{Type: access.ExpireAfterDuration, Duration: &d90}}},
		{partnerPkg, access.Policy{DisplayName: "Any configured partner organization", AllowedTargetScope: access.ScopeAllConfiguredConnected, RequestorSettings: selfService,
			RequestApprovalSettings: access.ApprovalSettings{IsApprovalRequiredForAdd: true, Stages: []access.ApprovalStage{
				{PrimaryApprovers: []access.SubjectSet{group(finance)}}}},
			Expiration: access.Expiration{Type: access.ExpireAfterDuration, Duration: &d30}}},
		{partnerPkg, access.Policy{DisplayName: "Any external user", AllowedTargetScope: access.ScopeAllExternalUsers, RequestorSettings: selfService,
			RequestApprovalSettings: access.ApprovalSettings{IsApprovalRequiredForAdd: true, Stages: []access.ApprovalStage{
				{PrimaryApprovers: []access.SubjectSet{single(s.users["maria.owner@bestow.example"].ID)}},
				{PrimaryApprovers: []access.SubjectSet{group(finance)}},
				{PrimaryApprovers: []access.SubjectSet{single(admin.ID)}}}},
			Expiration: access.Expiration{Type: access.ExpireAfterDuration, Duration: &d30}}},
		{engPkg, access.Policy{DisplayName: "Engineers and guests, no approval", AllowedTargetScope: access.ScopeAllDirectoryUsers, RequestorSettings: selfService,
			Expiration: access.Expiration{Type: access.ExpireAfterDuration, Duration: &d30}}},
		{engPkg, access.Policy{DisplayName: "Direct assignment only", AllowedTargetScope: access.ScopeNotSpecified,
			Expiration: access.Expiration{Type: access.ExpireNever}}},
		{secretPkg, access.Policy{DisplayName: "On-call rota: sponsor approval", AllowedTargetScope: access.ScopeSpecificDirectoryUsers,
			SpecificAllowedTargets: []access.SubjectSet{single(s.users["liam@bestow.example"].ID), group(oncall)}, RequestorSettings: selfService,
			RequestApprovalSettings: access.ApprovalSettings{IsApprovalRequiredForAdd: true, Stages: []access.ApprovalStage{
				{DurationBeforeAutomaticDenial: access.Duration(8 * time.Hour), PrimaryApprovers: []access.SubjectSet{{Type: "#microsoft.graph.targetUserSponsors"}},
					FallbackPrimaryApprovers: []access.SubjectSet{single(s.users["eric.owner@bestow.example"].ID)}}}},
			Expiration: access.Expiration{Type: access.ExpireAfterDuration, Duration: ptr(access.Duration(12 * time.Hour))}}},
	}
	for _, x := range policies {
		s.do("policy "+x.pol.DisplayName, func() error { _, err := svc.CreatePolicy(ctx, who, x.pol, x.p.ID); return err })
	}

	// Requests: one waiting for a manager's approval, one delivered without approval (the
	// server's worker delivers it), one direct assignment.
	s.do("requests", func() error {
		actor := func(upn string) (access.Actor, error) { return svc.ActorFor(ctx, s.users[upn].ID) }
		adele, err := actor("adele@bestow.example")
		if err != nil {
			return err
		}
		pols, err := svc.ApplicablePolicies(ctx, adele, campaignPkg.ID)
		if err != nil || len(pols) != 1 || len(pols[0].Questions) == 0 {
			return fmt.Errorf("adele's policy for %s: %v %d", campaignPkg.DisplayName, err, len(pols))
		}
		_, err = svc.SubmitRequest(ctx, adele, access.RequestInput{RequestType: access.ReqUserAdd, PackageID: campaignPkg.ID,
			Justification: "I run the spring launch campaign", Answers: []access.Answer{{Type: "#microsoft.graph.accessPackageAnswerString",
				Value: "SPR-2027", AnsweredQuestion: access.QuestionRef{ID: pols[0].Questions[0].ID}}}})
		if err != nil {
			return err
		}
		ben, err := actor("ben@bestow.example")
		if err != nil {
			return err
		}
		if _, err := svc.SubmitRequest(ctx, ben, access.RequestInput{RequestType: access.ReqUserAdd, PackageID: engPkg.ID, Justification: "On the platform team"}); err != nil {
			return err
		}
		direct, err := svc.ListPolicies(ctx, who, engPkg.ID)
		if err != nil {
			return err
		}
		for _, p := range direct {
			if p.AllowedTargetScope == access.ScopeNotSpecified {
				_, err = svc.SubmitRequest(ctx, who, access.RequestInput{RequestType: access.ReqAdminAdd, PackageID: engPkg.ID, PolicyID: p.ID,
					TargetID: s.users["eric.owner@bestow.example"].ID, Justification: "Owner of the repositories"})
			}
		}
		return err
	})
}

func ptr[T any](v T) *T { return &v }
