package access

import (
	"context"
	"fmt"
	"strings"
)

// RequestExplanation answers "why can't this user request this package?" (TRB-1): every
// check a request goes through, whether it passes, and what fixes it.
type RequestExplanation struct {
	User        string   `json:"user"`
	Package     string   `json:"accessPackage"`
	PackageID   string   `json:"accessPackageId"`
	Catalog     string   `json:"catalog"`
	Requestable bool     `json:"requestable"`
	Policies    []string `json:"applicablePolicies"`
	Checks      []Check  `json:"checks"`
	PortalLink  string   `json:"portalPath"`
}

// ExplainRequest runs every requestability check for a user (id or userPrincipalName) and
// a package (id or display name) without requesting anything. It reveals nothing the
// caller could not read directly: the package must be one they could open (they may read
// the packages of its catalog, or they are in scope of one of its policies, which gives
// them its portal link even when it is hidden, AP-2), else it does not exist for them, as
// GetPackage answers. Anyone may explain themselves; explaining another user needs the
// right to read the package's assignments (ADM-2).
func (s *Service) ExplainRequest(ctx context.Context, who Actor, userIDOrUPN, pkgIDOrName string) (RequestExplanation, error) {
	var ex RequestExplanation
	err := s.read(ctx, who, func(tx *op) error {
		u, err := lookupUser(ctx, tx, userIDOrUPN)
		if err != nil {
			return err
		}
		p, c, err := findPackage(ctx, tx, pkgIDOrName)
		if err != nil {
			return err
		}
		if !tx.self(u.ID) {
			t := catalogTarget(c)
			t.PackageName = p.DisplayName
			if err := tx.authorize(ActReadAssignments, t); err != nil {
				return err
			}
		}
		sub, err := subjectOf(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		ev, err := evaluate(ctx, tx, sub, p, c)
		if err != nil {
			return err
		}
		ex = RequestExplanation{User: u.UserPrincipalName, Package: p.DisplayName, PackageID: p.ID, Catalog: c.DisplayName,
			Requestable: ev.Passed(), Checks: ev.Checks, PortalLink: p.PortalPath()}
		for _, pol := range ev.Policies {
			ex.Policies = append(ex.Policies, pol.DisplayName)
		}
		return nil
	})
	return ex, err
}

// findPackage finds a package the caller could open by id, or by display name
// (case-insensitive) among those they could open when that is unambiguous. A package they
// could not open answers NotFound, exactly as one that does not exist.
func findPackage(ctx context.Context, tx *op, idOrName string) (Package, Catalog, error) {
	v := &visibility{tx: tx, cats: map[string]Catalog{}}
	if p, err := tx.Packages().Get(ctx, idOrName); err == nil {
		c, ok, err := v.opens(ctx, p)
		if err != nil || ok {
			return p, c, err
		}
	} else if !IsKind(err, KindNotFound) {
		return Package{}, Catalog{}, err
	}
	all, err := tx.Packages().List(ctx)
	if err != nil {
		return Package{}, Catalog{}, err
	}
	var found []Package
	var cats []Catalog
	for _, p := range all {
		if !strings.EqualFold(p.DisplayName, idOrName) {
			continue
		}
		c, ok, err := v.opens(ctx, p)
		if err != nil {
			return Package{}, Catalog{}, err
		}
		if ok {
			found, cats = append(found, p), append(cats, c)
		}
	}
	switch len(found) {
	case 1:
		return found[0], cats[0], nil
	case 0:
		return Package{}, Catalog{}, notFound("access package", idOrName)
	}
	var ids []string
	for _, p := range found {
		ids = append(ids, p.ID)
	}
	return Package{}, Catalog{}, invalid("%d access packages are named '%s'; give the id instead: %s", len(found), idOrName, strings.Join(ids, ", "))
}

// visibility decides which packages the caller could open: those in catalogs where they
// may read packages, and those with a policy whose scope includes them (the portal-link
// rule, AP-2: whoever is in scope of a policy may reach the package, hidden or not).
type visibility struct {
	tx     *op
	cats   map[string]Catalog
	sub    *Subject // the caller as policies see them, once loaded
	nobody bool     // the caller is no live user, so no policy includes them
}

// opens reports whether the caller could open p, with p's catalog.
func (v *visibility) opens(ctx context.Context, p Package) (Catalog, bool, error) {
	c, ok := v.cats[p.CatalogID]
	if !ok {
		var err error
		if c, err = v.tx.Catalogs().Get(ctx, p.CatalogID); err != nil {
			return Catalog{}, false, err
		}
		v.cats[c.ID] = c
	}
	t := catalogTarget(c)
	t.PackageName = p.DisplayName
	if v.tx.can(ActReadPackage, t) {
		return c, true, nil
	}
	if v.sub == nil && !v.nobody {
		sub, err := subjectOf(ctx, v.tx, v.tx.who.UserID)
		switch {
		case v.tx.who.UserID == "" || IsKind(err, KindNotFound):
			v.nobody = true
		case err != nil:
			return Catalog{}, false, err
		default:
			v.sub = &sub
		}
	}
	if v.nobody {
		return c, false, nil
	}
	pols, err := v.tx.Policies().List(ctx, By(KeyPackage, p.ID))
	if err != nil {
		return Catalog{}, false, err
	}
	for i := range pols {
		if pols[i].Covers(*v.sub) {
			return c, true, nil
		}
	}
	return c, false, nil
}

// String renders the explanation for a person: one line per check.
func (ex RequestExplanation) String() string {
	var b strings.Builder
	verdict := "cannot request"
	if ex.Requestable {
		verdict = "can request"
	}
	fmt.Fprintf(&b, "%s %s '%s' (catalog '%s')\n", ex.User, verdict, ex.Package, ex.Catalog)
	for _, c := range ex.Checks {
		mark := "PASS"
		if !c.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "  %s  %-28s %s\n", mark, c.Name, c.Detail)
		if !c.Passed && c.Fix != "" {
			fmt.Fprintf(&b, "        %-28s fix: %s\n", "", c.Fix)
		}
	}
	return b.String()
}
