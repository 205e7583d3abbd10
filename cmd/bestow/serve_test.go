package main

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/sqlite/sqlitetest"
)

func TestHealthAndMetrics(t *testing.T) {
	svc := sqlitetest.Service(t)
	h := newHandler(svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("/healthz: %d %s", code, body)
	}
	get("/v1.0/users") // 401, but measured
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "bestow_http_request_duration_seconds") || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics: %d, lacks request or runtime metrics", code)
	}
}
