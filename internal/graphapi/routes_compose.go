package graphapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/odata"
)

const composePath = "/bestow/v1/accessPackages/compose"

// composeRoutes serve the "New access package" wizard as one request (seed 002): a catalog
// (existing or new), the package, resources added to the catalog, resource roles and
// policies, created together or not at all (access.Service.CreateAccessPackage).
func (a *API) composeRoutes() []route {
	return []route{{method: "POST", pattern: composePath,
		summary: `Create an access package with everything around it in one change: {"catalog": {"id"} or {"displayName", "description", "isExternallyVisible"}, "accessPackage", "resources": [{"originSystem", "originId"}], "resourceRoleScopes", "assignmentPolicies"} → 201 with what was created; a failing part is named and nothing is kept`,
		h:       a.handle(a.postCompose)}}
}

// postCompose handles POST /bestow/v1/accessPackages/compose.
func (a *API) postCompose(w http.ResponseWriter, r *http.Request) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	in, err := composeInput(b)
	if err != nil {
		return err
	}
	who := actorOf(r)
	got, err := a.svc.CreateAccessPackage(r.Context(), who, in)
	if err != nil {
		return err
	}
	ctx, t, none := withBudget(r.Context()), a.types, odataQueryNone()
	out := obj{}
	if out["catalog"], err = t.catalog.render(ctx, who, toObj(got.Catalog), none); err != nil {
		return err
	}
	if out["accessPackage"], err = t.accessPackage.render(ctx, who, toObj(got.Package), none); err != nil {
		return err
	}
	list := func(et *entityType, items []obj, q odata.Query) ([]obj, error) {
		rendered := make([]obj, 0, len(items))
		for _, it := range items {
			o, err := et.render(ctx, who, it, q)
			if err != nil {
				return nil, err
			}
			rendered = append(rendered, o)
		}
		return rendered, nil
	}
	if out["resources"], err = list(t.resource, toObjs(got.Resources), none); err != nil {
		return err
	}
	// The resource roles show the role and scope they resolved to, as POST resourceRoleScopes does.
	withRole := odata.Query{Top: -1, Expand: []odata.Expand{{Path: "role", Query: odata.NewQuery()}, {Path: "scope", Query: odata.NewQuery()}}}
	if out["resourceRoleScopes"], err = list(t.roleScope, toObjs(got.RoleScopes), withRole); err != nil {
		return err
	}
	if out["assignmentPolicies"], err = list(t.policy, toObjs(got.Policies), none); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// composeInput reads the body of POST compose with the decoding of the single-object
// routes (POST catalogs, accessPackages, resourceRequests, resourceRoleScopes,
// assignmentPolicies). A part that cannot be read is named as the service names it.
func composeInput(b body) (access.NewAccessPackage, error) {
	var in access.NewAccessPackage
	if raw, ok := b["catalog"]; ok && string(raw) != "null" {
		var cb body
		if err := json.Unmarshal(raw, &cb); err != nil || cb == nil {
			return in, badRequest(`catalog must be an object: {"id": "…"} for an existing catalog, or {"displayName": "…", "description": "…", "isExternallyVisible": true} for a new one`)
		}
		id, err := nestedID(b, "catalog")
		if err != nil {
			return in, err
		}
		in.CatalogID = id
		if newCatalogProps(cb) {
			c := access.Catalog{IsExternallyVisible: true} // as POST catalogs
			if err := checkType(cb, "accessPackageCatalog"); err != nil {
				return in, inPart("catalog", err)
			}
			if err := decodeInto(cb, &c); err != nil {
				return in, inPart("catalog", err)
			}
			c.ID = ""
			in.NewCatalog = &c
		}
	}
	if pb, err := objectProp(b, "accessPackage"); err != nil {
		return in, err
	} else if pb != nil {
		if err := checkType(pb, "accessPackage"); err != nil {
			return in, inPart("accessPackage", err)
		}
		if err := decodeInto(pb, &in.Package); err != nil {
			return in, inPart("accessPackage", err)
		}
	}
	var resources []struct {
		OriginSystem string `json:"originSystem"`
		OriginID     string `json:"originId"`
	}
	if raw, ok := b["resources"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &resources); err != nil {
			return in, badRequest(`property 'resources' must be an array of {"originSystem": "…", "originId": "…"}`)
		}
	}
	for _, res := range resources {
		in.Resources = append(in.Resources, access.ResourceChange{OriginSystem: res.OriginSystem, OriginID: res.OriginID})
	}
	scopes, err := objectList(b, "resourceRoleScopes")
	if err != nil {
		return in, err
	}
	for i, sb := range scopes {
		if err := checkType(sb, "accessPackageResourceRoleScope"); err != nil {
			return in, inPart(fmt.Sprintf("resource role %d", i+1), err)
		}
		ref, err := roleRef(sb)
		if err != nil {
			return in, inPart(fmt.Sprintf("resource role %d", i+1), err)
		}
		in.RoleScopes = append(in.RoleScopes, ref)
	}
	policies, err := objectList(b, "assignmentPolicies")
	if err != nil {
		return in, err
	}
	for i, pb := range policies {
		if err := checkType(pb, "accessPackageAssignmentPolicy"); err != nil {
			return in, inPart(fmt.Sprintf("policy %d", i+1), err)
		}
		pol, _, err := policyBody(pb) // the policy's package is the new one
		if err != nil {
			return in, inPart(fmt.Sprintf("policy %d", i+1), err)
		}
		in.Policies = append(in.Policies, pol)
	}
	return in, nil
}

// newCatalogProps reports whether a catalog object describes a new catalog: it has
// properties beyond its id.
func newCatalogProps(cb body) bool {
	for k := range cb {
		if k != "id" && !strings.HasPrefix(k, "@odata") {
			return true
		}
	}
	return false
}

// objectProp returns the object of property name, nil when it is absent or null.
func objectProp(b body, name string) (body, error) {
	raw, ok := b[name]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var m body
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, badRequest("property '%s' must be an object", name)
	}
	return m, nil
}

// objectList returns the objects of the array property name, none when it is absent or
// null.
func objectList(b body, name string) ([]body, error) {
	raw, ok := b[name]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var list []body
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, badRequest("property '%s' must be an array of objects", name)
	}
	for i, m := range list {
		if m == nil {
			return nil, badRequest("property '%s' must be an array of objects; item %d is not one", name, i+1)
		}
	}
	return list, nil
}

// inPart names the part of a compose body that could not be read, keeping the error's
// kind and code.
func inPart(part string, err error) error {
	var e *access.Error
	if errors.As(err, &e) {
		return &access.Error{Kind: e.Kind, Code: e.Code, Msg: part, Err: err}
	}
	return fmt.Errorf("%s: %w", part, err)
}
