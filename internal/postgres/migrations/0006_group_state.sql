-- Groups are soft-deleted like users (ASG-4): state tells live groups from those in the
-- directory's deleted items, for the live listings and the purge sweep. No group was
-- soft-deleted before this migration (deleting one destroyed it), so every row is live.
ALTER TABLE groups ADD COLUMN state TEXT NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'deleted'));
CREATE INDEX groups_state ON groups (state, id);
