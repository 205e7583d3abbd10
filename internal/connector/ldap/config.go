package ldap

import (
	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
)

// FromConfig builds the connector of a configured connector of type ldap (its settings
// and its bindPassword secret); it checks the settings and reaches no network.
func FromConfig(c access.ConnectorConfig) (connector.Connector, error) {
	return connector.Build(c, New)
}
