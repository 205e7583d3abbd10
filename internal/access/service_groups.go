package access

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// CreateGroup adds a group to the directory.
func (s *Service) CreateGroup(ctx context.Context, who Actor, g Group) (Group, error) {
	g.ID, g.Version, g.DeletedDateTime = s.ids.NewID(), 0, nil
	g.CreatedDateTime = s.clock.Now()
	return g, s.write(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
			return err
		}
		if err := g.Validate(); err != nil {
			return err
		}
		if err := tx.guardRoleGroup(g, "create"); err != nil {
			return err
		}
		return tx.Groups().Put(ctx, &g)
	})
}

// lookupGroup finds a live group by id; a soft-deleted group is NotFound, with where to
// restore it.
func lookupGroup(ctx context.Context, tx Tx, id string) (Group, error) {
	g, err := tx.Groups().Get(ctx, id)
	if err != nil {
		return Group{}, err
	}
	if g.Deleted() {
		return Group{}, Ec(KindNotFound, "ResourceNotFound", "group '%s' is deleted; restore it through /v1.0/directory/deletedItems/%s/restore", id, g.ID)
	}
	return g, nil
}

// GetGroup returns a live group.
func (s *Service) GetGroup(ctx context.Context, who Actor, id string) (Group, error) {
	var g Group
	err := s.read(ctx, who, func(tx *op) error {
		err := tx.authorize(ActReadDirectory, Target{})
		if err == nil {
			g, err = lookupGroup(ctx, tx, id)
		}
		return err
	})
	return g, err
}

// ListGroups returns the live groups (deleted=false), which every member may read, or the
// soft-deleted ones that can still be restored (deleted=true), which only those who may
// delete groups (manage the directory) may read.
func (s *Service) ListGroups(ctx context.Context, who Actor, deleted bool) ([]Group, error) {
	var out []Group
	err := s.read(ctx, who, func(tx *op) error {
		act := ActReadDirectory
		if deleted {
			act = ActManageDirectory
		}
		if err := tx.authorize(act, Target{}); err != nil {
			return err
		}
		all, err := tx.Groups().List(ctx, byState(deleted))
		for _, g := range all {
			if listed(g.DeletedDateTime, deleted, tx.now) {
				out = append(out, g)
			}
		}
		return err
	})
	return out, err
}

// UpdateGroup changes a group; read-only properties are kept.
func (s *Service) UpdateGroup(ctx context.Context, who Actor, id string, change func(*Group) error) (Group, error) {
	return update(ctx, s, who,
		func(tx *op) (Group, error) { return manageableGroup(ctx, tx, id, "change") },
		func(_ *op, g *Group) error {
			keep := *g
			if err := change(g); err != nil {
				return err
			}
			if g.IsAssignableToRole != keep.IsAssignableToRole {
				return Ec(KindInvalid, "Request_BadRequest", "isAssignableToRole is set when a group is created and cannot be changed; create a new group instead")
			}
			g.Revision, g.ID, g.CreatedDateTime, g.DeletedDateTime = keep.Revision, keep.ID, keep.CreatedDateTime, keep.DeletedDateTime
			return g.Validate()
		},
		func(tx *op, g *Group) error { return tx.Groups().Put(ctx, g) })
}

// DeleteGroup soft-deletes a group (ASG-4): it moves to the directory's deleted items and
// can be restored for 30 days with its members, owners and roles, which are kept; until
// then its members are no members for any rule (groupsOf, membersOf). A group that is a
// resource in a catalog cannot be deleted until it is removed from those catalogs.
func (s *Service) DeleteGroup(ctx context.Context, who Actor, id string) error {
	_, err := update(ctx, s, who,
		func(tx *op) (Group, error) {
			g, err := manageableGroup(ctx, tx, id, "delete")
			if err != nil {
				return Group{}, err
			}
			return g, refuseIfResource(ctx, tx, OriginGroup, id)
		},
		func(tx *op, g *Group) error { now := tx.now; g.DeletedDateTime = &now; return nil },
		func(tx *op, g *Group) error { return tx.Groups().Put(ctx, g) })
	return err
}

// purgeGroup deletes group id for good: its members and owners, its own memberships, the
// roles and app roles assigned to it, and the separation-of-duties links that name it
// (each removal is in the audit log), then the group.
func purgeGroup(ctx context.Context, tx Tx, id string) error {
	for _, rel := range []Relation{RelMember, RelOwner} {
		err := removeEach(func() ([]string, error) { return tx.Related(ctx, id, rel) },
			func(o string) error { return tx.Unrelate(ctx, id, rel, o) })
		if err != nil {
			return err
		}
	}
	err := removeEach(func() ([]string, error) { return tx.IncompatibleWith(ctx, IncompatibleGroup, id) },
		func(pkg string) error { return tx.RemoveIncompatible(ctx, pkg, IncompatibleGroup, id) })
	if err != nil {
		return err
	}
	err = removeEach(func() ([]string, error) {
		aras, err := tx.AppRoleAssignments().List(ctx, By(KeyPrincipal, id))
		return idsOf(aras, func(a AppRoleAssignment) string { return a.ID }), err
	}, func(ara string) error { return tx.AppRoleAssignments().Delete(ctx, ara) })
	if err != nil {
		return err
	}
	return purgeObject(ctx, tx, id, func() error { return tx.Groups().Delete(ctx, id) })
}

func refuseIfResource(ctx context.Context, tx Tx, system, id string) error {
	rs, err := tx.Resources().List(ctx, By(KeyOrigin, OriginKey(system, id)))
	if err != nil || len(rs) == 0 {
		return err
	}
	var names []string
	for _, r := range rs {
		c, err := tx.Catalogs().Get(ctx, r.CatalogID)
		if err != nil {
			return err
		}
		names = append(names, "'"+c.DisplayName+"'")
	}
	return Ec(KindFailedPrecondition, "ObjectInUse", "'%s' is a resource in catalog %s; remove it from the catalog (resourceRequests adminRemove) before deleting it",
		id, strings.Join(names, ", "))
}

// AddRelation adds a member or owner to a group. Members of a dynamic group come from its
// rule and cannot be added by hand.
func (s *Service) AddRelation(ctx context.Context, who Actor, groupID string, rel Relation, objectID string) error {
	return s.write(ctx, who, func(tx *op) error {
		g, err := manageableGroup(ctx, tx, groupID, "add "+string(rel)+"s to")
		if err != nil {
			return err
		}
		if rel == RelMember && g.IsDynamic() {
			return Ec(KindInvalid, "Request_BadRequest", "group '%s' has dynamic membership: its members come from its membershipRule and cannot be added by hand", g.DisplayName)
		}
		o, err := directoryObject(ctx, tx, objectID)
		if err != nil {
			return err
		}
		if rel == RelOwner && o.Type == TypeGroup {
			return invalid("a group cannot own a group; owners are users or service principals")
		}
		if objectID == groupID {
			return invalid("a group cannot be a member of itself")
		}
		return tx.Relate(ctx, groupID, rel, objectID)
	})
}

// RemoveRelation removes a member or owner from a group.
func (s *Service) RemoveRelation(ctx context.Context, who Actor, groupID string, rel Relation, objectID string) error {
	return s.write(ctx, who, func(tx *op) error {
		g, err := manageableGroup(ctx, tx, groupID, "remove "+string(rel)+"s from")
		if err != nil {
			return err
		}
		if err := tx.Unrelate(ctx, groupID, rel, objectID); err != nil {
			return err
		}
		role := map[Relation]string{RelMember: "Member", RelOwner: "Owner"}[rel]
		return s.driftRemoved(ctx, tx, OriginGroup, groupID, role+"_"+groupID, objectID,
			fmt.Sprintf("removed as %s of group '%s'", strings.ToLower(role), g.DisplayName))
	})
}

// Relations lists a group's members or owners.
func (s *Service) Relations(ctx context.Context, who Actor, groupID string, rel Relation) ([]DirectoryObject, error) {
	var out []DirectoryObject
	err := s.read(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActReadDirectory, Target{}); err != nil {
			return err
		}
		if _, err := lookupGroup(ctx, tx, groupID); err != nil {
			return err
		}
		ids, err := tx.Related(ctx, groupID, rel)
		for _, id := range ids {
			if o, err := directoryObject(ctx, tx, id); err == nil {
				out = append(out, o)
			}
		}
		return err
	})
	return out, err
}

// MemberOf lists the live groups a user is a direct member of, to the user themselves or
// to someone who may read the directory.
func (s *Service) MemberOf(ctx context.Context, who Actor, userID string) ([]Group, error) {
	var out []Group
	err := s.read(ctx, who, func(tx *op) error {
		u, err := readableUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		ids, err := groupsOf(ctx, tx, u.ID, RelMember)
		for _, id := range ids {
			g, err := tx.Groups().Get(ctx, id)
			if err != nil {
				return err
			}
			out = append(out, g)
		}
		return err
	})
	return out, err
}

// manageableGroup loads a live group the caller may change with verb: they may manage the
// directory, and guardGroup lets them.
func manageableGroup(ctx context.Context, tx *op, id, verb string) (Group, error) {
	if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
		return Group{}, err
	}
	g, err := lookupGroup(ctx, tx, id)
	if err != nil {
		return Group{}, err
	}
	return g, guardGroup(ctx, tx, g, verb)
}

// guardGroup refuses a change (verb) to a group that is role-assignable unless the caller
// is a Global Administrator (SEC-2), or that holds a role above theirs (SEC-1).
func guardGroup(ctx context.Context, tx *op, g Group, verb string) error {
	if err := tx.guardRoleGroup(g, verb); err != nil {
		return err
	}
	return tx.guardAccount(ctx, g.ID, g.DisplayName, verb)
}

// groupsOf lists the live groups objectID is a direct member (or owner, by rel) of. A
// soft-deleted group keeps its members for a restore, but while it is deleted they are no
// members for any rule: roles assigned to the group, policies and separation-of-duties
// links that name it, memberOf. Every such read goes through groupsOf or membersOf.
func groupsOf(ctx context.Context, tx Tx, objectID string, rel Relation) ([]string, error) {
	ids, err := tx.RelatedTo(ctx, objectID, rel)
	if err != nil || len(ids) == 0 {
		return ids, err
	}
	deleted, err := tx.Groups().List(ctx, byState(true))
	if err != nil || len(deleted) == 0 {
		return ids, err
	}
	live := ids[:0:0]
	for _, id := range ids {
		if !slices.ContainsFunc(deleted, func(g Group) bool { return g.ID == id }) {
			live = append(live, id)
		}
	}
	return live, nil
}

// membersOf lists the direct members (or owners, by rel) of a group: none while the group
// is soft-deleted or when there is no such group (approver sets that name it resolve to
// nobody, and fall back).
func membersOf(ctx context.Context, tx Tx, groupID string, rel Relation) ([]string, error) {
	if _, err := lookupGroup(ctx, tx, groupID); IsKind(err, KindNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return tx.Related(ctx, groupID, rel)
}
