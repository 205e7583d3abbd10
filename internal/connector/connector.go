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
