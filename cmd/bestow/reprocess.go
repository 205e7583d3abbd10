package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bestowhq/bestow/internal/access"
)

// newReprocess is "bestow reprocess": deliver a failed request again (REQ-7), or re-apply
// the roles of assignments (ASG-3, seed 004), from the command line. It works on the
// database as the system; a running server's worker delivers within --worker-interval.
func newReprocess() *cobra.Command {
	c := &cobra.Command{
		Use:   "reprocess --request ID | --assignment ID... | --package ID --all",
		Short: "Deliver a failed request again, or re-apply every role of assignments",
		RunE: func(cmd *cobra.Command, args []string) error {
			req, _ := cmd.Flags().GetString("request")
			asgs, _ := cmd.Flags().GetStringSlice("assignment")
			pkg, _ := cmd.Flags().GetString("package")
			all, _ := cmd.Flags().GetBool("all")
			given := 0
			for _, set := range []bool{req != "", len(asgs) > 0 && pkg == "", pkg != ""} {
				if set {
					given++
				}
			}
			if given != 1 || all && pkg == "" {
				return fmt.Errorf("say what to reprocess: --request ID, --assignment ID (repeatable), or --package ID with --all or --assignment IDs")
			}
			svc, done, err := openService(cmd)
			if err != nil {
				return err
			}
			defer done()
			ctx, sys := cmd.Context(), access.SystemActor
			switch {
			case req != "":
				if err := svc.ReprocessRequest(ctx, sys, req); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "request %s is delivering again\n", req)
			case pkg != "":
				n, err := svc.ReprocessAssignments(ctx, sys, pkg, asgs, all)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d assignments of package %s are being re-applied\n", n, pkg)
			default:
				for _, id := range asgs {
					if err := svc.ReprocessAssignment(ctx, sys, id); err != nil {
						return fmt.Errorf("assignment %s: %w", id, err)
					}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d assignments are being re-applied\n", len(asgs))
			}
			return nil
		},
	}
	c.Flags().String("request", "", "a deliveryFailed or partiallyDelivered request")
	c.Flags().StringSlice("assignment", nil, "an assignment (repeatable, or comma-separated)")
	c.Flags().String("package", "", "an access package: reprocess its assignments (--all, or the --assignment ones)")
	c.Flags().Bool("all", false, "with --package: every active assignment of the package")
	return c
}
