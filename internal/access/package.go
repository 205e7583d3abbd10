package access

import (
	"strings"
	"time"
)

// Package is an access package: a bundle of resource roles in one catalog (AP-1, ADM-6).
type Package struct {
	Revision
	ID               string    `json:"id"`
	DisplayName      string    `json:"displayName"`
	Description      string    `json:"description"`
	IsHidden         bool      `json:"isHidden"`
	CatalogID        string    `json:"catalogId"`
	CreatedDateTime  time.Time `json:"createdDateTime"`
	ModifiedDateTime time.Time `json:"modifiedDateTime"`
}

// Validate checks the package's own fields.
func (p *Package) Validate() error {
	if strings.TrimSpace(p.DisplayName) == "" {
		return invalid("displayName is required")
	}
	return nil
}

// PortalPath is the stable path of the package's request page in the portal (AP-1).
func (p *Package) PortalPath() string { return "/portal/access-packages/" + p.ID }

// RoleScope is a resource role (at a scope) that a package grants.
type RoleScope struct {
	Revision
	ID              string        `json:"id"`
	PackageID       string        `json:"accessPackageId"`
	ResourceID      string        `json:"resourceId"`
	Role            ResourceRole  `json:"role"`
	Scope           ResourceScope `json:"scope"`
	CreatedDateTime time.Time     `json:"createdDateTime"`
}

// Incompatibility kinds for separation of duties (POL-12).
const (
	IncompatiblePackage = "accessPackage"
	IncompatibleGroup   = "group"
)
