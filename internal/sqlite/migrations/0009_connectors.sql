-- Connectors to other systems (LDAP, SCIM), configured as data: the id is the
-- administrator's and is the originSystem of the resources taken from the connector.
CREATE TABLE connectors (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL
);
