package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// appendAudit writes one entry to the audit log (RPT-2) in the transaction. The actor and
// the time come from the transaction's context (the Service puts them there) or else from ctx (access.WithActor,
// access.WithTime); without them the change is Bestow's own, now. before and after are
// JSON documents, nil when absent.
func (x *txn) appendAudit(ctx context.Context, action, objectType, objectID string, before, after []byte) error {
	var who access.Actor
	var ok bool
	if x.ctx != nil {
		who, ok = access.ActorFrom(x.ctx)
	}
	if !ok {
		who, ok = access.ActorFrom(ctx)
	}
	if !ok {
		who = access.SystemActor
	}
	name := who.DisplayName
	if name == "" && who.System {
		name = access.SystemActor.DisplayName
	}
	at, ok := access.TimeFrom(ctx)
	if !ok && x.ctx != nil {
		at, ok = access.TimeFrom(x.ctx)
	}
	if !ok {
		at = time.Now().UTC()
	}
	// The chain (SEC-6): the first entry of a transaction takes the next id and the
	// previous hash from the head (in PostgreSQL the UPDATE locks the head's row until the
	// commit, so concurrent writers append one transaction at a time); later entries of
	// the transaction follow on in memory, and the head is moved on once, before the
	// commit (flushAudit).
	var id int64
	var prev string
	if x.head == nil {
		if err := x.tx.QueryRowContext(ctx, `UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1 RETURNING last_id, hash`).Scan(&id, &prev); err != nil {
			return x.wrap("audit append: the audit chain's head", err)
		}
	} else {
		id, prev = x.head.id+1, x.head.hash
	}
	e := auditRow{id: id, at: access.DueKey(at), actorID: who.UserID, actorName: name, action: action,
		objectType: objectType, objectID: objectID, before: docString(before), after: docString(after)}
	hash := auditHash(prev, e)
	x.pendingAudit = append(x.pendingAudit, id, e.at, e.actorID, e.actorName, e.action, e.objectType, e.objectID,
		nullDoc(before), nullDoc(after), prev, hash)
	x.head = &auditHead{id: id, hash: hash}
	if len(x.pendingAudit) >= auditRowsPerInsert*auditColumns {
		return x.insertAudit(ctx)
	}
	return nil
}

// auditColumns is how many values an audit row has; auditRowsPerInsert is how many rows
// one INSERT writes (well below either database's limit on parameters).
const (
	auditColumns       = 11
	auditRowsPerInsert = 64
)

// insertAudit writes the audit entries the transaction holds back, in one INSERT.
func (x *txn) insertAudit(ctx context.Context) error {
	if len(x.pendingAudit) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO audit (id, at, actor_id, actor_name, action, object_type, object_id, before_doc, after_doc, prev_hash, hash)`)
	if x.d.Name == "postgres" {
		b.WriteString(" OVERRIDING SYSTEM VALUE") // the id is GENERATED ALWAYS
	}
	b.WriteString(" VALUES ")
	for i := range x.pendingAudit {
		switch {
		case i == 0:
			b.WriteString("(")
		case i%auditColumns == 0:
			b.WriteString("), (")
		default:
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", i+1)
	}
	b.WriteString(")")
	if _, err := x.tx.ExecContext(ctx, b.String(), x.pendingAudit...); err != nil {
		return x.wrap("audit append", err)
	}
	x.pendingAudit = x.pendingAudit[:0]
	return nil
}

// auditHead is where a transaction's audit entries have taken the chain so far.
type auditHead struct {
	id   int64
	hash string
}

// flushAudit writes the entries held back and moves the chain's head to the
// transaction's last entry; the store calls it before every commit.
func (x *txn) flushAudit(ctx context.Context) error {
	if x.head == nil {
		return nil
	}
	if err := x.insertAudit(ctx); err != nil {
		return err
	}
	if _, err := x.tx.ExecContext(ctx, `UPDATE audit_head SET last_id = $1, hash = $2 WHERE id = 1`, x.head.id, x.head.hash); err != nil {
		return x.wrap("audit append: the audit chain's head", err)
	}
	return nil
}

// nullDoc is a document column's value: NULL for no document.
func nullDoc(doc []byte) any {
	if doc == nil {
		return nil
	}
	return string(doc)
}

// redact removes the named top-level properties from a JSON object document.
func redact(doc []byte, props []string) ([]byte, error) {
	if doc == nil || len(props) == 0 {
		return doc, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		return nil, err
	}
	for _, p := range props {
		delete(m, p)
	}
	return json.Marshal(m)
}

// jsonDoc makes a JSON object document of name, value pairs.
func jsonDoc(props ...string) []byte {
	m := map[string]string{}
	for i := 0; i+1 < len(props); i += 2 {
		m[props[i]] = props[i+1]
	}
	doc, _ := json.Marshal(m)
	return doc
}

// AuditLog implements access.Tx.
func (x *txn) AuditLog(ctx context.Context, q access.AuditQuery) ([]access.AuditEntry, error) {
	if err := x.insertAudit(ctx); err != nil { // what this transaction wrote is read too
		return nil, err
	}
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if q.ActorID != "" {
		add("actor_id = $%d", q.ActorID)
	}
	if q.ObjectType != "" {
		add("object_type = $%d", q.ObjectType)
	}
	if q.ObjectID != "" {
		add("object_id = $%d", q.ObjectID)
	}
	if q.Action != "" {
		add("action = $%d", q.Action)
	}
	if q.Since != nil {
		add("at >= $%d", access.DueKey(*q.Since))
	}
	if q.Until != nil {
		add("at < $%d", access.DueKey(*q.Until))
	}
	query := `SELECT id, at, actor_id, actor_name, action, object_type, object_id, before_doc, after_doc FROM audit`
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	query += " ORDER BY at, id"
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	if q.Offset > 0 {
		if q.Limit <= 0 {
			query += " LIMIT 9223372036854775807" // both dialects need a LIMIT before OFFSET
		}
		query += fmt.Sprintf(" OFFSET %d", q.Offset)
	}
	rows, err := x.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, x.wrap("audit log", err)
	}
	defer rows.Close()
	var out []access.AuditEntry
	for rows.Next() {
		var e access.AuditEntry
		var id int64
		var at string
		var before, after sql.NullString
		if err := rows.Scan(&id, &at, &e.ActorID, &e.ActorName, &e.Action, &e.ObjectType, &e.ObjectID, &before, &after); err != nil {
			return nil, x.wrap("audit log", err)
		}
		ms, err := strconv.ParseInt(at, 10, 64)
		if err != nil {
			return nil, x.wrap("audit log", fmt.Errorf("entry %d has a malformed time %q", id, at))
		}
		e.ID, e.Time = strconv.FormatInt(id, 10), time.UnixMilli(ms).UTC()
		if before.Valid {
			e.Before = json.RawMessage(before.String)
		}
		if after.Valid {
			e.After = json.RawMessage(after.String)
		}
		out = append(out, e)
	}
	return out, x.wrap("audit log", rows.Err())
}
