-- The audit log (RPT-2): one row per change, written by the store in the change's own
-- transaction. Bestow only ever inserts here; "at" is access.DueKey of the service clock's
-- time (milliseconds since the epoch, zero-padded), so string order is time order.
CREATE TABLE audit (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at TEXT NOT NULL,
	actor_id TEXT NOT NULL,
	actor_name TEXT NOT NULL,
	action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'relate', 'unrelate')),
	object_type TEXT NOT NULL,
	object_id TEXT NOT NULL,
	before_doc TEXT,
	after_doc TEXT
);
CREATE INDEX audit_at ON audit (at, id);
CREATE INDEX audit_actor ON audit (actor_id, at, id);
CREATE INDEX audit_object_type ON audit (object_type, at, id);
CREATE INDEX audit_object_id ON audit (object_id, at, id);
-- Entries are never rewritten. (Deleting old rows stays possible for operators who prune.)
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only: entries cannot be changed'; END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
