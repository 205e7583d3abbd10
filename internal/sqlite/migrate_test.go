package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/sqlite"
)

// TestIndexBackfill opens a database whose policies and requests were saved before their
// index tables existed: migrations 7 and 8 index them, so the policies are offered and the
// approvals found as before.
func TestIndexBackfill(t *testing.T) { // POL-1 POL-11
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bestow.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	pol := access.Policy{ID: "pol", PackageID: "p", CatalogID: "c", AllowedTargetScope: access.ScopeAllMemberUsers,
		RequestorSettings: access.RequestorSettings{EnableTargetsToSelfAddAccess: true}}
	req := access.Request{ID: "r", PackageID: "p", TargetID: "ann", RequestorID: "ann", State: access.StatePendingApproval,
		Stages: []access.Stage{{ID: "s", Status: access.StageInProgress, Approvers: []string{"bob"}}}}
	err = s.Write(ctx, func(tx access.Tx) error {
		for _, err := range []error{tx.Catalogs().Put(ctx, &access.Catalog{ID: "c"}),
			tx.Packages().Put(ctx, &access.Package{ID: "p", CatalogID: "c"}), tx.Policies().Put(ctx, &pol),
			tx.Requests().Put(ctx, &req)} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Back to the schema before migrations 7 and 8.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`DROP TABLE policy_audiences`, `DROP TABLE request_approvers`,
		`DELETE FROM schema_migrations WHERE version IN (7, 8)`} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	if s, err = sqlite.Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	member := access.Subject{User: access.User{ID: "ann", UserType: "Member"}}
	err = s.Read(ctx, func(tx access.Tx) error {
		got, err := tx.OfferedPackages(ctx, member.Audiences())
		if err == nil && (len(got) != 1 || got[0].ID != "p") {
			t.Errorf("after the migration the member is offered %v, want package p", got)
		}
		if err != nil {
			return err
		}
		waiting, err := tx.ApproverRequests(ctx, "bob", access.StatePendingApproval)
		if err == nil && (len(waiting) != 1 || waiting[0].ID != "r") {
			t.Errorf("after the migration the approver has %v, want request r", waiting)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
