package access

import (
	"context"
	"strings"
)

// CatalogTarget is what an action in catalog c is authorized on (Actor.Can): pages ask it
// which controls to offer.
func CatalogTarget(c Catalog) Target { return catalogTarget(c) }

func catalogTarget(c Catalog) Target {
	return Target{CatalogID: c.ID, CatalogName: c.DisplayName, DefaultCatalog: c.IsDefault()}
}

// catalogAs loads a catalog and authorizes act on it.
func catalogAs(ctx context.Context, tx *op, act Action, id string) (Catalog, error) {
	c, err := tx.Catalogs().Get(ctx, id)
	if err != nil {
		return Catalog{}, err
	}
	if !tx.can(ActReadCatalog, catalogTarget(c)) {
		return Catalog{}, notFound("catalog", id) // catalogs one cannot read are not shown to exist
	}
	if err := tx.authorize(act, catalogTarget(c)); err != nil {
		return Catalog{}, err
	}
	return c, nil
}

// CreateCatalog creates a catalog; its creator becomes its first owner (ADM-4).
func (s *Service) CreateCatalog(ctx context.Context, who Actor, c Catalog) (Catalog, error) {
	var out Catalog
	err := s.write(ctx, who, func(tx *op) error {
		var err error
		out, err = s.createCatalog(ctx, tx, c)
		return err
	})
	return out, err
}

// createCatalog is CreateCatalog inside tx. The creator becomes the catalog's first owner
// (ADM-4), and from here on the transaction's actor holds that role too, so what follows
// in the same transaction (a package, its resources and policies) may use the catalog.
func (s *Service) createCatalog(ctx context.Context, tx *op, c Catalog) (Catalog, error) {
	if err := tx.authorize(ActCreateCatalog, Target{}); err != nil {
		return Catalog{}, err
	}
	if c.CatalogType == CatalogServiceDefault {
		return Catalog{}, invalid("catalogType serviceDefault is reserved for the Default catalog 'General'; use userManaged")
	}
	now := tx.now
	c.ID, c.Version, c.CreatedDateTime, c.ModifiedDateTime = s.ids.NewID(), 0, now, now
	if err := c.Validate(); err != nil {
		return Catalog{}, err
	}
	if err := tx.Catalogs().Put(ctx, &c); err != nil {
		return Catalog{}, err
	}
	if tx.who.System || tx.who.UserID == "" {
		return c, nil
	}
	owner := RoleAssignment{ID: s.ids.NewID(), PrincipalID: tx.who.UserID, RoleDefinitionID: RoleCatalogOwner,
		DirectoryScopeID: "/", AppScopeID: CatalogScope(c.ID), CreatedDateTime: now}
	if err := tx.RoleAssignments().Put(ctx, &owner); err != nil {
		return Catalog{}, err
	}
	tx.grantCatalogRole(c.ID, RoleCatalogOwner)
	return c, nil
}

// GetCatalog returns a catalog the actor may read.
func (s *Service) GetCatalog(ctx context.Context, who Actor, id string) (Catalog, error) {
	var c Catalog
	err := s.read(ctx, who, func(tx *op) error { var err error; c, err = catalogAs(ctx, tx, ActReadCatalog, id); return err })
	return c, err
}

// ListCatalogs returns the catalogs the actor may read.
func (s *Service) ListCatalogs(ctx context.Context, who Actor) ([]Catalog, error) {
	var out []Catalog
	err := s.read(ctx, who, func(tx *op) error {
		tx.allow("every signed-in person may list catalogs; each is shown only to who may read it")
		all, err := tx.Catalogs().List(ctx)
		for _, c := range all {
			if tx.can(ActReadCatalog, catalogTarget(c)) {
				out = append(out, c)
			}
		}
		return err
	})
	return out, err
}

// UpdateCatalog changes a catalog's name, description, state or external visibility.
func (s *Service) UpdateCatalog(ctx context.Context, who Actor, id string, change func(*Catalog) error) (Catalog, error) {
	return update(ctx, s, who,
		func(tx *op) (Catalog, error) { return catalogAs(ctx, tx, ActManageCatalog, id) },
		func(tx *op, c *Catalog) error {
			keep := *c
			if err := change(c); err != nil {
				return err
			}
			if c.CatalogType != keep.CatalogType {
				return invalid("catalogType cannot be changed")
			}
			c.Revision, c.ID, c.CreatedDateTime, c.ModifiedDateTime = keep.Revision, keep.ID, keep.CreatedDateTime, tx.now
			return c.Validate()
		},
		func(tx *op, c *Catalog) error { return tx.Catalogs().Put(ctx, c) })
}

// DeleteCatalog deletes a catalog that holds no access packages (AP-5), with its
// resources and catalog role assignments. The Default catalog cannot be deleted.
func (s *Service) DeleteCatalog(ctx context.Context, who Actor, id string) error {
	return s.write(ctx, who, func(tx *op) error {
		c, err := catalogAs(ctx, tx, ActManageCatalog, id)
		if err != nil {
			return err
		}
		if c.IsDefault() {
			return E(KindFailedPrecondition, "the Default catalog 'General' cannot be deleted")
		}
		pkgs, err := tx.Packages().List(ctx, By(KeyCatalog, id))
		if err != nil {
			return err
		}
		if len(pkgs) > 0 {
			return Ec(KindFailedPrecondition, "CatalogHasAccessPackages",
				"catalog '%s' cannot be deleted because it holds %d access package(s): %s; delete or move their assignments and delete them first",
				c.DisplayName, len(pkgs), quoteNames(pkgs, func(p Package) string { return p.DisplayName }))
		}
		res, err := tx.Resources().List(ctx, By(KeyCatalog, id))
		if err != nil {
			return err
		}
		exts, err := tx.Extensions().List(ctx, By(KeyCatalog, id))
		if err != nil {
			return err
		}
		for _, x := range exts { // no policy can bind them: the catalog holds no package
			if err := tx.Extensions().Delete(ctx, x.ID); err != nil {
				return err
			}
		}
		for _, r := range res {
			if err := tx.Resources().Delete(ctx, r.ID); err != nil {
				return err
			}
		}
		ras, err := tx.RoleAssignments().List(ctx, By(KeyCatalog, id))
		if err != nil {
			return err
		}
		for _, ra := range ras {
			if err := tx.RoleAssignments().Delete(ctx, ra.ID); err != nil {
				return err
			}
		}
		return tx.Catalogs().Delete(ctx, id)
	})
}

func quoteNames[T any](list []T, name func(T) string) string {
	var b strings.Builder
	for i, v := range list {
		if i == 5 {
			b.WriteString(", …")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + name(v) + "'")
	}
	return b.String()
}

// ListResources returns the resources of a catalog.
func (s *Service) ListResources(ctx context.Context, who Actor, catalogID string) ([]Resource, error) {
	var out []Resource
	err := s.read(ctx, who, func(tx *op) error {
		if _, err := catalogAs(ctx, tx, ActReadCatalog, catalogID); err != nil {
			return err
		}
		var err error
		out, err = tx.Resources().List(ctx, By(KeyCatalog, catalogID))
		return err
	})
	return out, err
}

// GetResource returns one resource of a catalog.
func (s *Service) GetResource(ctx context.Context, who Actor, catalogID, id string) (Resource, error) {
	var r Resource
	err := s.read(ctx, who, func(tx *op) error {
		if _, err := catalogAs(ctx, tx, ActReadCatalog, catalogID); err != nil {
			return err
		}
		var err error
		r, err = tx.Resources().Get(ctx, id)
		if err == nil && r.CatalogID != catalogID {
			err = notFound("resource", id)
		}
		return err
	})
	return r, err
}

// ResourceByID returns a resource of any catalog the actor may read.
func (s *Service) ResourceByID(ctx context.Context, who Actor, id string) (Resource, error) {
	var r Resource
	err := s.read(ctx, who, func(tx *op) error {
		var err error
		if r, err = tx.Resources().Get(ctx, id); err != nil {
			return err
		}
		_, err = catalogAs(ctx, tx, ActReadCatalog, r.CatalogID)
		return err
	})
	return r, err
}
