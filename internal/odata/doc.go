// Package odata parses and evaluates the OData v4 system query options used by
// the Microsoft Graph–compatible REST API: $filter, $expand (with nested
// options), $select, $orderby, $top, $skip, $skiptoken, $count and $search.
//
// The package is pure: it knows nothing about HTTP or storage. ParseQuery turns
// already URL-decoded query values into a Query; ParseFilter, ParseExpand and
// ParseOrderBy parse single options. A parsed $filter is an Expr tree whose
// String method returns a canonical form that parses back to the same tree.
//
// Objects are evaluated in their JSON-decoded form: map[string]any holding
// string, float64, bool, nil, []any and map[string]any. For convenience the
// evaluator also accepts Go integers, float32, json.Number, time.Time,
// []string, []map[string]any and map[string]string wherever a value can
// appear.
//
// Semantics, chosen to match what Microsoft Graph does in practice:
//
//   - "not" applies to the whole comparison after it: "not a eq b" is
//     "not (a eq b)". Comparisons bind tighter than and, which binds tighter
//     than or.
//   - Keywords (eq, and, not, any, true, null, ...) and function names are
//     matched case-insensitively; String always prints them in lower case.
//   - Property names are matched exactly first and then case-insensitively,
//     both by Match/Less and by Validate.
//   - String comparison is case-insensitive for every operator and for
//     startswith, endswith and contains.
//   - A property missing from an object is null. Comparisons with null follow
//     OData: "eq null" matches null, gt/lt against null are false, and and/or/not
//     use three-valued logic (a null result does not match).
//   - Date-time and date literals (2024-01-01T00:00:00Z, 2024-01-01) compare as
//     instants against string values that parse as RFC 3339 date-times or dates.
//     Two strings that both parse as such are also compared as instants.
//   - Collections are only reachable through lambdas (any/all) and the $count
//     path segment; "members/id eq 'x'" on an array is an evaluation error that
//     suggests the lambda form.
//
// All syntax, validation and evaluation errors are *Error values whose text
// names the option, the problem and the 1-based character position.
package odata
