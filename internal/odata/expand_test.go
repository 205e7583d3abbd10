package odata

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// expandShape renders expands compactly for comparison: path{nested options}.
func expandShape(es []Expand) string {
	var parts []string
	for _, e := range es {
		s := e.Path
		var opts []string
		if e.Query.Select != nil {
			opts = append(opts, "select="+strings.Join(e.Query.Select, ","))
		}
		if e.Query.Filter != nil {
			opts = append(opts, "filter="+e.Query.Filter.String())
		}
		if e.Query.Top >= 0 {
			opts = append(opts, "top="+itoa(e.Query.Top))
		}
		if e.Query.OrderBy != nil {
			opts = append(opts, "orderby="+e.Query.OrderBy[0].Path)
		}
		if e.Query.Count {
			opts = append(opts, "count")
		}
		if e.Query.Expand != nil {
			opts = append(opts, "expand="+expandShape(e.Query.Expand))
		}
		if len(opts) > 0 {
			s += "{" + strings.Join(opts, ";") + "}"
		}
		parts = append(parts, s)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func TestParseExpand(t *testing.T) {
	tests := []struct{ in, want string }{
		{"roles", "[roles]"},
		{"roles,scopes", "[roles scopes]"},
		{" roles , scopes ", "[roles scopes]"},
		{"*", "[*]"},
		{"resourceRoleScopes($expand=role,scope),assignmentPolicies",
			"[resourceRoleScopes{expand=[role scope]} assignmentPolicies]"},
		{"resourceRoleScopes($expand=role($select=id,displayName),scope;$select=id)",
			"[resourceRoleScopes{select=id;expand=[role{select=id,displayName} scope]}]"},
		{"resourceRoleScopes(expand=role;select=id)", "[resourceRoleScopes{select=id;expand=[role]}]"},
		{"members($filter=displayName eq 'a,b;c)' and id ne 'x';$top=5;$orderby=displayName desc;$count=true)",
			"[members{filter=displayName eq 'a,b;c)' and id ne 'x';top=5;orderby=displayName;count}]"},
		{"a($expand=b($expand=c($expand=d($select=id))))", "[a{expand=[b{expand=[c{expand=[d{select=id}]}]}]}]"},
		{"catalog($select=id;)", "[catalog{select=id}]"},
		{"microsoft.graph.group/members", "[microsoft.graph.group/members]"},
	}
	for _, tt := range tests {
		got, err := ParseExpand(tt.in)
		if err != nil {
			t.Errorf("ParseExpand(%q): %v", tt.in, err)
			continue
		}
		if s := expandShape(got); s != tt.want {
			t.Errorf("ParseExpand(%q) = %s, want %s", tt.in, s, tt.want)
		}
	}
}

func TestParseExpandStructure(t *testing.T) {
	got, err := ParseExpand("resourceRoleScopes($expand=role,scope),assignmentPolicies")
	if err != nil {
		t.Fatal(err)
	}
	want := []Expand{
		{Path: "resourceRoleScopes", Query: Query{Top: -1, Expand: []Expand{
			{Path: "role", Query: Query{Top: -1}},
			{Path: "scope", Query: Query{Top: -1}},
		}}},
		{Path: "assignmentPolicies", Query: Query{Top: -1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
}

func TestParseExpandErrors(t *testing.T) {
	tests := []struct {
		in  string
		pos int
		has []string
	}{
		{"", 0, []string{"empty $expand"}},
		{"roles(", 6, []string{"missing ')'"}},
		{"roles($select=id", 6, []string{"missing ')'"}},
		{"roles)", 6, []string{"unexpected ')'"}},
		{"a($expand=b($select=id)", 2, []string{"missing ')'"}},
		{"roles,,scopes", 7, []string{"empty item"}},
		{"roles,", 7, []string{"empty item"}},
		{"ro les", 1, []string{"invalid navigation property 'ro les'"}},
		{"(x)", 1, []string{"missing navigation property"}},
		{"roles($select=id)x", 18, []string{"unexpected 'x' after ')'"}},
		{"roles($levels=2)", 7, []string{"unsupported nested option '$levels'", "supported: $filter"}},
		{"roles($skiptoken=2)", 7, []string{"unsupported nested option"}},
		{"roles(select)", 7, []string{"expected $option=value"}},
		{"roles($top=1;top=2)", 14, []string{"$top is specified more than once"}},
		{"roles($filter=name eq 'x)", 23, []string{"unterminated string"}},
		{"members($filter=displayName eq)", 31, []string{"in 'members': $filter: unexpected end of input", "expected a value"}},
		{"members($filter=(displayName eq ))", 33, []string{"in 'members': $filter: unexpected ')'", "expected a value"}},
		{"members($filter=displayName eq 'x' eq 'y')", 36, []string{"in 'members'", "cannot be chained"}},
		{"members($top=abc)", 14, []string{"in 'members': $top must be a non-negative integer, got 'abc'"}},
		{"a($expand=b($filter=x eq))", 25, []string{"in 'a': in 'b': $filter: unexpected end of input"}},
		{"a($expand=b($select=,id))", 21, []string{"in 'a': in 'b': $select: empty property name"}},
	}
	for _, tt := range tests {
		_, err := ParseExpand(tt.in)
		var oe *Error
		if !errors.As(err, &oe) {
			t.Errorf("ParseExpand(%q) = %v, want *Error", tt.in, err)
			continue
		}
		if oe.Option != "$expand" || oe.Pos != tt.pos {
			t.Errorf("ParseExpand(%q) option %q pos %d, want $expand at %d (%v)", tt.in, oe.Option, oe.Pos, tt.pos, err)
		}
		for _, s := range tt.has {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("ParseExpand(%q) error %q does not mention %q", tt.in, err, s)
			}
		}
	}
}
