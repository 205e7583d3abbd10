-- When something is due for a user: the deletion of an external user whose last
-- assignment ended (EXT-2), for the sweep.
ALTER TABLE users ADD COLUMN due TEXT;
CREATE INDEX users_due ON users (due) WHERE due IS NOT NULL;
