package access

import (
	"context"
	"fmt"
	"strings"
)

// Check is one step of deciding whether a user may request a package (TRB-1): its name,
// whether it passed, what was found, and what to do when it failed.
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
	// Code is the error code a request gets when this check fails.
	Code string `json:"-"`
}

// Check names, in the order they are evaluated.
const (
	CheckSignIn        = "signInAllowed"
	CheckDeleted       = "userNotDeleted"
	CheckCatalog       = "catalogPublished"
	CheckExternal      = "catalogOpenToExternalUsers"
	CheckPolicy        = "policyInScope"
	CheckHidden        = "packageVisible"
	CheckApprovers     = "approversAvailable"
	CheckSoD           = "separationOfDuties"
	CheckExisting      = "noExistingAssignment"
	CheckPendingAlread = "noPendingRequest"
)

// Evaluation is the outcome of the checks for a user and a package.
type Evaluation struct {
	User     User
	Package  Package
	Catalog  Catalog
	Checks   []Check
	Policies []Policy // the applicable policies (POL-10), best rank only
}

// Passed reports whether every check passed.
func (ev *Evaluation) Passed() bool { return ev.Failed() == nil }

// Failed returns the first failed check, or nil.
func (ev *Evaluation) Failed() *Check {
	for i := range ev.Checks {
		if !ev.Checks[i].Passed {
			return &ev.Checks[i]
		}
	}
	return nil
}

// Err returns the first failed check as an error whose message names the check and the
// fix, or nil.
func (ev *Evaluation) Err() error {
	c := ev.Failed()
	if c == nil {
		return nil
	}
	kind := KindInvalid
	if c.Name == CheckExisting || c.Name == CheckPendingAlread {
		kind = KindConflict
	}
	msg := c.Detail
	if c.Fix != "" {
		msg += "; " + c.Fix
	}
	return Ec(kind, c.Code, "%s", msg)
}

func (ev *Evaluation) add(c Check) { ev.Checks = append(ev.Checks, c) }

// evaluate runs every requestability check for a subject and a package (TRB-1). It does
// not stop at the first failure, so the troubleshooter can show them all.
func evaluate(ctx context.Context, tx Tx, sub Subject, p Package, c Catalog) (Evaluation, error) {
	ev := Evaluation{User: sub.User, Package: p, Catalog: c}
	u := sub.User
	ev.add(Check{Name: CheckDeleted, Passed: !u.Deleted(), Code: "UserDeleted",
		Detail: cond(u.Deleted(), fmt.Sprintf("user '%s' is deleted", u.UserPrincipalName), "the user exists"),
		Fix:    "restore the user from deleted items within 30 days"})
	ev.add(Check{Name: CheckSignIn, Passed: u.AccountEnabled, Code: "UserBlockedFromSignIn",
		Detail: cond(!u.AccountEnabled, fmt.Sprintf("user '%s' is blocked from signing in (accountEnabled is false), so they cannot request access (REQ-2)", u.UserPrincipalName), "sign-in is allowed"),
		Fix:    "an administrator sets accountEnabled to true (PATCH /v1.0/users/{id})"})
	ev.add(Check{Name: CheckCatalog, Passed: c.State == CatalogPublished, Code: "CatalogNotPublished",
		Detail: cond(c.State != CatalogPublished, fmt.Sprintf("catalog '%s' is %s, so its packages take no requests", c.DisplayName, c.State), fmt.Sprintf("catalog '%s' is published", c.DisplayName)),
		Fix:    fmt.Sprintf("a catalog owner sets catalog '%s' to published", c.DisplayName)})
	if u.IsGuest() {
		ev.add(Check{Name: CheckExternal, Passed: c.IsExternallyVisible, Code: "CatalogNotExternallyVisible",
			Detail: cond(!c.IsExternallyVisible, fmt.Sprintf("catalog '%s' is not enabled for external users, and '%s' is a guest", c.DisplayName, u.UserPrincipalName), "the catalog is enabled for external users"),
			Fix:    fmt.Sprintf("a catalog owner sets isExternallyVisible on catalog '%s'", c.DisplayName)})
	}
	pols, err := tx.Policies().List(ctx, By(KeyPackage, p.ID))
	if err != nil {
		return ev, err
	}
	ev.Policies = ApplicablePolicies(pols, sub)
	ev.add(policyCheck(pols, ev.Policies, sub))
	ev.add(Check{Name: CheckHidden, Passed: true,
		Detail: cond(p.IsHidden, "the package is hidden: it is not listed, but can be requested through its portal link "+p.PortalPath(), "the package is listed for users in scope")})
	if len(ev.Policies) > 0 {
		ev.add(approverCheck(ctx, tx, ev.Policies, sub))
	}
	sod, err := sodCheck(ctx, tx, p, sub)
	if err != nil {
		return ev, err
	}
	ev.add(sod)
	return ev, existingChecks(ctx, tx, &ev, p, u)
}

// policyCheck explains whether some policy lets the subject request (POL-1, POL-8, POL-10,
// REQ-3, EXT-1), and if not, why not for each policy.
func policyCheck(all, applicable []Policy, sub Subject) Check {
	c := Check{Name: CheckPolicy, Code: "NoApplicablePolicy"}
	if len(applicable) > 0 {
		var names []string
		for _, p := range applicable {
			names = append(names, "'"+p.DisplayName+"'")
		}
		c.Passed, c.Detail = true, "can request through "+strings.Join(names, ", ")
		return c
	}
	u := sub.User
	var why []string
	for _, p := range all {
		switch closed := p.closed(); {
		case closed != "":
			why = append(why, fmt.Sprintf("'%s' %s", p.DisplayName, closed))
		case !p.Covers(sub):
			why = append(why, fmt.Sprintf("'%s' (%s) does not include %s", p.DisplayName, p.AllowedTargetScope, describe(sub)))
		}
	}
	if len(all) == 0 {
		why = append(why, "the package has no assignment policy")
	}
	c.Detail = fmt.Sprintf("no policy of this package lets '%s' request it: %s", u.UserPrincipalName, strings.Join(why, "; "))
	c.Fix = "an access package manager adds the user (or a group they are in, or their connected organization) to a policy, or enables one"
	if u.IsGuest() && sub.Org == nil {
		c.Fix = fmt.Sprintf("the domain '%s' belongs to no connected organization: an administrator adds one with that domain (EXT-1), or a policy for all users", u.Domain())
	}
	return c
}

// who describes a subject for messages.
func describe(sub Subject) string {
	u := sub.User
	switch {
	case !u.IsGuest():
		return fmt.Sprintf("member '%s'", u.UserPrincipalName)
	case sub.Org != nil:
		return fmt.Sprintf("guest '%s' of connected organization '%s' (%s)", u.UserPrincipalName, sub.Org.DisplayName, sub.Org.State)
	}
	return fmt.Sprintf("guest '%s' (no connected organization)", u.UserPrincipalName)
}

// approverCheck makes sure the first approval stage of each applicable policy has an
// approver other than the requestor (POL-3, POL-11).
func approverCheck(ctx context.Context, tx Tx, pols []Policy, sub Subject) Check {
	c := Check{Name: CheckApprovers, Passed: true, Detail: "no approval needed, or approvers are available", Code: "NoApprovers"}
	l := lookupIn(ctx, tx)
	for _, p := range pols {
		st := p.RequestApprovalSettings
		if !st.IsApprovalRequiredForAdd || len(st.Stages) == 0 {
			continue
		}
		for i, stage := range st.Stages {
			if len(stage.Approvers(sub, l, false)) == 0 {
				c.Passed = false
				c.Detail = fmt.Sprintf("stage %d of policy '%s' has no approver for '%s' (nobody approves their own request, POL-11; a manager or sponsor may be missing)", i+1, p.DisplayName, sub.User.UserPrincipalName)
				c.Fix = "an access package manager adds fallback approvers to that stage, or an administrator sets the user's manager or sponsors"
				return c
			}
		}
	}
	return c
}

// sodCheck refuses a package that is incompatible with a package the subject holds or a
// group they are in (POL-12). Incompatibility between packages counts in both directions.
func sodCheck(ctx context.Context, tx Tx, p Package, sub Subject) (Check, error) {
	c := Check{Name: CheckSoD, Passed: true, Detail: "no incompatible access", Code: "IncompatibleAccess"}
	groups, err := tx.Incompatible(ctx, p.ID, IncompatibleGroup)
	if err != nil {
		return c, err
	}
	for _, g := range groups {
		if sub.inGroup(g) {
			name := g
			if grp, err := tx.Groups().Get(ctx, g); err == nil {
				name = grp.DisplayName
			}
			c.Passed = false
			c.Detail = fmt.Sprintf("'%s' is a member of group '%s', which is incompatible with access package '%s' (separation of duties, POL-12)", sub.User.UserPrincipalName, name, p.DisplayName)
			c.Fix = "leave that group first, or ask for an exception package"
			return c, nil
		}
	}
	fwd, err := tx.Incompatible(ctx, p.ID, IncompatiblePackage)
	if err != nil {
		return c, err
	}
	back, err := tx.IncompatibleWith(ctx, IncompatiblePackage, p.ID)
	if err != nil {
		return c, err
	}
	held, err := tx.Assignments().List(ctx, By(KeyTarget, sub.User.ID), By(KeyActive, "1"))
	if err != nil {
		return c, err
	}
	for _, a := range held {
		if indexOf(fwd, a.PackageID) >= 0 || indexOf(back, a.PackageID) >= 0 {
			name := a.PackageID
			if other, err := tx.Packages().Get(ctx, a.PackageID); err == nil {
				name = other.DisplayName
			}
			c.Passed = false
			c.Detail = fmt.Sprintf("'%s' has access package '%s', which is incompatible with '%s' (separation of duties, POL-12)", sub.User.UserPrincipalName, name, p.DisplayName)
			c.Fix = fmt.Sprintf("give up '%s' first, or ask for an exception package", name)
			return c, nil
		}
	}
	return c, nil
}

// existingChecks refuse a second assignment or a second pending request for the same
// package.
func existingChecks(ctx context.Context, tx Tx, ev *Evaluation, p Package, u User) error {
	held, err := tx.Assignments().List(ctx, By(KeyTarget, u.ID), By(KeyActive, "1"))
	if err != nil {
		return err
	}
	c := Check{Name: CheckExisting, Passed: true, Detail: "no assignment of this package yet", Code: "ExistingAssignment"}
	for _, a := range held {
		if a.PackageID == p.ID {
			c.Passed = false
			c.Detail = fmt.Sprintf("'%s' already has access package '%s' (assignment %s, %s)", u.UserPrincipalName, p.DisplayName, a.ID, a.State)
			c.Fix = "extend the existing assignment (requestType userUpdate) instead of requesting it again"
		}
	}
	ev.add(c)
	reqs, err := tx.Requests().List(ctx, By(KeyTarget, u.ID), By(KeyPackage, p.ID))
	if err != nil {
		return err
	}
	c = Check{Name: CheckPendingAlread, Passed: true, Detail: "no pending request for this package", Code: "PendingRequestExists"}
	for _, r := range reqs {
		if r.IsAdd() && r.Pending() {
			c.Passed = false
			c.Detail = fmt.Sprintf("'%s' already has a pending request for '%s' (request %s, %s)", u.UserPrincipalName, p.DisplayName, r.ID, r.State)
			c.Fix = "wait for that request to be decided, or cancel it first"
		}
	}
	ev.add(c)
	return nil
}

// lookupIn answers approver-resolution questions from a transaction (errors read as
// "nobody"): a soft-deleted group's members approve nothing while it is deleted.
func lookupIn(ctx context.Context, tx Tx) Lookup {
	return Lookup{
		Members: func(g string) []string { ids, _ := membersOf(ctx, tx, g, RelMember); return ids },
		Manager: func(u string) string {
			x, err := tx.Users().Get(ctx, u)
			if err != nil {
				return ""
			}
			return x.ManagerID
		},
		Sponsors: func(u string) []string {
			x, err := tx.Users().Get(ctx, u)
			if err != nil {
				return nil
			}
			return x.SponsorIDs
		},
		OrgSponsors: func(o string, external bool) []string {
			org, err := tx.ConnectedOrganizations().Get(ctx, o)
			if err != nil {
				return nil
			}
			if external {
				return org.ExternalSponsorIDs
			}
			return org.InternalSponsorIDs
		},
		// A deleted group is still a group (so its id is not taken for a user's), with no
		// members while deleted (membersOf).
		IsGroup: func(id string) bool { _, err := tx.Groups().Get(ctx, id); return err == nil },
	}
}

func cond(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}
