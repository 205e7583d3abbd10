// Package sqlstore implements access.Store on database/sql for both SQLite and
// PostgreSQL. Every query is written once in SQL that both dialects accept ($n
// placeholders, standard DDL types); what differs per dialect (connection setup, error
// classification, migration files, locking) comes from a Dialect supplied by the sqlite
// and postgres packages. Objects are stored as their JSON documents beside the indexed
// columns that lookups and constraints need; foreign keys guard the invariants that
// must hold even under concurrent writers (a catalog with packages cannot vanish).
package sqlstore
