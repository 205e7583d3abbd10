package graphapi

import (
	"net/http"

	"github.com/bestowhq/bestow/internal/access"
)

// extensionRoutes serve custom workflow extensions (CON-5): a catalog's
// customWorkflowExtensions, and the resume of a request that waits for one.
func (a *API) extensionRoutes() []route {
	t, s := a.types, a.svc
	cat := func(r *http.Request) string { return r.PathValue("id") }
	xid := func(r *http.Request) string { return r.PathValue("xid") }
	const base = "/catalogs/{id}/customWorkflowExtensions"
	const typ = "customCalloutExtension"
	one := func(w http.ResponseWriter, r *http.Request, status int, x access.Extension, err error) error {
		if err != nil {
			return err
		}
		a.writeOne(w, r, status, t.extension, toObj(x))
		return nil
	}
	routes := []route{
		{method: "GET", pattern: em + base, typ: typ, summary: "List a catalog's custom workflow extensions",
			h: listOf(a, t.extension, func(r *http.Request, who access.Actor) ([]access.Extension, error) {
				return s.ListExtensions(r.Context(), who, cat(r))
			})},
		{method: "POST", pattern: em + base, typ: typ, summary: "Create a custom workflow extension (accessPackageAssignmentRequestWorkflowExtension or accessPackageAssignmentWorkflowExtension); the answer shows its signing secret, once",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				b, err := readBody(r)
				if err != nil {
					return err
				}
				var x access.Extension
				if err := decodeInto(b, &x); err != nil {
					return err
				}
				x, err = s.CreateExtension(r.Context(), actorOf(r), cat(r), x)
				return one(w, r, http.StatusCreated, x, err)
			})},
		{method: "GET", pattern: em + base + "/{xid}", typ: typ, summary: "Get a custom workflow extension (its secret is never shown)",
			h: oneOf(a, t.extension, func(r *http.Request, who access.Actor) (access.Extension, error) {
				return s.GetExtension(r.Context(), who, cat(r), xid(r))
			})},
		{method: "PATCH", pattern: em + base + "/{xid}", typ: typ, summary: "Update a custom workflow extension; an authenticationConfiguration rotates its secret (to the one given, or a new one shown in the answer)",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				b, err := readBody(r)
				if err != nil {
					return err
				}
				x, err := s.UpdateExtension(r.Context(), actorOf(r), cat(r), xid(r),
					merge[access.Extension](b, append([]string{"@odata.type", "catalogId", "secret", "lastModifiedDateTime"}, readOnlyProps...)...))
				return one(w, r, http.StatusOK, x, err)
			})},
		{method: "DELETE", pattern: em + base + "/{xid}", summary: "Delete a custom workflow extension that no policy binds",
			h: a.deleteOf(func(r *http.Request, who access.Actor) error {
				return s.DeleteExtension(r.Context(), who, cat(r), xid(r))
			})},
		{method: "POST", pattern: em + "/assignmentRequests/{id}/resume", signed: true,
			summary: "Resume a request that waits for a custom extension's callback: continue, or state denied or canceled (an assignment manager's token, or the extension's X-Bestow-Signature)",
			h:       a.handle(a.resume)},
	}
	return routes
}

// resumeBody is Graph's body of assignmentRequests/{id}/resume.
type resumeBody struct {
	Source string `json:"source"`
	Type   string `json:"type"`
	Data   struct {
		Type       string `json:"@odata.type"`
		Stage      string `json:"stage"`
		InstanceID string `json:"customExtensionStageInstanceId"`
		Detail     string `json:"customExtensionStageInstanceDetail"`
		State      string `json:"state"`
	} `json:"data"`
}

// resume answers POST …/assignmentRequests/{id}/resume: 204 once the request moved on.
func (a *API) resume(w http.ResponseWriter, r *http.Request) error {
	raw, err := readRaw(r)
	if err != nil {
		return err
	}
	m, err := parseBody(raw)
	if err != nil {
		return err
	}
	var b resumeBody
	if err := decodeInto(m, &b); err != nil {
		return err
	}
	in := access.Resumption{Source: b.Source, Type: b.Type, DataType: b.Data.Type, Stage: b.Data.Stage,
		InstanceID: b.Data.InstanceID, Detail: b.Data.Detail, State: b.Data.State}
	who := actorOf(r)
	var signed *access.Signed
	if sig := r.Header.Get(access.SignatureHeader); sig != "" {
		signed = &access.Signed{Signature: sig, Timestamp: r.Header.Get(access.TimestampHeader), Body: raw}
	}
	err = a.svc.ResumeRequest(r.Context(), who, r.PathValue("id"), in, signed)
	if access.IsKind(err, access.KindUnauthenticated) {
		a.authFailed(r, err)
	}
	if err != nil {
		return err
	}
	noContent(w)
	return nil
}
