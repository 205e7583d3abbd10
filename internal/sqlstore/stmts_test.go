package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

func TestPreparedTx(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	raw, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Rollback()
	tx := newPreparedTx(raw)
	for i := range 10 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO t (id, v) VALUES ($1, $2)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	if len(tx.stmts) != 1 {
		t.Fatalf("ten runs of one statement prepared %d statements, want 1", len(tx.stmts))
	}
	// A prepared single-row query inside an open (unprepared) result set of the same text.
	rows, err := tx.QueryContext(ctx, `SELECT v FROM t WHERE id = $1 OR $1 < 0 ORDER BY id`, -1)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var v, w string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT v FROM t WHERE id = $1 OR $1 < 0 ORDER BY id`, n).Scan(&w); err != nil || w != v {
			t.Fatalf("row %d: the nested query read %q (%v), the outer %q", n, w, err, v)
		}
		n++
	}
	if err := rows.Close(); err != nil || n != 10 {
		t.Fatalf("the outer query read %d rows (%v), want 10", n, err)
	}
	// Beyond maxPrepared, statements run unprepared and still answer.
	for i := range maxPrepared + 10 {
		var got int
		if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + count(*) FROM t`, i)).Scan(&got); err != nil || got != i+10 {
			t.Fatalf("statement %d answered %d (%v), want %d", i, got, err, i+10)
		}
	}
	if len(tx.stmts) != maxPrepared {
		t.Fatalf("%d statements prepared, want the bound %d", len(tx.stmts), maxPrepared)
	}
	// A statement that does not parse reports its error like an unprepared one.
	if _, err := tx.ExecContext(ctx, `INSERT INTO nowhere VALUES (1)`); err == nil {
		t.Fatal("a statement on a missing table succeeded")
	}
}
