package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bestowhq/bestow/internal/sqlite"
)

// A new database file, and its -wal and -shm files, are readable by their owner only.
func TestNewFileMode(t *testing.T) { // SEC-6
	path := filepath.Join(t.TempDir(), "bestow.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(name), m)
		}
	}
	// An existing file keeps its mode.
	other := filepath.Join(t.TempDir(), "existing.db")
	if err := os.WriteFile(other, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	os.Chmod(other, 0o640)
	s2, err := sqlite.Open(context.Background(), other)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if fi, err := os.Stat(other); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("existing file: %v %v", fi.Mode(), err)
	}
}
