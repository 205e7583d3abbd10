package graphapi

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestMergePatch checks the JSON Merge Patch rules of PATCH bodies: nested objects merge,
// arrays and scalars replace, null sets null, and an object of another kind (@odata.type,
// or "type" where there is none) replaces the stored one.
func TestMergePatch(t *testing.T) {
	stored := `{"id":"1","name":"a","settings":{"x":1,"y":2,"inner":{"p":true,"q":false}},
		"list":[1,2,3],"approver":{"@odata.type":"#microsoft.graph.singleUser","userId":"u1","description":"d"},
		"expiration":{"type":"afterDuration","duration":"P7D","endDateTime":null}}`
	for _, c := range []struct {
		name, patch, want string
	}{
		{"nested objects merge", `{"settings":{"y":5,"inner":{"q":true}}}`,
			`{"settings":{"x":1,"y":5,"inner":{"p":true,"q":true}}}`},
		{"new nested keys are added", `{"settings":{"z":"new"}}`, `{"settings":{"x":1,"y":2,"z":"new","inner":{"p":true,"q":false}}}`},
		{"arrays replace", `{"list":[9]}`, `{"list":[9]}`},
		{"null sets null", `{"settings":{"x":null},"name":null}`, `{"name":null,"settings":{"x":null,"y":2,"inner":{"p":true,"q":false}}}`},
		{"null replaces an object", `{"settings":null}`, `{"settings":null}`},
		{"same @odata.type merges", `{"approver":{"@odata.type":"singleUser","userId":"u2"}}`,
			`{"approver":{"@odata.type":"singleUser","userId":"u2","description":"d"}}`},
		{"other @odata.type replaces", `{"approver":{"@odata.type":"#microsoft.graph.groupMembers","groupId":"g"}}`,
			`{"approver":{"@odata.type":"#microsoft.graph.groupMembers","groupId":"g"}}`},
		{"no @odata.type merges", `{"approver":{"description":"e"}}`,
			`{"approver":{"@odata.type":"#microsoft.graph.singleUser","userId":"u1","description":"e"}}`},
		{"same type merges", `{"expiration":{"duration":"P1D"}}`, `{"expiration":{"type":"afterDuration","duration":"P1D","endDateTime":null}}`},
		{"other type replaces", `{"expiration":{"type":"noExpiration"}}`, `{"expiration":{"type":"noExpiration"}}`},
		{"read-only and @odata keys are ignored", `{"id":"2","@odata.type":"#microsoft.graph.x","name":"b"}`, `{"name":"b"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v, want map[string]any
			if err := json.Unmarshal([]byte(stored), &v); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(stored), &want); err != nil {
				t.Fatal(err)
			}
			var changed map[string]any
			if err := json.Unmarshal([]byte(c.want), &changed); err != nil {
				t.Fatal(err)
			}
			for k, x := range changed {
				want[k] = x
			}
			var b body
			if err := json.Unmarshal([]byte(c.patch), &b); err != nil {
				t.Fatal(err)
			}
			if err := merge[map[string]any](b, readOnlyProps...)(&v); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(v, want) {
				got, _ := json.Marshal(v)
				exp, _ := json.Marshal(want)
				t.Errorf("PATCH %s\n got %s\nwant %s", c.patch, got, exp)
			}
		})
	}
}
