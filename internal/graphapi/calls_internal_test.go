package graphapi

import (
	"reflect"
	"testing"
)

// TestCallSegments checks how a path segment is told apart as a function call, a cast or
// an id, and how a call's parameters are read.
func TestCallSegments(t *testing.T) {
	for _, c := range []struct {
		segment, name string
		call          bool
	}{
		{"filterByCurrentUser(on='target')", "filterByCurrentUser", true},
		{"unknownFn(x)", "unknownFn", true},
		{"subjects(objectId='x'", "subjects", true}, // unclosed: the route's handler says the form
		{"microsoft.graph.delta()", "microsoft.graph.delta", true},
		{"microsoft.graph.group", "microsoft.graph.group", true},
		{"Microsoft.Graph.Group", "Microsoft.Graph.Group", true},
		{"9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "", false},
		{"ann@bestow.test", "", false},
		{"ann.lee@bestow.test", "", false},
		{"ann_fabrikam.com#EXT#@bestow.test", "", false},
		{"microsoft.graph.user@bestow.test", "", false}, // a principal name, not a cast
		{"microsoft.graph.", "", false},
		{"(x)", "", false},
		{"9f8e(x)", "", false},
		{"$count", "", false},
	} {
		name, call := callName(c.segment)
		if name != c.name || call != c.call {
			t.Errorf("callName(%q) = %q, %v; want %q, %v", c.segment, name, call, c.name, c.call)
		}
	}
	for _, c := range []struct {
		segment string
		want    map[string]string // nil: not a call of f
	}{
		{"f()", map[string]string{}},
		{"f(on='target')", map[string]string{"on": "target"}},
		{"f( a = 'x' , b=y )", map[string]string{"a": "x", "b": "y"}},
		{"f(a='it''s, here',b='')", map[string]string{"a": "it's, here", "b": ""}},
		{"f(a=1,b=2)", map[string]string{"a": "1", "b": "2"}},
		{"f(a='x',a='y')", nil},
		{"f(a='x',)", nil},
		{"f(a='x'b='y')", nil},
		{"f(a='x)", nil},
		{"f(x)", nil},
		{"f(='x')", nil},
		{"f(a='x'", nil},
		{"g(a='x')", nil},
	} {
		got, ok := callArgs(c.segment, "f")
		if ok != (c.want != nil) || ok && !reflect.DeepEqual(got, c.want) {
			t.Errorf("callArgs(%q) = %v, %v; want %v", c.segment, got, ok, c.want)
		}
	}
	if got := wildcards("/a/{id}/b/{ref}/{rest...}"); !reflect.DeepEqual(got, []string{"id", "ref", "rest"}) {
		t.Errorf("wildcards = %v", got)
	}
}
