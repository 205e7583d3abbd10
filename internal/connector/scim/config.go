package scim

import (
	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
)

// FromConfig builds the connector of a configured connector of type scim (its settings
// and its token secret); it checks the settings and reaches no network.
func FromConfig(c access.ConnectorConfig) (connector.Connector, error) {
	var s Settings
	if err := connector.DecodeSettings(c, &s); err != nil {
		return nil, err
	}
	conn, err := New(s, nil)
	if err != nil {
		return nil, access.Ec(access.KindInvalid, "InvalidSettings", "settings of connector '%s': %v", c.ID, err)
	}
	return conn, nil
}
