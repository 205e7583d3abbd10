package access

import (
	"context"
	"strings"
)

// Privileged accounts (SEC-1, SEC-2). Tenant roles are ordered by privilege; catalog
// roles rank below every tenant role. The rules:
//
//   - Nobody below Global Administrator changes, blocks, deletes or removes the roles of an
//     account (user or group) more privileged than their own.
//   - Roles go only to users and to groups created role-assignable; only a Global
//     Administrator creates such a group or changes its members, owners or properties.
//   - Nobody grants a role that allows something they may not do themselves (a role above
//     their own or outside their remit), and nobody grants a role to themselves or to a
//     group they belong to.

// privilege is the rank of a tenant role: higher is more privileged.
var privilege = map[string]int{
	RoleGlobalAdmin:       4,
	RoleGovernanceAdmin:   3,
	RoleUserAdmin:         2,
	RoleConnectedOrgAdmin: 1,
	RoleCatalogCreator:    1,
}

// rankOf returns the highest privilege among the tenant roles of g, and that role.
func rankOf(g Grants) (int, string) {
	best, name := 0, ""
	for _, def := range RoleDefinitions {
		if g.Tenant[def.ID] && privilege[def.ID] > best {
			best, name = privilege[def.ID], def.DisplayName
		}
	}
	return best, name
}

// heldRoles lists the display names of the tenant roles of g.
func heldRoles(g Grants) string {
	var names []string
	for _, def := range RoleDefinitions {
		if g.Tenant[def.ID] {
			names = append(names, def.DisplayName)
		}
	}
	if len(names) == 0 {
		return "no tenant-wide role"
	}
	return strings.Join(names, ", ")
}

// grantsOf returns the roles a directory object holds: for a user, directly and through
// its groups; for a group, the roles assigned to it.
func grantsOf(ctx context.Context, tx Tx, id string) (Grants, error) {
	if _, err := tx.Users().Get(ctx, id); err == nil {
		a, err := actorFor(ctx, tx, id)
		return a.Grants, err
	} else if !IsKind(err, KindNotFound) {
		return Grants{}, err
	}
	ras, err := tx.RoleAssignments().List(ctx, By(KeyPrincipal, id))
	return NewGrants(ras), err
}

// guardAccount refuses (SEC-1) when the caller is below Global Administrator and the
// account id is more privileged than the caller. verb says what the caller tried
// ("block", "delete", …) and name names the account.
func (o *op) guardAccount(ctx context.Context, id, name, verb string) error {
	if o.who.System || o.who.Grants.Tenant[RoleGlobalAdmin] {
		return nil
	}
	g, err := grantsOf(ctx, o, id)
	if err != nil {
		return err
	}
	theirs, role := rankOf(g)
	mine, _ := rankOf(o.who.Grants)
	if theirs <= mine {
		return nil
	}
	return Ec(KindForbidden, "Authorization_RequestDenied",
		"You are not allowed to %s '%s': it holds %s, which is more privileged than your roles (%s). Only a Global Administrator can %s it.",
		verb, name, role, heldRoles(o.who.Grants), verb)
}

// guardRoleGroup refuses (SEC-2) a change to a role-assignable group by anyone but a
// Global Administrator: whoever changes its members holds its roles.
func (o *op) guardRoleGroup(g Group, verb string) error {
	if !g.IsAssignableToRole || o.who.System || o.who.Grants.Tenant[RoleGlobalAdmin] {
		return nil
	}
	return Ec(KindForbidden, "Authorization_RequestDenied",
		"You are not allowed to %s group '%s': it is role-assignable (isAssignableToRole), so its members hold the administrative roles assigned to it. Roles that allow it: Global Administrator.",
		verb, g.DisplayName)
}

// guardGrant checks (SEC-2) that the caller may grant or remove role def for principal:
// the principal is a user or a role-assignable group, is not the caller or one of the
// caller's groups (when granting), and the role allows nothing the caller may not do in
// the same scope.
func (o *op) guardGrant(ctx context.Context, def RoleDefinition, t Target, principalID string, granting bool) error {
	if o.who.System {
		return nil
	}
	verb := "remove"
	if granting {
		verb = "grant"
	}
	if granting {
		if u, err := o.Users().Get(ctx, principalID); err == nil {
			if u.Deleted() {
				return Ec(KindInvalid, "ReferenceNotFound", "principalId: user '%s' is deleted", principalID)
			}
			if u.ID == o.who.UserID {
				return Ec(KindForbidden, "Authorization_RequestDenied", "You are not allowed to grant a role to yourself. Ask another administrator who may grant %s to do it.", def.DisplayName)
			}
		} else if g, err := o.Groups().Get(ctx, principalID); err == nil {
			if g.Deleted() {
				return Ec(KindInvalid, "ReferenceNotFound", "principalId: group '%s' is deleted", principalID)
			}
			if !g.IsAssignableToRole {
				return Ec(KindInvalid, "Request_BadRequest",
					"group '%s' is not role-assignable: administrative roles go only to users and to groups created with isAssignableToRole true (whose membership only a Global Administrator changes)", g.DisplayName)
			}
			mine, err := o.RelatedTo(ctx, o.who.UserID, RelMember)
			if err != nil {
				return err
			}
			if indexOf(mine, g.ID) >= 0 {
				return Ec(KindForbidden, "Authorization_RequestDenied", "You are not allowed to grant a role to group '%s': you are a member of it, so you would grant it to yourself.", g.DisplayName)
			}
		} else if _, err := o.ServicePrincipals().Get(ctx, principalID); err == nil {
			return Ec(KindInvalid, "Request_BadRequest", "principalId '%s' is a service principal: administrative roles go only to users and role-assignable groups", principalID)
		} else {
			return Ec(KindInvalid, "ReferenceNotFound", "principalId '%s' is not a user or group of this directory", principalID)
		}
	}
	for _, a := range allows[def.ID] {
		if !o.can(a, t) {
			return Ec(KindForbidden, "Authorization_RequestDenied",
				"You are not allowed to %s %s: it allows its holder to %s in %s, which your roles (%s) do not allow you. Only someone who may do everything the role allows can %s it.",
				verb, def.DisplayName, a.Describe(), t, heldRoles(o.who.Grants), verb)
		}
	}
	if !granting {
		return o.guardAccount(ctx, principalID, principalID, "remove a role of")
	}
	return nil
}
