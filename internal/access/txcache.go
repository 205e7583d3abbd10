package access

import (
	"context"
	"fmt"
)

// cachedTx is a transaction that remembers the ledger entries, packages, policies and
// policy versions it read or wrote, so that one pass over many assignments (recording a
// batch of deliveries, ending a batch of assignments) reads each once. It is correct only
// inside the one transaction it wraps: what it remembers is what this transaction last
// saw or wrote.
type cachedTx struct {
	Tx
	ledger   *cachedCollection[LedgerEntry]
	packages *cachedCollection[Package]
	policies *cachedCollection[Policy]
	versions map[string]Policy // policy id and version → that version (versions never change)
}

func newCachedTx(tx Tx) *cachedTx {
	return &cachedTx{Tx: tx,
		ledger:   &cachedCollection[LedgerEntry]{Collection: tx.Ledger(), id: func(e *LedgerEntry) string { return e.ID }, m: map[string]LedgerEntry{}},
		packages: &cachedCollection[Package]{Collection: tx.Packages(), id: func(p *Package) string { return p.ID }, m: map[string]Package{}},
		policies: &cachedCollection[Policy]{Collection: tx.Policies(), id: func(p *Policy) string { return p.ID }, m: map[string]Policy{}},
		versions: map[string]Policy{}}
}

func (c *cachedTx) Ledger() Collection[LedgerEntry] { return c.ledger }
func (c *cachedTx) Packages() Collection[Package]   { return c.packages }
func (c *cachedTx) Policies() Collection[Policy]    { return c.policies }

// PolicyVersion serves a policy version this transaction read before from memory: a
// stored version never changes.
func (c *cachedTx) PolicyVersion(ctx context.Context, id string, version int64) (Policy, error) {
	key := fmt.Sprintf("%s\x00%d", id, version)
	if p, ok := c.versions[key]; ok {
		return p, nil
	}
	p, err := c.Tx.PolicyVersion(ctx, id, version)
	if err == nil {
		c.versions[key] = p
	}
	return p, err
}

// cachedCollection serves Get from what it last read or wrote; everything else goes to
// the collection (and a Delete or a failed Put forgets the object).
type cachedCollection[T any] struct {
	Collection[T]
	id func(*T) string
	m  map[string]T
}

func (c *cachedCollection[T]) Get(ctx context.Context, id string) (T, error) {
	if v, ok := c.m[id]; ok {
		return v, nil
	}
	v, err := c.Collection.Get(ctx, id)
	if err == nil {
		c.m[id] = v
	}
	return v, err
}

func (c *cachedCollection[T]) Put(ctx context.Context, v *T) error {
	id := c.id(v)
	if err := c.Collection.Put(ctx, v); err != nil {
		delete(c.m, id)
		return err
	}
	c.m[id] = *v
	return nil
}

func (c *cachedCollection[T]) Delete(ctx context.Context, id string) error {
	delete(c.m, id)
	return c.Collection.Delete(ctx, id)
}
