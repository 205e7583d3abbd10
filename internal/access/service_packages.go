package access

import (
	"context"
	"fmt"
	"strings"
)

// packageAs loads a package and its catalog and authorizes act on it.
func packageAs(ctx context.Context, tx *op, act Action, id string) (Package, Catalog, error) {
	p, err := tx.Packages().Get(ctx, id)
	if err != nil {
		return Package{}, Catalog{}, err
	}
	c, err := tx.Catalogs().Get(ctx, p.CatalogID)
	if err != nil {
		return Package{}, Catalog{}, err
	}
	t := catalogTarget(c)
	t.PackageName = p.DisplayName
	if !tx.can(ActReadPackage, t) {
		return Package{}, Catalog{}, notFound("access package", id) // not shown to exist
	}
	if err := tx.authorize(act, t); err != nil {
		return Package{}, Catalog{}, err
	}
	return p, c, nil
}

// CreatePackage creates an access package in a catalog; with no catalog it goes to the
// Default catalog, which needs User Administrator or higher (ADM-5). The catalog cannot
// change later (ADM-6).
func (s *Service) CreatePackage(ctx context.Context, who Actor, p Package, catalogID string) (Package, error) {
	var out Package
	err := s.write(ctx, who, func(tx *op) error {
		var err error
		out, err = s.createPackage(ctx, tx, p, catalogID)
		return err
	})
	return out, err
}

// createPackage is CreatePackage inside tx.
func (s *Service) createPackage(ctx context.Context, tx *op, p Package, catalogID string) (Package, error) {
	var c Catalog
	var err error
	if catalogID == "" {
		c, err = s.defaultCatalog(ctx, tx)
	} else {
		c, err = tx.Catalogs().Get(ctx, catalogID)
		if err == nil && !c.IsDefault() && !tx.can(ActReadCatalog, catalogTarget(c)) {
			err = notFound("catalog", catalogID) // everyone knows the Default catalog; others are hidden
		}
	}
	if err != nil {
		return Package{}, err
	}
	if err := tx.authorize(ActCreatePackage, catalogTarget(c)); err != nil {
		return Package{}, err
	}
	if err := p.Validate(); err != nil {
		return Package{}, err
	}
	p.ID, p.Version, p.CreatedDateTime, p.ModifiedDateTime = s.ids.NewID(), 0, tx.now, tx.now
	p.CatalogID = c.ID
	if err := tx.Packages().Put(ctx, &p); err != nil {
		return Package{}, err
	}
	return p, nil
}

// GetPackage returns a package the actor may read.
func (s *Service) GetPackage(ctx context.Context, who Actor, id string) (Package, error) {
	var p Package
	err := s.read(ctx, who, func(tx *op) error { var err error; p, _, err = packageAs(ctx, tx, ActReadPackage, id); return err })
	return p, err
}

// ListPackages returns the packages the actor may read, of one catalog or ("") all.
func (s *Service) ListPackages(ctx context.Context, who Actor, catalogID string) ([]Package, error) {
	var out []Package
	err := s.read(ctx, who, func(tx *op) error {
		tx.allow("every signed-in person may list access packages; each is shown only to who may read its catalog")
		cats, err := tx.Catalogs().List(ctx)
		if err != nil {
			return err
		}
		readable := map[string]bool{}
		for _, c := range cats {
			readable[c.ID] = tx.can(ActReadPackage, catalogTarget(c))
		}
		var keys []Key
		if catalogID != "" {
			if !readable[catalogID] {
				return notFound("catalog", catalogID)
			}
			keys = append(keys, By(KeyCatalog, catalogID))
		}
		all, err := tx.Packages().List(ctx, keys...)
		for _, p := range all {
			if readable[p.CatalogID] {
				out = append(out, p)
			}
		}
		return err
	})
	return out, err
}

// UpdatePackage changes a package's name, description or Hidden flag.
func (s *Service) UpdatePackage(ctx context.Context, who Actor, id string, change func(*Package) error) (Package, error) {
	return update(ctx, s, who,
		func(tx *op) (Package, error) {
			p, _, err := packageAs(ctx, tx, ActManagePackage, id)
			return p, err
		},
		func(tx *op, p *Package) error {
			keep := *p
			if err := change(p); err != nil {
				return err
			}
			if p.CatalogID != keep.CatalogID {
				return invalid("an access package cannot move to another catalog; create a new package in the other catalog instead")
			}
			p.Revision, p.ID, p.CreatedDateTime, p.ModifiedDateTime = keep.Revision, keep.ID, keep.CreatedDateTime, tx.now
			return p.Validate()
		},
		func(tx *op, p *Package) error { return tx.Packages().Put(ctx, p) })
}

// DeletePackage deletes a package with its policies, resource roles, separation of
// duties links and request history. A package with active assignments, including those of
// soft-deleted users, cannot be deleted (AP-3); the error lists them.
func (s *Service) DeletePackage(ctx context.Context, who Actor, id string) error {
	return s.write(ctx, who, func(tx *op) error {
		p, _, err := packageAs(ctx, tx, ActManagePackage, id)
		if err != nil {
			return err
		}
		if err := refuseIfAssigned(ctx, tx, KeyPackage, id, "access package '"+p.DisplayName+"'"); err != nil {
			return err
		}
		if err := deleteHistory(ctx, tx, id); err != nil {
			return err
		}
		pols, err := tx.Policies().List(ctx, By(KeyPackage, id))
		if err != nil {
			return err
		}
		for _, p := range pols {
			if err := tx.Policies().Delete(ctx, p.ID); err != nil {
				return err
			}
		}
		rss, err := tx.RoleScopes().List(ctx, By(KeyPackage, id))
		if err != nil {
			return err
		}
		for _, rs := range rss {
			if err := tx.RoleScopes().Delete(ctx, rs.ID); err != nil {
				return err
			}
		}
		for _, kind := range []string{IncompatiblePackage, IncompatibleGroup} {
			others, err := tx.Incompatible(ctx, id, kind)
			if err != nil {
				return err
			}
			for _, o := range others {
				if err := tx.RemoveIncompatible(ctx, id, kind, o); err != nil {
					return err
				}
			}
		}
		back, err := tx.IncompatibleWith(ctx, IncompatiblePackage, id)
		if err != nil {
			return err
		}
		for _, b := range back {
			if err := tx.RemoveIncompatible(ctx, b, IncompatiblePackage, id); err != nil {
				return err
			}
		}
		return tx.Packages().Delete(ctx, id)
	})
}

// RoleRef names a resource role (and scope) to add to a package, as Graph's
// resourceRoleScope body does: by ids, or by origin ids.
type RoleRef struct {
	RoleID, RoleOriginID, OriginSystem string
	ResourceID, ResourceOriginID       string
	ScopeID, ScopeOriginID             string
}

// AddRoleScope adds a resource role to a package. The resource must be in the package's
// catalog (RES-5); a dynamic group offers only its Owner role (RES-2).
func (s *Service) AddRoleScope(ctx context.Context, who Actor, pkgID string, ref RoleRef) (RoleScope, error) {
	var rs RoleScope
	err := s.write(ctx, who, func(tx *op) error {
		var err error
		rs, err = s.addRoleScope(ctx, tx, pkgID, ref)
		return err
	})
	if err == nil {
		s.kick()
	}
	return rs, err
}

// addRoleScope is AddRoleScope inside tx; the caller wakes the worker after the commit
// when the package has assignees.
func (s *Service) addRoleScope(ctx context.Context, tx *op, pkgID string, ref RoleRef) (RoleScope, error) {
	p, c, err := packageAs(ctx, tx, ActManagePackage, pkgID)
	if err != nil {
		return RoleScope{}, err
	}
	if ref.RoleID == "" && ref.RoleOriginID == "" {
		return RoleScope{}, invalid("role is required: {\"role\": {\"id\": …} or {\"originId\": \"Member_<groupId>\", \"originSystem\": \"AadGroup\"}}")
	}
	r, err := resourceForRef(ctx, tx, c, ref)
	if err != nil {
		return RoleScope{}, err
	}
	role, ok := r.Role(ref.RoleID)
	if !ok {
		role, ok = r.Role(ref.RoleOriginID)
	}
	if !ok {
		if r.OriginSystem == OriginGroup && firstNonEmpty(ref.RoleID, ref.RoleOriginID) == GroupRole(r.OriginID, RelMember) {
			return RoleScope{}, Ec(KindInvalid, "ResourceNotModifiable", "group '%s' has dynamic membership, so its Member role cannot be granted; only its Owner role can be in an access package", r.DisplayName)
		}
		var names []string
		for _, x := range r.Roles {
			names = append(names, x.DisplayName+" ("+x.OriginID+")")
		}
		return RoleScope{}, invalid("resource '%s' has no role '%s'; its roles are: %s", r.DisplayName, firstNonEmpty(ref.RoleID, ref.RoleOriginID), strings.Join(names, ", "))
	}
	scope := r.Scopes[0]
	if id := firstNonEmpty(ref.ScopeID, ref.ScopeOriginID); id != "" {
		if scope, ok = r.Scope(id); !ok {
			return RoleScope{}, invalid("resource '%s' has no scope '%s'; use its root scope '%s'", r.DisplayName, id, r.Scopes[0].ID)
		}
	}
	rs := RoleScope{ID: s.ids.NewID(), PackageID: p.ID, ResourceID: r.ID, Role: role, Scope: scope, CreatedDateTime: s.clock.Now()}
	if err := tx.RoleScopes().Put(ctx, &rs); err != nil {
		return RoleScope{}, err
	}
	now := s.clock.Now()
	return rs, s.eachActive(ctx, tx, p.ID, func(a *Assignment) error { return s.want(ctx, tx, a, rs, now) }) // RES-6
}

// resourceForRef finds the catalog resource a role reference points at.
func resourceForRef(ctx context.Context, tx Tx, c Catalog, ref RoleRef) (Resource, error) {
	notInCatalog := func(what string) error {
		return Ec(KindInvalid, "ResourceNotInCatalog",
			"%s is not a resource of catalog '%s'; add it to the catalog first (POST resourceRequests with requestType adminAdd), then add its role", what, c.DisplayName)
	}
	if ref.ResourceID != "" {
		r, err := tx.Resources().Get(ctx, ref.ResourceID)
		if IsKind(err, KindNotFound) || err == nil && r.CatalogID != c.ID {
			return Resource{}, notInCatalog("resource '" + ref.ResourceID + "'")
		}
		return r, err
	}
	origin := ref.ResourceOriginID
	if origin == "" {
		origin = ref.ScopeOriginID
	}
	if origin == "" && ref.OriginSystem != "" && ref.RoleOriginID != "" {
		// Graph clients name a group's role alone (Member_<groupId>): the resource is the
		// catalog's resource of that system that has the role.
		list, err := tx.Resources().List(ctx, By(KeyCatalog, c.ID), ByPrefix(KeyOrigin, OriginKey(ref.OriginSystem, "")))
		if err != nil {
			return Resource{}, err
		}
		for _, r := range list {
			_, ok := r.Role(ref.RoleOriginID)
			member := r.OriginSystem == OriginGroup && ref.RoleOriginID == GroupRole(r.OriginID, RelMember) // a dynamic group has none
			if r.OriginSystem == ref.OriginSystem && (ok || member) {
				return r, nil
			}
		}
		return Resource{}, notInCatalog("no resource with role '" + ref.RoleOriginID + "'")
	}
	if origin == "" || ref.OriginSystem == "" {
		return Resource{}, invalid("say which role to add: role.id (from the catalog's resources?$expand=roles), or role.originSystem with role.resource.originId")
	}
	list, err := tx.Resources().List(ctx, By(KeyCatalog, c.ID), By(KeyOrigin, OriginKey(ref.OriginSystem, origin)))
	if err != nil {
		return Resource{}, err
	}
	if len(list) == 0 {
		return Resource{}, notInCatalog(ref.OriginSystem + " '" + origin + "'")
	}
	return list[0], nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// RemoveRoleScope removes a resource role from a package and revokes it from every
// current assignee unless something else still grants it (RES-6, ASG-2).
func (s *Service) RemoveRoleScope(ctx context.Context, who Actor, pkgID, id string) error {
	err := s.write(ctx, who, func(tx *op) error {
		if _, _, err := packageAs(ctx, tx, ActManagePackage, pkgID); err != nil {
			return err
		}
		rs, err := tx.RoleScopes().Get(ctx, id)
		if err != nil || rs.PackageID != pkgID {
			return notFound("resource role scope", id)
		}
		r, err := tx.Resources().Get(ctx, rs.ResourceID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		err = s.eachActive(ctx, tx, pkgID, func(a *Assignment) error {
			lid := LedgerID(a.TargetID, r.OriginSystem, r.OriginID, rs.Role.OriginID)
			if i := indexOf(a.Roles, lid); i >= 0 {
				a.Roles = append(a.Roles[:i:i], a.Roles[i+1:]...)
			}
			return s.unwant(ctx, tx, a, lid, now)
		})
		if err != nil {
			return err
		}
		return tx.RoleScopes().Delete(ctx, id)
	})
	if err == nil {
		s.kick()
	}
	return err
}

// eachActive applies change to every active assignment of a package and saves it with
// its new delivery state.
func (s *Service) eachActive(ctx context.Context, tx Tx, pkgID string, change func(*Assignment) error) error {
	list, err := tx.Assignments().List(ctx, By(KeyPackage, pkgID), By(KeyActive, "1"))
	if err != nil {
		return err
	}
	now := s.clock.Now()
	for i := range list {
		a := &list[i]
		if err := change(a); err != nil {
			return err
		}
		if err := s.settle(ctx, tx, a, nil, now); err != nil {
			return err
		}
		if err := tx.Assignments().Put(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// refuseIfAssigned refuses to delete what active assignments still use (AP-3, AP-4),
// listing them and saying which of their users are deleted (ASG-4).
func refuseIfAssigned(ctx context.Context, tx Tx, key, id, what string) error {
	list, err := tx.Assignments().List(ctx, By(key, id), By(KeyActive, "1"))
	if err != nil || len(list) == 0 {
		return err
	}
	var items []string
	for i, a := range list {
		if i == 10 {
			items = append(items, fmt.Sprintf("and %d more", len(list)-10))
			break
		}
		u, err := tx.Users().Get(ctx, a.TargetID)
		switch {
		case err != nil:
			items = append(items, fmt.Sprintf("assignment %s (user %s)", a.ID, a.TargetID))
		case u.Deleted():
			items = append(items, fmt.Sprintf("assignment %s of deleted user '%s' (restore or permanently delete the user, or remove the assignment)", a.ID, u.UserPrincipalName))
		default:
			items = append(items, fmt.Sprintf("assignment %s of '%s'", a.ID, u.UserPrincipalName))
		}
	}
	return Ec(KindFailedPrecondition, "ActiveAssignmentsExist", "%s cannot be deleted: it has %d active assignment(s): %s; remove them first (requestType adminRemove)",
		what, len(list), strings.Join(items, "; "))
}

// deleteHistory deletes the ended assignments and the requests of a package that is
// being deleted.
func deleteHistory(ctx context.Context, tx Tx, pkgID string) error {
	reqs, err := tx.Requests().List(ctx, By(KeyPackage, pkgID))
	if err != nil {
		return err
	}
	for _, r := range reqs {
		if err := tx.Requests().Delete(ctx, r.ID); err != nil {
			return err
		}
	}
	asgs, err := tx.Assignments().List(ctx, By(KeyPackage, pkgID))
	if err != nil {
		return err
	}
	for _, a := range asgs {
		if err := tx.Assignments().Delete(ctx, a.ID); err != nil {
			return err
		}
	}
	return nil
}

// RoleScopes lists the resource roles of a package.
func (s *Service) RoleScopes(ctx context.Context, who Actor, pkgID string) ([]RoleScope, error) {
	var out []RoleScope
	err := s.read(ctx, who, func(tx *op) error {
		if _, _, err := packageAs(ctx, tx, ActReadPackage, pkgID); err != nil {
			return err
		}
		var err error
		out, err = tx.RoleScopes().List(ctx, By(KeyPackage, pkgID))
		return err
	})
	return out, err
}

// ChangeIncompatible adds or removes a separation-of-duties link from a package to
// another package or a (security) group (POL-12).
func (s *Service) ChangeIncompatible(ctx context.Context, who Actor, pkgID, kind, otherID string, add bool) error {
	return s.write(ctx, who, func(tx *op) error {
		if _, _, err := packageAs(ctx, tx, ActManagePackage, pkgID); err != nil {
			return err
		}
		if !add {
			return tx.RemoveIncompatible(ctx, pkgID, kind, otherID)
		}
		switch kind {
		case IncompatiblePackage:
			if otherID == pkgID {
				return invalid("an access package cannot be incompatible with itself")
			}
			if _, err := tx.Packages().Get(ctx, otherID); err != nil {
				return err
			}
		case IncompatibleGroup:
			g, err := lookupGroup(ctx, tx, otherID)
			if err != nil {
				return err
			}
			if !g.SecurityEnabled {
				return invalid("group '%s' is not security-enabled; only security groups can be incompatible groups", g.DisplayName)
			}
		}
		return tx.AddIncompatible(ctx, pkgID, kind, otherID)
	})
}

// IncompatiblePackages lists the packages pkgID names as incompatible (reverse=false) or
// the packages that name pkgID (reverse=true, accessPackagesIncompatibleWith).
func (s *Service) IncompatiblePackages(ctx context.Context, who Actor, pkgID string, reverse bool) ([]Package, error) {
	var out []Package
	err := s.read(ctx, who, func(tx *op) error {
		if _, _, err := packageAs(ctx, tx, ActReadPackage, pkgID); err != nil {
			return err
		}
		var ids []string
		var err error
		if reverse {
			ids, err = tx.IncompatibleWith(ctx, IncompatiblePackage, pkgID)
		} else {
			ids, err = tx.Incompatible(ctx, pkgID, IncompatiblePackage)
		}
		for _, id := range ids {
			p, err := tx.Packages().Get(ctx, id)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return err
	})
	return out, err
}

// IncompatibleGroups lists the live groups a package names as incompatible; a deleted
// group's link is kept for its restore but not shown, and blocks nobody meanwhile.
func (s *Service) IncompatibleGroups(ctx context.Context, who Actor, pkgID string) ([]Group, error) {
	var out []Group
	err := s.read(ctx, who, func(tx *op) error {
		if _, _, err := packageAs(ctx, tx, ActReadPackage, pkgID); err != nil {
			return err
		}
		ids, err := tx.Incompatible(ctx, pkgID, IncompatibleGroup)
		for _, id := range ids {
			g, err := lookupGroup(ctx, tx, id)
			if IsKind(err, KindNotFound) {
				continue
			} else if err != nil {
				return err
			}
			out = append(out, g)
		}
		return err
	})
	return out, err
}
