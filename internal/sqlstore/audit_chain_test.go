package sqlstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/postgres/pgtest"
	"github.com/bestowhq/bestow/internal/sqlite"
	"github.com/bestowhq/bestow/internal/sqlstore"
)

// chainDB is a store with some audited changes made through the Service, and a second
// connection to its database, as an attacker with write access would have.
type chainDB struct {
	store *sqlstore.Store
	raw   *sql.DB
	pg    bool
}

// dropTrigger drops one of the audit table's triggers through the raw connection.
func (c chainDB) dropTrigger(t *testing.T, name string) {
	t.Helper()
	q := "DROP TRIGGER " + name
	if c.pg {
		q += " ON audit"
	}
	c.exec(t, q)
}

func (c chainDB) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := c.raw.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (c chainDB) verify(t *testing.T) access.AuditVerification {
	t.Helper()
	v, err := c.store.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (c chainDB) lastID(t *testing.T) int64 {
	t.Helper()
	var id int64
	if err := c.raw.QueryRow("SELECT max(id) FROM audit").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// chainBackends runs fn on SQLite and, when BESTOW_TEST_POSTGRES is set, PostgreSQL,
// each time on a new database.
func chainBackends(t *testing.T, fn func(t *testing.T, open func(t *testing.T) chainDB)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, func(t *testing.T) chainDB {
			path := filepath.Join(t.TempDir(), "bestow.db")
			s, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { raw.Close() })
			return populate(t, chainDB{store: s, raw: raw})
		})
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, func(t *testing.T) chainDB {
			s, url := pgtest.OpenURL(t)
			raw, err := sql.Open("pgx", url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { raw.Close() })
			return populate(t, chainDB{store: s, raw: raw, pg: true})
		})
	})
}

// populate makes audited changes through the Service: the Default catalog and settings,
// a Global Administrator with a token, a user, and two more tokens.
func populate(t *testing.T, c chainDB) chainDB {
	t.Helper()
	ctx := context.Background()
	svc := access.NewService(c.store, nil, nil)
	if err := svc.Init(ctx); err != nil {
		t.Fatal(err)
	}
	_, secret, err := svc.Bootstrap(ctx, "root@example.com")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := svc.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(ctx, admin, access.User{DisplayName: "Ann", UserPrincipalName: "ann@example.com", AccountEnabled: true}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"one", "two"} {
		if _, _, err := svc.CreateToken(ctx, "root@example.com", name, 0); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestAuditChain(t *testing.T) { // SEC-6, RPT-2
	chainBackends(t, func(t *testing.T, open func(t *testing.T) chainDB) {
		t.Run("SEC-6 an untouched log verifies", func(t *testing.T) {
			c := open(t)
			v := c.verify(t)
			n := c.lastID(t)
			if !v.OK || v.FirstBroken != nil || !v.TriggersPresent || len(v.MissingTriggers) != 0 {
				t.Fatalf("verification of an untouched log: %+v %+v", v, v.FirstBroken)
			}
			if v.EntriesChecked != n || n < 6 || v.LastID != strconv.FormatInt(n, 10) || len(v.HeadHash) != 64 || v.Unsealed != 0 {
				t.Errorf("verification counts: %+v (max id %d)", v, n)
			}
			// The append-only triggers refuse changes and deletions.
			if _, err := c.raw.Exec("DELETE FROM audit WHERE id = 2"); err == nil {
				t.Errorf("an entry could be deleted")
			}
			if _, err := c.raw.Exec("UPDATE audit SET actor_name = 'x' WHERE id = 2"); err == nil {
				t.Errorf("an entry could be changed")
			}
		})

		t.Run("SEC-6 a deleted entry breaks the chain at the next one", func(t *testing.T) {
			c := open(t)
			c.dropTrigger(t, "audit_no_delete")
			c.exec(t, "DELETE FROM audit WHERE id = 3")
			v := c.verify(t)
			if v.OK || v.FirstBroken == nil || v.FirstBroken.EntryID != "4" || v.FirstBroken.Problem != access.AuditRemoved {
				t.Fatalf("after deleting entry 3: %+v %+v", v, v.FirstBroken)
			}
			if v.TriggersPresent || !slices.Contains(v.MissingTriggers, "audit_no_delete") {
				t.Errorf("the dropped trigger is not reported: %+v", v)
			}
		})

		t.Run("SEC-6 a deleted tail is reported", func(t *testing.T) {
			c := open(t)
			n := c.lastID(t)
			c.dropTrigger(t, "audit_no_delete")
			c.exec(t, "DELETE FROM audit WHERE id = $1", n)
			v := c.verify(t)
			if v.FirstBroken == nil || v.FirstBroken.EntryID != strconv.FormatInt(n, 10) || v.FirstBroken.Problem != access.AuditTailRemoved {
				t.Fatalf("after deleting the last entry %d: %+v %+v", n, v, v.FirstBroken)
			}
		})

		t.Run("SEC-6 a forged entry is reported", func(t *testing.T) {
			c := open(t)
			n := c.lastID(t)
			var prev string
			if err := c.raw.QueryRow("SELECT hash FROM audit WHERE id = $1", n).Scan(&prev); err != nil {
				t.Fatal(err)
			}
			q := `INSERT INTO audit (id, at, actor_id, actor_name, action, object_type, object_id, before_doc, after_doc, prev_hash, hash)
				VALUES ($1, '0000001700000000000', '', 'Bestow', 'create', 'user', 'u1', NULL, '{}', $2, $3)`
			if c.pg {
				q = `INSERT INTO audit (id, at, actor_id, actor_name, action, object_type, object_id, before_doc, after_doc, prev_hash, hash)
				OVERRIDING SYSTEM VALUE VALUES ($1, '0000001700000000000', '', 'Bestow', 'create', 'user', 'u1', NULL, '{}', $2, $3)`
			}
			made := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			c.exec(t, q, n+1, prev, made)
			v := c.verify(t)
			if v.OK || v.FirstBroken == nil || v.FirstBroken.EntryID != strconv.FormatInt(n+1, 10) || v.FirstBroken.Problem != access.AuditForged {
				t.Fatalf("after a forged entry %d: %+v %+v", n+1, v, v.FirstBroken)
			}
			// Moving the head along too does not help: the made-up hash does not match.
			c.exec(t, "UPDATE audit_head SET last_id = $1, hash = $2", n+1, made)
			v = c.verify(t)
			if v.FirstBroken == nil || v.FirstBroken.EntryID != strconv.FormatInt(n+1, 10) || v.FirstBroken.Problem != access.AuditChanged {
				t.Fatalf("after a forged entry %d and head: %+v %+v", n+1, v, v.FirstBroken)
			}
		})

		t.Run("SEC-6 a changed document is reported", func(t *testing.T) {
			c := open(t)
			c.dropTrigger(t, "audit_append_only")
			c.exec(t, `UPDATE audit SET after_doc = '{"displayName":"someone else"}' WHERE id = 2`)
			v := c.verify(t)
			if v.OK || v.FirstBroken == nil || v.FirstBroken.EntryID != "2" || v.FirstBroken.Problem != access.AuditChanged {
				t.Fatalf("after changing entry 2: %+v %+v", v, v.FirstBroken)
			}
			if !slices.Contains(v.MissingTriggers, "audit_append_only") {
				t.Errorf("the dropped trigger is not reported: %+v", v)
			}
		})
	})
}

func TestAuditChainUnsealed(t *testing.T) { // SEC-6: entries older than the chain
	// A database migrated before 0005 keeps its entries without hashes; the chain starts
	// after them.
	path := filepath.Join(t.TempDir(), "bestow.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{
		`INSERT INTO audit (id, at, actor_id, actor_name, action, object_type, object_id) VALUES (1, '0000001700000000000', '', 'Bestow', 'create', 'user', 'old1')`,
		`INSERT INTO audit (id, at, actor_id, actor_name, action, object_type, object_id) VALUES (2, '0000001700000000000', '', 'Bestow', 'create', 'user', 'old2')`,
		`UPDATE audit_head SET last_id = 2`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	populate(t, chainDB{store: s, raw: raw})
	v, err := s.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK || v.Unsealed != 2 || v.EntriesChecked < 6 {
		t.Errorf("with two unsealed entries: %+v %+v", v, v.FirstBroken)
	}
}
