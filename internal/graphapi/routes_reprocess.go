package graphapi

import (
	"encoding/json"
	"net/http"

	"github.com/bestowhq/bestow/internal/access"
)

// reprocessRoutes serve what an administrator does after a delivery went wrong: the
// errors of a request (REQ-6), reprocessing a request (REQ-7) and assignments (ASG-3).
func (a *API) reprocessRoutes() []route {
	s := a.svc
	id := func(r *http.Request) string { return r.PathValue("id") }
	accepted := func(do func(r *http.Request, who access.Actor) error) http.HandlerFunc {
		return a.handle(func(w http.ResponseWriter, r *http.Request) error {
			if err := do(r, actorOf(r)); err != nil {
				return err
			}
			w.WriteHeader(http.StatusAccepted)
			return nil
		})
	}
	reprocessAssignment := accepted(func(r *http.Request, who access.Actor) error {
		return s.ReprocessAssignment(r.Context(), who, id(r))
	})
	return []route{
		{method: "POST", pattern: em + "/assignmentRequests/{id}/reprocess",
			summary: "Deliver a deliveryFailed or partiallyDelivered request again (within the reprocess window; refused while automatic retries run)",
			h:       accepted(func(r *http.Request, who access.Actor) error { return s.ReprocessRequest(r.Context(), who, id(r)) })},
		{method: "DELETE", pattern: em + "/assignmentRequests/{id}", summary: "Delete a request that is over (denied, canceled or completed) and whose assignment is not active",
			h: a.deleteOf(func(r *http.Request, who access.Actor) error { return s.DeleteRequest(r.Context(), who, id(r)) })},
		{method: "POST", pattern: em + "/assignments/{id}/reprocess",
			summary: "Re-apply every resource role of an assignment, restoring access removed outside Bestow", h: reprocessAssignment},
		{method: "POST", pattern: em + "/accessPackageAssignments/{id}/reprocess",
			summary: "Re-apply every resource role of an assignment (the path Graph's reference prints)", h: reprocessAssignment},
		{method: "GET", pattern: "/bestow/v1/assignmentRequests/{id}/deliveryErrors",
			summary: "The resource roles of a request that are not in place: resource, role, target system, message, attempts, next retry",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				list, err := s.RequestDeliveryErrors(r.Context(), actorOf(r), id(r))
				if err != nil {
					return err
				}
				if list == nil {
					list = []access.DeliveryError{}
				}
				writeJSON(w, http.StatusOK, obj{"@odata.count": len(list), "value": list})
				return nil
			})},
		{method: "GET", pattern: "/bestow/v1/resources/{id}/preExisting",
			summary: "The members of a catalog resource that no access package governs (RES-7): the people to assign directly",
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				list, err := s.PreExistingMembers(r.Context(), actorOf(r), id(r))
				if err != nil {
					return err
				}
				if list == nil {
					list = []access.PreExistingMember{}
				}
				writeJSON(w, http.StatusOK, obj{"value": list})
				return nil
			})},
		{method: "POST", pattern: "/bestow/v1/resources/{id}/preExisting/assign",
			summary: `Assign every pre-existing member of a resource directly: {"accessPackageId", "assignmentPolicyId"} → the requests made and the members that could not be assigned`,
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				b, err := readBody(r)
				if err != nil {
					return err
				}
				var in struct {
					PackageID string `json:"accessPackageId"`
					PolicyID  string `json:"assignmentPolicyId"`
				}
				if err := decodeInto(b, &in); err != nil {
					return err
				}
				reqs, failed, err := s.AssignPreExisting(r.Context(), actorOf(r), id(r), in.PackageID, in.PolicyID)
				if err != nil {
					return err
				}
				ids := make([]string, len(reqs))
				for i, q := range reqs {
					ids[i] = q.ID
				}
				if failed == nil {
					failed = []access.AssignFailure{}
				}
				writeJSON(w, http.StatusOK, obj{"requested": len(reqs), "requestIds": ids, "failed": failed})
				return nil
			})},
		{method: "POST", pattern: "/bestow/v1/accessPackages/{id}/reprocessAssignments",
			summary: `Reprocess many assignments of a package: {"assignmentIds": [...]} or {"all": true}`,
			h: a.handle(func(w http.ResponseWriter, r *http.Request) error {
				b, err := readBody(r)
				if err != nil {
					return err
				}
				var in struct {
					AssignmentIDs []string `json:"assignmentIds"`
					All           bool     `json:"all"`
				}
				if err := decodeInto(b, &in); err != nil {
					return err
				}
				n, err := s.ReprocessAssignments(r.Context(), actorOf(r), id(r), in.AssignmentIDs, in.All)
				if err != nil {
					return err
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusAccepted)
				return json.NewEncoder(w).Encode(obj{"reprocessed": n})
			})},
	}
}
