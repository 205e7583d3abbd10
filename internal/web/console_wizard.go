package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// The New access package wizard, in seed 002's steps: Basics, Resource roles, Policies,
// Review + create. The draft travels from step to step in a hidden field, so the server
// keeps nothing between steps and every step works without JavaScript; Create hands the
// whole draft to Service.CreateAccessPackage, which commits it as one change or nothing.

// wizardSteps are the wizard's steps, in order.
var wizardSteps = []struct{ Key, Label string }{
	{"basics", "Basics"}, {"roles", "Resource roles"}, {"policies", "Policies"}, {"review", "Review + create"},
}

// wizardDraft is the wizard's work so far.
type wizardDraft struct {
	Step                  string
	Name, Description     string
	Hidden                bool
	CatalogID             string // an existing catalog, or "new"
	NewCatalog, NewCatDoc string // the catalog to create with the package
	Roles                 []wizardRole
	Policies              []wizardPolicy
}

// wizardRole is a resource role chosen for the package; a resource not yet in the catalog
// is added to it on the way (RES-5's rules apply).
type wizardRole struct {
	OriginSystem, OriginID, RoleOriginID string
	Resource, Role                       string // display names
	InCatalog                            bool
}

// wizardPolicy is a policy as the policy step's form describes it.
type wizardPolicy struct {
	Name string
	// Who may request: "members" (all members of the directory), "specific" (the users
	// and groups in Targets), "orgs" (the connected organizations in Orgs), "allorgs"
	// (every configured connected organization) or "none" (administrators assign).
	Who                                  string
	Targets                              string
	Orgs                                 []string
	Approval                             bool
	Approvers, Fallbacks                 [3]string // per stage: userPrincipalNames, one per line
	Justification, ApproverJustification bool
	DecideDays                           int
	Expiry                               string // "never", "days" or "date"
	Days                                 int
	Date                                 string
	Extend, ExtendApproval, Enabled      bool
}

// policyFields is what the policy form's fields (the "policyfields" template) show: the
// policy's place in the form (its fields are named p<I>.…), the policy, and the connected
// organizations to choose from.
type policyFields struct {
	I    int
	P    wizardPolicy
	Orgs []access.ConnectedOrganization
}

// decodeDraft reads the draft a step posted; a missing or broken one starts afresh.
func decodeDraft(r *http.Request) wizardDraft {
	var d wizardDraft
	if s := r.PostFormValue("draft"); s != "" {
		_ = json.Unmarshal([]byte(s), &d)
	}
	if d.Step == "" {
		d.Step = "basics"
	}
	return d
}

// adminNewPackage shows the wizard's first step.
func (p *Portal) adminNewPackage(w http.ResponseWriter, r *http.Request) {
	p.showWizard(w, r, http.StatusOK, wizardDraft{Step: "basics", CatalogID: r.URL.Query().Get("catalog")}, "")
}

// adminWizardStep takes a step's form: it keeps what was typed in the draft and then
// goes where the pressed button says (next, back, add or remove a role or a policy,
// create).
func (p *Portal) adminWizardStep(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, who, err)
		return
	}
	d := decodeDraft(r)
	d.read(r)
	op, arg, _ := strings.Cut(r.PostFormValue("go"), ":")
	i, _ := strconv.Atoi(arg)
	msg := ""
	switch op {
	case "next", "back":
		k := slices.IndexFunc(wizardSteps, func(s struct{ Key, Label string }) bool { return s.Key == d.Step })
		if op == "next" {
			if msg = d.check(); msg == "" {
				k = min(k+1, len(wizardSteps)-1)
			}
		} else {
			k = max(k-1, 0)
		}
		d.Step = wizardSteps[k].Key
	case "goto":
		if slices.ContainsFunc(wizardSteps, func(s struct{ Key, Label string }) bool { return s.Key == arg }) {
			d.Step = arg
		}
	case "add-role":
		var role wizardRole
		if err := json.Unmarshal([]byte(arg), &role); err == nil && !slices.ContainsFunc(d.Roles, func(x wizardRole) bool {
			return x.OriginSystem == role.OriginSystem && x.OriginID == role.OriginID && x.RoleOriginID == role.RoleOriginID
		}) {
			d.Roles = append(d.Roles, role)
		}
	case "remove-role":
		if i >= 0 && i < len(d.Roles) {
			d.Roles = slices.Delete(d.Roles, i, i+1)
		}
	case "add-policy":
		d.Policies = append(d.Policies, wizardPolicy{Name: fmt.Sprintf("Policy %d", len(d.Policies)+1), Who: "members", Approval: true,
			DecideDays: 14, Expiry: "days", Days: 365, Enabled: true})
	case "remove-policy":
		if i >= 0 && i < len(d.Policies) {
			d.Policies = slices.Delete(d.Policies, i, i+1)
		}
	case "create":
		in, err := p.compose(r, who, d)
		if err == nil {
			var made access.CreatedAccessPackage
			if made, err = p.svc.CreateAccessPackage(r.Context(), who, in); err == nil {
				notice := "Access package '" + made.Package.DisplayName + "' was created."
				http.Redirect(w, r, "/admin/access-packages/"+url.PathEscape(made.Package.ID)+"?notice="+url.QueryEscape(notice), http.StatusSeeOther)
				return
			}
		}
		if statusOf(err) == http.StatusInternalServerError {
			p.fail(w, r, who, err)
			return
		}
		p.showWizard(w, r, statusOf(err), d, err.Error()+" Nothing was created.")
		return
	}
	status := http.StatusOK
	if msg != "" {
		status = http.StatusBadRequest
	}
	p.showWizard(w, r, status, d, msg)
}

// read keeps the fields of the step the form showed.
func (d *wizardDraft) read(r *http.Request) {
	f := r.PostFormValue
	switch d.Step {
	case "basics":
		d.Name, d.Description, d.Hidden = strings.TrimSpace(f("displayName")), strings.TrimSpace(f("description")), f("hidden") == "on"
		if c := f("catalog"); c != d.CatalogID {
			for i := range d.Roles { // chosen from another catalog: added to this one on the way
				d.Roles[i].InCatalog = false
			}
			d.CatalogID = c
		}
		d.NewCatalog, d.NewCatDoc = strings.TrimSpace(f("newCatalog")), strings.TrimSpace(f("newCatalogDescription"))
	case "policies":
		for i := range d.Policies {
			readPolicy(r, i, &d.Policies[i])
		}
	}
}

// readPolicy keeps what the policy form's fields for policy i (named p<i>.…) say.
func readPolicy(r *http.Request, i int, pol *wizardPolicy) {
	f := r.PostFormValue
	k := fmt.Sprintf("p%d.", i)
	pol.Name, pol.Who, pol.Targets = strings.TrimSpace(f(k+"name")), f(k+"who"), f(k+"targets")
	pol.Orgs = r.PostForm[k+"orgs"]
	pol.Approval, pol.Justification, pol.ApproverJustification = f(k+"approval") == "yes", f(k+"justification") == "on", f(k+"approverJustification") == "on"
	for s := range pol.Approvers {
		pol.Approvers[s], pol.Fallbacks[s] = f(fmt.Sprintf("%sstage%d", k, s)), f(fmt.Sprintf("%sfallback%d", k, s))
	}
	pol.DecideDays, _ = strconv.Atoi(f(k + "decideDays"))
	pol.Expiry, pol.Date = f(k+"expiry"), f(k+"date")
	pol.Days, _ = strconv.Atoi(f(k + "days"))
	pol.Extend, pol.ExtendApproval, pol.Enabled = f(k+"extend") == "on", f(k+"extendApproval") == "on", f(k+"enabled") == "on"
}

// check says what the step still needs before the next one, or "".
func (d *wizardDraft) check() string {
	switch d.Step {
	case "basics":
		if d.Name == "" {
			return "Give the access package a name."
		}
		if d.CatalogID == "new" && d.NewCatalog == "" {
			return "Name the new catalog, or choose an existing one."
		}
	}
	return ""
}

// wizardView is the data of a wizard page.
type wizardView struct {
	Draft   wizardDraft
	JSON    string // the draft, for the hidden field
	Steps   []struct{ Key, Label string }
	Catalog string // the chosen catalog's name

	// Basics
	Catalogs  []access.Catalog // where the viewer may create packages
	CanCreate bool             // may create a catalog
	// Resource roles: the roles offered, of the catalog and, to add on the way, of the
	// directory's objects matching Search.
	Search            string
	InCatalog, Others []roleOffer
	// Policies
	Orgs []access.ConnectedOrganization
}

// roleOffer is a role the Resource roles step offers; Value is the role as the add
// button posts it.
type roleOffer struct {
	Label, Value string
}

func (p *Portal) showWizard(w http.ResponseWriter, r *http.Request, status int, d wizardDraft, msg string) {
	who := actorOf(r)
	ctx := r.Context()
	v := wizardView{Draft: d, Steps: wizardSteps, CanCreate: who.MayAnywhere(access.ActCreateCatalog)}
	cats, err := p.svc.ListCatalogs(ctx, who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	for _, c := range cats {
		if who.Can(access.ActCreatePackage, access.CatalogTarget(c)) {
			v.Catalogs = append(v.Catalogs, c)
		}
		if c.ID == d.CatalogID {
			v.Catalog = c.DisplayName
		}
	}
	if d.CatalogID == "new" {
		v.Catalog = d.NewCatalog + " (new)"
	}
	switch d.Step {
	case "roles":
		v.Search = strings.TrimSpace(r.PostFormValue("search"))
		v.InCatalog, v.Others = p.roleOffers(r, who, d, v.Search)
	case "policies", "review":
		v.Orgs, _ = p.svc.ListConnectedOrganizations(ctx, who)
	}
	doc, _ := json.Marshal(d)
	v.JSON = string(doc)
	p.render(w, r, status, "admin_wizard", page{Title: "New access package", Nav: "admin-packages", Who: who, Error: msg, Data: v})
}

// roleOffers lists the roles the Resource roles step offers: those of the catalog's
// resources, and those of the directory's groups, applications and sites whose name
// contains search (up to 20 of each), described by the domain (GroupOrigin and the like).
func (p *Portal) roleOffers(r *http.Request, who access.Actor, d wizardDraft, search string) (inCatalog, others []roleOffer) {
	ctx := r.Context()
	offer := func(o access.ResourceOrigin, in bool) []roleOffer {
		var out []roleOffer
		for _, role := range o.Roles {
			if slices.ContainsFunc(d.Roles, func(x wizardRole) bool {
				return x.OriginSystem == o.System && x.OriginID == o.ID && x.RoleOriginID == role.OriginID
			}) {
				continue // chosen already
			}
			doc, _ := json.Marshal(wizardRole{OriginSystem: o.System, OriginID: o.ID, RoleOriginID: role.OriginID,
				Resource: o.DisplayName, Role: role.DisplayName, InCatalog: in})
			out = append(out, roleOffer{Label: fmt.Sprintf("%s — %s", o.DisplayName, role.DisplayName), Value: "add-role:" + string(doc)})
		}
		return out
	}
	have := map[string]bool{}
	if d.CatalogID != "" && d.CatalogID != "new" {
		if list, err := p.svc.ListResources(ctx, who, d.CatalogID); err == nil {
			for _, res := range list {
				have[res.OriginSystem+" "+res.OriginID] = true
				inCatalog = append(inCatalog, offer(access.ResourceOrigin{System: res.OriginSystem, ID: res.OriginID, DisplayName: res.DisplayName, Roles: res.Roles}, true)...)
			}
		}
	}
	if search == "" {
		return inCatalog, nil
	}
	needle := strings.ToLower(search)
	match := func(name string) bool { return strings.Contains(strings.ToLower(name), needle) }
	const most = 20
	if groups, err := p.svc.ListGroups(ctx, who, false); err == nil {
		n := 0
		for _, g := range groups {
			if o, err := access.GroupOrigin(g); err == nil && match(g.DisplayName) && !have[o.System+" "+o.ID] && n < most {
				others, n = append(others, offer(o, false)...), n+1
			}
		}
	}
	if sps, err := p.svc.ListServicePrincipals(ctx, who); err == nil {
		n := 0
		for _, sp := range sps {
			if o, err := access.ApplicationOrigin(sp); err == nil && match(sp.DisplayName) && !have[o.System+" "+o.ID] && n < most {
				others, n = append(others, offer(o, false)...), n+1
			}
		}
	}
	if sites, err := p.svc.ListSites(ctx, who); err == nil {
		n := 0
		for _, st := range sites {
			if o := access.SiteOrigin(st); match(st.DisplayName) && !have[o.System+" "+o.ID] && n < most {
				others, n = append(others, offer(o, false)...), n+1
			}
		}
	}
	return inCatalog, others
}
