// Package pgtest gives tests a PostgreSQL store in a schema of its own, on the database
// named by BESTOW_TEST_POSTGRES (.ci/run starts a throwaway one and sets it).
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	"github.com/bestowhq/bestow/internal/postgres"
	"github.com/bestowhq/bestow/internal/sqlstore"
)

var seq atomic.Int64

// Open returns a migrated store in a new schema that is dropped when the test ends. The
// test is skipped when BESTOW_TEST_POSTGRES is unset.
func Open(t testing.TB) *sqlstore.Store {
	t.Helper()
	s, _ := OpenURL(t)
	return s
}

// OpenURL is Open that also returns the URL of the test's schema, for tests that reach
// the database directly.
func OpenURL(t testing.TB) (*sqlstore.Store, string) {
	t.Helper()
	base := os.Getenv("BESTOW_TEST_POSTGRES")
	if base == "" {
		t.Skip("BESTOW_TEST_POSTGRES is not set; .ci/run sets it to a throwaway PostgreSQL")
	}
	schema := fmt.Sprintf("t%d_%d", os.Getpid(), seq.Add(1))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	return s, u.String()
}
