package bench_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/bench"
	"github.com/bestowhq/bestow/internal/sqlite"
)

// TestRunSmall runs the benchmark at a tiny size, so the command keeps working.
func TestRunSmall(t *testing.T) {
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := access.NewService(store, nil, nil)
	if err := svc.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := bench.Run(context.Background(), svc, bench.Size{Users: 20, Groups: 10, Catalogs: 3, Packages: 12, Policies: 20, Samples: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Queries) != 4 || res.Created["policies"].N != 20 {
		t.Fatalf("result: %+v", res)
	}
	for _, q := range res.Queries {
		if q.Items == 0 {
			t.Errorf("%s returned no items", q.Name)
		}
	}
}
