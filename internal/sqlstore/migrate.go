package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// backfills are the steps of a migration that need the domain's own logic: each runs in
// its migration's transaction, after its statements.
var backfills = map[int]func(context.Context, *sql.Tx) error{
	7:  reindex(policies, indexAudiences),
	8:  reindex(requests, indexApprovers),
	10: reindex(ledger, indexRole),
}

// Migrate applies the dialect's migrations that db has not seen yet, each in its own
// transaction, and records them in schema_migrations. It returns the number applied.
func Migrate(ctx context.Context, db *sql.DB, d Dialect) (int, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	files, err := fs.Glob(d.Migrations, "*.sql")
	if err != nil {
		return 0, err
	}
	sort.Strings(files)
	applied := 0
	for _, name := range files {
		num, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return applied, fmt.Errorf("migration %s: name must start with a number", name)
		}
		body, err := fs.ReadFile(d.Migrations, name)
		if err != nil {
			return applied, err
		}
		done, err := migrateOne(ctx, db, d, num, name, string(body))
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", name, err)
		}
		if done {
			applied++
		}
	}
	return applied, nil
}

func migrateOne(ctx context.Context, db *sql.DB, d Dialect, num int, name, body string) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if d.MigrationLock != "" {
		if _, err := tx.ExecContext(ctx, d.MigrationLock); err != nil {
			return false, err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, num).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	for _, stmt := range strings.Split(body, ";\n") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("%w\nin statement:\n%s", err, stmt)
		}
	}
	if fill := backfills[num]; fill != nil {
		if err := fill(ctx, tx); err != nil {
			return false, fmt.Errorf("backfill: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, num, name); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
