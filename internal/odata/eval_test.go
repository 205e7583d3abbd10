package odata

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// decode returns the JSON-decoded form of a Graph object, as the API layer sees it.
func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

const (
	accessPackageJSON = `{"id":"8a5d6e1f-0b0c-4d2e-9f10-1a2b3c4d5e6f","displayName":"Sales Reps","description":null,
		"isHidden":false,"catalog":{"id":"c1","displayName":"General"},"createdDateTime":"2024-05-01T10:00:00Z",
		"modifiedDateTime":"2024-05-02T10:00:00.1234567+02:00","size":7}`
	assignmentJSON = `{"id":"a1","state":"delivered","target":{"objectId":"u1","displayName":"Adele Vance"},
		"accessPackage":{"id":"ap1"},"expiredDateTime":null}`
	groupJSON = `{"id":"g1","displayName":"Marketing","mail":"marketing@contoso.com",
		"groupTypes":["Unified","DynamicMembership"],"members":[{"id":"u1","age":30},{"id":"u2","age":41}]}`
	connectedOrgJSON = `{"id":"o1","displayName":"Fabrikam","state":"configured",
		"identitySources":[{"@odata.type":"#microsoft.graph.domainIdentitySource","domainName":"fabrikam.com","displayName":"Fabrikam"}]}`
)

func TestMatch(t *testing.T) {
	ap := decode(t, accessPackageJSON)
	asg := decode(t, assignmentJSON)
	grp := decode(t, groupJSON)
	org := decode(t, connectedOrgJSON)
	tests := []struct {
		obj    map[string]any
		filter string
		want   bool
	}{
		{ap, "displayName eq 'Sales Reps'", true},
		{ap, "displayName eq 'sales reps'", true},
		{ap, "displayName ne 'SALES REPS'", false},
		{ap, "DisplayName eq 'Sales Reps'", true}, // property names are case-insensitive
		{ap, "id eq 8a5d6e1f-0b0c-4d2e-9f10-1a2b3c4d5e6f", true},
		{ap, "id eq 8A5D6E1F-0B0C-4D2E-9F10-1A2B3C4D5E6F", true},
		{ap, "id eq '8a5d6e1f-0b0c-4d2e-9f10-1a2b3c4d5e6f'", true},
		{ap, "isHidden eq false", true},
		{ap, "isHidden", false},
		{ap, "not isHidden", true},
		{ap, "catalog/id eq 'c1'", true},
		{ap, "catalog/id eq 'c2'", false},
		{ap, "catalog/missing eq null", true},
		{ap, "description eq null", true},
		{ap, "description ne null", false},
		{ap, "nosuch eq null", true},
		{ap, "nosuch gt 'a'", false},
		{ap, "nosuch", false},
		{ap, "not nosuch", false}, // not null is null
		{ap, "not nosuch or true", true},
		{ap, "nosuch and false", false},
		{ap, "nosuch or false", false},
		{ap, "size gt 5 and size lt 8", true},
		{ap, "size eq 7.0", true},
		{ap, "size ge 7 and size le 7", true},
		{ap, "size eq '7'", false},
		{ap, "size in (1, 7)", true},
		{ap, "createdDateTime gt 2024-04-30T23:59:59Z", true},
		{ap, "createdDateTime ge 2024-05-01T10:00:00Z", true},
		{ap, "createdDateTime eq 2024-05-01T12:00:00+02:00", true},
		{ap, "createdDateTime lt 2024-05-01T10:00:00.0001Z", true},
		{ap, "createdDateTime gt 2024-05-01", true},
		{ap, "createdDateTime lt 2024-05-02", true},
		{ap, "modifiedDateTime lt 2024-05-02T08:00:00.2Z", true},
		{ap, "modifiedDateTime gt createdDateTime", true},
		{ap, "displayName gt 'sales'", true},
		{ap, "displayName lt 'T'", true},
		{ap, "startswith(displayName, 'sal')", true},
		{ap, "startsWith(displayName,'Reps')", false},
		{ap, "endswith(displayName, 'REPS')", true},
		{ap, "contains(displayName, 'es r')", true},
		{ap, "contains(description, 'x')", false},
		{ap, "not contains(description, 'x')", false},
		{ap, "tolower(displayName) eq 'sales reps'", true},
		{ap, "toupper(displayName) eq 'SALES REPS'", true},
		{ap, "length(displayName) eq 10", true},
		{ap, "trim(' Sales Reps  ') eq displayName", true},
		{ap, "displayName eq 'Sales Reps' and (isHidden or catalog/id eq 'c1')", true},
		{ap, "displayName eq 'x' or not (catalog/id ne 'c1')", true},
		{ap, "id in ('x', '8a5d6e1f-0b0c-4d2e-9f10-1a2b3c4d5e6f')", true},
		{ap, "(displayName eq 'Sales Reps') eq true", true},
		{ap, "true", true},
		{ap, "null", false},
		{asg, "target/objectId eq 'u1'", true},
		{asg, "target/objectId eq 'u2'", false},
		{asg, "accessPackage/id eq 'ap1' and state in ('delivered','expired')", true},
		{asg, "state in ('Expired')", false},
		{asg, "expiredDateTime eq null", true},
		{asg, "expiredDateTime lt 2024-01-01", false},
		{grp, "groupTypes/any(c:c eq 'Unified')", true},
		{grp, "groupTypes/any(c:c eq 'unified')", true},
		{grp, "groupTypes/any(c:c eq 'Security')", false},
		{grp, "NOT groupTypes/any(c:c eq 'Unified')", false},
		{grp, "groupTypes/all(c: startswith(c, 'U'))", false},
		{grp, "groupTypes/all(c: length(c) gt 3)", true},
		{grp, "groupTypes/any()", true},
		{grp, "members/any(m: m/age gt 40)", true},
		{grp, "members/all(m: m/age gt 40)", false},
		{grp, "members/any(m: m/id eq 'u2' and m/age eq 41)", true},
		{grp, "members/$count eq 2", true},
		{grp, "groupTypes/$count gt 2", false},
		{grp, "members/any(m: m/id eq id)", false},
		{grp, "nosuch/any(x: x eq 1)", false},
		{grp, "nosuch/all(x: x eq 1)", true},
		{grp, "nosuch/any()", false},
		{grp, "groupTypes eq 'Unified'", false}, // arrays only through lambdas
		{grp, "groupTypes ne 'Unified'", true},
		{grp, "endswith(mail, '@contoso.com')", true},
		{grp, "members/any(m: groupTypes/any(g: g eq 'Unified') and m/age lt 35)", true},
		{org, "identitySources/any(s: s/domainName eq 'fabrikam.com')", true},
		{org, "identitySources/any(s: s/@odata.type eq '#microsoft.graph.domainIdentitySource')", true},
		{org, "identitySources/any(s: s/domainName eq 'contoso.com')", false},
		{org, "identitySources/any(s: s/displayName eq displayName)", true},
	}
	for _, tt := range tests {
		e, err := ParseFilter(tt.filter)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.filter, err)
			continue
		}
		got, err := Match(e, tt.obj)
		if err != nil {
			t.Errorf("Match(%q): %v", tt.filter, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.filter, got, tt.want)
		}
	}
}

func TestMatchGoTypes(t *testing.T) {
	when := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	obj := map[string]any{
		"n":       3,
		"n64":     int64(4),
		"f32":     float32(1.5),
		"num":     json.Number("12"),
		"when":    when,
		"whenPtr": &when,
		"tags":    []string{"a", "b"},
		"kids":    []map[string]any{{"id": "k1"}},
		"attrs":   map[string]string{"k": "v"},
	}
	for _, f := range []string{
		"n eq 3", "n64 gt 3", "f32 eq 1.5", "num eq 12",
		"when eq 2024-05-01T10:00:00Z", "when gt '2024-05-01T09:00:00Z'", "whenPtr lt 2024-05-02",
		"tags/any(t: t eq 'B')", "kids/any(k: k/id eq 'k1')", "attrs/k eq 'v'", "tags/$count eq 2",
	} {
		e, err := ParseFilter(f)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", f, err)
		}
		ok, err := Match(e, obj)
		if err != nil || !ok {
			t.Errorf("Match(%q) = %v, %v; want true", f, ok, err)
		}
	}
	if ok, err := Match(nil, obj); !ok || err != nil {
		t.Errorf("Match(nil) = %v, %v; want true", ok, err)
	}
}

func TestMatchErrors(t *testing.T) {
	ap := decode(t, accessPackageJSON)
	grp := decode(t, groupJSON)
	tests := []struct {
		obj    map[string]any
		filter string
		pos    int
		has    []string
	}{
		{ap, "contains(size, '7')", 1, []string{"contains needs a string as argument 1, got number"}},
		{ap, "startswith(displayName, 5)", 1, []string{"argument 2, got number"}},
		{ap, "length(isHidden) eq 1", 1, []string{"length needs a string or collection"}},
		{ap, "size gt 'abc'", 6, []string{"cannot compare number with string using gt"}},
		{ap, "createdDateTime gt true", 17, []string{"cannot compare string with boolean"}},
		{ap, "displayName gt 2024-01-01", 13, []string{"cannot compare string with date-time"}},
		{ap, "displayName", 0, []string{"filter must evaluate to a boolean, got string"}},
		{ap, "displayName and true", 1, []string{"and needs boolean operands, got string"}},
		{ap, "catalog/any(c: c eq 1)", 1, []string{"any needs a collection", "object"}},
		{grp, "members/id eq 'u1'", 1, []string{"'members' is a collection", "members/any(x: x/id eq …)"}},
		{grp, "groupTypes/any(c: c)", 0, []string{"any needs boolean operands, got string"}},
	}
	for _, tt := range tests {
		e, err := ParseFilter(tt.filter)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.filter, err)
			continue
		}
		_, err = Match(e, tt.obj)
		var oe *Error
		if !errors.As(err, &oe) {
			t.Errorf("Match(%q) error = %v, want *Error", tt.filter, err)
			continue
		}
		if tt.pos != 0 && oe.Pos != tt.pos {
			t.Errorf("Match(%q) pos = %d, want %d (%v)", tt.filter, oe.Pos, tt.pos, err)
		}
		for _, s := range tt.has {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("Match(%q) error %q does not mention %q", tt.filter, err, s)
			}
		}
	}
}
