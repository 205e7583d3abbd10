package main

import (
	"context"
	"fmt"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/spf13/cobra"
)

// newReport is "bestow report": how users got access (RPT-1), read from the database
// directly as the system, printing what GET /bestow/v1/reports/… returns.
func newReport() *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "Report how users got access: for a user, a package or a catalog resource (RPT-1)"}
	cmd.AddCommand(
		reportCommand("user-access --user UPN", "Every resource role a user holds or is being given, with the package, policy, request and dates behind it",
			"user", "the user: id or userPrincipalName", "bestow report user-access --user ann@contoso.com",
			func(ctx context.Context, svc *access.Service, v string) (fmt.Stringer, error) {
				return svc.UserAccess(ctx, access.SystemActor, v)
			}),
		reportCommand("package-access --package ID", "Who may request an access package, in words, and everyone who has it",
			"package", "the access package's id", "bestow report package-access --package <id>",
			func(ctx context.Context, svc *access.Service, v string) (fmt.Stringer, error) {
				return svc.PackageAccess(ctx, access.SystemActor, v, access.Window{})
			}),
		reportCommand("resource-access --resource ID", "Who holds each role of a catalog resource, through which package and assignment, or as pre-existing",
			"resource", "the catalog resource's id", "bestow report resource-access --resource <id>",
			func(ctx context.Context, svc *access.Service, v string) (fmt.Stringer, error) {
				return svc.ResourceAccess(ctx, access.SystemActor, v)
			}))
	return cmd
}

// reportCommand is one report: a required flag naming what to report on, and --json.
func reportCommand(use, short, flag, help, example string, report func(context.Context, *access.Service, string) (fmt.Stringer, error)) *cobra.Command {
	c := &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, _ := cmd.Flags().GetString(flag)
			asJSON, _ := cmd.Flags().GetBool("json")
			if v == "" {
				return fmt.Errorf("--%s is required, for example: %s", flag, example)
			}
			svc, done, err := openService(cmd)
			if err != nil {
				return err
			}
			defer done()
			rep, err := report(cmd.Context(), svc, v)
			if err != nil {
				return err
			}
			return printExplanation(cmd, rep, asJSON)
		},
	}
	c.Flags().String(flag, "", help)
	c.Flags().Bool("json", false, "print JSON instead of text")
	return c
}
