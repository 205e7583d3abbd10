package access

import (
	"context"
	"slices"
	"time"
)

// assignmentAs loads an assignment the actor may see: their own, or any in a catalog where
// they may read assignments.
func assignmentAs(ctx context.Context, tx *op, id string) (Assignment, error) {
	a, err := tx.Assignments().Get(ctx, id)
	if err != nil {
		return Assignment{}, err
	}
	if canSeeAssignment(ctx, tx, &a) {
		return a, nil
	}
	return Assignment{}, notFound("access package assignment", id)
}

// canSeeAssignment is the visibility of an assignment: its target, and administrators who
// may read assignments in its catalog (ActReadAssignments; reading the catalog or its
// packages is not enough).
func canSeeAssignment(ctx context.Context, tx *op, a *Assignment) bool {
	if tx.self(a.TargetID) {
		return true
	}
	t := Target{CatalogID: a.CatalogID}
	if c, err := tx.Catalogs().Get(ctx, a.CatalogID); err == nil {
		t = catalogTarget(c)
	}
	return tx.can(ActReadAssignments, t)
}

// GetAssignment returns an assignment the actor may see.
func (s *Service) GetAssignment(ctx context.Context, who Actor, id string) (Assignment, error) {
	var out Assignment
	err := s.read(ctx, who, func(tx *op) error { var err error; out, err = assignmentAs(ctx, tx, id); return err })
	return out, err
}

// AssignmentFilter narrows a list of assignments by indexed properties; empty fields
// match everything.
type AssignmentFilter struct {
	State, PackageID, TargetID, PolicyID string
	// EndsBy keeps the active assignments that end after now and no later than it.
	EndsBy *time.Time
}

// endsBy reports whether an active assignment ends after now and no later than by.
func (a *Assignment) endsBy(now, by time.Time) bool {
	return a.Active() && a.End != nil && a.End.After(now) && !a.End.After(by)
}

func (f AssignmentFilter) keys() []Key {
	var keys []Key
	if f.EndsBy != nil {
		// An assignment that ends by then is due by then: its due time tracks its
		// reminders and its end.
		keys = append(keys, ByDue(*f.EndsBy))
	}
	for _, k := range []struct{ name, v string }{{KeyState, f.State}, {KeyPackage, f.PackageID}, {KeyTarget, f.TargetID}, {KeyPolicy, f.PolicyID}} {
		if k.v != "" {
			keys = append(keys, By(k.name, k.v))
		}
	}
	return keys
}

// ListAssignments returns the assignments the actor may see that match the filter.
func (s *Service) ListAssignments(ctx context.Context, who Actor, f AssignmentFilter) ([]Assignment, error) {
	var out []Assignment
	err := s.read(ctx, who, func(tx *op) error {
		wide := tx.can(ActReadAssignments, Target{}) // decides even when there is no assignment
		all, err := tx.Assignments().List(ctx, f.keys()...)
		if err != nil {
			return err
		}
		if f.EndsBy != nil {
			all = slices.DeleteFunc(all, func(a Assignment) bool { return !a.endsBy(tx.now, *f.EndsBy) })
		}
		if wide {
			out = all
			return nil
		}
		for i := range all {
			if canSeeAssignment(ctx, tx, &all[i]) {
				out = append(out, all[i])
			}
		}
		return nil
	})
	return out, err
}

// MyAssignments returns the actor's own assignments (Graph's
// filterByCurrentUser(on='target')).
func (s *Service) MyAssignments(ctx context.Context, who Actor) ([]Assignment, error) {
	return s.ListAssignments(ctx, who, AssignmentFilter{TargetID: who.UserID})
}

// AssignmentRoles returns the delivery state of each resource role of an assignment
// (ASG-5, REQ-6).
func (s *Service) AssignmentRoles(ctx context.Context, who Actor, id string) ([]RoleState, error) {
	var out []RoleState
	err := s.read(ctx, who, func(tx *op) error {
		a, err := assignmentAs(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, rid := range a.Roles {
			e, err := tx.Ledger().Get(ctx, rid)
			if IsKind(err, KindNotFound) {
				continue
			} else if err != nil {
				return err
			}
			st := roleState(e)
			if !a.Active() {
				st = cond(e.Pending() && indexOf(e.Watchers, a.ID) >= 0, RoleDelivering, RoleDelivered)
			}
			out = append(out, RoleState{Entry: e, State: st})
		}
		return nil
	})
	return out, err
}

// activeAssignments counts a package's (or policy's) active assignments, including those
// of soft-deleted users (ASG-4).
func activeAssignments(ctx context.Context, tx Tx, key string, id string) (int, error) {
	return tx.Assignments().Count(ctx, By(key, id), By(KeyActive, "1"))
}

// The expansions of a request or an assignment ($expand=accessPackage, requestor, target):
// each shows the package or the subject only to someone who may see that request or
// assignment (the rule of GetRequest and GetAssignment). A requestor may not read
// packages in general, but sees the package of their own request.

// RequestPackage returns the package of a request the actor may see.
func (s *Service) RequestPackage(ctx context.Context, who Actor, requestID string) (Package, error) {
	var p Package
	err := s.read(ctx, who, func(tx *op) error {
		r, err := requestAs(ctx, tx, requestID)
		if err != nil {
			return err
		}
		p, err = tx.Packages().Get(ctx, r.PackageID)
		return err
	})
	return p, err
}

// AssignmentPackage returns the package of an assignment the actor may see.
func (s *Service) AssignmentPackage(ctx context.Context, who Actor, assignmentID string) (Package, error) {
	var p Package
	err := s.read(ctx, who, func(tx *op) error {
		a, err := assignmentAs(ctx, tx, assignmentID)
		if err != nil {
			return err
		}
		p, err = tx.Packages().Get(ctx, a.PackageID)
		return err
	})
	return p, err
}

// RequestSubject returns the user a request the actor may see is for, with the connected
// organization they belong to (Graph's accessPackageSubject); a deleted user is returned
// as stored.
func (s *Service) RequestSubject(ctx context.Context, who Actor, requestID string) (User, *ConnectedOrganization, error) {
	var u User
	var org *ConnectedOrganization
	err := s.read(ctx, who, func(tx *op) error {
		r, err := requestAs(ctx, tx, requestID)
		if err != nil {
			return err
		}
		u, org, err = subjectUser(ctx, tx, r.TargetID)
		return err
	})
	return u, org, err
}

// AssignmentSubject returns the user an assignment the actor may see is for, as
// RequestSubject does for a request.
func (s *Service) AssignmentSubject(ctx context.Context, who Actor, assignmentID string) (User, *ConnectedOrganization, error) {
	var u User
	var org *ConnectedOrganization
	err := s.read(ctx, who, func(tx *op) error {
		a, err := assignmentAs(ctx, tx, assignmentID)
		if err != nil {
			return err
		}
		u, org, err = subjectUser(ctx, tx, a.TargetID)
		return err
	})
	return u, org, err
}

// subjectUser loads a user as stored (deleted or not) with their connected organization.
func subjectUser(ctx context.Context, tx Tx, userID string) (User, *ConnectedOrganization, error) {
	u, err := tx.Users().Get(ctx, userID)
	if err != nil {
		return User{}, nil, err
	}
	orgs, err := tx.ConnectedOrganizations().List(ctx)
	if err != nil {
		return User{}, nil, err
	}
	return u, OrgOf(u, orgs), nil
}

// AdditionalAccess returns the active assignments of package packageID whose targets also
// hold an active assignment of package otherID (Graph's assignments/additionalAccess: the
// users who have access to one package and would additionally have another, for preparing
// incompatibleAccessPackages). Both packages must exist and be readable by the caller
// (NotFound otherwise, as for GET accessPackages/{id}) and must differ (Invalid); only
// assignments the caller may see are listed, or count as the other package's.
func (s *Service) AdditionalAccess(ctx context.Context, who Actor, packageID, otherID string) ([]Assignment, error) {
	var out []Assignment
	err := s.read(ctx, who, func(tx *op) error {
		for _, id := range []string{packageID, otherID} {
			if _, _, err := packageAs(ctx, tx, ActReadPackage, id); err != nil {
				return err
			}
		}
		if packageID == otherID {
			return invalid("accessPackageId and incompatibleAccessPackageId are both '%s'; the two access packages must differ", packageID)
		}
		visible := func(pkg string) ([]Assignment, error) {
			all, err := tx.Assignments().List(ctx, By(KeyPackage, pkg), By(KeyActive, "1"))
			var seen []Assignment
			for i := range all {
				if all[i].Active() && canSeeAssignment(ctx, tx, &all[i]) {
					seen = append(seen, all[i])
				}
			}
			return seen, err
		}
		others, err := visible(otherID)
		if err != nil {
			return err
		}
		holds := map[string]bool{}
		for _, a := range others {
			holds[a.TargetID] = true
		}
		mine, err := visible(packageID)
		for _, a := range mine {
			if holds[a.TargetID] {
				out = append(out, a)
			}
		}
		return err
	})
	return out, err
}
