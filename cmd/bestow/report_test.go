package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/demo"
)

// TestReport runs the reports of how users got access from the command line on demo data.
func TestReport(t *testing.T) { // RPT-1
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "report.db")
	store, err := openStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	svc := access.NewService(store, nil, nil)
	if err := svc.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, svc); err != nil {
		t.Fatal(err)
	}
	var pkg, res string
	pkgs, err := svc.ListPackages(ctx, access.SystemActor, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		if p.DisplayName == "Repository Administration" {
			pkg = p.ID
			rss, err := svc.RoleScopes(ctx, access.SystemActor, p.ID)
			if err != nil || len(rss) == 0 {
				t.Fatal(err, len(rss))
			}
			res = rss[0].ResourceID
		}
	}
	store.Close()
	if pkg == "" {
		t.Fatal("the demo has no package Repository Administration")
	}

	out, err := run(t, "report", "user-access", "--db", db, "--user", "ben@bestow.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"(ben@bestow.example) holds", "through access package 'Repository Administration'", "request ", "userAdd by"} {
		if !strings.Contains(out, want) {
			t.Errorf("user-access lacks %q:\n%s", want, out)
		}
	}
	out, err = run(t, "report", "package-access", "--db", db, "--package", pkg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Access package 'Repository Administration'", "Who may request it:", "No one: the policy is for direct assignment by administrators only", "Who has it (2):", "ben@bestow.example", "eric.owner@bestow.example"} {
		if !strings.Contains(out, want) {
			t.Errorf("package-access lacks %q:\n%s", want, out)
		}
	}
	out, err = run(t, "report", "resource-access", "--db", db, "--resource", res, "--json")
	if err != nil || !strings.Contains(out, `"roles": [`) || !strings.Contains(out, `"via": "assignment"`) {
		t.Errorf("resource-access --json: %v\n%s", err, out)
	}
	if _, err := run(t, "report", "user-access", "--db", db); err == nil || !strings.Contains(err.Error(), "--user is required") {
		t.Errorf("missing --user: %v", err)
	}
}
