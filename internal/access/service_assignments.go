package access

import "context"

// assignmentAs loads an assignment the actor may see: their own, or any in a catalog where
// they may read assignments.
func assignmentAs(ctx context.Context, tx Tx, who Actor, id string) (Assignment, error) {
	a, err := tx.Assignments().Get(ctx, id)
	if err != nil {
		return Assignment{}, err
	}
	if canSeeAssignment(ctx, tx, who, &a) {
		return a, nil
	}
	return Assignment{}, notFound("access package assignment", id)
}

func canSeeAssignment(ctx context.Context, tx Tx, who Actor, a *Assignment) bool {
	if who.UserID != "" && who.UserID == a.TargetID {
		return true
	}
	t := Target{CatalogID: a.CatalogID}
	if c, err := tx.Catalogs().Get(ctx, a.CatalogID); err == nil {
		t = catalogTarget(c)
	}
	return who.Can(ActReadAssignments, t)
}

// GetAssignment returns an assignment the actor may see.
func (s *Service) GetAssignment(ctx context.Context, who Actor, id string) (Assignment, error) {
	var out Assignment
	err := s.readUngated(ctx, func(tx Tx) error { var err error; out, err = assignmentAs(ctx, tx, who, id); return err })
	return out, err
}

// AssignmentFilter narrows a list of assignments by indexed properties; empty fields
// match everything.
type AssignmentFilter struct {
	State, PackageID, TargetID, PolicyID string
}

func (f AssignmentFilter) keys() []Key {
	var keys []Key
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
	err := s.readUngated(ctx, func(tx Tx) error {
		all, err := tx.Assignments().List(ctx, f.keys()...)
		if err != nil {
			return err
		}
		if who.Can(ActReadAssignments, Target{}) {
			out = all
			return nil
		}
		for i := range all {
			if canSeeAssignment(ctx, tx, who, &all[i]) {
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
	err := s.readUngated(ctx, func(tx Tx) error {
		a, err := assignmentAs(ctx, tx, who, id)
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

// SubjectOf returns the user an assignment or request is for, with the connected
// organization they belong to (Graph's accessPackageSubject). Callers have already shown
// the actor may see that assignment or request; a deleted user is returned as stored.
func (s *Service) SubjectOf(ctx context.Context, userID string) (User, *ConnectedOrganization, error) {
	var u User
	var org *ConnectedOrganization
	err := s.readUngated(ctx, func(tx Tx) error {
		var err error
		if u, err = tx.Users().Get(ctx, userID); err != nil {
			return err
		}
		orgs, err := tx.ConnectedOrganizations().List(ctx)
		org = OrgOf(u, orgs)
		return err
	})
	return u, org, err
}

// PackageOf returns the package of an assignment or request the caller has already been
// allowed to see (a requestor may not read packages in general, but sees their own).
func (s *Service) PackageOf(ctx context.Context, id string) (Package, error) {
	var p Package
	err := s.readUngated(ctx, func(tx Tx) error { var err error; p, err = tx.Packages().Get(ctx, id); return err })
	return p, err
}
