package notify

import (
	"context"

	"github.com/bestowhq/bestow/internal/access"
)

// Mailer sends one message to its recipients. An error of access.KindTransient (or one
// that is not an *access.Error) is retried with backoff; any other kind fails the message.
type Mailer interface {
	Send(ctx context.Context, m access.Message, to []access.Recipient) error
}

// Outbox sends the service's outbox (NOT-1): the messages written with the changes they
// tell about. Without a Mailer every message is recorded as skipped, saying that no mail
// server is configured.
type Outbox struct {
	svc    *access.Service
	mailer Mailer
}

// NewOutbox returns the outbox of svc, sending through mailer (nil for none).
func NewOutbox(svc *access.Service, mailer Mailer) *Outbox { return &Outbox{svc: svc, mailer: mailer} }

// Send claims up to limit due messages, sends each outside any transaction and records
// the outcomes. It returns how many messages it worked on.
func (o *Outbox) Send(ctx context.Context, limit int) (int, error) {
	batch, err := o.svc.ClaimMessages(ctx, limit)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	for i := range batch {
		out := &batch[i]
		switch {
		case len(out.To) == 0:
		case o.mailer == nil:
			out.Skip = "no mail server is configured (set --smtp-host)"
		default:
			out.Err = o.mailer.Send(ctx, out.Message, out.To)
		}
	}
	return len(batch), o.svc.RecordMessages(ctx, batch)
}
