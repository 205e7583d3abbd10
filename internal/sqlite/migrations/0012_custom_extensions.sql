-- Custom workflow extensions of catalogs (CON-5), and their callouts: recorded with the
-- change that reached a stage, sent by the worker.
CREATE TABLE custom_extensions (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	catalog_id TEXT NOT NULL
);
CREATE INDEX custom_extensions_catalog ON custom_extensions (catalog_id);
CREATE TABLE callouts (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
	due TEXT
);
CREATE INDEX callouts_due ON callouts (due) WHERE due IS NOT NULL;
