package graphapi

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-zA-Z]+)\}`)

// openapi serves an OpenAPI 3.1 document generated from the route table, so it lists
// exactly the endpoints the server has.
func (a *API) openapi(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.OpenAPI())
}

// OpenAPI returns the OpenAPI document of the API.
func (a *API) OpenAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range a.routes {
		p := rt.pattern
		ops := paths[p]
		if ops == nil {
			ops = map[string]any{}
			paths[p] = ops
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(p, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": strings.ToLower(rt.method) + opName(p),
			"tags":        []string{tag(p)},
			"responses":   responses(rt),
		}
		if rt.method == "GET" && rt.typ != "" && !strings.Contains(p[strings.LastIndex(p, "/"):], "{") {
			for _, q := range []string{"$filter", "$expand", "$select", "$orderby", "$top", "$skip", "$skiptoken", "$count"} {
				params = append(params, map[string]any{"name": q, "in": "query", "required": false, "schema": map[string]any{"type": "string"}})
			}
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.method == "POST" || rt.method == "PATCH" || rt.method == "PUT" {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{
				"schema": map[string]any{"type": "object", "description": "Graph shape of " + firstNonEmpty(rt.typ, "the object")}}}}
		}
		if !rt.public {
			op["security"] = []any{map[string]any{"bearer": []string{}}}
		}
		ops[strings.ToLower(rt.method)] = op
	}
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Bestow API", "version": "1.0",
			"description": "Microsoft Graph v1.0 compatible entitlement management, directory and role management API, plus Bestow additions under /bestow/v1."},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{"error": map[string]any{"type": "object", "properties": map[string]any{
				"error": map[string]any{"type": "object", "properties": map[string]any{
					"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}}}},
		},
	}
}

func responses(rt route) map[string]any {
	errRef := map[string]any{"description": "Graph error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/error"}}}}
	ok := map[string]any{"description": "OK"}
	if rt.typ != "" {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object", "description": rt.typ}}}
	}
	code := "200"
	switch {
	case rt.method == "POST" && rt.typ != "":
		code = "201"
	case rt.method == "DELETE", rt.method == "PATCH", strings.HasSuffix(rt.pattern, "$ref"):
		code, ok = "204", map[string]any{"description": "No Content"}
	}
	return map[string]any{code: ok, "400": errRef, "401": errRef, "403": errRef, "404": errRef, "409": errRef}
}

func opName(p string) string {
	var b strings.Builder
	for _, part := range strings.Split(p, "/") {
		part = strings.Trim(part, "{}$")
		if part == "" || part == "v1.0" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + strings.ReplaceAll(part[1:], ".", ""))
	}
	return b.String()
}

func tag(p string) string {
	parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(p, em), rbac), "/v1.0"), "/")
	for _, x := range parts {
		if x != "" {
			return x
		}
	}
	return "bestow"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
