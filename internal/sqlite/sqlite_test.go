package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/access/accesstest"
	"github.com/bestowhq/bestow/internal/sqlite"
)

// Open returns a store on a new database file in a temporary directory.
func open(t *testing.T) access.Store {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bestow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) { accesstest.Run(t, open) }
