CREATE TABLE site_role_assignments (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	site_id TEXT NOT NULL REFERENCES sites (id),
	principal_id TEXT NOT NULL,
	grant_key TEXT NOT NULL,
	UNIQUE (site_id, principal_id, grant_key)
);
CREATE INDEX site_role_assignments_principal ON site_role_assignments (principal_id);
CREATE TABLE requests (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	package_id TEXT NOT NULL REFERENCES packages (id),
	target_id TEXT NOT NULL,
	requestor_id TEXT NOT NULL,
	state TEXT NOT NULL,
	due TEXT
);
CREATE INDEX requests_package ON requests (package_id);
CREATE INDEX requests_target ON requests (target_id);
CREATE INDEX requests_requestor ON requests (requestor_id);
CREATE INDEX requests_state ON requests (state);
CREATE INDEX requests_due ON requests (due) WHERE due IS NOT NULL;
CREATE TABLE assignments (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	package_id TEXT NOT NULL REFERENCES packages (id),
	policy_id TEXT NOT NULL,
	target_id TEXT NOT NULL,
	state TEXT NOT NULL,
	active TEXT NOT NULL CHECK (active IN ('0', '1')),
	due TEXT
);
CREATE INDEX assignments_package ON assignments (package_id, active);
CREATE INDEX assignments_policy ON assignments (policy_id, active);
CREATE INDEX assignments_target ON assignments (target_id);
CREATE INDEX assignments_state ON assignments (state);
CREATE INDEX assignments_due ON assignments (due) WHERE due IS NOT NULL;
CREATE TABLE ledger (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	subject_id TEXT NOT NULL,
	due TEXT
);
CREATE INDEX ledger_subject ON ledger (subject_id);
CREATE INDEX ledger_due ON ledger (due) WHERE due IS NOT NULL;
