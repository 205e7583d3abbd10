package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/bestowhq/bestow/internal/access"
	"github.com/bestowhq/bestow/internal/delivery"
)

// deliveryFlags are the flags of delivery: retries (REQ-8), the reprocess window (REQ-7)
// and the reconcile schedule (ASG-6).
func deliveryFlags(cmd *cobra.Command) {
	cmd.Flags().Duration("delivery-retry-first", envDuration("BESTOW_DELIVERY_RETRY_FIRST", time.Minute),
		"the wait before the first retry of a failed delivery; it doubles per attempt (env BESTOW_DELIVERY_RETRY_FIRST)")
	cmd.Flags().Duration("delivery-retry-max", envDuration("BESTOW_DELIVERY_RETRY_MAX", 30*time.Minute),
		"the longest wait between retries (env BESTOW_DELIVERY_RETRY_MAX)")
	cmd.Flags().Duration("delivery-retry-for", envDuration("BESTOW_DELIVERY_RETRY_FOR", access.DefaultRetry.For),
		"how long failed deliveries are retried before the role is marked failed (env BESTOW_DELIVERY_RETRY_FOR)")
	cmd.Flags().Duration("reprocess-window", envDuration("BESTOW_REPROCESS_WINDOW", access.DefaultReprocessWindow),
		"how long after it completed a failed request may be reprocessed (env BESTOW_REPROCESS_WINDOW)")
	cmd.Flags().Duration("reconcile-every", envDuration("BESTOW_RECONCILE_EVERY", delivery.DefaultReconcileEvery),
		"how often every connector is compared with what Bestow delivered; 0 never (env BESTOW_RECONCILE_EVERY)")
}

// configureDelivery applies the delivery flags to svc and returns the worker options
// they set.
func configureDelivery(cmd *cobra.Command, svc *access.Service) (delivery.Options, error) {
	first, _ := cmd.Flags().GetDuration("delivery-retry-first")
	most, _ := cmd.Flags().GetDuration("delivery-retry-max")
	total, _ := cmd.Flags().GetDuration("delivery-retry-for")
	window, _ := cmd.Flags().GetDuration("reprocess-window")
	every, _ := cmd.Flags().GetDuration("reconcile-every")
	switch {
	case first <= 0 || most < first:
		return delivery.Options{}, fmt.Errorf("--delivery-retry-first must be positive and at most --delivery-retry-max (%v, %v)", first, most)
	case total < 0 || window < 0 || every < 0:
		return delivery.Options{}, fmt.Errorf("--delivery-retry-for, --reprocess-window and --reconcile-every must not be negative")
	}
	svc.SetRetryPolicy(access.RetryPolicy{For: total, First: first, Max: most})
	svc.SetReprocessWindow(window)
	if every == 0 {
		every = -1 // never
	}
	return delivery.Options{ReconcileEvery: every}, nil
}
