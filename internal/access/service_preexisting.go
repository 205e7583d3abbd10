package access

import "context"

// PreExistingMember is someone who holds a role of a catalog resource that no access
// package governs for them (RES-7): they had it before Bestow, or were given it outside.
type PreExistingMember struct {
	UserID            string `json:"userId"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
	RoleOriginID      string `json:"roleOriginId"`
	RoleDisplayName   string `json:"roleDisplayName"`
}

// PreExistingMembers lists the users who hold a role of a catalog resource without an
// active assignment that grants it (RES-7), for someone who manages the catalog: after a
// resource with members joins a catalog, these are the people to assign directly. Members
// of a connector's group are read from its target and matched to users by
// userPrincipalName or mail; members Bestow does not know are left out.
func (s *Service) PreExistingMembers(ctx context.Context, who Actor, resourceID string) ([]PreExistingMember, error) {
	var r Resource
	var conn *ConnectorConfig
	err := s.read(ctx, who, func(tx *op) error {
		var err error
		if r, err = tx.Resources().Get(ctx, resourceID); err != nil {
			return err
		}
		if _, err := catalogAs(ctx, tx, ActManageCatalog, r.CatalogID); err != nil {
			return err
		}
		if r.OriginSystem == OriginApplication || r.OriginSystem == OriginSite {
			return Ec(KindInvalid, "NotSupported", "pre-existing members are listed for groups; '%s' is %s", r.DisplayName, r.OriginSystem)
		}
		if r.OriginSystem != OriginGroup {
			c, err := tx.Connectors().Get(ctx, r.OriginSystem)
			conn = &c
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	held := map[string][]SubjectRef{} // role origin id → who holds it, for a connector's group
	if conn != nil {
		t, err := s.reach()
		if err != nil {
			return nil, err
		}
		for _, role := range r.Roles {
			if held[role.OriginID], err = t.Members(ctx, *conn, r.OriginID, role.OriginID); err != nil { // outside any transaction
				return nil, err
			}
		}
	}
	var out []PreExistingMember
	err = s.read(ctx, who, func(tx *op) error {
		tx.allow("the caller's right to manage the catalog was checked when the resource was read")
		out = out[:0]
		for _, role := range r.Roles {
			users, err := roleHolders(ctx, tx, r, role, held[role.OriginID])
			if err != nil {
				return err
			}
			for _, u := range users {
				e, err := tx.Ledger().Get(ctx, LedgerID(u.ID, r.OriginSystem, r.OriginID, role.OriginID))
				if err == nil && e.Wanted() {
					continue // an assignment governs it
				} else if err != nil && !IsKind(err, KindNotFound) {
					return err
				}
				out = append(out, PreExistingMember{UserID: u.ID, UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName,
					RoleOriginID: role.OriginID, RoleDisplayName: role.DisplayName})
			}
		}
		return nil
	})
	return out, err
}

// roleHolders lists the users who hold a role: the members or owners of a built-in group,
// or the users the connector's members name.
func roleHolders(ctx context.Context, tx Tx, r Resource, role ResourceRole, refs []SubjectRef) ([]User, error) {
	var out []User
	if r.OriginSystem == OriginGroup {
		rel := RelMember
		if role.OriginID == GroupRole(r.OriginID, RelOwner) {
			rel = RelOwner
		}
		ids, err := tx.Related(ctx, r.OriginID, rel)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if u, err := tx.Users().Get(ctx, id); err == nil && !u.Deleted() {
				out = append(out, u)
			}
		}
		return out, nil
	}
	users := &userFinder{}
	for _, ref := range refs {
		u, err := users.find(ctx, tx, ref)
		if err != nil {
			return nil, err
		}
		if u != nil {
			out = append(out, *u)
		}
	}
	return out, nil
}

// AssignFailure is a member AssignPreExisting could not assign, and why.
type AssignFailure struct {
	UserPrincipalName string `json:"userPrincipalName"`
	Message           string `json:"message"`
}

// AssignPreExisting assigns every pre-existing member of a resource directly (RES-7):
// one adminAdd request each, to the package and policy given, as the caller (who must be
// allowed to assign it; each request passes every check a direct assignment does). It
// returns the requests made and the members it could not assign, each with the reason.
func (s *Service) AssignPreExisting(ctx context.Context, who Actor, resourceID, pkgID, policyID string) ([]Request, []AssignFailure, error) {
	members, err := s.PreExistingMembers(ctx, who, resourceID)
	if err != nil {
		return nil, nil, err
	}
	err = s.read(ctx, who, func(tx *op) error {
		p, _, err := packageAs(ctx, tx, ActManageAssignments, pkgID)
		if err != nil {
			return err
		}
		pol, err := tx.Policies().Get(ctx, policyID)
		if err == nil && pol.PackageID != p.ID {
			err = invalid("assignment policy '%s' is not a policy of access package '%s'", pol.DisplayName, p.DisplayName)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	var out []Request
	var failed []AssignFailure
	for _, m := range members {
		if seen[m.UserID] {
			continue
		}
		seen[m.UserID] = true
		r, err := s.SubmitRequest(ctx, who, RequestInput{RequestType: ReqAdminAdd, PackageID: pkgID, PolicyID: policyID, TargetID: m.UserID,
			Justification: "member before the resource joined the catalog (pre-existing)"})
		if err != nil {
			failed = append(failed, AssignFailure{UserPrincipalName: m.UserPrincipalName, Message: err.Error()})
			continue
		}
		out = append(out, r)
	}
	return out, failed, nil
}
