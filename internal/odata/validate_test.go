package odata

import (
	"errors"
	"strings"
	"testing"
)

var accessPackageProps = &Properties{
	TypeName: "accessPackage",
	Names:    []string{"id", "displayName", "description", "isHidden", "catalog/id", "createdDateTime"},
}

func TestValidate(t *testing.T) {
	group := &Properties{TypeName: "group", Names: []string{"id", "displayName", "groupTypes", "members/id"}}
	org := &Properties{TypeName: "connectedOrganization", Names: []string{"id", "identitySources/domainName"}}
	orgCoarse := &Properties{TypeName: "connectedOrganization", Names: []string{"id", "identitySources"}}
	tests := []struct {
		props  *Properties
		filter string
		bad    string // unknown path expected in the error; "" = valid
		pos    int
	}{
		{accessPackageProps, "displayName eq 'x' and catalog/id eq 'c1'", "", 0},
		{accessPackageProps, "DISPLAYNAME eq 'x'", "", 0},
		{accessPackageProps, "startswith(description, 'a') or not isHidden", "", 0},
		{accessPackageProps, "id in ('a', 'b')", "", 0},
		{accessPackageProps, "displayNam eq 'x'", "displayNam", 1},
		{accessPackageProps, "id eq '1' and catalog/name eq 'x'", "catalog/name", 15},
		{accessPackageProps, "catalog eq null", "catalog", 1},
		{accessPackageProps, "contains(tolower(nope), 'x')", "nope", 18},
		{accessPackageProps, "id in ('a', other)", "other", 13},
		{group, "groupTypes/any(c:c eq 'Unified')", "", 0},
		{group, "members/any(m: m/id eq '1')", "", 0},
		{group, "members/$count gt 1", "", 0},
		{group, "members/any(m: m/mail eq '1')", "members/mail", 16},
		{group, "owners/any(o: o/id eq '1')", "owners", 1},
		{group, "members/any(m: m/id eq id and displayName eq 'x')", "", 0},
		{org, "identitySources/any(s: s/domainName eq 'x')", "", 0},
		{org, "identitySources/any(s: s/domainNam eq 'x')", "identitySources/domainNam", 24},
		{orgCoarse, "identitySources/any(s: s/domainName eq 'x')", "", 0},
		{orgCoarse, "identitySources/any(s: s/anything/deeper eq 'x')", "", 0},
		{nil, "whatever eq 1", "", 0},
	}
	for _, tt := range tests {
		e, err := ParseFilter(tt.filter)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tt.filter, err)
		}
		err = Validate(e, "$filter", tt.props)
		if tt.bad == "" {
			if err != nil {
				t.Errorf("Validate(%q) = %v, want nil", tt.filter, err)
			}
			continue
		}
		var oe *Error
		if !errors.As(err, &oe) {
			t.Errorf("Validate(%q) = %v, want *Error", tt.filter, err)
			continue
		}
		if !strings.Contains(oe.Msg, "unknown property '"+tt.bad+"'") || oe.Option != "$filter" || oe.Pos != tt.pos {
			t.Errorf("Validate(%q) = %q (pos %d), want unknown %q at %d", tt.filter, err, oe.Pos, tt.bad, tt.pos)
		}
	}
}

func TestValidateMessage(t *testing.T) {
	e, _ := ParseFilter("displayNam eq 'x'")
	err := Validate(e, "$filter", accessPackageProps)
	want := "$filter: unknown property 'displayNam' on accessPackage at position 1: did you mean 'displayName'? " +
		"known properties: id, displayName, description, isHidden, catalog/id, createdDateTime"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestQueryValidate(t *testing.T) {
	q, err := ParseQuery(map[string][]string{"$orderby": {"displayName desc"}, "$select": {"id,catalog/id"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Validate(accessPackageProps); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	q.OrderBy = append(q.OrderBy, OrderBy{Path: "createdDate"})
	if err := q.Validate(accessPackageProps); err == nil || !strings.Contains(err.Error(), "$orderby: unknown property 'createdDate'") {
		t.Fatalf("Validate orderby: %v", err)
	}
	q.OrderBy = nil
	q.Select = []string{"id", "bogus"}
	if err := q.Validate(accessPackageProps); err == nil || !strings.Contains(err.Error(), "$select: unknown property 'bogus'") {
		t.Fatalf("Validate select: %v", err)
	}
	if err := q.Validate(nil); err != nil {
		t.Fatalf("Validate(nil): %v", err)
	}
}
