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
			db, _ := cmd.Flags().GetString("db")
			if !cmd.Flags().Changed("db") {
				dir, err := os.MkdirTemp("", "bestow-bench-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				db = filepath.Join(dir, "bench.db")
			}
			store, err := openStore(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer store.Close()
			svc := access.NewService(store, nil, nil)
			if err := svc.Init(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "database: %s\n", redact(db))
			_, err = bench.Run(cmd.Context(), svc, size, cmd.OutOrStdout())
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&size.Users, "users", size.Users, "users to create")
	f.IntVar(&size.Groups, "groups", size.Groups, "groups to create (each becomes a catalog resource)")
	f.IntVar(&size.Catalogs, "catalogs", size.Catalogs, "catalogs to create")
	f.IntVar(&size.Packages, "packages", size.Packages, "access packages to create (two group roles each)")
	f.IntVar(&size.Policies, "policies", size.Policies, "policies to create")
	f.IntVar(&size.Samples, "samples", size.Samples, "requests per measured query")
	return cmd
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
