package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// versioned is what every stored object is: a pointer with a revision.
type versioned[T any] interface {
	*T
	Rev() int64
	SetRev(int64)
}

// table describes how one object type is stored.
type table[T any, P versioned[T]] struct {
	name   string                               // SQL table
	what   string                               // the object's name in messages: "user"
	id     func(P) string                       // the object's id
	cols   []string                             // extra indexed columns, in order
	values func(P) []any                        // their values for an object (strings, numbers or nil: compared with ==)
	keys   map[string]string                    // access.Key name → column
	unique func(P) string                       // message when a unique column is already taken
	inUse  string                               // message when a foreign key blocks delete
	after  func(context.Context, dbtx, P) error // runs after a successful Put
	audit  string                               // object type in the audit log; "" = not audited
	redact []string                             // properties left out of audit entries (secrets)
}

// coll is a table bound to a transaction; it implements access.Collection[T].
type coll[T any, P versioned[T]] struct {
	t  *table[T, P]
	tx dbtx
	d  *Dialect
	x  *txn
}

func (c coll[T, P]) Get(ctx context.Context, id string) (T, error) {
	var zero T
	var doc string
	var ver int64
	err := c.tx.QueryRowContext(ctx, `SELECT version, doc FROM `+c.t.name+` WHERE id = $1`, id).Scan(&ver, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return zero, notFound(c.t.what, id)
	}
	if err != nil {
		return zero, c.wrap("get", err)
	}
	v, err := c.decode(ver, doc)
	if err == nil {
		c.remember(id, ver, doc, &v)
	}
	return v, err
}

// remember keeps what a write transaction read or wrote of an object: the values of its
// indexed columns, so that saving it again updates only the columns that changed (and
// with them only their indexes), and for an audited object its document, so that saving
// it again needs no read for the audit entry's before.
func (c coll[T, P]) remember(id string, ver int64, doc string, v P) {
	if c.x.docs == nil {
		return
	}
	d := storedDoc{ver: ver}
	if c.t.values != nil {
		d.vals = c.t.values(v)
	}
	if c.t.audit != "" {
		d.doc = doc
	}
	c.x.docs[c.t.name+"\x00"+id] = d
}

// remembered returns what this transaction read or wrote of version ver of an object.
func (c coll[T, P]) remembered(id string, ver int64) (storedDoc, bool) {
	d, ok := c.x.docs[c.t.name+"\x00"+id]
	return d, ok && d.ver == ver
}

// stored returns the document of version ver of an audited object, from what this
// transaction read or wrote, or from the table.
func (c coll[T, P]) stored(ctx context.Context, id string, ver int64) ([]byte, error) {
	if d, ok := c.remembered(id, ver); ok {
		return []byte(d.doc), nil
	}
	var got int64
	var old string
	err := c.tx.QueryRowContext(ctx, `SELECT version, doc FROM `+c.t.name+` WHERE id = $1`, id).Scan(&got, &old)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(c.t.what, id)
	}
	if err != nil {
		return nil, c.wrap("get", err)
	}
	if got != ver {
		return nil, access.ErrVersionConflict
	}
	return []byte(old), nil
}

func (c coll[T, P]) List(ctx context.Context, keys ...access.Key) ([]T, error) {
	return c.Slice(ctx, access.Window{}, keys...)
}

// where builds the WHERE clause for keys, with its arguments.
func (c coll[T, P]) where(keys []access.Key) (string, []any, error) {
	var conds []string
	var args []any
	for _, k := range keys {
		col, ok := c.t.keys[k.Name]
		if !ok {
			return "", nil, &access.Error{Kind: access.KindInternal, Msg: fmt.Sprintf("%s has no key %q", c.t.name, k.Name)}
		}
		if k.AtMost {
			args = append(args, k.Value)
			conds = append(conds, fmt.Sprintf("%s <= $%d", col, len(args)))
			continue
		}
		if k.Prefix {
			args = append(args, likePrefix(k.Value))
			conds = append(conds, fmt.Sprintf(`%s LIKE $%d ESCAPE '\'`, col, len(args)))
			continue
		}
		args = append(args, k.Value)
		conds = append(conds, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// likePrefix makes a LIKE pattern that matches strings starting with p.
func likePrefix(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p) + "%"
}

func (c coll[T, P]) Count(ctx context.Context, keys ...access.Key) (int, error) {
	where, args, err := c.where(keys)
	if err != nil {
		return 0, err
	}
	var n int
	err = c.tx.QueryRowContext(ctx, `SELECT count(*) FROM `+c.t.name+where, args...).Scan(&n)
	return n, c.wrap("count", err)
}

func (c coll[T, P]) Slice(ctx context.Context, w access.Window, keys ...access.Key) ([]T, error) {
	where, args, err := c.where(keys)
	if err != nil {
		return nil, err
	}
	order := ` ORDER BY id`
	for _, k := range keys {
		if k.AtMost { // due lists: the earliest first, read along the index on that column
			order = ` ORDER BY ` + c.t.keys[k.Name] + `, id`
		}
	}
	rest := where + order
	if w.Limit > 0 {
		rest += fmt.Sprintf(" LIMIT %d", w.Limit)
	}
	if w.Offset > 0 {
		if w.Limit <= 0 {
			rest += " LIMIT 9223372036854775807" // both dialects need a LIMIT before OFFSET
		}
		rest += fmt.Sprintf(" OFFSET %d", w.Offset)
	}
	return query(ctx, c.x, c.t, rest, args...)
}

func (c coll[T, P]) Put(ctx context.Context, v *T) error {
	p := P(v)
	doc, err := json.Marshal(v)
	if err != nil {
		return c.wrap("encode", err)
	}
	var vals []any
	if c.t.values != nil {
		vals = c.t.values(p)
	}
	id := c.t.id(p)
	var before []byte // the stored document an update replaces, for the audit log
	if p.Rev() == 0 {
		cols := append([]string{"id", "version", "doc"}, c.t.cols...)
		args := append([]any{id, int64(1), string(doc)}, vals...)
		ph := make([]string, len(args))
		for i := range ph {
			ph[i] = fmt.Sprintf("$%d", i+1)
		}
		_, err = c.tx.ExecContext(ctx, `INSERT INTO `+c.t.name+` (`+strings.Join(cols, ", ")+`) VALUES (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return c.writeErr(p, err)
		}
		p.SetRev(1)
	} else {
		if c.t.audit != "" {
			if before, err = c.stored(ctx, id, p.Rev()); err != nil {
				return err
			}
		}
		sets := []string{"version = version + 1", "doc = $3"}
		args := []any{id, p.Rev(), string(doc)}
		prev, known := c.remembered(id, p.Rev())
		for i, col := range c.t.cols {
			if known && prev.vals[i] == vals[i] {
				continue // unchanged: its index stays as it is
			}
			args = append(args, vals[i])
			sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
		}
		res, err := c.tx.ExecContext(ctx, `UPDATE `+c.t.name+` SET `+strings.Join(sets, ", ")+` WHERE id = $1 AND version = $2`, args...)
		if err != nil {
			return c.writeErr(p, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := c.Get(ctx, id); err != nil {
				return err
			}
			return access.ErrVersionConflict
		}
		p.SetRev(p.Rev() + 1)
	}
	c.remember(id, p.Rev(), string(doc), p)
	if err := c.audit(ctx, id, before, doc); err != nil {
		return err
	}
	if c.t.after != nil {
		return c.t.after(ctx, c.tx, p)
	}
	return nil
}

func (c coll[T, P]) Delete(ctx context.Context, id string) error {
	delete(c.x.docs, c.t.name+"\x00"+id)
	if c.t.audit != "" {
		// RETURNING hands back the deleted document: the audit entry's before.
		var doc string
		err := c.tx.QueryRowContext(ctx, `DELETE FROM `+c.t.name+` WHERE id = $1 RETURNING doc`, id).Scan(&doc)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(c.t.what, id)
		}
		if err != nil {
			return c.deleteErr(id, err)
		}
		return c.audit(ctx, id, []byte(doc), nil)
	}
	res, err := c.tx.ExecContext(ctx, `DELETE FROM `+c.t.name+` WHERE id = $1`, id)
	if err != nil {
		return c.deleteErr(id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(c.t.what, id)
	}
	return nil
}

func (c coll[T, P]) deleteErr(id string, err error) error {
	if c.d.IsForeignKey(err) {
		msg := c.t.inUse
		if msg == "" {
			msg = "other objects still refer to it"
		}
		return access.Ec(access.KindFailedPrecondition, "ObjectInUse", "%s '%s' cannot be deleted: %s", c.t.what, id, msg)
	}
	return c.wrap("delete", err)
}

// audit records a change of an audited table in the audit log: before is nil for an
// insert, after nil for a delete. An update that changes nothing is not recorded.
func (c coll[T, P]) audit(ctx context.Context, id string, before, after []byte) error {
	if c.t.audit == "" {
		return nil
	}
	action := access.AuditUpdate
	switch {
	case before == nil:
		action = access.AuditCreate
	case after == nil:
		action = access.AuditDelete
	case bytes.Equal(before, after):
		return nil
	}
	before, err := redact(before, c.t.redact)
	if err != nil {
		return c.wrap("audit", err)
	}
	after, err = redact(after, c.t.redact)
	if err != nil {
		return c.wrap("audit", err)
	}
	return c.x.appendAudit(ctx, action, c.t.audit, id, before, after)
}

func (c coll[T, P]) decode(ver int64, doc string) (T, error) {
	var v T
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return v, c.wrap("decode", err)
	}
	P(&v).SetRev(ver)
	return v, nil
}

func (c coll[T, P]) writeErr(p P, err error) error {
	switch {
	case c.d.IsUnique(err):
		msg := "an object with the same key already exists"
		if c.t.unique != nil {
			msg = c.t.unique(p)
		}
		return access.Ec(access.KindConflict, "Conflict", "%s", msg)
	case c.d.IsForeignKey(err):
		return access.Ec(access.KindFailedPrecondition, "ReferenceNotFound", "the %s refers to an object that does not exist (or was just deleted)", c.t.what)
	}
	return c.wrap("write", err)
}

func (c coll[T, P]) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return wrapErr(c.d, c.t.name+" "+op, err)
}

func wrapErr(d *Dialect, op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &access.Error{Kind: access.KindTransient, Code: "RequestTimeout", Msg: op + ": the request was canceled or timed out", Err: err}
	}
	if d.IsRetryable(err) {
		return &access.Error{Kind: access.KindTransient, Code: "ServiceUnavailable", Msg: op + ": the database is busy; retry", Err: err}
	}
	return &access.Error{Kind: access.KindInternal, Code: "InternalServerError", Msg: op, Err: err}
}

func notFound(what, id string) error {
	return access.Ec(access.KindNotFound, "ResourceNotFound", "%s '%s' does not exist", what, id)
}
