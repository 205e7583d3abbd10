// Package postgres opens Bestow's PostgreSQL database through pgx, for deployments with
// many replicas sharing one database.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/bestowhq/bestow/internal/sqlstore"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect returns the PostgreSQL dialect for sqlstore.
func Dialect() sqlstore.Dialect {
	sub, _ := fs.Sub(migrations, "migrations")
	return sqlstore.Dialect{
		Name:          "postgres",
		Migrations:    sub,
		MigrationLock: "SELECT pg_advisory_xact_lock(727370)",
		IsUnique:      func(err error) bool { return code(err) == "23505" },
		IsForeignKey:  func(err error) bool { return code(err) == "23503" },
		IsRetryable: func(err error) bool {
			c := code(err)
			return c == "40001" || c == "40P01"
		},
	}
}

func code(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Open connects to the database at url (postgres://…), applies migrations and returns the
// store.
func Open(ctx context.Context, url string) (*sqlstore.Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if _, err := sqlstore.Migrate(ctx, db, Dialect()); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return sqlstore.New(db, db, Dialect()), nil
}
