package graphapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// get reads a nested value of a response body by its path ("requestorSettings",
// "acceptRequests").
func (r resp) get(path ...string) any {
	var v any = r.body
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

// patchPolicy sends a PATCH of an assignment policy as the administrator without failing
// the test from the calling goroutine: it answers the status and body.
func (h *harness) patchPolicy(id string, body map[string]any) (int, string, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequest("PATCH", h.srv.URL+em+"/assignmentPolicies/"+id, bytes.NewReader(data))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+h.admin)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	return res.StatusCode, buf.String(), nil
}

func TestPolicyPatch(t *testing.T) { // POL-6 POL-8 POL-9
	backends(t, func(t *testing.T, h *harness) {
		cat := h.catalog(h.admin, "Patches")
		pkg := h.pkg(h.admin, cat, "Package")
		requestor := map[string]any{"enableTargetsToSelfAddAccess": true, "enableTargetsToSelfUpdateAccess": true,
			"enableTargetsToSelfRemoveAccess": true, "allowCustomAssignmentSchedule": true,
			"enableOnBehalfRequestorsToAddAccess": false, "enableOnBehalfRequestorsToUpdateAccess": false,
			"enableOnBehalfRequestorsToRemoveAccess": false, "onBehalfRequestors": []any{}}
		create := func(t *testing.T) string {
			body := with(directPolicy(pkg), "allowedTargetScope", "allMemberUsers", "requestorSettings", requestor,
				"expiration", map[string]any{"type": "afterDuration", "duration": "P30D"})
			return h.on(t).must(h.admin, "POST", em+"/assignmentPolicies", body, 201).str("id")
		}
		get := func(t *testing.T, id string) resp {
			return h.on(t).must(h.admin, "GET", em+"/assignmentPolicies/"+id, nil, 200)
		}

		t.Run("POL-8 PATCH of acceptRequests keeps the other requestor settings", func(t *testing.T) {
			h := h.on(t)
			id := create(t)
			h.must(h.admin, "PATCH", em+"/assignmentPolicies/"+id, map[string]any{"requestorSettings": map[string]any{"acceptRequests": false}}, 204)
			got := get(t, id)
			if v := got.get("requestorSettings", "acceptRequests"); v != false {
				t.Errorf("acceptRequests = %v after PATCH to false: %s", v, got.raw)
			}
			for k, want := range requestor {
				if k == "onBehalfRequestors" {
					continue
				}
				if v := got.get("requestorSettings", k); v != want {
					t.Errorf("requestorSettings.%s = %v after a PATCH of acceptRequests only, want %v (absent properties are kept)", k, v, want)
				}
			}
			if got.str("displayName") != "New Policy" || got.str("expiration.duration") != "P30D" {
				t.Errorf("other properties changed: %s", got.raw)
			}
			h.must(h.admin, "PATCH", em+"/assignmentPolicies/"+id, map[string]any{"requestorSettings": map[string]any{"acceptRequests": true}}, 204)
			got = get(t, id)
			if got.get("requestorSettings", "acceptRequests") != true || got.get("requestorSettings", "enableTargetsToSelfRemoveAccess") != true {
				t.Errorf("after enabling again: %s", got.raw)
			}
		})

		t.Run("POL-6 PATCH inside expiration merges, a new expiration type replaces it", func(t *testing.T) {
			h := h.on(t)
			id := create(t)
			h.must(h.admin, "PATCH", em+"/assignmentPolicies/"+id, map[string]any{"expiration": map[string]any{"duration": "P14D"}}, 204)
			got := get(t, id)
			if got.str("expiration.type") != "afterDuration" || got.str("expiration.duration") != "P14D" {
				t.Errorf("after PATCH of expiration.duration: %s", got.raw)
			}
			h.must(h.admin, "PATCH", em+"/assignmentPolicies/"+id, map[string]any{"expiration": map[string]any{"type": "noExpiration"}}, 204)
			got = get(t, id)
			if got.str("expiration.type") != "noExpiration" || got.get("expiration", "duration") != nil {
				t.Errorf("after PATCH to noExpiration: %s", got.raw)
			}
			// A null clears a property (Graph sends cleared values as null).
			h.must(h.admin, "PATCH", em+"/assignmentPolicies/"+id, map[string]any{"expiration": map[string]any{"type": "afterDuration", "duration": "P7D", "endDateTime": nil}}, 204)
			h.fails(h.admin, "PATCH", em+"/assignmentPolicies/"+id, map[string]any{"expiration": map[string]any{"duration": nil}}, 400, "afterDuration needs a positive expiration.duration")
			if got := get(t, id); got.str("expiration.duration") != "P7D" {
				t.Errorf("a refused PATCH changed the policy: %s", got.raw)
			}
		})

		t.Run("POL-9 concurrent PATCHes of different properties both land", func(t *testing.T) {
			id := create(t)
			for round := 0; round < 5; round++ {
				desc := fmt.Sprintf("description %d", round)
				accept := round%2 == 0
				bodies := []map[string]any{
					{"description": desc},
					{"requestorSettings": map[string]any{"acceptRequests": accept}},
				}
				var wg sync.WaitGroup
				errs := make([]string, len(bodies))
				for i, b := range bodies {
					wg.Add(1)
					go func() {
						defer wg.Done()
						status, raw, err := h.patchPolicy(id, b)
						if err != nil || status != 204 {
							errs[i] = fmt.Sprintf("PATCH %v: %d %s %v", b, status, raw, err)
						}
					}()
				}
				wg.Wait()
				for _, e := range errs {
					if e != "" {
						t.Fatal(e)
					}
				}
				got := get(t, id)
				if got.str("description") != desc || got.get("requestorSettings", "acceptRequests") != accept {
					t.Fatalf("round %d: an edit was lost: description %q (want %q), acceptRequests %v (want %v)",
						round, got.str("description"), desc, got.get("requestorSettings", "acceptRequests"), accept)
				}
				if got.get("requestorSettings", "enableTargetsToSelfAddAccess") != true {
					t.Fatalf("round %d: requestor settings not sent were reset: %s", round, got.raw)
				}
			}
		})
	})
}
