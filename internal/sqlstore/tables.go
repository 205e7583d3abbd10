package sqlstore

import (
	"fmt"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// The tables, one per stored type. Columns beyond id, version and doc exist for lookups
// (keys) and for the constraints that the database enforces. Every change of a table with
// an audit type is recorded in the audit log (RPT-2); the ledger, the mail outbox and the
// custom extension callouts are not: they are delivery bookkeeping, reported by requests,
// assignments and the outbox.
var (
	users = &table[access.User, *access.User]{
		name: "users", what: "user", audit: access.AuditUser,
		id:   func(u *access.User) string { return u.ID },
		cols: []string{"upn", "state", "due"},
		values: func(u *access.User) []any {
			return []any{strings.ToLower(u.UserPrincipalName), access.DirectoryState(u.DeletedDateTime), dueValue(u.LifecycleDelete)}
		},
		keys: map[string]string{access.KeyUPN: "upn", access.KeyState: "state", access.KeyDue: "due"},
		unique: func(u *access.User) string {
			return fmt.Sprintf("a user with userPrincipalName '%s' already exists; choose another", u.UserPrincipalName)
		},
	}
	groups = &table[access.Group, *access.Group]{
		name: "groups", what: "group", audit: access.AuditGroup,
		id:     func(g *access.Group) string { return g.ID },
		cols:   []string{"state"},
		values: func(g *access.Group) []any { return []any{access.DirectoryState(g.DeletedDateTime)} },
		keys:   map[string]string{access.KeyState: "state"},
	}
	servicePrincipals = &table[access.ServicePrincipal, *access.ServicePrincipal]{
		name: "service_principals", what: "service principal", audit: access.AuditServicePrincipal,
		id:     func(s *access.ServicePrincipal) string { return s.ID },
		cols:   []string{"app_id"},
		values: func(s *access.ServicePrincipal) []any { return []any{s.AppID} },
		keys:   map[string]string{access.KeyAppID: "app_id"},
		unique: func(s *access.ServicePrincipal) string {
			return fmt.Sprintf("a service principal with appId '%s' already exists", s.AppID)
		},
		inUse: "it still has app role assignments",
	}
	appRoleAssignments = &table[access.AppRoleAssignment, *access.AppRoleAssignment]{
		name: "app_role_assignments", what: "app role assignment", audit: access.AuditAppRoleAssignment,
		id:     func(a *access.AppRoleAssignment) string { return a.ID },
		cols:   []string{"resource_id", "principal_id", "grant_key"},
		values: func(a *access.AppRoleAssignment) []any { return []any{a.ResourceID, a.PrincipalID, a.AppRoleID} },
		keys:   map[string]string{access.KeyResource: "resource_id", access.KeyPrincipal: "principal_id"},
		unique: func(a *access.AppRoleAssignment) string {
			return fmt.Sprintf("principal '%s' already holds app role '%s' of '%s'", a.PrincipalID, a.AppRoleID, a.ResourceDisplayName)
		},
	}
	sites = &table[access.Site, *access.Site]{
		name: "sites", what: "site", audit: access.AuditSite,
		id: func(s *access.Site) string { return s.ID },
	}
	connectedOrganizations = &table[access.ConnectedOrganization, *access.ConnectedOrganization]{
		name: "connected_organizations", what: "connected organization", audit: access.AuditConnectedOrganization,
		id: func(o *access.ConnectedOrganization) string { return o.ID },
	}
	catalogs = &table[access.Catalog, *access.Catalog]{
		name: "catalogs", what: "catalog", audit: access.AuditCatalog,
		id:   func(c *access.Catalog) string { return c.ID },
		cols: []string{"default_key"},
		values: func(c *access.Catalog) []any {
			if c.IsDefault() {
				return []any{"default"}
			}
			return []any{nil}
		},
		unique: func(c *access.Catalog) string { return "the Default catalog already exists" },
		inUse:  "it still holds access packages or resources",
	}
	resources = &table[access.Resource, *access.Resource]{
		name: "resources", what: "resource", audit: access.AuditResource,
		id:   func(r *access.Resource) string { return r.ID },
		cols: []string{"catalog_id", "origin"},
		values: func(r *access.Resource) []any {
			return []any{r.CatalogID, access.OriginKey(r.OriginSystem, r.OriginID)}
		},
		keys: map[string]string{access.KeyCatalog: "catalog_id", access.KeyOrigin: "origin"},
		unique: func(r *access.Resource) string {
			return fmt.Sprintf("the resource '%s' (%s) is already in this catalog", r.DisplayName, r.OriginID)
		},
		inUse: "access packages in its catalog still use its roles",
	}
	resourceRequests = &table[access.ResourceRequest, *access.ResourceRequest]{
		name: "resource_requests", what: "resource request", audit: access.AuditResourceRequest,
		id:     func(r *access.ResourceRequest) string { return r.ID },
		cols:   []string{"catalog_id"},
		values: func(r *access.ResourceRequest) []any { return []any{r.CatalogID} },
		keys:   map[string]string{access.KeyCatalog: "catalog_id"},
	}
	packages = &table[access.Package, *access.Package]{
		name: "packages", what: "access package", audit: access.AuditPackage,
		id:     func(p *access.Package) string { return p.ID },
		cols:   []string{"catalog_id"},
		values: func(p *access.Package) []any { return []any{p.CatalogID} },
		keys:   map[string]string{access.KeyCatalog: "catalog_id"},
		inUse:  "it still has policies, resource roles or assignments",
	}
	roleScopes = &table[access.RoleScope, *access.RoleScope]{
		name: "role_scopes", what: "resource role scope", audit: access.AuditRoleScope,
		id:   func(r *access.RoleScope) string { return r.ID },
		cols: []string{"package_id", "resource_id", "role_key"},
		values: func(r *access.RoleScope) []any {
			return []any{r.PackageID, r.ResourceID, r.Role.ID + "/" + r.Scope.ID}
		},
		keys: map[string]string{access.KeyPackage: "package_id", access.KeyResource: "resource_id"},
		unique: func(r *access.RoleScope) string {
			return fmt.Sprintf("the access package already has role '%s' at scope '%s'", r.Role.DisplayName, r.Scope.DisplayName)
		},
	}
	policies = &table[access.Policy, *access.Policy]{
		name: "policies", what: "assignment policy", audit: access.AuditPolicy,
		id:     func(p *access.Policy) string { return p.ID },
		cols:   []string{"package_id", "catalog_id"},
		values: func(p *access.Policy) []any { return []any{p.PackageID, p.CatalogID} },
		keys:   map[string]string{access.KeyPackage: "package_id", access.KeyCatalog: "catalog_id"},
		after:  savePolicy,
	}
	roleAssignments = &table[access.RoleAssignment, *access.RoleAssignment]{
		name: "role_assignments", what: "role assignment", audit: access.AuditRoleAssignment,
		id:   func(r *access.RoleAssignment) string { return r.ID },
		cols: []string{"principal_id", "catalog_id", "grant_key"},
		values: func(r *access.RoleAssignment) []any {
			return []any{r.PrincipalID, r.CatalogID(), r.RoleDefinitionID + r.AppScopeID}
		},
		keys: map[string]string{access.KeyPrincipal: "principal_id", access.KeyCatalog: "catalog_id"},
		unique: func(r *access.RoleAssignment) string {
			return fmt.Sprintf("principal '%s' already holds role '%s' at scope '%s'", r.PrincipalID, r.RoleDefinitionID, r.AppScopeID)
		},
	}
	tokens = &table[access.Token, *access.Token]{
		name: "tokens", what: "token", audit: access.AuditToken, redact: []string{"hash"},
		id:     func(t *access.Token) string { return t.ID },
		cols:   []string{"hash", "user_id"},
		values: func(t *access.Token) []any { return []any{t.Hash, t.UserID} },
		keys:   map[string]string{access.KeyHash: "hash", access.KeyUser: "user_id"},
	}
	siteRoleAssignments = &table[access.SiteRoleAssignment, *access.SiteRoleAssignment]{
		name: "site_role_assignments", what: "site role assignment", audit: access.AuditSiteRoleAssignment,
		id:     func(a *access.SiteRoleAssignment) string { return a.ID },
		cols:   []string{"site_id", "principal_id", "grant_key"},
		values: func(a *access.SiteRoleAssignment) []any { return []any{a.SiteID, a.PrincipalID, a.RoleID} },
		keys:   map[string]string{access.KeyResource: "site_id", access.KeyPrincipal: "principal_id"},
		unique: func(a *access.SiteRoleAssignment) string {
			return fmt.Sprintf("principal '%s' already holds role '%s' of site '%s'", a.PrincipalID, a.RoleID, a.SiteID)
		},
	}
	requests = &table[access.Request, *access.Request]{
		name: "requests", what: "access package assignment request", audit: access.AuditRequest,
		id:   func(r *access.Request) string { return r.ID },
		cols: []string{"package_id", "target_id", "requestor_id", "state", "due"},
		values: func(r *access.Request) []any {
			return []any{r.PackageID, r.TargetID, r.RequestorID, r.State, dueValue(r.Due)}
		},
		keys: map[string]string{access.KeyPackage: "package_id", access.KeyTarget: "target_id",
			access.KeyRequestor: "requestor_id", access.KeyState: "state", access.KeyDue: "due"},
		after: indexApprovers,
	}
	assignments = &table[access.Assignment, *access.Assignment]{
		name: "assignments", what: "access package assignment", audit: access.AuditAssignment,
		id:   func(a *access.Assignment) string { return a.ID },
		cols: []string{"package_id", "policy_id", "target_id", "state", "active", "due"},
		values: func(a *access.Assignment) []any {
			return []any{a.PackageID, a.PolicyID, a.TargetID, a.State, access.ActiveKey(a), dueValue(a.Due)}
		},
		keys: map[string]string{access.KeyPackage: "package_id", access.KeyPolicy: "policy_id", access.KeyTarget: "target_id",
			access.KeyState: "state", access.KeyActive: "active", access.KeyDue: "due"},
	}
	ledger = &table[access.LedgerEntry, *access.LedgerEntry]{
		name: "ledger", what: "ledger entry",
		id:   func(e *access.LedgerEntry) string { return e.ID },
		cols: []string{"subject_id", "due", "role_key"},
		values: func(e *access.LedgerEntry) []any {
			return []any{e.SubjectID, dueValue(e.Due), access.RoleKey(e.OriginSystem, e.ResourceOriginID, e.RoleOriginID)}
		},
		keys: map[string]string{access.KeyTarget: "subject_id", access.KeyDue: "due", access.KeyRole: "role_key"},
	}
	messages = &table[access.Message, *access.Message]{
		name: "messages", what: "message",
		id:     func(m *access.Message) string { return m.ID },
		cols:   []string{"state", "due"},
		values: func(m *access.Message) []any { return []any{m.State, dueValue(m.Due)} },
		keys:   map[string]string{access.KeyState: "state", access.KeyDue: "due"},
	}
	connectors = &table[access.ConnectorConfig, *access.ConnectorConfig]{
		name: "connectors", what: "connector", audit: access.AuditConnector, redact: []string{"secrets"},
		id: func(c *access.ConnectorConfig) string { return c.ID },
	}
	extensions = &table[access.Extension, *access.Extension]{
		name: "custom_extensions", what: "custom workflow extension", audit: access.AuditCustomExtension, redact: []string{"secret"},
		id:     func(x *access.Extension) string { return x.ID },
		cols:   []string{"catalog_id"},
		values: func(x *access.Extension) []any { return []any{x.CatalogID} },
		keys:   map[string]string{access.KeyCatalog: "catalog_id"},
	}
	callouts = &table[access.Callout, *access.Callout]{
		name: "callouts", what: "custom extension callout",
		id:     func(c *access.Callout) string { return c.ID },
		cols:   []string{"state", "due"},
		values: func(c *access.Callout) []any { return []any{c.State, dueValue(c.Due)} },
		keys:   map[string]string{access.KeyState: "state", access.KeyDue: "due"},
	}
	settings = &table[access.Settings, *access.Settings]{
		name: "settings", what: "settings", audit: access.AuditSettings,
		id: func(s *access.Settings) string { return s.ID },
	}
)

// dueValue is the due column's value: NULL when nothing is due.
func dueValue(t *time.Time) any {
	if t == nil {
		return nil
	}
	return access.DueKey(*t)
}
