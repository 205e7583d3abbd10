package graphapi

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// FuzzPolicyBody feeds arbitrary request bodies through the policy decoder and validator:
// they must never panic, and every refusal must be a 4xx kind.
func FuzzPolicyBody(f *testing.F) {
	for _, s := range []string{
		`{"displayName":"p","allowedTargetScope":"allMemberUsers","accessPackage":{"id":"x"}}`,
		`{"displayName":"p","requestApprovalSettings":{"isApprovalRequiredForAdd":true,"stages":[{"durationBeforeAutomaticDenial":"P2W","primaryApprovers":[{"@odata.type":"#microsoft.graph.requestorManager","managerLevel":1}]}]}}`,
		`{"expiration":{"type":"afterDuration","duration":"P4W2D"},"questions":[{"@odata.type":"#microsoft.graph.accessPackageTextInputQuestion","text":"q","regexPattern":"[a-"}]}`,
		`{"specificAllowedTargets":[{"@odata.type":"singleUser"},{"@odata.type":"#microsoft.graph.connectedOrganizationMembers"}]}`,
		`[]`, `null`, `{"displayName":`, `{"requestorSettings":{"acceptRequests":"yes"}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(s))
		b, err := readBody(r)
		if err != nil {
			return
		}
		pol, _, err := policyBody(b)
		if err == nil {
			err = pol.Validate(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), access.RandomIDs{})
		}
		if err != nil && access.KindOf(err) != access.KindInvalid {
			t.Fatalf("body %q: error of kind %v, want invalid: %v", s, access.KindOf(err), err)
		}
	})
}
