package access

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Store persists the domain. There are two implementations (sqlite, postgres) and one
// conformance suite (accesstest) that both pass.
type Store interface {
	// Read runs fn in a read-only transaction that sees one consistent snapshot.
	Read(ctx context.Context, fn func(Tx) error) error
	// Write runs fn in one write transaction and commits it when fn returns nil; any error
	// rolls everything back. fn may run more than once if the backend asks for a retry, so
	// it must not have effects outside the transaction.
	Write(ctx context.Context, fn func(Tx) error) error
	// Close releases the database.
	Close() error
}

// Key selects stored objects by one of their indexed properties: equal to Value, or
// (Prefix) starting with it.
type Key struct {
	Name, Value string
	Prefix      bool
	AtMost      bool // the property is at most Value (ordered as strings)
}

// The keys that collections index (not every collection has every key; asking a
// collection for a key it lacks is a programming error and returns KindInternal).
const (
	KeyUPN       = "upn"       // users: userPrincipalName, case-insensitive, unique
	KeyAppID     = "appId"     // servicePrincipals: appId, unique
	KeyCatalog   = "catalog"   // resources, packages, policies, roleAssignments, resourceRequests, extensions
	KeyOrigin    = "origin"    // resources: originSystem + "/" + lower(originId), unique per catalog
	KeyPackage   = "package"   // roleScopes, policies
	KeyResource  = "resource"  // roleScopes, appRoleAssignments (the service principal)
	KeyPrincipal = "principal" // roleAssignments, appRoleAssignments
	KeyHash      = "hash"      // tokens: the SHA-256 of the secret, unique
	KeyUser      = "user"      // tokens
	KeyState     = "state"     // users, groups: "live" or "deleted" (DirectoryState); requests, assignments, messages, callouts: state
	KeyTarget    = "target"    // requests, assignments: the target user; ledger: the subject
	KeyRequestor = "requestor" // requests: who made it
	KeyPolicy    = "policy"    // assignments: the assignment policy
	KeyActive    = "active"    // assignments: "1" while active, "0" once expired
	KeyDue       = "due"       // requests, assignments, ledger, messages, callouts: DueKey of when work is due
	KeyRole      = "role"      // ledger: RoleKey of the entry's resource role
)

// DueKey is the indexed form of a due time: milliseconds since the epoch, zero-padded, so
// that string order is time order.
func DueKey(t time.Time) string { return fmt.Sprintf("%016d", t.UnixMilli()) }

// ByDue returns a Key that selects objects due at or before t.
func ByDue(t time.Time) Key { return Key{Name: KeyDue, Value: DueKey(t), AtMost: true} }

// ActiveKey is the value of KeyActive for an assignment.
func ActiveKey(a *Assignment) string {
	if a.Active() {
		return "1"
	}
	return "0"
}

// By returns a Key that selects objects whose property equals value.
func By(name, value string) Key { return Key{Name: name, Value: value} }

// ByPrefix returns a Key that selects objects whose property starts with prefix.
func ByPrefix(name, prefix string) Key { return Key{Name: name, Value: prefix, Prefix: true} }

// Window selects part of a list ordered by id: skip Offset objects, return at most Limit.
type Window struct{ Offset, Limit int }

// Collection stores objects of one type, each with an id and a version.
//
// Get returns a NotFound error when the id is unknown. List returns the objects that
// match every key, ordered by id (with an AtMost key: by that property, then id, so a due
// list comes earliest first); Count counts them and Slice returns one window of
// them, so that a page does not need the whole list. Put inserts the object when its Version is 0 and
// otherwise updates it only if the stored version equals v.Version (else ErrVersionConflict,
// or NotFound when it is gone); on success it sets v.Version to the new version. Put
// returns a Conflict error when a unique key is already taken. Delete returns NotFound
// when the id is unknown, and FailedPrecondition when other objects still refer to it.
type Collection[T any] interface {
	Get(ctx context.Context, id string) (T, error)
	List(ctx context.Context, keys ...Key) ([]T, error)
	Count(ctx context.Context, keys ...Key) (int, error)
	Slice(ctx context.Context, w Window, keys ...Key) ([]T, error)
	Put(ctx context.Context, v *T) error
	Delete(ctx context.Context, id string) error
}

// Tx is the view of the store inside one transaction.
type Tx interface {
	Users() Collection[User]
	Groups() Collection[Group]
	ServicePrincipals() Collection[ServicePrincipal]
	AppRoleAssignments() Collection[AppRoleAssignment]
	Sites() Collection[Site]
	ConnectedOrganizations() Collection[ConnectedOrganization]
	Catalogs() Collection[Catalog]
	Resources() Collection[Resource]
	ResourceRequests() Collection[ResourceRequest]
	Packages() Collection[Package]
	RoleScopes() Collection[RoleScope]
	Policies() Collection[Policy]
	RoleAssignments() Collection[RoleAssignment]
	Tokens() Collection[Token]
	Settings() Collection[Settings]
	SiteRoleAssignments() Collection[SiteRoleAssignment]
	Requests() Collection[Request]
	Assignments() Collection[Assignment]
	Ledger() Collection[LedgerEntry]
	Messages() Collection[Message]
	Connectors() Collection[ConnectorConfig]
	Extensions() Collection[Extension]
	Callouts() Collection[Callout]

	// Relate records that object is a member or owner of group; Conflict if it already is.
	Relate(ctx context.Context, groupID string, rel Relation, objectID string) error
	// Unrelate removes that relation; NotFound if there was none.
	Unrelate(ctx context.Context, groupID string, rel Relation, objectID string) error
	// Related lists the ids of the group's members or owners, ordered.
	Related(ctx context.Context, groupID string, rel Relation) ([]string, error)
	// RelatedTo lists the ids of the groups object is a member or owner of, ordered.
	RelatedTo(ctx context.Context, objectID string, rel Relation) ([]string, error)

	// AddIncompatible records that package pkgID is incompatible with another package or a
	// group (kind IncompatiblePackage or IncompatibleGroup); Conflict if already recorded.
	AddIncompatible(ctx context.Context, pkgID, kind, otherID string) error
	// RemoveIncompatible removes it; NotFound if there was none.
	RemoveIncompatible(ctx context.Context, pkgID, kind, otherID string) error
	// Incompatible lists the ids the package is incompatible with, of one kind.
	Incompatible(ctx context.Context, pkgID, kind string) ([]string, error)
	// IncompatibleWith lists the packages that name otherID (of one kind) as incompatible.
	IncompatibleWith(ctx context.Context, kind, otherID string) ([]string, error)

	// OfferedPackages returns the packages that have a policy offered to one of the
	// audiences (Policy.Audiences, Subject.Audiences), ordered by id: the candidates a
	// person may request, before their catalogs and the packages' Hidden are considered.
	OfferedPackages(ctx context.Context, audiences []string) ([]Package, error)

	// ApproverRequests returns the requests of which the user is or was an approver
	// (Request.ApproverIDs), ordered by id; with a state, only the requests in it.
	ApproverRequests(ctx context.Context, userID, state string) ([]Request, error)

	// PolicyVersion returns the policy as it was saved at the given version (POL-9).
	PolicyVersion(ctx context.Context, policyID string, version int64) (Policy, error)

	// AuditLog returns the audit entries that q selects (RPT-2). The store appends them
	// itself on every change, in the same transaction; nothing changes or removes them.
	AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
}

// Token is an API token: a secret shown once, stored as its SHA-256 hash, bound to a user.
type Token struct {
	Revision
	ID              string     `json:"id"`
	UserID          string     `json:"userId"`
	Name            string     `json:"name"`
	Hash            string     `json:"hash"`
	CreatedDateTime time.Time  `json:"createdDateTime"`
	ExpiresDateTime *time.Time `json:"expiresDateTime,omitempty"`
	RevokedDateTime *time.Time `json:"revokedDateTime,omitempty"`
	// Kind is TokenAPI for a bearer token, TokenSession for a browser session; neither
	// is accepted in place of the other.
	Kind string `json:"kind,omitempty"`
	// LastUsedDateTime is when a session was last used (to the minute), for its idle
	// timeout.
	LastUsedDateTime *time.Time `json:"lastUsedDateTime,omitempty"`
}

// Token kinds.
const (
	TokenAPI     = ""
	TokenSession = "session"
)

// OriginKey is the value of KeyOrigin for a resource: its origin system and case-folded
// origin id.
func OriginKey(system, originID string) string { return system + "/" + strings.ToLower(originID) }

// DirectoryState is the value of KeyState for a user or group deleted at deleted (nil
// while it is live): "live" or "deleted".
func DirectoryState(deleted *time.Time) string {
	if deleted != nil {
		return "deleted"
	}
	return "live"
}
