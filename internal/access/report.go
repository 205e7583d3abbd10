package access

import (
	"context"
	"fmt"
	"sort"
)

// roleHolders lists who holds one role of a resource, and why.
func (rp *reporter) roleHolders(r Resource, role ResourceRole) (RoleHolders, error) {
	ctx, tx := rp.ctx, rp.tx
	out := RoleHolders{Role: ReportRole{role.OriginID, role.DisplayName}, Holders: []RoleHolder{}}
	entries, err := tx.Ledger().List(ctx, By(KeyRole, RoleKey(r.OriginSystem, r.OriginID, role.OriginID)))
	if err != nil {
		return out, err
	}
	known := map[string]bool{}
	for i := range entries {
		e := &entries[i]
		known[e.SubjectID] = true
		var held []Grounds
		for _, src := range e.Sources {
			a, err := rp.assignment(src)
			if err != nil {
				return out, err
			}
			if a == nil || !a.Active() || a.TargetID != e.SubjectID {
				continue
			}
			if _, ok, err := rp.catalog(a.CatalogID); err != nil {
				return out, err
			} else if !ok {
				continue
			}
			g, err := rp.byAssignment(a, e)
			if err != nil {
				return out, err
			}
			held = append(held, g)
		}
		if e.PreExisting {
			held = append(held, Grounds{Via: ViaPreExisting, DeliveryState: preExistingState(e)})
		}
		if len(held) == 0 {
			continue
		}
		u, err := rp.user(e.SubjectID)
		if err != nil {
			return out, err
		}
		for _, g := range held {
			out.Holders = append(out.Holders, RoleHolder{User: u, Grounds: g})
		}
	}
	// A built-in group's members and owners are in the directory: those the ledger does not
	// know hold the role with no package behind it (RES-7), as PreExistingMembers lists them.
	users, err := roleHolders(rp.ctx, rp.tx, r, role, nil)
	if err != nil {
		return out, err
	}
	for _, u := range users {
		if !known[u.ID] {
			out.Holders = append(out.Holders, RoleHolder{User: reportUser(u), Grounds: Grounds{Via: ViaPreExisting, DeliveryState: RolePresent}})
		}
	}
	sort.SliceStable(out.Holders, func(i, j int) bool {
		a, b := &out.Holders[i], &out.Holders[j]
		if a.User.DisplayName != b.User.DisplayName {
			return a.User.DisplayName < b.User.DisplayName
		}
		if a.User.ID != b.User.ID {
			return a.User.ID < b.User.ID
		}
		return a.Grounds.less(&b.Grounds)
	})
	return out, nil
}

// reporter reads what a report shows inside its transaction, each object once, and decides
// which catalogs' assignments the caller may see.
type reporter struct {
	ctx   context.Context
	tx    *op
	all   bool // the caller sees every catalog: their own report, or a tenant-wide reader
	cats  map[string]catalogView
	res   map[string][]Resource // origin key → the catalog resources for it
	pkgs  map[string]*ReportRef
	pols  map[string]*ReportRef
	users map[string]ReportUser
	asgs  map[string]*Assignment
}

type catalogView struct {
	c  Catalog
	ok bool
}

// newReporter returns a reporter for the caller of tx; self says the report is the
// caller's own. The gate has decided when it returns.
func newReporter(ctx context.Context, tx *op, self bool) *reporter {
	rp := &reporter{ctx: ctx, tx: tx, all: self, cats: map[string]catalogView{}, res: map[string][]Resource{},
		pkgs: map[string]*ReportRef{}, pols: map[string]*ReportRef{}, users: map[string]ReportUser{}, asgs: map[string]*Assignment{}}
	if !self {
		rp.all = tx.can(ActReadAssignments, Target{})
	}
	return rp
}

// catalog returns a catalog and whether the caller may see its assignments.
func (rp *reporter) catalog(id string) (Catalog, bool, error) {
	if v, ok := rp.cats[id]; ok {
		return v.c, v.ok, nil
	}
	c, err := rp.tx.Catalogs().Get(rp.ctx, id)
	if IsKind(err, KindNotFound) {
		rp.cats[id] = catalogView{}
		return Catalog{}, false, nil
	} else if err != nil {
		return Catalog{}, false, err
	}
	v := catalogView{c: c, ok: rp.all || rp.tx.can(ActReadAssignments, catalogTarget(c))}
	rp.cats[id] = v
	return v.c, v.ok, nil
}

// resources returns the catalog resources that stand for one object of a target system,
// in every catalog that holds it.
func (rp *reporter) resources(system, originID string) ([]Resource, error) {
	key := OriginKey(system, originID)
	if list, ok := rp.res[key]; ok {
		return list, nil
	}
	list, err := rp.tx.Resources().List(rp.ctx, By(KeyOrigin, key))
	if err != nil {
		return nil, err
	}
	rp.res[key] = list
	return list, nil
}

// resourceIn returns the resource and role of a ledger entry as catalog catalogID holds
// them, or as the entry recorded them when the catalog no longer does.
func (rp *reporter) resourceIn(catalogID string, e *LedgerEntry) (ReportResource, ReportRole, error) {
	list, err := rp.resources(e.OriginSystem, e.ResourceOriginID)
	if err != nil {
		return ReportResource{}, ReportRole{}, err
	}
	for _, r := range list {
		if r.CatalogID == catalogID {
			return reportResource(r), roleOf(r, e.RoleOriginID, e.RoleDisplayName), nil
		}
	}
	return ReportResource{DisplayName: e.ResourceDisplayName, OriginSystem: e.OriginSystem, OriginID: e.ResourceOriginID},
		ReportRole{e.RoleOriginID, e.RoleDisplayName}, nil
}

// preExisting appends a pre-existing holding of a role for every catalog resource that
// offers it in a catalog the caller may see. A built-in group that is deleted offers
// nothing.
func (rp *reporter) preExisting(out []Holding, system, originID, roleOriginID, state string) ([]Holding, error) {
	list, err := rp.resources(system, originID)
	if err != nil || len(list) == 0 {
		return out, err
	}
	if system == OriginGroup {
		if _, err := lookupGroup(rp.ctx, rp.tx, originID); IsKind(err, KindNotFound) {
			return out, nil
		} else if err != nil {
			return out, err
		}
	}
	for _, r := range list {
		role, ok := r.Role(roleOriginID)
		if !ok {
			continue // a dynamic group offers no Member role
		}
		c, ok, err := rp.catalog(r.CatalogID)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, Holding{Resource: reportResource(r), Role: ReportRole{role.OriginID, role.DisplayName},
				Catalog: ReportRef{c.ID, c.DisplayName}, Grounds: Grounds{Via: ViaPreExisting, DeliveryState: state}})
		}
	}
	return out, nil
}

// byAssignment returns the grounds of a role that an active assignment wants.
func (rp *reporter) byAssignment(a *Assignment, e *LedgerEntry) (Grounds, error) {
	ra := reportAssignment(a)
	g := Grounds{Via: ViaAssignment, Assignment: &ra, DeliveryState: roleState(*e)}
	var err error
	if g.Package, err = named(rp.pkgs, a.PackageID, func() (string, error) {
		p, err := rp.tx.Packages().Get(rp.ctx, a.PackageID)
		return p.DisplayName, err
	}); err != nil {
		return g, err
	}
	if g.Policy, err = named(rp.pols, a.PolicyID, func() (string, error) {
		p, err := rp.tx.Policies().Get(rp.ctx, a.PolicyID)
		return p.DisplayName, err
	}); err != nil {
		return g, err
	}
	if a.RequestID == "" {
		return g, nil
	}
	r, err := rp.tx.Requests().Get(rp.ctx, a.RequestID)
	if IsKind(err, KindNotFound) {
		return g, nil
	} else if err != nil {
		return g, err
	}
	g.Request = &ReportRequest{ID: r.ID, RequestType: r.RequestType, CreatedDateTime: r.CreatedDateTime, CompletedDateTime: r.CompletedDateTime}
	if r.RequestorID != "" {
		u, err := rp.user(r.RequestorID)
		if err != nil {
			return g, err
		}
		g.Request.Requestor = &ReportRef{u.ID, u.DisplayName}
	}
	return g, nil
}

// named returns the reference to an object by id from cache, or loads its display name;
// an object that is gone is named by its id alone.
func named(cache map[string]*ReportRef, id string, load func() (string, error)) (*ReportRef, error) {
	if ref, ok := cache[id]; ok {
		return ref, nil
	}
	name, err := load()
	if err != nil && !IsKind(err, KindNotFound) {
		return nil, err
	}
	ref := &ReportRef{ID: id, DisplayName: name}
	cache[id] = ref
	return ref, nil
}

// user returns a user as stored (a soft-deleted one too: their assignments stay, ASG-4).
func (rp *reporter) user(id string) (ReportUser, error) {
	if u, ok := rp.users[id]; ok {
		return u, nil
	}
	u, err := rp.tx.Users().Get(rp.ctx, id)
	if IsKind(err, KindNotFound) {
		u, err = User{ID: id}, nil
	} else if err != nil {
		return ReportUser{}, err
	}
	rp.users[id] = reportUser(u)
	return rp.users[id], nil
}

// assignment returns an assignment by id, or nil when it is gone.
func (rp *reporter) assignment(id string) (*Assignment, error) {
	if a, ok := rp.asgs[id]; ok {
		return a, nil
	}
	a, err := rp.tx.Assignments().Get(rp.ctx, id)
	if IsKind(err, KindNotFound) {
		rp.asgs[id] = nil
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	rp.asgs[id] = &a
	return &a, nil
}

// preExistingState is where a role the ledger marks pre-existing stands.
func preExistingState(e *LedgerEntry) string {
	if e.Present {
		return RolePresent
	}
	return roleState(*e)
}

// subjectNames names the users, groups and connected organizations of policies for people.
func subjectNames(ctx context.Context, tx Tx) func(kind, id string) string {
	return func(kind, id string) string {
		switch kind {
		case SubjectSingleUser:
			if u, err := tx.Users().Get(ctx, id); err == nil {
				return fmt.Sprintf("'%s' (%s)", u.DisplayName, u.UserPrincipalName)
			}
		case SubjectGroupMembers:
			if g, err := tx.Groups().Get(ctx, id); err == nil {
				return "'" + g.DisplayName + "'"
			}
		case SubjectConnectedOrgMembers:
			if o, err := tx.ConnectedOrganizations().Get(ctx, id); err == nil {
				return "'" + o.DisplayName + "'"
			}
		}
		return "'" + id + "'"
	}
}

func reportUser(u User) ReportUser {
	return ReportUser{ID: u.ID, DisplayName: u.DisplayName, UserPrincipalName: u.UserPrincipalName}
}

func reportResource(r Resource) ReportResource {
	return ReportResource{ID: r.ID, DisplayName: r.DisplayName, OriginSystem: r.OriginSystem, OriginID: r.OriginID}
}

func reportAssignment(a *Assignment) ReportAssignment {
	return ReportAssignment{ID: a.ID, State: a.State, StartDateTime: a.Start, EndDateTime: a.End}
}

// roleOf names a role of r by origin id, with the name a ledger entry recorded when r no
// longer has it.
func roleOf(r Resource, originID, recorded string) ReportRole {
	if role, ok := r.Role(originID); ok {
		return ReportRole{role.OriginID, role.DisplayName}
	}
	return ReportRole{originID, recorded}
}

// less orders holdings by resource, role, catalog, then grounds.
func (h *Holding) less(o *Holding) bool {
	switch {
	case h.Resource.DisplayName != o.Resource.DisplayName:
		return h.Resource.DisplayName < o.Resource.DisplayName
	case h.Role.DisplayName != o.Role.DisplayName:
		return h.Role.DisplayName < o.Role.DisplayName
	case h.Catalog.DisplayName != o.Catalog.DisplayName:
		return h.Catalog.DisplayName < o.Catalog.DisplayName
	}
	return h.Grounds.less(&o.Grounds)
}

// less orders grounds: assignments first, by package name and assignment id, then
// pre-existing.
func (g *Grounds) less(o *Grounds) bool {
	if g.Via != o.Via {
		return g.Via == ViaAssignment
	}
	if g.Package != nil && o.Package != nil && g.Package.DisplayName != o.Package.DisplayName {
		return g.Package.DisplayName < o.Package.DisplayName
	}
	if g.Assignment != nil && o.Assignment != nil {
		return g.Assignment.ID < o.Assignment.ID
	}
	return false
}
