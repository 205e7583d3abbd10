package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bestowhq/bestow/internal/access"
)

// TestConsoleNewPackage walks seed 002's New access package in the browser: Basics with a
// new catalog, a group and an application role from the directory, a two-stage policy
// for users in the directory and a second for a connected organization, Review + create;
// everything is made as one change. A refused part (an approver nobody is named) leaves
// nothing behind and names the part. // AP-1 ADM-4 RES-5 POL-1 POL-2 POL-3
func TestConsoleNewPackage(t *testing.T) {
	cw := newConsoleWorld(t)
	sys := access.SystemActor
	cw.Group("Lab team")
	_, err := cw.Svc.CreateServicePrincipal(cw.Ctx, sys, access.ServicePrincipal{AppID: access.NewUUID(), DisplayName: "Lab notebook",
		ServicePrincipalType: "Application", AccountEnabled: true,
		AppRoles: []access.AppRole{{ID: access.NewUUID(), DisplayName: "Researcher", Value: "researcher", AllowedMemberTypes: []string{"User"}, IsEnabled: true}}})
	cw.Must(err)
	org, err := cw.Svc.CreateConnectedOrganization(cw.Ctx, sys, access.ConnectedOrganization{DisplayName: "Fabrikam",
		IdentitySources: []access.IdentitySource{{Type: "#microsoft.graph.domainIdentitySource", DomainName: "fabrikam.com", DisplayName: "Fabrikam"}}})
	cw.Must(err)
	gia, _ := cw.User("grace.iga")
	_, err = cw.Svc.CreateRoleAssignment(cw.Ctx, sys, access.RoleAssignment{PrincipalID: gia.ID, RoleDefinitionID: access.RoleGovernanceAdmin})
	cw.Must(err)
	lead, _ := cw.User("lead")
	ctx := browser(t)
	shots := screenshots(t)
	click := func(label string) chromedp.Action[chromedp.Void] {
		return load(chromedp.Click(chromedp.Search(`//button[normalize-space()="` + label + `"]`)))
	}

	run(t, ctx, cw.signIn(gia.UserPrincipalName, "/admin/access-packages"),
		load(chromedp.Click(chromedp.Search(`//a[text()="New access package"]`))),
		chromedp.SetValue(chromedp.CSS(`#displayName`), "Lab access"), chromedp.SetValue(chromedp.CSS(`#description`), "Lab team and the notebook"),
		chromedp.SetValue(chromedp.CSS(`#catalog`), "new"), chromedp.SetValue(chromedp.CSS(`#newCatalog`), "Research"))
	shots.take(ctx, "console-new-basics")
	run(t, ctx, click("Next"), chromedp.SetValue(chromedp.CSS(`#search`), "Lab"), click("Search"))
	wantText(t, ctx, "Add Lab team — Member", "Add Lab notebook — Researcher")
	run(t, ctx, click("Add Lab team — Member"), click("Add Lab notebook — Researcher"))
	wantText(t, ctx, "added to the catalog", "Researcher")
	shots.take(ctx, "console-new-roles")

	// Policies: two stages for the directory's members, and one for Fabrikam's users.
	run(t, ctx, click("Next"), click("Add policy"),
		chromedp.SetValue(chromedp.CSS(`#p0-name`), "Employees"),
		chromedp.SetValue(chromedp.CSS(`#p0-stage0`), lead.UserPrincipalName),
		chromedp.SetValue(chromedp.CSS(`#p0-stage1`), cw.owner.UserPrincipalName),
		chromedp.Click(chromedp.CSS(`input[name="p0.justification"]`)),
		click("Add another policy"),
		chromedp.SetValue(chromedp.CSS(`#p1-name`), "Fabrikam researchers"),
		chromedp.Click(chromedp.CSS(`input[name="p1.who"][value=orgs]`)),
		chromedp.Click(chromedp.CSS(`input[name="p1.orgs"][value="`+org.ID+`"]`)),
		chromedp.SetValue(chromedp.CSS(`#p1-stage0`), "nobody@example.com"))
	shots.take(ctx, "console-new-policies")
	run(t, ctx, click("Next"))
	wantText(t, ctx, "Review + create", "Lab access", "Research (new)", "Member of Lab team (added to the catalog)", "Employees (members, approval)")
	shots.take(ctx, "console-new-review")

	// The second policy names an approver nobody is: refused, and nothing was made.
	run(t, ctx, click("Create"))
	wantText(t, ctx, "policy 2 ('Fabrikam researchers')", "no user is named 'nobody@example.com'", "Nothing was created.")
	if pkgs, _ := cw.Svc.ListPackages(cw.Ctx, sys, ""); slicesHas(pkgs, "Lab access") {
		t.Fatal("a refused wizard left its package behind")
	}
	if cats, _ := cw.Svc.ListCatalogs(cw.Ctx, sys); catalogNamed(cats, "Research") {
		t.Fatal("a refused wizard left its catalog behind")
	}

	run(t, ctx, click("Previous"))
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#p1-stage0`), cw.owner.UserPrincipalName), click("Next"), click("Create"))
	wantText(t, ctx, "Access package 'Lab access' was created.")
	pkgs, err := cw.Svc.ListPackages(cw.Ctx, sys, "")
	cw.Must(err)
	var made access.Package
	for _, p := range pkgs {
		if p.DisplayName == "Lab access" {
			made = p
		}
	}
	scopes, err := cw.Svc.RoleScopes(cw.Ctx, sys, made.ID)
	cw.Must(err)
	pols, err := cw.Svc.ListPolicies(cw.Ctx, sys, made.ID)
	cw.Must(err)
	if len(scopes) != 2 || len(pols) != 2 {
		t.Fatalf("the package has %d roles and %d policies, want 2 and 2", len(scopes), len(pols))
	}
	for _, pol := range pols {
		switch pol.DisplayName {
		case "Employees":
			if pol.AllowedTargetScope != access.ScopeAllMemberUsers || len(pol.RequestApprovalSettings.Stages) != 2 || !pol.RequestApprovalSettings.IsRequestorJustificationRequired {
				t.Errorf("policy Employees: %+v", pol)
			}
		case "Fabrikam researchers":
			if pol.AllowedTargetScope != access.ScopeSpecificConnectedOrgs || len(pol.SpecificAllowedTargets) != 1 || pol.SpecificAllowedTargets[0].ConnectedOrganizationID != org.ID {
				t.Errorf("policy Fabrikam researchers: %+v", pol)
			}
		default:
			t.Errorf("unexpected policy %s", pol.DisplayName)
		}
	}
	cat, err := cw.Svc.PackageCatalog(cw.Ctx, sys, made.ID)
	cw.Must(err)
	if cat.DisplayName != "Research" {
		t.Errorf("the package is in catalog %s, want the new Research", cat.DisplayName)
	}
}

func slicesHas(pkgs []access.Package, name string) bool {
	for _, p := range pkgs {
		if strings.EqualFold(p.DisplayName, name) {
			return true
		}
	}
	return false
}

func catalogNamed(cats []access.Catalog, name string) bool {
	for _, c := range cats {
		if c.DisplayName == name {
			return true
		}
	}
	return false
}
