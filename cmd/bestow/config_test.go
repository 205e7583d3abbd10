package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
)

// TestConfigConnectors declares connectors in a config file: they are created, changed
// when the file changes (keeping secrets the file leaves out), refused to the API while
// declared, and handed back to the API when the file drops them. // CON-1
func TestConfigConnectors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := openStore(ctx, filepath.Join(dir, "config.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := access.NewService(store, nil, nil)
	if err := svc.Init(ctx); err != nil {
		t.Fatal(err)
	}
	set := connectorSet(svc)
	defer set.Close()
	write := func(body string) string {
		path := filepath.Join(dir, "bestow.yaml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	declare := func(body string) error {
		cfg, err := readConfig(write(body))
		if err != nil {
			return err
		}
		return svc.DeclareConnectors(ctx, cfg.connectorConfigs())
	}
	first := `
connectors:
  - id: corp-ldap
    type: ldap
    displayName: Corporate LDAP
    settings:
      url: ldap://ldap.example.com
      bindDN: cn=bestow,dc=example,dc=com
      bindPassword: s3cret
      baseDN: dc=example,dc=com
`
	if err := declare(first); err != nil {
		t.Fatal(err)
	}
	c, err := svc.Connector(ctx, "corp-ldap")
	if err != nil || !c.Declared || c.Secrets["bindPassword"] != "s3cret" || c.Settings["url"] != "ldap://ldap.example.com" {
		t.Fatalf("declared connector: %+v, %v", c, err)
	}
	// The file changes; the secret it leaves out is kept.
	if err := declare(strings.Replace(strings.Replace(first, "ldap.example.com", "ldap2.example.com", 1), "      bindPassword: s3cret\n", "", 1)); err != nil {
		t.Fatal(err)
	}
	if c, _ = svc.Connector(ctx, "corp-ldap"); c.Settings["url"] != "ldap://ldap2.example.com" || c.Secrets["bindPassword"] != "s3cret" {
		t.Errorf("after the file changed: %+v", c)
	}
	_, err = svc.UpdateConnector(ctx, access.SystemActor, "corp-ldap", func(c *access.ConnectorConfig) error { c.DisplayName = "x"; return nil })
	if !access.IsKind(err, access.KindFailedPrecondition) || !strings.Contains(err.Error(), "config file") {
		t.Errorf("changing a declared connector through the API: %v", err)
	}
	if err := svc.DeleteConnector(ctx, access.SystemActor, "corp-ldap"); err == nil || !strings.Contains(err.Error(), "config file") {
		t.Errorf("deleting a declared connector through the API: %v", err)
	}
	// Dropped from the file: kept, and the API manages it from then on.
	if err := declare("connectors: []\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateConnector(ctx, access.SystemActor, "corp-ldap", func(c *access.ConnectorConfig) error { c.DisplayName = "x"; return nil }); err != nil {
		t.Errorf("changing a connector the file no longer declares: %v", err)
	}
	for body, want := range map[string]string{
		"connector:\n  - id: x\n": "unknown field \"connector\"",
		"connectors:\n  - id: a\n    type: ldap\n    displayName: A\n    settings: {url: 'ldap://x', baseDN: 'dc=x', colour: blue}\n": "colour",
		"connectors:\n  - type: ldap\n":           "has no id",
		"connectors:\n  - id: a\n  - id: a\n":     "declared twice",
		"connectors:\n  - id: a\n    type: ftp\n": "not supported",
		"connectors:\n  - id: corp-ldap\n    type: scim\n    displayName: S\n    settings: {url: 'https://scim.example.com', token: t}\n": "type cannot change",
	} {
		if err := declare(body); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config %q: %v, want an error saying %q", body, err, want)
		}
	}
}
