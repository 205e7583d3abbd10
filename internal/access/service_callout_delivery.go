package access

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// CalloutAttempt is one claimed callout (CON-5): the worker POSTs Body to URL with
// Headers (the signature among them), within Timeout per try, tries again at once up to
// Retries times when a try fails for a transient reason, sets Result and hands the batch
// back to RecordCallouts.
type CalloutAttempt struct {
	Callout Callout
	URL     string
	Timeout time.Duration
	Retries int
	Headers map[string]string
	Result  CalloutResult
}

// ClaimCallouts claims up to limit due callouts, one attempt each, leased like
// deliveries (SetLease). Each is signed with its extension's secret at the time of the
// claim. A callout whose extension is gone is given up here.
func (s *Service) ClaimCallouts(ctx context.Context, limit int) ([]CalloutAttempt, error) {
	var batch []CalloutAttempt
	err := s.system(ctx, func(tx Tx) error {
		batch = batch[:0]
		now := s.clock.Now()
		due, err := tx.Callouts().Slice(ctx, Window{Limit: limit}, ByDue(now))
		if err != nil {
			return err
		}
		for _, c := range due {
			x, err := tx.Extensions().Get(ctx, c.ExtensionID)
			if IsKind(err, KindNotFound) {
				c.Attempts++
				if err := s.recordCallout(ctx, tx, &c, "", CalloutResult{Err: Ec(KindFailedPrecondition, "ExtensionDeleted", "the extension was deleted before the callout was sent")}, now); err != nil {
					return err
				}
				continue
			} else if err != nil {
				return err
			}
			lease := now.Add(s.lease)
			c.Due = &lease
			c.Attempts++
			if err := tx.Callouts().Put(ctx, &c); err != nil {
				return err
			}
			batch = append(batch, CalloutAttempt{Callout: c, URL: x.EndpointConfiguration.TargetURL, Timeout: x.Timeout(), Retries: x.Retries(),
				Headers: map[string]string{"Content-Type": "application/json", SignatureHeader: Sign(x.Secret, now, c.Body),
					TimestampHeader: strconv.FormatInt(now.Unix(), 10)}})
		}
		return nil
	})
	if errors.Is(err, ErrVersionConflict) {
		return nil, nil // another worker claimed some of these first
	}
	return batch, err
}

// RecordCallouts stores the outcomes of a batch of claimed callouts and shows each on its
// request (REQ-10): sent, retried later (a transient failure, with backoff for
// CalloutRetry.For), or failed. A failed callout the request waits for fails the request.
func (s *Service) RecordCallouts(ctx context.Context, batch []CalloutAttempt) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.system(ctx, func(tx Tx) error {
			now := s.clock.Now()
			for _, a := range batch {
				c, err := tx.Callouts().Get(ctx, a.Callout.ID)
				if IsKind(err, KindNotFound) {
					continue
				} else if err != nil {
					return err
				}
				if c.State != CalloutPending || c.Attempts != a.Callout.Attempts {
					continue // not ours any more: the lease ran out and another worker tried
				}
				name := ""
				if x, err := tx.Extensions().Get(ctx, c.ExtensionID); err == nil {
					name = x.DisplayName
				}
				if err := s.recordCallout(ctx, tx, &c, name, a.Result, now); err != nil {
					return err
				}
			}
			return nil
		})
		if !errors.Is(err, ErrVersionConflict) {
			return err
		}
	}
	return err
}

// recordCallout applies one outcome to a callout and to its request.
func (s *Service) recordCallout(ctx context.Context, tx Tx, c *Callout, name string, res CalloutResult, now time.Time) error {
	c.applyResult(res, now, CalloutRetry)
	if err := tx.Callouts().Put(ctx, c); err != nil {
		return err
	}
	if c.RequestID == "" {
		return nil
	}
	r, err := tx.Requests().Get(ctx, c.RequestID)
	if IsKind(err, KindNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	inst := r.instance(c.ID)
	if inst == nil {
		return nil
	}
	what := fmt.Sprintf("extension '%s' at %s (instance %s, attempt %d)", name, c.Stage, c.ID, c.Attempts)
	switch {
	case c.State == CalloutDone:
		if inst.Status == CalloutQueued {
			inst.Status = cond(r.WaitingOn == c.ID, WaitingForCallback, CalloutSent)
		}
		if res.CorrelationID != "" {
			inst.ExternalCorrelationID = res.CorrelationID
		}
		r.note(now, SystemActor, "Custom extension callout sent", what+": HTTP "+strconv.Itoa(res.Status))
	case c.State == CalloutPending:
		r.note(now, SystemActor, "Custom extension callout failed; retrying", what+": "+res.String()+"; next attempt "+c.Due.Format(time.RFC3339))
	default:
		inst.Status, inst.Detail = CalloutFailed, res.String()
		r.note(now, SystemActor, "Custom extension callout failed", what+": "+res.String())
		if r.WaitingOn == c.ID {
			why := fmt.Sprintf("the callout of custom extension '%s' at %s failed: %s", name, c.Stage, res.String())
			if err := s.failWaiting(ctx, tx, &r, StatusCalloutFailed, CalloutFailed, "Custom extension callout failed", why, now); err != nil {
				return err
			}
		}
	}
	return tx.Requests().Put(ctx, &r)
}
