package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"

	"github.com/bestowhq/bestow/internal/access"
)

// The audit log as a hash chain (SEC-6). An entry's hash is the hex SHA-256 of
// auditHashTag, the previous entry's hash and the entry's fields, each written as an
// 8-byte big-endian length and its bytes; a document column is written as one byte, 0 for
// NULL and 1 for a document, before its length and bytes. The encoding is unambiguous, so
// no two different entries hash the same input.

const auditHashTag = "bestow audit chain v1"

// auditVerifyBatch is how many entries the verifier reads per query.
const auditVerifyBatch = 1000

// auditRow is an entry as stored.
type auditRow struct {
	id                                                   int64
	at, actorID, actorName, action, objectType, objectID string
	before, after                                        sql.NullString
	prevHash, hash                                       sql.NullString
}

func docString(doc []byte) sql.NullString {
	if doc == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: string(doc), Valid: true}
}

// auditHash is the hash of entry e after the entry whose hash is prev.
func auditHash(prev string, e auditRow) string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	doc := func(d sql.NullString) {
		if !d.Valid {
			h.Write([]byte{0})
			return
		}
		h.Write([]byte{1})
		field(d.String)
	}
	field(auditHashTag)
	field(prev)
	field(strconv.FormatInt(e.id, 10))
	field(e.at)
	field(e.actorID)
	field(e.actorName)
	field(e.action)
	field(e.objectType)
	field(e.objectID)
	doc(e.before)
	doc(e.after)
	return hex.EncodeToString(h.Sum(nil))
}

// auditTriggers are the triggers that keep the audit log append-only, by dialect.
var auditTriggers = map[string][]string{
	"sqlite":   {"audit_append_only", "audit_no_delete"},
	"postgres": {"audit_append_only", "audit_no_delete", "audit_no_truncate"},
}

// VerifyAudit implements access.AuditVerifier: it walks the audit log in id order, in
// batches, inside one read transaction (PostgreSQL: REPEATABLE READ, so the head and the
// entries are one snapshot), and reports the first place where the chain breaks and
// whether the append-only triggers are still there.
func (s *Store) VerifyAudit(ctx context.Context) (access.AuditVerification, error) {
	opts := &sql.TxOptions{}
	if s.d.Name == "postgres" {
		opts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	tx, err := s.rdb.BeginTx(ctx, opts)
	if err != nil {
		return access.AuditVerification{}, wrapErr(s.d, "verify audit", err)
	}
	defer tx.Rollback()
	v, err := verifyAudit(ctx, tx, s.d)
	if err != nil {
		return access.AuditVerification{}, wrapErr(s.d, "verify audit", err)
	}
	return v, nil
}

func verifyAudit(ctx context.Context, tx *sql.Tx, d *Dialect) (access.AuditVerification, error) {
	var v access.AuditVerification
	v.MissingTriggers = []string{}
	present, err := presentTriggers(ctx, tx, d)
	if err != nil {
		return v, err
	}
	for _, name := range auditTriggers[d.Name] {
		if !slices.Contains(present, name) {
			v.MissingTriggers = append(v.MissingTriggers, name)
		}
	}
	v.TriggersPresent = len(v.MissingTriggers) == 0

	var headID int64
	var headHash string
	headErr := tx.QueryRowContext(ctx, `SELECT last_id, hash FROM audit_head WHERE id = 1`).Scan(&headID, &headHash)
	if headErr != nil && headErr != sql.ErrNoRows {
		return v, headErr
	}
	haveHead := headErr == nil
	v.LastID, v.HeadHash = strconv.FormatInt(headID, 10), headHash
	brk := func(id int64, problem, format string, args ...any) {
		if v.FirstBroken == nil {
			v.FirstBroken = &access.AuditBreak{EntryID: strconv.FormatInt(id, 10), Problem: problem, Detail: fmt.Sprintf(format, args...)}
		}
	}
	if !haveHead {
		brk(0, access.AuditHeadChanged, "the audit chain's head (table audit_head) is missing")
	}

	var last int64 // the id of the previous entry
	var prev string
	sealed := false // a sealed entry was seen: the chain has begun
	for v.FirstBroken == nil {
		rows, err := tx.QueryContext(ctx, `SELECT id, at, actor_id, actor_name, action, object_type, object_id, before_doc, after_doc, prev_hash, hash
			FROM audit WHERE id > $1 ORDER BY id LIMIT `+strconv.Itoa(auditVerifyBatch), last)
		if err != nil {
			return v, err
		}
		n := 0
		for rows.Next() && v.FirstBroken == nil {
			n++
			var e auditRow
			if err := rows.Scan(&e.id, &e.at, &e.actorID, &e.actorName, &e.action, &e.objectType, &e.objectID,
				&e.before, &e.after, &e.prevHash, &e.hash); err != nil {
				rows.Close()
				return v, err
			}
			switch {
			case haveHead && e.id > headID:
				brk(e.id, access.AuditForged, "entry %d is beyond the chain's head (last id %d): it was inserted outside Bestow", e.id, headID)
			case !e.hash.Valid && !sealed:
				v.Unsealed++ // older than the chain
			case !e.hash.Valid:
				brk(e.id, access.AuditForged, "entry %d has no hash but comes after sealed entries: it was inserted outside Bestow, or its hash was removed", e.id)
			case sealed && e.id != last+1:
				brk(e.id, access.AuditRemoved, "entries %d to %d are missing: the chain goes from entry %d to entry %d", last+1, e.id-1, last, e.id)
			case !e.prevHash.Valid || e.prevHash.String != prev:
				if sealed {
					brk(e.id, access.AuditRemoved, "entry %d does not follow entry %d (its prev_hash is not that entry's hash): the entry before it was removed or rewritten", e.id, last)
				} else {
					brk(e.id, access.AuditRemoved, "entry %d is the first sealed entry but does not start the chain (its prev_hash is not empty): the entries before it were removed", e.id)
				}
			case auditHash(prev, e) != e.hash.String:
				brk(e.id, access.AuditChanged, "entry %d's hash does not match its fields: the entry was changed, or forged with a made-up hash", e.id)
			default:
				sealed = true
				v.EntriesChecked++
				prev = e.hash.String
			}
			last = e.id
		}
		if err := rows.Close(); err != nil {
			return v, err
		}
		if err := rows.Err(); err != nil {
			return v, err
		}
		if n < auditVerifyBatch {
			break
		}
	}
	if v.FirstBroken == nil && haveHead {
		switch {
		case last < headID:
			brk(last+1, access.AuditTailRemoved, "the chain's head names entry %d as the last, but the log ends at entry %d: entries %d to %d were removed", headID, last, last+1, headID)
		case headHash != prev:
			brk(last, access.AuditHeadChanged, "the chain's head hash does not match the hash of the last entry %d", last)
		}
	}
	v.OK = v.FirstBroken == nil && v.TriggersPresent
	return v, nil
}

// presentTriggers lists the enabled triggers on the audit table.
func presentTriggers(ctx context.Context, tx *sql.Tx, d *Dialect) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'`
	if d.Name == "postgres" {
		q = `SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit'::regclass AND NOT tgisinternal AND tgenabled <> 'D'`
	}
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, rows.Err()
}
