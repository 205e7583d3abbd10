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
			return printExplanation(cmd, ex, asJSON)
		},
	}
	req.Flags().String("user", "", "the user: id or userPrincipalName")
	req.Flags().String("package", "", "the access package: id or display name")
	req.Flags().Bool("json", false, "print JSON instead of text")
	cmd.AddCommand(req, newExplainDelivery())
	return cmd
}

// newExplainDelivery is "bestow explain delivery": why a request's or assignment's access
// is or is not in place (TRB-2).
func newExplainDelivery() *cobra.Command {
	c := &cobra.Command{
		Use:   "delivery --request ID | --assignment ID",
		Short: "Why isn't this access delivered: every resource role with its state, error, attempts and next retry, and what to do (TRB-2)",
		RunE: func(cmd *cobra.Command, args []string) error {
			reqID, _ := cmd.Flags().GetString("request")
			asgID, _ := cmd.Flags().GetString("assignment")
			asJSON, _ := cmd.Flags().GetBool("json")
			if (reqID == "") == (asgID == "") {
				return fmt.Errorf("give one of --request or --assignment, for example: bestow explain delivery --request <id>")
			}
			svc, done, err := openService(cmd)
			if err != nil {
				return err
			}
			defer done()
			ex, err := svc.ExplainDelivery(cmd.Context(), access.SystemActor, reqID, asgID)
			if err != nil {
				return err
			}
			return printExplanation(cmd, ex, asJSON)
		},
	}
	c.Flags().String("request", "", "the assignment request's id")
	c.Flags().String("assignment", "", "the assignment's id")
	c.Flags().Bool("json", false, "print JSON instead of text")
	return c
}

// printExplanation prints a troubleshooter's answer as text, or as indented JSON.
func printExplanation(cmd *cobra.Command, ex fmt.Stringer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(ex)
	}
	fmt.Fprint(cmd.OutOrStdout(), ex.String())
	return nil
}
