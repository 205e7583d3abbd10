package access

import "github.com/bestowhq/bestow/internal/directory"

// The directory's objects are the directory package's; the domain names them as its own.
type (
	User                  = directory.User
	Group                 = directory.Group
	Relation              = directory.Relation
	DirectoryObject       = directory.DirectoryObject
	ServicePrincipal      = directory.ServicePrincipal
	AppRole               = directory.AppRole
	AppRoleAssignment     = directory.AppRoleAssignment
	Site                  = directory.Site
	SiteRole              = directory.SiteRole
	ConnectedOrganization = directory.ConnectedOrganization
	IdentitySource        = directory.IdentitySource
	SiteRoleAssignment    = directory.SiteRoleAssignment
)

// The directory's constants.
const (
	UserTypeMember       = directory.UserTypeMember
	UserTypeGuest        = directory.UserTypeGuest
	GroupTypeUnified     = directory.GroupTypeUnified
	GroupTypeDynamic     = directory.GroupTypeDynamic
	RelMember            = directory.RelMember
	RelOwner             = directory.RelOwner
	TypeUser             = directory.TypeUser
	TypeGroup            = directory.TypeGroup
	TypeServicePrincipal = directory.TypeServicePrincipal
	OrgConfigured        = directory.OrgConfigured
	OrgProposed          = directory.OrgProposed
	TagPlatformService   = directory.TagPlatformService
	DefaultAccessRoleID  = directory.DefaultAccessRoleID
	LifecycleNotDefined  = directory.LifecycleNotDefined
	LifecycleNotGoverned = directory.LifecycleNotGoverned
	LifecycleGoverned    = directory.LifecycleGoverned
)

// hasFold reports whether list holds s, ignoring case.
func hasFold(list []string, s string) bool { return directory.HasFold(list, s) }

// normalizeODataType accepts "x", "microsoft.graph.x" or "#microsoft.graph.x" for x in
// allowed and returns the canonical "#microsoft.graph.x".
func normalizeODataType(t string, allowed []string) (string, bool) {
	return directory.NormalizeODataType(t, allowed)
}
