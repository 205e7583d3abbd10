// Package directory holds the objects of Bestow's own directory and their pure rules:
// users, groups and their relations, service principals with their app roles, sites with
// their roles, connected organizations. The domain (access) and the built-in connector
// both use them; their use cases (who may create, change, delete or read them) are the
// domain's.
package directory

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/kernel"
)

// User is a person in Bestow's directory, shaped like Graph's user.
// The manager and sponsors are relationships, read and changed through their own paths.
type User struct {
	kernel.Revision
	ID                string     `json:"id"`
	DisplayName       string     `json:"displayName"`
	GivenName         string     `json:"givenName,omitempty"`
	Surname           string     `json:"surname,omitempty"`
	UserPrincipalName string     `json:"userPrincipalName"`
	Mail              string     `json:"mail,omitempty"`
	MailNickname      string     `json:"mailNickname,omitempty"`
	OtherMails        []string   `json:"otherMails,omitempty"`
	UserType          string     `json:"userType"`
	AccountEnabled    bool       `json:"accountEnabled"`
	Department        string     `json:"department,omitempty"`
	JobTitle          string     `json:"jobTitle,omitempty"`
	CompanyName       string     `json:"companyName,omitempty"`
	EmployeeID        string     `json:"employeeId,omitempty"`
	EmployeeType      string     `json:"employeeType,omitempty"`
	OfficeLocation    string     `json:"officeLocation,omitempty"`
	City              string     `json:"city,omitempty"`
	State             string     `json:"state,omitempty"`
	Country           string     `json:"country,omitempty"`
	UsageLocation     string     `json:"usageLocation,omitempty"`
	PreferredLanguage string     `json:"preferredLanguage,omitempty"`
	MobilePhone       string     `json:"mobilePhone,omitempty"`
	BusinessPhones    []string   `json:"businessPhones"`
	CreatedDateTime   time.Time  `json:"createdDateTime"`
	DeletedDateTime   *time.Time `json:"deletedDateTime"`
	ManagerID         string     `json:"managerId,omitempty"`
	SponsorIDs        []string   `json:"sponsorIds,omitempty"`
	// SubjectLifecycle is entitlement management's lifecycle of the user as a subject
	// (accessPackageSubject.subjectLifecycle): "" (notDefined), notGoverned or governed. It
	// is changed only through SetSubjectLifecycle.
	SubjectLifecycle string `json:"subjectLifecycle,omitempty"`
	// LifecycleBlocked is when entitlement management blocked the sign-in of this guest
	// because their last assignment ended (EXT-2), and LifecycleDelete when it deletes
	// them; both are cleared when they get an assignment again.
	LifecycleBlocked *time.Time `json:"lifecycleBlockedDateTime,omitempty"`
	LifecycleDelete  *time.Time `json:"lifecycleDeleteDateTime,omitempty"`
}

// User types, as Graph spells them.
const (
	UserTypeMember = "Member"
	UserTypeGuest  = "Guest"
)

// IsGuest reports whether u is an external (guest) user.
func (u *User) IsGuest() bool { return strings.EqualFold(u.UserType, UserTypeGuest) }

// Deleted reports whether u is soft-deleted.
func (u *User) Deleted() bool { return u.DeletedDateTime != nil }

// Validate checks the user's own fields.
func (u *User) Validate() error {
	if strings.TrimSpace(u.DisplayName) == "" {
		return kernel.Invalid("displayName is required")
	}
	upn := u.UserPrincipalName
	if at := strings.IndexByte(upn, '@'); at <= 0 || at == len(upn)-1 || strings.ContainsAny(upn, " \t") {
		return kernel.Invalid("userPrincipalName '%s' is not valid: it must look like alias@domain", upn)
	}
	switch u.UserType {
	case UserTypeMember, UserTypeGuest:
	default:
		return kernel.Invalid("userType '%s' is not valid: use Member or Guest", u.UserType)
	}
	if u.BusinessPhones == nil {
		u.BusinessPhones = []string{}
	}
	return nil
}

// Domain returns the lower-cased domain of the user's mail (or principal name).
func (u *User) Domain() string {
	addr := u.Mail
	if addr == "" {
		addr = u.UserPrincipalName
	}
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		d := strings.ToLower(addr[i+1:])
		// Guests' principal names look like alice_fabrikam.com#EXT#@contoso.com.
		if u.Mail == "" && strings.Contains(addr, "#EXT#") {
			local := addr[:strings.Index(addr, "#EXT#")]
			if j := strings.LastIndexByte(local, '_'); j >= 0 {
				return strings.ToLower(local[j+1:])
			}
		}
		return d
	}
	return ""
}

// Group is a group in Bestow's directory, shaped like Graph's group.
type Group struct {
	kernel.Revision
	ID                            string     `json:"id"`
	DisplayName                   string     `json:"displayName"`
	Description                   string     `json:"description,omitempty"`
	Mail                          string     `json:"mail,omitempty"`
	MailEnabled                   bool       `json:"mailEnabled"`
	MailNickname                  string     `json:"mailNickname,omitempty"`
	SecurityEnabled               bool       `json:"securityEnabled"`
	GroupTypes                    []string   `json:"groupTypes"`
	MembershipRule                string     `json:"membershipRule,omitempty"`
	MembershipRuleProcessingState string     `json:"membershipRuleProcessingState,omitempty"`
	OnPremisesSyncEnabled         *bool      `json:"onPremisesSyncEnabled"`
	IsAssignableToRole            bool       `json:"isAssignableToRole"`
	Visibility                    string     `json:"visibility,omitempty"`
	Classification                string     `json:"classification,omitempty"`
	PreferredLanguage             string     `json:"preferredLanguage,omitempty"`
	Theme                         string     `json:"theme,omitempty"`
	CreatedDateTime               time.Time  `json:"createdDateTime"`
	DeletedDateTime               *time.Time `json:"deletedDateTime"`
}

// Group types from Graph's groupTypes.
const (
	GroupTypeUnified = "Unified"
	GroupTypeDynamic = "DynamicMembership"
)

// IsDynamic reports whether the group's members come from a membership rule.
func (g *Group) IsDynamic() bool { return HasFold(g.GroupTypes, GroupTypeDynamic) }

// IsUnified reports whether g is a Microsoft 365 group.
func (g *Group) IsUnified() bool { return HasFold(g.GroupTypes, GroupTypeUnified) }

// IsSynced reports whether g is synchronized from an on-premises directory.
func (g *Group) IsSynced() bool { return g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled }

// Deleted reports whether g is soft-deleted: it is in the directory's deleted items and,
// until it is restored, counts for nothing (ASG-4).
func (g *Group) Deleted() bool { return g.DeletedDateTime != nil }

// IsDistribution reports whether g is a mail distribution group (mail-enabled, not a
// security group, not Microsoft 365): its members are managed in the mail system.
func (g *Group) IsDistribution() bool { return g.MailEnabled && !g.SecurityEnabled && !g.IsUnified() }

// Validate checks the group's own fields.
func (g *Group) Validate() error {
	if strings.TrimSpace(g.DisplayName) == "" {
		return kernel.Invalid("displayName is required")
	}
	if g.GroupTypes == nil {
		g.GroupTypes = []string{}
	}
	for _, t := range g.GroupTypes {
		if !strings.EqualFold(t, GroupTypeUnified) && !strings.EqualFold(t, GroupTypeDynamic) {
			return kernel.Invalid("groupTypes value '%s' is not valid: use Unified and/or DynamicMembership", t)
		}
	}
	if g.IsDynamic() && strings.TrimSpace(g.MembershipRule) == "" {
		return kernel.Invalid("a group with groupTypes DynamicMembership needs a membershipRule")
	}
	if !g.IsDynamic() && g.MembershipRule != "" {
		return kernel.Invalid("membershipRule is set but groupTypes lacks DynamicMembership")
	}
	if g.IsDynamic() && g.MembershipRuleProcessingState == "" {
		g.MembershipRuleProcessingState = "On"
	}
	if g.IsUnified() && !g.MailEnabled {
		return kernel.Invalid("a Microsoft 365 group (groupTypes Unified) must have mailEnabled true")
	}
	if !g.IsUnified() && !g.SecurityEnabled && !g.MailEnabled {
		return kernel.Invalid("a group must be securityEnabled, mailEnabled or both")
	}
	return nil
}

// Relation is how a directory object relates to a group.
type Relation string

// Group relations.
const (
	RelMember Relation = "member"
	RelOwner  Relation = "owner"
)

// DirectoryObject is a user, group or service principal as an item of a mixed listing
// (members, owners, sponsors). Type is its Graph type; Object is the User, Group or
// ServicePrincipal itself, or nil when only the reference is known.
type DirectoryObject struct {
	ID     string
	Type   string // #microsoft.graph.user, #microsoft.graph.group, #microsoft.graph.servicePrincipal
	Object any
}

// Directory object types, as Graph's @odata.type spells them.
const (
	TypeUser             = "#microsoft.graph.user"
	TypeGroup            = "#microsoft.graph.group"
	TypeServicePrincipal = "#microsoft.graph.servicePrincipal"
)

// MarshalJSON writes the object's own properties with its "@odata.type", as Graph shows
// the items of a directoryObject collection, so that typed clients read them as users,
// groups and service principals.
func (o DirectoryObject) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	if o.Object != nil {
		data, err := json.Marshal(o.Object)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, err
		}
	}
	m["id"] = o.ID
	m["@odata.type"] = o.Type
	return json.Marshal(m)
}

// DisplayName is the display name of the object, or "" when only the reference is known.
func (o DirectoryObject) DisplayName() string {
	switch x := o.Object.(type) {
	case User:
		return x.DisplayName
	case Group:
		return x.DisplayName
	case ServicePrincipal:
		return x.DisplayName
	}
	return ""
}

// HasFold reports whether list holds s, ignoring case.
func HasFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Subject lifecycles, as Graph spells them (accessPackageSubjectLifecycle).
const (
	LifecycleNotDefined  = "notDefined"
	LifecycleNotGoverned = "notGoverned"
	LifecycleGoverned    = "governed"
)

// Lifecycle returns the user's subject lifecycle, notDefined when none was set.
func (u *User) Lifecycle() string {
	if u.SubjectLifecycle == "" {
		return LifecycleNotDefined
	}
	return u.SubjectLifecycle
}
