package access

import "context"

// subjectOf describes a live user for policy evaluation.
func subjectOf(ctx context.Context, tx Tx, userID string) (Subject, error) {
	u, err := lookupUser(ctx, tx, userID)
	if err != nil {
		return Subject{}, err
	}
	groups, err := groupsOf(ctx, tx, u.ID, RelMember) // a deleted group makes nobody eligible or incompatible
	if err != nil {
		return Subject{}, err
	}
	orgs, err := tx.ConnectedOrganizations().List(ctx)
	if err != nil {
		return Subject{}, err
	}
	return Subject{User: u, GroupIDs: groups, Org: OrgOf(u, orgs)}, nil
}

// openFor reports whether a catalog takes requests from the subject: it is published,
// and for external users it is enabled for them.
func openFor(c Catalog, s Subject) bool {
	return c.State == CatalogPublished && (!s.User.IsGuest() || c.IsExternallyVisible)
}

// ApplicablePolicies returns the policies through which the actor may request the
// package for themselves (POL-10: only the best rank), or none. Hidden packages count:
// they are requestable through their portal link (AP-2).
func (s *Service) ApplicablePolicies(ctx context.Context, who Actor, pkgID string) ([]Policy, error) {
	var out []Policy
	err := s.read(ctx, who, func(tx *op) error {
		tx.allow("self-service: the caller's own eligibility; only the policies that offer the package to them are returned (AP-2: hidden packages too, through their portal link)")
		sub, err := subjectOf(ctx, tx, tx.who.UserID)
		if err != nil {
			return err
		}
		p, err := tx.Packages().Get(ctx, pkgID)
		if err != nil {
			return err
		}
		c, err := tx.Catalogs().Get(ctx, p.CatalogID)
		if err != nil || !openFor(c, sub) {
			return err
		}
		pols, err := tx.Policies().List(ctx, By(KeyPackage, p.ID))
		out = ApplicablePolicies(pols, sub)
		return err
	})
	return out, err
}

// RequestablePackages returns the packages the actor may request for themselves and that
// are listed (not hidden, AP-2): Graph's filterByCurrentUser(on='allowedRequestor').
func (s *Service) RequestablePackages(ctx context.Context, who Actor) ([]Package, error) {
	var out []Package
	err := s.read(ctx, who, func(tx *op) error {
		tx.allow("self-service: the packages the caller may request for themselves, by their own eligibility")
		sub, err := subjectOf(ctx, tx, tx.who.UserID)
		if err != nil {
			return err
		}
		cats, err := tx.Catalogs().List(ctx)
		if err != nil {
			return err
		}
		open := map[string]bool{}
		for _, c := range cats {
			open[c.ID] = openFor(c, sub)
		}
		// The policies are found through their audiences (Covers and SelfRequestable in
		// an index), so the caller's eligibility costs one read, not one per policy.
		pkgs, err := tx.OfferedPackages(ctx, sub.Audiences())
		if err != nil {
			return err
		}
		for _, p := range pkgs {
			if open[p.CatalogID] && !p.IsHidden {
				out = append(out, p)
			}
		}
		return nil
	})
	return out, err
}

// PackageCatalog returns the catalog of a package to whoever may read that catalog, and
// to a person who may request the package for themselves (hidden or not, AP-2): My Access
// shows a requestor the catalog a package comes from. Anyone else gets not found.
func (s *Service) PackageCatalog(ctx context.Context, who Actor, pkgID string) (Catalog, error) {
	var c Catalog
	err := s.read(ctx, who, func(tx *op) error {
		p, err := tx.Packages().Get(ctx, pkgID)
		if err != nil {
			return err
		}
		if c, err = tx.Catalogs().Get(ctx, p.CatalogID); err != nil {
			return err
		}
		if tx.can(ActReadCatalog, catalogTarget(c)) {
			return nil
		}
		tx.allow("self-service: the catalog of a package the caller may request for themselves")
		sub, err := subjectOf(ctx, tx, tx.who.UserID)
		if err != nil || !openFor(c, sub) {
			return notFound("catalog", c.ID)
		}
		pols, err := tx.Policies().List(ctx, By(KeyPackage, p.ID))
		if err != nil {
			return err
		}
		if len(ApplicablePolicies(pols, sub)) == 0 {
			return notFound("catalog", c.ID)
		}
		return nil
	})
	return c, err
}
