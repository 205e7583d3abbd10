package delivery_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/access/accesstest"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/delivery"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
)

func newWorld(t *testing.T) *accesstest.World {
	return accesstest.NewWorld(t, func(t *testing.T) access.Store { return sqlitetest.Open(t) })
}

// waitFor polls cond until it holds, failing the test after a generous deadline (the
// worker runs in the background; this is not a measurement).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestWorkerStartStop runs the worker in the background: a direct assignment is delivered
// without anyone calling it, Stop waits for the loop to end, and a stopped worker starts
// again.
func TestWorkerStartStop(t *testing.T) { // REQ-1
	w := newWorld(t)
	g := w.Group("Sales")
	p := w.Package("Sales", g)
	pol := w.Policy(p, "direct", accesstest.DirectOnly)
	ann, _ := w.User("ann")
	bob, _ := w.User("bob")

	w.Worker.Start(context.Background())
	w.Worker.Start(context.Background()) // a second Start does nothing
	req := w.Assign(ann, p, pol)
	waitFor(t, "ann's assignment to be delivered", func() bool { return w.Req(req.ID).State == access.StateDelivered })
	if !w.IsMember(g, ann) {
		t.Fatal("the request is delivered but ann is not in the group")
	}
	w.Worker.Stop()
	w.Worker.Stop() // a second Stop does nothing

	req = w.Assign(bob, p, pol)
	w.Worker.Start(context.Background())
	defer w.Worker.Stop()
	waitFor(t, "bob's assignment to be delivered after a restart", func() bool { return w.Req(req.ID).State == access.StateDelivered })
}

// TestNoConnector checks that a role of an origin system no connector serves fails its
// delivery at once, with a reason that says what to do (REQ-8: a permanent error).
func TestNoConnector(t *testing.T) { // REQ-8
	w := newWorld(t)
	p := w.Package("Sales", w.Group("Sales"))
	pol := w.Policy(p, "direct", accesstest.DirectOnly)
	ann, _ := w.User("ann")
	req := w.Assign(ann, p, pol)
	worker := delivery.New(w.Svc, connector.Registry{}, delivery.Options{})
	w.Must(worker.RunOnce(w.Ctx))

	r := w.Req(req.ID)
	if a := w.Asg(r.AssignmentID); a.State != access.AsgDeliveryFailed {
		t.Fatalf("assignment state = %s, want %s", a.State, access.AsgDeliveryFailed)
	}
	var reasons []string
	w.Must(w.Svc.Store().Read(w.Ctx, func(tx access.Tx) error {
		entries, err := tx.Ledger().List(w.Ctx, access.By(access.KeyTarget, ann.ID))
		for _, e := range entries {
			reasons = append(reasons, e.LastError)
		}
		return err
	}))
	if len(reasons) != 1 || !strings.Contains(reasons[0], "no connector delivers roles of origin system 'AadGroup'; configure one") {
		t.Errorf("delivery errors = %q", reasons)
	}
}
