package access

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Service holds the use cases of Bestow. Every method that changes state authorizes the
// actor, validates input with the pure rules of this package and persists the result in
// one transaction.
type Service struct {
	store           Store
	clock           Clock
	ids             IDs
	retry           RetryPolicy
	lease           time.Duration
	targets         Targets
	reprocessWindow time.Duration
	wake            chan struct{}
}

// NewService returns a Service over store. clock and ids may be nil for the real ones.
func NewService(store Store, clock Clock, ids IDs) *Service {
	if clock == nil {
		clock = SystemClock{}
	}
	if ids == nil {
		ids = RandomIDs{}
	}
	return &Service{store: store, clock: clock, ids: ids, retry: DefaultRetry, lease: DefaultLease, wake: make(chan struct{}, 1)}
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// Init makes sure the Default catalog and the settings exist (ADM-5). It is idempotent,
// and safe when several replicas start at once: the database lets only one create them.
func (s *Service) Init(ctx context.Context) error {
	err := s.init(ctx)
	if IsKind(err, KindConflict) {
		err = s.init(ctx) // another replica created them first
	}
	return err
}

func (s *Service) init(ctx context.Context) error {
	return s.system(ctx, func(tx Tx) error {
		if _, err := s.defaultCatalog(ctx, tx); IsKind(err, KindNotFound) {
			now := s.clock.Now()
			c := Catalog{ID: s.ids.NewID(), DisplayName: DefaultCatalogName, Description: "The Default catalog.",
				CatalogType: CatalogServiceDefault, State: CatalogPublished, IsExternallyVisible: true,
				CreatedDateTime: now, ModifiedDateTime: now}
			if err := tx.Catalogs().Put(ctx, &c); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if _, err := tx.Settings().Get(ctx, "settings"); IsKind(err, KindNotFound) {
			st := DefaultSettings()
			return tx.Settings().Put(ctx, &st)
		} else {
			return err
		}
	})
}

func (s *Service) defaultCatalog(ctx context.Context, tx Tx) (Catalog, error) {
	all, err := tx.Catalogs().List(ctx)
	if err != nil {
		return Catalog{}, err
	}
	for _, c := range all {
		if c.IsDefault() {
			return c, nil
		}
	}
	return Catalog{}, E(KindNotFound, "the Default catalog does not exist; run migrations and start the server once")
}

// ActorFor returns the actor for a user: the roles assigned to the user directly and to
// the live groups the user is a member of.
func (s *Service) ActorFor(ctx context.Context, userID string) (Actor, error) {
	var who Actor
	err := s.systemRead(ctx, func(tx Tx) error {
		var err error
		who, err = actorFor(ctx, tx, userID)
		return err
	})
	return who, err
}

func actorFor(ctx context.Context, tx Tx, userID string) (Actor, error) {
	u, err := tx.Users().Get(ctx, userID)
	if err != nil {
		return Actor{}, err
	}
	principals := []string{u.ID}
	groups, err := groupsOf(ctx, tx, u.ID, RelMember) // roles held through a deleted group do not count
	if err != nil {
		return Actor{}, err
	}
	principals = append(principals, groups...)
	var ras []RoleAssignment
	for _, p := range principals {
		list, err := tx.RoleAssignments().List(ctx, By(KeyPrincipal, p))
		if err != nil {
			return Actor{}, err
		}
		ras = append(ras, list...)
	}
	return Actor{UserID: u.ID, DisplayName: u.DisplayName, Guest: u.IsGuest(), Grants: NewGrants(ras)}, nil
}

// Authenticate resolves an API token secret to its actor. A revoked or expired token, a
// deleted user and a user blocked from sign-in are all refused as Unauthenticated; so is
// the secret of a browser session, which only the portal accepts.
func (s *Service) Authenticate(ctx context.Context, secret string) (Actor, error) {
	denied := E(KindUnauthenticated, "the access token is not valid: it is unknown, expired or revoked; create one with 'bestow token create --user UPN'")
	var who Actor
	err := s.systemRead(ctx, func(tx Tx) error {
		t, err := liveToken(ctx, tx, secret, TokenAPI, s.clock.Now(), denied)
		if err != nil {
			return err
		}
		who, err = signedInActor(ctx, tx, t.UserID, denied)
		return err
	})
	return who, err
}

// liveToken finds the token of a secret: of the kind asked, not revoked, not expired.
func liveToken(ctx context.Context, tx Tx, secret, kind string, now time.Time, denied error) (Token, error) {
	toks, err := tx.Tokens().List(ctx, By(KeyHash, HashToken(secret)))
	if err != nil {
		return Token{}, err
	}
	if len(toks) != 1 || toks[0].Kind != kind || toks[0].RevokedDateTime != nil ||
		(toks[0].ExpiresDateTime != nil && !toks[0].ExpiresDateTime.After(now)) {
		return Token{}, denied
	}
	return toks[0], nil
}

// signedInActor is the actor of a user who may sign in: not deleted, not blocked.
func signedInActor(ctx context.Context, tx Tx, userID string, denied error) (Actor, error) {
	u, err := tx.Users().Get(ctx, userID)
	if IsKind(err, KindNotFound) {
		return Actor{}, denied
	} else if err != nil {
		return Actor{}, err
	}
	if u.Deleted() {
		return Actor{}, E(KindUnauthenticated, "user '%s' is deleted", u.UserPrincipalName)
	}
	if !u.AccountEnabled {
		return Actor{}, E(KindUnauthenticated, "user '%s' is blocked from signing in (accountEnabled is false); an administrator can unblock them", u.UserPrincipalName)
	}
	return actorFor(ctx, tx, u.ID)
}

// HashToken returns the stored form of a token secret.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
