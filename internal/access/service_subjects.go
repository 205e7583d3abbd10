package access

import "context"

// Subjects (Graph's accessPackageSubject): a user as entitlement management sees them,
// addressed by object id as subjects(objectId='…'). Assignments and requests target users
// only, so every subject is a user of the directory.

// GetSubject returns the user objectID as a subject, with the connected organization they
// belong to. The caller may read it when it is themselves, when they may read assignments
// tenant-wide, or when they may see a request or an assignment for that user (the rule of
// the target and requestor expansions). A caller with no right to read assignments
// anywhere gets Forbidden for every id but their own; one with a catalog role gets NotFound
// for a user who is unknown or not visible to them alike, so nothing about other catalogs
// leaks. A soft-deleted user is returned as stored.
func (s *Service) GetSubject(ctx context.Context, who Actor, objectID string) (User, *ConnectedOrganization, error) {
	var u User
	var org *ConnectedOrganization
	err := s.read(ctx, who, func(tx *op) error {
		if err := subjectVisible(ctx, tx, objectID); err != nil {
			return err
		}
		var err error
		u, org, err = subjectUser(ctx, tx, objectID)
		if IsKind(err, KindNotFound) {
			return notFound("access package subject", objectID)
		}
		return err
	})
	return u, org, err
}

// subjectVisible decides whether the caller may read the subject objectID (GetSubject).
func subjectVisible(ctx context.Context, tx *op, objectID string) error {
	if tx.self(objectID) || tx.can(ActReadAssignments, Target{}) {
		return nil
	}
	if !tx.who.MayAnywhere(ActReadAssignments) {
		return tx.authorize(ActReadAssignments, Target{})
	}
	asgs, err := tx.Assignments().List(ctx, By(KeyTarget, objectID))
	if err != nil {
		return err
	}
	reqs, err := tx.Requests().List(ctx, By(KeyTarget, objectID))
	if err != nil {
		return err
	}
	if some(asgs, func(a *Assignment) bool { return canSeeAssignment(ctx, tx, a) }) ||
		some(reqs, func(r *Request) bool { return canSeeRequest(ctx, tx, r) }) {
		return nil
	}
	return notFound("access package subject", objectID)
}

// SetSubjectLifecycle changes the subject lifecycle of the guest objectID and returns the
// user. Only a tenant-wide role that changes entitlement management's settings may
// (Global, Identity Governance or User Administrator: the lifecycle decides whether the
// settings' external-user lifecycle applies to the user), and not for an account more
// privileged than theirs (SEC-1). value is called once the caller is authorized and
// returns what they sent, or an error about their body; it must be notDefined,
// notGoverned or governed. Members (userType Member) have no subject lifecycle: Graph
// defines it for guests. Errors: Forbidden, NotFound (unknown or deleted user), Invalid.
func (s *Service) SetSubjectLifecycle(ctx context.Context, who Actor, objectID string, value func() (string, error)) (User, error) {
	return update(ctx, s, who,
		func(tx *op) (User, error) {
			if err := tx.authorize(ActManageSettings, Target{}); err != nil {
				return User{}, err
			}
			u, err := lookupUser(ctx, tx, objectID)
			if err != nil {
				return User{}, err
			}
			return u, tx.guardAccount(ctx, u.ID, u.UserPrincipalName, "change the subject lifecycle of")
		},
		func(_ *op, u *User) error {
			v, err := value()
			if err != nil {
				return err
			}
			switch v {
			case LifecycleNotDefined, LifecycleNotGoverned, LifecycleGoverned:
			case "":
				return invalid("subjectLifecycle is required: notDefined, notGoverned or governed")
			default:
				return Ec(KindInvalid, "InvalidEnumValue", "subjectLifecycle '%s' is not valid: use notDefined, notGoverned or governed", v)
			}
			if !u.IsGuest() {
				return invalid("'%s' is a member (userType Member); subjectLifecycle applies to guests only", u.UserPrincipalName)
			}
			u.SubjectLifecycle = v
			if v == LifecycleNotDefined {
				u.SubjectLifecycle = ""
			}
			return nil
		},
		func(tx *op, u *User) error { return tx.Users().Put(ctx, u) })
}

// some reports whether ok holds for an element of list.
func some[T any](list []T, ok func(*T) bool) bool {
	for i := range list {
		if ok(&list[i]) {
			return true
		}
	}
	return false
}
