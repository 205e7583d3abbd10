package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/sqlite"
)

// TestAudienceBackfill opens a database whose policies were saved before the audience
// index existed: migration 7 indexes them, so they are offered as before.
func TestAudienceBackfill(t *testing.T) { // POL-1
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bestow.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	pol := access.Policy{ID: "pol", PackageID: "p", CatalogID: "c", AllowedTargetScope: access.ScopeAllMemberUsers,
		RequestorSettings: access.RequestorSettings{EnableTargetsToSelfAddAccess: true}}
	err = s.Write(ctx, func(tx access.Tx) error {
		for _, err := range []error{tx.Catalogs().Put(ctx, &access.Catalog{ID: "c"}),
			tx.Packages().Put(ctx, &access.Package{ID: "p", CatalogID: "c"}), tx.Policies().Put(ctx, &pol)} {
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
	// Back to the schema before migration 7.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`DROP TABLE policy_audiences`, `DELETE FROM schema_migrations WHERE version = 7`} {
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
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
