package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

// The write path keeps audit entries back and inserts them many rows at a time, and
// takes the before of an update from what the transaction read. These tests check that
// neither changes what the log holds.

func TestAuditEntriesHeldBack(t *testing.T) { // SEC-6, RPT-2
	chainBackends(t, func(t *testing.T, open func(t *testing.T) chainDB) {
		c := open(t)
		ctx := context.Background()
		first := c.lastID(t)
		const n = 150 // more than two multi-row INSERTs' worth
		err := c.store.Write(ctx, func(tx access.Tx) error {
			for i := range n {
				u := access.User{ID: fmt.Sprintf("u%03d", i), DisplayName: fmt.Sprint("User ", i), UserPrincipalName: fmt.Sprintf("u%03d@example.com", i), AccountEnabled: true}
				if err := tx.Users().Put(ctx, &u); err != nil {
					return err
				}
			}
			// What the transaction wrote is in the log it reads.
			got, err := tx.AuditLog(ctx, access.AuditQuery{ObjectType: access.AuditUser, Limit: 1000})
			if err != nil {
				return err
			}
			seen := map[string]bool{}
			for _, e := range got {
				seen[e.ObjectID] = true
			}
			for i := range n {
				if id := fmt.Sprintf("u%03d", i); !seen[id] {
					return fmt.Errorf("the transaction's own audit log lacks the creation of %s", id)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if last := c.lastID(t); last != first+n {
			t.Fatalf("the log grew from %d to %d entries, want %d more", first, last, n)
		}
		if v := c.verify(t); !v.OK || v.EntriesChecked != first+n {
			t.Fatalf("the chain after a transaction of %d entries: %+v", n, v)
		}

		// A transaction that fails leaves no entries, and the chain goes on after it.
		boom := errors.New("boom")
		err = c.store.Write(ctx, func(tx access.Tx) error {
			for i := range 100 {
				u := access.User{ID: fmt.Sprintf("gone%03d", i), DisplayName: "Gone", UserPrincipalName: fmt.Sprintf("gone%03d@example.com", i)}
				if err := tx.Users().Put(ctx, &u); err != nil {
					return err
				}
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("the failed transaction returned %v", err)
		}
		if last := c.lastID(t); last != first+n {
			t.Fatalf("a rolled back transaction left entries: the last is %d, want %d", last, first+n)
		}
		err = c.store.Write(ctx, func(tx access.Tx) error {
			u := access.User{ID: "after", DisplayName: "After", UserPrincipalName: "after@example.com"}
			return tx.Users().Put(ctx, &u)
		})
		if err != nil {
			t.Fatal(err)
		}
		if v := c.verify(t); !v.OK || v.EntriesChecked != first+n+1 {
			t.Fatalf("the chain after a rollback and one more entry: %+v", v)
		}
	})
}

func TestUpdateBeforeFromTransaction(t *testing.T) { // RPT-2, and conflicts are never lost updates
	chainBackends(t, func(t *testing.T, open func(t *testing.T) chainDB) {
		c := open(t)
		ctx := context.Background()
		put := func(name string) access.User {
			t.Helper()
			var u access.User
			err := c.store.Write(ctx, func(tx access.Tx) error {
				u = access.User{ID: "kim", DisplayName: name, UserPrincipalName: "kim@example.com"}
				return tx.Users().Put(ctx, &u)
			})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		stale := put("Kim 1")

		// Read, save, save again in one transaction: each entry's before is the document
		// the save replaced.
		err := c.store.Write(ctx, func(tx access.Tx) error {
			u, err := tx.Users().Get(ctx, "kim")
			if err != nil {
				return err
			}
			u.DisplayName = "Kim 2"
			if err := tx.Users().Put(ctx, &u); err != nil {
				return err
			}
			u.DisplayName = "Kim 3"
			return tx.Users().Put(ctx, &u)
		})
		if err != nil {
			t.Fatal(err)
		}
		var entries []access.AuditEntry
		err = c.store.Read(ctx, func(tx access.Tx) error {
			var err error
			entries, err = tx.AuditLog(ctx, access.AuditQuery{ObjectID: "kim", Limit: 10})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]string{} // before's name → after's name
		for _, e := range entries {
			if e.Action == access.AuditUpdate {
				names[displayName(t, e.Before)] = displayName(t, e.After)
			}
		}
		if len(names) != 2 || names["Kim 1"] != "Kim 2" || names["Kim 2"] != "Kim 3" {
			t.Fatalf("updates recorded as (before → after) %v, want Kim 1 → Kim 2 and Kim 2 → Kim 3", names)
		}

		// A copy read before those saves is stale: saving it is a conflict, also in a
		// transaction that read the current one first.
		err = c.store.Write(ctx, func(tx access.Tx) error {
			if _, err := tx.Users().Get(ctx, "kim"); err != nil {
				return err
			}
			s := stale
			s.DisplayName = "Lost"
			return tx.Users().Put(ctx, &s)
		})
		if !errors.Is(err, access.ErrVersionConflict) {
			t.Fatalf("saving a stale copy returned %v, want a version conflict", err)
		}
	})
}

func displayName(t *testing.T, doc json.RawMessage) string {
	t.Helper()
	var u struct{ DisplayName string }
	if err := json.Unmarshal(doc, &u); err != nil {
		t.Fatalf("audit document %s: %v", doc, err)
	}
	return u.DisplayName
}

func TestUpdateWritesChangedColumns(t *testing.T) { // an update after a read sets only the indexed columns that changed
	chainBackends(t, func(t *testing.T, open func(t *testing.T) chainDB) {
		c := open(t)
		ctx := context.Background()
		byUPN := func(tx access.Tx, upn string) int {
			list, err := tx.Users().List(ctx, access.By(access.KeyUPN, upn))
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		err := c.store.Write(ctx, func(tx access.Tx) error {
			u := access.User{ID: "lee", DisplayName: "Lee", UserPrincipalName: "lee@example.com"}
			if err := tx.Users().Put(ctx, &u); err != nil {
				return err
			}
			u.DisplayName = "Lee Two" // no indexed column changes
			if err := tx.Users().Put(ctx, &u); err != nil {
				return err
			}
			if byUPN(tx, "lee@example.com") != 1 {
				t.Error("after a change of its name, the user is not found by its userPrincipalName")
			}
			got, err := tx.Users().Get(ctx, "lee")
			if err != nil {
				return err
			}
			got.UserPrincipalName = "lee.two@example.com" // an indexed column changes
			if err := tx.Users().Put(ctx, &got); err != nil {
				return err
			}
			if byUPN(tx, "lee@example.com") != 0 || byUPN(tx, "lee.two@example.com") != 1 {
				t.Error("after a change of userPrincipalName, the index still has the old one or lacks the new")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = c.store.Read(ctx, func(tx access.Tx) error {
			u, err := tx.Users().Get(ctx, "lee")
			if err != nil {
				return err
			}
			if u.DisplayName != "Lee Two" || u.UserPrincipalName != "lee.two@example.com" || byUPN(tx, "lee.two@example.com") != 1 {
				t.Errorf("committed user %+v", u)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
