package access

import "context"

// The audit log is a hash chain (SEC-6): each entry's hash covers the hash of the entry
// before it and its own fields, and the store keeps the chain's head (the last entry's id
// and hash). Verifying walks the chain: an entry removed, changed or inserted outside
// Bestow breaks it at that entry. Someone with write access to the database who rewrites
// the whole chain and its head is only caught by comparing HeadHash with a value recorded
// elsewhere earlier.

// AuditVerifier is a store that can verify its audit chain. Both SQL stores are.
type AuditVerifier interface {
	VerifyAudit(ctx context.Context) (AuditVerification, error)
}

// AuditVerification is the result of verifying the audit chain.
type AuditVerification struct {
	OK              bool        `json:"ok"`              // the chain is whole and the append-only triggers are in place
	EntriesChecked  int64       `json:"entriesChecked"`  // sealed entries whose hash was checked
	Unsealed        int64       `json:"unsealedEntries"` // entries older than the chain (written before it existed): not protected
	LastID          string      `json:"lastId"`          // the head: id of the last entry
	HeadHash        string      `json:"headHash"`        // the head: hash of the last entry; record it to compare later
	FirstBroken     *AuditBreak `json:"firstBroken"`     // null when the chain is whole
	TriggersPresent bool        `json:"triggersPresent"` // the database still refuses changes and deletions of entries
	MissingTriggers []string    `json:"missingTriggers"` // the append-only triggers that are gone
}

// AuditBreak is the first place where the audit chain is broken.
type AuditBreak struct {
	EntryID string `json:"entryId"` // the entry at which the chain breaks (for a removed tail: the first missing id)
	Problem string `json:"problem"` // AuditRemoved, AuditChanged, ...
	Detail  string `json:"detail"`
}

// The problems of a broken audit chain.
const (
	AuditRemoved     = "removed"     // the entry before this one is gone: a gap in the ids, or prev_hash does not match it
	AuditChanged     = "changed"     // the hash does not match the entry's fields: changed, or forged with a made-up hash
	AuditForged      = "forged"      // the entry is not part of the chain: beyond the head, or unsealed after the chain began
	AuditTailRemoved = "tailRemoved" // the head names entries after the last one: they were removed
	AuditHeadChanged = "headChanged" // the head does not match the last entry, or is missing
)

// VerifyAudit verifies the audit chain (SEC-6). It is a tenant-wide right, the same as
// reading the audit log (ActReadAudit). The gate decides in its own read; the walk then
// runs in the store's own snapshot.
func (s *Service) VerifyAudit(ctx context.Context, who Actor) (AuditVerification, error) {
	v, ok := s.store.(AuditVerifier)
	err := s.read(ctx, who, func(tx *op) error {
		if err := tx.authorize(ActReadAudit, Target{}); err != nil {
			return err
		}
		if !ok {
			return E(KindInternal, "this store cannot verify the audit log")
		}
		return nil
	})
	if err != nil {
		return AuditVerification{}, err
	}
	return v.VerifyAudit(ctx)
}
