package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/bench"
	"github.com/bestowhq/bestow/internal/postgres/pgtest"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
)

// TestLifecycleSmall runs the lifecycle benchmark at a tiny size on SQLite, and on
// PostgreSQL when BESTOW_TEST_POSTGRES is set, and checks that its figures add up.
func TestLifecycleSmall(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(testing.TB) access.Store
	}{
		{"sqlite", func(t testing.TB) access.Store { return sqlitetest.Open(t) }},
		{"postgres", func(t testing.TB) access.Store { return pgtest.Open(t) }},
	} {
		t.Run(db.name, func(t *testing.T) {
			size := bench.LifecycleSize{Requests: 50, Submitters: 4, Expire: 200, ExpireRoles: 1, Timeout: time.Minute}
			res, err := bench.RunLifecycle(context.Background(), db.open(t), size, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Delivered != 50 || len(res.Members) != 3 || res.WorkerErrs != 0 {
				t.Errorf("requests: %d delivered, members %v, %d worker errors", res.Delivered, res.Members, res.WorkerErrs)
			}
			for _, m := range res.Members {
				if m != 50 {
					t.Errorf("a group has %d members, want 50", m)
				}
			}
			if res.Wall <= 0 || res.PerSecond <= 0 || res.P50 > res.P99 || res.P99 > res.Max || res.BareWrites != 50 || res.Ratio <= 0 {
				t.Errorf("figures do not add up: %+v", res)
			}
			e := res.Expiry
			if e == nil || e.Expired != 200 || e.Active != 0 || e.Members != 0 || e.Removals != 200 || e.Revoke < e.Sweep {
				t.Errorf("expiry: %+v", e)
			}
		})
	}
}
