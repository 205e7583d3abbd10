package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/demo"
)

// TestReprocessCommand re-applies the assignments of a demo package from the command line
// and refuses to reprocess a request that is not failed. // ASG-3 REQ-7
func TestReprocessCommand(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "reprocess.db")
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
	asgs, err := svc.ListAssignments(ctx, access.SystemActor, access.AssignmentFilter{})
	if err != nil || len(asgs) == 0 {
		t.Fatalf("the demo has no assignment: %v", err)
	}
	a := asgs[0]
	store.Close()

	out, err := run(t, "reprocess", "--db", db, "--package", a.PackageID, "--all")
	if err != nil || !strings.Contains(out, "assignments of package "+a.PackageID+" are being re-applied") {
		t.Fatalf("reprocess --package --all: %q, %v", out, err)
	}
	if out, err = run(t, "reprocess", "--db", db, "--assignment", a.ID); err != nil || !strings.Contains(out, "1 assignments are being re-applied") {
		t.Errorf("reprocess --assignment: %q, %v", out, err)
	}
	if _, err := run(t, "reprocess", "--db", db, "--request", a.RequestID); err == nil || !strings.Contains(err.Error(), "only deliveryFailed or partiallyDelivered") {
		t.Errorf("reprocess of a request that did not fail: %v", err)
	}
	if _, err := run(t, "reprocess", "--db", db); err == nil || !strings.Contains(err.Error(), "say what to reprocess") {
		t.Errorf("reprocess without a target: %v", err)
	}
}
