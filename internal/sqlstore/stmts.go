package sqlstore

import (
	"context"
	"database/sql"
)

// dbtx is what the store's statements run on: a transaction, with or without the
// prepared-statement cache.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// maxPrepared bounds the statements one transaction keeps prepared; beyond it they run
// unprepared. The store's statements are built from table and column names, so a
// transaction uses a few dozen.
const maxPrepared = 500

// preparedTx runs ExecContext and QueryRowContext through statements it prepares once
// per transaction: SQLite's driver parses every statement it is handed unprepared, which
// in a transaction recording a thousand deliveries is most of its cost. QueryContext
// stays unprepared: the driver keeps one cursor per prepared statement, so two open
// result sets of one statement would share it. The statements close with the
// transaction.
type preparedTx struct {
	*sql.Tx
	stmts map[string]*sql.Stmt
}

func newPreparedTx(tx *sql.Tx) *preparedTx { return &preparedTx{Tx: tx, stmts: map[string]*sql.Stmt{}} }

// prepared returns the transaction's prepared statement of query, or nil when too many
// are prepared or preparing failed (the caller then runs query unprepared, which reports
// the error).
func (t *preparedTx) prepared(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.stmts[query]; ok {
		return st
	}
	if len(t.stmts) >= maxPrepared {
		return nil
	}
	st, err := t.Tx.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	t.stmts[query] = st
	return st
}

func (t *preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.prepared(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// QueryRowContext runs query prepared; the row's cursor stays open until its Scan, which
// every caller makes at once.
func (t *preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}
