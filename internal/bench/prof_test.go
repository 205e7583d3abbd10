package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime/pprof"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/bench"
	"github.com/bestowhq/bestow/internal/sqlite"
)

func TestProfile(t *testing.T) {
	if os.Getenv("PROF") == "" {
		t.Skip()
	}
	store, _ := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "b.db"))
	svc := access.NewService(store, nil, nil)
	svc.Init(context.Background())
	f, _ := os.Create("/tmp/prof/cpu.out")
	pprof.StartCPUProfile(f)
	defer pprof.StopCPUProfile()
	bench.Run(context.Background(), svc, bench.Size{Users: 5000, Groups: 200, Catalogs: 50, Packages: 1000, Policies: 2000, Samples: 30}, os.Stdout)
}
