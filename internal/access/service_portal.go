package access

import "context"

// PackageView is what the My Access portal shows a person of one package: the package, the
// name of its catalog, what it grants, and the person's own eligibility (every check of
// TRB-1 with its fix, and the policies they may request it through, POL-10).
type PackageView struct {
	Package    Package
	Catalog    string
	Grants     []Grant
	Evaluation Evaluation
}

// Grant is one resource role a package grants, by name.
type Grant struct {
	Resource, Role, OriginSystem string
}

// Requestable reports whether the person may request the package now.
func (v PackageView) Requestable() bool { return v.Evaluation.Passed() }

// PortalPackage returns the package at a portal link as its caller sees it. The package
// must be one they could open (they read its catalog's packages, or a policy's scope
// includes them, which opens hidden packages too, AP-2); any other answers NotFound, as
// GetPackage does. The checks are about the caller only.
func (s *Service) PortalPackage(ctx context.Context, who Actor, pkgID string) (PackageView, error) {
	var v PackageView
	err := s.read(ctx, who, func(tx *op) error {
		p, c, err := findPackage(ctx, tx, pkgID)
		if err != nil {
			return err
		}
		if p.ID != pkgID {
			return notFound("access package", pkgID) // a portal link names the package by id
		}
		tx.allow("self-service: a package the caller could open (AP-2), with the caller's own eligibility")
		sub, err := subjectOf(ctx, tx, tx.who.UserID)
		if err != nil {
			return err
		}
		if v.Evaluation, err = evaluate(ctx, tx, sub, p, c); err != nil {
			return err
		}
		v.Package, v.Catalog = p, c.DisplayName
		scopes, err := tx.RoleScopes().List(ctx, By(KeyPackage, p.ID))
		for _, rs := range scopes {
			g := Grant{Role: rs.Role.DisplayName, OriginSystem: rs.Role.OriginSystem}
			if res, err := tx.Resources().Get(ctx, rs.ResourceID); err == nil {
				g.Resource = res.DisplayName
			}
			v.Grants = append(v.Grants, g)
		}
		return err
	})
	return v, err
}
