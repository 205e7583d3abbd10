package main

import (
	"fmt"
	"strings"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/spf13/cobra"
)

// errAuditBroken is returned by 'audit verify' when the chain is broken; main prints it
// and exits 1.
type errAuditBroken struct{ v access.AuditVerification }

func (e errAuditBroken) Error() string {
	var why []string
	if b := e.v.FirstBroken; b != nil {
		why = append(why, fmt.Sprintf("the audit chain is broken at entry %s (%s)", b.EntryID, b.Problem))
	}
	if len(e.v.MissingTriggers) > 0 {
		why = append(why, "append-only triggers missing: "+strings.Join(e.v.MissingTriggers, ", "))
	}
	return "audit verification failed: " + strings.Join(why, "; ")
}

func newAudit() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Work with the audit log"}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Verify the audit log's hash chain (SEC-6); exits non-zero when it is broken",
		Long: "Walks the audit log in id order and checks every entry's hash and its link to the entry before it,\n" +
			"the chain's head, and that the database's append-only triggers are in place. Record the head hash\n" +
			"it prints somewhere else: a later run whose chain does not pass through that hash was rewritten.",
		RunE: func(cmd *cobra.Command, args []string) error {
			db, _ := cmd.Flags().GetString("db")
			store, err := openStore(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer store.Close()
			verifier, ok := store.(access.AuditVerifier)
			if !ok {
				return fmt.Errorf("this database cannot verify its audit log")
			}
			v, err := verifier.VerifyAudit(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "entries checked: %d\n", v.EntriesChecked)
			if v.Unsealed > 0 {
				fmt.Fprintf(out, "unsealed entries (older than the chain, not protected): %d\n", v.Unsealed)
			}
			fmt.Fprintf(out, "head: entry %s, hash %s\n", v.LastID, v.HeadHash)
			if b := v.FirstBroken; b != nil {
				fmt.Fprintf(out, "BROKEN at entry %s (%s): %s\n", b.EntryID, b.Problem, b.Detail)
			}
			if len(v.MissingTriggers) > 0 {
				fmt.Fprintf(out, "MISSING append-only triggers: %s\n", strings.Join(v.MissingTriggers, ", "))
			}
			if !v.OK {
				return errAuditBroken{v}
			}
			fmt.Fprintln(out, "ok: the audit chain is whole")
			return nil
		},
	}
	cmd.AddCommand(verify)
	return cmd
}
