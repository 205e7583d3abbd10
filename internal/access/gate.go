package access

import (
	"context"
	"errors"
	"time"
)

// The gate (SEC-3). Every use case a caller starts runs in one transaction that the
// Service opens with read, write or update, and that transaction is an *op: the store's
// Tx together with who acts, when, and whether the gate has decided. A use case decides
// with op.authorize or op.can (the role matrix of rbac.go) or op.allow (self-service and
// public reads, with the reason). A transaction that ends without any decision fails with
// an Internal error and keeps nothing it wrote, so a use case whose check was forgotten
// answers 500, never data, and the route-walking test in graphapi finds it. Work Bestow
// does on its own (the worker, the sweeps, the CLI) uses system and is listed by name in
// TestGateEveryUseCase.

// op is the transaction of one use case.
type op struct {
	Tx
	who     Actor
	now     time.Time
	decided bool
}

// authorize returns nil when the actor may do a on t, and otherwise the Forbidden error
// of ADM-2 (action, scope and the roles that would allow it). Either way the gate has
// decided.
func (o *op) authorize(a Action, t Target) error {
	o.decided = true
	return o.who.Authorize(a, t)
}

// can reports whether the actor may do a on t: for lists that show each object only to
// those who may read it. The gate has decided.
func (o *op) can(a Action, t Target) bool {
	o.decided = true
	return o.who.Can(a, t)
}

// authorizeAnywhere refuses, before a use case reads its input, a caller who holds no role
// that allows a anywhere (tenant-wide or in any catalog): nothing they sent is looked at,
// so a body's mistakes are not shown to someone who could not act on it anyway. The gate
// has not decided yet when it returns nil: the use case still authorizes on its target.
func (o *op) authorizeAnywhere(a Action) error {
	if o.who.MayAnywhere(a) {
		return nil
	}
	return o.authorize(a, Target{})
}

// allow records that the use case needs no role: self-service (the caller's own requests,
// approvals and assignments, which the use case selects by the caller's id) or something
// every signed-in person may read. why says which, for the reader of the code.
func (o *op) allow(why string) {
	_ = why
	o.decided = true
}

// self reports whether userID is the caller; a use case that serves a caller's own data
// calls it (and has then decided).
func (o *op) self(userID string) bool {
	o.decided = true
	return userID != "" && userID == o.who.UserID
}

// grantCatalogRole gives the actor a catalog role for the rest of the transaction: the
// actor's grants are read before the transaction starts, so a role the transaction itself
// assigns (the owner of a catalog it creates, ADM-4) counts only through this. The grants
// are copied, not changed in place: the caller's Actor shares their maps, and a retried
// transaction starts again from the grants it had.
func (o *op) grantCatalogRole(catalogID, role string) {
	g := Grants{Tenant: o.who.Grants.Tenant, Catalog: make(map[string]map[string]bool, len(o.who.Grants.Catalog)+1)}
	for id, roles := range o.who.Grants.Catalog {
		g.Catalog[id] = roles
	}
	roles := make(map[string]bool, len(g.Catalog[catalogID])+1)
	for r := range g.Catalog[catalogID] {
		roles[r] = true
	}
	roles[role] = true
	g.Catalog[catalogID] = roles
	o.who.Grants = g
}

// errUngated is what a use case that never decided returns.
var errUngated = E(KindInternal, "a use case finished without an authorization decision: every transaction of the Service must pass the gate (op.authorize, op.can, op.allow or op.self)")

func (s *Service) newOp(tx Tx, who Actor) *op {
	return &op{Tx: tx, who: who, now: s.clock.Now()}
}

func (o *op) done(err error) error {
	if err == nil && !o.decided {
		return errUngated
	}
	return err
}

// read runs fn in a read transaction for who.
func (s *Service) read(ctx context.Context, who Actor, fn func(*op) error) error {
	return s.store.Read(WithActor(ctx, who), func(tx Tx) error {
		o := s.newOp(tx, who)
		return o.done(fn(o))
	})
}

// write runs fn in a write transaction for who; the store records who and the service's
// time as the author of every change (RPT-2).
func (s *Service) write(ctx context.Context, who Actor, fn func(*op) error) error {
	now := s.clock.Now()
	return s.store.Write(WithTime(WithActor(ctx, who), now), func(tx Tx) error {
		o := &op{Tx: tx, who: who, now: now}
		return o.done(fn(o))
	})
}

// update loads an object, applies change, and saves it with a version check, all in one
// write transaction for who, retrying when a concurrent writer got there first (the
// change is re-applied to the fresh object, so nothing is lost). load is where the gate
// decides; change returns an error to abort.
func update[T any](ctx context.Context, s *Service, who Actor, load func(*op) (T, error), change func(*op, *T) error, save func(*op, *T) error) (T, error) {
	var out T
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = s.write(ctx, who, func(o *op) error {
			v, err := load(o)
			if err != nil {
				return err
			}
			if err := change(o, &v); err != nil {
				return err
			}
			if err := save(o, &v); err != nil {
				return err
			}
			out = v
			return nil
		})
		if !errors.Is(err, ErrVersionConflict) {
			return out, err
		}
	}
	return out, err
}

// system runs fn in a write transaction for Bestow itself: work nobody asked for through
// the API (the worker, the sweeps, the mail sender, the CLI).
func (s *Service) system(ctx context.Context, fn func(Tx) error) error {
	return s.store.Write(WithTime(WithActor(ctx, SystemActor), s.clock.Now()), fn)
}

// systemRead runs fn in a read transaction for Bestow itself.
func (s *Service) systemRead(ctx context.Context, fn func(Tx) error) error {
	return s.store.Read(WithActor(ctx, SystemActor), fn)
}
