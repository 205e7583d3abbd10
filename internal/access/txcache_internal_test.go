package access

import (
	"context"
	"testing"
)

// memCollection is a map of ledger entries with versions, enough to test the cache.
type memCollection struct {
	Collection[LedgerEntry]
	m     map[string]LedgerEntry
	reads int
}

func (c *memCollection) Get(_ context.Context, id string) (LedgerEntry, error) {
	c.reads++
	e, ok := c.m[id]
	if !ok {
		return e, ErrNotFound
	}
	return e, nil
}

func (c *memCollection) Put(_ context.Context, e *LedgerEntry) error {
	if cur, ok := c.m[e.ID]; ok && cur.Version != e.Version {
		return ErrVersionConflict
	}
	e.Version++
	c.m[e.ID] = *e
	return nil
}

func (c *memCollection) Delete(_ context.Context, id string) error { delete(c.m, id); return nil }

// TestCachedCollection checks that the transaction's cache serves what it read or wrote
// last, with its version, and forgets what was deleted or failed to save.
func TestCachedCollection(t *testing.T) {
	ctx := context.Background()
	mem := &memCollection{m: map[string]LedgerEntry{"a": {ID: "a", Revision: Revision{Version: 1}}}}
	c := &cachedCollection[LedgerEntry]{Collection: mem, id: func(e *LedgerEntry) string { return e.ID }, m: map[string]LedgerEntry{}}
	e, _ := c.Get(ctx, "a")
	if _, _ = c.Get(ctx, "a"); mem.reads != 1 {
		t.Fatalf("a second Get read the store: %d reads", mem.reads)
	}
	e.Present = true
	if err := c.Put(ctx, &e); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Get(ctx, "a"); !got.Present || got.Version != 2 || mem.reads != 1 {
		t.Errorf("after Put the cache serves %+v (reads %d), want the saved entry at version 2", got, mem.reads)
	}
	stale := e
	stale.Version = 1
	if err := c.Put(ctx, &stale); err == nil {
		t.Fatal("a stale Put succeeded")
	}
	if _, _ = c.Get(ctx, "a"); mem.reads != 2 {
		t.Errorf("after a failed Put the cache still served the entry (reads %d)", mem.reads)
	}
	if err := c.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "a"); !IsKind(err, KindNotFound) {
		t.Errorf("after Delete: %v, want not found", err)
	}
}
