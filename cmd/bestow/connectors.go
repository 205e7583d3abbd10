package main

import (
	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector/configured"
	"github.com/bestowhq/bestow/internal/connector/ldap"
	"github.com/bestowhq/bestow/internal/connector/scim"
)

// connectorTypes are the connector types this server builds from their settings.
func connectorTypes() map[string]configured.Factory {
	return map[string]configured.Factory{
		access.ConnectorLDAP: ldap.FromConfig,
		access.ConnectorSCIM: scim.FromConfig,
	}
}
