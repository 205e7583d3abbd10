package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// Connected organizations (EXT-1): external organizations whose users may request access,
// each with its domains, a state (configured or proposed) and internal and external
// sponsors. Every member reads them; Connected Organization, User, Identity Governance and
// Global Administrators manage them.

func (p *Portal) connectedOrgRoutes(mux *http.ServeMux, admin func(http.HandlerFunc) http.HandlerFunc) {
	const base = "/admin/directory/connected-organizations"
	mux.HandleFunc("GET "+base, admin(p.adminOrgs))
	mux.HandleFunc("POST "+base, admin(p.adminCreateOrg))
	mux.HandleFunc("GET "+base+"/{id}", admin(p.adminOrg))
	mux.HandleFunc("POST "+base+"/{id}", admin(p.adminUpdateOrg))
	mux.HandleFunc("POST "+base+"/{id}/delete", admin(p.adminDeleteOrg))
	mux.HandleFunc("POST "+base+"/{id}/domains", admin(p.adminAddDomain))
	mux.HandleFunc("POST "+base+"/{id}/domains/{source}/remove", admin(p.adminRemoveDomain))
	mux.HandleFunc("POST "+base+"/{id}/sponsors/{kind}", admin(p.adminAddOrgSponsor))
	mux.HandleFunc("POST "+base+"/{id}/sponsors/{kind}/{sponsor}/remove", admin(p.adminRemoveOrgSponsor))
}

// domainSource is the identity source of a domain, as the console adds them.
func domainSource(domain string) access.IdentitySource {
	return access.IdentitySource{Type: "#microsoft.graph.domainIdentitySource", DomainName: domain, DisplayName: strings.ToLower(domain)}
}

// sourceKey names an identity source within its organization: its domain, else its
// tenant id, else its issuer.
func sourceKey(s access.IdentitySource) string {
	return strings.ToLower(cmpOr(s.DomainName, s.TenantID, s.IssuerURI, s.DisplayName))
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// orgRow is a line of the connected organization list.
type orgRow struct {
	Org     access.ConnectedOrganization
	Domains []string
}

func domainsOf(o access.ConnectedOrganization) []string {
	var out []string
	for _, s := range o.IdentitySources {
		out = append(out, cmpOr(s.DomainName, s.DisplayName, s.TenantID, s.IssuerURI))
	}
	return out
}

// adminOrgs lists the connected organizations, with Create for who may manage them.
func (p *Portal) adminOrgs(w http.ResponseWriter, r *http.Request) {
	p.showOrgs(w, r, http.StatusOK, "", nil)
}

func (p *Portal) showOrgs(w http.ResponseWriter, r *http.Request, status int, msg string, typed map[string]string) {
	who := actorOf(r)
	list, err := p.svc.ListConnectedOrganizations(r.Context(), who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	list = search(list, "", func(o access.ConnectedOrganization) []string { return []string{o.DisplayName} })
	rows := make([]orgRow, len(list))
	for i, o := range list {
		rows[i] = orgRow{Org: o, Domains: domainsOf(o)}
	}
	if typed == nil {
		typed = map[string]string{"state": access.OrgConfigured}
	}
	p.render(w, r, status, "admin_dir_orgs", page{Title: "Connected organizations", Nav: "admin-directory", Who: who, Error: msg,
		Data: map[string]any{"Head": directoryHead(who, "orgs"), "Rows": rows, "Typed": typed, "States": orgStates,
			"CanManage": who.Can(access.ActManageConnOrgs, access.Target{})}})
}

// adminCreateOrg creates a connected organization with its first domain.
func (p *Portal) adminCreateOrg(w http.ResponseWriter, r *http.Request) {
	typed := map[string]string{}
	for _, k := range []string{"displayName", "description", "domain", "state"} {
		typed[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	o := access.ConnectedOrganization{DisplayName: typed["displayName"], Description: typed["description"], State: typed["state"]}
	if typed["domain"] != "" {
		o.IdentitySources = []access.IdentitySource{domainSource(typed["domain"])}
	}
	o, err := p.svc.CreateConnectedOrganization(r.Context(), actorOf(r), o)
	back := "/admin/directory/connected-organizations/" + url.PathEscape(o.ID)
	p.settle(w, r, err, back, "Connected organization '"+o.DisplayName+"' was created.",
		func(status int, msg string) { p.showOrgs(w, r, status, msg, typed) })
}

// orgView is the data of a connected organization's page.
type orgView struct {
	Head      dirHead
	Org       access.ConnectedOrganization
	Sources   []sourceRow
	Sponsors  []orgSponsors // internal, then external
	CanManage bool
	Typed     map[string]string
	States    []originChoice
}

// orgStates are the states of a connected organization, with what each means (EXT-1).
var orgStates = []originChoice{
	{access.OrgConfigured, "Configured: its users may request through policies for all configured organizations"},
	{access.OrgProposed, "Proposed: only policies that name it let its users in"},
}

// orgSponsors is the internal or external sponsors of an organization, as a section of
// its page shows them.
type orgSponsors struct {
	Kind, Title, About, OrgID, Typed string
	List                             []dirObject
	CanManage                        bool
}

// sourceRow is an identity source with the key that removes it.
type sourceRow struct {
	Source access.IdentitySource
	Key    string
	Type   string
}

// adminOrg shows a connected organization: its name, description and state (a form for
// who may manage it), its domains, its internal and external sponsors, and Delete.
func (p *Portal) adminOrg(w http.ResponseWriter, r *http.Request) {
	p.showOrg(w, r, http.StatusOK, "", nil)
}

func (p *Portal) showOrg(w http.ResponseWriter, r *http.Request, status int, msg string, typed map[string]string) {
	who := actorOf(r)
	ctx := r.Context()
	o, err := p.svc.GetConnectedOrganization(ctx, who, r.PathValue("id"))
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	v := orgView{Head: directoryHead(who, "orgs"), Org: o, CanManage: who.Can(access.ActManageConnOrgs, access.Target{}),
		Typed: typed, States: orgStates}
	if v.Typed == nil {
		v.Typed = map[string]string{}
	}
	for _, s := range o.IdentitySources {
		v.Sources = append(v.Sources, sourceRow{Source: s, Key: sourceKey(s), Type: strings.TrimPrefix(s.Type, "#microsoft.graph.")})
	}
	for _, external := range []bool{false, true} {
		list, err := p.svc.OrgSponsors(ctx, who, o.ID, external)
		if err != nil {
			p.fail(w, r, who, err)
			return
		}
		s := orgSponsors{Kind: "internal", Title: "Internal sponsors", About: "People of your organization responsible for this one: a policy can ask them to approve its users' requests.",
			OrgID: o.ID, List: dirObjectsOf(list), CanManage: v.CanManage}
		if external {
			s.Kind, s.Title, s.About = "external", "External sponsors", "People of the connected organization who vouch for its users: a policy can ask them to approve their requests."
		}
		s.Typed = v.Typed[s.Kind+"Sponsor"]
		v.Sponsors = append(v.Sponsors, s)
	}
	p.render(w, r, status, "admin_dir_org", page{Title: o.DisplayName, Nav: "admin-directory", Who: who, Error: msg, Data: v})
}

func orgBack(r *http.Request) string {
	return "/admin/directory/connected-organizations/" + url.PathEscape(r.PathValue("id"))
}

func (p *Portal) refusedOrg(w http.ResponseWriter, r *http.Request, typed map[string]string) func(int, string) {
	return func(status int, msg string) { p.showOrg(w, r, status, msg, typed) }
}

// adminUpdateOrg saves the name, description and state (configured or proposed, EXT-1).
func (p *Portal) adminUpdateOrg(w http.ResponseWriter, r *http.Request) {
	name, desc, state := strings.TrimSpace(r.PostFormValue("displayName")), strings.TrimSpace(r.PostFormValue("description")), r.PostFormValue("state")
	_, err := p.svc.UpdateConnectedOrganization(r.Context(), actorOf(r), r.PathValue("id"), func(o *access.ConnectedOrganization) error {
		o.DisplayName, o.Description, o.State = name, desc, state
		return nil
	})
	p.settle(w, r, err, orgBack(r), "Saved.", p.refusedOrg(w, r, nil))
}

// adminDeleteOrg deletes the organization; refused while a policy names it.
func (p *Portal) adminDeleteOrg(w http.ResponseWriter, r *http.Request) {
	err := p.svc.DeleteConnectedOrganization(r.Context(), actorOf(r), r.PathValue("id"))
	p.settle(w, r, err, "/admin/directory/connected-organizations", "The connected organization was deleted.", p.refusedOrg(w, r, nil))
}

// adminAddDomain adds a domain (a domain identity source) to the organization.
func (p *Portal) adminAddDomain(w http.ResponseWriter, r *http.Request) {
	typed := map[string]string{"domain": strings.TrimSpace(r.PostFormValue("domain"))}
	_, err := p.svc.UpdateConnectedOrganization(r.Context(), actorOf(r), r.PathValue("id"), func(o *access.ConnectedOrganization) error {
		o.IdentitySources = append(o.IdentitySources, domainSource(typed["domain"]))
		return nil
	})
	p.settle(w, r, err, orgBack(r), "The domain was added.", p.refusedOrg(w, r, typed))
}

// adminRemoveDomain takes an identity source out of the organization.
func (p *Portal) adminRemoveDomain(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("source")
	_, err := p.svc.UpdateConnectedOrganization(r.Context(), actorOf(r), r.PathValue("id"), func(o *access.ConnectedOrganization) error {
		o.IdentitySources = slices.DeleteFunc(o.IdentitySources, func(s access.IdentitySource) bool { return sourceKey(s) == key })
		return nil
	})
	p.settle(w, r, err, orgBack(r), "The domain was removed.", p.refusedOrg(w, r, nil))
}

// sponsorKinds are the {kind} of the sponsor routes: internal or external.
var sponsorKinds = map[string]bool{"internal": false, "external": true}

// orgSponsorKind reads {kind}: whether the sponsors are the external ones, and whether
// the kind is one of the two.
func orgSponsorKind(r *http.Request) (external, ok bool) {
	external, ok = sponsorKinds[r.PathValue("kind")]
	return external, ok
}

// adminAddOrgSponsor adds an internal or external sponsor (EXT-1), by userPrincipalName
// or id.
func (p *Portal) adminAddOrgSponsor(w http.ResponseWriter, r *http.Request) {
	external, ok := orgSponsorKind(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	field := r.PathValue("kind") + "Sponsor"
	typed := map[string]string{field: strings.TrimSpace(r.PostFormValue("sponsor"))}
	if typed[field] == "" {
		p.showOrg(w, r, http.StatusBadRequest, "Type the userPrincipalName of the sponsor, or the id of a user or group.", typed)
		return
	}
	id, err := p.sponsorID(r, typed[field])
	if err == nil {
		err = p.svc.ChangeOrgSponsor(r.Context(), actorOf(r), r.PathValue("id"), external, true, id)
	}
	p.settle(w, r, err, orgBack(r), "The sponsor was added.", p.refusedOrg(w, r, typed))
}

// adminRemoveOrgSponsor removes an internal or external sponsor.
func (p *Portal) adminRemoveOrgSponsor(w http.ResponseWriter, r *http.Request) {
	external, ok := orgSponsorKind(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	err := p.svc.ChangeOrgSponsor(r.Context(), actorOf(r), r.PathValue("id"), external, false, r.PathValue("sponsor"))
	p.settle(w, r, err, orgBack(r), "The sponsor was removed.", p.refusedOrg(w, r, nil))
}
