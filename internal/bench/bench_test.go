package bench_test

import (
	"context"
	"testing"

	"github.com/bestowhq/bestow/internal/bench"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
)

// TestRunSmall runs the benchmark at a tiny size, so the command keeps working.
func TestRunSmall(t *testing.T) {
	res, err := bench.Run(context.Background(), sqlitetest.Service(t), bench.Size{Users: 20, Groups: 10, Catalogs: 3, Packages: 12, Policies: 20, Samples: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 4 API queries, 7 portal pages and 19 console pages.
	if len(res.Queries) != 30 || res.Created["policies"].N != 20 {
		t.Fatalf("result: %+v", res)
	}
	for _, q := range res.Queries {
		if q.Items == 0 {
			t.Errorf("%s returned no items", q.Name)
		}
	}
}
