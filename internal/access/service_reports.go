package access

import (
	"context"
	"sort"
	"time"
)

// The reports of RPT-1, "how users got access": for a user, every resource role they hold
// or are being given and what stands behind it (UserAccess); for a package, who may
// request it and who has it (PackageAccess); for a catalog resource, who holds each of
// its roles and why (ResourceAccess). They read the grant ledger by subject and by role,
// assignments by target and by package, and the built-in directory's memberships, so a
// report costs what it shows, not what the tenant holds.
//
// Who may read them: whoever may read assignments in the catalog concerned
// (ActReadAssignments), and every user their own UserAccess. A user's report shows only
// the roles in catalogs whose assignments the caller may read.

// How a holding came about (Grounds.Via).
const (
	ViaAssignment  = "assignment"  // an active access package assignment wants the role
	ViaPreExisting = "preExisting" // the user held the role before Bestow, or no package governs it (RES-7)
)

// RolePresent is the delivery state of a pre-existing role that is in place: Bestow did not
// deliver it, the user holds it.
const RolePresent = "present"

// ReportRef names an object in a report.
type ReportRef struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// ReportUser names a user in a report.
type ReportUser struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
}

// ReportResource names a catalog resource in a report: its id in the catalog and the
// object of the target system it stands for.
type ReportResource struct {
	ID           string `json:"id"`
	DisplayName  string `json:"displayName"`
	OriginSystem string `json:"originSystem"`
	OriginID     string `json:"originId"`
}

// ReportRole names a resource role in a report.
type ReportRole struct {
	OriginID    string `json:"originId"`
	DisplayName string `json:"displayName"`
}

// ReportAssignment is an assignment in a report: its state and when it starts and ends
// (EndDateTime nil: never).
type ReportAssignment struct {
	ID            string     `json:"id"`
	State         string     `json:"state"`
	StartDateTime time.Time  `json:"startDateTime"`
	EndDateTime   *time.Time `json:"endDateTime"`
}

// ReportRequest is the request behind an assignment: the one that last changed it (the
// request that gave it, or a later extension). Requestor is nil when Bestow made it.
type ReportRequest struct {
	ID                string     `json:"id"`
	RequestType       string     `json:"requestType"`
	CreatedDateTime   time.Time  `json:"createdDateTime"`
	CompletedDateTime *time.Time `json:"completedDateTime"`
	Requestor         *ReportRef `json:"requestor"`
}

// Grounds say why someone holds a resource role: through an assignment (with its package,
// policy and request), or as pre-existing; and where its delivery stands (RoleDelivered,
// RoleDelivering, RoleFailed, RoleDrifted, or RolePresent for a pre-existing role).
type Grounds struct {
	Via           string            `json:"via"`
	Assignment    *ReportAssignment `json:"assignment,omitempty"`
	Package       *ReportRef        `json:"accessPackage,omitempty"`
	Policy        *ReportRef        `json:"policy,omitempty"`
	Request       *ReportRequest    `json:"request,omitempty"`
	DeliveryState string            `json:"deliveryState"`
}

// Holding is one resource role a user holds or is being given, in one catalog, on one
// ground: a role held through two packages is two holdings.
type Holding struct {
	Resource ReportResource `json:"resource"`
	Role     ReportRole     `json:"role"`
	Catalog  ReportRef      `json:"catalog"`
	Grounds
}

// UserAccess is the report of how a user got access (RPT-1).
type UserAccess struct {
	User  ReportUser `json:"user"`
	Value []Holding  `json:"value"`
}

// PolicyAudience is one policy of a package with who may request through it, in words.
type PolicyAudience struct {
	Policy   ReportRef `json:"policy"`
	Audience string    `json:"audience"`
}

// PackageHolder is one active assignment of a package.
type PackageHolder struct {
	User       ReportUser       `json:"user"`
	Assignment ReportAssignment `json:"assignment"`
	Policy     ReportRef        `json:"policy"`
}

// PackageAccess is the report of who may request a package and who has it (RPT-1).
// Holders is one window of the active assignments; HolderCount counts them all.
type PackageAccess struct {
	Package     ReportRef        `json:"accessPackage"`
	Catalog     ReportRef        `json:"catalog"`
	CanRequest  []PolicyAudience `json:"canRequest"`
	Holders     []PackageHolder  `json:"holders"`
	HolderCount int              `json:"holderCount"`
}

// RoleHolder is one person holding a resource role, on one ground.
type RoleHolder struct {
	User ReportUser `json:"user"`
	Grounds
}

// RoleHolders are the holders of one role of a resource.
type RoleHolders struct {
	Role    ReportRole   `json:"role"`
	Holders []RoleHolder `json:"holders"`
}

// ResourceAccess is the report of who holds each role of a catalog resource and why
// (RPT-1).
type ResourceAccess struct {
	Resource ReportResource `json:"resource"`
	Catalog  ReportRef      `json:"catalog"`
	Roles    []RoleHolders  `json:"roles"`
}

// UserAccess reports every resource role a user (id or userPrincipalName) holds or is being
// given (RPT-1): one holding per active assignment that wants it, with the package, policy,
// request and dates behind it, and one per catalog resource for a role the user held before
// Bestow (the ledger's pre-existing marker, RES-7) or holds in a built-in group that no
// assignment governs. Roles being revoked are not listed. Anyone may read their own report;
// for someone else's the caller needs to read assignments somewhere (else Forbidden, ADM-2),
// and sees the holdings of the catalogs where they may.
func (s *Service) UserAccess(ctx context.Context, who Actor, userIDOrUPN string) (UserAccess, error) {
	var out UserAccess
	err := s.read(ctx, who, func(tx *op) error {
		if userIDOrUPN == "" {
			if err := tx.authorizeAnywhere(ActReadAssignments); err != nil {
				return err
			}
			return invalid("say whose access to report: the user's id or userPrincipalName (?user=…)")
		}
		u, err := lookupUser(ctx, tx, userIDOrUPN)
		self := err == nil && tx.self(u.ID)
		if !self {
			if aerr := tx.authorizeAnywhere(ActReadAssignments); aerr != nil {
				return aerr
			}
			if err != nil {
				return err
			}
		}
		rp := newReporter(ctx, tx, self)
		out = UserAccess{User: reportUser(u), Value: []Holding{}}
		asgs, err := tx.Assignments().List(ctx, By(KeyTarget, u.ID), By(KeyActive, "1"))
		if err != nil {
			return err
		}
		active := map[string]*Assignment{}
		for i := range asgs {
			active[asgs[i].ID] = &asgs[i]
		}
		entries, err := tx.Ledger().List(ctx, By(KeyTarget, u.ID))
		if err != nil {
			return err
		}
		inLedger := map[string]bool{}
		for i := range entries {
			e := &entries[i]
			inLedger[e.ID] = true
			for _, src := range e.Sources {
				a, ok := active[src]
				if !ok {
					continue
				}
				c, ok, err := rp.catalog(a.CatalogID)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				res, role, err := rp.resourceIn(c.ID, e)
				if err != nil {
					return err
				}
				g, err := rp.byAssignment(a, e)
				if err != nil {
					return err
				}
				out.Value = append(out.Value, Holding{Resource: res, Role: role, Catalog: ReportRef{c.ID, c.DisplayName}, Grounds: g})
			}
			if e.PreExisting {
				if out.Value, err = rp.preExisting(out.Value, e.OriginSystem, e.ResourceOriginID, e.RoleOriginID, preExistingState(e)); err != nil {
					return err
				}
			}
		}
		// Built-in groups: a membership or ownership the ledger knows nothing about is one
		// no package governs (RES-7).
		for _, rel := range []Relation{RelMember, RelOwner} {
			groups, err := tx.RelatedTo(ctx, u.ID, rel)
			if err != nil {
				return err
			}
			for _, g := range groups {
				role := GroupRole(g, rel)
				if inLedger[LedgerID(u.ID, OriginGroup, g, role)] {
					continue
				}
				if out.Value, err = rp.preExisting(out.Value, OriginGroup, g, role, RolePresent); err != nil {
					return err
				}
			}
		}
		sort.SliceStable(out.Value, func(i, j int) bool { return out.Value[i].less(&out.Value[j]) })
		return nil
	})
	return out, err
}

// PackageAccess reports who may request a package and who has it (RPT-1): every policy
// with who may request through it, in words (Policy.Audience), and the window w of the
// package's active assignments (ordered by id; Limit 0 for all) with their count. The
// caller needs to read assignments in the package's catalog (NotFound for a package they
// cannot read at all, Forbidden naming the roles that would allow it otherwise).
func (s *Service) PackageAccess(ctx context.Context, who Actor, pkgID string, w Window) (PackageAccess, error) {
	var out PackageAccess
	err := s.read(ctx, who, func(tx *op) error {
		if pkgID == "" {
			if err := tx.authorizeAnywhere(ActReadAssignments); err != nil {
				return err
			}
			return invalid("say which access package to report: its id (?accessPackage=…)")
		}
		p, c, err := packageAs(ctx, tx, ActReadAssignments, pkgID)
		if err != nil {
			return err
		}
		out = PackageAccess{Package: ReportRef{p.ID, p.DisplayName}, Catalog: ReportRef{c.ID, c.DisplayName},
			CanRequest: []PolicyAudience{}, Holders: []PackageHolder{}}
		pols, err := tx.Policies().List(ctx, By(KeyPackage, p.ID))
		if err != nil {
			return err
		}
		names := subjectNames(ctx, tx)
		polRefs := map[string]ReportRef{}
		for i := range pols {
			polRefs[pols[i].ID] = ReportRef{pols[i].ID, pols[i].DisplayName}
			out.CanRequest = append(out.CanRequest, PolicyAudience{Policy: polRefs[pols[i].ID], Audience: pols[i].Audience(names)})
		}
		sort.SliceStable(out.CanRequest, func(i, j int) bool {
			return out.CanRequest[i].Policy.DisplayName < out.CanRequest[j].Policy.DisplayName
		})
		keys := []Key{By(KeyPackage, p.ID), By(KeyActive, "1")}
		if out.HolderCount, err = tx.Assignments().Count(ctx, keys...); err != nil {
			return err
		}
		page, err := tx.Assignments().Slice(ctx, w, keys...)
		if err != nil {
			return err
		}
		rp := newReporter(ctx, tx, false)
		for i := range page {
			a := &page[i]
			u, err := rp.user(a.TargetID)
			if err != nil {
				return err
			}
			pol, ok := polRefs[a.PolicyID]
			if !ok {
				pol = ReportRef{ID: a.PolicyID}
			}
			out.Holders = append(out.Holders, PackageHolder{User: u, Assignment: reportAssignment(a), Policy: pol})
		}
		return nil
	})
	return out, err
}

// ResourceAccess reports, for each role of a catalog resource, who holds it or is being
// given it and why (RPT-1): through which assignment (of this catalog's packages, or of
// another catalog holding the same object whose assignments the caller may read), or as
// pre-existing (the ledger's marker, and for a built-in group its members and owners that
// no assignment governs). The caller needs to read assignments in the resource's catalog.
func (s *Service) ResourceAccess(ctx context.Context, who Actor, resourceID string) (ResourceAccess, error) {
	var out ResourceAccess
	err := s.read(ctx, who, func(tx *op) error {
		if resourceID == "" {
			if err := tx.authorizeAnywhere(ActReadAssignments); err != nil {
				return err
			}
			return invalid("say which catalog resource to report: its id (?resource=…), as GET …/catalogs/{id}/resources lists them")
		}
		r, err := tx.Resources().Get(ctx, resourceID)
		if err != nil {
			return err
		}
		c, err := catalogAs(ctx, tx, ActReadAssignments, r.CatalogID)
		if err != nil {
			return err
		}
		rp := newReporter(ctx, tx, false)
		out = ResourceAccess{Resource: reportResource(r), Catalog: ReportRef{c.ID, c.DisplayName}, Roles: []RoleHolders{}}
		for _, role := range r.Roles {
			rh, err := rp.roleHolders(r, role)
			if err != nil {
				return err
			}
			out.Roles = append(out.Roles, rh)
		}
		return nil
	})
	return out, err
}
