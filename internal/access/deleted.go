package access

import (
	"context"
	"fmt"
	"time"
)

// Deleted items (ASG-4). Deleting a user or a group soft-deletes it: it gets a
// deletedDateTime and moves to the directory's deleted items, where it can be restored,
// with everything it had, for RestoreWindow; after that the sweep deletes it for good. While
// it is deleted it counts for nothing: a deleted user cannot sign in, and the members of a
// deleted group are no members for any rule (groupsOf, membersOf). Users and groups share
// the rules below; what differs (who may read them, what a purge takes away) is said where
// it differs.

// RestoreWindow is how long a deleted user or group can be restored (ASG-4).
const RestoreWindow = 30 * 24 * time.Hour

// restorable reports whether an object deleted at deleted can still be restored at now:
// it is soft-deleted and the restore window has not passed.
func restorable(deleted *time.Time, now time.Time) bool {
	return deleted != nil && now.Sub(*deleted) <= RestoreWindow
}

// listed reports whether an object deleted at deleted (nil: live) belongs in a listing of
// the live objects (deleted=false) or of the deleted items (deleted=true) at now.
func listed(deleted *time.Time, wantDeleted bool, now time.Time) bool {
	if wantDeleted {
		return restorable(deleted, now)
	}
	return deleted == nil
}

// byState selects the live users or groups (deleted=false) or the soft-deleted ones.
func byState(deleted bool) Key {
	if deleted {
		return By(KeyState, "deleted")
	}
	return By(KeyState, "live")
}

// DeletedItem is an object in the directory's deleted items: a soft-deleted user or group
// that can still be restored. Exactly one of User and Group is set.
type DeletedItem struct {
	User  *User
	Group *Group
}

// Object returns the user or the group.
func (d DeletedItem) Object() any {
	if d.User != nil {
		return *d.User
	}
	return *d.Group
}

// ODataType returns the item's Graph type: #microsoft.graph.user or #microsoft.graph.group.
func (d DeletedItem) ODataType() string {
	if d.User != nil {
		return "#microsoft.graph.user"
	}
	return "#microsoft.graph.group"
}

// deletedItem finds the soft-deleted user or group id while it can still be restored; any
// other id is NotFound, with a message that says why.
func deletedItem(ctx context.Context, tx *op, id string) (DeletedItem, error) {
	var d DeletedItem
	var what string
	var deleted *time.Time
	if u, err := tx.Users().Get(ctx, id); err == nil {
		d.User, what, deleted = &u, "user", u.DeletedDateTime
	} else if !IsKind(err, KindNotFound) {
		return d, err
	} else if g, err := tx.Groups().Get(ctx, id); err == nil {
		d.Group, what, deleted = &g, "group", g.DeletedDateTime
	} else if IsKind(err, KindNotFound) {
		return d, Ec(KindNotFound, "ResourceNotFound", "deleted item '%s' does not exist: no deleted user or group has that id", id)
	} else {
		return d, err
	}
	switch {
	case deleted == nil:
		return DeletedItem{}, Ec(KindNotFound, "ResourceNotFound", "%s '%s' is not deleted", what, id)
	case !restorable(deleted, tx.now):
		return DeletedItem{}, Ec(KindNotFound, "ResourceNotFound", "%s '%s' was deleted more than 30 days ago and can no longer be restored", what, id)
	}
	return d, nil
}

// manageableDeletedItem finds a deleted item the caller may restore or permanently delete
// (verb): they may manage the directory, the item is no more privileged than they are
// (SEC-1), and a role-assignable group only a Global Administrator touches (SEC-2).
func manageableDeletedItem(ctx context.Context, tx *op, id, verb string) (DeletedItem, error) {
	if err := tx.authorize(ActManageDirectory, Target{}); err != nil {
		return DeletedItem{}, err
	}
	switch d, err := deletedItem(ctx, tx, id); {
	case err != nil:
		return DeletedItem{}, err
	case d.User != nil:
		return d, tx.guardAccount(ctx, d.User.ID, d.User.UserPrincipalName, verb)
	default:
		return d, guardGroup(ctx, tx, *d.Group, verb)
	}
}

// removeEach removes, with remove, each id that list returns, and stops at the first error:
// how a purge takes away what refers to the purged object, each removal audited.
func removeEach(list func() ([]string, error), remove func(id string) error) error {
	ids, err := list()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := remove(id); err != nil {
			return err
		}
	}
	return nil
}

// idsOf returns the id of each value, as id reads it.
func idsOf[T any](list []T, id func(T) string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = id(v)
	}
	return out
}

// GetDeletedItem returns a soft-deleted user or group within the restore window. Deleted
// users are shown to those whose tenant role reads the directory; deleted groups to those
// who may delete groups (manage the directory). Anyone else is refused before the id is
// looked at, so the answer does not tell them whether it exists.
func (s *Service) GetDeletedItem(ctx context.Context, who Actor, id string) (DeletedItem, error) {
	var d DeletedItem
	err := s.read(ctx, who, func(tx *op) error {
		if err := readDirectory(tx, true); err != nil {
			return err
		}
		var err error
		if d, err = deletedItem(ctx, tx, id); err != nil || d.Group == nil {
			return err
		}
		return tx.authorize(ActManageDirectory, Target{})
	})
	if err != nil {
		return DeletedItem{}, err
	}
	return d, nil
}

// RestoreDeletedItem brings back a soft-deleted user or group with everything it had
// (ASG-4): a user's assignments, memberships and roles; a group's members, owners, roles
// and the policies and approver sets that name it.
func (s *Service) RestoreDeletedItem(ctx context.Context, who Actor, id string) (DeletedItem, error) {
	return update(ctx, s, who,
		func(tx *op) (DeletedItem, error) { return manageableDeletedItem(ctx, tx, id, "restore") },
		func(_ *op, d *DeletedItem) error {
			if d.User != nil {
				d.User.DeletedDateTime = nil
			} else {
				d.Group.DeletedDateTime = nil
			}
			return nil
		},
		func(tx *op, d *DeletedItem) error {
			if d.User != nil {
				return tx.Users().Put(ctx, d.User)
			}
			return tx.Groups().Put(ctx, d.Group)
		})
}

// PurgeDeletedItem deletes a soft-deleted user or group for good, without waiting for the
// restore window to pass: a user's assignments end and their memberships, role
// assignments and tokens go (purgeUser); a group goes with its members, owners, roles and
// separation-of-duties links (purgeGroup).
func (s *Service) PurgeDeletedItem(ctx context.Context, who Actor, id string) error {
	return s.write(ctx, who, func(tx *op) error {
		d, err := manageableDeletedItem(ctx, tx, id, "permanently delete")
		if err != nil {
			return err
		}
		if d.User != nil {
			return s.purgeUser(ctx, tx, id, "the user was permanently deleted", tx.now)
		}
		return purgeGroup(ctx, tx, id)
	})
}

// purgeExpired is the sweep's part of ASG-4: it deletes for good the users and groups
// deleted longer ago than the restore window, each in its own transaction. A user's
// assignments end, which revokes their access; until then a deleted user keeps every
// assignment, and restoring them changes nothing. It returns how many it purged.
func (s *Service) purgeExpired(ctx context.Context) (int, error) {
	now := s.clock.Now()
	var users, groups []string
	err := s.systemRead(ctx, func(tx Tx) error {
		us, err := tx.Users().List(ctx, byState(true))
		if err != nil {
			return err
		}
		for _, u := range us {
			if !restorable(u.DeletedDateTime, now) {
				users = append(users, u.ID)
			}
		}
		gs, err := tx.Groups().List(ctx, byState(true))
		for _, g := range gs {
			if !restorable(g.DeletedDateTime, now) {
				groups = append(groups, g.ID)
			}
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	purge := func(what, id string, fn func(Tx) error) error {
		if err := s.system(ctx, fn); err != nil && !IsKind(err, KindNotFound) {
			return fmt.Errorf("purge deleted %s %s: %w", what, id, err)
		}
		return nil
	}
	for _, id := range users {
		if err := purge("user", id, func(tx Tx) error {
			return s.purgeUser(ctx, tx, id, "the user was deleted more than 30 days ago", now)
		}); err != nil {
			return 0, err
		}
	}
	for _, id := range groups {
		if err := purge("group", id, func(tx Tx) error { return purgeGroup(ctx, tx, id) }); err != nil {
			return 0, err
		}
	}
	return len(users) + len(groups), nil
}
