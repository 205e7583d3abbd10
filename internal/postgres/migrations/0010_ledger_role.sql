-- The ledger by resource role (access.RoleKey: origin system, resource and role), so a
-- reconcile reads what Bestow wants of one group without reading the whole ledger. The
-- store fills it for the entries saved before this migration.
ALTER TABLE ledger ADD COLUMN role_key TEXT;
CREATE INDEX ledger_role ON ledger (role_key);
