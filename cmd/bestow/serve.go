package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/bestowhq/bestow/internal/access"

	"github.com/bestowhq/bestow/internal/demo"
	"github.com/bestowhq/bestow/internal/graphapi"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
)

func newServe() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server",
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, _ := cmd.Flags().GetString("addr")
			withDemo, _ := cmd.Flags().GetBool("demo")
			level, _ := cmd.Flags().GetString("log-level")
			var lv slog.Level
			if err := lv.UnmarshalText([]byte(level)); err != nil {
				return fmt.Errorf("--log-level: %w", err)
			}
			log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
			mailer, err := mailerFromFlags(cmd)
			if err != nil {
				return err
			}
			svc, done, err := openService(cmd)
			if err != nil {
				return err
			}
			defer done()
			if mailer != nil {
				svc.SetMailer(mailer)
			} else {
				log.Info("no --smtp-host: notifications are recorded as skipped, not mailed")
			}
			if withDemo {
				seeded, err := demo.Seed(cmd.Context(), svc)
				if err != nil {
					return fmt.Errorf("demo data: %w", err)
				}
				if seeded {
					log.Info("seeded demo data", "admin", demo.AdminUPN)
				} else {
					log.Info("database already has data; demo data not seeded")
				}
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			srv := &http.Server{Handler: newHandler(svc, log), ReadHeaderTimeout: 10 * time.Second}
			log.Info("bestow listening", "addr", "http://"+ln.Addr().String(), "version", version)
			if withDemo {
				db, _ := cmd.Flags().GetString("db")
				fmt.Fprintf(os.Stderr, "\nBestow is running at http://%s with demo data.\nGet a token:  go run ./cmd/bestow token create --db %s --user %s\n\n", ln.Addr(), db, demo.AdminUPN)
			}
			interval, _ := cmd.Flags().GetDuration("worker-interval")
			lease, _ := cmd.Flags().GetDuration("delivery-lease")
			svc.SetLease(lease)
			wctx, stopWorker := context.WithCancel(context.Background())
			defer stopWorker()
			go svc.RunWorker(wctx, interval, func(err error) { log.Error("worker", "err", err) })
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-cmd.Context().Done():
			}
			log.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().String("addr", envOr("BESTOW_ADDR", "127.0.0.1:8080"), "listen address (env BESTOW_ADDR)")
	cmd.Flags().Bool("demo", false, "seed demo data into an empty database")
	cmd.Flags().String("log-level", "info", "log level: debug, info, warn, error")
	cmd.Flags().Duration("worker-interval", envDuration("BESTOW_WORKER_INTERVAL", 2*time.Second),
		"how often the worker looks for due work besides being woken by changes: approvals that time out, expiry, delivery retries (env BESTOW_WORKER_INTERVAL)")
	cmd.Flags().Duration("delivery-lease", envDuration("BESTOW_DELIVERY_LEASE", access.DefaultLease),
		"how long a worker's claim on a delivery lasts; after a crash, claimed deliveries are retried when it runs out (env BESTOW_DELIVERY_LEASE)")
	addMailFlags(cmd)
	return cmd
}

// newHandler returns the server's HTTP handler: the API and /metrics.
func newHandler(svc *access.Service, log *slog.Logger) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", graphapi.New(svc, log, reg).Handler())
	return mux
}

// envDuration reads a duration from the environment, or returns def.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}
