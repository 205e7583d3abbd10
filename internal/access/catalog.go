package access

import (
	"strings"
	"time"
)

// Catalog is a container of resources and access packages, delegated to its owners.
type Catalog struct {
	Revision
	ID                  string    `json:"id"`
	DisplayName         string    `json:"displayName"`
	Description         string    `json:"description"`
	CatalogType         string    `json:"catalogType"`
	State               string    `json:"state"`
	IsExternallyVisible bool      `json:"isExternallyVisible"`
	CreatedDateTime     time.Time `json:"createdDateTime"`
	ModifiedDateTime    time.Time `json:"modifiedDateTime"`
}

// Catalog types and states, as Graph spells them.
const (
	CatalogUserManaged    = "userManaged"
	CatalogServiceDefault = "serviceDefault"
	CatalogPublished      = "published"
	CatalogUnpublished    = "unpublished"
)

// DefaultCatalogName is the display name of the Default catalog (ADM-5).
const DefaultCatalogName = "General"

// Validate checks the catalog and fills defaults: published, userManaged, externally
// visible (the documented default for new catalogs).
func (c *Catalog) Validate() error {
	if strings.TrimSpace(c.DisplayName) == "" {
		return invalid("displayName is required")
	}
	if c.CatalogType == "" {
		c.CatalogType = CatalogUserManaged
	}
	if c.CatalogType != CatalogUserManaged && c.CatalogType != CatalogServiceDefault {
		return Ec(KindInvalid, "InvalidEnumValue", "catalogType '%s' is not valid: use userManaged", c.CatalogType)
	}
	if c.State == "" {
		c.State = CatalogPublished
	}
	if c.State != CatalogPublished && c.State != CatalogUnpublished {
		return Ec(KindInvalid, "InvalidEnumValue", "state '%s' is not valid: use published or unpublished", c.State)
	}
	return nil
}

// IsDefault reports whether c is the Default catalog.
func (c *Catalog) IsDefault() bool { return c.CatalogType == CatalogServiceDefault }

// Origin systems of resources, as Graph spells them.
const (
	OriginGroup       = "AadGroup"
	OriginApplication = "AadApplication"
	OriginSite        = "SharePointOnline"
)

// Resource is a group, application or site added to a catalog. Its roles and root scope
// are derived from the directory object when it is added.
type Resource struct {
	Revision
	ID               string          `json:"id"`
	CatalogID        string          `json:"catalogId"`
	DisplayName      string          `json:"displayName"`
	Description      string          `json:"description"`
	OriginID         string          `json:"originId"`
	OriginSystem     string          `json:"originSystem"`
	CreatedDateTime  time.Time       `json:"createdDateTime"`
	ModifiedDateTime time.Time       `json:"modifiedDateTime"`
	Roles            []ResourceRole  `json:"roles"`
	Scopes           []ResourceScope `json:"scopes"`
}

// ResourceRole is a role of a resource that a package can grant.
type ResourceRole struct {
	ID           string `json:"id"`
	DisplayName  string `json:"displayName"`
	Description  string `json:"description"`
	OriginID     string `json:"originId"`
	OriginSystem string `json:"originSystem"`
}

// ResourceScope is a part of a resource a role applies to; Bestow offers the root scope.
type ResourceScope struct {
	ID           string `json:"id"`
	DisplayName  string `json:"displayName"`
	Description  string `json:"description"`
	OriginID     string `json:"originId"`
	OriginSystem string `json:"originSystem"`
	IsRootScope  bool   `json:"isRootScope"`
}

// Role returns the resource's role with the given id or origin id.
func (r *Resource) Role(idOrOrigin string) (ResourceRole, bool) {
	for _, x := range r.Roles {
		if x.ID == idOrOrigin || strings.EqualFold(x.OriginID, idOrOrigin) {
			return x, true
		}
	}
	return ResourceRole{}, false
}

// Scope returns the resource's scope with the given id or origin id.
func (r *Resource) Scope(idOrOrigin string) (ResourceScope, bool) {
	for _, x := range r.Scopes {
		if x.ID == idOrOrigin || strings.EqualFold(x.OriginID, idOrOrigin) {
			return x, true
		}
	}
	return ResourceScope{}, false
}

// ResourceRequest records adding a resource to, or removing it from, a catalog.
type ResourceRequest struct {
	Revision
	ID              string    `json:"id"`
	RequestType     string    `json:"requestType"`
	State           string    `json:"state"`
	CreatedDateTime time.Time `json:"createdDateTime"`
	CatalogID       string    `json:"catalogId"`
	ResourceID      string    `json:"resourceId"`
}

// Resource request types and states.
const (
	ResourceAdminAdd    = "adminAdd"
	ResourceAdminUpdate = "adminUpdate"
	ResourceAdminRemove = "adminRemove"
)

// Settings are the tenant-wide entitlement management settings.
type Settings struct {
	Revision
	ID                                           string   `json:"id"`
	ExternalUserLifecycleAction                  string   `json:"externalUserLifecycleAction"`
	DurationUntilExternalUserDeletedAfterBlocked Duration `json:"durationUntilExternalUserDeletedAfterBlocked"`
}

// DefaultSettings are the settings of a new tenant: block external users who lose their
// last assignment and delete them 30 days later.
func DefaultSettings() Settings {
	return Settings{ID: "settings", ExternalUserLifecycleAction: "blockSignInAndDelete",
		DurationUntilExternalUserDeletedAfterBlocked: Duration(30 * 24 * time.Hour)}
}

// Validate checks the settings' enum values.
func (s *Settings) Validate() error {
	switch s.ExternalUserLifecycleAction {
	case "none", "blockSignIn", "blockSignInAndDelete":
	default:
		return Ec(KindInvalid, "InvalidEnumValue", "externalUserLifecycleAction '%s' is not valid: use none, blockSignIn or blockSignInAndDelete", s.ExternalUserLifecycleAction)
	}
	if s.DurationUntilExternalUserDeletedAfterBlocked < 0 {
		return invalid("durationUntilExternalUserDeletedAfterBlocked must not be negative")
	}
	return nil
}
