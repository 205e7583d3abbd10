-- Who is or was an approver of each request (access.Request.ApproverIDs), so that a
-- person's approvals, waiting and decided, are read through an index rather than by
-- reading every pending request. Rows follow their request: rewritten on every save,
-- removed with it. The store fills the table for the requests saved before this migration.
CREATE TABLE request_approvers (
	approver_id TEXT NOT NULL,
	request_id TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
	PRIMARY KEY (approver_id, request_id)
);
CREATE INDEX request_approvers_request ON request_approvers (request_id);
