// Package sqlite opens Bestow's embedded database: SQLite through modernc.org/sqlite (pure
// Go), in WAL mode with one writer connection and a small pool of readers.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"strings"

	"github.com/bestowhq/bestow/internal/sqlstore"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect returns the SQLite dialect for sqlstore.
func Dialect() sqlstore.Dialect {
	sub, _ := fs.Sub(migrations, "migrations")
	return sqlstore.Dialect{
		Name:              "sqlite",
		Migrations:        sub,
		PrepareStatements: true,
		IsUnique: func(err error) bool {
			return code(err) == sqlite3lib.SQLITE_CONSTRAINT_UNIQUE || code(err) == sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY
		},
		IsForeignKey: func(err error) bool { return code(err) == sqlite3lib.SQLITE_CONSTRAINT_FOREIGNKEY },
		IsRetryable: func(err error) bool {
			c := code(err) & 0xff
			return c == sqlite3lib.SQLITE_BUSY || c == sqlite3lib.SQLITE_LOCKED
		},
	}
}

func code(err error) int {
	var e *sqlite3.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// Open opens (creating if needed) the SQLite database at path, applies migrations and
// returns the store. Use ":memory:"-free paths: tests pass a file in a temp directory.
//
// A new database file is created readable and writable by its owner only (0600); SQLite
// gives its -wal and -shm files the same mode. An existing file keeps its mode.
func Open(ctx context.Context, path string) (*sqlstore.Store, error) {
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	dsn := func(write bool) string {
		q := url.Values{}
		for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)"} {
			q.Add("_pragma", p)
		}
		// Page caches: 64 MiB for the one writer, which touches the same index pages over
		// and over in a batch, 16 MiB for each reader (SQLite's default is 2 MiB).
		if write {
			q.Set("_txlock", "immediate")
			q.Add("_pragma", "cache_size(-65536)")
		} else {
			q.Add("_pragma", "query_only(1)")
			q.Add("_pragma", "cache_size(-16384)")
		}
		return "file:" + strings.ReplaceAll(path, "?", "%3F") + "?" + q.Encode()
	}
	wdb, err := sql.Open("sqlite", dsn(true))
	if err != nil {
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	d := Dialect()
	if _, err := sqlstore.Migrate(ctx, wdb, d); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite", dsn(false))
	if err != nil {
		wdb.Close()
		return nil, err
	}
	n := max(2, runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	return sqlstore.New(rdb, wdb, d), nil
}

// createPrivate creates an empty file at path with mode 0600 when there is none.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}
