package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

func TestAuditVerifyCommand(t *testing.T) { // SEC-6
	db := filepath.Join(t.TempDir(), "cli.db")
	if _, err := run(t, "bootstrap", "--db", db, "--admin", "root@example.com"); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "audit", "verify", "--db", db)
	if err != nil || !strings.Contains(out, "ok: the audit chain is whole") || !strings.Contains(out, "head: entry ") {
		t.Fatalf("verify on an untouched database: %q %v", out, err)
	}
	raw, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{"DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE id = 2"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	out, err = run(t, "audit", "verify", "--db", db)
	if err == nil || !strings.Contains(err.Error(), "broken at entry 3") || !strings.Contains(out, "BROKEN at entry 3 (removed)") ||
		!strings.Contains(out, "audit_no_delete") {
		t.Errorf("verify on a tampered database: %q %v", out, err)
	}
}
