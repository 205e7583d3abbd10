package sqlstore

import "io/fs"

// Dialect is what differs between the databases.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Migrations holds the dialect's numbered migration files (0001_name.sql, ...).
	Migrations fs.FS
	// MigrationLock, when set, is executed first inside the migration transaction to keep
	// concurrent replicas from migrating at the same time.
	MigrationLock string
	// IsUnique reports whether err is a unique-constraint violation.
	IsUnique func(error) bool
	// IsForeignKey reports whether err is a foreign-key violation.
	IsForeignKey func(error) bool
	// IsRetryable reports whether the whole transaction may be retried (serialization
	// failure, deadlock, busy database).
	IsRetryable func(error) bool
	// PrepareStatements makes the store keep its statements prepared (SQLite's driver
	// otherwise parses each one it runs; PostgreSQL's caches them itself).
	PrepareStatements bool
}
