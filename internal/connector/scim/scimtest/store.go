package scimtest

import (
	"fmt"
	"slices"
	"sync"
)

type kind string

const (
	kindUser  kind = "User"
	kindGroup kind = "Group"
)

// record is one stored resource: its id, externalId and attributes (as the SCIM library
// hands them over: strings, bools, []any of map[string]any).
type record struct {
	id         string
	externalID string
	attrs      map[string]any
}

// store holds Users and Groups in memory, in the order they were created.
type store struct {
	mu    sync.Mutex
	next  int
	byID  map[string]*record
	order map[kind][]string
}

func newStore() *store {
	return &store{byID: map[string]*record{}, order: map[kind][]string{}}
}

func (s *store) create(k kind, externalID string, attrs map[string]any) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	id := fmt.Sprintf("%s-%05d", k, s.next)
	s.byID[id] = &record{id: id, externalID: externalID, attrs: attrs}
	s.order[k] = append(s.order[k], id)
	return id
}

// get returns a copy of the record, or nil.
func (s *store) get(k kind, id string) *record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.getLocked(k, id)
}

func (s *store) getLocked(k kind, id string) *record {
	if !slices.Contains(s.order[k], id) {
		return nil
	}
	r := *s.byID[id]
	r.attrs = copyAttrs(r.attrs)
	return &r
}

// all returns copies of the records of a kind, in creation order.
func (s *store) all(k kind) []*record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*record
	for _, id := range s.order[k] {
		out = append(out, s.getLocked(k, id))
	}
	return out
}

// put replaces a stored record; it reports false when there is none.
func (s *store) put(k kind, r *record) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.order[k], r.id) {
		return false
	}
	s.byID[r.id] = r
	return true
}

// delete removes a record and, for a user, its memberships.
func (s *store) delete(k kind, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.Index(s.order[k], id)
	if i < 0 {
		return false
	}
	s.order[k] = slices.Delete(s.order[k], i, i+1)
	delete(s.byID, id)
	for _, gid := range s.order[kindGroup] {
		g := s.byID[gid]
		g.attrs["members"] = slices.DeleteFunc(members(g.attrs), func(m any) bool { return memberValue(m) == id })
	}
	return true
}

func (s *store) memberIDs(groupID string) []string {
	g := s.get(kindGroup, groupID)
	if g == nil {
		return nil
	}
	ids := []string{}
	for _, m := range members(g.attrs) {
		ids = append(ids, memberValue(m))
	}
	return ids
}

// members returns a group's members attribute as a list.
func members(attrs map[string]any) []any {
	list, _ := attrs["members"].([]any)
	return list
}

func memberValue(m any) string {
	mm, _ := m.(map[string]any)
	v, _ := mm["value"].(string)
	return v
}

// copyAttrs copies the attributes deeply enough that a PATCH on the copy leaves the
// stored record alone.
func copyAttrs(a map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return copyAttrs(v)
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = copyValue(v[i])
		}
		return out
	}
	return v
}
