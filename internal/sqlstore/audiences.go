package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// savePolicy runs after every save of a policy: it keeps the policy's version (POL-9) and
// its audiences.
func savePolicy(ctx context.Context, tx *sql.Tx, p *access.Policy) error {
	if err := savePolicyVersion(ctx, tx, p); err != nil {
		return err
	}
	return indexAudiences(ctx, tx, p)
}

func savePolicyVersion(ctx context.Context, tx *sql.Tx, p *access.Policy) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO policy_versions (policy_id, version, doc) VALUES ($1, $2, $3)`, p.ID, p.Version, string(doc))
	return err
}

// indexAudiences replaces the policy's rows in policy_audiences with its audiences now.
func indexAudiences(ctx context.Context, tx *sql.Tx, p *access.Policy) error {
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

// backfillAudiences indexes the policies saved before policy_audiences existed
// (migration 7).
func backfillAudiences(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT doc FROM policies`)
	if err != nil {
		return err
	}
	var pols []access.Policy
	for rows.Next() {
		var doc string
		var p access.Policy
		if err := rows.Scan(&doc); err != nil {
			rows.Close()
			return err
		}
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			rows.Close()
			return fmt.Errorf("policy: %w", err)
		}
		pols = append(pols, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range pols {
		if err := indexAudiences(ctx, tx, &pols[i]); err != nil {
			return err
		}
	}
	return nil
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
	rows, err := x.tx.QueryContext(ctx, `SELECT version, doc FROM packages WHERE id IN
		(SELECT package_id FROM policy_audiences WHERE audience IN (`+strings.Join(ph, ", ")+`)) ORDER BY id`, args...)
	if err != nil {
		return nil, x.wrap("offered packages", err)
	}
	defer rows.Close()
	c := coll[access.Package, *access.Package]{t: packages, tx: x.tx, d: x.d, x: x}
	var out []access.Package
	for rows.Next() {
		var ver int64
		var doc string
		if err := rows.Scan(&ver, &doc); err != nil {
			return nil, x.wrap("offered packages", err)
		}
		p, err := c.decode(ver, doc)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, x.wrap("offered packages", rows.Err())
}
