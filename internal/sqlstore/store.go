package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// Store implements access.Store. Reads go to rdb; writes go to wdb, which for SQLite is a
// single connection (one writer) and for PostgreSQL may be the same pool as rdb.
type Store struct {
	rdb, wdb *sql.DB
	d        *Dialect
}

// New returns a Store over already-opened and migrated databases.
func New(rdb, wdb *sql.DB, d Dialect) *Store { return &Store{rdb: rdb, wdb: wdb, d: &d} }

// Close closes both databases.
func (s *Store) Close() error {
	err := s.wdb.Close()
	if s.rdb != s.wdb {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// Read implements access.Store.
func (s *Store) Read(ctx context.Context, fn func(access.Tx) error) error {
	return s.run(ctx, s.rdb, true, fn)
}

// Write implements access.Store. It retries the transaction a few times when the
// database reports a serialization failure, deadlock or busy database.
func (s *Store) Write(ctx context.Context, fn func(access.Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.run(ctx, s.wdb, false, fn)
		if err == nil || !s.d.IsRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 10 * time.Millisecond):
		}
	}
	return err
}

func (s *Store) run(ctx context.Context, db *sql.DB, readOnly bool, fn func(access.Tx) error) error {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly && s.d.Name == "postgres"})
	if err != nil {
		return wrapErr(s.d, "begin", err)
	}
	x := &txn{tx: tx, d: s.d, ctx: ctx}
	if !readOnly {
		x.docs = map[string]storedDoc{}
	}
	if s.d.PrepareStatements {
		x.tx = newPreparedTx(tx)
	}
	if err := fn(x); err != nil {
		tx.Rollback()
		return err
	}
	if readOnly {
		return tx.Rollback()
	}
	if err := x.flushAudit(ctx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return wrapErr(s.d, "commit", err)
	}
	return nil
}

// txn implements access.Tx.
type txn struct {
	tx   dbtx
	d    *Dialect
	ctx  context.Context // the transaction's: the actor and time of its changes, unless a call's own ctx says
	head *auditHead      // the audit chain after this transaction's entries so far (nil: none yet)
	// pendingAudit holds the values of audit entries not yet inserted (auditColumns per
	// entry); they are written in multi-row INSERTs, the last ones before the commit.
	pendingAudit []any
	// docs holds what this transaction read or wrote of each object, by table and id
	// (nil in read-only transactions): see coll.remember.
	docs map[string]storedDoc
}

// storedDoc is an object as stored at one version: the values of its table's indexed
// columns and, for an audited table, its document.
type storedDoc struct {
	ver  int64
	vals []any
	doc  string
}

func bind[T any, P versioned[T]](t *table[T, P], x *txn) access.Collection[T] {
	return coll[T, P]{t: t, tx: x.tx, d: x.d, x: x}
}

func (x *txn) Users() access.Collection[access.User]   { return bind(users, x) }
func (x *txn) Groups() access.Collection[access.Group] { return bind(groups, x) }
func (x *txn) ServicePrincipals() access.Collection[access.ServicePrincipal] {
	return bind(servicePrincipals, x)
}
func (x *txn) AppRoleAssignments() access.Collection[access.AppRoleAssignment] {
	return bind(appRoleAssignments, x)
}
func (x *txn) Sites() access.Collection[access.Site] { return bind(sites, x) }
func (x *txn) ConnectedOrganizations() access.Collection[access.ConnectedOrganization] {
	return bind(connectedOrganizations, x)
}
func (x *txn) Catalogs() access.Collection[access.Catalog]   { return bind(catalogs, x) }
func (x *txn) Resources() access.Collection[access.Resource] { return bind(resources, x) }
func (x *txn) ResourceRequests() access.Collection[access.ResourceRequest] {
	return bind(resourceRequests, x)
}
func (x *txn) Packages() access.Collection[access.Package]     { return bind(packages, x) }
func (x *txn) RoleScopes() access.Collection[access.RoleScope] { return bind(roleScopes, x) }
func (x *txn) Policies() access.Collection[access.Policy]      { return bind(policies, x) }
func (x *txn) RoleAssignments() access.Collection[access.RoleAssignment] {
	return bind(roleAssignments, x)
}
func (x *txn) Tokens() access.Collection[access.Token]      { return bind(tokens, x) }
func (x *txn) Settings() access.Collection[access.Settings] { return bind(settings, x) }
func (x *txn) SiteRoleAssignments() access.Collection[access.SiteRoleAssignment] {
	return bind(siteRoleAssignments, x)
}
func (x *txn) Requests() access.Collection[access.Request]       { return bind(requests, x) }
func (x *txn) Assignments() access.Collection[access.Assignment] { return bind(assignments, x) }
func (x *txn) Ledger() access.Collection[access.LedgerEntry]     { return bind(ledger, x) }
func (x *txn) Messages() access.Collection[access.Message]       { return bind(messages, x) }
func (x *txn) Connectors() access.Collection[access.ConnectorConfig] {
	return bind(connectors, x)
}
func (x *txn) Extensions() access.Collection[access.Extension] { return bind(extensions, x) }
func (x *txn) Callouts() access.Collection[access.Callout]     { return bind(callouts, x) }
