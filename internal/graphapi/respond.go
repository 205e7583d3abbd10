package graphapi

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/odata"
)

// maxBody bounds request bodies.
const maxBody = 4 << 20

// graphError is Graph's error body.
type graphError struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			RequestID string `json:"request-id,omitempty"`
			Date      string `json:"date,omitempty"`
		} `json:"innerError"`
	} `json:"error"`
}

var statusOf = map[access.Kind]int{
	access.KindInvalid:            http.StatusBadRequest,
	access.KindNotFound:           http.StatusNotFound,
	access.KindConflict:           http.StatusConflict,
	access.KindForbidden:          http.StatusForbidden,
	access.KindUnauthenticated:    http.StatusUnauthorized,
	access.KindFailedPrecondition: http.StatusBadRequest,
	access.KindTransient:          http.StatusServiceUnavailable,
	access.KindInternal:           http.StatusInternalServerError,
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError maps err to Graph's status code and error body. Internal errors are
// logged and described without their details.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *access.Error
	var oe *odata.Error
	var se *statusError
	status, code, msg := http.StatusInternalServerError, "InternalServerError", ""
	switch {
	case errors.As(err, &se):
		status, code, msg = se.status, se.code, se.msg
	case errors.As(err, &oe):
		status, code, msg = http.StatusBadRequest, "BadRequest", oe.Error()
	case errors.As(err, &ae):
		status, code, msg = statusOf[ae.Kind], ae.Code, ae.Error()
		if ae.Kind == access.KindInternal {
			msg = ""
		}
	}
	if status == http.StatusInternalServerError {
		a.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "An internal error occurred; the server log has the details (request " + requestID(r) + ")."
	}
	if code == "" {
		code = http.StatusText(status)
	}
	var body graphError
	body.Error.Code, body.Error.Message = code, msg
	body.Error.InnerError.RequestID = requestID(r)
	body.Error.InnerError.Date = time.Now().UTC().Format(time.RFC3339)
	writeJSON(w, status, body)
}

func requestID(r *http.Request) string {
	if id := r.Header.Get("client-request-id"); id != "" {
		return id
	}
	return r.Header.Get("X-Request-Id")
}

// badRequest returns an Invalid error.
func badRequest(format string, args ...any) error {
	return access.Ec(access.KindInvalid, "BadRequest", format, args...)
}

// statusError is an error with its own HTTP status, for the few protocol errors that
// have no domain kind (415 Unsupported Media Type).
type statusError struct {
	status    int
	code, msg string
}

func (e *statusError) Error() string { return e.msg }

// bodyReader returns the request body, decompressed when it is sent with
// Content-Encoding gzip (Microsoft's Graph SDKs compress every body). Any other encoding
// gets 415, on which the SDKs retry without compression.
func bodyReader(r *http.Request) (io.Reader, error) {
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return r.Body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, badRequest("the request body is marked Content-Encoding gzip but is not gzip data: %v", err)
		}
		return zr, nil
	default:
		return nil, &statusError{http.StatusUnsupportedMediaType, "UnsupportedMediaType",
			fmt.Sprintf("Content-Encoding '%s' is not supported; send the body uncompressed or gzip-compressed", enc)}
	}
}

// readBody reads a JSON object body (chunked or not, plain or gzip) into raw properties.
func readBody(r *http.Request) (map[string]json.RawMessage, error) {
	data, err := readRaw(r)
	if err != nil {
		return nil, err
	}
	return parseBody(data)
}

// readRaw reads a body's bytes (chunked or not, plain or gzip), up to the limit.
func readRaw(r *http.Request) ([]byte, error) {
	body, err := bodyReader(r)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(body, maxBody+1))
	if err != nil {
		return nil, badRequest("could not read the request body: %v", err)
	}
	if len(data) > maxBody {
		return nil, &statusError{http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("the request body is larger than %d bytes (after decompression); send less, for example fewer objects per request", maxBody)}
	}
	return data, nil
}

// parseBody parses a JSON object body into raw properties.
func parseBody(data []byte) (map[string]json.RawMessage, error) {
	if strings.TrimSpace(string(data)) == "" {
		return map[string]json.RawMessage{}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, jsonError(err, data)
	}
	if m == nil {
		return nil, badRequest("the request body must be a JSON object, not null")
	}
	if err := checkLengths(m); err != nil {
		return nil, err
	}
	return m, nil
}

// jsonError turns a decoding error into an Invalid error that points at the problem.
func jsonError(err error, data []byte) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var ae *access.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &se):
		line, col := position(data, se.Offset)
		return badRequest("the request body is not valid JSON: %s (line %d, column %d)", se.Error(), line, col)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the body"
		}
		return badRequest("property '%s' has the wrong type: expected %s, got a JSON %s", field, te.Type.String(), te.Value)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return badRequest("the request body is not valid JSON: it ends too early")
	}
	return badRequest("the request body could not be read as JSON: %v", err)
}

func position(data []byte, off int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < off && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// typedBody reads a JSON object body and refuses an @odata.type other than graphType.
func typedBody(r *http.Request, graphType string) (map[string]json.RawMessage, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	return b, checkType(b, graphType)
}

// decodeInto decodes raw properties into v (a Graph-shaped struct).
func decodeInto(m map[string]json.RawMessage, v any) error {
	data, err := json.Marshal(m)
	if err != nil {
		return badRequest("%v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return jsonError(err, data)
	}
	return nil
}

// checkType refuses a body whose @odata.type names another type than want.
func checkType(m map[string]json.RawMessage, want string) error {
	raw, ok := m["@odata.type"]
	if !ok {
		return nil
	}
	var t string
	if err := json.Unmarshal(raw, &t); err != nil {
		return badRequest("@odata.type must be a string")
	}
	short := strings.TrimPrefix(strings.TrimPrefix(t, "#"), "microsoft.graph.")
	if !strings.EqualFold(short, want) {
		return access.Ec(access.KindInvalid, "InvalidODataType", "@odata.type '%s' does not match this endpoint, which takes #microsoft.graph.%s", t, want)
	}
	return nil
}

// refID reads the @odata.id of a $ref body and returns its last path segment.
func refID(m map[string]json.RawMessage) (string, error) {
	raw, ok := m["@odata.id"]
	if !ok {
		return "", badRequest(`the body must be {"@odata.id": "https://…/v1.0/directoryObjects/{id}"}`)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || s == "" {
		return "", badRequest("@odata.id must be a non-empty string")
	}
	s = strings.TrimRight(s, "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "directoryObjects('") || strings.Contains(s, "('") {
		s = strings.TrimSuffix(s[strings.Index(s, "('")+2:], "')")
	}
	return s, nil
}

// nestedID reads {"name": {"id": "…"}} from a body; "" when absent.
func nestedID(m map[string]json.RawMessage, name string) (string, error) {
	raw, ok := m[name]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", badRequest("property '%s' must be an object such as {\"id\": \"…\"}", name)
	}
	return v.ID, nil
}

func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }
