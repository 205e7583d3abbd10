package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/bench"
	"github.com/spf13/cobra"
)

func newBench() *cobra.Command {
	size := bench.Default
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Create a large organization through the service layer and measure API latencies",
		Long: "bench creates users, groups, catalogs, packages and policies in an empty database (by default a new\n" +
			"SQLite file in a temporary directory; pass --db postgres://… for PostgreSQL) and then measures the\n" +
			"latency of typical API queries over loopback HTTP.",
		RunE: func(cmd *cobra.Command, args []string) error {
			store, done, err := benchStore(cmd)
			if err != nil {
				return err
			}
			defer done()
			svc := access.NewService(store, nil, nil)
			if err := svc.Init(cmd.Context()); err != nil {
				return err
			}
			_, err = bench.Run(cmd.Context(), svc, size, cmd.OutOrStdout())
			return err
		},
	}
	cmd.AddCommand(newBenchLifecycle())
	f := cmd.Flags()
	f.IntVar(&size.Users, "users", size.Users, "users to create")
	f.IntVar(&size.Groups, "groups", size.Groups, "groups to create (each becomes a catalog resource)")
	f.IntVar(&size.Catalogs, "catalogs", size.Catalogs, "catalogs to create")
	f.IntVar(&size.Packages, "packages", size.Packages, "access packages to create (two group roles each)")
	f.IntVar(&size.Policies, "policies", size.Policies, "policies to create")
	f.IntVar(&size.Samples, "samples", size.Samples, "requests per measured query")
	return cmd
}

func newBenchLifecycle() *cobra.Command {
	size := bench.DefaultLifecycle
	cmd := &cobra.Command{
		Use:   "lifecycle",
		Short: "Measure the request lifecycle: self-service requests to delivery, and mass expiry",
		Long: "lifecycle measures, through the service with the built-in directory connector, in an empty database\n" +
			"(by default a new SQLite file in a temporary directory; pass --db postgres://… for PostgreSQL):\n" +
			"  1. --n auto-approved userAdd requests for one package granting three group Member roles, submitted\n" +
			"     from --submitters goroutines while the worker runs: time until all are delivered, requests per\n" +
			"     second, p50/p99 submit→delivered latency;\n" +
			"  2. --n bare single-row write transactions on the same database, and the ratio;\n" +
			"  3. --expire direct assignments that end at the same moment (a settable clock is moved past it):\n" +
			"     creation time, and the time of svc.Work (sweep and revocation) until all are revoked.",
		RunE: func(cmd *cobra.Command, args []string) error {
			store, done, err := benchStore(cmd)
			if err != nil {
				return err
			}
			defer done()
			res, err := bench.RunLifecycle(cmd.Context(), store, size, cmd.OutOrStdout())
			fmt.Fprintln(cmd.OutOrStdout())
			res.Print(cmd.OutOrStdout())
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&size.Requests, "n", size.Requests, "userAdd requests (one user each), and bare writes")
	f.IntVar(&size.Submitters, "submitters", size.Submitters, "goroutines that submit requests and bare writes")
	f.Float64Var(&size.Rate, "rate", size.Rate, "pace the userAdd submissions at this many per second in total (0: as fast as possible)")
	f.IntVar(&size.Expire, "expire", size.Expire, "direct assignments that expire at once (0 skips the expiry part)")
	f.IntVar(&size.ExpireRoles, "expire-roles", size.ExpireRoles, "group Member roles of the expiring package")
	f.DurationVar(&size.Timeout, "timeout", size.Timeout, "how long to wait for the N requests to be delivered")
	return cmd
}

// benchStore opens the benchmark's database: the --db flag when given, else a new SQLite
// file in a temporary directory that done removes.
func benchStore(cmd *cobra.Command) (store access.Store, done func(), err error) {
	db, _ := cmd.Flags().GetString("db")
	cleanup := func() {}
	if !cmd.Flags().Changed("db") {
		dir, err := os.MkdirTemp("", "bestow-bench-")
		if err != nil {
			return nil, nil, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		db = filepath.Join(dir, "bench.db")
	}
	store, err = openStore(cmd.Context(), db)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "database: %s\n", redact(db))
	return store, func() { store.Close(); cleanup() }, nil
}

// redact hides a password in a database URL.
func redact(db string) string {
	if u, err := urlParse(db); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			return u.Redacted()
		}
	}
	return db
}
