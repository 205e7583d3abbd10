package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// adminSeparation shows a package's Separation of duties tab (POL-12): the packages and
// groups whose holders may not request it, the packages that name it, and (for who may
// manage the package) forms to add and remove them.
func (p *Portal) adminSeparation(w http.ResponseWriter, r *http.Request) {
	p.showSeparation(w, r, http.StatusOK, "")
}

func (p *Portal) showSeparation(w http.ResponseWriter, r *http.Request, status int, msg string) {
	who := actorOf(r)
	ctx := r.Context()
	head, err := p.loadPackage(r, who, "separation")
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	pkgs, err := p.svc.IncompatiblePackages(ctx, who, head.Package.ID, false)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	namedBy, err := p.svc.IncompatiblePackages(ctx, who, head.Package.ID, true)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	groups, err := p.svc.IncompatibleGroups(ctx, who, head.Package.ID)
	if err != nil {
		p.fail(w, r, who, err)
		return
	}
	var others []access.Package // what the add form offers: the packages of the package's catalog
	if head.CanManage {
		list, _ := p.svc.ListPackages(ctx, who, head.Catalog.ID)
		for _, pk := range list {
			if pk.ID != head.Package.ID && !slices.ContainsFunc(pkgs, func(x access.Package) bool { return x.ID == pk.ID }) {
				others = append(others, pk)
			}
		}
	}
	p.render(w, r, status, "admin_separation", page{Title: head.Package.DisplayName + ": separation of duties", Nav: "admin-packages", Who: who, Error: msg,
		Data: map[string]any{"Head": head, "Packages": pkgs, "NamedBy": namedBy, "Groups": groups, "Others": others}})
}

// adminChangeSeparation adds or removes an incompatible package or group.
func (p *Portal) adminChangeSeparation(w http.ResponseWriter, r *http.Request) {
	who := actorOf(r)
	id := r.PathValue("id")
	kind, other := r.PostFormValue("kind"), strings.TrimSpace(r.PostFormValue("other"))
	add := r.PostFormValue("change") == "add"
	if kind == access.IncompatibleGroup && add {
		if g, ok := p.groupNamed(r, who, other); ok { // by id or by its exact name
			other = g.ID
		}
	}
	notice := "Removed: its holders may request this package again."
	if add {
		notice = "Added: its holders can no longer request this package."
	}
	p.settle(w, r, p.svc.ChangeIncompatible(r.Context(), who, id, kind, other, add), "/admin/access-packages/"+url.PathEscape(id)+"/separation", notice,
		func(status int, msg string) { p.showSeparation(w, r, status, msg) })
}
