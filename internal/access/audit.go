package access

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// The audit log (RPT-2): every change a store commits is recorded, in the same
// transaction, as one AuditEntry. The store writes the entries itself (Put, Delete, Relate,
// Unrelate, AddIncompatible, RemoveIncompatible), so no use case can forget to; it learns
// who acts from WithActor and when from WithTime. Nothing in Bestow changes or deletes an
// entry.

// AuditEntry is one recorded change.
type AuditEntry struct {
	ID         string          `json:"id"`         // increasing in the order the entries were written
	Time       time.Time       `json:"dateTime"`   // when, by the service's clock
	ActorID    string          `json:"actorId"`    // the user who made the change; "" for Bestow itself
	ActorName  string          `json:"actorName"`  // their display name at the time; "Bestow" for the system
	Action     string          `json:"action"`     // AuditCreate, AuditUpdate, ...
	ObjectType string          `json:"objectType"` // AuditUser, AuditPackage, ...
	ObjectID   string          `json:"objectId"`   // the object's id; for relations, the group's or package's
	Before     json.RawMessage `json:"before"`     // the stored object before the change; null on create
	After      json.RawMessage `json:"after"`      // the stored object after the change; null on delete
}

// The actions of audit entries.
const (
	AuditCreate   = "create"
	AuditUpdate   = "update"
	AuditDelete   = "delete"
	AuditRelate   = "relate"   // a member or owner added to a group, an incompatibility recorded
	AuditUnrelate = "unrelate" // and removed
)

// AuditActions lists the actions of audit entries.
var AuditActions = []string{AuditCreate, AuditUpdate, AuditDelete, AuditRelate, AuditUnrelate}

// The object types of audit entries: the singular of the API collection the object is
// served from. Ledger entries and the mail outbox are not audited: they are delivery
// bookkeeping that requests, assignments and the outbox report themselves.
const (
	AuditUser                  = "user"
	AuditGroup                 = "group"
	AuditGroupMember           = "groupMember" // object id: the group; before/after: the relation
	AuditGroupOwner            = "groupOwner"
	AuditServicePrincipal      = "servicePrincipal"
	AuditAppRoleAssignment     = "appRoleAssignment"
	AuditSite                  = "site"
	AuditSiteRoleAssignment    = "siteRoleAssignment"
	AuditConnectedOrganization = "connectedOrganization"
	AuditCatalog               = "catalog"
	AuditResource              = "resource"
	AuditResourceRequest       = "resourceRequest"
	AuditPackage               = "accessPackage"
	AuditRoleScope             = "resourceRoleScope"
	AuditIncompatiblePackage   = "incompatibleAccessPackage" // object id: the package
	AuditIncompatibleGroup     = "incompatibleGroup"
	AuditPolicy                = "assignmentPolicy"
	AuditRequest               = "assignmentRequest"
	AuditAssignment            = "assignment"
	AuditRoleAssignment        = "roleAssignment"
	AuditToken                 = "token" // recorded without the token's hash
	AuditSettings              = "settings"
	AuditConnector             = "connector"               // recorded without its secrets
	AuditCustomExtension       = "customWorkflowExtension" // recorded without its secret
)

// AuditObjectTypes lists the object types of audit entries.
var AuditObjectTypes = []string{AuditUser, AuditGroup, AuditGroupMember, AuditGroupOwner, AuditServicePrincipal,
	AuditAppRoleAssignment, AuditSite, AuditSiteRoleAssignment, AuditConnectedOrganization, AuditCatalog,
	AuditResource, AuditResourceRequest, AuditPackage, AuditRoleScope, AuditIncompatiblePackage,
	AuditIncompatibleGroup, AuditPolicy, AuditRequest, AuditAssignment, AuditRoleAssignment, AuditToken,
	AuditSettings, AuditConnector, AuditCustomExtension}

// AuditQuery selects audit entries: every set field must match. Since is inclusive,
// Until exclusive. Entries come ordered by time, then id; Offset skips, Limit (when > 0)
// bounds how many are returned.
type AuditQuery struct {
	ActorID    string
	ObjectType string
	ObjectID   string
	Action     string
	Since      *time.Time
	Until      *time.Time
	Limit      int
	Offset     int
}

// Validate checks the query's values.
func (q AuditQuery) Validate() error {
	if q.Action != "" && !slices.Contains(AuditActions, q.Action) {
		return invalid("action '%s' is not an audit action; use one of create, update, delete, relate, unrelate", q.Action)
	}
	if q.ObjectType != "" && !slices.Contains(AuditObjectTypes, q.ObjectType) {
		return invalid("objectType '%s' is not an audited object type; use one of %s", q.ObjectType, strings.Join(AuditObjectTypes, ", "))
	}
	if q.Limit < 0 || q.Offset < 0 {
		return invalid("the limit and offset of an audit query cannot be negative")
	}
	return nil
}

// Audit returns the audit entries that q selects (RPT-2). Reading the audit log is a
// tenant-wide right (ActReadAudit).
func (s *Service) Audit(ctx context.Context, who Actor, q AuditQuery) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.read(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActReadAudit, Target{}); err != nil {
			return err
		}
		if err := q.Validate(); err != nil {
			return err
		}
		var err error
		out, err = tx.AuditLog(ctx, q)
		return err
	})
	return out, err
}

type actorCtxKey struct{}
type timeCtxKey struct{}

// WithActor returns ctx carrying who: the store records it as the author of the changes
// made under ctx.
func WithActor(ctx context.Context, who Actor) context.Context {
	return context.WithValue(ctx, actorCtxKey{}, who)
}

// ActorFrom returns the actor that ctx carries, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	who, ok := ctx.Value(actorCtxKey{}).(Actor)
	return who, ok
}

// WithTime returns ctx carrying the time of the changes made under it (the service's
// clock), which the store records in the audit log.
func WithTime(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, timeCtxKey{}, t)
}

// TimeFrom returns the time that ctx carries, if any.
func TimeFrom(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(timeCtxKey{}).(time.Time)
	return t, ok
}
