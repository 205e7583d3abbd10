-- The audiences each self-requestable policy is offered to (access.Policy.Audiences), so
-- that the packages a person may request are found through an index rather than by
-- reading every policy. Rows follow their policy: rewritten on every save, removed with
-- it. The store fills the table for the policies saved before this migration.
CREATE TABLE policy_audiences (
	audience TEXT NOT NULL,
	package_id TEXT NOT NULL,
	policy_id TEXT NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
	PRIMARY KEY (audience, package_id, policy_id)
);
CREATE INDEX policy_audiences_policy ON policy_audiences (policy_id);
