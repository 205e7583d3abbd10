-- The audit log as a hash chain (SEC-6, RPT-2). Every entry written from now on carries
-- prev_hash, the hash of the entry before it ('' for the first sealed entry), and hash,
-- the hex SHA-256 of prev_hash and the entry's fields (sqlstore.auditHash). audit_head is
-- the chain's end: the id of the last entry and its hash; writers take the next id from it.
-- Entries older than this migration have no hash: verify counts them as unsealed.
ALTER TABLE audit ADD COLUMN prev_hash TEXT;
ALTER TABLE audit ADD COLUMN hash TEXT;
CREATE TABLE audit_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	last_id INTEGER NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, hash) SELECT 1, COALESCE(MAX(id), 0), '' FROM audit;
-- Append-only: entries are neither changed (audit_append_only, 0003) nor deleted.
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be deleted'); END;
