// Package directory is the connector that delivers resource roles into Bestow's own
// directory: group membership and ownership, app role assignments and site roles. It
// implements the same contract (connector.Connector) as connectors to other systems.
package directory

import (
	"context"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
)

// Connector writes to the directory in the Bestow store, one transaction per call.
type Connector struct {
	store access.Store
	clock access.Clock
	ids   access.IDs
}

// New returns a connector over store; clock and ids may be nil for the real ones.
func New(store access.Store, clock access.Clock, ids access.IDs) *Connector {
	if clock == nil {
		clock = access.SystemClock{}
	}
	if ids == nil {
		ids = access.RandomIDs{}
	}
	return &Connector{store: store, clock: clock, ids: ids}
}

// Register adds the connector for every origin system of the built-in directory.
func (c *Connector) Register(cs connector.Registry) {
	for _, sys := range []string{access.OriginGroup, access.OriginApplication, access.OriginSite} {
		cs[sys] = c
	}
}

var done = access.DeliveryResult{AlreadyDone: true}

// Grant gives the subject the role. Holding it already is success with AlreadyDone.
func (c *Connector) Grant(ctx context.Context, g access.RoleGrant) (access.DeliveryResult, error) {
	var res access.DeliveryResult
	err := c.store.Write(ctx, func(tx access.Tx) error {
		res = access.DeliveryResult{}
		if _, err := tx.Users().Get(ctx, g.SubjectID); err != nil {
			return err
		}
		switch g.OriginSystem {
		case access.OriginGroup:
			rel, err := groupRelation(g)
			if err != nil {
				return err
			}
			grp, err := tx.Groups().Get(ctx, g.ResourceOriginID)
			if err != nil {
				return err
			}
			if grp.Deleted() {
				return access.E(access.KindNotFound, "group '%s' is deleted: nothing is delivered into a deleted group", grp.DisplayName)
			}
			return tx.Relate(ctx, g.ResourceOriginID, rel, g.SubjectID)
		case access.OriginApplication:
			held, err := appRole(ctx, tx, g)
			if err != nil || held != nil {
				res = done
				return err
			}
			sp, err := tx.ServicePrincipals().Get(ctx, g.ResourceOriginID)
			if err != nil {
				return err
			}
			u, err := tx.Users().Get(ctx, g.SubjectID)
			if err != nil {
				return err
			}
			a := access.AppRoleAssignment{ID: c.ids.NewID(), AppRoleID: g.RoleOriginID, PrincipalID: u.ID, PrincipalType: "User",
				PrincipalDisplayName: u.DisplayName, ResourceID: sp.ID, ResourceDisplayName: sp.DisplayName, CreatedDateTime: c.clock.Now()}
			return tx.AppRoleAssignments().Put(ctx, &a)
		case access.OriginSite:
			held, err := siteRole(ctx, tx, g)
			if err != nil || held != nil {
				res = done
				return err
			}
			if _, err := tx.Sites().Get(ctx, g.ResourceOriginID); err != nil {
				return err
			}
			a := access.SiteRoleAssignment{ID: c.ids.NewID(), SiteID: g.ResourceOriginID, RoleID: g.RoleOriginID, PrincipalID: g.SubjectID, CreatedDateTime: c.clock.Now()}
			return tx.SiteRoleAssignments().Put(ctx, &a)
		}
		return unsupported(g)
	})
	if access.IsKind(err, access.KindConflict) {
		return done, nil // already held: the unique key says so
	}
	return res, err
}

// Revoke takes the role away. Not holding it is success with AlreadyDone.
func (c *Connector) Revoke(ctx context.Context, g access.RoleGrant) (access.DeliveryResult, error) {
	var res access.DeliveryResult
	err := c.store.Write(ctx, func(tx access.Tx) error {
		res = access.DeliveryResult{}
		switch g.OriginSystem {
		case access.OriginGroup:
			rel, err := groupRelation(g)
			if err != nil {
				return err
			}
			err = tx.Unrelate(ctx, g.ResourceOriginID, rel, g.SubjectID)
			if access.IsKind(err, access.KindNotFound) {
				res = done
				return nil
			}
			return err
		case access.OriginApplication:
			held, err := appRole(ctx, tx, g)
			if err != nil {
				return err
			}
			if held == nil {
				res = done
				return nil
			}
			return tx.AppRoleAssignments().Delete(ctx, held.ID)
		case access.OriginSite:
			held, err := siteRole(ctx, tx, g)
			if err != nil {
				return err
			}
			if held == nil {
				res = done
				return nil
			}
			return tx.SiteRoleAssignments().Delete(ctx, held.ID)
		}
		return unsupported(g)
	})
	return res, err
}

// groupRelation says which of the group's roles the grant is: the one whose id it is.
func groupRelation(g access.RoleGrant) (access.Relation, error) {
	for _, rel := range []access.Relation{access.RelMember, access.RelOwner} {
		if g.RoleOriginID == access.GroupRole(g.ResourceOriginID, rel) {
			return rel, nil
		}
	}
	return "", access.E(access.KindInvalid, "'%s' is not a role of group '%s'; its roles are %s and %s", g.RoleOriginID, g.ResourceOriginID,
		access.GroupRole(g.ResourceOriginID, access.RelMember), access.GroupRole(g.ResourceOriginID, access.RelOwner))
}

// appRole returns the subject's assignment of the role, or nil.
func appRole(ctx context.Context, tx access.Tx, g access.RoleGrant) (*access.AppRoleAssignment, error) {
	list, err := tx.AppRoleAssignments().List(ctx, access.By(access.KeyPrincipal, g.SubjectID), access.By(access.KeyResource, g.ResourceOriginID))
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].AppRoleID == g.RoleOriginID {
			return &list[i], nil
		}
	}
	return nil, nil
}

// siteRole returns the subject's assignment of the site role, or nil.
func siteRole(ctx context.Context, tx access.Tx, g access.RoleGrant) (*access.SiteRoleAssignment, error) {
	list, err := tx.SiteRoleAssignments().List(ctx, access.By(access.KeyPrincipal, g.SubjectID), access.By(access.KeyResource, g.ResourceOriginID))
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].RoleID == g.RoleOriginID {
			return &list[i], nil
		}
	}
	return nil, nil
}

func unsupported(g access.RoleGrant) error {
	return access.E(access.KindInvalid, "the directory connector does not deliver roles of origin system '%s'", g.OriginSystem)
}
