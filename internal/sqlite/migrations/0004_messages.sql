-- The mail outbox (NOT-1): written with the change it tells about, sent by the worker.
CREATE TABLE messages (
	id TEXT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL,
	state TEXT NOT NULL,
	due TEXT
);
CREATE INDEX messages_state ON messages (state);
CREATE INDEX messages_due ON messages (due) WHERE due IS NOT NULL;
