package scimtest

import (
	"encoding/json"
	"fmt"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/filter"
	"github.com/elimity-com/scim/schema"
	parser "github.com/scim2/filter-parser/v2"
)

// passes reports whether the record passes the request's filter (all do without one).
// The library's validator evaluates the filter; rewrite first fills two gaps of the
// parser and the evaluator (see rewrite).
func (h *handler) passes(p scim.ListRequestParams, r *record) (ok bool, err error) {
	if p.FilterValidator == nil {
		return true, nil
	}
	s := withCommon(h.schema)
	v := filter.NewFilterValidator(rewrite(p.FilterValidator.GetFilter(), s), s)
	m := copyAttrs(r.attrs)
	m["id"] = r.id
	if r.externalID != "" {
		m["externalId"] = r.externalID
	}
	defer func() { // the evaluator panics on some type mismatches
		if recover() != nil {
			ok, err = false, scimerrors.ScimErrorInvalidFilter
		}
	}()
	return v.PassesFilter(m) == nil, nil
}

// withCommon adds the common attributes (id, externalId, meta) to a schema, as the
// library does when it validates a filter.
func withCommon(s schema.Schema) schema.Schema {
	attrs := append(append(schema.Attributes{}, s.Attributes...), schema.CommonAttributes()...)
	s.Attributes = attrs
	return s
}

// rewrite returns a copy of the filter expression that the library evaluates as RFC 7644
// §3.4.2.2 means it:
//   - a quoted compare value is unescaped (the parser keeps `\"` and `\\` as written);
//   - a comparison on a sub-attribute of a multi-valued attribute, such as
//     `emails.value eq "x"`, becomes the equivalent value path `emails[value eq "x"]`
//     (the evaluator reads a sub-attribute only of a single complex value).
func rewrite(e parser.Expression, s schema.Schema) parser.Expression {
	switch e := e.(type) {
	case *parser.AttributeExpression:
		c := *e
		if str, ok := c.CompareValue.(string); ok {
			c.CompareValue = unescape(str)
		}
		attr, ok := s.Attributes.ContainsAttribute(c.AttributePath.AttributeName)
		if sub := c.AttributePath.SubAttributeName(); ok && sub != "" && attr.MultiValued() {
			subPath := parser.AttributePath{AttributeName: sub}
			outer := c.AttributePath
			outer.SubAttribute = nil
			return &parser.ValuePath{AttributePath: outer,
				ValueFilter: &parser.AttributeExpression{AttributePath: subPath, Operator: c.Operator, CompareValue: c.CompareValue}}
		}
		return &c
	case *parser.ValuePath:
		c := *e
		attr, _ := s.Attributes.ContainsAttribute(c.AttributePath.AttributeName)
		c.ValueFilter = rewrite(c.ValueFilter, schema.Schema{ID: s.ID, Attributes: attr.SubAttributes()})
		return &c
	case *parser.LogicalExpression:
		return &parser.LogicalExpression{Left: rewrite(e.Left, s), Right: rewrite(e.Right, s), Operator: e.Operator}
	case *parser.NotExpression:
		return &parser.NotExpression{Expression: rewrite(e.Expression, s)}
	}
	panic(fmt.Sprintf("scimtest: unknown filter expression %T", e))
}

// unescape reads the escapes of a SCIM (JSON) string; a string it cannot read is kept.
func unescape(s string) string {
	var out string
	if err := json.Unmarshal([]byte(`"`+s+`"`), &out); err != nil {
		return s
	}
	return out
}
