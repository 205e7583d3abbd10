package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// Index tables hold, beside a stored object, the many values of one of its properties
// (the audiences of a policy, the approvers of a request) so that a lookup by one value
// reads an index. Their rows are rewritten whenever the object is saved and go with it
// when it is deleted (ON DELETE CASCADE).

// savePolicy runs after every save of a policy: it keeps the policy's version (POL-9) and
// its audiences.
func savePolicy(ctx context.Context, tx dbtx, p *access.Policy) error {
	if err := savePolicyVersion(ctx, tx, p); err != nil {
		return err
	}
	return indexAudiences(ctx, tx, p)
}

func savePolicyVersion(ctx context.Context, tx dbtx, p *access.Policy) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO policy_versions (policy_id, version, doc) VALUES ($1, $2, $3)`, p.ID, p.Version, string(doc))
	return err
}

// indexAudiences replaces the policy's rows in policy_audiences with its audiences now.
func indexAudiences(ctx context.Context, tx dbtx, p *access.Policy) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM policy_audiences WHERE policy_id = $1`, p.ID); err != nil {
		return err
	}
	for _, a := range p.Audiences() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_audiences (audience, package_id, policy_id) VALUES ($1, $2, $3)`,
			a, p.PackageID, p.ID); err != nil {
			return err
		}
	}
	return nil
}

// indexApprovers replaces the request's rows in request_approvers with its approvers
// now. A request without approval stages never has any, so saving it costs nothing here.
func indexApprovers(ctx context.Context, tx dbtx, r *access.Request) error {
	if len(r.Stages) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM request_approvers WHERE request_id = $1`, r.ID); err != nil {
		return err
	}
	for _, id := range r.ApproverIDs() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO request_approvers (approver_id, request_id) VALUES ($1, $2)`, id, r.ID); err != nil {
			return err
		}
	}
	return nil
}

// indexRole fills the role_key column of a ledger entry saved before it existed.
func indexRole(ctx context.Context, tx dbtx, e *access.LedgerEntry) error {
	_, err := tx.ExecContext(ctx, `UPDATE ledger SET role_key = $1 WHERE id = $2`,
		access.RoleKey(e.OriginSystem, e.ResourceOriginID, e.RoleOriginID), e.ID)
	return err
}

// reindex runs index for every object of t: the backfill of an index table added by a
// migration, for the objects saved before it. It reads a thousand objects at a time, so
// a large table needs no more memory than a small one.
func reindex[T any, P versioned[T]](t *table[T, P], index func(context.Context, dbtx, P) error) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		after := ""
		for {
			page, err := reindexPage(ctx, tx, t, after)
			if err != nil || len(page) == 0 {
				return err
			}
			for i := range page {
				if err := index(ctx, tx, P(&page[i])); err != nil {
					return err
				}
			}
			after = t.id(P(&page[len(page)-1]))
		}
	}
}

// reindexPage reads the next thousand objects of t after the id after.
func reindexPage[T any, P versioned[T]](ctx context.Context, tx *sql.Tx, t *table[T, P], after string) ([]T, error) {
	rows, err := tx.QueryContext(ctx, `SELECT doc FROM `+t.name+` WHERE id > $1 ORDER BY id LIMIT 1000`, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []T
	for rows.Next() {
		var doc string
		var v T
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return nil, fmt.Errorf("%s: %w", t.what, err)
		}
		page = append(page, v)
	}
	return page, rows.Err()
}

// OfferedPackages implements access.Tx.
func (x *txn) OfferedPackages(ctx context.Context, audiences []string) ([]access.Package, error) {
	if len(audiences) == 0 {
		return nil, nil
	}
	ph := make([]string, len(audiences))
	args := make([]any, len(audiences))
	for i, a := range audiences {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), a
	}
	return query(ctx, x, packages, `WHERE id IN (SELECT package_id FROM policy_audiences WHERE audience IN (`+
		strings.Join(ph, ", ")+`)) ORDER BY id`, args...)
}

// ApproverRequests implements access.Tx.
func (x *txn) ApproverRequests(ctx context.Context, userID, state string) ([]access.Request, error) {
	where := `WHERE id IN (SELECT request_id FROM request_approvers WHERE approver_id = $1)`
	args := []any{userID}
	if state != "" {
		where += ` AND state = $2`
		args = append(args, state)
	}
	return query(ctx, x, requests, where+` ORDER BY id`, args...)
}

// query returns the objects of t that the rest of a SELECT (where, with args) selects.
func query[T any, P versioned[T]](ctx context.Context, x *txn, t *table[T, P], where string, args ...any) ([]T, error) {
	c := coll[T, P]{t: t, tx: x.tx, d: x.d, x: x}
	rows, err := x.tx.QueryContext(ctx, `SELECT version, doc FROM `+t.name+` `+where, args...)
	if err != nil {
		return nil, c.wrap("query", err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var ver int64
		var doc string
		if err := rows.Scan(&ver, &doc); err != nil {
			return nil, c.wrap("query", err)
		}
		v, err := c.decode(ver, doc)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, c.wrap("query", rows.Err())
}
