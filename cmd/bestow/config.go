package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/bestowhq/bestow/internal/access"
)

// fileConfig is the server's config file (serve --config bestow.yaml): what is better
// declared than clicked. Today: the connectors.
//
//	connectors:
//	  - id: corp-ldap
//	    type: ldap
//	    displayName: Corporate LDAP
//	    reconcile: report
//	    settings:
//	      url: ldaps://ldap.example.com
//	      bindDN: cn=bestow,ou=services,dc=example,dc=com
//	      bindPasswordFile: /run/secrets/ldap-bind
//	      baseDN: dc=example,dc=com
type fileConfig struct {
	Connectors []declaredConnector `json:"connectors"`
}

// declaredConnector is a connector as the config file declares it.
type declaredConnector struct {
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	DisplayName string         `json:"displayName"`
	Reconcile   string         `json:"reconcile"`
	Settings    map[string]any `json:"settings"`
}

// readConfig reads a config file (YAML, or JSON, which is YAML too). A key it does not
// know is an error that names it.
func readConfig(path string) (fileConfig, error) {
	var cfg fileConfig
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("--config: %w", err)
	}
	doc, err := yaml.YAMLToJSON(data)
	if err != nil {
		return cfg, fmt.Errorf("--config %s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil && !strings.Contains(err.Error(), "EOF") {
		return cfg, fmt.Errorf("--config %s: %s", path, strings.TrimPrefix(err.Error(), "json: "))
	}
	seen := map[string]bool{}
	for i, c := range cfg.Connectors {
		if c.ID == "" {
			return cfg, fmt.Errorf("--config %s: connector %d has no id", path, i+1)
		}
		if seen[c.ID] {
			return cfg, fmt.Errorf("--config %s: connector '%s' is declared twice", path, c.ID)
		}
		seen[c.ID] = true
	}
	return cfg, nil
}

// connectorConfigs are the declared connectors as the Service takes them.
func (f fileConfig) connectorConfigs() []access.ConnectorConfig {
	out := make([]access.ConnectorConfig, len(f.Connectors))
	for i, c := range f.Connectors {
		out[i] = access.ConnectorConfig{ID: c.ID, Type: c.Type, DisplayName: c.DisplayName, Reconcile: c.Reconcile, Settings: c.Settings}
	}
	return out
}
