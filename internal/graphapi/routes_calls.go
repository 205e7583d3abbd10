package graphapi

import (
	"net/http"

	"github.com/bestowhq/bestow/internal/access"
)

// subjectForm is how a subject is addressed.
const subjectForm = "subjects(objectId='{id}')"

// callRoutes serve entitlement management's subjects and resource environments. A subject
// is addressed by a function-like key, subjects(objectId='…'), which the mux cannot match
// literally: the routes take the whole segment as a wildcard beside the literal siblings
// (accessPackages, settings, …), which win, and anything in it but subjects(…) is not an
// endpoint (checkCalls).
func (a *API) callRoutes() []route {
	t, s := a.types, a.svc
	subjectID := func(r *http.Request) (string, error) {
		args, ok := callArgs(r.PathValue("call"), "subjects")
		if id := args["objectId"]; ok && len(args) == 1 && id != "" {
			return id, nil
		}
		return "", badRequest("'%s' is not a subject key; address a subject as %s", r.PathValue("call"), subjectForm)
	}
	return []route{
		{method: "GET", pattern: em + "/{call}", calls: []string{"subjects"}, onlyCalls: true,
			summary: "Get the accessPackageSubject of a user: " + subjectForm + " ($expand=connectedOrganization)", typ: "accessPackageSubject",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				id, err := subjectID(r)
				if err != nil {
					return err
				}
				u, org, err := s.GetSubject(r.Context(), actorOf(r), id)
				if err != nil {
					return err
				}
				a.writeOne(w, r, http.StatusOK, t.subject, toObj(subjectOf(u, org)))
				return nil
			})},
		{method: "PATCH", pattern: em + "/{call}", calls: []string{"subjects"}, onlyCalls: true,
			summary: "Change the subjectLifecycle (notDefined, notGoverned, governed) of a guest: " + subjectForm,
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				id, err := subjectID(r)
				if err != nil {
					return err
				}
				b, err := typedBody(r, "accessPackageSubject")
				if err != nil {
					return err
				}
				_, err = s.SetSubjectLifecycle(r.Context(), actorOf(r), id, func() (string, error) {
					var in struct {
						SubjectLifecycle string `json:"subjectLifecycle"`
					}
					err := decodeInto(b, &in)
					return in.SubjectLifecycle, err
				})
				if err != nil {
					return err
				}
				noContent(w)
				return nil
			})},
		{method: "GET", pattern: em + "/resourceEnvironments", typ: "accessPackageResourceEnvironment",
			summary: "List the environments of the origin systems that the caller's catalogs' resources use (?$filter=originSystem eq 'SharePointOnline')",
			h: listOf(a, a.environment, func(r *http.Request, who access.Actor) ([]access.ResourceEnvironment, error) {
				return s.ListResourceEnvironments(r.Context(), who)
			})},
		{method: "GET", pattern: em + "/resourceEnvironments/{id}", typ: "accessPackageResourceEnvironment",
			summary: "Get a resource environment",
			h: oneOf(a, a.environment, func(r *http.Request, who access.Actor) (access.ResourceEnvironment, error) {
				return s.GetResourceEnvironment(r.Context(), who, r.PathValue("id"))
			})},
	}
}

// additionalAccessForm is how additionalAccess is called.
const additionalAccessForm = "additionalAccess(accessPackageId='{id}',incompatibleAccessPackageId='{id}')"

// writeAdditionalAccess answers assignments/additionalAccess(accessPackageId='A',
// incompatibleAccessPackageId='B'): the assignments of A whose targets also hold B, as the
// assignment list shows them ($expand, $filter, $select).
func (a *API) writeAdditionalAccess(w http.ResponseWriter, r *http.Request, segment string) error {
	args, ok := callArgs(segment, "additionalAccess")
	if !ok {
		return badRequest("'%s' is not a call of additionalAccess; use %s", segment, additionalAccessForm)
	}
	for k := range args {
		if k != "accessPackageId" && k != "incompatibleAccessPackageId" {
			return badRequest("additionalAccess has no parameter '%s'; use %s", k, additionalAccessForm)
		}
	}
	for _, k := range []string{"accessPackageId", "incompatibleAccessPackageId"} {
		if args[k] == "" {
			return badRequest("additionalAccess needs the parameter %s; use %s", k, additionalAccessForm)
		}
	}
	list, err := a.svc.AdditionalAccess(r.Context(), actorOf(r), args["accessPackageId"], args["incompatibleAccessPackageId"])
	if err != nil {
		return err
	}
	a.writeList(w, r, a.types.assignment, toObjs(list))
	return nil
}
