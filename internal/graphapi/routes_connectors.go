package graphapi

import (
	"net/http"

	"github.com/bestowhq/bestow/internal/access"
)

const connectorsPath = "/bestow/v1/connectors"

// connectorRoutes manage the connectors to other systems (LDAP, SCIM): configured as
// data, their secrets write-only.
func (a *API) connectorRoutes() []route {
	s := a.svc
	id := func(r *http.Request) string { return r.PathValue("id") }
	one := func(w http.ResponseWriter, status int, c access.ConnectorConfig, err error) error {
		if err != nil {
			return err
		}
		writeJSON(w, status, c)
		return nil
	}
	return []route{
		{method: "GET", pattern: connectorsPath, summary: "List the connectors to other systems (secrets are never returned)",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				list, err := s.ListConnectors(r.Context(), actorOf(r))
				if err != nil {
					return err
				}
				if list == nil {
					list = []access.ConnectorConfig{}
				}
				writeJSON(w, http.StatusOK, obj{"value": list})
				return nil
			})},
		{method: "POST", pattern: connectorsPath, summary: "Create a connector: {id, type (ldap, scim), displayName, settings}; bindPassword and token are write-only",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				b, err := readBody(r)
				if err != nil {
					return err
				}
				var c access.ConnectorConfig
				if err := decodeInto(b, &c); err != nil {
					return err
				}
				c, err = s.CreateConnector(r.Context(), actorOf(r), c)
				return one(w, http.StatusCreated, c, err)
			})},
		{method: "GET", pattern: connectorsPath + "/{id}", summary: "Get a connector (secrets are never returned)",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				c, err := s.GetConnector(r.Context(), actorOf(r), id(r))
				return one(w, http.StatusOK, c, err)
			})},
		{method: "PATCH", pattern: connectorsPath + "/{id}", summary: "Change a connector's displayName or settings (merged key by key; a secret set to null is removed)",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				b, err := readBody(r)
				if err != nil {
					return err
				}
				c, err := s.UpdateConnector(r.Context(), actorOf(r), id(r),
					merge[access.ConnectorConfig](b, "id", "type", "createdDateTime", "modifiedDateTime", "secretsSet"))
				return one(w, http.StatusOK, c, err)
			})},
		{method: "DELETE", pattern: connectorsPath + "/{id}", summary: "Delete a connector (refused while a catalog holds one of its resources)",
			h: a.deleteOf(func(r *http.Request, who access.Actor) error { return s.DeleteConnector(r.Context(), who, id(r)) })},
		{method: "POST", pattern: connectorsPath + "/{id}/test", summary: "Test a connector: {ok, message} says whether it reaches its target and what is wrong",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				problem, err := s.TestConnector(r.Context(), actorOf(r), id(r))
				if err != nil {
					return err
				}
				res := obj{"ok": true, "message": "the connector reaches its target and its credentials are accepted"}
				if problem != nil {
					res = obj{"ok": false, "message": problem.Error()}
				}
				writeJSON(w, http.StatusOK, res)
				return nil
			})},
		{method: "POST", pattern: connectorsPath + "/{id}/reconcile", summary: `Compare the connector's groups with what Bestow delivered (ASG-6): missing and unexpected members; {"repair": true} also puts them right`,
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				var in struct {
					Repair bool `json:"repair"`
				}
				if r.ContentLength != 0 {
					b, err := readBody(r)
					if err != nil {
						return err
					}
					if err := decodeInto(b, &in); err != nil {
						return err
					}
				}
				list, err := s.ReconcileConnector(r.Context(), actorOf(r), id(r), in.Repair)
				if err != nil {
					return err
				}
				if list == nil {
					list = []access.Drift{}
				}
				writeJSON(w, http.StatusOK, obj{"value": list})
				return nil
			})},
		{method: "GET", pattern: connectorsPath + "/{id}/groups", summary: "The groups of a connector's target that a catalog can take (?search=)",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				list, err := s.ConnectorGroups(r.Context(), actorOf(r), id(r), r.URL.Query().Get("search"))
				if err != nil {
					return err
				}
				out := make([]obj, len(list))
				for i, g := range list {
					roles := make([]obj, len(g.Roles))
					for j, x := range g.Roles {
						roles[j] = obj{"originId": x.OriginID, "displayName": x.DisplayName, "description": x.Description}
					}
					out[i] = obj{"originId": g.OriginID, "displayName": g.DisplayName, "description": g.Description, "roles": roles}
				}
				writeJSON(w, http.StatusOK, obj{"value": out})
				return nil
			})},
	}
}
