package graphapi

import (
	"context"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/odata"
)

// callTypes completes the types of t for the subjects and resource environments of
// routes_calls.go and returns the new accessPackageResourceEnvironment type: a resource's
// environment and a subject's connected organization are relationships ($expand), and a
// user's subject lifecycle is shown on the subject, not on the user.
func (a *API) callTypes(t *types) *entityType {
	env := newType("accessPackageResourceEnvironment", access.ResourceEnvironment{}, nil)
	t.resource.expand["environment"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		e, err := a.svc.ResourceEnvironmentOf(ctx, who, str(it, "id"))
		if access.IsKind(err, access.KindNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		return env.render(ctx, who, toObj(e), q)
	}

	hide(t.user, "subjectLifecycle")
	hide(t.subject, "connectedOrganization")
	// The organization is shown to whoever sees the subject: in full to those who may
	// read connected organizations, else its id and name, which the subject carries.
	t.subject.expand["connectedOrganization"] = func(ctx context.Context, who access.Actor, it obj, q odata.Query) (any, error) {
		ref, _ := it["connectedOrganization"].(obj)
		if ref == nil {
			return nil, nil
		}
		org, err := a.svc.GetConnectedOrganization(ctx, who, str(ref, "id"))
		switch {
		case err == nil:
			return t.connectedOrganization.render(ctx, who, toObj(org), q)
		case access.IsKind(err, access.KindForbidden), access.IsKind(err, access.KindNotFound):
			return t.connectedOrganization.render(ctx, who, ref, q)
		default:
			return nil, err
		}
	}
	return env
}

// hide removes stored properties from what a type shows and filters on.
func hide(t *entityType, names ...string) {
	t.hidden = append(t.hidden, names...)
	kept := t.props.Names[:0:0]
	for _, n := range t.props.Names {
		if !contains(names, n) {
			kept = append(kept, n)
		}
	}
	t.props.Names = kept
}
