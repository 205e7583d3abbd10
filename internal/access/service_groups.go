package access

import (
	"context"
	"strings"
)

// CreateGroup adds a group to the directory.
func (s *Service) CreateGroup(ctx context.Context, who Actor, g Group) (Group, error) {
	if err := who.Authorize(ActManageDirectory, Target{}); err != nil {
		return Group{}, err
	}
	g.ID, g.Version, g.DeletedDateTime = s.ids.NewID(), 0, nil
	g.CreatedDateTime = s.clock.Now()
	if err := g.Validate(); err != nil {
		return Group{}, err
	}
	return g, s.writeUngated(ctx, func(tx Tx) error { return tx.Groups().Put(ctx, &g) })
}

// GetGroup returns a group.
func (s *Service) GetGroup(ctx context.Context, who Actor, id string) (Group, error) {
	if err := who.Authorize(ActReadDirectory, Target{}); err != nil {
		return Group{}, err
	}
	var g Group
	err := s.readUngated(ctx, func(tx Tx) error { var err error; g, err = tx.Groups().Get(ctx, id); return err })
	return g, err
}

// ListGroups returns every group.
func (s *Service) ListGroups(ctx context.Context, who Actor) ([]Group, error) {
	if err := who.Authorize(ActReadDirectory, Target{}); err != nil {
		return nil, err
	}
	var out []Group
	err := s.readUngated(ctx, func(tx Tx) error { var err error; out, err = tx.Groups().List(ctx); return err })
	return out, err
}

// UpdateGroup changes a group; read-only properties are kept.
func (s *Service) UpdateGroup(ctx context.Context, who Actor, id string, change func(*Group) error) (Group, error) {
	if err := who.Authorize(ActManageDirectory, Target{}); err != nil {
		return Group{}, err
	}
	return updateUngated(ctx, s,
		func(tx Tx) (Group, error) { return tx.Groups().Get(ctx, id) },
		func(_ Tx, g *Group) error {
			keep := *g
			if err := change(g); err != nil {
				return err
			}
			g.Revision, g.ID, g.CreatedDateTime, g.DeletedDateTime = keep.Revision, keep.ID, keep.CreatedDateTime, keep.DeletedDateTime
			return g.Validate()
		},
		func(tx Tx, g *Group) error { return tx.Groups().Put(ctx, g) })
}

// DeleteGroup deletes a group. A group that is a resource in a catalog cannot be deleted
// until it is removed from those catalogs.
func (s *Service) DeleteGroup(ctx context.Context, who Actor, id string) error {
	if err := who.Authorize(ActManageDirectory, Target{}); err != nil {
		return err
	}
	return s.writeUngated(ctx, func(tx Tx) error {
		if _, err := tx.Groups().Get(ctx, id); err != nil {
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
	if err := who.Authorize(ActManageDirectory, Target{}); err != nil {
		return err
	}
	return s.writeUngated(ctx, func(tx Tx) error {
		g, err := tx.Groups().Get(ctx, groupID)
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
		if rel == RelOwner && o.Type == "#microsoft.graph.group" {
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
	if err := who.Authorize(ActManageDirectory, Target{}); err != nil {
		return err
	}
	return s.writeUngated(ctx, func(tx Tx) error {
		if _, err := tx.Groups().Get(ctx, groupID); err != nil {
			return err
		}
		return tx.Unrelate(ctx, groupID, rel, objectID)
	})
}

// Relations lists a group's members or owners.
func (s *Service) Relations(ctx context.Context, who Actor, groupID string, rel Relation) ([]DirectoryObject, error) {
	if err := who.Authorize(ActReadDirectory, Target{}); err != nil {
		return nil, err
	}
	var out []DirectoryObject
	err := s.readUngated(ctx, func(tx Tx) error {
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

// MemberOf lists the groups an object is a direct member of.
func (s *Service) MemberOf(ctx context.Context, who Actor, objectID string) ([]Group, error) {
	var out []Group
	err := s.readUngated(ctx, func(tx Tx) error {
		ids, err := tx.RelatedTo(ctx, objectID, RelMember)
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
