package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/directory"
	"github.com/bestowhq/bestow/internal/delivery"
	"github.com/bestowhq/bestow/internal/notify"
)

// LifecycleSize says how much the lifecycle benchmark does.
type LifecycleSize struct {
	// Requests is N: auto-approved userAdd requests, one per user, for one package that
	// grants the Member role of three groups.
	Requests int
	// Submitters is how many goroutines submit the requests (and the bare writes).
	Submitters int
	// Expire is M: direct assignments that all end at the same moment (0 skips the part).
	Expire int
	// ExpireRoles is how many group Member roles the expiring package grants.
	ExpireRoles int
	// Timeout bounds each wait for the worker (delivery of the N requests).
	Timeout time.Duration
	// Rate, when above 0, paces the submissions at that many requests per second in total
	// (an open loop); 0 submits as fast as the submitters can.
	Rate float64
}

// DefaultLifecycle is the size "bestow bench lifecycle" runs by default.
var DefaultLifecycle = LifecycleSize{Requests: 2000, Submitters: 8, Expire: 100000, ExpireRoles: 1, Timeout: 30 * time.Minute}

// LifecycleResult holds the figures of the lifecycle benchmark.
type LifecycleResult struct {
	Requests   int // N submitted
	Delivered  int // of them in state delivered at the end
	Groups     int // groups the package grants (3)
	Members    []int
	Submitters int
	Rate       float64 // requests/s offered, 0 for as fast as possible

	SubmitTime time.Duration // until the last SubmitRequest returned
	Wall       time.Duration // from the first submit until the last request was delivered
	PerSecond  float64       // Requests / Wall
	P50, P99   time.Duration // submit→delivered latency per request
	Max        time.Duration
	WorkerErrs int

	BareWrites     int
	BareConcurrent time.Duration // BareWrites single-row write transactions from Submitters goroutines
	BareSequential time.Duration // the same, one after another
	// Ratio is the lifecycle's wall time per request over the bare write's wall time per
	// write, both at Submitters goroutines; RatioSequential compares with one bare write
	// done alone.
	Ratio, RatioSequential float64

	Expiry *ExpiryResult // nil when Expire is 0
}

// ExpiryResult holds the figures of the expiry part.
type ExpiryResult struct {
	Assignments int
	Roles       int // group Member roles per assignment
	UsersSetup  time.Duration
	Submit      time.Duration // M adminAdd SubmitRequest calls
	Deliver     time.Duration // the worker's RunOnce until every grant was delivered
	Sweep       time.Duration // the first svc.Sweep after the end: ends the first batch (access.SweepBatch)
	Revoke      time.Duration // the worker's RunOnce (sweep and revocation) until nothing is due; includes Sweep
	Expired     int           // assignments expired at the end
	Active      int           // assignments still active at the end (want 0)
	Members     int           // members left in the package's groups (want 0)
	Removals    int           // systemRemove requests delivered
}

// Creation is the time to create and deliver the M assignments.
func (e *ExpiryResult) Creation() time.Duration { return e.Submit + e.Deliver }

// manualClock is a settable clock.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *manualClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// newService returns an initialized service over store; clock nil is the system clock.
func newService(ctx context.Context, store access.Store, clock access.Clock) (*access.Service, error) {
	svc := access.NewService(store, clock, nil)
	if err := svc.Init(ctx); err != nil {
		return nil, err
	}
	return svc, nil
}

// newWorker returns a delivery worker for svc that delivers into the built-in directory;
// clock nil is the system clock.
func newWorker(svc *access.Service, clock access.Clock, opts delivery.Options) *delivery.Worker {
	conns := connector.Registry{}
	directory.New(svc.Store(), clock, nil).Register(conns)
	opts.Outbox = notify.NewOutbox(svc, nil) // no mail server: messages are recorded as skipped
	return delivery.New(svc, conns, opts)
}

// RunLifecycle runs the lifecycle benchmark on store (migrated; it may hold other data).
// progress may be nil.
func RunLifecycle(ctx context.Context, store access.Store, size LifecycleSize, progress io.Writer) (LifecycleResult, error) {
	if progress == nil {
		progress = io.Discard
	}
	if size.Submitters <= 0 {
		size.Submitters = 1
	}
	if size.Timeout <= 0 {
		size.Timeout = DefaultLifecycle.Timeout
	}
	if size.ExpireRoles <= 0 {
		size.ExpireRoles = 1
	}
	res := LifecycleResult{Requests: size.Requests, Submitters: size.Submitters, Rate: size.Rate}
	tag := access.NewUUID()[:8] // keeps names unique when the database is reused
	svc, err := newService(ctx, store, nil)
	if err != nil {
		return res, err
	}
	if err := requests(ctx, svc, size, tag, &res, progress); err != nil {
		return res, err
	}
	if err := bareWrites(ctx, store, size, tag, &res, progress); err != nil {
		return res, err
	}
	perReq := res.Wall.Seconds() / float64(res.Requests)
	res.Ratio = perReq / (res.BareConcurrent.Seconds() / float64(res.BareWrites))
	res.RatioSequential = perReq / (res.BareSequential.Seconds() / float64(res.BareWrites))
	if size.Expire > 0 {
		e, err := expiry(ctx, store, size, tag, progress)
		res.Expiry = &e
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// catalog creates a published catalog with a package granting the Member role of each of
// n new groups.
func catalog(ctx context.Context, svc *access.Service, name string, n int) (access.Package, []access.Group, error) {
	who := access.SystemActor
	c, err := svc.CreateCatalog(ctx, who, access.Catalog{DisplayName: name, State: access.CatalogPublished, IsExternallyVisible: true})
	if err != nil {
		return access.Package{}, nil, err
	}
	p, err := svc.CreatePackage(ctx, who, access.Package{DisplayName: name + " package", Description: "bench"}, c.ID)
	if err != nil {
		return access.Package{}, nil, err
	}
	var groups []access.Group
	for i := range n {
		g, err := svc.CreateGroup(ctx, who, access.Group{DisplayName: fmt.Sprintf("%s group %d", name, i), SecurityEnabled: true,
			MailNickname: fmt.Sprintf("%s-g%d", name, i)})
		if err != nil {
			return p, nil, err
		}
		groups = append(groups, g)
		if _, _, err := svc.RequestResource(ctx, who, access.ResourceChange{RequestType: access.ResourceAdminAdd, CatalogID: c.ID,
			OriginSystem: access.OriginGroup, OriginID: g.ID}); err != nil {
			return p, nil, err
		}
		if _, err := svc.AddRoleScope(ctx, who, p.ID, access.RoleRef{OriginSystem: access.OriginGroup, ResourceOriginID: g.ID,
			RoleOriginID: access.GroupRole(g.ID, access.RelMember)}); err != nil {
			return p, nil, err
		}
	}
	return p, groups, nil
}

// members returns the direct members of a group.
func members(ctx context.Context, store access.Store, groupID string) ([]string, error) {
	var ids []string
	err := store.Read(ctx, func(tx access.Tx) error {
		var err error
		ids, err = tx.Related(ctx, groupID, access.RelMember)
		return err
	})
	return ids, err
}

// parallel runs fn(i) for i in [0, n) on k goroutines and returns the first error.
func parallel(ctx context.Context, n, k int, fn func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range k {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = fmt.Errorf("item %d: %w", i, err) })
					next.Store(int64(n)) // stop the others
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// requests measures N auto-approved userAdd requests with the worker running.
func requests(ctx context.Context, svc *access.Service, size LifecycleSize, tag string, res *LifecycleResult, progress io.Writer) error {
	n := size.Requests
	name := "lifecycle " + tag
	p, groups, err := catalog(ctx, svc, name, 3)
	if err != nil {
		return err
	}
	res.Groups = len(groups)
	if _, err := svc.CreatePolicy(ctx, access.SystemActor, access.Policy{DisplayName: name + " self-service",
		AllowedTargetScope: access.ScopeAllMemberUsers,
		RequestorSettings:  access.RequestorSettings{EnableTargetsToSelfAddAccess: true},
		Expiration:         access.Expiration{Type: access.ExpireNever}}, p.ID); err != nil {
		return err
	}
	users := make([]access.User, n)
	actors := make([]access.Actor, n)
	start := time.Now()
	for i := range n {
		u, err := svc.CreateUser(ctx, access.SystemActor, access.User{DisplayName: fmt.Sprintf("LC %s user %d", tag, i),
			UserPrincipalName: fmt.Sprintf("lc-%s-%d@bench.example", tag, i), AccountEnabled: true})
		if err != nil {
			return err
		}
		if actors[i], err = svc.ActorFor(ctx, u.ID); err != nil {
			return err
		}
		users[i] = u
	}
	fmt.Fprintf(progress, "lifecycle: created %d users, 3 groups, 1 package, 1 policy in %v\n", n, time.Since(start).Round(time.Millisecond))

	var werrs atomic.Int64
	var firstErr atomic.Value
	worker := newWorker(svc, nil, delivery.Options{Interval: 50 * time.Millisecond, Report: func(err error) {
		if werrs.Add(1) == 1 {
			firstErr.Store(err)
		}
	}})
	worker.Start(ctx)
	defer worker.Stop()

	submitted := make([]time.Time, n)
	reqIDs := make([]string, n)
	t0 := time.Now()
	err = parallel(ctx, n, size.Submitters, func(i int) error {
		if size.Rate > 0 {
			time.Sleep(time.Until(t0.Add(time.Duration(float64(i) / size.Rate * float64(time.Second)))))
		}
		submitted[i] = time.Now()
		r, err := svc.SubmitRequest(ctx, actors[i], access.RequestInput{RequestType: access.ReqUserAdd, PackageID: p.ID})
		reqIDs[i] = r.ID
		return err
	})
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	res.SubmitTime = time.Since(t0)
	fmt.Fprintf(progress, "lifecycle: %d userAdd requests submitted in %v from %d goroutines\n", n, res.SubmitTime.Round(time.Millisecond), size.Submitters)

	// Wait until every request is delivered.
	deadline := time.Now().Add(size.Timeout)
	for {
		var delivered, failed int
		err := svc.Store().Read(ctx, func(tx access.Tx) error {
			var err error
			if delivered, err = tx.Requests().Count(ctx, access.By(access.KeyPackage, p.ID), access.By(access.KeyState, access.StateDelivered)); err != nil {
				return err
			}
			for _, st := range []string{access.StateDeliveryFailed, access.StatePartiallyDelivered} {
				k, err := tx.Requests().Count(ctx, access.By(access.KeyPackage, p.ID), access.By(access.KeyState, st))
				if err != nil {
					return err
				}
				failed += k
			}
			return nil
		})
		if err != nil {
			return err
		}
		res.Delivered = delivered
		if delivered == n {
			break
		}
		if failed > 0 {
			return fmt.Errorf("lifecycle: %d of %d requests failed delivery (%d delivered); first worker error: %v", failed, n, delivered, firstErr.Load())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("lifecycle: only %d of %d requests delivered after %v; worker errors: %d, first: %v", delivered, n, size.Timeout, werrs.Load(), firstErr.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	seen := time.Since(t0)
	worker.Stop()
	res.WorkerErrs = int(werrs.Load())

	// Latency per request, from its submission to its CompletedDateTime (milliseconds).
	var list []access.Request
	if err := svc.Store().Read(ctx, func(tx access.Tx) error {
		var err error
		list, err = tx.Requests().List(ctx, access.By(access.KeyPackage, p.ID))
		return err
	}); err != nil {
		return err
	}
	byID := make(map[string]access.Request, len(list))
	for _, r := range list {
		byID[r.ID] = r
	}
	lat := make([]time.Duration, 0, n)
	var last time.Time
	for i, id := range reqIDs {
		r, ok := byID[id]
		if !ok || r.State != access.StateDelivered || r.CompletedDateTime == nil {
			return fmt.Errorf("lifecycle: request %s of user %d is not delivered", id, i)
		}
		lat = append(lat, max(0, r.CompletedDateTime.Sub(submitted[i])))
		if r.CompletedDateTime.After(last) {
			last = *r.CompletedDateTime
		}
	}
	slices.Sort(lat)
	res.P50, res.P99, res.Max = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)], lat[len(lat)-1]
	res.Wall = last.Sub(t0)
	if res.Wall <= 0 || res.Wall > seen {
		res.Wall = seen
	}
	res.PerSecond = float64(n) / res.Wall.Seconds()
	fmt.Fprintf(progress, "lifecycle: all %d delivered %v after the first submit (%.1f req/s)\n", n, res.Wall.Round(time.Millisecond), res.PerSecond)

	// Every user must be a member of every group.
	for _, g := range groups {
		ids, err := members(ctx, svc.Store(), g.ID)
		if err != nil {
			return err
		}
		res.Members = append(res.Members, len(ids))
		set := make(map[string]bool, len(ids))
		for _, id := range ids {
			set[id] = true
		}
		var missing []string
		for _, u := range users {
			if !set[u.ID] {
				missing = append(missing, u.UserPrincipalName)
			}
		}
		if len(missing) > 0 || len(ids) != n {
			return fmt.Errorf("lifecycle: group %s has %d members, want %d; missing %d users, e.g. %v", g.DisplayName, len(ids), n, len(missing), missing[:min(3, len(missing))])
		}
	}
	return nil
}

// bareWrites measures N single-row write transactions, concurrently and one by one.
func bareWrites(ctx context.Context, store access.Store, size LifecycleSize, tag string, res *LifecycleResult, progress io.Writer) error {
	n := size.Requests
	put := func(label string, i int) error {
		return store.Write(ctx, func(tx access.Tx) error {
			s := access.Site{ID: access.NewUUID(), Name: fmt.Sprintf("bench-%s-%s-%d", tag, label, i), DisplayName: "bench site",
				WebURL: "https://sites.example/bench", CreatedDateTime: access.SystemClock{}.Now()}
			return tx.Sites().Put(ctx, &s)
		})
	}
	start := time.Now()
	if err := parallel(ctx, n, size.Submitters, func(i int) error { return put("c", i) }); err != nil {
		return fmt.Errorf("bare writes: %w", err)
	}
	res.BareConcurrent = time.Since(start)
	start = time.Now()
	for i := range n {
		if err := put("s", i); err != nil {
			return fmt.Errorf("bare writes: %w", err)
		}
	}
	res.BareSequential = time.Since(start)
	res.BareWrites = n
	fmt.Fprintf(progress, "bare writes: %d single-row transactions in %v (%d goroutines), %v one by one\n", n,
		res.BareConcurrent.Round(time.Millisecond), size.Submitters, res.BareSequential.Round(time.Millisecond))
	return nil
}

// expiry creates M direct assignments that end at the same moment, moves the clock past
// it and measures the sweep and revocation.
func expiry(ctx context.Context, store access.Store, size LifecycleSize, tag string, progress io.Writer) (ExpiryResult, error) {
	m := size.Expire
	res := ExpiryResult{Assignments: m, Roles: size.ExpireRoles}
	clock := &manualClock{now: access.SystemClock{}.Now()}
	svc, err := newService(ctx, store, clock)
	if err != nil {
		return res, err
	}
	worker := newWorker(svc, clock, delivery.Options{})
	name := "expiry " + tag
	p, groups, err := catalog(ctx, svc, name, size.ExpireRoles)
	if err != nil {
		return res, err
	}
	day := access.Duration(24 * time.Hour)
	pol, err := svc.CreatePolicy(ctx, access.SystemActor, access.Policy{DisplayName: name + " direct",
		AllowedTargetScope: access.ScopeNotSpecified,
		Expiration:         access.Expiration{Type: access.ExpireAfterDuration, Duration: &day}}, p.ID)
	if err != nil {
		return res, err
	}

	// The users are fixtures, not what is measured: they are written straight to the store,
	// a thousand per transaction.
	start := time.Now()
	userIDs := make([]string, m)
	for lo := 0; lo < m; lo += 1000 {
		err := store.Write(ctx, func(tx access.Tx) error {
			for i := lo; i < min(m, lo+1000); i++ {
				u := access.User{ID: access.NewUUID(), DisplayName: fmt.Sprintf("EX %s user %d", tag, i),
					UserPrincipalName: fmt.Sprintf("ex-%s-%d@bench.example", tag, i), AccountEnabled: true,
					UserType: access.UserTypeMember, CreatedDateTime: clock.Now()}
				if err := u.Validate(); err != nil {
					return err
				}
				if err := tx.Users().Put(ctx, &u); err != nil {
					return err
				}
				userIDs[i] = u.ID
			}
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("expiry users: %w", err)
		}
	}
	res.UsersSetup = time.Since(start)
	fmt.Fprintf(progress, "expiry: %d users written in %v (fixtures, 1000 per transaction)\n", m, res.UsersSetup.Round(time.Millisecond))

	stopTicker := ticker(ctx, progress, 30*time.Second, func() string {
		n, _ := count(ctx, store, func(tx access.Tx) (int, error) {
			return tx.Assignments().Count(ctx, access.By(access.KeyPolicy, pol.ID))
		})
		return fmt.Sprintf("expiry: %d/%d assignments submitted", n, m)
	})
	start = time.Now()
	err = parallel(ctx, m, size.Submitters, func(i int) error {
		_, err := svc.SubmitRequest(ctx, access.SystemActor, access.RequestInput{RequestType: access.ReqAdminAdd, PackageID: p.ID, PolicyID: pol.ID, TargetID: userIDs[i]})
		return err
	})
	stopTicker()
	if err != nil {
		return res, fmt.Errorf("expiry submit: %w", err)
	}
	res.Submit = time.Since(start)
	fmt.Fprintf(progress, "expiry: %d adminAdd requests submitted in %v\n", m, res.Submit.Round(time.Millisecond))

	stopTicker = ticker(ctx, progress, 30*time.Second, func() string {
		n, _ := count(ctx, store, func(tx access.Tx) (int, error) {
			return tx.Assignments().Count(ctx, access.By(access.KeyPolicy, pol.ID), access.By(access.KeyState, access.AsgDelivered))
		})
		return fmt.Sprintf("expiry: %d/%d assignments delivered", n, m)
	})
	start = time.Now()
	err = worker.RunOnce(ctx)
	stopTicker()
	if err != nil {
		return res, fmt.Errorf("expiry deliver: %w", err)
	}
	res.Deliver = time.Since(start)
	delivered, err := count(ctx, store, func(tx access.Tx) (int, error) {
		return tx.Assignments().Count(ctx, access.By(access.KeyPolicy, pol.ID), access.By(access.KeyState, access.AsgDelivered))
	})
	if err != nil {
		return res, err
	}
	if delivered != m {
		return res, fmt.Errorf("expiry: %d of %d assignments delivered after the worker ran", delivered, m)
	}
	for _, g := range groups {
		ids, err := members(ctx, store, g.ID)
		if err != nil {
			return res, err
		}
		if len(ids) != m {
			return res, fmt.Errorf("expiry: group %s has %d members after delivery, want %d", g.DisplayName, len(ids), m)
		}
	}
	fmt.Fprintf(progress, "expiry: %d assignments delivered by the worker in %v\n", m, res.Deliver.Round(time.Millisecond))

	clock.Advance(24*time.Hour + time.Minute)
	stopTicker = ticker(ctx, progress, 30*time.Second, func() string {
		n, _ := count(ctx, store, func(tx access.Tx) (int, error) {
			return tx.Assignments().Count(ctx, access.By(access.KeyPolicy, pol.ID), access.By(access.KeyActive, "1"))
		})
		left, _ := members(ctx, store, groups[0].ID)
		return fmt.Sprintf("expiry: %d/%d assignments still active, %d members left in the first group", n, m, len(left))
	})
	start = time.Now()
	_, err = svc.Sweep(ctx)
	res.Sweep = time.Since(start)
	if err == nil {
		fmt.Fprintf(progress, "expiry: first svc.Sweep ended assignments in %v\n", res.Sweep.Round(time.Millisecond))
		err = worker.RunOnce(ctx)
	}
	res.Revoke = time.Since(start)
	stopTicker()
	if err != nil {
		return res, fmt.Errorf("expiry revoke: %w", err)
	}
	fmt.Fprintf(progress, "expiry: sweep and revocation done in %v\n", res.Revoke.Round(time.Millisecond))

	err = store.Read(ctx, func(tx access.Tx) error {
		var err error
		if res.Active, err = tx.Assignments().Count(ctx, access.By(access.KeyPolicy, pol.ID), access.By(access.KeyActive, "1")); err != nil {
			return err
		}
		if res.Expired, err = tx.Assignments().Count(ctx, access.By(access.KeyPolicy, pol.ID), access.By(access.KeyState, access.AsgExpired)); err != nil {
			return err
		}
		all, err := tx.Requests().Count(ctx, access.By(access.KeyPackage, p.ID), access.By(access.KeyState, access.StateDelivered))
		res.Removals = all - m // the rest are the adminAdd requests
		return err
	})
	if err != nil {
		return res, err
	}
	for _, g := range groups {
		ids, err := members(ctx, store, g.ID)
		if err != nil {
			return res, err
		}
		res.Members += len(ids)
	}
	var bad []error
	if res.Active != 0 || res.Expired != m {
		bad = append(bad, fmt.Errorf("%d assignments expired and %d still active, want %d and 0", res.Expired, res.Active, m))
	}
	if res.Members != 0 {
		bad = append(bad, fmt.Errorf("%d group members left, want 0", res.Members))
	}
	if res.Removals != m {
		bad = append(bad, fmt.Errorf("%d removal requests delivered, want %d", res.Removals, m))
	}
	if err := errors.Join(bad...); err != nil {
		return res, fmt.Errorf("expiry: %w", err)
	}
	return res, nil
}

// count runs fn in a read transaction.
func count(ctx context.Context, store access.Store, fn func(access.Tx) (int, error)) (int, error) {
	var n int
	err := store.Read(ctx, func(tx access.Tx) error { var err error; n, err = fn(tx); return err })
	return n, err
}

// ticker prints status() every interval until the returned stop is called.
func ticker(ctx context.Context, w io.Writer, every time.Duration, status func() string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				fmt.Fprintln(w, status())
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// Print writes the figures as a table.
func (r *LifecycleResult) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	ms := func(d time.Duration) string {
		if d < time.Millisecond {
			return fmt.Sprintf("%d µs", d.Microseconds())
		}
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	sec := func(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
	offered := "as fast as they can"
	if r.Rate > 0 {
		offered = fmt.Sprintf("paced at %.0f/s", r.Rate)
	}
	fmt.Fprintf(tw, "LIFECYCLE\t%d userAdd requests, 1 package × %d group Member roles, auto-approved, %d submitters %s, one worker (woken on submit, else every 50ms)\n",
		r.Requests, r.Groups, r.Submitters, offered)
	fmt.Fprintf(tw, "  delivered\t%d/%d; every user in all %d groups (members %v)\n", r.Delivered, r.Requests, r.Groups, r.Members)
	fmt.Fprintf(tw, "  submit calls done\t%s\n", sec(r.SubmitTime))
	fmt.Fprintf(tw, "  all delivered after\t%s\n", sec(r.Wall))
	fmt.Fprintf(tw, "  throughput\t%.1f requests/s (%s per request)\n", r.PerSecond, ms(r.Wall/time.Duration(max(1, r.Requests))))
	fmt.Fprintf(tw, "  submit→delivered\tp50 %s   p99 %s   max %s\n", ms(r.P50), ms(r.P99), ms(r.Max))
	fmt.Fprintf(tw, "  worker errors\t%d\n", r.WorkerErrs)
	fmt.Fprintf(tw, "BARE WRITES\t%d single-row write transactions (tx.Sites().Put)\n", r.BareWrites)
	fmt.Fprintf(tw, "  %d goroutines\t%s (%s per write)\n", r.Submitters, sec(r.BareConcurrent), ms(r.BareConcurrent/time.Duration(max(1, r.BareWrites))))
	fmt.Fprintf(tw, "  one by one\t%s (%s per write)\n", sec(r.BareSequential), ms(r.BareSequential/time.Duration(max(1, r.BareWrites))))
	if r.Rate > 0 {
		fmt.Fprintf(tw, "  ratio\tnot meaningful when the submissions are paced (--rate)\n")
	} else {
		fmt.Fprintf(tw, "  ratio\tlifecycle per request / bare write: %.1f× (both at %d goroutines), %.1f× (vs one by one)\n", r.Ratio, r.Submitters, r.RatioSequential)
	}
	if e := r.Expiry; e != nil {
		fmt.Fprintf(tw, "EXPIRY\t%d direct assignments (adminAdd), 1 package × %d group Member role(s), policy afterDuration P1D, all ending at once\n", e.Assignments, e.Roles)
		fmt.Fprintf(tw, "  users (fixtures)\t%s\n", sec(e.UsersSetup))
		fmt.Fprintf(tw, "  create: submit\t%s (%.0f/s)\n", sec(e.Submit), float64(e.Assignments)/e.Submit.Seconds())
		fmt.Fprintf(tw, "  create: deliver (worker RunOnce)\t%s (%.0f/s)\n", sec(e.Deliver), float64(e.Assignments)/e.Deliver.Seconds())
		fmt.Fprintf(tw, "  create: total\t%s\n", sec(e.Creation()))
		fmt.Fprintf(tw, "  expire: first sweep\t%s (ends the first %d)\n", sec(e.Sweep), min(access.SweepBatch, e.Assignments))
		fmt.Fprintf(tw, "  expire: sweep + revoke\t%s (%.0f assignments/s)\n", sec(e.Revoke), float64(e.Assignments)/e.Revoke.Seconds())
		fmt.Fprintf(tw, "  verified\t%d expired, %d active, %d removal requests delivered, %d group members left\n", e.Expired, e.Active, e.Removals, e.Members)
	}
	tw.Flush()
}
