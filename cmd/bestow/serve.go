package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/delivery"
	"github.com/bestowhq/bestow/internal/notify"

	"github.com/bestowhq/bestow/internal/demo"
	"github.com/bestowhq/bestow/internal/graphapi"
	"github.com/bestowhq/bestow/internal/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"golang.org/x/time/rate"
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
			conns := connectorSet(svc)
			defer conns.Close()
			if path, _ := cmd.Flags().GetString("config"); path != "" {
				cfg, err := readConfig(path)
				if err != nil {
					return err
				}
				if err := svc.DeclareConnectors(cmd.Context(), cfg.connectorConfigs()); err != nil {
					return fmt.Errorf("--config %s: %w", path, err)
				}
				log.Info("config file applied", "path", path, "connectors", len(cfg.Connectors))
			}
			if mailer == nil {
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
			limits, err := limitsFromFlags(cmd)
			if err != nil {
				return err
			}
			api, metrics := newHandlers(svc, log, limits)
			dev := withDemo && isLoopback(ln.Addr())
			if withDemo && !dev {
				log.Warn("--demo on a non-loopback address: the development sign-in is off", "addr", ln.Addr().String())
			}
			baseURL, _ := cmd.Flags().GetString("base-url")
			certFile, _ := cmd.Flags().GetString("tls-cert")
			keyFile, _ := cmd.Flags().GetString("tls-key")
			if (certFile == "") != (keyFile == "") {
				return fmt.Errorf("--tls-cert and --tls-key go together: give both files, or neither")
			}
			scheme := "http"
			if certFile != "" {
				scheme = "https"
				if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
					return fmt.Errorf("--tls-cert/--tls-key: %w", err)
				}
			}
			providers, err := providersFromFlags(cmd)
			if err != nil {
				return err
			}
			idle, _ := cmd.Flags().GetDuration("session-idle")
			lifetime, _ := cmd.Flags().GetDuration("session-lifetime")
			if idle <= 0 || lifetime < idle {
				return fmt.Errorf("--session-idle %s and --session-lifetime %s: both must be positive and the lifetime at least the idle time", idle, lifetime)
			}
			portal := web.New(svc, web.Options{DevSignIn: dev, Providers: providers, BaseURL: baseURL,
				SecureCookies: scheme == "https" || strings.HasPrefix(baseURL, "https://"), Sessions: access.SessionPolicy{Idle: idle, Absolute: lifetime}, Log: log})
			trust, _ := cmd.Flags().GetBool("trust-forwarded")
			srv := newServer(cmd, forwarded(trust, withPortal(api, portal.Handler())))
			if maddr, _ := cmd.Flags().GetString("metrics-addr"); maddr != "" {
				mln, err := net.Listen("tcp", maddr)
				if err != nil {
					return fmt.Errorf("--metrics-addr: %w", err)
				}
				msrv := newServer(cmd, metrics)
				go func() { _ = msrv.Serve(mln) }()
				defer msrv.Close()
				log.Info("metrics listening", "addr", "http://"+mln.Addr().String()+"/metrics")
			}
			log.Info("bestow listening", "addr", scheme+"://"+ln.Addr().String(), "version", version)
			if withDemo {
				db, _ := cmd.Flags().GetString("db")
				fmt.Fprintf(os.Stderr, "\nBestow is running at %s://%s with demo data.\nOpen the portal: %s://%s/portal/ and sign in as a demo user.\nGet an API token: go run ./cmd/bestow token create --db %s --user %s\n\n", scheme, ln.Addr(), scheme, ln.Addr(), db, demo.AdminUPN)
			}
			interval, _ := cmd.Flags().GetDuration("worker-interval")
			lease, _ := cmd.Flags().GetDuration("delivery-lease")
			svc.SetLease(lease)
			opts, err := configureDelivery(cmd, svc)
			if err != nil {
				return err
			}
			opts.Interval, opts.Report = interval, func(err error) { log.Error("worker", "err", err) }
			opts.Outbox = notify.NewOutbox(svc, mailer)
			worker := delivery.New(svc, conns, opts)
			worker.Start(context.Background())
			defer worker.Stop()
			errc := make(chan error, 1)
			go func() {
				if certFile != "" {
					errc <- srv.ServeTLS(ln, certFile, keyFile)
					return
				}
				errc <- srv.Serve(ln)
			}()
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
	cmd.Flags().String("config", os.Getenv("BESTOW_CONFIG"), "a YAML file that declares connectors (docs/connectors.md); they are then changed there, not through the API (env BESTOW_CONFIG)")
	portalFlags(cmd)
	cmd.Flags().Bool("demo", false, "seed demo data into an empty database")
	cmd.Flags().String("log-level", "info", "log level: debug, info, warn, error")
	cmd.Flags().Duration("worker-interval", envDuration("BESTOW_WORKER_INTERVAL", 2*time.Second),
		"how often the worker looks for due work besides being woken by changes: approvals that time out, expiry, delivery retries (env BESTOW_WORKER_INTERVAL)")
	cmd.Flags().Duration("delivery-lease", envDuration("BESTOW_DELIVERY_LEASE", access.DefaultLease),
		"how long a worker's claim on a delivery lasts; after a crash, claimed deliveries are retried when it runs out (env BESTOW_DELIVERY_LEASE)")
	cmd.Flags().String("metrics-addr", os.Getenv("BESTOW_METRICS_ADDR"),
		"serve Prometheus /metrics on this separate address, for example 127.0.0.1:9090; off when empty, and never on --addr, since it shows the routes and process details (env BESTOW_METRICS_ADDR)")
	cmd.Flags().Duration("read-timeout", envDuration("BESTOW_READ_TIMEOUT", time.Minute), "longest time to read a request, body included (env BESTOW_READ_TIMEOUT)")
	cmd.Flags().Duration("write-timeout", envDuration("BESTOW_WRITE_TIMEOUT", 5*time.Minute), "longest time to write an answer, CSV exports included (env BESTOW_WRITE_TIMEOUT)")
	cmd.Flags().Duration("idle-timeout", envDuration("BESTOW_IDLE_TIMEOUT", 2*time.Minute), "how long an idle keep-alive connection stays open (env BESTOW_IDLE_TIMEOUT)")
	cmd.Flags().Float64("rate-limit", envFloat("BESTOW_RATE_LIMIT", float64(graphapi.DefaultLimits.PerUser)),
		"requests per second each signed-in user may send (bursts of four seconds' worth); 0 turns it off; excess gets 429 with Retry-After (env BESTOW_RATE_LIMIT)")
	cmd.Flags().Float64("address-rate-limit", envFloat("BESTOW_ADDRESS_RATE_LIMIT", float64(graphapi.DefaultLimits.PerAddress)),
		"requests per second each client address may send; raise it behind a reverse proxy that hides client addresses; 0 turns it off (env BESTOW_ADDRESS_RATE_LIMIT)")
	cmd.Flags().Int("failed-auth-limit", envInt("BESTOW_FAILED_AUTH_LIMIT", graphapi.DefaultLimits.FailedBurst),
		"failed authentications an address may make per minute before it gets 429; 0 turns it off (env BESTOW_FAILED_AUTH_LIMIT)")
	addMailFlags(cmd)
	deliveryFlags(cmd)
	return cmd
}

// newServer returns an http.Server for h with the timeouts of the flags (SEC-4): slow
// or idle clients do not hold connections for ever.
func newServer(cmd *cobra.Command, h http.Handler) *http.Server {
	rt, _ := cmd.Flags().GetDuration("read-timeout")
	wt, _ := cmd.Flags().GetDuration("write-timeout")
	it, _ := cmd.Flags().GetDuration("idle-timeout")
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: rt, WriteTimeout: wt, IdleTimeout: it, MaxHeaderBytes: 64 << 10}
}

// limitsFromFlags reads the rate limits (SEC-5).
func limitsFromFlags(cmd *cobra.Command) (graphapi.Limits, error) {
	perUser, _ := cmd.Flags().GetFloat64("rate-limit")
	perAddr, _ := cmd.Flags().GetFloat64("address-rate-limit")
	failed, _ := cmd.Flags().GetInt("failed-auth-limit")
	if perUser < 0 || perAddr < 0 || failed < 0 {
		return graphapi.Limits{}, fmt.Errorf("--rate-limit, --address-rate-limit and --failed-auth-limit must be 0 (off) or positive")
	}
	return graphapi.Limits{
		PerUser: rate.Limit(perUser), UserBurst: int(max(1, 4*perUser)),
		PerAddress: rate.Limit(perAddr), AddressBurst: int(max(1, 2*perAddr)),
		FailedAuth: rate.Limit(float64(failed) / 60), FailedBurst: failed,
	}, nil
}

// newHandlers returns the API's handler and, apart, the Prometheus /metrics handler.
func newHandlers(svc *access.Service, log *slog.Logger, limits graphapi.Limits) (api, metrics http.Handler) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := http.NewServeMux()
	m.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	a := graphapi.New(svc, log, reg)
	a.SetLimits(limits)
	return a.Handler(), m
}

// envFloat and envInt read a number from the environment, or return def.
func envFloat(name string, def float64) float64 {
	if f, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return f
	}
	return def
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

// envDuration reads a duration from the environment, or returns def.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}
