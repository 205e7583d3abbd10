package access

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Drift is one difference a reconcile found between a target and the ledger (ASG-6):
// KindMissing, a role Bestow delivered that the target lacks; KindUnexpected, a member
// nothing in Bestow wants and who was not there before Bestow (RES-7).
type Drift struct {
	ResourceID          string `json:"resourceId"`
	ResourceDisplayName string `json:"resourceDisplayName"`
	OriginID            string `json:"originId"`
	RoleOriginID        string `json:"roleOriginId"`
	UserID              string `json:"userId,omitempty"`
	UserPrincipalName   string `json:"userPrincipalName,omitempty"`
	Mail                string `json:"mail,omitempty"`
	Kind                string `json:"kind"`
	Repaired            bool   `json:"repaired"`
}

// Kinds of drift.
const (
	DriftMissing    = "missing"
	DriftUnexpected = "unexpected"
)

// reconcileRole is one resource role of a connector, with what the ledger wants of it.
type reconcileRole struct {
	resource Resource
	role     ResourceRole
	entries  []LedgerEntry
	subjects map[string]User // the entries' subjects
}

// ReconcileConnector compares the members of every role of a connector's resources with
// the ledger (ASG-6) and returns the differences. Missing roles are marked drifted on their
// assignments; with repair (or the connector's reconcile setting repair) they are granted
// again and unexpected members removed. Global and Identity Governance administrators.
func (s *Service) ReconcileConnector(ctx context.Context, who Actor, id string, repair bool) ([]Drift, error) {
	c, err := s.connectorAs(ctx, who, ActManageConnectors, id)
	if err != nil {
		return nil, err
	}
	return s.reconcile(ctx, c, repair || c.Reconcile == ReconcileRepair)
}

// ReconcileAll reconciles every connector as its reconcile setting says: the periodic
// reconcile the worker runs. It returns how many differences it found and the first
// connector's error, going on with the others.
func (s *Service) ReconcileAll(ctx context.Context) (int, error) {
	var list []ConnectorConfig
	if err := s.systemRead(ctx, func(tx Tx) error {
		var err error
		list, err = tx.Connectors().List(ctx)
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	var first error
	for _, c := range list {
		drift, err := s.reconcile(ctx, c, c.Reconcile == ReconcileRepair)
		n += len(drift)
		if err != nil && first == nil {
			first = fmt.Errorf("reconcile %s: %w", c.ID, err)
		}
	}
	return n, first
}

func (s *Service) reconcile(ctx context.Context, c ConnectorConfig, repair bool) ([]Drift, error) {
	t, err := s.reach()
	if err != nil {
		return nil, err
	}
	roles, err := s.reconcileRoles(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	var out []Drift
	for _, rr := range roles {
		members, err := t.Members(ctx, c, rr.resource.OriginID, rr.role.OriginID) // outside any transaction
		if err != nil {
			return out, fmt.Errorf("members of %s (%s): %w", rr.resource.DisplayName, rr.role.DisplayName, err)
		}
		drift, err := s.compare(ctx, c, rr, members, repair)
		out = append(out, drift...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// reconcileRoles reads the roles of a connector's resources (each target group once,
// whichever catalogs hold it) with their ledger entries and the entries' subjects.
func (s *Service) reconcileRoles(ctx context.Context, system string) ([]reconcileRole, error) {
	var out []reconcileRole
	err := s.systemRead(ctx, func(tx Tx) error {
		out = nil
		rs, err := tx.Resources().List(ctx, ByPrefix(KeyOrigin, OriginKey(system, "")))
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, r := range rs {
			if r.OriginSystem != system || seen[r.OriginID] {
				continue
			}
			seen[r.OriginID] = true
			for _, role := range r.Roles {
				entries, err := tx.Ledger().List(ctx, By(KeyRole, RoleKey(system, r.OriginID, role.OriginID)))
				if err != nil {
					return err
				}
				rr := reconcileRole{resource: r, role: role, entries: entries, subjects: map[string]User{}}
				for _, e := range entries {
					if u, err := tx.Users().Get(ctx, e.SubjectID); err == nil {
						rr.subjects[u.ID] = u
					}
				}
				out = append(out, rr)
			}
		}
		return nil
	})
	return out, err
}

// compare finds the drift of one role and records it in one transaction.
func (s *Service) compare(ctx context.Context, c ConnectorConfig, rr reconcileRole, members []SubjectRef, repair bool) ([]Drift, error) {
	byKey := map[string][]int{} // a member's keys (refKeys) → the members that have it
	for i, m := range members {
		for _, k := range refKeys(m.UserPrincipalName, m.Mail) {
			byKey[k] = append(byKey[k], i)
		}
	}
	known := map[int]bool{} // members that match an entry
	var out []Drift
	for _, e := range rr.entries {
		u, ok := rr.subjects[e.SubjectID]
		if !ok {
			continue
		}
		held := false
		for _, k := range refKeys(u.UserPrincipalName, u.Mail) {
			for _, i := range byKey[k] {
				held = true
				// A member is expected while an assignment wants the role or they held it
				// before Bestow; one Bestow revoked (or never delivered) is unexpected.
				known[i] = known[i] || e.Wanted() || e.PreExisting
			}
		}
		if e.Wanted() && e.Present && !e.Pending() && !held {
			out = append(out, Drift{ResourceID: rr.resource.ID, ResourceDisplayName: rr.resource.DisplayName, OriginID: rr.resource.OriginID,
				RoleOriginID: rr.role.OriginID, UserID: u.ID, UserPrincipalName: u.UserPrincipalName, Mail: u.Mail, Kind: DriftMissing, Repaired: repair})
		}
	}
	for i, m := range members {
		if !known[i] {
			out = append(out, Drift{ResourceID: rr.resource.ID, ResourceDisplayName: rr.resource.DisplayName, OriginID: rr.resource.OriginID,
				RoleOriginID: rr.role.OriginID, UserPrincipalName: m.UserPrincipalName, Mail: m.Mail, Kind: DriftUnexpected})
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	err := s.system(ctx, func(tx Tx) error {
		now := s.clock.Now()
		users := &userFinder{}
		for i := range out {
			d := &out[i]
			if d.Kind == DriftUnexpected {
				if err := s.unexpected(ctx, tx, users, c, rr, d, repair, now); err != nil {
					return err
				}
				continue
			}
			if err := s.missing(ctx, tx, c, rr, d, repair, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && repair {
		s.kick()
	}
	return out, err
}

// missing marks a role the target lost as drifted on its assignments, and with repair
// asks for it to be granted again.
func (s *Service) missing(ctx context.Context, tx Tx, c ConnectorConfig, rr reconcileRole, d *Drift, repair bool, now time.Time) error {
	e, err := tx.Ledger().Get(ctx, LedgerID(d.UserID, c.ID, rr.resource.OriginID, rr.role.OriginID))
	if IsKind(err, KindNotFound) {
		return nil // revoked and gone since the role was read
	} else if err != nil {
		return err
	}
	note := fmt.Sprintf("missing from %s '%s' in connector '%s' (found by reconcile on %s); reprocess the assignment to restore it",
		strings.ToLower(rr.role.DisplayName), rr.resource.DisplayName, c.ID, now.UTC().Format(time.RFC3339))
	if !e.drift(note, now) {
		return nil
	}
	if repair {
		e.reapply(now)
	}
	if err := tx.Ledger().Put(ctx, &e); err != nil {
		return err
	}
	return s.settleSources(ctx, tx, &e, now)
}

// unexpected records a member nothing wants. Only a member whose ledger entry says Bestow
// had the role and took it away (or never gave it) is removed with repair: the entry is
// marked present again, and the worker revokes it. A member Bestow has no record of — put
// there by someone else, or there before Bestow knew the person — is reported, never
// removed.
func (s *Service) unexpected(ctx context.Context, tx Tx, users *userFinder, c ConnectorConfig, rr reconcileRole, d *Drift, repair bool, now time.Time) error {
	u, err := users.find(ctx, tx, SubjectRef{UserPrincipalName: d.UserPrincipalName, Mail: d.Mail})
	if err != nil || u == nil {
		return err
	}
	d.UserID = u.ID
	e, err := tx.Ledger().Get(ctx, LedgerID(u.ID, c.ID, rr.resource.OriginID, rr.role.OriginID))
	if IsKind(err, KindNotFound) || err == nil && (e.Wanted() || e.PreExisting) {
		return nil
	} else if err != nil {
		return err
	}
	if !repair {
		return nil
	}
	e.Present, e.Drifted, e.DriftNote = true, nil, ""
	e.reschedule(now)
	d.Repaired = true
	return tx.Ledger().Put(ctx, &e)
}

// settleSources moves the assignments that want an entry to their new state.
func (s *Service) settleSources(ctx context.Context, tx Tx, e *LedgerEntry, now time.Time) error {
	for _, id := range e.Sources {
		a, err := tx.Assignments().Get(ctx, id)
		if IsKind(err, KindNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if err := s.settle(ctx, tx, &a, nil, now); err != nil {
			return err
		}
		if err := tx.Assignments().Put(ctx, &a); err != nil {
			return err
		}
	}
	return nil
}

// refKeys are the case-folded keys a person is matched by across systems: their
// userPrincipalName and their mail.
func refKeys(upn, mail string) []string {
	var out []string
	if upn != "" {
		out = append(out, "upn:"+strings.ToLower(upn))
	}
	if mail != "" {
		out = append(out, "mail:"+strings.ToLower(mail))
	}
	return out
}

// userFinder finds the Bestow users a target names, by userPrincipalName (an index) or
// else mail. Users have no index by mail yet (#11), so it reads the live users once, the
// first time it needs one by mail, and answers the rest from memory.
type userFinder struct {
	byMail map[string]*User
}

// find returns the user ref names, or nil when there is none.
func (f *userFinder) find(ctx context.Context, tx Tx, ref SubjectRef) (*User, error) {
	if ref.UserPrincipalName != "" {
		list, err := tx.Users().List(ctx, By(KeyUPN, strings.ToLower(ref.UserPrincipalName)))
		if err != nil {
			return nil, err
		}
		if len(list) > 0 {
			return &list[0], nil
		}
	}
	if ref.Mail == "" {
		return nil, nil
	}
	if f.byMail == nil {
		all, err := tx.Users().List(ctx, By(KeyState, "live"))
		if err != nil {
			return nil, err
		}
		f.byMail = make(map[string]*User, len(all))
		for i := range all {
			if all[i].Mail != "" {
				f.byMail[strings.ToLower(all[i].Mail)] = &all[i]
			}
		}
	}
	return f.byMail[strings.ToLower(ref.Mail)], nil
}
