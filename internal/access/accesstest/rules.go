package accesstest

import (
	"context"
	"sync"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

// runRules checks use cases of the Service whose correctness depends on the store:
// transactions, concurrency and versions.
func runRules(t *testing.T, open Opener) {
	ctx := context.Background()
	t.Run("ADM-5 one Default catalog even when replicas start together", func(t *testing.T) {
		store := open(t)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = access.NewService(store, nil, nil).Init(context.Background())
			}()
		}
		wg.Wait()
		for _, err := range errs {
			must(t, err)
		}
		cats, err := access.NewService(store, nil, nil).ListCatalogs(context.Background(), access.SystemActor)
		must(t, err)
		if len(cats) != 1 || !cats[0].IsDefault() {
			t.Fatalf("catalogs after concurrent Init: %+v", cats)
		}
	})
	t.Run("concurrent updates to different properties are all kept", func(t *testing.T) {
		svc, _ := NewService(t, open)
		who := access.SystemActor
		u, err := svc.CreateUser(ctx, who, access.User{DisplayName: "Ann", UserPrincipalName: "ann@example.com", AccountEnabled: true})
		must(t, err)
		var wg sync.WaitGroup
		fields := []func(*access.User){
			func(u *access.User) { u.Department = "Sales" }, func(u *access.User) { u.JobTitle = "Rep" },
			func(u *access.User) { u.City = "Oslo" }, func(u *access.User) { u.Country = "NO" },
			func(u *access.User) { u.EmployeeID = "42" }, func(u *access.User) { u.MobilePhone = "+47" },
		}
		errs := make([]error, len(fields))
		for i, f := range fields {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = svc.UpdateUser(ctx, who, u.ID, func(u *access.User) error { f(u); return nil })
			}()
		}
		wg.Wait()
		got, err := svc.GetUser(ctx, who, u.ID)
		must(t, err)
		lost := 0
		for _, err := range errs {
			if err != nil && !access.IsKind(err, access.KindConflict) {
				t.Errorf("unexpected error: %v", err)
			} else if err != nil {
				lost++ // a clean 409 is acceptable; a silent loss is not
			}
		}
		set := 0
		for _, v := range []string{got.Department, got.JobTitle, got.City, got.Country, got.EmployeeID, got.MobilePhone} {
			if v != "" {
				set++
			}
		}
		if set+lost != len(fields) {
			t.Fatalf("%d updates succeeded but only %d properties are set: %+v", len(fields)-lost, set, got)
		}
	})
	t.Run("ADM-4 POL-9 catalog owner and policy versions through the service", func(t *testing.T) {
		svc, _ := NewService(t, open)
		sys := access.SystemActor
		u, err := svc.CreateUser(ctx, sys, access.User{DisplayName: "C", UserPrincipalName: "c@example.com", AccountEnabled: true})
		must(t, err)
		_, err = svc.CreateRoleAssignment(ctx, sys, access.RoleAssignment{PrincipalID: u.ID, RoleDefinitionID: access.RoleCatalogCreator})
		must(t, err)
		who, err := svc.ActorFor(ctx, u.ID)
		must(t, err)
		c, err := svc.CreateCatalog(ctx, who, access.Catalog{DisplayName: "Mine"})
		must(t, err)
		who, err = svc.ActorFor(ctx, u.ID)
		must(t, err)
		if !who.Grants.Catalog[c.ID][access.RoleCatalogOwner] {
			t.Fatalf("creator is not the owner: %+v", who.Grants)
		}
		p, err := svc.CreatePackage(ctx, who, access.Package{DisplayName: "P"}, c.ID)
		must(t, err)
		pol, err := svc.CreatePolicy(ctx, who, access.Policy{DisplayName: "v1"}, p.ID)
		must(t, err)
		pol.DisplayName = "v2"
		_, err = svc.ReplacePolicy(ctx, who, pol.ID, pol, "")
		must(t, err)
		v1, err := svc.PolicyAtVersion(ctx, who, pol.ID, 1)
		must(t, err)
		cur, err := svc.GetPolicy(ctx, who, pol.ID)
		must(t, err)
		if v1.DisplayName != "v1" || cur.DisplayName != "v2" || cur.Version != 2 {
			t.Errorf("v1 %q, current %q version %d", v1.DisplayName, cur.DisplayName, cur.Version)
		}
	})
	t.Run("AP-5 catalog delete refused while it holds packages", func(t *testing.T) {
		svc, _ := NewService(t, open)
		sys := access.SystemActor
		c, err := svc.CreateCatalog(ctx, sys, access.Catalog{DisplayName: "Busy"})
		must(t, err)
		_, err = svc.CreatePackage(ctx, sys, access.Package{DisplayName: "Blocker"}, c.ID)
		must(t, err)
		err = svc.DeleteCatalog(ctx, sys, c.ID)
		wantKind(t, err, access.KindFailedPrecondition)
		if _, err := svc.GetCatalog(ctx, sys, c.ID); err != nil {
			t.Fatalf("catalog gone after refused delete: %v", err)
		}
	})
}
