package access

import "context"

// policyAs loads a policy, its package and catalog, and authorizes act on the package.
func policyAs(ctx context.Context, tx *op, act Action, id string) (Policy, Package, error) {
	pol, err := tx.Policies().Get(ctx, id)
	if err != nil {
		return Policy{}, Package{}, err
	}
	p, _, err := packageAs(ctx, tx, act, pol.PackageID)
	if IsKind(err, KindNotFound) {
		return Policy{}, Package{}, notFound("assignment policy", id)
	}
	return pol, p, err
}

// CreatePolicy adds an assignment policy to a package after validating it (POL-1 to
// POL-8) and checking that every user, group and connected organization it names exists.
// Automatic assignment policies need Global or Identity Governance Administrator, and a
// package has at most one.
func (s *Service) CreatePolicy(ctx context.Context, who Actor, pol Policy, pkgID string) (Policy, error) {
	var out Policy
	err := s.write(ctx, who, func(tx *op) error {
		var err error
		out, err = s.createPolicy(ctx, tx, pol, pkgID)
		return err
	})
	return out, err
}

// createPolicy is CreatePolicy inside tx.
func (s *Service) createPolicy(ctx context.Context, tx *op, pol Policy, pkgID string) (Policy, error) {
	if pkgID == "" {
		if err := tx.authorizeAnywhere(ActManagePolicy); err != nil {
			return Policy{}, err
		}
		return Policy{}, invalid("accessPackage.id is required: a policy belongs to an access package")
	}
	p, c, err := packageAs(ctx, tx, ActManagePolicy, pkgID)
	if err != nil {
		return Policy{}, err
	}
	now := tx.now
	pol.ID, pol.Version, pol.CreatedDateTime, pol.ModifiedDateTime = s.ids.NewID(), 0, now, now
	if err := pol.Validate(now, s.ids); err != nil {
		return Policy{}, err
	}
	pol.PackageID, pol.CatalogID = p.ID, c.ID
	if err := s.checkPolicy(ctx, tx, pol, catalogTarget(c)); err != nil {
		return Policy{}, err
	}
	if err := tx.Policies().Put(ctx, &pol); err != nil {
		return Policy{}, err
	}
	return pol, nil
}

// checkPolicy checks what needs lookups: references exist; automatic assignment rules
// (which need a tenant role of the caller, beyond the policy role the caller already
// passed).
func (s *Service) checkPolicy(ctx context.Context, tx *op, pol Policy, t Target) error {
	if pol.AutomaticRequestSettings != nil && pol.AutomaticRequestSettings.RequestAccessForAllowedTargets {
		if who := tx.who; !who.System && !who.Grants.Tenant[RoleGlobalAdmin] && !who.Grants.Tenant[RoleGovernanceAdmin] {
			return Ec(KindForbidden, "AutoAssignmentPolicyRequirementNotMet",
				"You are not allowed to create automatic assignment policies in %s. Roles that allow it: Global Administrator, Identity Governance Administrator.", t)
		}
		others, err := tx.Policies().List(ctx, By(KeyPackage, pol.PackageID))
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.ID != pol.ID && o.AutomaticRequestSettings != nil && o.AutomaticRequestSettings.RequestAccessForAllowedTargets {
				return Ec(KindConflict, "Conflict", "access package already has an automatic assignment policy ('%s'); a package can have only one", o.DisplayName)
			}
		}
	}
	check := func(where string, sets []SubjectSet) error {
		for _, set := range sets {
			var err error
			switch set.Kind() {
			case SubjectSingleUser:
				_, err = lookupUser(ctx, tx, set.UserID)
			case SubjectGroupMembers:
				_, err = lookupGroup(ctx, tx, set.GroupID)
			case SubjectConnectedOrgMembers:
				_, err = tx.ConnectedOrganizations().Get(ctx, set.ConnectedOrganizationID)
			case SubjectSingleSP:
				_, err = tx.ServicePrincipals().Get(ctx, set.ServicePrincipalID)
			}
			if err != nil {
				return Ec(KindInvalid, "ReferenceNotFound", "%s: %s", where, err.Error())
			}
		}
		return nil
	}
	if err := check("specificAllowedTargets", pol.SpecificAllowedTargets); err != nil {
		return err
	}
	if err := check("requestorSettings.onBehalfRequestors", pol.RequestorSettings.OnBehalfRequestors); err != nil {
		return err
	}
	for i, st := range pol.RequestApprovalSettings.Stages {
		where := "requestApprovalSettings.stages[" + itoa(i) + "]"
		for _, l := range [][]SubjectSet{st.PrimaryApprovers, st.FallbackPrimaryApprovers, st.EscalationApprovers, st.FallbackEscalationApprovers} {
			if err := check(where, l); err != nil {
				return err
			}
		}
	}
	return checkStageSettings(ctx, tx, pol)
}

// GetPolicy returns a policy the actor may read.
func (s *Service) GetPolicy(ctx context.Context, who Actor, id string) (Policy, error) {
	var pol Policy
	err := s.read(ctx, who, func(tx *op) error { var err error; pol, _, err = policyAs(ctx, tx, ActReadPackage, id); return err })
	return pol, err
}

// ListPolicies returns the policies the actor may read, of one package or ("") all.
func (s *Service) ListPolicies(ctx context.Context, who Actor, pkgID string) ([]Policy, error) {
	var out []Policy
	err := s.read(ctx, who, func(tx *op) error {
		var keys []Key
		if pkgID != "" {
			if _, _, err := packageAs(ctx, tx, ActReadPackage, pkgID); err != nil {
				return err
			}
			keys = append(keys, By(KeyPackage, pkgID))
		} else {
			tx.allow("every signed-in person may list policies; each is shown only to who may read its catalog")
		}
		all, err := tx.Policies().List(ctx, keys...)
		if err != nil {
			return err
		}
		cats := map[string]bool{}
		for _, p := range all {
			ok, seen := cats[p.CatalogID]
			if !seen {
				c, err := tx.Catalogs().Get(ctx, p.CatalogID)
				ok = err == nil && tx.can(ActReadPackage, catalogTarget(c))
				cats[p.CatalogID] = ok
			}
			if ok {
				out = append(out, p)
			}
		}
		return nil
	})
	return out, err
}

// ReplacePolicy replaces a policy as a whole (Graph's PUT). Requests already made keep the
// version they were made under (POL-9); the package cannot change.
func (s *Service) ReplacePolicy(ctx context.Context, who Actor, id string, next Policy, pkgID string) (Policy, error) {
	return update(ctx, s, who,
		func(tx *op) (Policy, error) { p, _, err := policyAs(ctx, tx, ActManagePolicy, id); return p, err },
		func(tx *op, pol *Policy) error {
			if pkgID != "" && pkgID != pol.PackageID {
				return invalid("a policy cannot move to another access package; accessPackage.id must stay '%s'", pol.PackageID)
			}
			return s.revisePolicy(ctx, tx, pol, next)
		},
		func(tx *op, pol *Policy) error { return tx.Policies().Put(ctx, pol) })
}

// UpdatePolicy changes a policy (Graph's PATCH): change is applied to the stored policy
// inside the transaction, and re-applied to the fresh one when a concurrent writer got
// there first, so concurrent edits of different properties all land. Id, package,
// catalog and creation time are kept; the result is validated and versioned as
// ReplacePolicy does (POL-9).
func (s *Service) UpdatePolicy(ctx context.Context, who Actor, id string, change func(*Policy) error) (Policy, error) {
	return update(ctx, s, who,
		func(tx *op) (Policy, error) { p, _, err := policyAs(ctx, tx, ActManagePolicy, id); return p, err },
		func(tx *op, pol *Policy) error {
			next := *pol
			if err := change(&next); err != nil {
				return err
			}
			return s.revisePolicy(ctx, tx, pol, next)
		},
		func(tx *op, pol *Policy) error { return tx.Policies().Put(ctx, pol) })
}

// revisePolicy makes next the new content of the stored policy pol: what cannot change is
// taken from pol, and next is validated and checked as a new policy would be.
func (s *Service) revisePolicy(ctx context.Context, tx *op, pol *Policy, next Policy) error {
	now := tx.now
	n := next
	n.Revision, n.ID, n.PackageID, n.CatalogID, n.CreatedDateTime, n.ModifiedDateTime = pol.Revision, pol.ID, pol.PackageID, pol.CatalogID, pol.CreatedDateTime, now
	if err := n.Validate(now, s.ids); err != nil {
		return err
	}
	c, err := tx.Catalogs().Get(ctx, pol.CatalogID)
	if err != nil {
		return err
	}
	if err := s.checkPolicy(ctx, tx, n, catalogTarget(c)); err != nil {
		return err
	}
	*pol = n
	return nil
}

// DeletePolicy deletes a policy. (AP-4: a policy that an active assignment uses cannot be
// deleted; assignments arrive with the request lifecycle.)
func (s *Service) DeletePolicy(ctx context.Context, who Actor, id string) error {
	return s.write(ctx, who, func(tx *op) error {
		pol, _, err := policyAs(ctx, tx, ActManagePolicy, id)
		if err != nil {
			return err
		}
		if err := refuseIfAssigned(ctx, tx, KeyPolicy, id, "assignment policy '"+pol.DisplayName+"'"); err != nil {
			return err // AP-4
		}
		return tx.Policies().Delete(ctx, id)
	})
}

// PolicyAtVersion returns a policy as it was at a version (POL-9).
func (s *Service) PolicyAtVersion(ctx context.Context, who Actor, id string, version int64) (Policy, error) {
	var pol Policy
	err := s.read(ctx, who, func(tx *op) error {
		if _, _, err := policyAs(ctx, tx, ActReadPackage, id); err != nil {
			return err
		}
		var err error
		pol, err = tx.PolicyVersion(ctx, id, version)
		return err
	})
	return pol, err
}

// PolicyAudiences says in words, for each policy of a package by id, who may request
// through it (Policy.Audience, with users, groups and organizations named), to whoever
// may read the package.
func (s *Service) PolicyAudiences(ctx context.Context, who Actor, pkgID string) (map[string]string, error) {
	out := map[string]string{}
	err := s.read(ctx, who, func(tx *op) error {
		if _, _, err := packageAs(ctx, tx, ActReadPackage, pkgID); err != nil {
			return err
		}
		pols, err := tx.Policies().List(ctx, By(KeyPackage, pkgID))
		if err != nil {
			return err
		}
		names := subjectNames(ctx, tx)
		for i := range pols {
			out[pols[i].ID] = pols[i].Audience(names)
		}
		return nil
	})
	return out, err
}
