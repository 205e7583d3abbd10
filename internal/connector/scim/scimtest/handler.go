package scimtest

import (
	"fmt"
	"net/http"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

// handler is the scim.ResourceHandler of one resource type (User or Group) over the store.
type handler struct {
	store  *store
	kind   kind
	schema schema.Schema
}

var _ scim.ResourceHandler = (*handler)(nil)

func (h *handler) resource(r *record) scim.Resource {
	res := scim.Resource{ID: r.id, Attributes: r.attrs}
	if r.externalID != "" {
		res.ExternalID = optional.NewString(r.externalID)
	}
	return res
}

func (h *handler) notFound(id string) error { return scimerrors.ScimErrorResourceNotFound(id) }

// Create stores a new resource with the validated attributes.
func (h *handler) Create(_ *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	ext, _ := attrs["externalId"].(string)
	delete(attrs, "externalId")
	if h.kind == kindGroup {
		if err := h.checkMembers(members(attrs)); err != nil {
			return scim.Resource{}, err
		}
	}
	id := h.store.create(h.kind, ext, attrs)
	return h.resource(h.store.get(h.kind, id)), nil
}

// Get returns one resource, or a 404 SCIM error.
func (h *handler) Get(_ *http.Request, id string) (scim.Resource, error) {
	r := h.store.get(h.kind, id)
	if r == nil {
		return scim.Resource{}, h.notFound(id)
	}
	return h.resource(r), nil
}

// GetAll returns the page [StartIndex, StartIndex+Count) of the resources that pass the
// filter, with the number of all that pass as TotalResults.
func (h *handler) GetAll(_ *http.Request, p scim.ListRequestParams) (scim.Page, error) {
	var matched []*record
	for _, r := range h.store.all(h.kind) {
		ok, err := h.passes(p, r)
		if err != nil {
			return scim.Page{}, err
		}
		if ok {
			matched = append(matched, r)
		}
	}
	page := scim.Page{TotalResults: len(matched), Resources: []scim.Resource{}}
	for i := p.StartIndex - 1; i >= 0 && i < len(matched) && len(page.Resources) < p.Count; i++ {
		page.Resources = append(page.Resources, h.resource(matched[i]))
	}
	return page, nil
}

// Replace replaces all attributes of a resource.
func (h *handler) Replace(_ *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	r := h.store.get(h.kind, id)
	if r == nil {
		return scim.Resource{}, h.notFound(id)
	}
	r.externalID, _ = attrs["externalId"].(string)
	delete(attrs, "externalId")
	if h.kind == kindGroup {
		if err := h.checkMembers(members(attrs)); err != nil {
			return scim.Resource{}, err
		}
	}
	r.attrs = attrs
	if !h.store.put(h.kind, r) {
		return scim.Resource{}, h.notFound(id)
	}
	return h.resource(r), nil
}

// Delete removes a resource.
func (h *handler) Delete(_ *http.Request, id string) error {
	if !h.store.delete(h.kind, id) {
		return h.notFound(id)
	}
	return nil
}

// Patch applies the operations in order to a copy of the resource and stores the copy
// only when every operation succeeded (RFC 7644 §3.5.2: a PATCH is atomic). It returns
// no attributes (204 No Content) when the operations changed nothing.
func (h *handler) Patch(_ *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	r := h.store.get(h.kind, id)
	if r == nil {
		return scim.Resource{}, h.notFound(id)
	}
	before := fmt.Sprint(r.attrs)
	for _, op := range ops {
		if err := h.apply(r, op); err != nil {
			return scim.Resource{}, err
		}
	}
	if fmt.Sprint(r.attrs) == before {
		return scim.Resource{}, nil
	}
	if !h.store.put(h.kind, r) {
		return scim.Resource{}, h.notFound(id)
	}
	return h.resource(r), nil
}

// checkMembers refuses members that are not stored users or groups, and inactive users
// (a rule of this server, like a target that only admits active accounts to groups).
func (h *handler) checkMembers(list []any) error {
	for _, m := range list {
		v := memberValue(m)
		if u := h.store.get(kindUser, v); u != nil {
			if active, ok := u.attrs["active"].(bool); ok && !active {
				return scimerrors.ScimError{ScimType: scimerrors.ScimTypeInvalidValue, Status: http.StatusBadRequest,
					Detail: fmt.Sprintf("user '%s' is inactive and cannot be a member of a group", v)}
			}
			continue
		}
		if h.store.get(kindGroup, v) == nil {
			return scimerrors.ScimError{ScimType: scimerrors.ScimTypeInvalidValue, Status: http.StatusBadRequest,
				Detail: fmt.Sprintf("member '%s' is neither a user nor a group", v)}
		}
	}
	return nil
}
