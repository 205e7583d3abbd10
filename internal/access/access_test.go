package access_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"P14D": 14 * 24 * time.Hour, "P2W": 14 * 24 * time.Hour, "P4W2D": 30 * 24 * time.Hour,
		"PT8H": 8 * time.Hour, "PT0S": 0, "P1DT2H30M": 26*time.Hour + 30*time.Minute, "PT1.5S": 1500 * time.Millisecond,
	} {
		got, err := access.ParseDuration(in)
		if err != nil || time.Duration(got) != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, time.Duration(got), err, want)
		}
	}
	for _, in := range []string{"", "14D", "P", "PT", "P1Y", "P1M", "P1H", "PT1D", "P1DT", "Pxyz", "P1.2.3D"} {
		if _, err := access.ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
	for d, want := range map[time.Duration]string{0: "PT0S", 14 * 24 * time.Hour: "P14D", 8 * time.Hour: "PT8H", 26*time.Hour + 30*time.Minute: "P1DT2H30M"} {
		if got := access.Duration(d).String(); got != want {
			t.Errorf("Duration(%v).String() = %q, want %q", d, got, want)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"P14D", "P2W", "PT8H", "P4W2DT1H", "PT0.5S", "P1Y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := access.ParseDuration(s)
		if err != nil || d < 0 {
			return
		}
		back, err := access.ParseDuration(d.String())
		if err != nil || back != d {
			// Sub-nanosecond precision is lost; whole-second values must round-trip.
			if time.Duration(d)%time.Second == 0 {
				t.Fatalf("%q → %s → %v, %v", s, d, back, err)
			}
		}
	})
}

func TestAuthorizeWording(t *testing.T) { // ADM-2 ADM-3
	reader := access.Actor{UserID: "u", Grants: access.NewGrants([]access.RoleAssignment{
		{PrincipalID: "u", RoleDefinitionID: access.RoleCatalogReader, AppScopeID: access.CatalogScope("c1")}})}
	target := access.Target{CatalogID: "c1", CatalogName: "Sales", PackageName: "Reps"}
	err := reader.Authorize(access.ActManagePackage, target)
	if access.KindOf(err) != access.KindForbidden {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{"change, hide or delete access packages", "access package 'Reps' in catalog 'Sales'",
		"Global Administrator", "Catalog owner of catalog 'Sales'", "Access package manager of catalog 'Sales'"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("denial %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "Catalog reader") {
		t.Errorf("denial lists a role that does not allow the action: %q", err)
	}
	if err := reader.Authorize(access.ActReadPackage, target); err != nil {
		t.Errorf("reader may read: %v", err)
	}
	creator := access.Actor{UserID: "c", Grants: access.NewGrants([]access.RoleAssignment{{PrincipalID: "c", RoleDefinitionID: access.RoleCatalogCreator, AppScopeID: "/"}})}
	err = creator.Authorize(access.ActCreatePackage, target)
	if err == nil || !strings.Contains(err.Error(), "Create a catalog first") {
		t.Errorf("ADM-3: %v", err)
	}
}

func TestPolicyValidate(t *testing.T) { // POL-1 POL-2 POL-3
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ok := access.Policy{DisplayName: "p", AllowedTargetScope: access.ScopeAllMemberUsers,
		RequestorSettings: access.RequestorSettings{EnableTargetsToSelfAddAccess: true}}
	if err := ok.Validate(now, access.RandomIDs{}); err != nil {
		t.Fatalf("valid policy refused: %v", err)
	}
	if ok.Expiration.Type != access.ExpireNotSpecified || ok.SpecificAllowedTargets == nil || ok.RequestApprovalSettings.Stages == nil {
		t.Errorf("defaults not filled: %+v", ok)
	}
	for name, c := range map[string]struct {
		p    access.Policy
		want string
	}{
		"POL-2 mixed": {access.Policy{DisplayName: "p", AllowedTargetScope: access.ScopeSpecificDirectoryUsers, SpecificAllowedTargets: []access.SubjectSet{
			{Type: "#microsoft.graph.singleUser", UserID: "u"}, {Type: "#microsoft.graph.connectedOrganizationMembers", ConnectedOrganizationID: "o"}}}, "never both"},
		"POL-3 four stages":    {access.Policy{DisplayName: "p", RequestApprovalSettings: access.ApprovalSettings{Stages: make([]access.ApprovalStage, 4)}}, "at most 3"},
		"POL-1 empty specific": {access.Policy{DisplayName: "p", AllowedTargetScope: access.ScopeSpecificConnectedOrgs}, "needs specificAllowedTargets"},
		"name":                 {access.Policy{}, "displayName is required"},
	} {
		err := c.p.Validate(now, access.RandomIDs{})
		if err == nil || !strings.Contains(err.Error(), c.want) || access.KindOf(err) != access.KindInvalid {
			t.Errorf("%s: got %v, want Invalid mentioning %q", name, err, c.want)
		}
	}
}
