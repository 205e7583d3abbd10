package main

// This file holds the recorder: the http.RoundTripper under the SDK's middleware that keeps
// the last raw response body for the raw-versus-parsed comparison and, with -v, prints
// every exchange.

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// maxLoggedBody is how much of a response body -v prints.
const maxLoggedBody = 4000

// recorder passes every request to inner unchanged and remembers the final response's
// status and (decompressed) body. It reads bodies fully and hands the SDK an identical
// copy, so what the SDK sees is exactly what the server sent.
type recorder struct {
	inner   http.RoundTripper
	verbose bool

	mu         sync.Mutex
	lastStatus int
	lastBody   []byte
}

// RoundTrip implements http.RoundTripper.
func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && r.verbose {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	if r.verbose {
		fmt.Printf("      >> %s %s\n", req.Method, req.URL)
		if ce := req.Header.Get("Content-Encoding"); ce != "" {
			fmt.Printf("      >> Content-Encoding: %s\n", ce)
		}
		if len(reqBody) > 0 {
			fmt.Printf("      >> %s\n", gunzipIf(reqBody, req.Header.Get("Content-Encoding")))
		}
	}
	resp, err := r.inner.RoundTrip(req)
	if err != nil {
		if r.verbose {
			fmt.Printf("      << transport error: %v\n", err)
		}
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	plain := gunzipIf(body, resp.Header.Get("Content-Encoding"))

	r.mu.Lock()
	r.lastStatus, r.lastBody = resp.StatusCode, plain
	r.mu.Unlock()

	if r.verbose {
		fmt.Printf("      << %d %s\n", resp.StatusCode, resp.Header.Get("Content-Type"))
		if len(plain) > 0 {
			s := string(plain)
			if len(s) > maxLoggedBody {
				s = s[:maxLoggedBody] + "...(truncated)"
			}
			fmt.Printf("      << %s\n", s)
		}
	}
	return resp, nil
}

// last returns the status and body of the most recent response. The steps issue one
// request at a time (step t's two simultaneous PATCHes, which answer without a body, are
// not audited), so this is the response to the call that just returned.
func (r *recorder) last() (int, []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastStatus, r.lastBody
}

// gunzipIf decompresses b when enc says gzip (the SDK compresses request bodies); on any
// error it returns b as it is.
func gunzipIf(b []byte, enc string) []byte {
	if len(b) == 0 || !strings.Contains(strings.ToLower(enc), "gzip") {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return b
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return b
	}
	return out
}
