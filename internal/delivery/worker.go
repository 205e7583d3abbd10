// Package delivery runs Bestow's background work (DESIGN §5, §7): the sweeps of what has
// come due, the delivery of the grant ledger into target systems through connectors, the
// custom extension callouts, and the mail outbox. The rules of each step (what a sweep changes, how a delivery result
// moves an assignment along, when a failure is retried) belong to the domain, access; this
// package claims the work, calls the connectors outside any transaction and hands the
// outcomes back.
package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
)

// Defaults of Options.
const (
	// DefaultInterval is how often the worker looks for due work when nothing wakes it.
	DefaultInterval = 5 * time.Second
	// DefaultParallelism is how many connector calls one worker makes at once.
	DefaultParallelism = 4
	// DefaultBatch is how many ledger entries one round claims. A batching connector gets
	// them in one Apply, and their outcomes are recorded in one transaction: large rounds
	// make a mass delivery cost a few commits instead of thousands.
	DefaultBatch = 1000
	// DefaultCallBatch is how many messages one round sends and how many custom extension
	// callouts it makes: one remote exchange each, so fewer than deliveries.
	DefaultCallBatch = 100
	// DefaultReconcileEvery is how often the worker reconciles the connectors (ASG-6).
	DefaultReconcileEvery = time.Hour
)

// Options tune a Worker; zero values take the defaults.
type Options struct {
	Interval    time.Duration // DefaultInterval
	Parallelism int           // connector calls at once; DefaultParallelism
	Batch       int           // ledger entries per round; DefaultBatch
	CallBatch   int           // messages and callouts per round; DefaultCallBatch
	// ReconcileEvery is how often every connector is reconciled; negative never.
	ReconcileEvery time.Duration
	// Outbox sends the mail outbox each round (notify.Outbox); nil leaves mail unsent.
	Outbox Outbox
	// Report receives the error of a round that failed; the worker goes on (the work is
	// retried on the next round). Nil drops them.
	Report func(error)
}

// Outbox sends up to limit due messages and returns how many it worked on.
type Outbox interface {
	Send(ctx context.Context, limit int) (int, error)
}

// Worker delivers the grant ledger of one Service through its connectors. Any number of
// workers, in one process or in many replicas over one database, may run at once: claims
// are leased, so each delivery attempt is made by one of them.
type Worker struct {
	svc   *access.Service
	conns connector.Source
	opts  Options

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a worker for svc that delivers through the connectors conns finds.
func New(svc *access.Service, conns connector.Source, opts Options) *Worker {
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = DefaultParallelism
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.CallBatch <= 0 {
		opts.CallBatch = DefaultCallBatch
	}
	if opts.ReconcileEvery == 0 {
		opts.ReconcileEvery = DefaultReconcileEvery
	}
	return &Worker{svc: svc, conns: conns, opts: opts}
}

// Start runs the worker in the background until Stop or until ctx ends: it works whenever
// the Service signals new work and at least every Interval. Starting a started worker
// does nothing.
func (w *Worker) Start(ctx context.Context) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancel != nil {
		return
	}
	ctx, w.cancel = context.WithCancel(ctx)
	w.done = make(chan struct{})
	go w.loop(ctx, w.done)
}

// Stop stops the worker and waits until its current round has ended; a connector call in
// flight is canceled through its context. Stopping a stopped worker does nothing.
func (w *Worker) Stop() {
	w.mu.Lock()
	cancel, done := w.cancel, w.done
	w.cancel, w.done = nil, nil
	w.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

func (w *Worker) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(w.opts.Interval)
	defer t.Stop()
	var reconciled time.Time
	for {
		if err := w.RunOnce(ctx); err != nil && ctx.Err() == nil && w.opts.Report != nil {
			w.opts.Report(err)
		}
		if w.opts.ReconcileEvery > 0 && time.Since(reconciled) >= w.opts.ReconcileEvery {
			reconciled = time.Now()
			if _, err := w.svc.ReconcileAll(ctx); err != nil && ctx.Err() == nil && w.opts.Report != nil {
				w.opts.Report(err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.svc.Wake():
		}
	}
}

// RunOnce sweeps, delivers, makes custom extension callouts and sends mail until nothing
// is due. Tests call it after
// moving the clock; the background loop calls it when woken.
func (w *Worker) RunOnce(ctx context.Context) error {
	for {
		swept, err := w.svc.Sweep(ctx)
		if err != nil {
			return err
		}
		delivered, err := w.Deliver(ctx)
		if err != nil {
			return err
		}
		called, err := w.Callouts(ctx)
		if err != nil {
			return err
		}
		sent := 0
		if w.opts.Outbox != nil {
			if sent, err = w.opts.Outbox.Send(ctx, w.opts.CallBatch); err != nil {
				return err
			}
		}
		if swept == 0 && delivered == 0 && called == 0 && sent == 0 {
			return nil
		}
	}
}

// Deliver runs one round of delivery: it claims a batch of due ledger entries, asks their
// connectors to grant or revoke outside any transaction, and records the outcomes. A
// connector that offers connector.Batcher gets all of its changes of the round in one
// Apply; the others get one call per change, a few at a time. It returns how many
// entries it worked on.
func (w *Worker) Deliver(ctx context.Context) (int, error) {
	batch, err := w.svc.ClaimDeliveries(ctx, w.opts.Batch)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	bySystem := map[string][]int{} // origin system → indexes into batch
	var systems []string
	for i := range batch {
		s := batch[i].Entry.OriginSystem
		if _, ok := bySystem[s]; !ok {
			systems = append(systems, s)
		}
		bySystem[s] = append(bySystem[s], i)
	}
	sem := make(chan struct{}, w.opts.Parallelism)
	var wg sync.WaitGroup
	for _, system := range systems {
		idx := bySystem[system]
		conn, err := w.conns.Lookup(ctx, system)
		if err != nil {
			for _, i := range idx {
				batch[i].Err = err
			}
			continue
		}
		if b, ok := conn.(connector.Batcher); ok && len(idx) > 1 {
			wg.Add(1)
			go func() { defer wg.Done(); apply(ctx, b, batch, idx) }()
			continue
		}
		for _, i := range idx {
			d := &batch[i]
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				if d.Grant {
					d.Result, d.Err = conn.Grant(ctx, d.RoleGrant())
				} else {
					d.Result, d.Err = conn.Revoke(ctx, d.RoleGrant())
				}
			}()
		}
	}
	wg.Wait()
	return len(batch), w.svc.RecordDeliveries(ctx, batch)
}

// apply hands the deliveries batch[idx] to a batching connector in one call.
func apply(ctx context.Context, b connector.Batcher, batch []access.Delivery, idx []int) {
	changes := make([]connector.Change, len(idx))
	for j, i := range idx {
		changes[j] = connector.Change{Grant: batch[i].RoleGrant(), Add: batch[i].Grant}
	}
	out := b.Apply(ctx, changes)
	for j, i := range idx {
		if j < len(out) {
			batch[i].Result, batch[i].Err = out[j].Result, out[j].Err
		} else {
			batch[i].Err = access.E(access.KindInternal, "the connector answered %d of %d changes", len(out), len(changes))
		}
	}
}
