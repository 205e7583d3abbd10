package access

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/kernel"
)

// roleTarget authorizes managing an assignment of role ra.RoleDefinitionID at its scope
// (ADM-7) and checks the privilege rules (SEC-1, SEC-2) for granting or removing it.
func roleTarget(ctx context.Context, tx *op, ra RoleAssignment, granting bool) error {
	def, _ := RoleByID(ra.RoleDefinitionID)
	t := Target{}
	if def.CatalogRole {
		c, err := tx.Catalogs().Get(ctx, ra.CatalogID())
		if err != nil {
			tx.allow("the catalog does not exist; nothing is read")
			return Ec(KindInvalid, "ReferenceNotFound", "appScopeId '%s' names a catalog that does not exist", ra.AppScopeID)
		}
		t = catalogTarget(c)
		if err := tx.authorize(ActManageCatalogRoles, t); err != nil {
			return err
		}
	} else if err := tx.authorize(ActManageTenantRoles, Target{}); err != nil {
		return err
	}
	return tx.guardGrant(ctx, def, t, ra.PrincipalID, granting)
}

// CreateRoleAssignment grants a role (ADM-7): tenant roles need Global or Identity
// Governance Administrator; catalog roles need the right to manage that catalog's roles.
// Roles go only to users and role-assignable groups, never to oneself, and never allow
// more than the granter may do (SEC-2).
func (s *Service) CreateRoleAssignment(ctx context.Context, who Actor, ra RoleAssignment) (RoleAssignment, error) {
	ra.ID, ra.Version, ra.CreatedDateTime = s.ids.NewID(), 0, s.clock.Now()
	err := s.write(ctx, who, func(tx *op) error {
		if !tx.who.MayAnywhere(ActManageTenantRoles) {
			if err := tx.authorizeAnywhere(ActManageCatalogRoles); err != nil {
				return err
			}
		}
		if err := ra.Validate(); err != nil {
			return err
		}
		if err := roleTarget(ctx, tx, ra, true); err != nil {
			return err
		}
		if _, err := directoryObject(ctx, tx, ra.PrincipalID); err != nil {
			return Ec(KindInvalid, "ReferenceNotFound", "principalId: %s", err.Error())
		}
		return tx.RoleAssignments().Put(ctx, &ra)
	})
	return ra, err
}

// visibleRoleAssignment reports whether the caller may see ra: tenant administrators see
// all; others see their own and those of catalogs they may read.
func visibleRoleAssignment(ctx context.Context, tx *op, ra RoleAssignment) bool {
	if tx.self(ra.PrincipalID) || tx.who.hasTenantRoleFor(ActReadCatalog) {
		return true
	}
	if id := ra.CatalogID(); id != "" {
		c, err := tx.Catalogs().Get(ctx, id)
		return err == nil && tx.can(ActReadCatalog, catalogTarget(c))
	}
	return false
}

// ListRoleAssignments returns the role assignments the actor may see.
func (s *Service) ListRoleAssignments(ctx context.Context, who Actor) ([]RoleAssignment, error) {
	var out []RoleAssignment
	err := s.read(ctx, who, func(tx *op) error {
		tx.allow("each role assignment is shown only to whom visibleRoleAssignment lets see it")
		all, err := tx.RoleAssignments().List(ctx)
		for _, ra := range all {
			if visibleRoleAssignment(ctx, tx, ra) {
				out = append(out, ra)
			}
		}
		return err
	})
	return out, err
}

// GetRoleAssignment returns one role assignment the actor may see.
func (s *Service) GetRoleAssignment(ctx context.Context, who Actor, id string) (RoleAssignment, error) {
	var ra RoleAssignment
	err := s.read(ctx, who, func(tx *op) error {
		var err error
		ra, err = tx.RoleAssignments().Get(ctx, id)
		if err == nil && !visibleRoleAssignment(ctx, tx, ra) {
			err = notFound("role assignment", id)
		}
		tx.allow("visibleRoleAssignment decided, or the assignment does not exist")
		return err
	})
	return ra, err
}

// DeleteRoleAssignment removes a role assignment. The last Global Administrator
// assignment cannot be removed, so nobody locks the tenant out; nobody below Global
// Administrator removes a role of a more privileged account (SEC-1).
func (s *Service) DeleteRoleAssignment(ctx context.Context, who Actor, id string) error {
	return s.write(ctx, who, func(tx *op) error {
		ra, err := tx.RoleAssignments().Get(ctx, id)
		if err != nil {
			tx.allow("the role assignment does not exist")
			return err
		}
		if !visibleRoleAssignment(ctx, tx, ra) {
			return notFound("role assignment", id)
		}
		if err := roleTarget(ctx, tx, ra, false); err != nil {
			return err
		}
		if ra.RoleDefinitionID == RoleGlobalAdmin {
			all, err := tx.RoleAssignments().List(ctx)
			if err != nil {
				return err
			}
			n := 0
			for _, x := range all {
				if x.RoleDefinitionID == RoleGlobalAdmin {
					n++
				}
			}
			if n <= 1 {
				return E(KindFailedPrecondition, "this is the last Global Administrator assignment; grant the role to someone else first")
			}
		}
		return tx.RoleAssignments().Delete(ctx, id)
	})
}

// NewTokenSecret returns a new random API token secret.
func NewTokenSecret() string { return kernel.NewSecret("bst_") }

// MaxTokenLifetime bounds the lifetime of an API token.
const MaxTokenLifetime = 5 * 365 * 24 * time.Hour

// CreateToken issues an API token for a user (by id or userPrincipalName). The secret is
// returned once; only its hash is stored. ttl 0 means no expiry; otherwise it must lie
// between one minute and MaxTokenLifetime. It is the CLI's: whoever runs it holds the
// database.
func (s *Service) CreateToken(ctx context.Context, userIDOrUPN, name string, ttl time.Duration) (string, Token, error) {
	var secret string
	var t Token
	err := s.system(ctx, func(tx Tx) error {
		u, err := lookupUser(ctx, tx, userIDOrUPN)
		if err != nil {
			return err
		}
		if secret, t, err = s.newToken(u.ID, name, ttl, s.clock.Now()); err != nil {
			return err
		}
		return tx.Tokens().Put(ctx, &t)
	})
	return secret, t, err
}

// newToken makes an API token for a user and returns its secret; only the hash is kept in
// the token. ttl 0 means no expiry; otherwise it must lie between one minute and
// MaxTokenLifetime.
func (s *Service) newToken(userID, name string, ttl time.Duration, now time.Time) (string, Token, error) {
	if ttl < 0 || (ttl > 0 && ttl < time.Minute) || ttl > MaxTokenLifetime {
		return "", Token{}, invalid("the token lifetime %s is not valid: give a duration between 1m and %s (for example 720h), or 0 for a token that does not expire", ttl, MaxTokenLifetime)
	}
	secret := NewTokenSecret()
	t := Token{ID: s.ids.NewID(), UserID: userID, Name: name, Hash: HashToken(secret), CreatedDateTime: now}
	if ttl > 0 {
		exp := now.Add(ttl)
		t.ExpiresDateTime = &exp
	}
	return secret, t, nil
}

// revoke marks a token revoked at now; a token revoked before is an error naming it.
func (t *Token) revoke(now time.Time) error {
	if t.RevokedDateTime != nil {
		return E(KindFailedPrecondition, "token '%s' (%s) is already revoked", t.ID, t.Name)
	}
	t.RevokedDateTime = &now
	return nil
}

// ListTokens lists the tokens of a user (by id or userPrincipalName), or of everyone.
func (s *Service) ListTokens(ctx context.Context, userIDOrUPN string) ([]Token, error) {
	var out []Token
	err := s.systemRead(ctx, func(tx Tx) error {
		if userIDOrUPN == "" {
			var err error
			out, err = tx.Tokens().List(ctx)
			return err
		}
		u, err := lookupUser(ctx, tx, userIDOrUPN)
		if err != nil {
			return err
		}
		out, err = tx.Tokens().List(ctx, By(KeyUser, u.ID))
		return err
	})
	return out, err
}

// RevokeToken revokes a token by id; it stops working at once.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	_, err := update(ctx, s, SystemActor,
		func(tx *op) (Token, error) { tx.allow("the CLI: Bestow itself"); return tx.Tokens().Get(ctx, id) },
		func(tx *op, t *Token) error { return t.revoke(tx.now) },
		func(tx *op, t *Token) error { return tx.Tokens().Put(ctx, t) })
	return err
}

// Bootstrap creates the first user, a Global Administrator with the given
// userPrincipalName, on a database with no users, and returns an API token for them.
func (s *Service) Bootstrap(ctx context.Context, upn string) (User, string, error) {
	name, _, _ := strings.Cut(upn, "@")
	u := User{ID: s.ids.NewID(), DisplayName: name, UserPrincipalName: upn, Mail: upn, UserType: UserTypeMember,
		AccountEnabled: true, CreatedDateTime: s.clock.Now()}
	if err := u.Validate(); err != nil {
		return User{}, "", err
	}
	err := s.system(ctx, func(tx Tx) error {
		existing, err := tx.Users().List(ctx)
		if err != nil {
			return err
		}
		if len(existing) > 0 {
			return E(KindFailedPrecondition, "the database already has %d user(s); bootstrap works only on an empty database. Use 'bestow token create --user UPN' for an existing administrator", len(existing))
		}
		if err := tx.Users().Put(ctx, &u); err != nil {
			return err
		}
		ra := RoleAssignment{ID: s.ids.NewID(), PrincipalID: u.ID, RoleDefinitionID: RoleGlobalAdmin, DirectoryScopeID: "/", AppScopeID: "/", CreatedDateTime: u.CreatedDateTime}
		return tx.RoleAssignments().Put(ctx, &ra)
	})
	if err != nil {
		return User{}, "", err
	}
	secret, _, err := s.CreateToken(ctx, u.ID, "bootstrap", 0)
	return u, secret, err
}

// GrantOption is one way to allow an action: a role at a scope.
type GrantOption struct {
	RoleDefinitionID string `json:"roleDefinitionId"`
	Role             string `json:"role"`
	AppScopeID       string `json:"appScopeId"`
	Held             bool   `json:"held"`
	GrantWith        string `json:"grantWith"`
}

// PermissionExplanation answers "may this user do this, and if not, what would allow
// it" (TRB-3).
type PermissionExplanation struct {
	UserID    string        `json:"userId"`
	User      string        `json:"userPrincipalName"`
	Action    Action        `json:"action"`
	Means     string        `json:"actionDescription"`
	Scope     string        `json:"scope"`
	Allowed   bool          `json:"allowed"`
	HeldRoles []string      `json:"heldRoles"`
	Options   []GrantOption `json:"rolesThatAllow"`
	Message   string        `json:"message"`
}

// ExplainPermission explains whether a user may do action in a scope: "" (the tenant), a
// catalog id or an access package id (TRB-3). It reveals nothing the caller could not read
// directly: anyone may ask about themselves in a scope they may see; asking about someone
// else shows their roles, so it needs a tenant role that reads every role assignment.
func (s *Service) ExplainPermission(ctx context.Context, who Actor, userIDOrUPN string, action Action, scope string) (PermissionExplanation, error) {
	var ex PermissionExplanation
	if !action.Valid() {
		var names []string
		for _, a := range Actions() {
			names = append(names, string(a))
		}
		return ex, invalid("action '%s' is not known; use one of: %s", action, strings.Join(names, ", "))
	}
	err := s.read(ctx, who, func(tx *op) error {
		u, err := lookupUser(ctx, tx, userIDOrUPN)
		if err == nil && tx.self(u.ID) {
			// about oneself
		} else if !tx.who.hasTenantRoleFor(ActReadCatalog) {
			return Ec(KindForbidden, "Authorization_RequestDenied",
				"You are not allowed to explain the permissions of another user: that shows their roles. Roles that allow it: %s. Ask about yourself by leaving out ?user=.",
				strings.Join(tenantRolesFor(ActReadCatalog), ", "))
		} else if err != nil {
			return err
		}
		subject, err := actorFor(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		var t Target
		if scope != "" {
			c, err := tx.Catalogs().Get(ctx, scope)
			if IsKind(err, KindNotFound) {
				p, perr := tx.Packages().Get(ctx, scope)
				if perr != nil {
					return Ec(KindNotFound, "ResourceNotFound", "scope '%s' is neither a catalog nor an access package", scope)
				}
				c, err = tx.Catalogs().Get(ctx, p.CatalogID)
				t.PackageName = p.DisplayName
			}
			if err != nil {
				return err
			}
			t.CatalogID, t.CatalogName, t.DefaultCatalog = c.ID, c.DisplayName, c.IsDefault()
			if !tx.can(ActReadCatalog, t) {
				return Ec(KindNotFound, "ResourceNotFound", "scope '%s' is neither a catalog nor an access package", scope)
			}
		}
		ex = explain(subject, u, action, t)
		return nil
	})
	return ex, err
}

// tenantRolesFor lists the tenant roles that allow a.
func tenantRolesFor(a Action) []string {
	var out []string
	for _, def := range RoleDefinitions {
		if !def.CatalogRole && roleAllows(def.ID, a) {
			out = append(out, def.DisplayName)
		}
	}
	return out
}

func explain(subject Actor, u User, action Action, t Target) PermissionExplanation {
	ex := PermissionExplanation{UserID: u.ID, User: u.UserPrincipalName, Action: action, Means: action.Describe(),
		Scope: t.String(), Allowed: subject.Can(action, t), HeldRoles: []string{}, Options: []GrantOption{}}
	for role := range subject.Grants.Tenant {
		def, _ := RoleByID(role)
		ex.HeldRoles = append(ex.HeldRoles, def.DisplayName)
	}
	if t.CatalogID != "" {
		for role := range subject.Grants.Catalog[t.CatalogID] {
			def, _ := RoleByID(role)
			ex.HeldRoles = append(ex.HeldRoles, fmt.Sprintf("%s of catalog '%s'", def.DisplayName, t.CatalogName))
		}
	}
	for _, def := range RoleDefinitions {
		if !roleAllows(def.ID, action) {
			continue
		}
		opt := GrantOption{RoleDefinitionID: def.ID, Role: def.DisplayName, AppScopeID: "/", Held: subject.Grants.Tenant[def.ID]}
		if def.CatalogRole {
			if t.CatalogID == "" || tenantOnly(action, t) {
				continue
			}
			opt.AppScopeID = CatalogScope(t.CatalogID)
			opt.Role = fmt.Sprintf("%s of catalog '%s'", def.DisplayName, t.CatalogName)
			opt.Held = subject.Grants.Catalog[t.CatalogID][def.ID]
		}
		opt.GrantWith = fmt.Sprintf(`POST /v1.0/roleManagement/entitlementManagement/roleAssignments {"principalId":"%s","roleDefinitionId":"%s","appScopeId":"%s"}`, u.ID, def.ID, opt.AppScopeID)
		ex.Options = append(ex.Options, opt)
	}
	if ex.Allowed {
		ex.Message = fmt.Sprintf("%s may %s in %s.", u.UserPrincipalName, action.Describe(), t)
	} else if err := subject.Authorize(action, t); err != nil {
		ex.Message = err.Error()
	}
	return ex
}
