package accesstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

// runCompose covers CreateAccessPackage, the "New access package" steps of seed 002 as one
// change: the catalog (new or existing), the package, resources added on the way, the
// resource roles and the policies, all kept or none.
func runCompose(t *testing.T, open Opener) {
	t.Run("AP-1 ADM-4 RES-1 RES-5 POL-1 new catalog, group, application and connector roles, two policies in one call", func(t *testing.T) {
		c := newComposeWorld(t, open)
		w := c.World
		_, who := c.role("uma", access.RoleUserAdmin)
		before := fmt.Sprint(who.Grants)
		got, err := w.Svc.CreateAccessPackage(w.Ctx, who, c.input())
		w.Must(err)
		if !got.CatalogCreated || got.Catalog.DisplayName != "Partners" || !got.Catalog.IsExternallyVisible || got.Package.CatalogID != got.Catalog.ID ||
			got.Package.DisplayName != "Partner CRM" || !got.Package.IsHidden {
			t.Fatalf("catalog %+v, package %+v", got.Catalog, got.Package)
		}
		if len(got.Resources) != 3 || len(got.RoleScopes) != 3 || len(got.Policies) != 2 {
			t.Fatalf("%d resources, %d resource roles, %d policies", len(got.Resources), len(got.RoleScopes), len(got.Policies))
		}
		if fmt.Sprint(who.Grants) != before {
			t.Errorf("the caller's Actor was changed: %v, was %v", who.Grants, before)
		}
		who = w.Actor(who.UserID)
		if !who.Grants.Catalog[got.Catalog.ID][access.RoleCatalogOwner] {
			t.Errorf("ADM-4: the creator does not own the new catalog: %+v", who.Grants)
		}
		res, err := w.Svc.ListResources(w.Ctx, who, got.Catalog.ID)
		w.Must(err)
		var names []string
		for _, r := range res {
			names = append(names, r.OriginSystem+":"+r.DisplayName)
		}
		if len(res) != 3 || !strings.Contains(fmt.Sprint(names), "AadGroup:Sales team") || !strings.Contains(fmt.Sprint(names), "AadApplication:CRM") ||
			!strings.Contains(fmt.Sprint(names), "corp-ldap:Ops") {
			t.Errorf("catalog resources: %v", names)
		}
		rss, err := w.Svc.RoleScopes(w.Ctx, who, got.Package.ID)
		w.Must(err)
		roles := map[string]bool{}
		for _, rs := range rss {
			roles[rs.Role.DisplayName] = true
		}
		if len(rss) != 3 || !roles["Member"] || !roles["Sales rep"] {
			t.Errorf("resource roles: %+v", rss)
		}
		pols, err := w.Svc.ListPolicies(w.Ctx, who, got.Package.ID)
		w.Must(err)
		scopes := map[string]string{}
		for _, p := range pols {
			scopes[p.DisplayName] = p.AllowedTargetScope
		}
		if len(pols) != 2 || scopes["Employees"] != access.ScopeAllMemberUsers || scopes["Partners"] != access.ScopeSpecificConnectedOrgs {
			t.Errorf("policies: %v", scopes)
		}
		reqs, err := w.Svc.ListResourceRequests(w.Ctx, who)
		w.Must(err)
		if n := countIf(reqs, func(r access.ResourceRequest) bool {
			return r.CatalogID == got.Catalog.ID && r.RequestType == access.ResourceAdminAdd
		}); n != 3 {
			t.Errorf("%d adminAdd resource requests recorded for the new catalog, want 3", n)
		}
	})

	t.Run("AP-1 RES-2 RES-3 RES-4 RES-5 POL-1 a failing part leaves nothing behind and is named with its error's kind and code", func(t *testing.T) {
		c := newComposeWorld(t, open)
		w := c.World
		_, who := c.role("uma", access.RoleUserAdmin)
		for _, tc := range []struct {
			name       string
			change     func(*access.NewAccessPackage)
			part, code string
			kind       access.Kind
		}{
			{"the last policy names a connected organization that does not exist", func(in *access.NewAccessPackage) {
				in.Policies[1].SpecificAllowedTargets[0].ConnectedOrganizationID = "00000000-0000-4000-8000-00000000dead"
			}, "policy 2 ('Partners'): ", "ReferenceNotFound", access.KindInvalid},
			{"a role the resource does not have", func(in *access.NewAccessPackage) {
				in.RoleScopes[0].RoleOriginID = "Guest_" + c.group.ID
			}, "resource role 'Guest_" + c.group.ID + "' of 'Sales team': ", "BadRequest", access.KindInvalid},
			{"a role of a resource the catalog lacks", func(in *access.NewAccessPackage) {
				in.Resources = in.Resources[1:]
			}, "resource role 1 ('Member_" + c.group.ID + "'): ", "ResourceNotInCatalog", access.KindInvalid},
			{"a mail distribution group (RES-2)", func(in *access.NewAccessPackage) {
				in.Resources = append(in.Resources, access.ResourceChange{OriginSystem: access.OriginGroup, OriginID: c.mailGroup.ID})
			}, "resource 4 (AadGroup '" + c.mailGroup.ID + "'): ", "ResourceNotModifiable", access.KindInvalid},
			{"a platform service (RES-3)", func(in *access.NewAccessPackage) {
				in.Resources = append(in.Resources, access.ResourceChange{OriginSystem: access.OriginApplication, OriginID: c.service.ID})
			}, "resource 4 (AadApplication '" + c.service.ID + "'): ", "ResourceHasNoRoles", access.KindInvalid},
			{"a library inside a site (RES-4)", func(in *access.NewAccessPackage) {
				in.Resources = append(in.Resources, access.ResourceChange{OriginSystem: access.OriginSite, OriginID: c.site.WebURL + "/Shared Documents"})
			}, "resource 4 (SharePointOnline '" + c.site.WebURL + "/Shared Documents'): ", "ResourceNotSupported", access.KindInvalid},
			{"a package without a name", func(in *access.NewAccessPackage) { in.Package.DisplayName = "" }, "access package: displayName is required", "BadRequest", access.KindInvalid},
			{"a new catalog of the Default catalog's type", func(in *access.NewAccessPackage) {
				in.NewCatalog.CatalogType = access.CatalogServiceDefault
			}, "new catalog 'Partners': ", "BadRequest", access.KindInvalid},
			{"an existing catalog and a new one", func(in *access.NewAccessPackage) { in.CatalogID = w.Catalog().ID }, "catalog: give either", "BadRequest", access.KindInvalid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := c.input()
				tc.change(&in)
				before := c.snapshot()
				_, err := w.Svc.CreateAccessPackage(w.Ctx, who, in)
				wantPart(t, err, tc.kind, tc.code, tc.part)
				if after := c.snapshot(); after != before {
					t.Errorf("the failed call left something behind:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
	})

	t.Run("ADM-3 ADM-4 RES-5 a Catalog creator who owns no catalog creates catalog and package in one call", func(t *testing.T) {
		c := newComposeWorld(t, open)
		w := c.World
		u, who := c.role("cara", access.RoleCatalogCreator)
		w.Must(w.Svc.AddRelation(w.Ctx, access.SystemActor, c.group.ID, access.RelOwner, u.ID)) // RES-5: she may add the group she owns
		in := access.NewAccessPackage{Package: access.Package{DisplayName: "Cara's team"},
			Resources:  []access.ResourceChange{{OriginSystem: access.OriginGroup, OriginID: c.group.ID}},
			RoleScopes: []access.RoleRef{{OriginSystem: access.OriginGroup, ResourceOriginID: c.group.ID, RoleOriginID: access.GroupRole(c.group.ID, access.RelMember)}},
			Policies:   c.input().Policies[:1]}
		before := c.snapshot()
		_, err := w.Svc.CreateAccessPackage(w.Ctx, who, in) // the Default catalog: not hers (ADM-3, ADM-5)
		wantPart(t, err, access.KindForbidden, "Authorization_RequestDenied", "access package 'Cara's team': ")
		if !strings.Contains(err.Error(), "Create a catalog first") {
			t.Errorf("ADM-3: %v", err)
		}
		if after := c.snapshot(); after != before {
			t.Errorf("the refused call left something behind:\nbefore %s\nafter  %s", before, after)
		}
		in.NewCatalog = &access.Catalog{DisplayName: "Cara's catalog"}
		got, err := w.Svc.CreateAccessPackage(w.Ctx, who, in)
		w.Must(err)
		if len(who.Grants.Catalog) != 0 {
			t.Errorf("the caller's Actor was changed: %+v", who.Grants)
		}
		who = w.Actor(u.ID)
		if !who.Grants.Catalog[got.Catalog.ID][access.RoleCatalogOwner] {
			t.Fatalf("ADM-4: the creator does not own the new catalog: %+v", who.Grants)
		}
		if p, err := w.Svc.GetPackage(w.Ctx, who, got.Package.ID); err != nil || p.CatalogID != got.Catalog.ID || len(got.RoleScopes) != 1 || len(got.Policies) != 1 {
			t.Errorf("package %+v (%v), %d roles, %d policies", p, err, len(got.RoleScopes), len(got.Policies))
		}
	})

	t.Run("RES-5 a catalog owner adding a group they do not own is refused and nothing is left", func(t *testing.T) {
		c := newComposeWorld(t, open)
		w := c.World
		owner, _ := c.role("olga", access.RoleCatalogCreator)
		_, err := w.Svc.CreateRoleAssignment(w.Ctx, access.SystemActor, access.RoleAssignment{PrincipalID: owner.ID,
			RoleDefinitionID: access.RoleCatalogOwner, AppScopeID: access.CatalogScope(w.Catalog().ID)})
		w.Must(err)
		who := w.Actor(owner.ID)
		for name, change := range map[string]func(*access.NewAccessPackage){
			"in the catalog she owns":  func(in *access.NewAccessPackage) { in.CatalogID, in.NewCatalog = w.Catalog().ID, nil },
			"in a catalog she creates": func(in *access.NewAccessPackage) { in.NewCatalog = &access.Catalog{DisplayName: "Olga's"} },
		} {
			t.Run(name, func(t *testing.T) {
				in := access.NewAccessPackage{Package: access.Package{DisplayName: "Sales"},
					Resources:  []access.ResourceChange{{OriginSystem: access.OriginGroup, OriginID: c.group.ID}},
					RoleScopes: []access.RoleRef{{OriginSystem: access.OriginGroup, ResourceOriginID: c.group.ID, RoleOriginID: access.GroupRole(c.group.ID, access.RelMember)}}}
				change(&in)
				before := c.snapshot()
				_, err := w.Svc.CreateAccessPackage(w.Ctx, who, in)
				wantPart(t, err, access.KindForbidden, "Authorization_RequestDenied", "resource 1 (AadGroup '"+c.group.ID+"'): ")
				if !strings.Contains(err.Error(), "a catalog owner may add only groups they own") {
					t.Errorf("RES-5: %v", err)
				}
				if after := c.snapshot(); after != before {
					t.Errorf("the refused call left something behind:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
	})
}

// composeWorld is a World with what the wizard picks from: a group with a member, an
// application with a role, a site, a connected organization, a connector whose target (a
// fake) has one group, and a mail distribution group and a platform service.
type composeWorld struct {
	*World
	group access.Group
	app   access.ServicePrincipal
	// mailGroup and service are what no catalog takes (RES-2, RES-3).
	mailGroup access.Group
	service   access.ServicePrincipal
	site      access.Site
	org       access.ConnectedOrganization
}

func newComposeWorld(t *testing.T, open Opener) *composeWorld {
	w := NewWorld(t, open)
	w.Svc.SetTargets(fakeTargets{})
	c := &composeWorld{World: w, group: w.Group("Sales team"), site: w.Site("Partners")}
	member, _ := w.User("mel")
	w.Must(w.Svc.AddRelation(w.Ctx, access.SystemActor, c.group.ID, access.RelMember, member.ID)) // a pre-existing member (RES-7)
	var err error
	c.app, err = w.Svc.CreateServicePrincipal(w.Ctx, access.SystemActor, access.ServicePrincipal{AppID: access.NewUUID(), DisplayName: "CRM",
		ServicePrincipalType: "Application", AccountEnabled: true,
		AppRoles: []access.AppRole{{ID: access.NewUUID(), DisplayName: "Sales rep", Value: "rep", AllowedMemberTypes: []string{"User"}, IsEnabled: true}}})
	w.Must(err)
	c.mailGroup, err = w.Svc.CreateGroup(w.Ctx, access.SystemActor, access.Group{DisplayName: "Newsletter", MailEnabled: true, MailNickname: "news"})
	w.Must(err)
	c.service, err = w.Svc.CreateServicePrincipal(w.Ctx, access.SystemActor, access.ServicePrincipal{AppID: access.NewUUID(), DisplayName: "File storage",
		ServicePrincipalType: "Application", AccountEnabled: true, Tags: []string{access.TagPlatformService}})
	w.Must(err)
	c.org, err = w.Svc.CreateConnectedOrganization(w.Ctx, access.SystemActor, access.ConnectedOrganization{DisplayName: "Fabrikam",
		IdentitySources: []access.IdentitySource{{Type: "#microsoft.graph.domainIdentitySource", DomainName: "fabrikam.com", DisplayName: "Fabrikam"}}})
	w.Must(err)
	_, err = w.Svc.CreateConnector(w.Ctx, access.SystemActor, access.ConnectorConfig{ID: "corp-ldap", Type: access.ConnectorLDAP, DisplayName: "Corporate LDAP"})
	w.Must(err)
	return c
}

// Catalog returns the world's catalog.
func (w *World) Catalog() access.Catalog { return w.cat }

// role creates a user holding a tenant role and returns it with its actor.
func (c *composeWorld) role(name, role string) (access.User, access.Actor) {
	u, _ := c.User(name)
	_, err := c.Svc.CreateRoleAssignment(c.Ctx, access.SystemActor, access.RoleAssignment{PrincipalID: u.ID, RoleDefinitionID: role})
	c.Must(err)
	return u, c.Actor(u.ID)
}

// input is a whole wizard: a new catalog, the group, the application and the connector's
// group added to it with a role each, a policy for members and one for Fabrikam.
func (c *composeWorld) input() access.NewAccessPackage {
	g, sp := c.group, c.app
	return access.NewAccessPackage{
		NewCatalog: &access.Catalog{DisplayName: "Partners", Description: "Work with partners", IsExternallyVisible: true},
		Package:    access.Package{DisplayName: "Partner CRM", Description: "The CRM and the sales team", IsHidden: true},
		Resources: []access.ResourceChange{{OriginSystem: access.OriginGroup, OriginID: g.ID}, {OriginSystem: access.OriginApplication, OriginID: sp.ID},
			{OriginSystem: "corp-ldap", OriginID: "cn=ops,dc=corp"}},
		RoleScopes: []access.RoleRef{
			{OriginSystem: access.OriginGroup, ResourceOriginID: g.ID, RoleOriginID: access.GroupRole(g.ID, access.RelMember)},
			{OriginSystem: access.OriginApplication, ResourceOriginID: sp.ID, RoleOriginID: sp.AppRoles[0].ID},
			{OriginSystem: "corp-ldap", ResourceOriginID: "cn=ops,dc=corp", RoleOriginID: "member"}},
		Policies: []access.Policy{
			{DisplayName: "Employees", AllowedTargetScope: access.ScopeAllMemberUsers,
				RequestorSettings: access.RequestorSettings{EnableTargetsToSelfAddAccess: true}, Expiration: access.Expiration{Type: access.ExpireNever}},
			{DisplayName: "Partners", AllowedTargetScope: access.ScopeSpecificConnectedOrgs,
				SpecificAllowedTargets: []access.SubjectSet{{Type: "#microsoft.graph.connectedOrganizationMembers", ConnectedOrganizationID: c.org.ID}},
				RequestorSettings:      access.RequestorSettings{EnableTargetsToSelfAddAccess: true}, Expiration: access.Expiration{Type: access.ExpireNever}}},
	}
}

// snapshot counts, in the store, everything a CreateAccessPackage writes.
func (c *composeWorld) snapshot() string {
	var out []string
	c.Must(c.Svc.Store().Read(c.Ctx, func(tx access.Tx) error {
		for name, count := range map[string]func() (int, error){
			"catalogs":         func() (int, error) { return tx.Catalogs().Count(c.Ctx) },
			"packages":         func() (int, error) { return tx.Packages().Count(c.Ctx) },
			"resources":        func() (int, error) { return tx.Resources().Count(c.Ctx) },
			"resourceRequests": func() (int, error) { return tx.ResourceRequests().Count(c.Ctx) },
			"roleScopes":       func() (int, error) { return tx.RoleScopes().Count(c.Ctx) },
			"policies":         func() (int, error) { return tx.Policies().Count(c.Ctx) },
			"roleAssignments":  func() (int, error) { return tx.RoleAssignments().Count(c.Ctx) },
			"ledger":           func() (int, error) { return tx.Ledger().Count(c.Ctx) },
		} {
			n, err := count()
			if err != nil {
				return err
			}
			out = append(out, fmt.Sprintf("%s=%d", name, n))
		}
		return nil
	}))
	slices.Sort(out)
	return strings.Join(out, " ")
}

// wantPart checks that err names the failing part first and keeps the part's kind and code.
func wantPart(t *testing.T, err error, kind access.Kind, code, part string) {
	t.Helper()
	var e *access.Error
	if err == nil || !errors.As(err, &e) {
		t.Fatalf("got %v, want an *access.Error naming %q", err, part)
	}
	if e.Kind != kind || e.Code != code || !access.IsKind(err, kind) || !strings.HasPrefix(err.Error(), part) {
		t.Fatalf("got %q (kind %v, code %s), want it to start with %q with kind %v and code %s", err, e.Kind, e.Code, part, kind, code)
	}
}

func countIf[T any](list []T, ok func(T) bool) int {
	n := 0
	for _, v := range list {
		if ok(v) {
			n++
		}
	}
	return n
}

// fakeTargets is a connector target with one group per origin id, each with a Member role.
type fakeTargets struct{}

func (fakeTargets) Check(access.ConnectorConfig) error                 { return nil }
func (fakeTargets) Test(context.Context, access.ConnectorConfig) error { return nil }
func (fakeTargets) Groups(context.Context, access.ConnectorConfig, string) ([]access.TargetResource, error) {
	return nil, nil
}
func (fakeTargets) Resolve(_ context.Context, _ access.ConnectorConfig, id string) (access.TargetResource, error) {
	return access.TargetResource{OriginID: id, DisplayName: "Ops", Roles: []access.TargetRole{{OriginID: "member", DisplayName: "Member"}}}, nil
}
func (fakeTargets) Members(context.Context, access.ConnectorConfig, string, string) ([]access.SubjectRef, error) {
	return nil, nil
}
