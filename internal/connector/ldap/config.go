package ldap

import (
	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
)

// FromConfig builds the connector of a configured connector of type ldap (its settings
// and its bindPassword secret); it checks the settings and reaches no network.
func FromConfig(c access.ConnectorConfig) (connector.Connector, error) {
	var s Settings
	if err := connector.DecodeSettings(c, &s); err != nil {
		return nil, err
	}
	conn, err := New(s)
	if err != nil {
		return nil, access.Ec(access.KindInvalid, "InvalidSettings", "settings of connector '%s': %v", c.ID, err)
	}
	return conn, nil
}
