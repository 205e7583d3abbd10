package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/graphapi"
	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
)

func TestHealthAndMetrics(t *testing.T) {
	svc := sqlitetest.Service(t)
	h, metrics := newHandlers(svc, slog.New(slog.NewTextHandler(io.Discard, nil)), graphapi.DefaultLimits)
	serve := func(h http.Handler, path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	get := func(path string) (int, string) { return serve(h, path) }
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("/healthz: %d %s", code, body)
	}
	get("/v1.0/users") // 401, but measured
	if code, body := serve(metrics, "/metrics"); code != 200 || !strings.Contains(body, "bestow_http_request_duration_seconds") || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics: %d, lacks request or runtime metrics", code)
	}
	// SEC-4: the API's listener does not serve /metrics.
	if code, _ := get("/metrics"); code != 404 {
		t.Errorf("/metrics on the API listener: %d, want 404", code)
	}
}
