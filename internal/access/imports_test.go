package access_test

import (
	"os/exec"
	"strings"
	"testing"
)

// domain are the packages of the domain: the rules and their vocabulary. They import no
// HTTP, no SQL and no adapter; access may import the other two, directory only kernel.
var domain = map[string][]string{
	"github.com/bestowhq/bestow/internal/access":    {"github.com/bestowhq/bestow/internal/directory", "github.com/bestowhq/bestow/internal/kernel"},
	"github.com/bestowhq/bestow/internal/directory": {"github.com/bestowhq/bestow/internal/kernel"},
	"github.com/bestowhq/bestow/internal/kernel":    nil,
}

// TestImportRules keeps the domain free of adapters (DESIGN §6).
func TestImportRules(t *testing.T) {
	for pkg, may := range domain {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			switch {
			case dep == "net/http", dep == "database/sql":
				t.Errorf("%s depends on %s", pkg, dep)
			case strings.HasPrefix(dep, "github.com/bestowhq/bestow/") && dep != pkg && !contains(may, dep):
				t.Errorf("%s imports %s", pkg, dep)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
