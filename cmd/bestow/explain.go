package main

import (
	"encoding/json"
	"fmt"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/spf13/cobra"
)

// newExplain is the troubleshooter on the command line: it reads the database directly,
// as the system, and prints what the API's /bestow/v1/explain endpoints return.
func newExplain() *cobra.Command {
	cmd := &cobra.Command{Use: "explain", Short: "Explain from live data why something is or is not possible"}
	req := &cobra.Command{
		Use:   "request --user UPN --package NAME",
		Short: "Why can (or can't) a user request an access package: every check with its fix (TRB-1)",
		RunE: func(cmd *cobra.Command, args []string) error {
			user, _ := cmd.Flags().GetString("user")
			pkg, _ := cmd.Flags().GetString("package")
			asJSON, _ := cmd.Flags().GetBool("json")
			if user == "" || pkg == "" {
				return fmt.Errorf("--user and --package are required, for example: bestow explain request --user ann@contoso.com --package 'Sales access'")
			}
			svc, done, err := openService(cmd)
			if err != nil {
				return err
			}
			defer done()
			ex, err := svc.ExplainRequest(cmd.Context(), access.SystemActor, user, pkg)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(ex)
			}
			fmt.Fprint(cmd.OutOrStdout(), ex.String())
			return nil
		},
	}
	req.Flags().String("user", "", "the user: id or userPrincipalName")
	req.Flags().String("package", "", "the access package: id or display name")
	req.Flags().Bool("json", false, "print JSON instead of text")
	cmd.AddCommand(req)
	return cmd
}
