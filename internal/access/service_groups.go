package access

import (
	"context"
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

// GetGroup returns a group.
func (s *Service) GetGroup(ctx context.Context, who Actor, id string) (Group, error) {
	var g Group
	err := s.read(ctx, who, func(tx *op) error {
		err := tx.authorize(ActReadDirectory, Target{})
		if err == nil {
			g, err = tx.Groups().Get(ctx, id)
		}
		return err
	})
	return g, err
}

// ListGroups returns every group.
func (s *Service) ListGroups(ctx context.Context, who Actor) ([]Group, error) {
	var out []Group
	err := s.read(ctx, who, func(tx *op) error {
		err := tx.authorize(ActReadDirectory, Target{})
		if err == nil {
			out, err = tx.Groups().List(ctx)
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

// DeleteGroup deletes a group. A group that is a resource in a catalog cannot be deleted
// until it is removed from those catalogs.
func (s *Service) DeleteGroup(ctx context.Context, who Actor, id string) error {
	return s.write(ctx, who, func(tx *op) error {
		if _, err := manageableGroup(ctx, tx, id, "delete"); err != nil {
			return err
		}
		if err := refuseIfResource(ctx, tx, OriginGroup, id); err != nil {
			return err
		}
		return purgeObject(ctx, tx, id, func() error { return tx.Groups().Delete(ctx, id) })
	})
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
		if _, err := manageableGroup(ctx, tx, groupID, "remove "+string(rel)+"s from"); err != nil {
			return err
		}
		return tx.Unrelate(ctx, groupID, rel, objectID)
	})
}

// Relations lists a group's members or owners.
func (s *Service) Relations(ctx context.Context, who Actor, groupID string, rel Relation) ([]DirectoryObject, error) {
	var out []DirectoryObject
	err := s.read(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActReadDirectory, Target{}); err != nil {
			return err
		}
		if _, err := tx.Groups().Get(ctx, groupID); err != nil {
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

// MemberOf lists the groups a user is a direct member of, to the user themselves or to
// someone who may read the directory.
func (s *Service) MemberOf(ctx context.Context, who Actor, userID string) ([]Group, error) {
	var out []Group
	err := s.read(ctx, who, func(tx *op) error {
		u, err := readableUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		ids, err := tx.RelatedTo(ctx, u.ID, RelMember)
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

// manageableGroup loads a group the caller may change with verb: they may manage the
// directory, the group is not role-assignable unless they are a Global Administrator
// (SEC-2), and it holds no role above theirs (SEC-1).
func manageableGroup(ctx context.Context, tx *op, id, verb string) (Group, error) {
	if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
		return Group{}, err
	}
	g, err := tx.Groups().Get(ctx, id)
	if err != nil {
		return Group{}, err
	}
	if err := tx.guardRoleGroup(g, verb); err != nil {
		return Group{}, err
	}
	return g, tx.guardAccount(ctx, g.ID, g.DisplayName, verb)
}
