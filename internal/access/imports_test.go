package access_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportRules keeps the domain free of adapters: no HTTP, no SQL, no sibling packages
// other than its own test suite.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/bestowhq/bestow/internal/access").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "net/http", dep == "database/sql":
			t.Errorf("internal/access depends on %s", dep)
		case strings.HasPrefix(dep, "github.com/bestowhq/bestow/") && dep != "github.com/bestowhq/bestow/internal/access":
			t.Errorf("internal/access imports adapter %s", dep)
		}
	}
}
