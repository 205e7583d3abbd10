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
// a package (id or display name) without requesting anything. Anyone may explain
// themselves; explaining another user needs the right to read the package's assignments.
func (s *Service) ExplainRequest(ctx context.Context, who Actor, userIDOrUPN, pkgIDOrName string) (RequestExplanation, error) {
	var ex RequestExplanation
	err := s.readUngated(ctx, func(tx Tx) error {
		u, err := lookupUser(ctx, tx, userIDOrUPN)
		if err != nil {
			return err
		}
		p, err := findPackage(ctx, tx, pkgIDOrName)
		if err != nil {
			return err
		}
		c, err := tx.Catalogs().Get(ctx, p.CatalogID)
		if err != nil {
			return err
		}
		if u.ID != who.UserID {
			t := catalogTarget(c)
			t.PackageName = p.DisplayName
			if err := who.Authorize(ActReadAssignments, t); err != nil {
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

// findPackage finds a package by id, or by display name (case-insensitive) when that is
// unambiguous.
func findPackage(ctx context.Context, tx Tx, idOrName string) (Package, error) {
	if p, err := tx.Packages().Get(ctx, idOrName); err == nil || !IsKind(err, KindNotFound) {
		return p, err
	}
	all, err := tx.Packages().List(ctx)
	if err != nil {
		return Package{}, err
	}
	var found []Package
	for _, p := range all {
		if strings.EqualFold(p.DisplayName, idOrName) {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Package{}, notFound("access package", idOrName)
	}
	var ids []string
	for _, p := range found {
		ids = append(ids, p.ID)
	}
	return Package{}, invalid("%d access packages are named '%s'; give the id instead: %s", len(found), idOrName, strings.Join(ids, ", "))
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
