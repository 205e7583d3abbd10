package odata

import (
	"encoding/json"
	"testing"
)

func FuzzParseFilter(f *testing.F) {
	seeds := []string{
		"displayName eq 'Sales Reps'",
		"id eq 8a5d6e1f-0b0c-4d2e-9f10-1a2b3c4d5e6f",
		"createdDateTime ge 2024-01-01T00:00:00.5+02:00 and createdDateTime lt 2024-02-01",
		"not (isHidden or catalog/id ne 'c1')",
		"state in ('delivered','expired')",
		"groupTypes/any(c:c eq 'Unified')",
		"identitySources/any(s: s/domainName eq 'fabrikam.com')",
		"members/all(m: m/age gt 18 and startswith(m/name, 'A'))",
		"contains(tolower(displayName), 'o''brien')",
		"length(trim(displayName)) le -1.5e2",
		"members/$count gt 0 and members/any()",
		"expiration eq duration'P1D' or x eq null",
		"(a eq 1) eq true",
		"NOT groupTypes/ANY(c:c EQ 'x')",
		"displayName equals 'x'",
		"displayName eq 'unterminated",
		"((a eq 1)",
		"a eq 1)",
		"startwith(a, 'b')",
		"a eq 12abc",
		"",
		"a/any(x: x/b/any(y: y eq x/c))",
		"ü eq 'ö' or @odata.type eq '#x'",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(`{"id":"8a5d6e1f-0b0c-4d2e-9f10-1a2b3c4d5e6f","displayName":"Sales","isHidden":false,
		"a":1,"x":"2024-01-01T00:00:00Z","catalog":{"id":"c1"},"groupTypes":["Unified"],
		"members":[{"age":20,"name":"Ann","b":[1,2],"c":2}],"identitySources":[{"domainName":"f.com"}]}`), &obj); err != nil {
		f.Fatal(err)
	}
	props := &Properties{TypeName: "t", Names: []string{"id", "displayName", "members/age", "groupTypes"}}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseFilter(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("ParseFilter(%q) error %T is not *Error", s, err)
			}
			return
		}
		canon := e.String()
		e2, err := ParseFilter(canon)
		if err != nil {
			t.Fatalf("ParseFilter(%q) ok, but canonical %q fails: %v", s, canon, err)
		}
		if got := e2.String(); got != canon {
			t.Fatalf("canonical form unstable: %q -> %q -> %q", s, canon, got)
		}
		if _, err := Match(e, obj); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Match(%q) error %T is not *Error", s, err)
			}
		}
		_ = Validate(e, "$filter", props)
	})
}

func FuzzParseExpand(f *testing.F) {
	for _, s := range []string{
		"roles,scopes", "*", "resourceRoleScopes($expand=role,scope),assignmentPolicies",
		"resourceRoleScopes($expand=role($select=id,displayName),scope;$select=id)",
		"members($filter=displayName eq 'a,b;c)';$top=5)", "a(", "a)", "a($top=x)", "a(b)c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		es, err := ParseExpand(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("ParseExpand(%q) error %T is not *Error", s, err)
			}
			return
		}
		if len(es) == 0 {
			t.Fatalf("ParseExpand(%q) returned no items and no error", s)
		}
	})
}
