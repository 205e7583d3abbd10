package scimtest

import (
	"slices"
	"strings"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/filter"
	"github.com/elimity-com/scim/schema"
	parser "github.com/scim2/filter-parser/v2"
)

// apply applies one validated PATCH operation to r. Groups support add, remove and
// replace of members (with a path such as members[value eq "id"] for remove) and
// replace of displayName; users support add and replace of attributes without a path.
func (h *handler) apply(r *record, op scim.PatchOperation) error {
	if op.Path == nil {
		attrs, ok := op.Value.(map[string]any)
		if !ok {
			return scimerrors.ScimErrorInvalidValue
		}
		for name, v := range attrs {
			if err := h.applyAttr(r, op.Op, name, v); err != nil {
				return err
			}
		}
		return nil
	}
	name := op.Path.AttributePath.AttributeName
	if h.kind == kindGroup && strings.EqualFold(name, "members") {
		return h.applyMembers(r, op)
	}
	if op.Path.ValueExpression != nil || op.Path.AttributePath.SubAttribute != nil {
		return scimerrors.ScimErrorInvalidPath
	}
	return h.applyAttr(r, op.Op, name, op.Value)
}

// applyAttr sets or removes one attribute named by a path without filter.
func (h *handler) applyAttr(r *record, opName, name string, v any) error {
	if h.kind == kindGroup && strings.EqualFold(name, "members") {
		list, _ := v.([]any)
		return h.applyMembers(r, scim.PatchOperation{Op: opName, Path: &membersPath, Value: list})
	}
	if _, ok := h.schema.Attributes.ContainsAttribute(name); !ok {
		return scimerrors.ScimErrorInvalidPath
	}
	if opName == scim.PatchOperationRemove {
		delete(r.attrs, name)
	} else {
		r.attrs[name] = v
	}
	return nil
}

// applyMembers applies an operation on a group's members.
func (h *handler) applyMembers(r *record, op scim.PatchOperation) error {
	current := members(r.attrs)
	values, _ := op.Value.([]any)
	switch op.Op {
	case scim.PatchOperationAdd:
		if err := h.checkMembers(values); err != nil {
			return err
		}
		for _, m := range values {
			if !slices.ContainsFunc(current, func(c any) bool { return memberValue(c) == memberValue(m) }) {
				current = append(current, m)
			}
		}
	case scim.PatchOperationReplace:
		if err := h.checkMembers(values); err != nil {
			return err
		}
		current = slices.Clone(values)
	case scim.PatchOperationRemove:
		var err error
		if current, err = removeMembers(current, op.Path, values); err != nil {
			return err
		}
	default:
		return scimerrors.ScimErrorInvalidValue
	}
	if current == nil {
		current = []any{}
	}
	r.attrs["members"] = current
	return nil
}

// removeMembers removes the members that the path's value filter selects (all of them
// without a filter), or, with a value, the members listed in it.
func removeMembers(current []any, path *parser.Path, values []any) ([]any, error) {
	if values != nil {
		return slices.DeleteFunc(current, func(c any) bool {
			return slices.ContainsFunc(values, func(v any) bool { return memberValue(v) == memberValue(c) })
		}), nil
	}
	if path.ValueExpression == nil {
		return []any{}, nil
	}
	v := filter.NewFilterValidator(rewrite(path.ValueExpression, memberSchema),
		schema.Schema{Attributes: memberSchema.Attributes})
	return slices.DeleteFunc(current, func(c any) bool {
		m, ok := c.(map[string]any)
		return ok && v.PassesFilter(m) == nil
	}), nil
}

var membersPath = mustPath("members")

func mustPath(p string) parser.Path {
	v, err := filter.NewPathValidator(p, schema.CoreGroupSchema())
	if err != nil {
		panic(err)
	}
	return v.Path()
}

// memberSchema is the schema of one member of a group: its sub-attributes.
var memberSchema = func() schema.Schema {
	a, _ := schema.CoreGroupSchema().Attributes.ContainsAttribute("members")
	return schema.Schema{Attributes: a.SubAttributes()}
}()
