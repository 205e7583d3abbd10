package access

import (
	"context"
	"strings"
	"time"
)

// CreateUser adds a user to the directory. Zero fields get Graph's defaults: userType
// Member. The caller decides accountEnabled (Graph's default is true).
func (s *Service) CreateUser(ctx context.Context, who Actor, u User) (User, error) {
	u.ID, u.Version, u.DeletedDateTime = s.ids.NewID(), 0, nil
	u.CreatedDateTime = s.clock.Now()
	u.ManagerID, u.SponsorIDs, u.SubjectLifecycle = "", nil, ""
	if u.UserType == "" {
		u.UserType = UserTypeMember
	}
	return u, s.write(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
			return err
		}
		if err := u.Validate(); err != nil {
			return err
		}
		return tx.Users().Put(ctx, &u)
	})
}

// lookupUser finds a live user by id or userPrincipalName.
func lookupUser(ctx context.Context, tx Tx, idOrUPN string) (User, error) {
	var u User
	var err error
	if strings.Contains(idOrUPN, "@") {
		var list []User
		list, err = tx.Users().List(ctx, By(KeyUPN, strings.ToLower(idOrUPN)))
		if err == nil && len(list) == 0 {
			err = notFound("user", idOrUPN)
		}
		if err == nil {
			u = list[0]
		}
	} else {
		u, err = tx.Users().Get(ctx, idOrUPN)
	}
	if err != nil {
		return User{}, err
	}
	if u.Deleted() {
		return User{}, Ec(KindNotFound, "ResourceNotFound", "user '%s' is deleted; restore it through /v1.0/directory/deletedItems/%s/restore", idOrUPN, u.ID)
	}
	return u, nil
}

// GetUser returns a live user by id or userPrincipalName.
func (s *Service) GetUser(ctx context.Context, who Actor, idOrUPN string) (User, error) {
	var u User
	err := s.read(ctx, who, func(tx *op) error {
		var err error
		u, err = readableUser(ctx, tx, idOrUPN)
		return err
	})
	return u, err
}

// readableUser finds a live user the caller may read: themselves, or anyone when they may
// read the directory. A caller who may not gets the same answer for every id (Forbidden,
// naming what would allow it), so nothing about other accounts leaks.
func readableUser(ctx context.Context, tx *op, idOrUPN string) (User, error) {
	u, err := lookupUser(ctx, tx, idOrUPN)
	if err == nil && tx.self(u.ID) {
		return u, nil
	}
	if aerr := tx.authorize(ActReadDirectory, Target{}); aerr != nil {
		return User{}, aerr
	}
	return u, err
}

// ListUsers returns the live users (deleted=false) or the soft-deleted ones (deleted=true),
// optionally only those matching keys (KeyUPN, compared case-insensitively).
func (s *Service) ListUsers(ctx context.Context, who Actor, deleted bool, keys ...Key) ([]User, error) {
	var out []User
	err := s.read(ctx, who, func(tx *op) error {
		if err := readDirectory(tx, deleted); err != nil {
			return err
		}
		for i := range keys {
			if keys[i].Name == KeyUPN {
				keys[i].Value = strings.ToLower(keys[i].Value)
			}
		}
		all, err := tx.Users().List(ctx, append(keys, byState(deleted))...)
		for _, u := range all {
			if listed(u.DeletedDateTime, deleted, tx.now) {
				out = append(out, u)
			}
		}
		return err
	})
	return out, err
}

// ListUsersWindow returns one window of the live users, ordered by id, and how many
// there are in all: a page without reading the whole directory.
func (s *Service) ListUsersWindow(ctx context.Context, who Actor, w Window) ([]User, int, error) {
	var out []User
	var total int
	err := s.read(ctx, who, func(tx *op) error {
		err := tx.authorize(ActReadDirectory, Target{})
		if err != nil {
			return err
		}
		if total, err = tx.Users().Count(ctx, By(KeyState, "live")); err != nil {
			return err
		}
		out, err = tx.Users().Slice(ctx, w, By(KeyState, "live"))
		return err
	})
	return out, total, err
}

// UpdateUser changes a live user: change edits a copy; read-only properties (id, times,
// relationships, the subject lifecycle of SetSubjectLifecycle) are kept as stored.
func (s *Service) UpdateUser(ctx context.Context, who Actor, id string, change func(*User) error) (User, error) {
	return update(ctx, s, who,
		func(tx *op) (User, error) { return manageableUser(ctx, tx, id, "change") },
		func(_ *op, u *User) error {
			keep := *u
			if err := change(u); err != nil {
				return err
			}
			u.Revision, u.ID, u.CreatedDateTime, u.DeletedDateTime = keep.Revision, keep.ID, keep.CreatedDateTime, keep.DeletedDateTime
			u.ManagerID, u.SponsorIDs, u.SubjectLifecycle = keep.ManagerID, keep.SponsorIDs, keep.SubjectLifecycle
			return u.Validate()
		},
		func(tx *op, u *User) error { return tx.Users().Put(ctx, u) })
}

// manageableUser finds a live user the caller may change with verb: they may manage the
// directory, and the user is not more privileged than they are (SEC-1).
func manageableUser(ctx context.Context, tx *op, id, verb string) (User, error) {
	if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
		return User{}, err
	}
	u, err := lookupUser(ctx, tx, id)
	if err != nil {
		return User{}, err
	}
	return u, tx.guardAccount(ctx, u.ID, u.UserPrincipalName, verb)
}

// DeleteUser soft-deletes a user: it can be restored for 30 days (ASG-4).
func (s *Service) DeleteUser(ctx context.Context, who Actor, id string) error {
	_, err := update(ctx, s, who,
		func(tx *op) (User, error) { return manageableUser(ctx, tx, id, "delete") },
		func(tx *op, u *User) error { now := tx.now; u.DeletedDateTime = &now; return nil },
		func(tx *op, u *User) error { return tx.Users().Put(ctx, u) })
	return err
}

// readDirectory authorizes reading the directory: every member may read the live
// directory (as in Graph), but deleted users only someone whose tenant role reads the
// directory.
func readDirectory(tx *op, deleted bool) error {
	if err := tx.authorize(ActReadDirectory, Target{}); err != nil || !deleted || tx.who.System || tx.who.hasTenantRoleFor(ActReadDirectory) {
		return err
	}
	return Ec(KindForbidden, "Authorization_RequestDenied", "You are not allowed to read deleted users. Roles that allow it: %s.", strings.Join(tenantRolesFor(ActReadDirectory), ", "))
}

// purgeUser deletes user id for good: their access package assignments end (each with a
// systemRemove request saying why), then their memberships, role assignments and tokens
// go with them (ASG-4).
func (s *Service) purgeUser(ctx context.Context, tx Tx, id, why string, now time.Time) error {
	if err := s.endAssignmentsOf(ctx, tx, id, why, now); err != nil {
		return err
	}
	return purgeObject(ctx, tx, id, func() error { return tx.Users().Delete(ctx, id) })
}

// purgeObject removes every relation, role assignment and token of a directory object,
// then deletes it with del.
func purgeObject(ctx context.Context, tx Tx, id string, del func() error) error {
	for _, rel := range []Relation{RelMember, RelOwner} {
		err := removeEach(func() ([]string, error) { return tx.RelatedTo(ctx, id, rel) },
			func(g string) error { return tx.Unrelate(ctx, g, rel, id) })
		if err != nil {
			return err
		}
	}
	ras, err := tx.RoleAssignments().List(ctx, By(KeyPrincipal, id))
	if err != nil {
		return err
	}
	for _, ra := range ras {
		if err := tx.RoleAssignments().Delete(ctx, ra.ID); err != nil {
			return err
		}
	}
	toks, err := tx.Tokens().List(ctx, By(KeyUser, id))
	if err != nil {
		return err
	}
	for _, t := range toks {
		if err := tx.Tokens().Delete(ctx, t.ID); err != nil {
			return err
		}
	}
	return del()
}

// SetManager sets (managerID non-empty) or clears a user's manager.
func (s *Service) SetManager(ctx context.Context, who Actor, userID, managerID string) error {
	_, err := update(ctx, s, who,
		func(tx *op) (User, error) { return manageableUser(ctx, tx, userID, "change the manager of") },
		func(tx *op, u *User) error {
			if managerID == "" {
				if u.ManagerID == "" {
					return Ec(KindNotFound, "ResourceNotFound", "user '%s' has no manager", userID)
				}
				u.ManagerID = ""
				return nil
			}
			m, err := lookupUser(ctx, tx, managerID)
			if err != nil {
				return err
			}
			if m.ID == u.ID {
				return invalid("a user cannot be their own manager")
			}
			u.ManagerID = m.ID
			return nil
		},
		func(tx *op, u *User) error { return tx.Users().Put(ctx, u) })
	return err
}

// Manager returns the user's manager.
func (s *Service) Manager(ctx context.Context, who Actor, userID string) (User, error) {
	var m User
	err := s.read(ctx, who, func(tx *op) error {
		u, err := readableUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if u.ManagerID == "" {
			return Ec(KindNotFound, "ResourceNotFound", "user '%s' has no manager", userID)
		}
		m, err = lookupUser(ctx, tx, u.ManagerID) // readableUser let the caller read u: themselves, or anyone
		return err
	})
	return m, err
}

// DirectReports returns the users whose manager is userID.
func (s *Service) DirectReports(ctx context.Context, who Actor, userID string) ([]User, error) {
	var out []User
	err := s.read(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActReadDirectory, Target{}); err != nil {
			return err
		}
		m, err := lookupUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		all, err := tx.Users().List(ctx, By(KeyState, "live"))
		for _, u := range all {
			if u.ManagerID == m.ID {
				out = append(out, u)
			}
		}
		return err
	})
	return out, err
}

// AddSponsor adds a user or group as a sponsor of a user.
func (s *Service) AddSponsor(ctx context.Context, who Actor, userID, sponsorID string) error {
	return s.changeSponsors(ctx, who, userID, sponsorID, true)
}

// RemoveSponsor removes a sponsor of a user.
func (s *Service) RemoveSponsor(ctx context.Context, who Actor, userID, sponsorID string) error {
	return s.changeSponsors(ctx, who, userID, sponsorID, false)
}

func (s *Service) changeSponsors(ctx context.Context, who Actor, userID, sponsorID string, add bool) error {
	_, err := update(ctx, s, who,
		func(tx *op) (User, error) { return manageableUser(ctx, tx, userID, "change the sponsors of") },
		func(tx *op, u *User) error {
			i := indexOf(u.SponsorIDs, sponsorID)
			if !add {
				if i < 0 {
					return Ec(KindNotFound, "ResourceNotFound", "'%s' is not a sponsor of user '%s'", sponsorID, userID)
				}
				u.SponsorIDs = append(u.SponsorIDs[:i:i], u.SponsorIDs[i+1:]...)
				return nil
			}
			if i >= 0 {
				return Ec(KindConflict, "Conflict", "'%s' is already a sponsor of user '%s'", sponsorID, userID)
			}
			if _, err := directoryObject(ctx, tx, sponsorID); err != nil {
				return err
			}
			u.SponsorIDs = append(u.SponsorIDs, sponsorID)
			return nil
		},
		func(tx *op, u *User) error { return tx.Users().Put(ctx, u) })
	return err
}

// Sponsors returns the sponsors of a user as directory object references.
func (s *Service) Sponsors(ctx context.Context, who Actor, userID string) ([]DirectoryObject, error) {
	var out []DirectoryObject
	err := s.read(ctx, who, func(tx *op) error {
		u, err := readableUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		for _, id := range u.SponsorIDs {
			if o, err := directoryObject(ctx, tx, id); err == nil {
				out = append(out, o)
			}
		}
		return nil
	})
	return out, err
}

// directoryObject finds a live user, group or service principal by id: soft-deleted users
// and groups are not found.
func directoryObject(ctx context.Context, tx Tx, id string) (DirectoryObject, error) {
	if u, err := tx.Users().Get(ctx, id); err == nil && !u.Deleted() {
		return DirectoryObject{ID: id, Type: TypeUser, Object: u}, nil
	}
	if g, err := tx.Groups().Get(ctx, id); err == nil && !g.Deleted() {
		return DirectoryObject{ID: id, Type: TypeGroup, Object: g}, nil
	}
	if sp, err := tx.ServicePrincipals().Get(ctx, id); err == nil {
		return DirectoryObject{ID: id, Type: TypeServicePrincipal, Object: sp}, nil
	}
	return DirectoryObject{}, Ec(KindNotFound, "ResourceNotFound", "directory object '%s' does not exist (no user, group or service principal has that id)", id)
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
