package graphapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/odata"
)

const em = "/v1.0/identityGovernance/entitlementManagement"

func (a *API) governanceRoutes() []route {
	t, s := a.types, a.svc
	id := func(r *http.Request) string { return r.PathValue("id") }
	var routes []route
	add := func(method, pattern, summary, typ string, h http.HandlerFunc) {
		routes = append(routes, route{method: method, pattern: em + pattern, summary: summary, typ: typ, h: h})
	}

	// Connected organizations.
	add("GET", "/connectedOrganizations", "List connected organizations", "connectedOrganization",
		listOf(a, t.connectedOrganization, func(r *http.Request, who access.Actor) ([]access.ConnectedOrganization, error) {
			return s.ListConnectedOrganizations(r.Context(), who)
		}))
	add("POST", "/connectedOrganizations", "Create a connected organization", "connectedOrganization",
		createOf(a, t.connectedOrganization, "connectedOrganization", func(r *http.Request, who access.Actor, b body) (access.ConnectedOrganization, error) {
			var o access.ConnectedOrganization
			if err := decodeInto(b, &o); err != nil {
				return o, err
			}
			return s.CreateConnectedOrganization(r.Context(), who, o)
		}))
	add("GET", "/connectedOrganizations/{id}", "Get a connected organization", "connectedOrganization",
		oneOf(a, t.connectedOrganization, func(r *http.Request, who access.Actor) (access.ConnectedOrganization, error) {
			return s.GetConnectedOrganization(r.Context(), who, id(r))
		}))
	add("PATCH", "/connectedOrganizations/{id}", "Update a connected organization", "",
		patchOf(a, "connectedOrganization", func(r *http.Request, who access.Actor, fn func(*access.ConnectedOrganization) error) error {
			_, err := s.UpdateConnectedOrganization(r.Context(), who, id(r), fn)
			return err
		}))
	add("DELETE", "/connectedOrganizations/{id}", "Delete a connected organization", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
		return s.DeleteConnectedOrganization(r.Context(), who, id(r))
	}))
	for _, external := range []bool{false, true} {
		nav := "internalSponsors"
		if external {
			nav = "externalSponsors"
		}
		add("GET", "/connectedOrganizations/{id}/"+nav, "List a connected organization's "+nav, "directoryObject",
			listOf(a, t.directoryObject, func(r *http.Request, who access.Actor) ([]access.DirectoryObject, error) {
				return s.OrgSponsors(r.Context(), who, id(r), external)
			}))
		add("POST", "/connectedOrganizations/{id}/"+nav+"/$ref", "Add one of "+nav, "", a.refOf(func(r *http.Request, who access.Actor, ref string) error {
			return s.ChangeOrgSponsor(r.Context(), who, id(r), external, true, ref)
		}))
		add("DELETE", "/connectedOrganizations/{id}/"+nav+"/{ref}/$ref", "Remove one of "+nav, "", a.deleteOf(func(r *http.Request, who access.Actor) error {
			return s.ChangeOrgSponsor(r.Context(), who, id(r), external, false, r.PathValue("ref"))
		}))
	}

	// Settings.
	add("GET", "/settings", "Get entitlement management settings", "entitlementManagementSettings",
		oneOf(a, t.settings, func(r *http.Request, who access.Actor) (access.Settings, error) {
			return s.GetSettings(r.Context(), who)
		}))
	add("PATCH", "/settings", "Update entitlement management settings", "",
		patchOf(a, "entitlementManagementSettings", func(r *http.Request, who access.Actor, fn func(*access.Settings) error) error {
			_, err := s.UpdateSettings(r.Context(), who, fn)
			return err
		}))

	// Catalogs and their resources.
	add("GET", "/catalogs", "List catalogs", "accessPackageCatalog", listOf(a, t.catalog, func(r *http.Request, who access.Actor) ([]access.Catalog, error) {
		return s.ListCatalogs(r.Context(), who)
	}))
	add("POST", "/catalogs", "Create a catalog (the creator becomes its owner)", "accessPackageCatalog",
		createOf(a, t.catalog, "accessPackageCatalog", func(r *http.Request, who access.Actor, b body) (access.Catalog, error) {
			c := access.Catalog{IsExternallyVisible: true}
			if err := decodeInto(b, &c); err != nil {
				return c, err
			}
			return s.CreateCatalog(r.Context(), who, c)
		}))
	add("GET", "/catalogs/{id}", "Get a catalog", "accessPackageCatalog", oneOf(a, t.catalog, func(r *http.Request, who access.Actor) (access.Catalog, error) {
		return s.GetCatalog(r.Context(), who, id(r))
	}))
	add("PATCH", "/catalogs/{id}", "Update a catalog", "", patchOf(a, "accessPackageCatalog", func(r *http.Request, who access.Actor, fn func(*access.Catalog) error) error {
		_, err := s.UpdateCatalog(r.Context(), who, id(r), fn)
		return err
	}))
	add("DELETE", "/catalogs/{id}", "Delete a catalog that holds no access packages", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
		return s.DeleteCatalog(r.Context(), who, id(r))
	}))
	add("GET", "/catalogs/{id}/accessPackages", "List a catalog's access packages", "accessPackage",
		listOf(a, t.accessPackage, func(r *http.Request, who access.Actor) ([]access.Package, error) {
			return s.ListPackages(r.Context(), who, id(r))
		}))
	add("GET", "/catalogs/{id}/resources", "List a catalog's resources ($expand=roles,scopes)", "accessPackageResource",
		listOf(a, t.resource, func(r *http.Request, who access.Actor) ([]access.Resource, error) {
			return s.ListResources(r.Context(), who, id(r))
		}))
	add("GET", "/catalogs/{id}/resources/{rid}", "Get a catalog resource", "accessPackageResource",
		oneOf(a, t.resource, func(r *http.Request, who access.Actor) (access.Resource, error) {
			return s.GetResource(r.Context(), who, id(r), r.PathValue("rid"))
		}))
	for _, nav := range []string{"roles", "scopes"} {
		et := t.resourceRole
		if nav == "scopes" {
			et = t.resourceScope
		}
		add("GET", "/catalogs/{id}/resources/{rid}/"+nav, "List a catalog resource's "+nav, et.name, a.handle(func(w http.ResponseWriter, r *http.Request) error {
			res, err := s.GetResource(r.Context(), actorOf(r), id(r), r.PathValue("rid"))
			if err != nil {
				return err
			}
			a.writeList(w, r, et, subObjs(toObj(res)[nav]))
			return nil
		}))
		catNav := map[string]string{"roles": "resourceRoles", "scopes": "resourceScopes"}[nav]
		add("GET", "/catalogs/{id}/"+catNav, "List the "+nav+" of every resource of a catalog", et.name, a.handle(func(w http.ResponseWriter, r *http.Request) error {
			list, err := s.ListResources(r.Context(), actorOf(r), id(r))
			if err != nil {
				return err
			}
			var items []obj
			for _, res := range list {
				ro := toObj(res)
				for _, x := range subObjs(ro[nav]) {
					x["_resourceId"] = res.ID
					x["resource"] = obj{"id": res.ID, "originId": res.OriginID, "originSystem": res.OriginSystem, "displayName": res.DisplayName}
					items = append(items, x)
				}
			}
			a.writeList(w, r, withResourcePath(et), items)
			return nil
		}))
	}
	add("GET", "/resourceRequests", "List resource requests", "accessPackageResourceRequest",
		listOf(a, t.resourceRequest, func(r *http.Request, who access.Actor) ([]access.ResourceRequest, error) {
			return s.ListResourceRequests(r.Context(), who)
		}))
	add("POST", "/resourceRequests", "Add a resource to a catalog (adminAdd), refresh it (adminUpdate) or remove it (adminRemove)",
		"accessPackageResourceRequest", a.handle(a.postResourceRequest))

	// Access packages.
	add("GET", "/accessPackages", "List access packages", "accessPackage", listOf(a, t.accessPackage, func(r *http.Request, who access.Actor) ([]access.Package, error) {
		return s.ListPackages(r.Context(), who, "")
	}))
	add("POST", "/accessPackages", "Create an access package (catalog.id, or the Default catalog)", "accessPackage",
		createOf(a, t.accessPackage, "accessPackage", func(r *http.Request, who access.Actor, b body) (access.Package, error) {
			var p access.Package
			if err := decodeInto(b, &p); err != nil {
				return p, err
			}
			cat, err := nestedID(b, "catalog")
			if err != nil {
				return p, err
			}
			if cat == "" {
				cat = p.CatalogID
			}
			if _, ok := b["resourceRoleScopes"]; ok {
				return p, badRequest("create the access package first, then add resource roles with POST accessPackages/{id}/resourceRoleScopes; or create it with its resource roles and policies in one change with POST " + composePath)
			}
			return s.CreatePackage(r.Context(), who, p, cat)
		}))
	getPackage := oneOf(a, t.accessPackage, func(r *http.Request, who access.Actor) (access.Package, error) {
		return s.GetPackage(r.Context(), who, id(r))
	})
	add("GET", "/accessPackages/{id}", "Get an access package; or filterByCurrentUser(on='allowedRequestor'): the packages the caller may request", "accessPackage",
		a.handle(func(w http.ResponseWriter, r *http.Request) error {
			on, ok := filterByCurrentUser(id(r))
			if !ok {
				getPackage(w, r)
				return nil
			}
			if on != "allowedRequestor" {
				return badRequest("filterByCurrentUser on='%s' is not supported for access packages; use on='allowedRequestor'", on)
			}
			list, err := s.RequestablePackages(r.Context(), actorOf(r))
			if err != nil {
				return err
			}
			a.writeList(w, r, t.accessPackage, toObjs(list))
			return nil
		}))
	add("POST", "/accessPackages/{id}/getApplicablePolicyRequirements", "The policies through which the caller may request the package, with what each requires",
		"accessPackageAssignmentRequestRequirements", a.handle(func(w http.ResponseWriter, r *http.Request) error {
			pols, err := s.ApplicablePolicies(r.Context(), actorOf(r), id(r))
			if err != nil {
				return err
			}
			out := make([]obj, 0, len(pols))
			for _, p := range pols {
				out = append(out, requirements(p))
			}
			writeJSON(w, http.StatusOK, obj{"value": out})
			return nil
		}))
	add("PATCH", "/accessPackages/{id}", "Update an access package (name, description, isHidden)", "", a.handle(func(w http.ResponseWriter, r *http.Request) error {
		b, err := typedBody(r, "accessPackage")
		if err != nil {
			return err
		}
		if cat, err := nestedID(b, "catalog"); err != nil {
			return err
		} else if cat != "" {
			raw, _ := json.Marshal(cat)
			b["catalogId"] = raw
		}
		if _, err := s.UpdatePackage(r.Context(), actorOf(r), id(r), merge[access.Package](b, readOnlyProps...)); err != nil {
			return err
		}
		noContent(w)
		return nil
	}))
	add("DELETE", "/accessPackages/{id}", "Delete an access package", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
		return s.DeletePackage(r.Context(), who, id(r))
	}))
	add("GET", "/accessPackages/{id}/resourceRoleScopes", "List an access package's resource roles", "accessPackageResourceRoleScope",
		listOf(a, t.roleScope, func(r *http.Request, who access.Actor) ([]access.RoleScope, error) {
			return s.RoleScopes(r.Context(), who, id(r))
		}))
	add("POST", "/accessPackages/{id}/resourceRoleScopes", "Add a resource role to an access package", "accessPackageResourceRoleScope",
		a.handle(func(w http.ResponseWriter, r *http.Request) error {
			b, err := typedBody(r, "accessPackageResourceRoleScope")
			if err != nil {
				return err
			}
			ref, err := roleRef(b)
			if err != nil {
				return err
			}
			rs, err := s.AddRoleScope(r.Context(), actorOf(r), id(r), ref)
			if err != nil {
				return err
			}
			// Answer with the role and scope that were resolved, so the caller sees what it got.
			out, err := t.roleScope.render(r.Context(), actorOf(r), toObj(rs), odata.Query{Top: -1,
				Expand: []odata.Expand{{Path: "role", Query: odata.NewQuery()}, {Path: "scope", Query: odata.NewQuery()}}})
			if err != nil {
				return err
			}
			out["@odata.context"] = absURL(r, "/v1.0/$metadata#"+t.roleScope.name+"/$entity")
			writeJSON(w, http.StatusCreated, out)
			return nil
		}))
	add("DELETE", "/accessPackages/{id}/resourceRoleScopes/{ref}", "Remove a resource role from an access package", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
		return s.RemoveRoleScope(r.Context(), who, id(r), r.PathValue("ref"))
	}))
	add("GET", "/accessPackages/{id}/assignmentPolicies", "List an access package's policies", "accessPackageAssignmentPolicy",
		listOf(a, t.policy, func(r *http.Request, who access.Actor) ([]access.Policy, error) {
			return s.ListPolicies(r.Context(), who, id(r))
		}))
	for nav, reverse := range map[string]bool{"incompatibleAccessPackages": false, "accessPackagesIncompatibleWith": true} {
		add("GET", "/accessPackages/{id}/"+nav, "List "+nav, "accessPackage", listOf(a, t.accessPackage, func(r *http.Request, who access.Actor) ([]access.Package, error) {
			return s.IncompatiblePackages(r.Context(), who, id(r), reverse)
		}))
	}
	add("GET", "/accessPackages/{id}/incompatibleGroups", "List incompatible groups", "group", listOf(a, t.group, func(r *http.Request, who access.Actor) ([]access.Group, error) {
		return s.IncompatibleGroups(r.Context(), who, id(r))
	}))
	for nav, kind := range map[string]string{"incompatibleAccessPackages": access.IncompatiblePackage, "incompatibleGroups": access.IncompatibleGroup} {
		add("POST", "/accessPackages/{id}/"+nav+"/$ref", "Add one of "+nav, "", a.refOf(func(r *http.Request, who access.Actor, ref string) error {
			return s.ChangeIncompatible(r.Context(), who, id(r), kind, ref, true)
		}))
		add("DELETE", "/accessPackages/{id}/"+nav+"/{ref}/$ref", "Remove one of "+nav, "", a.deleteOf(func(r *http.Request, who access.Actor) error {
			return s.ChangeIncompatible(r.Context(), who, id(r), kind, r.PathValue("ref"), false)
		}))
	}

	// Assignment policies.
	add("GET", "/assignmentPolicies", "List assignment policies", "accessPackageAssignmentPolicy",
		listOf(a, t.policy, func(r *http.Request, who access.Actor) ([]access.Policy, error) {
			return s.ListPolicies(r.Context(), who, "")
		}))
	add("POST", "/assignmentPolicies", "Create an assignment policy (accessPackage.id required)", "accessPackageAssignmentPolicy",
		createOf(a, t.policy, "accessPackageAssignmentPolicy", func(r *http.Request, who access.Actor, b body) (access.Policy, error) {
			pol, pkg, err := policyBody(b)
			if err != nil {
				return pol, err
			}
			return s.CreatePolicy(r.Context(), who, pol, pkg)
		}))
	add("GET", "/assignmentPolicies/{id}", "Get an assignment policy", "accessPackageAssignmentPolicy",
		oneOf(a, t.policy, func(r *http.Request, who access.Actor) (access.Policy, error) {
			return s.GetPolicy(r.Context(), who, id(r))
		}))
	add("PUT", "/assignmentPolicies/{id}", "Replace an assignment policy (full replacement)", "accessPackageAssignmentPolicy", a.handle(func(w http.ResponseWriter, r *http.Request) error {
		b, err := typedBody(r, "accessPackageAssignmentPolicy")
		if err != nil {
			return err
		}
		pol, pkg, err := policyBody(b)
		if err != nil {
			return err
		}
		out, err := s.ReplacePolicy(r.Context(), actorOf(r), id(r), pol, pkg)
		if err != nil {
			return err
		}
		a.writeOne(w, r, http.StatusOK, t.policy, toObj(out))
		return nil
	}))
	add("PATCH", "/assignmentPolicies/{id}", "Update an assignment policy (properties present replace the stored ones)", "",
		patchOf(a, "accessPackageAssignmentPolicy", func(r *http.Request, who access.Actor, fn func(*access.Policy) error) error {
			_, err := s.UpdatePolicy(r.Context(), who, id(r), fn)
			return err
		}))
	add("DELETE", "/assignmentPolicies/{id}", "Delete an assignment policy", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
		return s.DeletePolicy(r.Context(), who, id(r))
	}))
	return routes
}

// filterByCurrentUser parses Graph's function segment "filterByCurrentUser(on='x')" and
// returns x.
func filterByCurrentUser(segment string) (string, bool) {
	rest, ok := strings.CutPrefix(segment, "filterByCurrentUser(")
	if !ok || !strings.HasSuffix(rest, ")") {
		return "", false
	}
	arg := strings.TrimSpace(strings.TrimSuffix(rest, ")"))
	return strings.Trim(strings.TrimPrefix(arg, "on="), "'"), true
}

// requirements is Graph's accessPackageAssignmentRequestRequirements for a policy.
func requirements(p access.Policy) obj {
	ap := p.RequestApprovalSettings
	return obj{
		"policyId": p.ID, "policyDisplayName": p.DisplayName, "policyDescription": p.Description,
		"isApprovalRequiredForAdd": ap.IsApprovalRequiredForAdd, "isApprovalRequiredForUpdate": ap.IsApprovalRequiredForUpdate,
		"isRequestorJustificationRequired": ap.IsRequestorJustificationRequired,
		"allowCustomAssignmentSchedule":    p.RequestorSettings.AllowCustomAssignmentSchedule,
		"questions":                        toObj(struct{ Q []access.Question }{p.Questions})["Q"],
		"schedule":                         obj{"expiration": toObj(p.Expiration)},
	}
}

// withResourcePath returns a copy of a role or scope type whose filters may use
// resource/id and resource/originId (catalog-level listings).
func withResourcePath(t *entityType) *entityType {
	c := *t
	p := *t.props
	p.Names = append(append([]string{}, p.Names...), "resource/id", "resource/originId", "resource/originSystem", "resource/displayName")
	c.props = &p
	return &c
}

// policyBody decodes a policy and its access package id from a request body.
func policyBody(b body) (access.Policy, string, error) {
	var pol access.Policy
	if err := decodeInto(b, &pol); err != nil {
		return pol, "", err
	}
	pkg, err := nestedID(b, "accessPackage")
	if err != nil {
		return pol, "", err
	}
	if pkg == "" {
		pkg = pol.PackageID
	}
	return pol, pkg, nil
}

// roleRef reads a resourceRoleScope body into a role reference.
func roleRef(b body) (access.RoleRef, error) {
	var in struct {
		Role *struct {
			ID           string `json:"id"`
			OriginID     string `json:"originId"`
			OriginSystem string `json:"originSystem"`
			Resource     *struct {
				ID           string `json:"id"`
				OriginID     string `json:"originId"`
				OriginSystem string `json:"originSystem"`
			} `json:"resource"`
		} `json:"role"`
		Scope *struct {
			ID       string `json:"id"`
			OriginID string `json:"originId"`
		} `json:"scope"`
	}
	if err := decodeInto(b, &in); err != nil {
		return access.RoleRef{}, err
	}
	var ref access.RoleRef // the service says when the role is missing
	if in.Role != nil {
		ref = access.RoleRef{RoleID: in.Role.ID, RoleOriginID: in.Role.OriginID, OriginSystem: in.Role.OriginSystem}
	}
	if in.Role != nil && in.Role.Resource != nil {
		ref.ResourceID, ref.ResourceOriginID = in.Role.Resource.ID, in.Role.Resource.OriginID
		if ref.OriginSystem == "" {
			ref.OriginSystem = in.Role.Resource.OriginSystem
		}
	}
	if in.Scope != nil {
		ref.ScopeID, ref.ScopeOriginID = in.Scope.ID, in.Scope.OriginID
	}
	return ref, nil
}

// postResourceRequest handles POST resourceRequests.
func (a *API) postResourceRequest(w http.ResponseWriter, r *http.Request) error {
	b, err := typedBody(r, "accessPackageResourceRequest")
	if err != nil {
		return err
	}
	var in struct {
		RequestType string `json:"requestType"`
		Resource    *struct {
			ID           string `json:"id"`
			OriginID     string `json:"originId"`
			OriginSystem string `json:"originSystem"`
		} `json:"resource"`
		Catalog *struct {
			ID string `json:"id"`
		} `json:"catalog"`
	}
	if err := decodeInto(b, &in); err != nil {
		return err
	}
	if in.Resource == nil {
		in.Resource = &struct {
			ID           string `json:"id"`
			OriginID     string `json:"originId"`
			OriginSystem string `json:"originSystem"`
		}{} // the service says that the resource is missing, after it authorized
	}
	ch := access.ResourceChange{RequestType: in.RequestType, OriginSystem: in.Resource.OriginSystem, OriginID: in.Resource.OriginID}
	if len(ch.RequestType) > 5 && strings.HasPrefix(strings.ToLower(ch.RequestType), "admin") {
		ch.RequestType = "admin" + strings.ToUpper(ch.RequestType[5:6]) + ch.RequestType[6:]
	}
	if in.Resource.ID != "" && in.Resource.OriginID == "" {
		ch.ResourceID = in.Resource.ID
	}
	if in.Catalog != nil {
		ch.CatalogID = in.Catalog.ID
	}
	req, res, err := a.svc.RequestResource(r.Context(), actorOf(r), ch)
	if err != nil {
		return err
	}
	out := toObj(req)
	ro, err := a.types.resource.render(r.Context(), actorOf(r), toObj(res), odataQueryNone())
	if err != nil {
		return err
	}
	out["resource"] = ro
	out["catalog"] = obj{"id": req.CatalogID}
	a.writeOne(w, r, http.StatusCreated, a.types.resourceRequest, out)
	return nil
}
