package bench

import "encoding/json"

func countItems(data []byte) int {
	var body struct {
		Value []json.RawMessage `json:"value"`
	}
	_ = json.Unmarshal(data, &body)
	return len(body.Value)
}
