package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRoot()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestTokenLifecycle(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cli.db")
	if _, err := run(t, "migrate", "--db", db); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "bootstrap", "--db", db, "--admin", "root@example.com")
	if err != nil || !strings.HasPrefix(lastLine(out), "bst_") {
		t.Fatalf("bootstrap: %q %v", out, err)
	}
	if _, err := run(t, "bootstrap", "--db", db, "--admin", "again@example.com"); err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Errorf("second bootstrap: %v", err)
	}
	out, err = run(t, "token", "create", "--db", db, "--user", "root@example.com", "--name", "ci")
	if err != nil {
		t.Fatal(err)
	}
	secret := lastLine(out)
	store, err := openStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	svc := access.NewService(store, nil, nil)
	who, err := svc.Authenticate(context.Background(), secret)
	if err != nil || !who.Grants.Tenant[access.RoleGlobalAdmin] {
		t.Fatalf("token does not authenticate the Global Administrator: %+v %v", who, err)
	}
	toks, _ := svc.ListTokens(context.Background(), "root@example.com")
	store.Close()
	var id string
	for _, tk := range toks {
		if tk.Name == "ci" {
			id = tk.ID
		}
	}
	out, err = run(t, "token", "list", "--db", db)
	if err != nil || !strings.Contains(out, id) || strings.Contains(out, secret) {
		t.Fatalf("token list: %q %v", out, err)
	}
	if _, err := run(t, "token", "revoke", "--db", db, id); err != nil {
		t.Fatal(err)
	}
	store, _ = openStore(context.Background(), db)
	defer store.Close()
	if _, err := access.NewService(store, nil, nil).Authenticate(context.Background(), secret); !access.IsKind(err, access.KindUnauthenticated) {
		t.Errorf("revoked token still works: %v", err)
	}
	if _, err := run(t, "token", "create", "--db", db, "--user", "nobody@example.com"); err == nil {
		t.Errorf("token for a missing user was created")
	}
	if out, _ := run(t, "version"); !strings.HasPrefix(out, "bestow ") {
		t.Errorf("version: %q", out)
	}
}
