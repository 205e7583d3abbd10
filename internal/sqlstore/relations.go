package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/bestowhq/bestow/internal/access"
)

func (x *txn) Relate(ctx context.Context, groupID string, rel access.Relation, objectID string) error {
	_, err := x.tx.ExecContext(ctx, `INSERT INTO relations (group_id, rel, object_id) VALUES ($1, $2, $3)`, groupID, string(rel), objectID)
	if err != nil && x.d.IsUnique(err) {
		return access.Ec(access.KindConflict, "Conflict", "'%s' is already a %s of group '%s'", objectID, rel, groupID)
	}
	if err != nil && x.d.IsForeignKey(err) {
		return notFound("group", groupID)
	}
	if err != nil {
		return x.wrap("relate", err)
	}
	return x.appendAudit(ctx, access.AuditRelate, relationType(rel), groupID, nil, relationDoc(groupID, rel, objectID))
}

func (x *txn) Unrelate(ctx context.Context, groupID string, rel access.Relation, objectID string) error {
	res, err := x.tx.ExecContext(ctx, `DELETE FROM relations WHERE group_id = $1 AND rel = $2 AND object_id = $3`, groupID, string(rel), objectID)
	if err != nil {
		return x.wrap("unrelate", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return access.Ec(access.KindNotFound, "ResourceNotFound", "'%s' is not a %s of group '%s'", objectID, rel, groupID)
	}
	return x.appendAudit(ctx, access.AuditUnrelate, relationType(rel), groupID, relationDoc(groupID, rel, objectID), nil)
}

// relationType is the audit object type of a group relation.
func relationType(rel access.Relation) string {
	if rel == access.RelOwner {
		return access.AuditGroupOwner
	}
	return access.AuditGroupMember
}

// relationDoc is the document of a group relation in the audit log.
func relationDoc(groupID string, rel access.Relation, objectID string) []byte {
	return jsonDoc("groupId", groupID, string(rel)+"Id", objectID)
}

// incompatibleType is the audit object type of an incompatibility of a kind.
func incompatibleType(kind string) string {
	if kind == access.IncompatibleGroup {
		return access.AuditIncompatibleGroup
	}
	return access.AuditIncompatiblePackage
}

// incompatibleDoc is the document of an incompatibility in the audit log.
func incompatibleDoc(pkgID, kind, otherID string) []byte {
	if kind == access.IncompatibleGroup {
		return jsonDoc("accessPackageId", pkgID, "groupId", otherID)
	}
	return jsonDoc("accessPackageId", pkgID, "incompatibleAccessPackageId", otherID)
}

func (x *txn) Related(ctx context.Context, groupID string, rel access.Relation) ([]string, error) {
	return x.ids(ctx, `SELECT object_id FROM relations WHERE group_id = $1 AND rel = $2 ORDER BY object_id`, groupID, string(rel))
}

func (x *txn) RelatedTo(ctx context.Context, objectID string, rel access.Relation) ([]string, error) {
	return x.ids(ctx, `SELECT group_id FROM relations WHERE object_id = $1 AND rel = $2 ORDER BY group_id`, objectID, string(rel))
}

func (x *txn) AddIncompatible(ctx context.Context, pkgID, kind, otherID string) error {
	_, err := x.tx.ExecContext(ctx, `INSERT INTO incompatibilities (package_id, kind, other_id) VALUES ($1, $2, $3)`, pkgID, kind, otherID)
	if err != nil && x.d.IsUnique(err) {
		return access.Ec(access.KindConflict, "Conflict", "the %s '%s' is already marked incompatible with access package '%s'", kind, otherID, pkgID)
	}
	if err != nil && x.d.IsForeignKey(err) {
		return notFound("access package", pkgID)
	}
	if err != nil {
		return x.wrap("add incompatible", err)
	}
	return x.appendAudit(ctx, access.AuditRelate, incompatibleType(kind), pkgID, nil, incompatibleDoc(pkgID, kind, otherID))
}

func (x *txn) RemoveIncompatible(ctx context.Context, pkgID, kind, otherID string) error {
	res, err := x.tx.ExecContext(ctx, `DELETE FROM incompatibilities WHERE package_id = $1 AND kind = $2 AND other_id = $3`, pkgID, kind, otherID)
	if err != nil {
		return x.wrap("remove incompatible", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return access.Ec(access.KindNotFound, "ResourceNotFound", "the %s '%s' is not marked incompatible with access package '%s'", kind, otherID, pkgID)
	}
	return x.appendAudit(ctx, access.AuditUnrelate, incompatibleType(kind), pkgID, incompatibleDoc(pkgID, kind, otherID), nil)
}

func (x *txn) Incompatible(ctx context.Context, pkgID, kind string) ([]string, error) {
	return x.ids(ctx, `SELECT other_id FROM incompatibilities WHERE package_id = $1 AND kind = $2 ORDER BY other_id`, pkgID, kind)
}

func (x *txn) IncompatibleWith(ctx context.Context, kind, otherID string) ([]string, error) {
	return x.ids(ctx, `SELECT package_id FROM incompatibilities WHERE kind = $1 AND other_id = $2 ORDER BY package_id`, kind, otherID)
}

func (x *txn) PolicyVersion(ctx context.Context, policyID string, version int64) (access.Policy, error) {
	var p access.Policy
	var doc string
	err := x.tx.QueryRowContext(ctx, `SELECT doc FROM policy_versions WHERE policy_id = $1 AND version = $2`, policyID, version).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return p, access.Ec(access.KindNotFound, "ResourceNotFound", "assignment policy '%s' has no version %d", policyID, version)
	}
	if err != nil {
		return p, x.wrap("policy version", err)
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return p, x.wrap("policy version", err)
	}
	p.Version = version
	return p, nil
}

func (x *txn) ids(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := x.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, x.wrap("query", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, x.wrap("scan", err)
		}
		out = append(out, s)
	}
	return out, x.wrap("query", rows.Err())
}

func (x *txn) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return wrapErr(x.d, op, err)
}
