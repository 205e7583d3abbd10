package demo_test

import (
	"context"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/demo"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
)

// TestSeed checks that the demo holds what the README promises.
func TestSeed(t *testing.T) {
	ctx := context.Background()
	svc := sqlitetest.Service(t)
	if ok, err := demo.Seed(ctx, svc); !ok || err != nil {
		t.Fatalf("Seed: %v %v", ok, err)
	}
	if ok, err := demo.Seed(ctx, svc); ok || err != nil {
		t.Fatalf("second Seed should do nothing: %v %v", ok, err)
	}
	sys := access.SystemActor
	users, _ := svc.ListUsers(ctx, sys, false)
	var guests, blocked, managed int
	for _, u := range users {
		if u.IsGuest() {
			guests++
		}
		if !u.AccountEnabled {
			blocked++
		}
		if u.ManagerID != "" {
			managed++
		}
	}
	if len(users) < 45 || guests < 2 || blocked != 1 || managed < 30 {
		t.Errorf("users %d, guests %d, blocked %d, with manager %d", len(users), guests, blocked, managed)
	}
	for _, a := range demo.Accounts {
		u, err := svc.GetUser(ctx, sys, a.UPN)
		if err != nil {
			t.Errorf("%s: %v", a.UPN, err)
			continue
		}
		who, _ := svc.ActorFor(ctx, u.ID)
		held := who.Grants.Tenant[a.Role]
		for _, roles := range who.Grants.Catalog {
			held = held || roles[a.Role]
		}
		if !held {
			t.Errorf("%s does not hold role %s", a.UPN, a.Role)
		}
	}
	groups, _ := svc.ListGroups(ctx, sys, false)
	var synced, dynamic, distribution, unified bool
	for _, g := range groups {
		synced = synced || g.IsSynced()
		dynamic = dynamic || g.IsDynamic()
		distribution = distribution || g.IsDistribution()
		unified = unified || g.IsUnified()
	}
	if !synced || !dynamic || !distribution || !unified {
		t.Errorf("group kinds: synced %v dynamic %v distribution %v unified %v", synced, dynamic, distribution, unified)
	}
	pkgs, _ := svc.ListPackages(ctx, sys, "")
	hidden := 0
	for _, p := range pkgs {
		if p.IsHidden {
			hidden++
		}
	}
	if len(pkgs) != 4 || hidden != 1 {
		t.Errorf("%d packages, %d hidden", len(pkgs), hidden)
	}
	pols, _ := svc.ListPolicies(ctx, sys, "")
	scopes, stages := map[string]bool{}, map[int]bool{}
	for _, p := range pols {
		scopes[p.AllowedTargetScope] = true
		stages[len(p.RequestApprovalSettings.Stages)] = true
	}
	if len(scopes) != 7 || len(stages) != 4 {
		t.Errorf("policies cover scopes %v and stage counts %v; want all 7 scopes and 0-3 stages", scopes, stages)
	}
	cats, _ := svc.ListCatalogs(ctx, sys)
	if len(cats) != 3 {
		t.Errorf("%d catalogs, want General + 2", len(cats))
	}
}

// TestSeedRequests checks the demo's requests: one waiting for the requestor's manager,
// one auto-approved, one direct assignment.
func TestSeedRequests(t *testing.T) {
	ctx := context.Background()
	svc := sqlitetest.Service(t)
	if _, err := demo.Seed(ctx, svc); err != nil {
		t.Fatal(err)
	}
	reqs, err := svc.ListRequests(ctx, access.SystemActor, "")
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, r := range reqs {
		states[r.RequestType+"/"+r.State]++
	}
	if states["userAdd/pendingApproval"] != 1 || states["userAdd/delivering"] != 1 || states["adminAdd/delivering"] != 1 {
		t.Fatalf("demo requests: %v", states)
	}
	lead, err := svc.GetUser(ctx, access.SystemActor, "lead.marketing@bestow.example")
	if err != nil {
		t.Fatal(err)
	}
	who, _ := svc.ActorFor(ctx, lead.ID)
	if list, err := svc.MyApprovals(ctx, who); err != nil || len(list) != 1 {
		t.Fatalf("the Marketing lead's approvals: %d %v", len(list), err)
	}
}
