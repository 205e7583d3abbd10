package directory

import (
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/kernel"
)

// ServicePrincipal is an application in Bestow's directory, with the app roles it defines.
type ServicePrincipal struct {
	kernel.Revision
	ID                   string `json:"id"`
	AppID                string `json:"appId"`
	DisplayName          string `json:"displayName"`
	AppDisplayName       string `json:"appDisplayName,omitempty"`
	Description          string `json:"description,omitempty"`
	Homepage             string `json:"homepage,omitempty"`
	LoginURL             string `json:"loginUrl,omitempty"`
	Notes                string `json:"notes,omitempty"`
	ServicePrincipalType string `json:"servicePrincipalType"`
	AccountEnabled       bool   `json:"accountEnabled"`
	// AppRoleAssignmentRequired says whether people need an app role to sign in to the
	// application; it is recorded and shown, as Graph's property of the same name.
	AppRoleAssignmentRequired bool       `json:"appRoleAssignmentRequired"`
	ReplyURLs                 []string   `json:"replyUrls"`
	ServicePrincipalNames     []string   `json:"servicePrincipalNames"`
	Tags                      []string   `json:"tags"`
	AppRoles                  []AppRole  `json:"appRoles"`
	CreatedDateTime           time.Time  `json:"createdDateTime"`
	DeletedDateTime           *time.Time `json:"deletedDateTime"`
}

// AppRole is a role an application defines.
type AppRole struct {
	ID                 string   `json:"id"`
	DisplayName        string   `json:"displayName"`
	Description        string   `json:"description,omitempty"`
	Value              string   `json:"value,omitempty"`
	AllowedMemberTypes []string `json:"allowedMemberTypes"`
	IsEnabled          bool     `json:"isEnabled"`
}

// TagPlatformService marks a service principal that stands for a platform service (mail,
// file storage) rather than an application: it has no assignable roles (RES-3).
const TagPlatformService = "bestow:platformService"

// DefaultAccessRoleID is the app role id Graph uses for "Default Access": the all-zero GUID.
const DefaultAccessRoleID = "00000000-0000-0000-0000-000000000000"

// IsService reports whether sp is a service, not an application: it cannot be a resource.
func (sp *ServicePrincipal) IsService() bool {
	return HasFold(sp.Tags, TagPlatformService) || !strings.EqualFold(sp.ServicePrincipalType, "Application")
}

// Validate checks the service principal's own fields and fills defaults.
func (sp *ServicePrincipal) Validate(ids kernel.IDs) error {
	if strings.TrimSpace(sp.DisplayName) == "" {
		return kernel.Invalid("displayName is required")
	}
	if sp.ServicePrincipalType == "" {
		sp.ServicePrincipalType = "Application"
	}
	if sp.Tags == nil {
		sp.Tags = []string{}
	}
	if sp.ReplyURLs == nil {
		sp.ReplyURLs = []string{}
	}
	if sp.AppDisplayName == "" {
		sp.AppDisplayName = sp.DisplayName
	}
	if len(sp.ServicePrincipalNames) == 0 && sp.AppID != "" {
		sp.ServicePrincipalNames = []string{sp.AppID}
	}
	if sp.AppRoles == nil {
		sp.AppRoles = []AppRole{}
	}
	seen := map[string]bool{}
	for i := range sp.AppRoles {
		r := &sp.AppRoles[i]
		if r.ID == "" {
			r.ID = ids.NewID()
		}
		if strings.TrimSpace(r.DisplayName) == "" {
			return kernel.Invalid("appRoles[%d].displayName is required", i)
		}
		if seen[r.ID] {
			return kernel.Invalid("appRoles[%d].id '%s' is used twice", i, r.ID)
		}
		seen[r.ID] = true
		if r.AllowedMemberTypes == nil {
			r.AllowedMemberTypes = []string{"User"}
		}
	}
	return nil
}

// AppRoleAssignment grants an app role of a service principal to a user or group.
type AppRoleAssignment struct {
	kernel.Revision
	ID                   string    `json:"id"`
	AppRoleID            string    `json:"appRoleId"`
	PrincipalID          string    `json:"principalId"`
	PrincipalType        string    `json:"principalType"`
	PrincipalDisplayName string    `json:"principalDisplayName"`
	ResourceID           string    `json:"resourceId"`
	ResourceDisplayName  string    `json:"resourceDisplayName"`
	CreatedDateTime      time.Time `json:"createdDateTime"`
}

// Site is a collaboration site with its own roles (Bestow's counterpart of a SharePoint
// site). Sub-objects such as libraries live under WebURL and cannot be resources (RES-4).
type Site struct {
	kernel.Revision
	ID              string     `json:"id"`
	Name            string     `json:"name"`
	DisplayName     string     `json:"displayName"`
	Description     string     `json:"description,omitempty"`
	WebURL          string     `json:"webUrl"`
	SiteRoles       []SiteRole `json:"siteRoles"`
	CreatedDateTime time.Time  `json:"createdDateTime"`
}

// SiteRole is a role of a site; its ID is the role's sequence number in the site.
type SiteRole struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Description string `json:"description,omitempty"`
}

// Validate checks the site's fields and fills defaults (the three classic site roles).
func (s *Site) Validate() error {
	if strings.TrimSpace(s.DisplayName) == "" {
		return kernel.Invalid("displayName is required")
	}
	if s.Name == "" {
		s.Name = s.DisplayName
	}
	if s.WebURL == "" {
		return kernel.Invalid("webUrl is required, for example https://sites.example/sites/marketing")
	}
	s.WebURL = strings.TrimRight(s.WebURL, "/")
	if len(s.SiteRoles) == 0 {
		s.SiteRoles = []SiteRole{{ID: "3", DisplayName: "Owners"}, {ID: "4", DisplayName: "Visitors"}, {ID: "5", DisplayName: "Members"}}
	}
	for i, r := range s.SiteRoles {
		if r.ID == "" || strings.TrimSpace(r.DisplayName) == "" {
			return kernel.Invalid("siteRoles[%d] needs an id and a displayName", i)
		}
	}
	return nil
}

// ConnectedOrganization is an external organization whose users may request access.
type ConnectedOrganization struct {
	kernel.Revision
	ID                 string           `json:"id"`
	DisplayName        string           `json:"displayName"`
	Description        string           `json:"description,omitempty"`
	State              string           `json:"state"`
	IdentitySources    []IdentitySource `json:"identitySources"`
	CreatedDateTime    time.Time        `json:"createdDateTime"`
	ModifiedDateTime   time.Time        `json:"modifiedDateTime"`
	InternalSponsorIDs []string         `json:"internalSponsorIds,omitempty"`
	ExternalSponsorIDs []string         `json:"externalSponsorIds,omitempty"`
}

// Connected organization states.
const (
	OrgConfigured = "configured"
	OrgProposed   = "proposed"
)

// IdentitySource says where a connected organization's users come from.
type IdentitySource struct {
	Type        string `json:"@odata.type"`
	DisplayName string `json:"displayName,omitempty"`
	TenantID    string `json:"tenantId,omitempty"`
	DomainName  string `json:"domainName,omitempty"`
	IssuerURI   string `json:"issuerUri,omitempty"`
}

var identitySourceTypes = []string{"azureActiveDirectoryTenant", "crossCloudAzureActiveDirectoryTenant",
	"domainIdentitySource", "externalDomainFederation", "socialIdentitySource"}

// Validate checks the organization and fills defaults (state configured).
func (o *ConnectedOrganization) Validate() error {
	if strings.TrimSpace(o.DisplayName) == "" {
		return kernel.Invalid("displayName is required")
	}
	if o.State == "" {
		o.State = OrgConfigured
	}
	if o.State != OrgConfigured && o.State != OrgProposed {
		return kernel.Ec(kernel.KindInvalid, "InvalidEnumValue", "state '%s' is not valid: use configured or proposed", o.State)
	}
	if o.IdentitySources == nil {
		o.IdentitySources = []IdentitySource{}
	}
	for i := range o.IdentitySources {
		s := &o.IdentitySources[i]
		t, ok := NormalizeODataType(s.Type, identitySourceTypes)
		if !ok {
			return kernel.Ec(kernel.KindInvalid, "InvalidODataType", "identitySources[%d]: @odata.type '%s' is not an identity source; use one of #microsoft.graph.%s",
				i, s.Type, strings.Join(identitySourceTypes, ", #microsoft.graph."))
		}
		s.Type = t
		switch t {
		case "#microsoft.graph.domainIdentitySource", "#microsoft.graph.externalDomainFederation":
			if s.DomainName == "" {
				return kernel.Invalid("identitySources[%d]: domainName is required for %s", i, t)
			}
			s.DomainName = strings.ToLower(s.DomainName)
		case "#microsoft.graph.azureActiveDirectoryTenant", "#microsoft.graph.crossCloudAzureActiveDirectoryTenant":
			if s.TenantID == "" {
				return kernel.Invalid("identitySources[%d]: tenantId is required for %s", i, t)
			}
		}
	}
	return nil
}

// Matches reports whether a user whose mail domain is domain belongs to o.
func (o *ConnectedOrganization) Matches(domain string) bool {
	for _, s := range o.IdentitySources {
		if s.DomainName != "" && strings.EqualFold(s.DomainName, domain) {
			return true
		}
		// Bestow records tenants' verified domains as their displayName when no domain is known.
		if s.TenantID != "" && strings.EqualFold(s.DisplayName, domain) {
			return true
		}
	}
	return false
}

// NormalizeODataType accepts "x", "microsoft.graph.x" or "#microsoft.graph.x" for x in
// allowed and returns the canonical "#microsoft.graph.x".
func NormalizeODataType(t string, allowed []string) (string, bool) {
	short := strings.TrimPrefix(strings.TrimPrefix(t, "#"), "microsoft.graph.")
	for _, a := range allowed {
		if strings.EqualFold(short, a) {
			return "#microsoft.graph." + a, true
		}
	}
	return "", false
}

// SiteRoleAssignment says that a principal holds a role of a site.
type SiteRoleAssignment struct {
	kernel.Revision
	ID              string    `json:"id"`
	SiteID          string    `json:"siteId"`
	RoleID          string    `json:"roleId"`
	PrincipalID     string    `json:"principalId"`
	CreatedDateTime time.Time `json:"createdDateTime"`
}
