// Package directory is the connector that delivers resource roles into Bestow's own
// directory: group membership and ownership, app role assignments and site roles. It
// implements the same contract (connector.Connector) as connectors to other systems, and
// connector.Batcher: a batch of changes is one store transaction.
package directory

import (
	"context"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
)

// The capabilities the connector offers.
var (
	_ connector.Connector = (*Connector)(nil)
	_ connector.Batcher   = (*Connector)(nil)
)

// Connector writes to the directory in the Bestow store. It is safe for concurrent use.
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

// Grant gives the subject the role, in a transaction of its own. Holding it already is
// success with AlreadyDone.
func (c *Connector) Grant(ctx context.Context, g access.RoleGrant) (access.DeliveryResult, error) {
	o := c.Apply(ctx, []connector.Change{{Grant: g, Add: true}})[0]
	return o.Result, o.Err
}

// Revoke takes the role away, in a transaction of its own. Not holding it is success with
// AlreadyDone.
func (c *Connector) Revoke(ctx context.Context, g access.RoleGrant) (access.DeliveryResult, error) {
	o := c.Apply(ctx, []connector.Change{{Grant: g}})[0]
	return o.Result, o.Err
}

// attempts is how many times a transaction of changes is tried before Apply gives up on
// it (the store already retries a busy database inside each attempt).
const attempts = 3

// Apply implements connector.Batcher: it makes all the changes in one store transaction,
// each with the outcome Grant or Revoke would give it alone. A change the directory
// refuses (a user or group that does not exist, a deleted group, a role the resource does
// not have) fails alone and the others are made. When the transaction itself fails (a
// concurrent write of the same role, a database error), Apply tries the batch again, up
// to attempts times, and then gives each change a transaction of its own, so that each
// gets its own outcome. Outcomes are in the order of the changes.
func (c *Connector) Apply(ctx context.Context, changes []connector.Change) []connector.Outcome {
	out, err := c.transact(ctx, changes)
	if err == nil {
		return out
	}
	if len(changes) == 1 {
		return []connector.Outcome{{Err: err}}
	}
	for i := range changes {
		out[i] = c.Apply(ctx, changes[i:i+1])[0]
	}
	return out
}

// transact makes the changes in one transaction, tried up to attempts times. On success
// the outcomes hold each change's result or its own error; otherwise the error is the
// transaction's and the outcomes mean nothing.
func (c *Connector) transact(ctx context.Context, changes []connector.Change) ([]connector.Outcome, error) {
	out := make([]connector.Outcome, len(changes))
	try := func() error {
		return c.store.Write(ctx, func(tx access.Tx) error { return c.write(ctx, newView(tx), changes, out) })
	}
	err := try()
	for n := 1; err != nil && n < attempts && ctx.Err() == nil; n++ {
		err = try()
	}
	return out, err
}

// write makes each change in the view's transaction and sets its outcome. A change the
// directory refuses gets its error and leaves the transaction as it was; any other error
// is returned, to fail the transaction.
func (c *Connector) write(ctx context.Context, v *view, changes []connector.Change, out []connector.Outcome) error {
	for i, ch := range changes {
		var do func() error
		var err error
		if ch.Add {
			do, err = c.planGrant(ctx, v, ch.Grant)
		} else {
			do, err = c.planRevoke(ctx, v, ch.Grant)
		}
		switch {
		case refused(err):
			out[i] = connector.Outcome{Err: err}
		case err != nil:
			return err
		case do == nil:
			out[i] = connector.Outcome{Result: access.DeliveryResult{AlreadyDone: true}}
		default:
			if err := do(); err != nil {
				return err
			}
			out[i] = connector.Outcome{}
		}
	}
	return nil
}

// refused reports whether err, from checking a change, is the change's own: what it names
// does not exist (NotFound) or is not something the directory delivers (Invalid). Any
// other error (a failed read) is the transaction's.
func refused(err error) bool {
	return access.IsKind(err, access.KindNotFound) || access.IsKind(err, access.KindInvalid)
}

// planGrant checks a grant against the directory as the view sees it and returns the
// write that makes it, nil when the subject already holds the role, or the error that
// refuses it (or of a failed read). It writes nothing itself.
func (c *Connector) planGrant(ctx context.Context, v *view, g access.RoleGrant) (func() error, error) {
	u, err := v.user(ctx, g.SubjectID)
	if err != nil {
		return nil, err
	}
	switch g.OriginSystem {
	case access.OriginGroup:
		rel, err := groupRelation(g)
		if err != nil {
			return nil, err
		}
		grp, err := v.group(ctx, g.ResourceOriginID)
		if err != nil {
			return nil, err
		}
		if grp.Deleted() {
			return nil, access.E(access.KindNotFound, "group '%s' is deleted: nothing is delivered into a deleted group", grp.DisplayName)
		}
		groups, err := v.groupsOf(ctx, g.SubjectID, rel)
		if err != nil || groups[g.ResourceOriginID] {
			return nil, err
		}
		return func() error {
			if err := v.tx.Relate(ctx, g.ResourceOriginID, rel, g.SubjectID); err != nil {
				return err
			}
			groups[g.ResourceOriginID] = true
			return nil
		}, nil
	case access.OriginApplication:
		held, err := appRole(ctx, v.tx, g)
		if err != nil || held != nil {
			return nil, err
		}
		sp, err := v.servicePrincipal(ctx, g.ResourceOriginID)
		if err != nil {
			return nil, err
		}
		a := access.AppRoleAssignment{ID: c.ids.NewID(), AppRoleID: g.RoleOriginID, PrincipalID: u.ID, PrincipalType: "User",
			PrincipalDisplayName: u.DisplayName, ResourceID: sp.ID, ResourceDisplayName: sp.DisplayName, CreatedDateTime: c.clock.Now()}
		return func() error { return v.tx.AppRoleAssignments().Put(ctx, &a) }, nil
	case access.OriginSite:
		held, err := siteRole(ctx, v.tx, g)
		if err != nil || held != nil {
			return nil, err
		}
		if _, err := v.site(ctx, g.ResourceOriginID); err != nil {
			return nil, err
		}
		a := access.SiteRoleAssignment{ID: c.ids.NewID(), SiteID: g.ResourceOriginID, RoleID: g.RoleOriginID, PrincipalID: g.SubjectID, CreatedDateTime: c.clock.Now()}
		return func() error { return v.tx.SiteRoleAssignments().Put(ctx, &a) }, nil
	}
	return nil, unsupported(g)
}

// planRevoke checks a revocation as planGrant checks a grant: it returns the write that
// takes the role away, nil when the subject does not hold it, or the error.
func (c *Connector) planRevoke(ctx context.Context, v *view, g access.RoleGrant) (func() error, error) {
	switch g.OriginSystem {
	case access.OriginGroup:
		rel, err := groupRelation(g)
		if err != nil {
			return nil, err
		}
		groups, err := v.groupsOf(ctx, g.SubjectID, rel)
		if err != nil || !groups[g.ResourceOriginID] {
			return nil, err
		}
		return func() error {
			if err := v.tx.Unrelate(ctx, g.ResourceOriginID, rel, g.SubjectID); err != nil {
				return err
			}
			delete(groups, g.ResourceOriginID)
			return nil
		}, nil
	case access.OriginApplication:
		held, err := appRole(ctx, v.tx, g)
		if err != nil || held == nil {
			return nil, err
		}
		return func() error { return v.tx.AppRoleAssignments().Delete(ctx, held.ID) }, nil
	case access.OriginSite:
		held, err := siteRole(ctx, v.tx, g)
		if err != nil || held == nil {
			return nil, err
		}
		return func() error { return v.tx.SiteRoleAssignments().Delete(ctx, held.ID) }, nil
	}
	return nil, unsupported(g)
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
