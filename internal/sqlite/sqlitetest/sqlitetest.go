// Package sqlitetest gives tests a migrated SQLite store in a temporary directory.
package sqlitetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/sqlite"
	"github.com/bestowhq/bestow/internal/sqlstore"
)

// Open returns a store on a new database file that is closed when the test ends.
func Open(t testing.TB) *sqlstore.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bestow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Service returns an initialized service (real clock and ids) over a new store.
func Service(t testing.TB) *access.Service {
	t.Helper()
	svc := access.NewService(Open(t), nil, nil)
	if err := svc.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc
}
