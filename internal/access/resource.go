package access

import "strings"

// ResourceOrigin is a directory object offered as a resource, before it is added.
type ResourceOrigin struct {
	System      string
	ID          string
	DisplayName string
	Description string
	Roles       []ResourceRole // without ids
}

// GroupOrigin describes a group as a resource: Member and Owner roles, or only Owner for
// a dynamic group. A group Bestow cannot modify is refused with the reason (RES-2).
func GroupOrigin(g Group) (ResourceOrigin, error) {
	switch {
	case g.IsSynced():
		return ResourceOrigin{}, Ec(KindInvalid, "ResourceNotModifiable",
			"group '%s' is synchronized from another directory (onPremisesSyncEnabled), so its members and owners can only be changed there; use a cloud group instead (with group writeback if the other directory needs it)", g.DisplayName)
	case g.IsDistribution():
		return ResourceOrigin{}, Ec(KindInvalid, "ResourceNotModifiable",
			"group '%s' is a mail distribution group, whose members are managed in the mail system; use a security or Microsoft 365 group instead", g.DisplayName)
	}
	o := ResourceOrigin{System: OriginGroup, ID: g.ID, DisplayName: g.DisplayName, Description: g.Description}
	if !g.IsDynamic() {
		o.Roles = append(o.Roles, ResourceRole{DisplayName: "Member", Description: "Member of the group", OriginID: GroupRole(g.ID, RelMember)})
	}
	o.Roles = append(o.Roles, ResourceRole{DisplayName: "Owner", Description: "Owner of the group", OriginID: GroupRole(g.ID, RelOwner)})
	return o, nil
}

// GroupRole is the origin id of a built-in group's Member or Owner role, as Graph names
// them: Member_<groupId>, Owner_<groupId>. It is the one place that knows the format;
// everyone else compares whole ids.
func GroupRole(groupID string, rel Relation) string {
	if rel == RelOwner {
		return "Owner_" + groupID
	}
	return "Member_" + groupID
}

// ApplicationOrigin describes an application as a resource: its enabled app roles, or a
// synthetic "Default Access" role when it defines none. Services that are not
// applications are refused (RES-3).
func ApplicationOrigin(sp ServicePrincipal) (ResourceOrigin, error) {
	if sp.IsService() {
		return ResourceOrigin{}, Ec(KindInvalid, "ResourceHasNoRoles",
			"'%s' is a service, not an application with assignable roles, so it cannot be a resource; grant access to it through a group (for example group-based licensing) and add that group instead", sp.DisplayName)
	}
	o := ResourceOrigin{System: OriginApplication, ID: sp.ID, DisplayName: sp.DisplayName, Description: sp.Description}
	for _, r := range sp.AppRoles {
		if r.IsEnabled && (len(r.AllowedMemberTypes) == 0 || hasFold(r.AllowedMemberTypes, "User")) {
			o.Roles = append(o.Roles, ResourceRole{DisplayName: r.DisplayName, Description: r.Description, OriginID: r.ID})
		}
	}
	if len(sp.AppRoles) == 0 {
		o.Roles = []ResourceRole{{DisplayName: "Default Access", Description: "Default access to the application", OriginID: DefaultAccessRoleID}}
	}
	if len(o.Roles) == 0 {
		return ResourceOrigin{}, Ec(KindInvalid, "ResourceHasNoRoles", "application '%s' has no enabled app roles that users can hold; enable one first", sp.DisplayName)
	}
	return o, nil
}

// SiteOrigin describes a site as a resource: its site roles.
func SiteOrigin(s Site) ResourceOrigin {
	o := ResourceOrigin{System: OriginSite, ID: s.ID, DisplayName: s.DisplayName, Description: s.Description}
	for _, r := range s.SiteRoles {
		o.Roles = append(o.Roles, ResourceRole{DisplayName: r.DisplayName, Description: r.Description, OriginID: r.ID})
	}
	return o
}

// SubObjectOf reports whether url names something inside site s (a library, a folder, a
// document) rather than the site itself. Such objects cannot be resources (RES-4).
func SubObjectOf(s Site, url string) bool {
	base := strings.ToLower(strings.TrimRight(s.WebURL, "/"))
	u := strings.ToLower(strings.TrimRight(url, "/"))
	return strings.HasPrefix(u, base+"/")
}

// NewResource builds the resource for origin o in a catalog, keeping the ids of roles
// that prev (the same resource before a refresh, may be nil) already had.
func NewResource(o ResourceOrigin, catalogID string, prev *Resource, ids IDs) Resource {
	r := Resource{ID: ids.NewID(), CatalogID: catalogID, DisplayName: o.DisplayName, Description: o.Description,
		OriginID: o.ID, OriginSystem: o.System}
	if prev != nil {
		r.ID, r.Revision, r.CreatedDateTime, r.Scopes = prev.ID, prev.Revision, prev.CreatedDateTime, prev.Scopes
	}
	for _, role := range o.Roles {
		role.OriginSystem = o.System
		role.ID = ids.NewID()
		if prev != nil {
			if old, ok := prev.Role(role.OriginID); ok {
				role.ID = old.ID
			}
		}
		r.Roles = append(r.Roles, role)
	}
	if len(r.Scopes) == 0 {
		r.Scopes = []ResourceScope{{ID: ids.NewID(), DisplayName: "Root", Description: "Root Scope",
			OriginID: o.ID, OriginSystem: o.System, IsRootScope: true}}
	}
	return r
}
