package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/bestowhq/bestow/internal/access"
)

// calloutClient makes custom extension callouts (CON-5). It follows no redirect: the
// receiver named in the extension is the one that answers.
var calloutClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Callouts runs one round of custom extension callouts: it claims a batch of due
// callouts, POSTs each signed body to its extension's targetUrl, a few at a time and
// outside any transaction, and records the outcomes. It returns how many it worked on.
func (w *Worker) Callouts(ctx context.Context) (int, error) {
	batch, err := w.svc.ClaimCallouts(ctx, w.opts.CallBatch)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	sem := make(chan struct{}, w.opts.Parallelism)
	var wg sync.WaitGroup
	for i := range batch {
		a := &batch[i]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			a.Result = callout(ctx, a)
		}()
	}
	wg.Wait()
	return len(batch), w.svc.RecordCallouts(ctx, batch)
}

// callout makes one attempt: a try, and up to Retries more at once while tries fail for
// a transient reason (no answer, 5xx, 429).
func callout(ctx context.Context, a *access.CalloutAttempt) access.CalloutResult {
	var res access.CalloutResult
	for try := 0; try <= a.Retries; try++ {
		res = post(ctx, a)
		if res.OK() || !res.Transient() {
			break
		}
	}
	return res
}

// post sends the body once, within the extension's timeout.
func post(ctx context.Context, a *access.CalloutAttempt) access.CalloutResult {
	ctx, cancel := context.WithTimeout(ctx, a.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL, bytes.NewReader(a.Callout.Body))
	if err != nil {
		return access.CalloutResult{Err: access.E(access.KindInvalid, "the extension's targetUrl cannot be called: %v", err)}
	}
	for k, v := range a.Headers {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := calloutClient.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return access.CalloutResult{Err: access.E(access.KindTransient, "no answer within %s (clientConfiguration.timeoutInMilliseconds)", a.Timeout)}
		}
		return access.CalloutResult{Err: access.E(access.KindTransient, "the receiver could not be reached after %s: %v", time.Since(start).Round(time.Millisecond), err)}
	}
	defer resp.Body.Close()
	res := access.CalloutResult{Status: resp.StatusCode}
	var answer struct {
		ExternalCorrelationID string `json:"externalCorrelationId"`
	}
	if b, err := io.ReadAll(io.LimitReader(resp.Body, 4096)); err == nil && json.Unmarshal(b, &answer) == nil {
		res.CorrelationID = answer.ExternalCorrelationID
	}
	return res
}
