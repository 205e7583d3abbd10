package graphapi

import (
	"context"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/odata"
)

// types holds the Graph types the API serves.
type types struct {
	user, group, servicePrincipal, appRoleAssignment, site, directoryObject *entityType
	connectedOrganization, catalog, resource, resourceRole, resourceScope   *entityType
	resourceRequest, accessPackage, roleScope, policy, settings             *entityType
	roleDefinition, roleAssignment                                          *entityType
	request, assignment, approval, approvalStage, subject                   *entityType
	question, extension                                                     *entityType
}

func (a *API) newTypes() types {
	var t types
	t.user = newType("user", access.User{}, []string{"managerId", "sponsorIds"})
	t.user.keys = map[string]string{"userPrincipalName": access.KeyUPN}
	// Graph's default properties, shown as null when unset.
	t.user.nulls = []string{"givenName", "surname", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage"}
	t.group = newType("group", access.Group{}, nil)
	t.group.nulls = []string{"description", "mail", "mailNickname", "membershipRule", "membershipRuleProcessingState", "visibility",
		"classification", "preferredLanguage", "theme", "expirationDateTime"}
	t.servicePrincipal = newType("servicePrincipal", access.ServicePrincipal{AppRoles: []access.AppRole{}}, nil, "appRoles/id", "appRoles/displayName", "appRoles/value")
	t.servicePrincipal.nulls = []string{"description", "homepage", "loginUrl", "notes"}
	t.appRoleAssignment = newType("appRoleAssignment", access.AppRoleAssignment{}, nil)
	t.site = newType("site", access.Site{}, nil)
	t.directoryObject = baseType("directoryObject", map[string]*entityType{
		access.TypeUser: t.user, access.TypeGroup: t.group, access.TypeServicePrincipal: t.servicePrincipal})
	t.connectedOrganization = newType("connectedOrganization", access.ConnectedOrganization{}, []string{"internalSponsorIds", "externalSponsorIds"},
		"identitySources/domainName", "identitySources/tenantId")
	t.catalog = newType("accessPackageCatalog", access.Catalog{}, nil)
	t.resource = newType("accessPackageResource", access.Resource{}, []string{"catalogId", "roles", "scopes"})
	t.resourceRole = newType("accessPackageResourceRole", access.ResourceRole{}, nil)
	t.resourceScope = newType("accessPackageResourceScope", access.ResourceScope{}, nil)
	t.resourceRequest = newType("accessPackageResourceRequest", access.ResourceRequest{}, []string{"catalogId", "resourceId"})
	t.accessPackage = newType("accessPackage", access.Package{}, []string{"catalogId"}, "catalog/id")
	t.roleScope = newType("accessPackageResourceRoleScope", access.RoleScope{}, []string{"accessPackageId", "resourceId", "role", "scope"},
		"role/id", "role/originId", "role/displayName", "scope/id", "scope/originId")
	t.question = newType("accessPackageQuestion", access.Question{}, nil)
	t.policy = newType("accessPackageAssignmentPolicy", access.Policy{}, []string{"accessPackageId", "catalogId"}, "accessPackage/id", "catalog/id")
	t.settings = newType("entitlementManagementSettings", access.Settings{}, nil)
	t.extension = newType("customCalloutExtension", access.Extension{}, []string{"catalogId", "secret"})
	t.roleDefinition = newType("unifiedRoleDefinition", access.RoleDefinition{}, nil)
	t.roleAssignment = newType("unifiedRoleAssignment", access.RoleAssignment{}, []string{"createdDateTime"})
	a.requestTypes(&t)

	// Parents are stored as ids; Graph clients filter on them as paths (catalog/id).
	t.accessPackage.hidden = append(t.accessPackage.hidden, "catalog")
	t.accessPackage.augment = func(m obj) { m["catalog"] = obj{"id": m["catalogId"]} }
	t.policy.hidden = append(t.policy.hidden, "accessPackage", "catalog")
	t.policy.augment = func(m obj) {
		m["accessPackage"] = obj{"id": m["accessPackageId"]}
		m["catalog"] = obj{"id": m["catalogId"]}
	}

	t.user.expand["manager"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		m, err := a.svc.Manager(ctx, who, str(it, "id"))
		if access.IsKind(err, access.KindNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return t.user.render(ctx, who, toObj(m), q)
	}
	t.user.expand["sponsors"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		list, err := a.svc.Sponsors(ctx, who, str(it, "id"))
		if err != nil {
			return nil, err
		}
		return t.directoryObject.renderList(ctx, who, toObjs(list), q)
	}
	t.user.expand["memberOf"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		list, err := a.svc.MemberOf(ctx, who, str(it, "id"))
		if err != nil {
			return nil, err
		}
		return t.directoryObject.renderList(ctx, who, directoryObjects(list, access.TypeGroup), q)
	}
	for _, rel := range []access.Relation{access.RelMember, access.RelOwner} {
		t.group.expand[string(rel)+"s"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
			list, err := a.svc.Relations(ctx, who, str(it, "id"), rel)
			if err != nil {
				return nil, err
			}
			return t.directoryObject.renderList(ctx, who, toObjs(list), q)
		}
	}
	t.servicePrincipal.expand["appRoleAssignedTo"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		list, err := a.svc.AppRoleAssignedTo(ctx, who, str(it, "id"))
		if err != nil {
			return nil, err
		}
		return t.appRoleAssignment.renderList(ctx, who, toObjs(list), q)
	}
	for _, external := range []bool{false, true} {
		name := "internalSponsors"
		if external {
			name = "externalSponsors"
		}
		t.connectedOrganization.expand[name] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
			list, err := a.svc.OrgSponsors(ctx, who, str(it, "id"), external)
			if err != nil {
				return nil, err
			}
			return t.directoryObject.renderList(ctx, who, toObjs(list), q)
		}
	}
	t.catalog.expand["accessPackages"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		list, err := a.svc.ListPackages(ctx, who, str(it, "id"))
		if err != nil {
			return nil, err
		}
		return t.accessPackage.renderList(ctx, who, toObjs(list), q)
	}
	t.catalog.expand["resources"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		list, err := a.svc.ListResources(ctx, who, str(it, "id"))
		if err != nil {
			return nil, err
		}
		return t.resource.renderList(ctx, who, toObjs(list), q)
	}
	t.resource.expand["roles"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		return t.resourceRole.renderList(ctx, who, subObjs(it["roles"]), q)
	}
	t.resource.expand["scopes"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		return t.resourceScope.renderList(ctx, who, subObjs(it["scopes"]), q)
	}
	t.resourceRequest.expand["catalog"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		c, err := a.svc.GetCatalog(ctx, who, str(it, "catalogId"))
		if err != nil {
			return nil, nil
		}
		return t.catalog.render(ctx, who, toObj(c), q)
	}
	t.resourceRequest.expand["resource"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		r, err := a.svc.GetResource(ctx, who, str(it, "catalogId"), str(it, "resourceId"))
		if err != nil {
			return nil, nil // removed resources are gone
		}
		return t.resource.render(ctx, who, toObj(r), q)
	}
	t.accessPackage.expand["catalog"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		c, err := a.svc.PackageCatalog(ctx, who, str(it, "id"))
		if err != nil {
			return nil, err
		}
		return t.catalog.render(ctx, who, toObj(c), q)
	}
	t.accessPackage.expand["resourceRoleScopes"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		list, err := a.svc.RoleScopes(ctx, who, str(it, "id"))
		if err != nil {
			return nil, err
		}
		return t.roleScope.renderList(ctx, who, toObjs(list), q)
	}
	t.accessPackage.expand["assignmentPolicies"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		list, err := a.svc.ListPolicies(ctx, who, str(it, "id"))
		if err != nil {
			return nil, err
		}
		return t.policy.renderList(ctx, who, toObjs(list), q)
	}
	for name, reverse := range map[string]bool{"incompatibleAccessPackages": false, "accessPackagesIncompatibleWith": true} {
		t.accessPackage.expand[name] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
			list, err := a.svc.IncompatiblePackages(ctx, who, str(it, "id"), reverse)
			if err != nil {
				return nil, err
			}
			return t.accessPackage.renderList(ctx, who, toObjs(list), q)
		}
	}
	t.accessPackage.expand["incompatibleGroups"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		list, err := a.svc.IncompatibleGroups(ctx, who, str(it, "id"))
		if err != nil {
			return nil, err
		}
		return t.group.renderList(ctx, who, toObjs(list), q)
	}
	t.roleScope.expand["role"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		role, _ := it["role"].(obj)
		return t.resourceRole.render(ctx, who, withResource(role, it), q)
	}
	t.roleScope.expand["scope"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		scope, _ := it["scope"].(obj)
		return t.resourceScope.render(ctx, who, withResource(scope, it), q)
	}
	for _, x := range []*entityType{t.resourceRole, t.resourceScope} {
		x.hidden = append(x.hidden, "_resourceId")
		x.expand["resource"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
			r, err := a.svc.ResourceByID(ctx, who, str(it, "_resourceId"))
			if err != nil {
				return nil, err
			}
			return t.resource.render(ctx, who, toObj(r), q)
		}
	}
	t.policy.expand["accessPackage"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		p, err := a.svc.GetPackage(ctx, who, str(it, "accessPackageId"))
		if err != nil {
			return nil, err
		}
		return t.accessPackage.render(ctx, who, toObj(p), q)
	}
	t.policy.expand["catalog"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		c, err := a.svc.GetCatalog(ctx, who, str(it, "catalogId"))
		if err != nil {
			return nil, err
		}
		return t.catalog.render(ctx, who, toObj(c), q)
	}
	// questions is a relationship in v1.0; Bestow also shows it inline, as beta does and
	// as clients that created the policy with inline questions read it back.
	t.policy.expand["questions"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		return t.question.renderList(ctx, who, subObjs(it["questions"]), q)
	}
	t.roleAssignment.expand["roleDefinition"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		def, _ := access.RoleByID(str(it, "roleDefinitionId"))
		return t.roleDefinition.render(ctx, who, toObj(def), q)
	}
	t.roleAssignment.expand["principal"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		if u, err := a.svc.GetUser(ctx, who, str(it, "principalId")); err == nil {
			return t.directoryObject.render(ctx, who, directoryObjects([]access.User{u}, access.TypeUser)[0], q)
		}
		g, err := a.svc.GetGroup(ctx, who, str(it, "principalId"))
		if err != nil {
			return nil, nil
		}
		return t.directoryObject.render(ctx, who, directoryObjects([]access.Group{g}, access.TypeGroup)[0], q)
	}
	return t
}

// withResource copies a role or scope and records the resource it belongs to, so that
// its own $expand=resource can follow.
func withResource(sub obj, roleScope obj) obj {
	out := obj{}
	for k, v := range sub {
		out[k] = v
	}
	out["_resourceId"] = roleScope["resourceId"]
	return out
}

func subObjs(v any) []obj {
	list, _ := v.([]any)
	out := make([]obj, 0, len(list))
	for _, x := range list {
		if m, ok := x.(obj); ok {
			out = append(out, m)
		}
	}
	return out
}

// directoryObjects shows objects of one kind as items of a directoryObject collection:
// each carries its @odata.type, as Graph's memberOf and directReports do.
func directoryObjects[T any](list []T, odataType string) []obj {
	out := toObjs(list)
	for _, m := range out {
		m["@odata.type"] = odataType
	}
	return out
}
