package main

// This file holds the reporting (runner, step: OK/FAIL per step, warnings, summary) and
// the comparison of each raw JSON response with what the SDK parsed from it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// runner runs steps one after the other and remembers their outcomes.
type runner struct {
	rec   *recorder
	steps []*step
}

// step is one named check. A step passes when nothing called failf; warnings are printed
// and summarized but do not fail it.
type step struct {
	name     string
	ctx      context.Context
	rec      *recorder
	failures []string
	warnings []string
}

// run executes fn as the step called name and prints its outcome. A panic in fn fails the
// step instead of ending the program.
func (r *runner) run(name string, fn func(s *step)) {
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	s := &step{name: name, ctx: ctx, rec: r.rec}
	r.steps = append(r.steps, s)
	fmt.Printf("\n=== %s\n", name)
	func() {
		defer func() {
			if p := recover(); p != nil {
				s.failf("panic: %v", p)
			}
		}()
		fn(s)
	}()
	if len(s.failures) == 0 {
		fmt.Printf("OK   %s\n", name)
	} else {
		fmt.Printf("FAIL %s\n", name)
	}
}

// summary prints the totals, every warning and every failure, and reports whether any
// step failed.
func (r *runner) summary() (failed bool) {
	nFail, nWarn := 0, 0
	for _, s := range r.steps {
		if len(s.failures) > 0 {
			nFail++
		}
		nWarn += len(s.warnings)
	}
	fmt.Printf("\n=== SUMMARY: %d steps, %d OK, %d FAIL, %d warning(s)\n", len(r.steps), len(r.steps)-nFail, nFail, nWarn)
	for _, s := range r.steps {
		for _, w := range s.warnings {
			fmt.Printf("WARN [%s] %s\n", s.name, w)
		}
	}
	for _, s := range r.steps {
		for _, f := range s.failures {
			fmt.Printf("FAIL [%s] %s\n", s.name, f)
		}
	}
	return nFail > 0
}

// logf prints a detail line of the step.
func (s *step) logf(format string, a ...any) {
	fmt.Printf("    "+format+"\n", a...)
}

// failf records and prints a failure; the step will report FAIL.
func (s *step) failf(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	s.failures = append(s.failures, msg)
	fmt.Printf("    FAIL: %s\n", msg)
}

// warnf records and prints a warning; it does not fail the step.
func (s *step) warnf(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	s.warnings = append(s.warnings, msg)
	fmt.Printf("    WARN: %s\n", msg)
}

// failed reports an SDK call's error as a failure and returns whether there was one.
func (s *step) failed(call string, err error) bool {
	if err == nil {
		return false
	}
	s.failf("%s: %s", call, describeErr(err))
	return true
}

// requires fails the step when an earlier step did not produce what this one builds on,
// and returns true so that the caller can return.
func (s *step) requires(ok bool, what string) bool {
	if !ok {
		s.failf("not run: %s", what)
	}
	return !ok
}

// expect fails the step with the message unless cond holds.
func (s *step) expect(cond bool, format string, a ...any) {
	if !cond {
		s.failf(format, a...)
	}
}

// present fails the step when the parsed value v (a pointer, slice or interface) is nil
// or empty: a value the server sends that the SDK must surface.
func (s *step) present(field string, v any) {
	rv := reflect.ValueOf(v)
	empty := v == nil
	if !empty {
		switch rv.Kind() {
		case reflect.Pointer, reflect.Interface:
			empty = rv.IsNil() || (rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.String && rv.Elem().Len() == 0)
		case reflect.Slice, reflect.Map:
			empty = rv.Len() == 0
		}
	}
	if empty {
		s.failf("parsed value %s is nil or empty", field)
	}
}

// expectODataError checks that err is the SDK's ODataError with the given HTTP status
// and, when code is not empty, the given error code.
func (s *step) expectODataError(call string, err error, status int, code string) {
	if err == nil {
		s.failf("%s succeeded; want an ODataError with status %d %s", call, status, code)
		return
	}
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) {
		s.failf("%s: want an ODataError with status %d, got %s", call, status, describeErr(err))
		return
	}
	gotCode := ""
	if e := oe.GetErrorEscaped(); e != nil {
		gotCode = deref(e.GetCode())
	}
	if oe.ResponseStatusCode != status || (code != "" && gotCode != code) {
		s.failf("%s: want status %d code %q, got %s", call, status, code, describeErr(err))
		return
	}
	s.logf("expected error: %s", describeErr(err))
}

// describeErr renders an SDK error with its status, code and message.
func describeErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		code, msg := "<no error object>", ""
		if e := oe.GetErrorEscaped(); e != nil {
			code, msg = deref(e.GetCode()), deref(e.GetMessage())
		}
		return fmt.Sprintf("ODataError status=%d code=%q message=%q", oe.ResponseStatusCode, code, msg)
	}
	var ae *abstractions.ApiError
	if errors.As(err, &ae) {
		return fmt.Sprintf("ApiError status=%d message=%q", ae.ResponseStatusCode, ae.Message)
	}
	return fmt.Sprintf("%T: %v", err, err)
}

// deref formats *p, or "<nil>".
func deref[T any](p *T) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

// audit compares the raw body of the response that was just received with what the SDK
// parsed from it (re-serialized with kiota's JSON writer). A non-null wire value that is
// missing or different after parsing fails the step: the SDK did not understand it (an
// unknown enum member, a wrongly typed value, a misnamed property inside a known type…).
// A property the SDK's model does not declare is only a warning: the SDK keeps it in
// additionalData, and Bestow may legitimately send more than Graph's schema names.
func (s *step) audit(label string, parsed serialization.Parsable) {
	status, raw := s.rec.last()
	if parsed == nil || reflect.ValueOf(parsed).IsNil() {
		s.failf("%s: the SDK returned no object (HTTP %d, body %s)", label, status, raw)
		return
	}
	var rawV, parsedV any
	if err := json.Unmarshal(raw, &rawV); err != nil {
		s.failf("%s: response body is not JSON: %v", label, err)
		return
	}
	w := jsonserialization.NewJsonSerializationWriter()
	if err := w.WriteObjectValue("", parsed); err != nil {
		s.failf("%s: re-serializing the parsed object: %v", label, err)
		return
	}
	ser, err := w.GetSerializedContent()
	if err == nil {
		err = json.Unmarshal(ser, &parsedV)
	}
	if err != nil {
		s.failf("%s: re-serialized parsed object is not JSON: %v: %s", label, err, ser)
		return
	}
	var diffs []string
	diffJSON(label, rawV, parsedV, &diffs)
	for _, d := range diffs {
		s.failf("%s", d)
	}
	unknown := map[string]int{}
	walkAdditional(label, reflect.ValueOf(parsed), unknown, 0)
	keys := make([]string, 0, len(unknown))
	for k := range unknown {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s.warnf("%s (%d occurrence(s))", k, unknown[k])
	}
	if len(diffs) == 0 {
		s.logf("%s: every wire value survived parsing", label)
	}
}

// diffJSON appends to out every place where the raw JSON value has a non-null value that
// the parsed value lacks or holds differently.
func diffJSON(path string, raw, parsed any, out *[]string) {
	switch r := raw.(type) {
	case map[string]any:
		p, ok := parsed.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: wire object became %s after parsing", path, short(parsed)))
			return
		}
		keys := make([]string, 0, len(r))
		for k := range r {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if r[k] == nil {
				continue
			}
			pv, ok := p[k]
			if !ok || pv == nil {
				*out = append(*out, fmt.Sprintf("%s.%s: wire value %s was dropped by the SDK", path, k, short(r[k])))
				continue
			}
			diffJSON(path+"."+k, r[k], pv, out)
		}
	case []any:
		p, ok := parsed.([]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: wire array became %s after parsing", path, short(parsed)))
			return
		}
		if len(p) != len(r) {
			*out = append(*out, fmt.Sprintf("%s: wire array has %d items, parsed has %d", path, len(r), len(p)))
		}
		for i := 0; i < len(r) && i < len(p); i++ {
			diffJSON(fmt.Sprintf("%s[%d]", path, i), r[i], p[i], out)
		}
	default:
		if !equalScalar(raw, parsed) {
			*out = append(*out, fmt.Sprintf("%s: wire value %s parsed as %s", path, short(raw), short(parsed)))
		}
	}
}

// equalScalar compares a wire scalar with the SDK's re-serialization of it, allowing for
// the SDK's normal forms: kiota writes date-times without fractional seconds and
// normalizes durations (P90D becomes P12W6D), and enum members may differ in case.
func equalScalar(wire, parsed any) bool {
	if reflect.DeepEqual(wire, parsed) {
		return true
	}
	ws, wok := wire.(string)
	ps, pok := parsed.(string)
	if !wok || !pok {
		return fmt.Sprint(wire) == fmt.Sprint(parsed)
	}
	if tw, err := time.Parse(time.RFC3339Nano, ws); err == nil {
		if tp, err := time.Parse(time.RFC3339Nano, ps); err == nil {
			return tw.Truncate(time.Second).Equal(tp.Truncate(time.Second))
		}
	}
	// Normalize the wire duration and compare it with the written form. The written form is
	// not parsed again: kiota's ParseISODuration drops the days of "P12W6D".
	if dw, err := serialization.ParseISODuration(ws); err == nil && strings.HasPrefix(ps, "P") {
		return dw.String() == ps
	}
	return strings.EqualFold(ws, ps)
}

// short renders v as JSON, cut to a readable length.
func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

var (
	// skipGetters are model methods that are not properties.
	skipGetters = map[string]bool{"GetAdditionalData": true, "GetBackingStore": true, "GetFieldDeserializers": true}
	// arrayIndex turns value[3] into value[*], so that one unknown property of a list's
	// items is reported once.
	arrayIndex = regexp.MustCompile(`\[\d+\]`)
)

// walkAdditional walks a parsed model through its getters and counts, in unknown, every
// property that landed in an additionalData map (keyed by a message naming its path and
// model type). OData annotations (@odata.type and the like) are not counted.
func walkAdditional(path string, v reflect.Value, unknown map[string]int, depth int) {
	if depth > 12 || !v.IsValid() {
		return
	}
	for v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice {
		for i := 0; i < v.Len(); i++ {
			walkAdditional(fmt.Sprintf("%s[%d]", path, i), v.Index(i), unknown, depth+1)
		}
		return
	}
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	model := v.Interface()
	if h, ok := model.(serialization.AdditionalDataHolder); ok {
		for k := range h.GetAdditionalData() {
			if strings.HasPrefix(k, "@") {
				continue
			}
			msg := fmt.Sprintf("%s.%s: property not known to the SDK model %T (kept in additionalData)", arrayIndex.ReplaceAllString(path, "[*]"), k, model)
			unknown[msg]++
		}
	}
	if _, ok := model.(serialization.Parsable); !ok {
		return
	}
	t := v.Type()
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i)
		if !strings.HasPrefix(m.Name, "Get") || skipGetters[m.Name] || m.Type.NumIn() != 1 || m.Type.NumOut() != 1 {
			continue
		}
		rt := m.Type.Out(0)
		switch rt.Kind() {
		case reflect.Interface, reflect.Slice:
		case reflect.Pointer:
			if rt.Elem().Kind() != reflect.Struct {
				continue
			}
		default:
			continue
		}
		name := strings.TrimPrefix(m.Name, "Get")
		walkAdditional(path+"."+strings.ToLower(name[:1])+name[1:], v.Method(i).Call(nil)[0], unknown, depth+1)
	}
}
