package access

import (
	"context"
	"testing"
)

// nullStore runs transactions over no data: enough to watch the gate decide.
type nullStore struct{ writes int }

func (n *nullStore) Read(ctx context.Context, fn func(Tx) error) error  { return fn(nil) }
func (n *nullStore) Write(ctx context.Context, fn func(Tx) error) error { n.writes++; return fn(nil) }
func (n *nullStore) Close() error                                       { return nil }

// TestGateRefusesUndecided: a transaction that ends without an authorization decision
// fails with an Internal error, whatever it did; one that decided keeps its result. SEC-3
func TestGateRefusesUndecided(t *testing.T) {
	s := NewService(&nullStore{}, nil, nil)
	who := Actor{UserID: "u1"}
	ctx := context.Background()
	cases := []struct {
		name    string
		fn      func(*op) error
		wantErr bool
	}{
		{"no decision", func(*op) error { return nil }, true},
		{"allowed", func(o *op) error { o.allow("test"); return nil }, false},
		{"self", func(o *op) error { o.self("u1"); return nil }, false},
		{"denied", func(o *op) error { return o.authorize(ActManageDirectory, Target{}) }, true},
		{"anywhere without a role is a denial", func(o *op) error { return o.authorizeAnywhere(ActManagePolicy) }, true},
	}
	for _, c := range cases {
		for _, run := range []func(context.Context, Actor, func(*op) error) error{s.read, s.write} {
			err := run(ctx, who, c.fn)
			if (err != nil) != c.wantErr {
				t.Errorf("%s: err = %v, want error %v", c.name, err, c.wantErr)
			}
		}
	}
	if err := s.read(ctx, who, func(*op) error { return nil }); !IsKind(err, KindInternal) {
		t.Errorf("undecided: %v, want an Internal error", err)
	}
	if err := s.read(ctx, who, func(o *op) error { return o.authorize(ActManageDirectory, Target{}) }); !IsKind(err, KindForbidden) {
		t.Errorf("denied: %v, want Forbidden", err)
	}
}

// TestGrantCatalogRole: a role the transaction assigns counts for the rest of it (a
// Catalog creator who just created a catalog may create packages in it, ADM-3 ADM-4),
// and the caller's Actor, whose grant maps the op shares, is left as it was.
func TestGrantCatalogRole(t *testing.T) {
	who := Actor{UserID: "u1", Grants: NewGrants([]RoleAssignment{{RoleDefinitionID: RoleCatalogCreator, AppScopeID: "/"},
		{RoleDefinitionID: RoleCatalogReader, AppScopeID: CatalogScope("c0")}})}
	o := &op{who: who}
	in := Target{CatalogID: "c1", CatalogName: "New"}
	if o.can(ActCreatePackage, in) {
		t.Fatal("a Catalog creator may create packages in a catalog before owning it")
	}
	o.grantCatalogRole("c1", RoleCatalogOwner)
	o.grantCatalogRole("c0", RoleCatalogOwner)
	if !o.can(ActCreatePackage, in) || !o.can(ActManageCatalog, Target{CatalogID: "c0"}) || !o.who.Grants.Catalog["c0"][RoleCatalogReader] {
		t.Errorf("after the grants: %+v", o.who.Grants)
	}
	if len(who.Grants.Catalog) != 1 || len(who.Grants.Catalog["c0"]) != 1 {
		t.Errorf("the caller's Actor changed: %+v", who.Grants)
	}
}
