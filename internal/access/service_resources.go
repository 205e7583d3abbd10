package access

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// ResourceChange asks to add a resource to a catalog, refresh it, or remove it.
type ResourceChange struct {
	RequestType  string // adminAdd, adminUpdate, adminRemove
	CatalogID    string
	OriginSystem string
	OriginID     string
	ResourceID   string // alternative to the origin, for adminRemove and adminUpdate

	// newCatalog says that CatalogID is empty because the catalog is created by the same
	// call (CreateAccessPackage), in the transaction that adds the resource.
	newCatalog bool

	// described is a connector's own description of the resource (origin systems other
	// than the built-in directory's), asked for before the change's transaction, and
	// members who holds each of its roles there now (role origin id → members), recorded
	// as pre-existing when the resource joins the catalog (RES-7).
	described *TargetResource
	members   map[string][]SubjectRef
}

var originSystems = []string{OriginGroup, OriginApplication, OriginSite}

// RequestResource adds, refreshes or removes a catalog resource and records the request.
// Adding checks RES-1 to RES-4 and that the actor may act on the object (RES-5): tenant
// administrators may add anything; a catalog owner may add groups they own. Removing is
// refused while a package uses one of the resource's roles, naming the packages (RES-5).
func (s *Service) RequestResource(ctx context.Context, who Actor, in ResourceChange) (ResourceRequest, Resource, error) {
	var req ResourceRequest
	var res Resource
	if err := s.describeExternal(ctx, who, &in); err != nil {
		return req, res, err
	}
	err := s.write(ctx, who, func(tx *op) error {
		var err error
		req, res, err = s.requestResource(ctx, tx, in)
		return err
	})
	return req, res, err
}

// requestResource is RequestResource inside tx, after the connector (if any) described the
// resource.
func (s *Service) requestResource(ctx context.Context, tx *op, in ResourceChange) (ResourceRequest, Resource, error) {
	if in.CatalogID == "" {
		if err := tx.authorizeAnywhere(ActManageCatalog); err != nil {
			return ResourceRequest{}, Resource{}, err
		}
		return ResourceRequest{}, Resource{}, invalid("catalog.id is required: say which catalog the resource goes to")
	}
	c, err := catalogAs(ctx, tx, ActManageCatalog, in.CatalogID)
	if err != nil {
		return ResourceRequest{}, Resource{}, err
	}
	var res Resource
	switch in.RequestType {
	case ResourceAdminAdd:
		res, err = s.addResource(ctx, tx, c, in)
	case ResourceAdminUpdate:
		res, err = s.refreshResource(ctx, tx, c, in)
	case ResourceAdminRemove:
		res, err = s.removeResource(ctx, tx, c, in)
	default:
		return ResourceRequest{}, Resource{}, Ec(KindInvalid, "InvalidEnumValue", "requestType '%s' is not valid; use adminAdd, adminUpdate or adminRemove", in.RequestType)
	}
	if err != nil {
		return ResourceRequest{}, Resource{}, err
	}
	req := ResourceRequest{ID: s.ids.NewID(), RequestType: in.RequestType, State: StateDelivered,
		CreatedDateTime: s.clock.Now(), CatalogID: c.ID, ResourceID: res.ID}
	if err := tx.ResourceRequests().Put(ctx, &req); err != nil {
		return ResourceRequest{}, Resource{}, err
	}
	return req, res, nil
}

// resolveOrigin finds the directory object a resource change names and describes it, and
// checks that the caller may put that object in a catalog (RES-5): beyond managing the
// catalog, which the caller passed, groups need a tenant role or ownership of the group,
// applications and sites a tenant role.
func resolveOrigin(ctx context.Context, tx *op, in ResourceChange) (ResourceOrigin, error) {
	who := tx.who
	if in.OriginID == "" {
		return ResourceOrigin{}, invalid("resource.originId is required: the id of the group, application or site")
	}
	switch in.OriginSystem {
	case OriginGroup:
		g, err := lookupGroup(ctx, tx, in.OriginID)
		if err != nil {
			return ResourceOrigin{}, err
		}
		o, err := GroupOrigin(g)
		if err != nil {
			return o, err
		}
		if !who.hasTenantRoleFor(ActManageDirectory) && !who.hasTenantRoleFor(ActManageCatalog) {
			owners, err := tx.Related(ctx, g.ID, RelOwner)
			if err != nil {
				return o, err
			}
			if indexOf(owners, who.UserID) < 0 {
				return o, Ec(KindForbidden, "Authorization_RequestDenied",
					"You are not allowed to add group '%s' to a catalog: a catalog owner may add only groups they own. Roles that allow adding any group: Global Administrator, Identity Governance Administrator, User Administrator; or ask an owner of the group to make you an owner.", g.DisplayName)
			}
		}
		return o, nil
	case OriginApplication:
		sp, err := tx.ServicePrincipals().Get(ctx, in.OriginID)
		if IsKind(err, KindNotFound) {
			if list, lerr := tx.ServicePrincipals().List(ctx, By(KeyAppID, in.OriginID)); lerr == nil && len(list) == 1 {
				sp, err = list[0], nil
			}
		}
		if err != nil {
			return ResourceOrigin{}, err
		}
		if err := who.requireTenantRole("add applications to a catalog"); err != nil {
			return ResourceOrigin{}, err
		}
		return ApplicationOrigin(sp)
	case OriginSite:
		sites, err := tx.Sites().List(ctx)
		if err != nil {
			return ResourceOrigin{}, err
		}
		for _, st := range sites {
			if st.ID == in.OriginID || strings.EqualFold(st.WebURL, strings.TrimRight(in.OriginID, "/")) {
				if err := who.requireTenantRole("add sites to a catalog"); err != nil {
					return ResourceOrigin{}, err
				}
				return SiteOrigin(st), nil
			}
			if SubObjectOf(st, in.OriginID) {
				return ResourceOrigin{}, Ec(KindInvalid, "ResourceNotSupported",
					"'%s' is inside site '%s' (a library, folder or document); only whole sites can be resources. Add a group to the access package instead, give that group a site role, and use the group to control access to the library or document", in.OriginID, st.DisplayName)
			}
		}
		return ResourceOrigin{}, notFound("site", in.OriginID)
	}
	if d := in.described; d != nil {
		if _, err := tx.Connectors().Get(ctx, in.OriginSystem); err != nil { // deleted meanwhile
			return ResourceOrigin{}, err
		}
		o := ResourceOrigin{System: in.OriginSystem, ID: d.OriginID, DisplayName: d.DisplayName, Description: d.Description}
		for _, r := range d.Roles {
			o.Roles = append(o.Roles, ResourceRole{DisplayName: r.DisplayName, Description: r.Description, OriginID: r.OriginID})
		}
		return o, nil
	}
	return ResourceOrigin{}, Ec(KindInvalid, "InvalidEnumValue", "resource.originSystem '%s' is not supported; use %s or a configured connector", in.OriginSystem, strings.Join(originSystems, ", "))
}

// describeExternal fills in.described when the change adds or refreshes a resource of a
// configured connector: the connector describes it, outside any transaction.
func (s *Service) describeExternal(ctx context.Context, who Actor, in *ResourceChange) error {
	if in.RequestType != ResourceAdminAdd && in.RequestType != ResourceAdminUpdate || in.CatalogID == "" {
		return nil
	}
	if in.RequestType == ResourceAdminUpdate && in.ResourceID != "" {
		err := s.read(ctx, who, func(tx *op) error {
			c, err := catalogAs(ctx, tx, ActManageCatalog, in.CatalogID)
			if err != nil {
				return err
			}
			r, err := findResource(ctx, tx, c, *in)
			in.OriginSystem, in.OriginID = r.OriginSystem, r.OriginID
			return err
		})
		if err != nil {
			return err
		}
	}
	return s.describeConnector(ctx, who, in)
}

// describeConnector fills in.described (and, for adminAdd, in.members) when the change
// names a resource of a configured connector rather than of the built-in directory.
func (s *Service) describeConnector(ctx context.Context, who Actor, in *ResourceChange) error {
	if in.OriginSystem == "" || slices.Contains(originSystems, in.OriginSystem) {
		return nil
	}
	d, c, err := s.describeTarget(ctx, who, *in)
	in.described = d
	if err != nil || in.RequestType != ResourceAdminAdd {
		return err
	}
	in.members, err = s.targetMembers(ctx, c, d)
	return err
}

// targetMembers reads who holds each role of a connector's resource now, outside any
// transaction; nothing when the connector cannot list members.
func (s *Service) targetMembers(ctx context.Context, c ConnectorConfig, d *TargetResource) (map[string][]SubjectRef, error) {
	out := map[string][]SubjectRef{}
	for _, role := range d.Roles {
		m, err := s.targets.Members(ctx, c, d.OriginID, role.OriginID)
		var e *Error
		if errors.As(err, &e) && e.Code == "NotSupported" {
			return nil, nil // the connector cannot list members, so it is never reconciled either
		}
		if err != nil {
			return nil, Ec(KindTransient, "MembersUnavailable", "could not read the members of '%s' to record who held its roles before Bestow (RES-7); try again: %v", d.DisplayName, err)
		}
		out[role.OriginID] = m
	}
	return out, nil
}

// recordPreExisting writes a ledger entry, present and pre-existing, for every Bestow user
// who held a role of a resource that just joined a catalog (RES-7).
func recordPreExisting(ctx context.Context, tx Tx, r Resource, members map[string][]SubjectRef, now time.Time) error {
	users := &userFinder{}
	for _, role := range r.Roles {
		for _, ref := range members[role.OriginID] {
			u, err := users.find(ctx, tx, ref)
			if err != nil || u == nil {
				if err != nil {
					return err
				}
				continue
			}
			id := LedgerID(u.ID, r.OriginSystem, r.OriginID, role.OriginID)
			if _, err := tx.Ledger().Get(ctx, id); !IsKind(err, KindNotFound) {
				if err != nil {
					return err
				}
				continue
			}
			e := LedgerEntry{ID: id, SubjectID: u.ID, OriginSystem: r.OriginSystem, ResourceOriginID: r.OriginID, RoleOriginID: role.OriginID,
				ResourceDisplayName: r.DisplayName, RoleDisplayName: role.DisplayName, Present: true, PreExisting: true, Modified: now}
			if err := tx.Ledger().Put(ctx, &e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (who Actor) hasTenantRoleFor(a Action) bool {
	if who.System {
		return true
	}
	for role := range who.Grants.Tenant {
		if roleAllows(role, a) {
			return true
		}
	}
	return false
}

func (who Actor) requireTenantRole(what string) error {
	if who.hasTenantRoleFor(ActManageCatalog) {
		return nil
	}
	return Ec(KindForbidden, "Authorization_RequestDenied",
		"You are not allowed to %s: it needs Global Administrator, Identity Governance Administrator or User Administrator (a catalog owner may add only groups they own).", what)
}

func (s *Service) addResource(ctx context.Context, tx *op, c Catalog, in ResourceChange) (Resource, error) {
	o, err := resolveOrigin(ctx, tx, in)
	if err != nil {
		return Resource{}, err
	}
	existing, err := tx.Resources().List(ctx, By(KeyCatalog, c.ID), By(KeyOrigin, OriginKey(o.System, o.ID)))
	if err != nil {
		return Resource{}, err
	}
	if len(existing) > 0 {
		return Resource{}, Ec(KindConflict, "ResourceAlreadyOnboarded", "the resource '%s' is already in catalog '%s'", o.DisplayName, c.DisplayName)
	}
	r := NewResource(o, c.ID, nil, s.ids)
	r.CreatedDateTime, r.ModifiedDateTime = s.clock.Now(), s.clock.Now()
	if err := tx.Resources().Put(ctx, &r); err != nil {
		return r, err
	}
	return r, recordPreExisting(ctx, tx, r, in.members, s.clock.Now())
}

// findResource finds the catalog resource a change names, by resource id or origin.
func findResource(ctx context.Context, tx Tx, c Catalog, in ResourceChange) (Resource, error) {
	if in.ResourceID != "" {
		r, err := tx.Resources().Get(ctx, in.ResourceID)
		if err == nil && r.CatalogID != c.ID {
			err = Ec(KindNotFound, "ResourceNotFound", "resource '%s' is not in catalog '%s'", in.ResourceID, c.DisplayName)
		}
		return r, err
	}
	list, err := tx.Resources().List(ctx, By(KeyCatalog, c.ID), By(KeyOrigin, OriginKey(in.OriginSystem, in.OriginID)))
	if err != nil {
		return Resource{}, err
	}
	if len(list) == 0 {
		return Resource{}, Ec(KindNotFound, "ResourceNotFound", "no resource with originSystem '%s' and originId '%s' is in catalog '%s'", in.OriginSystem, in.OriginID, c.DisplayName)
	}
	return list[0], nil
}

func (s *Service) refreshResource(ctx context.Context, tx *op, c Catalog, in ResourceChange) (Resource, error) {
	prev, err := findResource(ctx, tx, c, in)
	if err != nil {
		return Resource{}, err
	}
	o, err := resolveOrigin(ctx, tx, ResourceChange{OriginSystem: prev.OriginSystem, OriginID: prev.OriginID, described: in.described})
	if err != nil {
		return Resource{}, err
	}
	r := NewResource(o, c.ID, &prev, s.ids)
	r.ModifiedDateTime = s.clock.Now()
	return r, tx.Resources().Put(ctx, &r)
}

func (s *Service) removeResource(ctx context.Context, tx Tx, c Catalog, in ResourceChange) (Resource, error) {
	r, err := findResource(ctx, tx, c, in)
	if err != nil {
		return Resource{}, err
	}
	used, err := tx.RoleScopes().List(ctx, By(KeyResource, r.ID))
	if err != nil {
		return Resource{}, err
	}
	if len(used) > 0 {
		var names []string
		for _, rs := range used {
			p, err := tx.Packages().Get(ctx, rs.PackageID)
			if err != nil {
				return Resource{}, err
			}
			if indexOf(names, "'"+p.DisplayName+"'") < 0 {
				names = append(names, "'"+p.DisplayName+"'")
			}
		}
		return Resource{}, Ec(KindFailedPrecondition, "InvalidDeleteResourceHasEntitlements",
			"the resource '%s' cannot be removed from catalog '%s' because access packages use its roles: %s; remove those roles from the packages first",
			r.DisplayName, c.DisplayName, strings.Join(names, ", "))
	}
	return r, tx.Resources().Delete(ctx, r.ID)
}

// ListResourceRequests returns the resource requests of the catalogs the actor may read.
func (s *Service) ListResourceRequests(ctx context.Context, who Actor) ([]ResourceRequest, error) {
	var out []ResourceRequest
	err := s.read(ctx, who, func(tx *op) error {
		tx.allow("every signed-in person may list resource requests; each is shown only to who may read its catalog")
		all, err := tx.ResourceRequests().List(ctx)
		if err != nil {
			return err
		}
		for _, r := range all {
			if c, err := tx.Catalogs().Get(ctx, r.CatalogID); err == nil && tx.can(ActReadCatalog, catalogTarget(c)) {
				out = append(out, r)
			} else if err != nil && who.hasTenantRoleFor(ActReadCatalog) {
				out = append(out, r) // the catalog is gone; administrators still see the record
			}
		}
		return nil
	})
	return out, err
}
