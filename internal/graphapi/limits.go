package graphapi

import (
	"encoding/json"
	"unicode/utf8"
)

// Text limits (SEC-4): the longest value, in characters, that a text property of a request
// body may hold. Properties not named here may hold defaultTextLimit. docs/api.md lists
// them; a longer value is refused with 400 naming the property, before anything is
// stored or copied into the audit log.
var textLimits = map[string]int{
	"displayName":       256,
	"userPrincipalName": 256,
	"mail":              256,
	"mailNickname":      64,
	"givenName":         64,
	"surname":           64,
	"jobTitle":          128,
	"description":       2048,
	"justification":     2048,
	"membershipRule":    3072,
	"regexPattern":      1024,
	"@odata.id":         2048,
}

// defaultTextLimit is the limit of every other text property.
const defaultTextLimit = 4096

// checkLengths refuses a body in which any string, at any depth, is longer than the limit
// of its property.
func checkLengths(m map[string]json.RawMessage) error {
	for k, raw := range m {
		if err := checkValue(k, k, raw); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(path, prop string, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil // the decoder reports malformed values
		}
		limit, ok := textLimits[prop]
		if !ok {
			limit = defaultTextLimit
		}
		if n := utf8.RuneCountInString(s); n > limit {
			return badRequest("property '%s' is %d characters long; the limit is %d (docs/api.md lists the limits of text properties)", path, n, limit)
		}
	case '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		for k, v := range obj {
			if err := checkValue(path+"."+k, k, v); err != nil {
				return err
			}
		}
	case '[':
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) != nil {
			return nil
		}
		for _, v := range arr {
			if err := checkValue(path, prop, v); err != nil {
				return err
			}
		}
	}
	return nil
}
