package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/demo"
)

// TestExplainRequest runs the TRB-1 troubleshooter from the command line on demo data.
func TestExplainRequest(t *testing.T) {
	db := filepath.Join(t.TempDir(), "explain.db")
	store, err := openStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	svc := access.NewService(store, nil, nil)
	if err := svc.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	store.Close()
	out, err := run(t, "explain", "request", "--db", db, "--user", "blocked@bestow.example", "--package", "Repository Administration")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"cannot request 'Repository Administration'", "FAIL  signInAllowed", "fix: an administrator sets accountEnabled", "PASS  catalogPublished"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := run(t, "explain", "request", "--db", db, "--user", "blocked@bestow.example"); err == nil || !strings.Contains(err.Error(), "--package") {
		t.Errorf("missing --package: %v", err)
	}
	out, err = run(t, "explain", "request", "--db", db, "--user", "blocked@bestow.example", "--package", "Repository Administration", "--json")
	if err != nil || !strings.Contains(out, `"requestable": false`) {
		t.Errorf("--json: %v\n%s", err, out)
	}
}
