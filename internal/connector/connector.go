// Package connector is the contract between Bestow's delivery worker and the systems it
// provisions (DESIGN §5). A connector implements the small required interface, Connector;
// what else a target can do it offers through optional interfaces that the worker finds
// with a type assertion (dex's connector/connector.go is the model).
//
// Connectors and the worker talk only through access types: access.RoleGrant names a
// subject and a resource role, access.DeliveryResult is the answer.
package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

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

// Source finds the connector that delivers the roles of an origin system (the
// originSystem of a catalog resource: AadGroup, AadApplication, SharePointOnline, or a
// configured connector's id). An origin system nobody delivers gives NoConnector's error.
type Source interface {
	Lookup(ctx context.Context, originSystem string) (Connector, error)
}

// Registry is a fixed Source: a map from origin systems to connectors.
type Registry map[string]Connector

// Lookup implements Source.
func (r Registry) Lookup(_ context.Context, originSystem string) (Connector, error) {
	if c, ok := r[originSystem]; ok {
		return c, nil
	}
	return nil, NoConnector(originSystem)
}

// NoConnector is the error for an origin system no connector delivers: permanent, since
// retrying does not help until someone configures one.
func NoConnector(originSystem string) error {
	return access.Ec(access.KindFailedPrecondition, "NoConnector",
		"no connector delivers roles of origin system '%s'; configure one", originSystem)
}

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
type Resource = access.TargetResource

// Role is a role of a Resource that a package can grant; its OriginID is what the
// connector receives back as RoleGrant.RoleOriginID.
type Role = access.TargetRole

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

// DecodeSettings fills settings (a pointer to a connector type's settings struct with JSON tags)
// from a configured connector's settings and secrets. A setting the struct does not know
// is an error that names it.
func DecodeSettings(cfg access.ConnectorConfig, settings any) error {
	all := map[string]any{}
	for k, v := range cfg.Settings {
		all[k] = v
	}
	for k, v := range cfg.Secrets {
		all[k] = v
	}
	doc, err := json.Marshal(all)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(settings); err != nil {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		return access.Ec(access.KindInvalid, "InvalidSettings", "settings of connector '%s' (%s): %s", cfg.ID, cfg.Type, msg)
	}
	return nil
}

// Build is the factory of a connector type: it decodes a configured connector's settings
// into S (DecodeSettings) and builds the connector with build, which checks them.
func Build[S any, C Connector](c access.ConnectorConfig, build func(S) (C, error)) (Connector, error) {
	var s S
	if err := DecodeSettings(c, &s); err != nil {
		return nil, err
	}
	conn, err := build(s)
	if err != nil {
		return nil, access.Ec(access.KindInvalid, "InvalidSettings", "settings of connector '%s': %v", c.ID, err)
	}
	return conn, nil
}
