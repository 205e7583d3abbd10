package access

import (
	"context"
	"slices"
	"time"
)

// MyTokens lists the caller's own API tokens (not their portal sessions), newest first.
func (s *Service) MyTokens(ctx context.Context, who Actor) ([]Token, error) {
	var out []Token
	err := s.read(ctx, who, func(tx *op) error {
		tx.allow("self-service: the caller's own API tokens, selected by their id")
		all, err := tx.Tokens().List(ctx, By(KeyUser, tx.who.UserID))
		for _, t := range all {
			if t.Kind == TokenAPI {
				out = append(out, t)
			}
		}
		slices.SortFunc(out, func(a, b Token) int { return b.CreatedDateTime.Compare(a.CreatedDateTime) })
		return err
	})
	return out, err
}

// CreateMyToken creates an API token for the caller, with a name and a lifetime (0 for
// none, else between 1m and MaxTokenLifetime). The secret is returned once; only its hash
// is kept.
func (s *Service) CreateMyToken(ctx context.Context, who Actor, name string, ttl time.Duration) (string, Token, error) {
	if len(name) > 256 {
		return "", Token{}, invalid("the token name is %d characters long; use at most 256", len(name))
	}
	var secret string
	var t Token
	err := s.write(ctx, who, func(tx *op) error {
		if who.UserID == "" || who.System {
			return E(KindForbidden, "only a signed-in person creates their own tokens")
		}
		tx.allow("self-service: a token for the caller themselves, with no more rights than they have")
		var err error
		if secret, t, err = s.newToken(who.UserID, name, ttl, tx.now); err != nil {
			return err
		}
		return tx.Tokens().Put(ctx, &t)
	})
	return secret, t, err
}

// RevokeMyToken revokes one of the caller's own API tokens; another person's token answers
// NotFound, as one that does not exist.
func (s *Service) RevokeMyToken(ctx context.Context, who Actor, id string) error {
	_, err := update(ctx, s, who,
		func(tx *op) (Token, error) {
			t, err := tx.Tokens().Get(ctx, id)
			if err != nil || !tx.self(t.UserID) || t.Kind != TokenAPI {
				return Token{}, notFound("token", id)
			}
			return t, nil
		},
		func(tx *op, t *Token) error { return t.revoke(tx.now) },
		func(tx *op, t *Token) error { return tx.Tokens().Put(ctx, t) })
	return err
}
