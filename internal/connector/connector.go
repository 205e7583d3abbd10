// Package connector is the contract between Bestow's delivery worker and the systems it
// provisions (DESIGN §5). A connector implements the small required interface, Connector;
// what else a target can do it offers through optional interfaces that the worker finds
// with a type assertion (dex's connector/connector.go is the model).
//
// Connectors and the worker talk only through access types: access.RoleGrant names a
// subject and a resource role, access.DeliveryResult is the answer.
package connector

import (
	"context"

	"github.com/bestowhq/bestow/internal/access"
)

// Connector delivers resource roles into one target system. Grant and Revoke are
// idempotent: granting a role the subject has, or revoking one they lack, succeeds with
// AlreadyDone. An error of access.KindTransient (or any error that is not an
// *access.Error) is retried with backoff; any other kind ends the role's delivery at once
// with the error as its reason (REQ-8).
type Connector interface {
	Grant(ctx context.Context, g access.RoleGrant) (access.DeliveryResult, error)
	Revoke(ctx context.Context, g access.RoleGrant) (access.DeliveryResult, error)
}

// Registry maps an origin system (the originSystem of a catalog resource: AadGroup,
// AadApplication, SharePointOnline, or a configured connector's id) to the connector that
// delivers its roles.
type Registry map[string]Connector

// The optional capabilities. The worker, the reconcile and the catalog screens find them
// with a type assertion; a connector offers what its target can do.

// ResourceSource describes what a catalog can take from the target system: its groups,
// each with the roles a package can grant (every connector of groups offers Member, and
// Owner where the target manages owners). A connector describes its own resources and
// roles; nothing outside it parses their ids.
type ResourceSource interface {
	// Groups lists the groups whose name contains search (all of them, up to a page, for
	// ""), for an administrator choosing what to add to a catalog.
	Groups(ctx context.Context, search string) ([]Resource, error)
	// Resolve describes one group, by the originId an administrator gave (a DN for LDAP,
	// an id for SCIM). It returns an *access.Error of KindNotFound when there is none.
	Resolve(ctx context.Context, originID string) (Resource, error)
}

// Resource is a group (or other object) of a target system, as a catalog resource: its
// originId is how the target names it and never changes while it exists.
type Resource struct {
	OriginID    string
	DisplayName string
	Description string
	Roles       []Role
}

// Role is a role of a Resource that a package can grant; its OriginID is what the
// connector receives back as RoleGrant.RoleOriginID.
type Role struct {
	OriginID    string
	DisplayName string
	Description string
}

// The roles of a group, as connectors of groups name them.
const (
	RoleMember = "Member"
	RoleOwner  = "Owner"
)

// MemberLister lists who holds a role in the target, for drift detection (ASG-6) and for
// the members a resource had before Bestow governed it (RES-7). Each member is named by
// the properties the connector can map back to a Bestow user (mail or userPrincipalName);
// members it cannot map are left out.
type MemberLister interface {
	Members(ctx context.Context, resourceOriginID, roleOriginID string) ([]access.SubjectRef, error)
}

// Batcher applies many changes to the target at once (an LDAP modify with many values, a
// SCIM PATCH with many operations). Outcomes are in the order of the changes; a connector
// isolates a change that fails so that the others still succeed.
type Batcher interface {
	Apply(ctx context.Context, changes []Change) []Outcome
}

// Change is one grant (Add) or revocation in a batch.
type Change struct {
	Grant access.RoleGrant
	Add   bool
}

// Outcome is the result of one Change, as Grant or Revoke would have returned it.
type Outcome struct {
	Result access.DeliveryResult
	Err    error
}

// Tester checks that the connector can reach its target with its settings: a bad URL, a
// refused bind or an unreachable host each return an error that says what is wrong.
type Tester interface {
	Test(ctx context.Context) error
}
