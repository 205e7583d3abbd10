CREATE TABLE users (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	upn TEXT NOT NULL UNIQUE,
	state TEXT NOT NULL CHECK (state IN ('live', 'deleted'))
);
CREATE INDEX users_state ON users (state, id);
-- Prefix searches (startswith(userPrincipalName, …)) use LIKE 'x%', which a default-collation
-- index cannot serve.
CREATE INDEX users_upn_prefix ON users (upn text_pattern_ops);
CREATE TABLE groups (id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE service_principals (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	app_id TEXT NOT NULL UNIQUE
);
CREATE TABLE app_role_assignments (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	resource_id TEXT NOT NULL REFERENCES service_principals (id),
	principal_id TEXT NOT NULL,
	grant_key TEXT NOT NULL,
	UNIQUE (resource_id, principal_id, grant_key)
);
CREATE INDEX app_role_assignments_principal ON app_role_assignments (principal_id);
CREATE TABLE sites (id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE connected_organizations (id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE relations (
	group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
	rel TEXT NOT NULL CHECK (rel IN ('member', 'owner')),
	object_id TEXT NOT NULL,
	PRIMARY KEY (group_id, rel, object_id)
);
CREATE INDEX relations_object ON relations (object_id, rel);
CREATE TABLE catalogs (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	default_key TEXT UNIQUE -- 'default' for the Default catalog, NULL otherwise: at most one
);
CREATE TABLE resources (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	catalog_id TEXT NOT NULL REFERENCES catalogs (id),
	origin TEXT NOT NULL,
	UNIQUE (catalog_id, origin)
);
CREATE INDEX resources_origin ON resources (origin);
CREATE TABLE resource_requests (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	catalog_id TEXT NOT NULL
);
CREATE INDEX resource_requests_catalog ON resource_requests (catalog_id);
CREATE TABLE packages (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	catalog_id TEXT NOT NULL REFERENCES catalogs (id)
);
CREATE INDEX packages_catalog ON packages (catalog_id);
CREATE TABLE role_scopes (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	package_id TEXT NOT NULL REFERENCES packages (id),
	resource_id TEXT NOT NULL REFERENCES resources (id),
	role_key TEXT NOT NULL,
	UNIQUE (package_id, role_key)
);
CREATE INDEX role_scopes_resource ON role_scopes (resource_id);
CREATE TABLE incompatibilities (
	package_id TEXT NOT NULL REFERENCES packages (id),
	kind TEXT NOT NULL CHECK (kind IN ('accessPackage', 'group')),
	other_id TEXT NOT NULL,
	PRIMARY KEY (package_id, kind, other_id)
);
CREATE INDEX incompatibilities_other ON incompatibilities (kind, other_id);
CREATE TABLE policies (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	package_id TEXT NOT NULL REFERENCES packages (id),
	catalog_id TEXT NOT NULL
);
CREATE INDEX policies_package ON policies (package_id);
CREATE INDEX policies_catalog ON policies (catalog_id);
CREATE TABLE policy_versions (
	policy_id TEXT NOT NULL,
	version BIGINT NOT NULL,
	doc TEXT NOT NULL,
	PRIMARY KEY (policy_id, version)
);
CREATE TABLE role_assignments (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	principal_id TEXT NOT NULL,
	catalog_id TEXT NOT NULL,
	grant_key TEXT NOT NULL,
	UNIQUE (principal_id, grant_key)
);
CREATE INDEX role_assignments_catalog ON role_assignments (catalog_id);
CREATE TABLE tokens (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	hash TEXT NOT NULL UNIQUE,
	user_id TEXT NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE TABLE settings (id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL)
