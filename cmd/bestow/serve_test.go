package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/sqlite"
)

func TestHealthAndMetrics(t *testing.T) {
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := access.NewService(store, nil, nil)
	if err := svc.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
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
