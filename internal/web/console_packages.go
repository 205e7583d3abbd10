package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// packageRow is one line of the console's package list.
type packageRow struct {
	Package access.Package
	Catalog string
}

// adminPackages lists the access packages the viewer may read, with a search over names
// and descriptions, a page at a time.
func (p *Portal) adminPackages(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	ctx := r.Context()
	list, err := p.svc.ListPackages(ctx, who, "")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	cats, err := p.svc.ListCatalogs(ctx, who)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	catalog := map[string]string{}
	for _, c := range cats {
		catalog[c.ID] = c.DisplayName
	}
	q := strings.TrimSpace(r.URL.Query().Get("search"))
	if needle := strings.ToLower(q); needle != "" {
		list = slices.DeleteFunc(list, func(pk access.Package) bool {
			return !strings.Contains(strings.ToLower(pk.DisplayName+" "+pk.Description), needle)
		})
	}
	slices.SortFunc(list, func(a, b access.Package) int {
		return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
	pg := pageOf(r, len(list))
	rows := make([]packageRow, 0, pg.To-pg.From)
	for _, pk := range list[pg.From:pg.To] {
		rows = append(rows, packageRow{Package: pk, Catalog: catalog[pk.CatalogID]})
	}
	p.render(w, r, http.StatusOK, "admin_packages", page{Title: "Access packages", Nav: "admin-packages", Who: who,
		Data: map[string]any{"Rows": rows, "Search": q, "Page": pg, "NeedsCatalog": who.NeedsCatalog(),
			"CanCreate": who.MayAnywhere(access.ActCreatePackage) || who.MayAnywhere(access.ActCreateCatalog)}})
}

// packageOverview is the data of a package's Overview tab.
type packageOverview struct {
	PackageHead
	PortalURL string
}

// adminPackage shows a package's Overview: its name, description and Hidden flag (a form
// when the viewer may manage the package), the My Access portal link, and Delete.
func (p *Portal) adminPackage(w http.ResponseWriter, r *http.Request) {
	p.showAdminPackage(w, r, http.StatusOK, nil, "")
}

func (p *Portal) showAdminPackage(w http.ResponseWriter, r *http.Request, status int, edited *access.Package, msg string) {
	who := actorOf(r)
	head, err := p.loadPackage(r, who, "overview")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	if edited != nil { // show what was typed, with the refusal
		head.Package.DisplayName, head.Package.Description, head.Package.IsHidden = edited.DisplayName, edited.Description, edited.IsHidden
	}
	p.render(w, r, status, "admin_package", page{Title: head.Package.DisplayName, Nav: "admin-packages", Who: who, Error: msg,
		Data: packageOverview{PackageHead: head, PortalURL: p.baseURL(r) + "/portal/access-packages/" + url.PathEscape(head.Package.ID)}})
}

// adminUpdatePackage saves the Overview form.
func (p *Portal) adminUpdatePackage(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, who, err)
		return
	}
	typed := access.Package{DisplayName: strings.TrimSpace(r.PostFormValue("displayName")),
		Description: strings.TrimSpace(r.PostFormValue("description")), IsHidden: r.PostFormValue("hidden") == "on"}
	id := r.PathValue("id")
	_, err := p.svc.UpdatePackage(r.Context(), who, id, func(pk *access.Package) error {
		pk.DisplayName, pk.Description, pk.IsHidden = typed.DisplayName, typed.Description, typed.IsHidden
		return nil
	})
	if err != nil {
		if statusOf(err) == http.StatusBadRequest || statusOf(err) == http.StatusForbidden || statusOf(err) == http.StatusConflict {
			p.showAdminPackage(w, r, statusOf(err), &typed, err.Error())
			return
		}
		p.fail(w, r, who, err)
		return
	}
	http.Redirect(w, r, "/admin/access-packages/"+url.PathEscape(id)+"?notice="+url.QueryEscape("Saved."), http.StatusSeeOther)
}

// adminDeletePackage deletes the package; a refusal (AP-3: assignments remain, naming the
// users who hold them) is shown on its Overview.
func (p *Portal) adminDeletePackage(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	id := r.PathValue("id")
	head, err := p.loadPackage(r, who, "overview")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	if err := p.svc.DeletePackage(r.Context(), who, id); err != nil {
		if access.IsKind(err, access.KindNotFound) || statusOf(err) == http.StatusInternalServerError {
			p.fail(w, r, who, err)
			return
		}
		p.showAdminPackage(w, r, statusOf(err), nil, err.Error())
		return
	}
	notice := "Access package '" + head.Package.DisplayName + "' was deleted."
	http.Redirect(w, r, "/admin/access-packages?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}
