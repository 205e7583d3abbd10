package configured_test

import (
	"context"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/configured"
)

// counting is a connector type whose factory counts the connectors it builds; the
// connectors themselves are never called here.
type counting struct{ connector.Connector }

// TestSetRebuilds checks that a configured connector is built once per version of its
// settings, built again when they change, and also when it was deleted and made again
// under the same id (whose versions start over). // CON-1
func TestSetRebuilds(t *testing.T) {
	builds := 0
	cfg := access.ConnectorConfig{ID: "corp", Type: "test", Revision: access.Revision{Version: 1}, CreatedDateTime: time.Unix(100, 0)}
	set := configured.New(connector.Registry{}, map[string]configured.Factory{
		"test": func(access.ConnectorConfig) (connector.Connector, error) { builds++; return counting{}, nil },
	}, func(_ context.Context, id string) (access.ConnectorConfig, error) {
		if id != cfg.ID {
			return access.ConnectorConfig{}, access.ErrNotFound
		}
		return cfg, nil
	})
	ctx := context.Background()
	lookup := func() {
		t.Helper()
		if _, err := set.Lookup(ctx, "corp"); err != nil {
			t.Fatal(err)
		}
	}
	lookup()
	lookup()
	if builds != 1 {
		t.Fatalf("two lookups of one version built %d connectors, want 1", builds)
	}
	cfg.Version = 2
	lookup()
	if builds != 2 {
		t.Fatalf("a new version was not rebuilt (%d builds)", builds)
	}
	cfg.Version, cfg.CreatedDateTime = 2, time.Unix(200, 0) // deleted and made again, then changed once
	lookup()
	if builds != 3 {
		t.Fatalf("a connector made again under the same id was not rebuilt (%d builds)", builds)
	}
	if _, err := set.Lookup(ctx, "elsewhere"); !access.IsKind(err, access.KindFailedPrecondition) {
		t.Errorf("an origin system nobody delivers: %v, want the NoConnector error", err)
	}
}
