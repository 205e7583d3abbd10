package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
)

// The SCIM message schemas the connector sends.
const (
	schemaPatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	mediaType     = "application/scim+json"
)

// pageSize is the count the connector asks for in each list request; a server may
// return fewer (its own page size), and list follows totalResults page by page.
const pageSize = 100

// maxBody bounds how much of a response the connector reads.
const maxBody = 16 << 20

// do sends one request to the SCIM server: method, a path below the base URL, query
// parameters, and a JSON body when body is not nil. A 2xx answer with a body is decoded
// into out (when out is not nil). Every failure is an *access.Error classified as REQ-8
// wants: unreachable server, timeout, 429 and 5xx are KindTransient; 401 and 403 are
// KindFailedPrecondition (the token was refused); 404 is KindNotFound; any other answer
// is KindInvalid with the SCIM error's detail.
func (c *Connector) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	target := c.base + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return &access.Error{Kind: access.KindInternal, Code: "InternalServerError", Msg: "encoding a SCIM request", Err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return access.E(access.KindInvalid, "the SCIM request %s %s cannot be built: %v; check the url setting", method, target, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", mediaType+", application/json")
	if body != nil {
		req.Header.Set("Content-Type", mediaType)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return c.transportError(ctx, method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return c.transportError(ctx, method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return statusError(method, path, resp.StatusCode, data)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return access.E(access.KindInvalid, "the answer to %s %s is not SCIM JSON (%v): check that url is the SCIM base URL", method, c.base+path, err)
	}
	return nil
}

// transportError classifies a request that got no answer: always transient.
func (c *Connector) transportError(ctx context.Context, method, path string, err error) error {
	host := c.base
	if u, perr := url.Parse(c.base); perr == nil {
		host = u.Host
	}
	var ue *url.Error
	if errors.Is(ctx.Err(), context.Canceled) {
		return &access.Error{Kind: access.KindTransient, Code: "ScimCanceled",
			Msg: fmt.Sprintf("the request %s %s to the SCIM server at %s was canceled", method, path, host), Err: err}
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &ue) && ue.Timeout()) {
		return &access.Error{Kind: access.KindTransient, Code: "ScimTimeout",
			Msg: fmt.Sprintf("the SCIM server at %s did not answer %s %s within %s", host, method, path, c.timeout), Err: err}
	}
	return &access.Error{Kind: access.KindTransient, Code: "ScimUnreachable",
		Msg: fmt.Sprintf("cannot reach the SCIM server at %s (%s %s); check the url setting and that the host is up", host, method, path), Err: err}
}

// scimError is the body of a SCIM error response (RFC 7644 §3.12).
type scimError struct {
	Detail   string `json:"detail"`
	ScimType string `json:"scimType"`
}

// statusError classifies a non-2xx answer.
func statusError(method, path string, status int, body []byte) error {
	detail := errorDetail(status, body)
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return access.Ec(access.KindFailedPrecondition, "ScimTokenRefused",
			"the SCIM server refused the token: %s (%d on %s %s); check token or tokenFile and the token's permissions", detail, status, method, path)
	case status == http.StatusTooManyRequests || status >= 500:
		return access.Ec(access.KindTransient, "ServiceUnavailable",
			"the SCIM server is unavailable: %s (%d on %s %s)", detail, status, method, path)
	case status == http.StatusNotFound:
		return access.Ec(access.KindNotFound, "ResourceNotFound",
			"the SCIM server has nothing at %s: %s", path, detail)
	}
	return access.Ec(access.KindInvalid, "ScimRequestRefused",
		"the SCIM server refused %s %s: %s (%d)", method, path, detail, status)
}

// errorDetail returns the detail of a SCIM error body, or a short form of the body.
func errorDetail(status int, body []byte) string {
	var e scimError
	if json.Unmarshal(body, &e) == nil && e.Detail != "" {
		if e.ScimType != "" {
			return e.Detail + " (" + e.ScimType + ")"
		}
		return e.Detail
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 200 || strings.HasPrefix(text, "<") || text == "" {
		return strconv.Itoa(status) + " " + http.StatusText(status)
	}
	return text
}

// listResponse is a page of a SCIM list (RFC 7644 §3.4.2).
type listResponse struct {
	TotalResults int               `json:"totalResults"`
	Resources    []json.RawMessage `json:"Resources"`
}

// list reads the resources of endpoint matching q (a filter, or nothing) page by page
// with startIndex and count, until totalResults are read, a page comes back empty, or
// limit resources were read (no limit when limit is 0). It calls each for every resource.
func (c *Connector) list(ctx context.Context, endpoint string, q url.Values, limit int, each func(json.RawMessage) error) error {
	q = cloneValues(q)
	read := 0
	for start := 1; ; {
		count := pageSize
		if limit > 0 {
			count = min(count, limit-read)
		}
		q.Set("startIndex", strconv.Itoa(start))
		q.Set("count", strconv.Itoa(count))
		var page listResponse
		if err := c.do(ctx, http.MethodGet, endpoint, q, nil, &page); err != nil {
			return err
		}
		for _, r := range page.Resources {
			if err := each(r); err != nil {
				return err
			}
		}
		read += len(page.Resources)
		start += len(page.Resources)
		if len(page.Resources) == 0 || read >= page.TotalResults || (limit > 0 && read >= limit) {
			return nil
		}
	}
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// quote returns s as a SCIM filter string: in double quotes, with quotes and
// backslashes escaped (RFC 7644 §3.4.2.2 uses JSON strings).
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// escapePath escapes an id for use as one path segment.
func escapePath(id string) string { return url.PathEscape(id) }
