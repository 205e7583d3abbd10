// Package accesstest is the conformance suite every access.Store passes: the storage
// contract itself, and the domain rules run through access.Service on that store, so
// each rule is proven on every backend.
package accesstest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// Opener returns a new, empty, migrated store for one test.
type Opener func(t *testing.T) access.Store

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Opener) {
	t.Run("Store", func(t *testing.T) { runStore(t, open) })
	t.Run("Rules", func(t *testing.T) { runRules(t, open) })
	t.Run("Lifecycle", func(t *testing.T) { runLifecycle(t, open) })
	t.Run("Reprocess", func(t *testing.T) { runReprocess(t, open) })
	t.Run("PreExisting", func(t *testing.T) { runPreExisting(t, open) })
	t.Run("External", func(t *testing.T) { runExternal(t, open) })
	t.Run("Audit", func(t *testing.T) { runAudit(t, open) })
	t.Run("Extensions", func(t *testing.T) { runExtensions(t, open) })
	t.Run("Reports", func(t *testing.T) { runReports(t, open) })
	t.Run("Overview", func(t *testing.T) { runOverview(t, open) })
	t.Run("Compose", func(t *testing.T) { runCompose(t, open) })
}

// Clock is a settable clock for tests.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at a fixed instant.
func NewClock() *Clock { return &Clock{now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// SeqIDs makes predictable UUID-shaped ids.
type SeqIDs struct{ n atomic.Int64 }

// NewID returns the next id.
func (s *SeqIDs) NewID() string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.n.Add(1))
}

// NewService returns a service over a fresh store with a test clock, initialized.
func NewService(t *testing.T, open Opener) (*access.Service, *Clock) {
	t.Helper()
	clock := NewClock()
	svc := access.NewService(open(t), clock, &SeqIDs{})
	if err := svc.Init(context.Background()); err != nil {
		t.Fatalf("Init: %v", err)
	}
	return svc, clock
}

func wantKind(t *testing.T, err error, k access.Kind) {
	t.Helper()
	if got := access.KindOf(err); err == nil || got != k {
		t.Fatalf("got error %v (kind %v), want kind %v", err, got, k)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
