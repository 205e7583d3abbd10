package access

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// RoleDefinition is an administrative role (ADM-1). Tenant roles apply everywhere; catalog
// roles apply to one catalog, named by a role assignment's appScopeId.
type RoleDefinition struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Description string `json:"description"`
	IsBuiltIn   bool   `json:"isBuiltIn"`
	IsEnabled   bool   `json:"isEnabled"`
	// TemplateID is the id of the built-in role, the same as ID (as in Graph).
	TemplateID string `json:"templateId"`
	// Version is the version of the role's permissions.
	Version string `json:"version"`
	// RolePermissions lists the actions the role allows, by Bestow's action names (the
	// ones GET /bestow/v1/explain/actions describes).
	RolePermissions []RolePermission `json:"rolePermissions"`
	CatalogRole     bool             `json:"-"`
}

// RolePermission is Graph's unifiedRolePermission: a set of allowed actions.
type RolePermission struct {
	AllowedResourceActions []Action `json:"allowedResourceActions"`
	Condition              *string  `json:"condition"`
}

// Role definition ids: Entra's ids for the same roles, so scripts carry over.
const (
	RoleGlobalAdmin       = "62e90394-69f5-4237-9190-012177145e10"
	RoleGovernanceAdmin   = "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e"
	RoleUserAdmin         = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	RoleCatalogCreator    = "ba92d953-d8e0-4e39-a797-0cbedb0a89e8"
	RoleConnectedOrgAdmin = "e65cf63f-9cc2-4b48-8871-cb667e9d90f0"
	RoleCatalogOwner      = "ae79f266-94d4-4dab-b730-feca7e132178"
	RoleCatalogReader     = "44272f93-9762-48e8-af59-1b5351b1d6b3"
	RolePackageManager    = "7f480852-ebdc-47d4-87de-0d8498384a83"
	RoleAssignmentManager = "e2182095-804a-4656-ae11-64734e9b7ae5"
	catalogScopePrefix    = "/AccessPackageCatalog/"
)

// RoleDefinitions lists every role Bestow knows, tenant roles first.
var RoleDefinitions = []RoleDefinition{
	{ID: RoleGlobalAdmin, DisplayName: "Global Administrator", Description: "Can do everything, including granting every role."},
	{ID: RoleGovernanceAdmin, DisplayName: "Identity Governance Administrator", Description: "Can do everything in entitlement management, including granting its roles."},
	{ID: RoleUserAdmin, DisplayName: "User Administrator", Description: "Manages the directory and everything in entitlement management except granting tenant-wide roles."},
	{ID: RoleCatalogCreator, DisplayName: "Catalog creator", Description: "Can create catalogs and becomes their owner."},
	{ID: RoleConnectedOrgAdmin, DisplayName: "Connected Organization Administrator", Description: "Manages connected organizations."},
	{ID: RoleCatalogOwner, DisplayName: "Catalog owner", Description: "Manages a catalog: its resources, packages, policies, assignments and roles.", CatalogRole: true},
	{ID: RoleCatalogReader, DisplayName: "Catalog reader", Description: "Reads a catalog and its packages.", CatalogRole: true},
	{ID: RolePackageManager, DisplayName: "Access package manager", Description: "Manages the packages and policies of a catalog and their assignments.", CatalogRole: true},
	{ID: RoleAssignmentManager, DisplayName: "Access package assignment manager", Description: "Assigns and removes users in a catalog's packages and reads their requests.", CatalogRole: true},
}

func init() {
	for i := range RoleDefinitions {
		r := &RoleDefinitions[i]
		r.IsBuiltIn, r.IsEnabled, r.TemplateID, r.Version = true, true, r.ID, "1"
		r.RolePermissions = []RolePermission{{AllowedResourceActions: allows[r.ID]}}
	}
}

// RoleByID returns the role definition with the given id.
func RoleByID(id string) (RoleDefinition, bool) {
	for _, r := range RoleDefinitions {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return RoleDefinition{}, false
}

// RoleAssignment grants a role to a principal (user or group), tenant-wide or for one
// catalog (ADM-7). AppScopeID is "/" for tenant roles and "/AccessPackageCatalog/{id}"
// for catalog roles.
type RoleAssignment struct {
	Revision
	ID               string    `json:"id"`
	PrincipalID      string    `json:"principalId"`
	RoleDefinitionID string    `json:"roleDefinitionId"`
	DirectoryScopeID string    `json:"directoryScopeId"`
	AppScopeID       string    `json:"appScopeId"`
	CreatedDateTime  time.Time `json:"createdDateTime"`
}

// CatalogID returns the catalog a catalog-role assignment applies to, or "".
func (r *RoleAssignment) CatalogID() string {
	if id, ok := strings.CutPrefix(r.AppScopeID, catalogScopePrefix); ok {
		return id
	}
	return ""
}

// CatalogScope returns the appScopeId for a catalog.
func CatalogScope(catalogID string) string { return catalogScopePrefix + catalogID }

// Validate checks the assignment's shape: a known role, a scope that fits it.
func (r *RoleAssignment) Validate() error {
	def, ok := RoleByID(r.RoleDefinitionID)
	if !ok {
		return Ec(KindInvalid, "InvalidRoleDefinition", "roleDefinitionId '%s' is not a known role; list them at /v1.0/roleManagement/entitlementManagement/roleDefinitions", r.RoleDefinitionID)
	}
	r.RoleDefinitionID = def.ID
	if r.PrincipalID == "" {
		return invalid("principalId is required")
	}
	if r.DirectoryScopeID == "" {
		r.DirectoryScopeID = "/"
	}
	if def.CatalogRole {
		if !strings.HasPrefix(r.AppScopeID, catalogScopePrefix) || r.CatalogID() == "" {
			return invalid("%s is a catalog role: set appScopeId to /AccessPackageCatalog/{catalogId}", def.DisplayName)
		}
	} else {
		if r.AppScopeID != "" && r.AppScopeID != "/" {
			return invalid("%s is a tenant-wide role: leave appScopeId empty or set it to /", def.DisplayName)
		}
		r.AppScopeID = "/"
	}
	return nil
}

// Action is something a principal may be allowed to do.
type Action string

// The actions that authorization decides. Approvers and requestors get their rights from
// policies, not from these.
const (
	ActReadDirectory      Action = "directory.read"
	ActManageDirectory    Action = "directory.manage"
	ActManageTenantRoles  Action = "roles.manageTenant"
	ActManageCatalogRoles Action = "catalog.manageRoles"
	ActManageConnOrgs     Action = "connectedOrganizations.manage"
	ActManageSettings     Action = "settings.manage"
	ActCreateCatalog      Action = "catalog.create"
	ActReadCatalog        Action = "catalog.read"
	ActManageCatalog      Action = "catalog.manage"
	ActCreatePackage      Action = "accessPackage.create"
	ActReadPackage        Action = "accessPackage.read"
	ActManagePackage      Action = "accessPackage.manage"
	ActManagePolicy       Action = "assignmentPolicy.manage"
	ActCreateAutoPolicy   Action = "assignmentPolicy.createAutomatic"
	ActManageAssignments  Action = "assignment.manage"
	ActReadAssignments    Action = "assignment.read"
	ActReadAudit          Action = "audit.read"
	ActManageConnectors   Action = "connectors.manage"
)

var actionText = map[Action]string{
	ActReadDirectory:      "read the directory",
	ActManageDirectory:    "create, change or delete users, groups, applications and sites",
	ActManageTenantRoles:  "grant or remove tenant-wide administrative roles",
	ActManageCatalogRoles: "grant or remove roles on a catalog",
	ActManageConnOrgs:     "manage connected organizations",
	ActManageSettings:     "change entitlement management settings",
	ActCreateCatalog:      "create catalogs",
	ActReadCatalog:        "read a catalog",
	ActManageCatalog:      "change or delete a catalog or its resources",
	ActCreatePackage:      "create access packages",
	ActReadPackage:        "read access packages",
	ActManagePackage:      "change, hide or delete access packages and their resource roles",
	ActManagePolicy:       "create, change or delete assignment policies",
	ActCreateAutoPolicy:   "create automatic assignment policies",
	ActManageAssignments:  "assign, remove, cancel or reprocess assignments and requests",
	ActReadAssignments:    "read assignments and requests",
	ActReadAudit:          "read the audit log",
	ActManageConnectors:   "create, change, test or delete connectors to other systems",
}

// Actions lists every action, for documentation and the troubleshooter.
func Actions() []Action {
	out := make([]Action, 0, len(actionText))
	for a := range actionText {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Describe returns the action in words.
func (a Action) Describe() string { return actionText[a] }

// Valid reports whether a is a known action.
func (a Action) Valid() bool { _, ok := actionText[a]; return ok }

// allows is the task matrix of reference §5: for each role, the actions it allows.
var allows = map[string][]Action{
	RoleGlobalAdmin: {ActReadDirectory, ActManageDirectory, ActManageTenantRoles, ActManageCatalogRoles, ActManageConnOrgs,
		ActManageSettings, ActCreateCatalog, ActReadCatalog, ActManageCatalog, ActCreatePackage, ActReadPackage,
		ActManagePackage, ActManagePolicy, ActCreateAutoPolicy, ActManageAssignments, ActReadAssignments, ActReadAudit,
		ActManageConnectors},
	RoleGovernanceAdmin: {ActReadDirectory, ActManageTenantRoles, ActManageCatalogRoles, ActManageConnOrgs,
		ActManageSettings, ActCreateCatalog, ActReadCatalog, ActManageCatalog, ActCreatePackage, ActReadPackage,
		ActManagePackage, ActManagePolicy, ActCreateAutoPolicy, ActManageAssignments, ActReadAssignments, ActReadAudit,
		ActManageConnectors},
	RoleUserAdmin: {ActReadDirectory, ActManageDirectory, ActManageCatalogRoles, ActManageConnOrgs,
		ActManageSettings, ActCreateCatalog, ActReadCatalog, ActManageCatalog, ActCreatePackage, ActReadPackage,
		ActManagePackage, ActManagePolicy, ActManageAssignments, ActReadAssignments},
	RoleCatalogCreator:    {ActCreateCatalog},
	RoleConnectedOrgAdmin: {ActManageConnOrgs},
	RoleCatalogOwner: {ActManageCatalogRoles, ActReadCatalog, ActManageCatalog, ActCreatePackage, ActReadPackage,
		ActManagePackage, ActManagePolicy, ActManageAssignments, ActReadAssignments},
	RoleCatalogReader:     {ActReadCatalog, ActReadPackage}, // packages only, not who requested or holds them (reference §5)
	RolePackageManager:    {ActReadCatalog, ActCreatePackage, ActReadPackage, ActManagePackage, ActManagePolicy, ActManageAssignments, ActReadAssignments},
	RoleAssignmentManager: {ActReadCatalog, ActReadPackage, ActManageAssignments, ActReadAssignments},
}

func roleAllows(role string, a Action) bool {
	for _, x := range allows[role] {
		if x == a {
			return true
		}
	}
	return false
}

// Grants are the roles a principal holds, directly or through groups.
type Grants struct {
	Tenant  map[string]bool            // role definition id → held
	Catalog map[string]map[string]bool // catalog id → role definition id → held
}

// NewGrants builds Grants from role assignments.
func NewGrants(assignments []RoleAssignment) Grants {
	g := Grants{Tenant: map[string]bool{}, Catalog: map[string]map[string]bool{}}
	for _, ra := range assignments {
		if c := ra.CatalogID(); c != "" {
			if g.Catalog[c] == nil {
				g.Catalog[c] = map[string]bool{}
			}
			g.Catalog[c][ra.RoleDefinitionID] = true
		} else {
			g.Tenant[ra.RoleDefinitionID] = true
		}
	}
	return g
}

// Actor is who performs an operation: a user with the roles they hold, or the system.
type Actor struct {
	UserID      string
	DisplayName string
	Guest       bool
	System      bool
	Grants      Grants
}

// SystemActor is Bestow itself (demo seeding, jobs): it may do everything.
var SystemActor = Actor{UserID: "", DisplayName: "Bestow", System: true}

// Target is what an action applies to. CatalogID is empty for tenant-wide actions.
type Target struct {
	CatalogID      string
	CatalogName    string
	DefaultCatalog bool
	PackageName    string
}

func (t Target) String() string {
	var b strings.Builder
	if t.PackageName != "" {
		fmt.Fprintf(&b, "access package '%s' in ", t.PackageName)
	}
	if t.CatalogID != "" {
		fmt.Fprintf(&b, "catalog '%s'", t.CatalogName)
	} else {
		b.WriteString("the tenant")
	}
	return b.String()
}

// tenantOnly reports whether only tenant roles may do a in t: creating packages in the
// Default catalog needs User Administrator or higher (ADM-5).
func tenantOnly(a Action, t Target) bool { return t.DefaultCatalog && a == ActCreatePackage }

// Can reports whether the actor may do a on t.
func (who Actor) Can(a Action, t Target) bool {
	if who.System {
		return true
	}
	if a == ActReadDirectory && !who.Guest {
		return true // every member may read the directory, as in Graph
	}
	for role := range who.Grants.Tenant {
		if roleAllows(role, a) {
			return true
		}
	}
	if t.CatalogID == "" || tenantOnly(a, t) {
		return false
	}
	for role := range who.Grants.Catalog[t.CatalogID] {
		if roleAllows(role, a) {
			return true
		}
	}
	return false
}

// RolesAllowing lists the roles that allow a on t, as "Role" or "Role of catalog 'X'".
func RolesAllowing(a Action, t Target) []string {
	var out []string
	for _, def := range RoleDefinitions {
		if !roleAllows(def.ID, a) {
			continue
		}
		if def.CatalogRole {
			if t.CatalogID == "" || tenantOnly(a, t) {
				continue
			}
			out = append(out, fmt.Sprintf("%s of catalog '%s'", def.DisplayName, t.CatalogName))
		} else {
			out = append(out, def.DisplayName)
		}
	}
	return out
}

// Authorize returns nil when the actor may do a on t, and otherwise a Forbidden error
// that names the action, the scope and the roles that would allow it (ADM-2).
func (who Actor) Authorize(a Action, t Target) error {
	if who.Can(a, t) {
		return nil
	}
	if a == ActCreatePackage && who.Grants.Tenant[RoleCatalogCreator] && !who.ownsAnyCatalog() {
		// ADM-3
		return Ec(KindForbidden, "Authorization_RequestDenied",
			"You are a Catalog creator but own no catalog yet, so you cannot create access packages in %s. "+
				"Create a catalog first (POST /v1.0/identityGovernance/entitlementManagement/catalogs): you become its owner and can then create access packages in it.", t)
	}
	roles := RolesAllowing(a, t)
	msg := fmt.Sprintf("You are not allowed to %s in %s. Roles that allow it: %s.", a.Describe(), t, strings.Join(roles, ", "))
	if t.DefaultCatalog && a == ActCreatePackage {
		msg += " The Default catalog 'General' needs User Administrator or higher; catalog roles there do not suffice (or create the package in a catalog you own)."
	}
	if t.CatalogID != "" && !tenantOnly(a, t) {
		msg += fmt.Sprintf(" Ask an owner of catalog '%s' or an administrator to grant you one of them.", t.CatalogName)
	} else {
		msg += " Ask a Global Administrator or Identity Governance Administrator to grant you one of them."
	}
	return Ec(KindForbidden, "Authorization_RequestDenied", "%s", msg)
}

// MayAnywhere reports whether the actor may do a somewhere: tenant-wide or in at least one
// catalog.
func (who Actor) MayAnywhere(a Action) bool {
	if who.Can(a, Target{}) {
		return true
	}
	for _, roles := range who.Grants.Catalog {
		for role := range roles {
			if roleAllows(role, a) {
				return true
			}
		}
	}
	return false
}

// NeedsCatalog reports whether the actor is a Catalog creator who may create access
// packages nowhere yet, and so must create a catalog first (ADM-3).
func (who Actor) NeedsCatalog() bool {
	return who.Grants.Tenant[RoleCatalogCreator] && !who.MayAnywhere(ActCreatePackage)
}

func (who Actor) ownsAnyCatalog() bool {
	for _, roles := range who.Grants.Catalog {
		if roles[RoleCatalogOwner] {
			return true
		}
	}
	return false
}
