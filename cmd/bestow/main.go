// Command bestow is the Bestow entitlement management server and its administration
// commands.
package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/connector"
	"github.com/bestowhq/bestow/internal/connector/configured"
	"github.com/bestowhq/bestow/internal/connector/directory"
	"github.com/bestowhq/bestow/internal/postgres"
	"github.com/bestowhq/bestow/internal/sqlite"
	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bestow:", err)
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "bestow",
		Short:         "Bestow: self-hosted entitlement management with a Microsoft Graph compatible API",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("db", envOr("BESTOW_DB", "./bestow.db"), "database: a SQLite file path, or a postgres:// URL (env BESTOW_DB)")
	root.AddCommand(newServe(), newMigrate(), newBootstrap(), newToken(), newAudit(), newBench(), newExplain(), newReport(), newReprocess(), &cobra.Command{
		Use: "version", Short: "Print the version",
		Run: func(cmd *cobra.Command, args []string) { fmt.Fprintln(cmd.OutOrStdout(), "bestow", version) },
	})
	return root
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// openStore opens the database the --db flag names and applies migrations.
func openStore(ctx context.Context, db string) (access.Store, error) {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		return postgres.Open(ctx, db)
	}
	return sqlite.Open(ctx, db)
}

// openService opens the store and returns an initialized service.
func openService(cmd *cobra.Command) (*access.Service, func(), error) {
	db, _ := cmd.Flags().GetString("db")
	store, err := openStore(cmd.Context(), db)
	if err != nil {
		return nil, nil, err
	}
	svc := access.NewService(store, nil, nil)
	if err := svc.Init(cmd.Context()); err != nil {
		store.Close()
		return nil, nil, err
	}
	return svc, func() { store.Close() }, nil
}

// connectorSet returns the server's connectors, the built-in directory's and those
// configured as data, and makes them the service's view of the targets.
func connectorSet(svc *access.Service) *configured.Set {
	builtin := connector.Registry{}
	directory.New(svc.Store(), nil, nil).Register(builtin)
	set := configured.New(builtin, connectorTypes(), svc.Connector)
	svc.SetTargets(set)
	return set
}

func newMigrate() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit",
		RunE: func(cmd *cobra.Command, args []string) error {
			_, done, err := openService(cmd)
			if err != nil {
				return err
			}
			done()
			fmt.Fprintln(cmd.OutOrStdout(), "database is up to date")
			return nil
		},
	}
}

func newBootstrap() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bootstrap --admin UPN",
		Short: "On an empty database, create a Global Administrator and print a token for it",
		RunE: func(cmd *cobra.Command, args []string) error {
			upn, _ := cmd.Flags().GetString("admin")
			if upn == "" {
				return fmt.Errorf("--admin is required, for example --admin admin@example.com")
			}
			svc, done, err := openService(cmd)
			if err != nil {
				return err
			}
			defer done()
			u, secret, err := svc.Bootstrap(cmd.Context(), upn)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "created Global Administrator %s (%s); API token:\n", u.UserPrincipalName, u.ID)
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			return nil
		},
	}
	cmd.Flags().String("admin", "", "userPrincipalName of the first administrator")
	return cmd
}

func urlParse(s string) (*url.URL, error) { return url.Parse(s) }
