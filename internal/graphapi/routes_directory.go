package graphapi

import (
	"net/http"

	"github.com/bestowhq/bestow/internal/access"
)

func (a *API) directoryRoutes() []route {
	t, s := a.types, a.svc
	id := func(r *http.Request) string { return r.PathValue("id") }
	var routes []route
	add := func(method, pattern, summary, typ string, h http.HandlerFunc) {
		routes = append(routes, route{method: method, pattern: pattern, summary: summary, typ: typ, h: h})
	}
	add("GET", "/v1.0/users", "List users", "user", windowOf(a, t.user,
		func(r *http.Request, who access.Actor, keys ...access.Key) ([]access.User, error) {
			return s.ListUsers(r.Context(), who, false, keys...)
		},
		func(r *http.Request, who access.Actor, w access.Window) ([]access.User, int, error) {
			return s.ListUsersWindow(r.Context(), who, w)
		}))
	add("POST", "/v1.0/users", "Create a user (passwordProfile is accepted and ignored)", "user",
		createOf(a, t.user, "user", func(r *http.Request, who access.Actor, b body) (access.User, error) {
			u := access.User{AccountEnabled: true}
			if err := decodeInto(b, &u); err != nil {
				return u, err
			}
			return s.CreateUser(r.Context(), who, u)
		}))
	add("GET", "/v1.0/users/{id}", "Get a user by id or userPrincipalName", "user", oneOf(a, t.user, func(r *http.Request, who access.Actor) (access.User, error) {
		return s.GetUser(r.Context(), who, id(r))
	}))
	add("PATCH", "/v1.0/users/{id}", "Update a user", "", patchOf(a, "user", func(r *http.Request, who access.Actor, fn func(*access.User) error) error {
		_, err := s.UpdateUser(r.Context(), who, id(r), fn)
		return err
	}))
	add("DELETE", "/v1.0/users/{id}", "Delete a user (restorable for 30 days)", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
		return s.DeleteUser(r.Context(), who, id(r))
	}))
	add("GET", "/v1.0/users/{id}/manager", "Get a user's manager", "user", oneOf(a, t.user, func(r *http.Request, who access.Actor) (access.User, error) {
		return s.Manager(r.Context(), who, id(r))
	}))
	add("PUT", "/v1.0/users/{id}/manager/$ref", "Set a user's manager", "", a.refOf(func(r *http.Request, who access.Actor, ref string) error {
		return s.SetManager(r.Context(), who, id(r), ref)
	}))
	add("DELETE", "/v1.0/users/{id}/manager/$ref", "Remove a user's manager", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
		return s.SetManager(r.Context(), who, id(r), "")
	}))
	add("GET", "/v1.0/users/{id}/directReports", "List a user's direct reports", "directoryObject", a.handle(func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.DirectReports(r.Context(), actorOf(r), id(r))
		if err == nil {
			a.writeList(w, r, t.directoryObject, directoryObjects(list, access.TypeUser))
		}
		return err
	}))
	add("GET", "/v1.0/users/{id}/sponsors", "List a user's sponsors", "directoryObject", listOf(a, t.directoryObject, func(r *http.Request, who access.Actor) ([]access.DirectoryObject, error) {
		return s.Sponsors(r.Context(), who, id(r))
	}))
	add("POST", "/v1.0/users/{id}/sponsors/$ref", "Add a sponsor to a user", "", a.refOf(func(r *http.Request, who access.Actor, ref string) error {
		return s.AddSponsor(r.Context(), who, id(r), ref)
	}))
	add("DELETE", "/v1.0/users/{id}/sponsors/{ref}/$ref", "Remove a sponsor from a user", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
		return s.RemoveSponsor(r.Context(), who, id(r), r.PathValue("ref"))
	}))
	add("GET", "/v1.0/users/{id}/memberOf", "List the groups a user is a direct member of", "directoryObject", a.handle(func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.MemberOf(r.Context(), actorOf(r), id(r))
		if err == nil {
			a.writeList(w, r, t.directoryObject, directoryObjects(list, access.TypeGroup))
		}
		return err
	}))
	add("GET", "/v1.0/directory/deletedItems/microsoft.graph.user", "List deleted users", "user", listOf(a, t.user, func(r *http.Request, who access.Actor) ([]access.User, error) {
		return s.ListUsers(r.Context(), who, true)
	}))
	add("GET", "/v1.0/directory/deletedItems/microsoft.graph.group", "List deleted groups", "group", listOf(a, t.group, func(r *http.Request, who access.Actor) ([]access.Group, error) {
		return s.ListGroups(r.Context(), who, true)
	}))
	add("GET", "/v1.0/directory/deletedItems/{id}", "Get a deleted user or group", "directoryObject", a.handle(func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.GetDeletedItem(r.Context(), actorOf(r), id(r))
		if err == nil {
			a.writeDeletedItem(w, r, d)
		}
		return err
	}))
	add("POST", "/v1.0/directory/deletedItems/{id}/restore", "Restore a deleted user or group", "directoryObject", a.handle(func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.RestoreDeletedItem(r.Context(), actorOf(r), id(r))
		if err == nil {
			a.writeDeletedItem(w, r, d)
		}
		return err
	}))
	add("DELETE", "/v1.0/directory/deletedItems/{id}", "Permanently delete a deleted user or group", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
		return s.PurgeDeletedItem(r.Context(), who, id(r))
	}))

	add("GET", "/v1.0/groups", "List groups", "group", listOf(a, t.group, func(r *http.Request, who access.Actor) ([]access.Group, error) {
		return s.ListGroups(r.Context(), who, false)
	}))
	add("POST", "/v1.0/groups", "Create a group", "group", createOf(a, t.group, "group", func(r *http.Request, who access.Actor, b body) (access.Group, error) {
		var g access.Group
		if err := decodeInto(b, &g); err != nil {
			return g, err
		}
		return s.CreateGroup(r.Context(), who, g)
	}))
	add("GET", "/v1.0/groups/{id}", "Get a group", "group", oneOf(a, t.group, func(r *http.Request, who access.Actor) (access.Group, error) {
		return s.GetGroup(r.Context(), who, id(r))
	}))
	add("PATCH", "/v1.0/groups/{id}", "Update a group", "", patchOf(a, "group", func(r *http.Request, who access.Actor, fn func(*access.Group) error) error {
		_, err := s.UpdateGroup(r.Context(), who, id(r), fn)
		return err
	}))
	add("DELETE", "/v1.0/groups/{id}", "Delete a group (restorable for 30 days)", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
		return s.DeleteGroup(r.Context(), who, id(r))
	}))
	for _, rel := range []access.Relation{access.RelMember, access.RelOwner} {
		nav := string(rel) + "s"
		add("GET", "/v1.0/groups/{id}/"+nav, "List a group's "+nav, "directoryObject", listOf(a, t.directoryObject, func(r *http.Request, who access.Actor) ([]access.DirectoryObject, error) {
			return s.Relations(r.Context(), who, id(r), rel)
		}))
		add("POST", "/v1.0/groups/{id}/"+nav+"/$ref", "Add a "+string(rel)+" to a group", "", a.refOf(func(r *http.Request, who access.Actor, ref string) error {
			return s.AddRelation(r.Context(), who, id(r), rel, ref)
		}))
		add("DELETE", "/v1.0/groups/{id}/"+nav+"/{ref}/$ref", "Remove a "+string(rel)+" from a group", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
			return s.RemoveRelation(r.Context(), who, id(r), rel, r.PathValue("ref"))
		}))
	}

	add("GET", "/v1.0/servicePrincipals", "List service principals", "servicePrincipal", listOf(a, t.servicePrincipal, func(r *http.Request, who access.Actor) ([]access.ServicePrincipal, error) {
		return s.ListServicePrincipals(r.Context(), who)
	}))
	add("POST", "/v1.0/servicePrincipals", "Create a service principal with app roles", "servicePrincipal",
		createOf(a, t.servicePrincipal, "servicePrincipal", func(r *http.Request, who access.Actor, b body) (access.ServicePrincipal, error) {
			sp := access.ServicePrincipal{AccountEnabled: true}
			if err := decodeInto(b, &sp); err != nil {
				return sp, err
			}
			return s.CreateServicePrincipal(r.Context(), who, sp)
		}))
	add("GET", "/v1.0/servicePrincipals/{id}", "Get a service principal", "servicePrincipal", oneOf(a, t.servicePrincipal, func(r *http.Request, who access.Actor) (access.ServicePrincipal, error) {
		return s.GetServicePrincipal(r.Context(), who, id(r))
	}))
	add("PATCH", "/v1.0/servicePrincipals/{id}", "Update a service principal", "", patchOf(a, "servicePrincipal", func(r *http.Request, who access.Actor, fn func(*access.ServicePrincipal) error) error {
		_, err := s.UpdateServicePrincipal(r.Context(), who, id(r), fn)
		return err
	}, "appId"))
	add("DELETE", "/v1.0/servicePrincipals/{id}", "Delete a service principal", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
		return s.DeleteServicePrincipal(r.Context(), who, id(r))
	}))
	add("GET", "/v1.0/servicePrincipals/{id}/appRoleAssignedTo", "List the assignments of a service principal's app roles", "appRoleAssignment",
		listOf(a, t.appRoleAssignment, func(r *http.Request, who access.Actor) ([]access.AppRoleAssignment, error) {
			return s.AppRoleAssignedTo(r.Context(), who, id(r))
		}))
	add("POST", "/v1.0/servicePrincipals/{id}/appRoleAssignedTo", "Grant an app role", "appRoleAssignment",
		createOf(a, t.appRoleAssignment, "appRoleAssignment", func(r *http.Request, who access.Actor, b body) (access.AppRoleAssignment, error) {
			var x access.AppRoleAssignment
			if err := decodeInto(b, &x); err != nil {
				return x, err
			}
			return s.AssignAppRole(r.Context(), who, id(r), x)
		}))
	add("DELETE", "/v1.0/servicePrincipals/{id}/appRoleAssignedTo/{ref}", "Remove an app role assignment", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
		return s.RemoveAppRoleAssignment(r.Context(), who, id(r), r.PathValue("ref"))
	}))

	add("GET", "/v1.0/sites", "List sites", "site", listOf(a, t.site, func(r *http.Request, who access.Actor) ([]access.Site, error) {
		return s.ListSites(r.Context(), who)
	}))
	add("POST", "/v1.0/sites", "Create a site with its site roles (Bestow)", "site", createOf(a, t.site, "site", func(r *http.Request, who access.Actor, b body) (access.Site, error) {
		var x access.Site
		if err := decodeInto(b, &x); err != nil {
			return x, err
		}
		return s.CreateSite(r.Context(), who, x)
	}))
	add("GET", "/v1.0/sites/{id}", "Get a site", "site", oneOf(a, t.site, func(r *http.Request, who access.Actor) (access.Site, error) {
		return s.GetSite(r.Context(), who, id(r))
	}))
	add("PATCH", "/v1.0/sites/{id}", "Update a site", "", patchOf(a, "site", func(r *http.Request, who access.Actor, fn func(*access.Site) error) error {
		_, err := s.UpdateSite(r.Context(), who, id(r), fn)
		return err
	}))
	add("DELETE", "/v1.0/sites/{id}", "Delete a site", "", a.deleteOf(func(r *http.Request, who access.Actor) error {
		return s.DeleteSite(r.Context(), who, id(r))
	}))
	return routes
}

// writeDeletedItem answers a deleted user or group as Graph answers deletedItems: the
// object with its @odata.type, in the context of directoryObjects; $select and $expand
// apply as on the object's own type.
func (a *API) writeDeletedItem(w http.ResponseWriter, r *http.Request, d access.DeletedItem) {
	t := a.types.user
	if d.Group != nil {
		t = a.types.group
	}
	a.writeEntity(w, r, http.StatusOK, t, toObj(d.Object()), obj{
		"@odata.context": absURL(r, "/v1.0/$metadata#directoryObjects/$entity"),
		"@odata.type":    d.ODataType(),
	})
}
