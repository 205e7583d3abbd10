package graphapi

import (
	"net/http"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/odata"
)

const rbac = "/v1.0/roleManagement/entitlementManagement"

func odataQueryNone() odata.Query { return odata.Query{Top: -1} }

func (a *API) adminRoutes() []route {
	t, s := a.types, a.svc
	id := func(r *http.Request) string { return r.PathValue("id") }
	routes := []route{
		{method: "GET", pattern: rbac + "/roleDefinitions", summary: "List the administrative roles", typ: "unifiedRoleDefinition",
			h: listOf(a, t.roleDefinition, func(r *http.Request, who access.Actor) ([]access.RoleDefinition, error) {
				return access.RoleDefinitions, nil
			})},
		{method: "GET", pattern: rbac + "/roleDefinitions/{id}", summary: "Get an administrative role", typ: "unifiedRoleDefinition",
			h: oneOf(a, t.roleDefinition, func(r *http.Request, who access.Actor) (access.RoleDefinition, error) {
				def, ok := access.RoleByID(id(r))
				if !ok {
					return def, access.Ec(access.KindNotFound, "ResourceNotFound", "role definition '%s' does not exist", id(r))
				}
				return def, nil
			})},
		{method: "GET", pattern: rbac + "/roleAssignments", summary: "List role assignments", typ: "unifiedRoleAssignment",
			h: listOf(a, t.roleAssignment, func(r *http.Request, who access.Actor) ([]access.RoleAssignment, error) {
				return s.ListRoleAssignments(r.Context(), who)
			})},
		{method: "POST", pattern: rbac + "/roleAssignments", summary: "Grant a role (tenant-wide, or per catalog with appScopeId /AccessPackageCatalog/{id})", typ: "unifiedRoleAssignment",
			h: createOf(a, t.roleAssignment, "unifiedRoleAssignment", func(r *http.Request, who access.Actor, b body) (access.RoleAssignment, error) {
				var ra access.RoleAssignment
				if err := decodeInto(b, &ra); err != nil {
					return ra, err
				}
				return s.CreateRoleAssignment(r.Context(), who, ra)
			})},
		{method: "GET", pattern: rbac + "/roleAssignments/{id}", summary: "Get a role assignment", typ: "unifiedRoleAssignment",
			h: oneOf(a, t.roleAssignment, func(r *http.Request, who access.Actor) (access.RoleAssignment, error) {
				return s.GetRoleAssignment(r.Context(), who, id(r))
			})},
		{method: "DELETE", pattern: rbac + "/roleAssignments/{id}", summary: "Remove a role assignment",
			h: a.deleteOf(func(r *http.Request, who access.Actor) error { return s.DeleteRoleAssignment(r.Context(), who, id(r)) })},
		{method: "GET", pattern: "/bestow/v1/explain/permission", summary: "Explain whether a user may do an action in a scope (?user=&action=&scope=), and which roles would allow it",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				q := r.URL.Query()
				user := q.Get("user")
				if user == "" {
					user = actorOf(r).UserID
				}
				if q.Get("action") == "" {
					return badRequest("action is required, for example ?action=accessPackage.create&scope=<catalogId>; GET /bestow/v1/explain/actions lists them")
				}
				ex, err := s.ExplainPermission(r.Context(), actorOf(r), user, access.Action(q.Get("action")), q.Get("scope"))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, ex)
				return nil
			})},
		{method: "GET", pattern: "/bestow/v1/accessPackages/{id}/portalLink", summary: "The stable portal link of an access package (AP-1), hidden or not",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				p, err := s.GetPackage(r.Context(), actorOf(r), id(r))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, obj{"accessPackageId": p.ID, "displayName": p.DisplayName, "isHidden": p.IsHidden,
					"portalLink": absURL(r, p.PortalPath())})
				return nil
			})},
		{method: "GET", pattern: "/bestow/v1/explain/request", summary: "Explain whether a user can request an access package (?user=&accessPackage=, id or name): every check with the fix",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				q := r.URL.Query()
				user := q.Get("user")
				if user == "" {
					user = actorOf(r).UserID
				}
				if q.Get("accessPackage") == "" {
					return badRequest("accessPackage is required: ?user=<id or userPrincipalName>&accessPackage=<id or display name>")
				}
				ex, err := s.ExplainRequest(r.Context(), actorOf(r), user, q.Get("accessPackage"))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, ex)
				return nil
			})},
		{method: "GET", pattern: "/bestow/v1/explain/delivery", summary: "Explain the delivery of a request or assignment (?request= or ?assignment=): every role with its state, last error, attempts, next retry, and what to do now (TRB-2)",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				q := r.URL.Query()
				ex, err := s.ExplainDelivery(r.Context(), actorOf(r), q.Get("request"), q.Get("assignment"))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, ex)
				return nil
			})},
		{method: "GET", pattern: "/bestow/v1/explain/actions", summary: "List the actions that roles allow",
			h: func(w http.ResponseWriter, r *http.Request) {
				var out []obj
				for _, act := range access.Actions() {
					out = append(out, obj{"action": act, "description": act.Describe()})
				}
				writeJSON(w, http.StatusOK, obj{"value": out})
			}},
		{method: "GET", pattern: "/v1.0/me", summary: "Get the signed-in user", typ: "user",
			h: oneOf(a, t.user, func(r *http.Request, who access.Actor) (access.User, error) {
				return s.GetUser(r.Context(), who, who.UserID)
			})},
		{method: "GET", pattern: "/healthz", summary: "Liveness and database check", public: true, h: a.healthz},
		{method: "GET", pattern: "/openapi.json", summary: "This API as an OpenAPI 3.1 document", public: true, h: a.openapi},
	}
	return routes
}

func (a *API) routeTable() []route {
	var all []route
	all = append(all, a.directoryRoutes()...)
	all = append(all, a.governanceRoutes()...)
	all = append(all, a.requestRoutes()...)
	all = append(all, a.adminRoutes()...)
	all = append(all, a.callRoutes()...)
	all = append(all, a.connectorRoutes()...)
	all = append(all, a.reprocessRoutes()...)
	all = append(all, a.extensionRoutes()...)
	all = append(all, a.reportRoutes()...)
	all = append(all, a.composeRoutes()...)
	return all
}

func (a *API) healthz(w http.ResponseWriter, r *http.Request) {
	err := a.svc.Store().Read(r.Context(), func(tx access.Tx) error {
		_, err := tx.Settings().Get(r.Context(), "settings")
		return err
	})
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, obj{"status": "unavailable", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, obj{"status": "ok"})
}
