package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// Connectors (CON-1): connections to LDAP directories and SCIM services, created, tested,
// changed and deleted by Global and Identity Governance administrators; their secrets are
// write-only. A connector's page searches its groups (CON-2) and reconciles its
// resources with what Bestow delivered, reporting drift and, if asked, repairing it (ASG-6).

func (p *Portal) connectorRoutes(mux *http.ServeMux, admin func(http.HandlerFunc) http.HandlerFunc) {
	const base = "/admin/directory/connectors"
	mux.HandleFunc("GET "+base, admin(p.adminConnectors))
	mux.HandleFunc("POST "+base, admin(p.adminCreateConnector))
	mux.HandleFunc("GET "+base+"/{id}", admin(p.adminConnector))
	mux.HandleFunc("POST "+base+"/{id}", admin(p.adminUpdateConnector))
	mux.HandleFunc("POST "+base+"/{id}/delete", admin(p.adminDeleteConnector))
	mux.HandleFunc("POST "+base+"/{id}/test", admin(p.adminTestConnector))
	mux.HandleFunc("POST "+base+"/{id}/reconcile", admin(p.adminReconcile))
}

// connectorFields are the settings the console's forms offer for each type, in order;
// the secret ones (access.SecretSettings) are write-only: never shown, left as they are
// when the field is left empty.
var connectorFields = map[string][]string{
	access.ConnectorLDAP: {"url", "bindDN", "bindPassword", "baseDN"},
	access.ConnectorSCIM: {"url", "token"},
}

// fieldLabels are the form labels of the settings, with an example.
var fieldLabels = map[string][2]string{
	"url":          {"URL", ""}, // by type, in formFields
	"bindDN":       {"Bind DN", "the account that writes the groups, e.g. cn=bestow,ou=services,dc=example,dc=com; empty binds anonymously"},
	"bindPassword": {"Bind password", "write-only"},
	"baseDN":       {"Base DN", "the subtree holding the users and groups, e.g. dc=example,dc=com"},
	"token":        {"Bearer token", "write-only"},
}

// formFields returns the fields of a connector form of type kind, filled from values
// (secrets never are); set names the secrets already set.
func formFields(kind, prefix string, values map[string]string, set []string) []field {
	var out []field
	for _, f := range connectorFields[kind] {
		fd := field{Name: f, ID: prefix + f, Label: fieldLabels[f][0], Hint: fieldLabels[f][1], Secret: secret(f), Set: slices.Contains(set, f)}
		if !fd.Secret {
			fd.Value = values[f]
		}
		if kind == access.ConnectorSCIM && f == "url" {
			fd.Hint = "the SCIM base URL, e.g. https://idp.example.com/scim/v2"
		} else if f == "url" {
			fd.Hint = "ldap://host:389 or ldaps://host:636"
		}
		out = append(out, fd)
	}
	return out
}

// connectorForm is a form that creates a connector of one type.
type connectorForm struct {
	Type, Title string
	Typed       map[string]string // what was typed, when this form was refused
	Fields      []field
}

func secret(field string) bool { return slices.Contains(access.SecretSettings, field) }

// adminConnectors lists the connectors, with the forms that create an LDAP or a SCIM
// connector.
func (p *Portal) adminConnectors(w http.ResponseWriter, r *http.Request) {
	p.showConnectors(w, r, http.StatusOK, "", nil)
}

func (p *Portal) showConnectors(w http.ResponseWriter, r *http.Request, status int, msg string, typed map[string]string) {
	who := actorOf(r)
	list, err := p.svc.ListConnectors(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	slices.SortFunc(list, func(a, b access.ConnectorConfig) int { return strings.Compare(a.ID, b.ID) })
	var forms []connectorForm
	for _, f := range []connectorForm{{Type: access.ConnectorLDAP, Title: "New LDAP connector"}, {Type: access.ConnectorSCIM, Title: "New SCIM connector"}} {
		f.Typed = map[string]string{}
		if typed["type"] == f.Type {
			f.Typed = typed
		}
		f.Fields = formFields(f.Type, f.Type+"-", f.Typed, nil)
		forms = append(forms, f)
	}
	p.render(w, r, status, "admin_dir_connectors", page{Title: "Connectors", Nav: "admin-directory", Who: who, Error: msg,
		Data: map[string]any{"Head": directoryHead(who, "connectors"), "Connectors": list, "Forms": forms}})
}

// adminCreateConnector creates a connector of the type the form is for, with the settings
// typed (empty fields left out).
func (p *Portal) adminCreateConnector(w http.ResponseWriter, r *http.Request) {
	kind := r.PostFormValue("type")
	c := access.ConnectorConfig{ID: strings.TrimSpace(r.PostFormValue("id")), Type: kind,
		DisplayName: strings.TrimSpace(r.PostFormValue("displayName")), Settings: map[string]any{}}
	typed := map[string]string{"type": kind, "id": c.ID, "displayName": c.DisplayName}
	for _, f := range connectorFields[kind] {
		v := strings.TrimSpace(r.PostFormValue(f))
		if v != "" {
			c.Settings[f] = v
		}
		if !secret(f) {
			typed[f] = v
		}
	}
	c, err := p.svc.CreateConnector(r.Context(), actorOf(r), c)
	p.settle(w, r, err, "/admin/directory/connectors/"+url.PathEscape(c.ID), "Connector '"+c.DisplayName+"' was created. Test it to check that it reaches its target.",
		func(status int, msg string) { p.showConnectors(w, r, status, msg, typed) })
}

// setting is one setting of a connector as its page shows it.
type setting struct{ Name, Value string }

// connectorView is the data of a connector's page.
type connectorView struct {
	Head      dirHead
	Connector access.ConnectorConfig
	Settings  []setting // every setting, secrets named but not shown
	Fields    []field   // the form's fields
	// Search is the group search typed (Searched says one was made), Groups what it found.
	Search      string
	Searched    bool
	Groups      []access.TargetResource
	CanGroups   bool
	Drift       []access.Drift
	Reconciled  bool
	Repair      bool
	TestProblem string
}

// field is a setting of a connector form.
type field struct {
	Name, ID, Label, Hint, Value string
	Secret, Set                  bool
}

// adminConnector shows a connector: its settings (a form unless it is declared in the
// server's config file), Test, the search of its groups, Reconcile and Delete.
func (p *Portal) adminConnector(w http.ResponseWriter, r *http.Request) {
	p.showConnector(w, r, http.StatusOK, "", func(v *connectorView) error {
		q := r.URL.Query()
		if !q.Has("search") {
			return nil
		}
		v.Search, v.Searched = strings.TrimSpace(q.Get("search")), true
		var err error
		v.Groups, err = p.svc.ConnectorGroups(r.Context(), actorOf(r), v.Connector.ID, v.Search)
		return err
	})
}

// showConnector shows the connector's page; more, when given, adds to it (a group search,
// a test's or a reconcile's result), and its error is shown on the page.
func (p *Portal) showConnector(w http.ResponseWriter, r *http.Request, status int, msg string, more func(*connectorView) error) {
	who := actorOf(r)
	c, err := p.svc.GetConnector(r.Context(), who, r.PathValue("id"))
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	v := connectorView{Head: directoryHead(who, "connectors"), Connector: c, CanGroups: who.Can(access.ActManageCatalog, access.Target{})}
	names := make([]string, 0, len(c.Settings))
	for k := range c.Settings {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		v.Settings = append(v.Settings, setting{k, fmt.Sprint(c.Settings[k])})
	}
	for _, k := range c.SecretsSet {
		v.Settings = append(v.Settings, setting{k, "set (write-only, never shown)"})
	}
	values := map[string]string{}
	for k, val := range c.Settings {
		values[k] = fmt.Sprint(val)
	}
	v.Fields = formFields(c.Type, "", values, c.SecretsSet)
	if more != nil {
		if err := more(&v); err != nil {
			status = statusOf(err)
			if access.IsKind(err, access.KindTransient) { // the target is unavailable: say so
				status = http.StatusServiceUnavailable
			}
			if status == http.StatusInternalServerError {
				p.fail(w, r, who, err)
				return
			}
			msg = err.Error()
		}
	}
	p.render(w, r, status, "admin_dir_connector", page{Title: c.DisplayName, Nav: "admin-directory", Who: who, Error: msg, Data: v})
}

func connectorBack(r *http.Request) string {
	return "/admin/directory/connectors/" + url.PathEscape(r.PathValue("id"))
}

// adminUpdateConnector saves the form: the name, the reconcile mode and the settings it
// offers (an empty secret field keeps the secret; the Service drops it when the url or
// bindDN changes without it). Other settings stay as they are.
func (p *Portal) adminUpdateConnector(w http.ResponseWriter, r *http.Request) {
	name, mode := strings.TrimSpace(r.PostFormValue("displayName")), r.PostFormValue("reconcile")
	_, err := p.svc.UpdateConnector(r.Context(), actorOf(r), r.PathValue("id"), func(c *access.ConnectorConfig) error {
		c.DisplayName, c.Reconcile = name, mode
		for _, f := range connectorFields[c.Type] {
			v := strings.TrimSpace(r.PostFormValue(f))
			switch {
			case secret(f) && v == "":
			case v == "":
				delete(c.Settings, f)
			default:
				c.Settings[f] = v
			}
		}
		return nil
	})
	p.settle(w, r, err, connectorBack(r), "Saved.", func(status int, msg string) { p.showConnector(w, r, status, msg, nil) })
}

// adminDeleteConnector deletes the connector; refused, naming them, while catalogs hold
// its resources (CON-1).
func (p *Portal) adminDeleteConnector(w http.ResponseWriter, r *http.Request) {
	err := p.svc.DeleteConnector(r.Context(), actorOf(r), r.PathValue("id"))
	p.settle(w, r, err, "/admin/directory/connectors", "The connector was deleted.", func(status int, msg string) { p.showConnector(w, r, status, msg, nil) })
}

// adminTestConnector checks that the connector reaches its target and is let in; the
// target's complaint, when it has one, is shown on the page.
func (p *Portal) adminTestConnector(w http.ResponseWriter, r *http.Request) {
	problem, err := p.svc.TestConnector(r.Context(), actorOf(r), r.PathValue("id"))
	if err == nil && problem != nil {
		p.showConnector(w, r, http.StatusOK, "", func(v *connectorView) error { v.TestProblem = problem.Error(); return nil })
		return
	}
	p.settle(w, r, err, connectorBack(r), "Test passed: the connector reaches its target and is let in.",
		func(status int, msg string) { p.showConnector(w, r, status, msg, nil) })
}

// adminReconcile compares the connector's resources with what Bestow delivered and shows
// the drift (ASG-6); with repair it puts the target right.
func (p *Portal) adminReconcile(w http.ResponseWriter, r *http.Request) {
	repair := r.PostFormValue("repair") == "on"
	drift, err := p.svc.ReconcileConnector(r.Context(), actorOf(r), r.PathValue("id"), repair)
	p.showConnector(w, r, http.StatusOK, "", func(v *connectorView) error {
		v.Drift, v.Reconciled, v.Repair = drift, true, repair
		return err
	})
}
