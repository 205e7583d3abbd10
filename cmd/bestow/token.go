package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newToken() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens"}
	create := &cobra.Command{
		Use:   "create --user UPN",
		Short: "Create an API token for a user; the token is the last line of stdout",
		RunE: func(cmd *cobra.Command, args []string) error {
			user, _ := cmd.Flags().GetString("user")
			name, _ := cmd.Flags().GetString("name")
			ttl, _ := cmd.Flags().GetDuration("ttl")
			if user == "" {
				return fmt.Errorf("--user is required: the userPrincipalName (or id) of an existing user")
			}
			svc, done, err := openService(cmd)
			if err != nil {
				return err
			}
			defer done()
			secret, t, err := svc.CreateToken(cmd.Context(), user, name, ttl)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "token %s for %s (use it as 'Authorization: Bearer <token>'):\n", t.ID, user)
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			return nil
		},
	}
	create.Flags().String("user", "", "userPrincipalName or id of the user")
	create.Flags().String("name", "cli", "a name to recognize the token by")
	create.Flags().Duration("ttl", 0, "lifetime, for example 720h; 0 = no expiry")
	list := &cobra.Command{
		Use:   "list [--user UPN]",
		Short: "List tokens (never their secrets)",
		RunE: func(cmd *cobra.Command, args []string) error {
			user, _ := cmd.Flags().GetString("user")
			svc, done, err := openService(cmd)
			if err != nil {
				return err
			}
			defer done()
			toks, err := svc.ListTokens(cmd.Context(), user)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tUSER\tNAME\tCREATED\tSTATE")
			for _, t := range toks {
				state := "active"
				if t.RevokedDateTime != nil {
					state = "revoked " + t.RevokedDateTime.Format(time.RFC3339)
				} else if t.ExpiresDateTime != nil {
					state = "expires " + t.ExpiresDateTime.Format(time.RFC3339)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.UserID, t.Name, t.CreatedDateTime.Format(time.RFC3339), state)
			}
			return w.Flush()
		},
	}
	list.Flags().String("user", "", "only this user's tokens")
	revoke := &cobra.Command{
		Use:   "revoke TOKEN_ID",
		Short: "Revoke a token; it stops working at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, done, err := openService(cmd)
			if err != nil {
				return err
			}
			defer done()
			if err := svc.RevokeToken(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "revoked", args[0])
			return nil
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}
