package odata

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	v, err := url.ParseQuery("$filter=displayName+eq+%27Sales%27&$expand=roles,scopes&$select=id,displayName" +
		"&$orderby=displayName%20desc,createdDateTime&$top=10&$skip=20&$skiptoken=abc%3D&$count=true" +
		"&$search=%22displayName:sales%22&api-version=1")
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseQuery(v)
	if err != nil {
		t.Fatalf("ParseQuery: %v", err)
	}
	if q.Filter == nil || q.Filter.String() != "displayName eq 'Sales'" {
		t.Errorf("Filter = %v", q.Filter)
	}
	if expandShape(q.Expand) != "[roles scopes]" {
		t.Errorf("Expand = %s", expandShape(q.Expand))
	}
	if !reflect.DeepEqual(q.Select, []string{"id", "displayName"}) {
		t.Errorf("Select = %q", q.Select)
	}
	if want := []OrderBy{{"displayName", true}, {"createdDateTime", false}}; !reflect.DeepEqual(q.OrderBy, want) {
		t.Errorf("OrderBy = %v", q.OrderBy)
	}
	if q.Top != 10 || q.Skip != 20 || q.SkipToken != "abc=" || !q.Count || q.Search != `"displayName:sales"` {
		t.Errorf("Top/Skip/SkipToken/Count/Search = %d %d %q %v %q", q.Top, q.Skip, q.SkipToken, q.Count, q.Search)
	}
}

func TestParseQueryDefaults(t *testing.T) {
	q, err := ParseQuery(url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(q, Query{Top: -1}) || !reflect.DeepEqual(q, NewQuery()) {
		t.Fatalf("empty query = %#v", q)
	}
	q, err = ParseQuery(url.Values{"$select": {"*"}, "$count": {"FALSE"}, "$top": {"0"}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Select != nil || q.Count || q.Top != 0 {
		t.Fatalf("got %#v", q)
	}
}

func TestParseQueryWithoutDollar(t *testing.T) {
	q, err := ParseQuery(url.Values{
		"filter": {"id eq '1'"}, "top": {"5"}, "count": {"true"}, "orderby": {"id"},
		"select": {"id"}, "expand": {"roles"}, "skip": {"1"}, "search": {"x"}, "$Skiptoken": {"t"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if q.Filter == nil || q.Top != 5 || !q.Count || len(q.OrderBy) != 1 || len(q.Select) != 1 ||
		len(q.Expand) != 1 || q.Skip != 1 || q.Search != "x" || q.SkipToken != "t" {
		t.Fatalf("got %#v", q)
	}
}

func TestParseQueryErrors(t *testing.T) {
	tests := []struct {
		v      url.Values
		option string
		text   string // substring of Error()
	}{
		{url.Values{"$top": {"abc"}}, "$top", "$top must be a non-negative integer, got 'abc'"},
		{url.Values{"$top": {"-1"}}, "$top", "$top must be a non-negative integer, got '-1'"},
		{url.Values{"top": {"1.5"}}, "$top", "$top must be a non-negative integer, got '1.5'"},
		{url.Values{"$top": {""}}, "$top", "$top must be a non-negative integer, got ''"},
		{url.Values{"$top": {"1000"}}, "$top", "$top must be at most 999, got '1000'"},
		{url.Values{"$top": {"99999999999999999999"}}, "$top", "$top is too large"},
		{url.Values{"$skip": {"x"}}, "$skip", "$skip must be a non-negative integer, got 'x'"},
		{url.Values{"$count": {"yes"}}, "$count", "$count must be true or false, got 'yes'"},
		{url.Values{"$filter": {""}}, "$filter", "$filter: empty filter expression"},
		{url.Values{"$filter": {"a eq"}}, "$filter", "$filter: unexpected end of input at position 5"},
		{url.Values{"$expand": {"a("}}, "$expand", "$expand: missing ')' at position 2"},
		{url.Values{"$select": {"id,,name"}}, "$select", "$select: empty property name at position 4"},
		{url.Values{"$select": {"id, display name"}}, "$select", "$select: invalid property name 'display name' at position 5"},
		{url.Values{"$select": {"*,id"}}, "$select", "'*' cannot be combined"},
		{url.Values{"$select": {""}}, "$select", "empty $select"},
		{url.Values{"$orderby": {"name sideways"}}, "$orderby", "$orderby: unexpected 'sideways' after 'name' at position 6"},
		{url.Values{"$orderby": {"name desc x"}}, "$orderby", "unexpected 'x' after 'name desc'"},
		{url.Values{"$orderby": {"tolower(name)"}}, "$orderby", "ordering by expressions is not supported"},
		{url.Values{"$orderby": {"a,"}}, "$orderby", "empty sort key at position 3"},
		{url.Values{"$filter": {"a eq 1"}, "filter": {"b eq 2"}}, "$filter", "$filter is specified more than once"},
		{url.Values{"$top": {"1", "2"}}, "$top", "$top is specified more than once"},
		{url.Values{"$levels": {"2"}}, "$levels", "$levels is not a supported query option: supported: $filter"},
	}
	for _, tt := range tests {
		_, err := ParseQuery(tt.v)
		var oe *Error
		if !errors.As(err, &oe) {
			t.Errorf("ParseQuery(%v) = %v, want *Error", tt.v, err)
			continue
		}
		if oe.Option != tt.option || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("ParseQuery(%v) = %q (option %q), want option %q and text %q", tt.v, err, oe.Option, tt.option, tt.text)
		}
	}
}

func TestParseOrderBy(t *testing.T) {
	got, err := ParseOrderBy("displayName desc, createdDateTime, catalog/id ASC,x DESC")
	if err != nil {
		t.Fatal(err)
	}
	want := []OrderBy{{"displayName", true}, {"createdDateTime", false}, {"catalog/id", false}, {"x", true}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, err := ParseOrderBy(" "); err == nil {
		t.Fatal("empty $orderby accepted")
	}
}
