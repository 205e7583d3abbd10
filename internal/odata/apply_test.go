package odata

import (
	"sort"
	"strings"
	"testing"
)

func ids(items []map[string]any) string {
	var s []string
	for _, it := range items {
		s = append(s, it["id"].(string))
	}
	return strings.Join(s, ",")
}

func applyItems(t *testing.T) []map[string]any {
	return []map[string]any{
		decode(t, `{"id":"1","displayName":"beta","size":3,"createdDateTime":"2024-05-01T10:00:00Z","catalog":{"id":"c2"}}`),
		decode(t, `{"id":"2","displayName":"Alpha","size":3,"createdDateTime":"2024-05-01T11:00:00+02:00","catalog":{"id":"c1"}}`),
		decode(t, `{"id":"3","displayName":"gamma","size":null,"createdDateTime":"2023-01-01T00:00:00Z","catalog":{"id":"c1"}}`),
		decode(t, `{"id":"4","displayName":"alpha","size":1}`),
		decode(t, `{"id":"5","displayName":"Delta","size":10,"isHidden":true,"createdDateTime":"2024-06-01T00:00:00Z","catalog":{"id":"c2"}}`),
	}
}

func TestApply(t *testing.T) {
	items := applyItems(t)
	tests := []struct {
		name    string
		filter  string
		orderby string
		top     int
		skip    int
		want    string
		total   int
	}{
		{"all", "", "", -1, 0, "1,2,3,4,5", 5},
		{"filter", "size ge 3", "", -1, 0, "1,2,5", 3},
		{"asc case-insensitive, stable ties", "", "displayName", -1, 0, "2,4,1,5,3", 5},
		{"desc", "", "displayName desc", -1, 0, "3,5,1,2,4", 5},
		{"nulls first ascending", "", "size", -1, 0, "3,4,1,2,5", 5},
		{"nulls last descending", "", "size desc", -1, 0, "5,1,2,4,3", 5},
		{"multiple keys", "", "size desc,displayName", -1, 0, "5,2,1,4,3", 5},
		{"nested path, missing object is null", "", "catalog/id,id desc", -1, 0, "4,3,2,5,1", 5},
		{"date-times as instants", "createdDateTime ne null", "createdDateTime", -1, 0, "3,2,1,5", 4},
		{"top", "", "id desc", 2, 0, "5,4", 5},
		{"skip", "", "id", -1, 3, "4,5", 5},
		{"skip and top with filter", "size ne null", "size,id", 2, 1, "1,2", 4},
		{"skip past end", "", "", -1, 9, "", 5},
		{"top zero", "isHidden", "", 0, 0, "", 1},
	}
	for _, tt := range tests {
		q := NewQuery()
		q.Top, q.Skip = tt.top, tt.skip
		var err error
		if tt.filter != "" {
			if q.Filter, err = ParseFilter(tt.filter); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
		}
		if tt.orderby != "" {
			if q.OrderBy, err = ParseOrderBy(tt.orderby); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
		}
		page, total, err := Apply(items, q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := ids(page); got != tt.want || total != tt.total {
			t.Errorf("%s: got %q total %d, want %q total %d", tt.name, got, total, tt.want, tt.total)
		}
	}
	if got := ids(items); got != "1,2,3,4,5" {
		t.Errorf("Apply reordered its input: %s", got)
	}
}

func TestApplyError(t *testing.T) {
	q := NewQuery()
	q.Filter, _ = ParseFilter("contains(size, '1')")
	if _, _, err := Apply(applyItems(t), q); err == nil || !strings.Contains(err.Error(), "contains needs a string") {
		t.Fatalf("err = %v", err)
	}
}

func TestLessMixedTypes(t *testing.T) {
	items := []map[string]any{
		{"id": "s", "v": "text"}, {"id": "n", "v": 2.0}, {"id": "b", "v": true},
		{"id": "z", "v": nil}, {"id": "m", "v": 1}, {"id": "o", "v": map[string]any{}},
	}
	by := []OrderBy{{Path: "v"}}
	sort.SliceStable(items, func(i, j int) bool { return Less(items[i], items[j], by) })
	if got := ids(items); got != "z,b,m,n,s,o" {
		t.Fatalf("got %s", got)
	}
	if Less(items[0], items[0], by) {
		t.Fatal("Less(a, a) = true")
	}
}
