package access

import (
	"context"
	"errors"
	"fmt"
)

// NewAccessPackage is everything the "New access package" steps of seed 002 collect, to be
// created at once: Basics (a catalog, existing or new, and the package), Resource roles
// (resources to add to the catalog on the way, and the roles to grant), and the policies.
type NewAccessPackage struct {
	// CatalogID is an existing catalog. With neither CatalogID nor NewCatalog the package
	// goes to the Default catalog, which needs User Administrator or higher (ADM-5).
	CatalogID string
	// NewCatalog is a catalog to create (display name, description, external visibility);
	// its creator becomes its first owner (ADM-4).
	NewCatalog *Catalog
	Package    Package
	// Resources are added to the catalog as RequestResource's adminAdd adds them, by
	// OriginSystem and OriginID (a group, application, site or a connector's group);
	// RequestType and CatalogID are set here.
	Resources []ResourceChange
	// RoleScopes are the resource roles of the package, as AddRoleScope takes them; their
	// resources are in the catalog already or among Resources.
	RoleScopes []RoleRef
	// Policies are created on the package as CreatePolicy creates them.
	Policies []Policy
}

// CreatedAccessPackage is what CreateAccessPackage made: the catalog (new or existing),
// the package, the resources it added to the catalog, the package's resource roles and
// its policies, each in the order asked.
type CreatedAccessPackage struct {
	Catalog        Catalog
	CatalogCreated bool
	Package        Package
	Resources      []Resource
	RoleScopes     []RoleScope
	Policies       []Policy
}

// CreateAccessPackage creates an access package with everything around it in one
// transaction, in this order: the catalog when it is new, the package, the resources added
// to the catalog, the resource roles and the policies. Each part is checked and written by
// the function its single-object operation uses (CreateCatalog, CreatePackage,
// RequestResource with adminAdd, AddRoleScope, CreatePolicy), with that operation's
// authorization; a catalog created here is owned by the caller for the parts that follow,
// so a Catalog creator who owns no catalog can create both at once (ADM-3, ADM-4). A
// connector's resources are described by the connector before the transaction. When a
// part fails nothing is kept, and the error names the part ("policy 2 ('Partners'): …")
// and keeps the kind and code of the part's own error.
func (s *Service) CreateAccessPackage(ctx context.Context, who Actor, in NewAccessPackage) (CreatedAccessPackage, error) {
	var out CreatedAccessPackage
	resources := make([]ResourceChange, len(in.Resources))
	for i, ch := range in.Resources {
		ch.RequestType, ch.CatalogID, ch.ResourceID = ResourceAdminAdd, in.CatalogID, ""
		ch.newCatalog = in.NewCatalog != nil
		if in.CatalogID == "" || in.NewCatalog == nil { // both: the transaction refuses before anything is described
			if err := s.describeConnector(ctx, who, &ch); err != nil {
				return out, inPart(resourceLabel(i, ch), err)
			}
		}
		resources[i] = ch
	}
	err := s.write(ctx, who, func(tx *op) error {
		out = CreatedAccessPackage{}
		var err error
		catalogID := in.CatalogID
		switch {
		case in.NewCatalog != nil && in.CatalogID != "":
			if err := tx.authorizeAnywhere(ActCreatePackage); err != nil {
				return err
			}
			return invalid("catalog: give either the id of an existing catalog or a new catalog's displayName, not both")
		case in.NewCatalog != nil:
			if out.Catalog, err = s.createCatalog(ctx, tx, *in.NewCatalog); err != nil {
				return inPart(catalogLabel(*in.NewCatalog), err)
			}
			out.CatalogCreated, catalogID = true, out.Catalog.ID
		}
		if out.Package, err = s.createPackage(ctx, tx, in.Package, catalogID); err != nil {
			return inPart(packageLabel(in.Package), err)
		}
		if !out.CatalogCreated {
			if out.Catalog, err = tx.Catalogs().Get(ctx, out.Package.CatalogID); err != nil {
				return err
			}
		}
		for i, ch := range resources {
			ch.CatalogID = out.Catalog.ID
			_, r, err := s.requestResource(ctx, tx, ch)
			if err != nil {
				return inPart(resourceLabel(i, ch), err)
			}
			out.Resources = append(out.Resources, r)
		}
		for i, ref := range in.RoleScopes {
			label := roleLabel(ctx, tx, out.Catalog, i, ref)
			rs, err := s.addRoleScope(ctx, tx, out.Package.ID, ref)
			if err != nil {
				return inPart(label, err)
			}
			out.RoleScopes = append(out.RoleScopes, rs)
		}
		for i, pol := range in.Policies {
			p, err := s.createPolicy(ctx, tx, pol, out.Package.ID)
			if err != nil {
				return inPart(policyLabel(i, pol), err)
			}
			out.Policies = append(out.Policies, p)
		}
		return nil
	})
	if err != nil {
		return CreatedAccessPackage{}, err
	}
	return out, nil
}

// inPart names the part of a CreateAccessPackage that failed, keeping the kind and code
// of the part's error (and the error itself, for errors.Is and errors.As).
func inPart(part string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return &Error{Kind: e.Kind, Code: e.Code, Msg: part, Err: err}
	}
	return fmt.Errorf("%s: %w", part, err)
}

func catalogLabel(c Catalog) string {
	if c.DisplayName == "" {
		return "new catalog"
	}
	return fmt.Sprintf("new catalog '%s'", c.DisplayName)
}

func packageLabel(p Package) string {
	if p.DisplayName == "" {
		return "access package"
	}
	return fmt.Sprintf("access package '%s'", p.DisplayName)
}

func resourceLabel(i int, ch ResourceChange) string {
	return fmt.Sprintf("resource %d (%s '%s')", i+1, ch.OriginSystem, ch.OriginID)
}

func policyLabel(i int, pol Policy) string {
	if pol.DisplayName == "" {
		return fmt.Sprintf("policy %d", i+1)
	}
	return fmt.Sprintf("policy %d ('%s')", i+1, pol.DisplayName)
}

// roleLabel names a resource role by its and its resource's display names when the
// catalog has the resource ("resource role 'Member' of 'Sales'"), else by its position
// and the id it was given.
func roleLabel(ctx context.Context, tx Tx, c Catalog, i int, ref RoleRef) string {
	name := firstNonEmpty(ref.RoleOriginID, ref.RoleID)
	if r, err := resourceForRef(ctx, tx, c, ref); err == nil {
		if role, ok := r.Role(ref.RoleID); ok {
			name = role.DisplayName
		} else if role, ok := r.Role(ref.RoleOriginID); ok {
			name = role.DisplayName
		}
		return fmt.Sprintf("resource role '%s' of '%s'", name, r.DisplayName)
	}
	if name == "" {
		return fmt.Sprintf("resource role %d", i+1)
	}
	return fmt.Sprintf("resource role %d ('%s')", i+1, name)
}
