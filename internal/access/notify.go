package access

import (
	"context"
	"errors"
	"time"
)

// Notification kinds (NOT-1): what happened, which picks the mail template.
const (
	MailApprovalNeeded   = "approvalNeeded"   // to the approvers of a stage that opened or escalated
	MailApprovalReminder = "approvalReminder" // to approvers halfway through a stage
	MailRequestApproved  = "requestApproved"  // to the requestor, when the last stage approved
	MailRequestDenied    = "requestDenied"    // to the requestor
	MailRequestExpired   = "requestExpired"   // to the requestor, when nobody decided in time (POL-4)
	MailAccessDelivered  = "accessDelivered"  // to the target, when every role is in place
	MailExpiringSoon     = "expiringSoon"     // to the target, 14 days and 1 day before the end
	MailAccessEnded      = "accessEnded"      // to the target, when the assignment ended
)

// Message states.
const (
	MsgPending = "pending" // waiting to be sent (or for its next attempt)
	MsgSent    = "sent"
	MsgFailed  = "failed"  // attempts ran out or the error is permanent
	MsgSkipped = "skipped" // nobody to send to, or no mail server configured
)

// Message is a notification in the outbox. It is written in the same transaction as the
// change it tells about, and sent later by the mail worker, which records every attempt
// (NOT-1).
type Message struct {
	Revision
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	To          []string          `json:"to"` // user ids
	Data        map[string]string `json:"data"`
	RequestID   string            `json:"requestId,omitempty"`
	State       string            `json:"state"`
	Attempts    int               `json:"attempts"`
	LastError   string            `json:"lastError,omitempty"`
	Created     time.Time         `json:"createdDateTime"`
	SentAt      *time.Time        `json:"sentDateTime,omitempty"`
	Recipients  []string          `json:"recipients,omitempty"` // addresses, once resolved
	Due         *time.Time        `json:"due,omitempty"`
	FirstFailed *time.Time        `json:"firstFailure,omitempty"`
}

// Recipient is a resolved mail recipient.
type Recipient struct {
	UserID, Name, Address string
}

// MailRetry is how failed sends are retried.
var MailRetry = RetryPolicy{For: 24 * time.Hour, First: time.Minute, Max: time.Hour}

// notify queues a message in the transaction of the change it tells about.
func (s *Service) notify(ctx context.Context, tx Tx, kind string, to []string, r *Request, extra map[string]string, now time.Time) error {
	if len(to) == 0 {
		return nil
	}
	data := map[string]string{}
	if r != nil {
		data["requestId"], data["requestType"], data["state"] = r.ID, r.RequestType, r.State
		if p, err := tx.Packages().Get(ctx, r.PackageID); err == nil {
			data["accessPackage"], data["portalPath"] = p.DisplayName, p.PortalPath()
		}
		if u, err := tx.Users().Get(ctx, r.TargetID); err == nil {
			data["target"] = u.DisplayName
		}
		if r.Justification != "" {
			data["justification"] = r.Justification
		}
	}
	for k, v := range extra {
		data[k] = v
	}
	m := Message{ID: s.ids.NewID(), Kind: kind, To: uniqueSorted(append([]string(nil), to...)), Data: data, State: MsgPending, Created: now, Due: &now}
	if r != nil {
		m.RequestID = r.ID
	}
	return tx.Messages().Put(ctx, &m)
}

// assignmentMailsOff reports whether the policy turned off assignment mails (delivered,
// near expiry, ended).
func assignmentMailsOff(ctx context.Context, tx Tx, policyID string) bool {
	p, err := tx.Policies().Get(ctx, policyID)
	return err == nil && p.NotificationSettings != nil && p.NotificationSettings.IsAssignmentNotificationDisabled
}

// Outgoing is a message claimed for one attempt: the outbox (internal/notify) sends it to
// To, sets Err to the outcome or Skip to why it was not sent, and hands it back to
// RecordMessages.
type Outgoing struct {
	Message Message
	To      []Recipient // resolved when claimed; empty when nobody has an address
	Err     error
	Skip    string
}

// ClaimMessages claims up to limit due messages for one attempt each, with their
// recipients resolved (Message.Recipients are their addresses). A claim lasts the lease;
// when another worker claimed some of the same messages first, nothing is claimed.
func (s *Service) ClaimMessages(ctx context.Context, limit int) ([]Outgoing, error) {
	var batch []Message
	err := s.system(ctx, func(tx Tx) error {
		batch = batch[:0]
		now := s.clock.Now()
		due, err := tx.Messages().Slice(ctx, Window{Limit: limit}, ByDue(now))
		if err != nil {
			return err
		}
		for _, m := range due {
			lease := now.Add(s.lease)
			m.Due = &lease
			m.Attempts++
			if err := tx.Messages().Put(ctx, &m); err != nil {
				return err
			}
			batch = append(batch, m)
		}
		return nil
	})
	if errors.Is(err, ErrVersionConflict) {
		return nil, nil
	}
	if err != nil || len(batch) == 0 {
		return nil, err
	}
	out := make([]Outgoing, len(batch))
	for i, m := range batch {
		to, err := s.recipients(ctx, m.To)
		if err != nil {
			return nil, err
		}
		m.Recipients = m.Recipients[:0]
		for _, r := range to {
			m.Recipients = append(m.Recipients, r.Address)
		}
		out[i] = Outgoing{Message: m, To: to}
	}
	return out, nil
}

// RecordMessages records the outcomes of claimed messages (NOT-1): sent, skipped (nobody
// to send to, or Skip's reason), or failed and retried with backoff (MailRetry) until the
// error is permanent or the retries run out.
func (s *Service) RecordMessages(ctx context.Context, batch []Outgoing) error {
	now := s.clock.Now()
	for i := range batch {
		o := &batch[i]
		m := &o.Message
		switch {
		case len(o.To) == 0:
			m.State, m.LastError, m.Due = MsgSkipped, "no recipient has a mail address", nil
		case o.Skip != "":
			m.State, m.LastError, m.Due = MsgSkipped, o.Skip, nil
		case o.Err == nil:
			m.State, m.SentAt, m.Due, m.LastError = MsgSent, &now, nil, ""
		default:
			m.LastError = o.Err.Error()
			if m.Due = MailRetry.next(&m.FirstFailed, m.Attempts, !permanent(o.Err), now); m.Due == nil {
				m.State = MsgFailed
			}
		}
	}
	return s.system(ctx, func(tx Tx) error {
		for i := range batch {
			m := batch[i].Message
			cur, err := tx.Messages().Get(ctx, m.ID)
			if err != nil {
				return err
			}
			m.Version = cur.Version
			if err := tx.Messages().Put(ctx, &m); err != nil {
				return err
			}
		}
		return nil
	})
}

// recipients resolves user ids to mail addresses (mail, else userPrincipalName); users
// without either, or deleted, are left out.
func (s *Service) recipients(ctx context.Context, ids []string) ([]Recipient, error) {
	var out []Recipient
	err := s.systemRead(ctx, func(tx Tx) error {
		for _, id := range ids {
			u, err := tx.Users().Get(ctx, id)
			if IsKind(err, KindNotFound) {
				continue
			} else if err != nil {
				return err
			}
			addr := u.Mail
			if addr == "" {
				addr = u.UserPrincipalName
			}
			if u.Deleted() || addr == "" {
				continue
			}
			out = append(out, Recipient{UserID: u.ID, Name: u.DisplayName, Address: addr})
		}
		return nil
	})
	return out, err
}

// ListMessages returns the outbox (NOT-1: every send is recorded and visible), newest
// last, optionally only one state, for administrators who may read assignments.
func (s *Service) ListMessages(ctx context.Context, who Actor, state string) ([]Message, error) {
	var out []Message
	err := s.read(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActReadAssignments, Target{}); err != nil {
			return err
		}
		var keys []Key
		if state != "" {
			keys = append(keys, By(KeyState, state))
		}
		var err error
		out, err = tx.Messages().List(ctx, keys...)
		return err
	})
	return out, err
}

// RetryMessage sends a failed or skipped message again.
func (s *Service) RetryMessage(ctx context.Context, who Actor, id string) (Message, error) {
	m, err := update(ctx, s, who,
		func(tx *op) (Message, error) {
			if err := tx.authorize(ActManageAssignments, Target{}); err != nil {
				return Message{}, err
			}
			return tx.Messages().Get(ctx, id)
		},
		func(tx *op, m *Message) error {
			if m.State == MsgSent {
				return Ec(KindFailedPrecondition, "AlreadySent", "message '%s' was sent on %s", m.ID, m.SentAt.Format(time.RFC3339))
			}
			now := tx.now
			m.State, m.Due, m.FirstFailed = MsgPending, &now, nil
			return nil
		},
		func(tx *op, m *Message) error { return tx.Messages().Put(ctx, m) })
	if err == nil {
		s.kick()
	}
	return m, err
}
