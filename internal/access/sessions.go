package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SessionPolicy bounds browser sessions: a session ends after Idle without use and after
// Absolute in any case.
type SessionPolicy struct {
	Idle, Absolute time.Duration
}

// DefaultSessionPolicy is what the portal uses unless configured otherwise.
var DefaultSessionPolicy = SessionPolicy{Idle: 8 * time.Hour, Absolute: 7 * 24 * time.Hour}

// sessionTouch is how stale a session's last use may get before a use records it; so a
// busy session writes at most once a minute.
const sessionTouch = time.Minute

// Identity is who a sign-in proved a person to be: a userPrincipalName or a mail address
// (as the identity provider's claim gives it), and how they proved it, for the log.
type Identity struct {
	Value string
	// ByMail matches Value to users' mail (and otherMails) instead of userPrincipalName.
	ByMail bool
	// Verified says the identity provider vouched that the mail address is the person's
	// (email_verified true). Only such a person may get a guest account on first sign-in.
	Verified bool
	// DisplayName is the person's name as the provider gives it, for a new guest account.
	DisplayName string
	Via         string
}

// StartSession signs a person in to the portal: it returns the secret of a new session,
// stored hashed like an API token, and the actor. Nobody in the directory with that
// identity, a deleted user and one blocked from sign-in each get Unauthenticated with the
// reason. How the person proved who they are (OIDC, the demo's development sign-in) is the
// caller's business. Matching by mail reads the live users (no index on mail yet).
func (s *Service) StartSession(ctx context.Context, id Identity, p SessionPolicy) (string, Actor, error) {
	secret := NewTokenSecret()
	var who Actor
	err := s.system(ctx, func(tx Tx) error {
		u, err := signInUser(ctx, tx, id)
		if errors.Is(err, errUnknownPerson) && id.ByMail && id.Verified {
			u, err = s.guestOnSignIn(ctx, tx, id)
		}
		if err != nil {
			return err
		}
		if who, err = signedInActor(ctx, tx, u.ID, E(KindUnauthenticated, "no such user")); err != nil {
			return err
		}
		now := s.clock.Now()
		exp := now.Add(p.Absolute)
		return tx.Tokens().Put(ctx, &Token{ID: s.ids.NewID(), UserID: u.ID, Name: "portal session (" + id.Via + ")", Hash: HashToken(secret),
			Kind: TokenSession, CreatedDateTime: now, ExpiresDateTime: &exp, LastUsedDateTime: &now})
	})
	return secret, who, err
}

// errUnknownPerson marks a sign-in by someone the directory does not hold.
var errUnknownPerson = errors.New("unknown person")

// signInUser finds the user of an identity.
func signInUser(ctx context.Context, tx Tx, id Identity) (User, error) {
	unknown := &Error{Kind: KindUnauthenticated, Code: "UnknownUser", Err: errUnknownPerson,
		Msg: fmt.Sprintf("'%s' is not a user of this directory; ask an administrator to add you, or sign in with the account your organization gave you", id.Value)}
	if strings.TrimSpace(id.Value) == "" {
		return User{}, E(KindUnauthenticated, "the sign-in did not say who you are (the identity provider sent no %s)", cond(id.ByMail, "mail address", "user name"))
	}
	if !id.ByMail {
		list, err := tx.Users().List(ctx, By(KeyUPN, strings.ToLower(id.Value)))
		if err != nil {
			return User{}, err
		}
		if len(list) != 1 {
			return User{}, unknown
		}
		return list[0], nil
	}
	list, err := tx.Users().List(ctx, By(KeyState, "live"))
	if err != nil {
		return User{}, err
	}
	for _, u := range list {
		if strings.EqualFold(u.Mail, id.Value) || hasFold(u.OtherMails, id.Value) {
			return u, nil
		}
	}
	return User{}, unknown
}

// SessionActor resolves a session secret to its actor, or Unauthenticated when the session
// is unknown, ended, past its absolute lifetime or idle longer than p.Idle, or its user can
// no longer sign in. A use records itself at most once a minute.
func (s *Service) SessionActor(ctx context.Context, secret string, p SessionPolicy) (Actor, error) {
	denied := E(KindUnauthenticated, "your session has ended; sign in again")
	now := s.clock.Now()
	var who Actor
	var t Token
	err := s.systemRead(ctx, func(tx Tx) error {
		var err error
		if t, err = liveToken(ctx, tx, secret, TokenSession, now, denied); err != nil {
			return err
		}
		if t.LastUsedDateTime != nil && now.Sub(*t.LastUsedDateTime) > p.Idle {
			return denied
		}
		who, err = signedInActor(ctx, tx, t.UserID, denied)
		return err
	})
	if err != nil || (t.LastUsedDateTime != nil && now.Sub(*t.LastUsedDateTime) < sessionTouch) {
		return who, err
	}
	_, err = update(ctx, s, SystemActor,
		func(tx *op) (Token, error) {
			tx.allow("the session's own bookkeeping")
			return tx.Tokens().Get(ctx, t.ID)
		},
		func(_ *op, t *Token) error { t.LastUsedDateTime = &now; return nil },
		func(tx *op, t *Token) error { return tx.Tokens().Put(ctx, t) })
	return who, err
}

// EndSession signs a session out; its secret stops working at once. An unknown secret is
// not an error: signing out twice is harmless.
func (s *Service) EndSession(ctx context.Context, secret string) error {
	return s.system(ctx, func(tx Tx) error {
		toks, err := tx.Tokens().List(ctx, By(KeyHash, HashToken(secret)))
		if err != nil || len(toks) != 1 || toks[0].Kind != TokenSession || toks[0].RevokedDateTime != nil {
			return err
		}
		if err := toks[0].revoke(s.clock.Now()); err != nil {
			return err
		}
		return tx.Tokens().Put(ctx, &toks[0])
	})
}

// guestOnSignIn gives a person from outside the organization a guest account on their
// first sign-in (AUTH-2), only when some policy that takes requests would include them: one
// for their connected organization, for all configured connected organizations, or for all
// external users, in a published catalog open to external users. Otherwise nothing is
// created and the refusal says why.
func (s *Service) guestOnSignIn(ctx context.Context, tx Tx, id Identity) (User, error) {
	u, sub, err := prospectiveGuest(ctx, tx, id.Value, id.DisplayName)
	if IsKind(err, KindInvalid) { // not a mail address, or one of the organization's own domain
		return User{}, E(KindUnauthenticated, "'%s' is not a user of this directory; ask an administrator to add you, or sign in with the account your organization gave you", id.Value)
	} else if err != nil {
		return User{}, err
	}
	open, err := openToGuest(ctx, tx, sub)
	if err != nil {
		return User{}, err
	}
	if !open {
		return User{}, Ec(KindUnauthenticated, "NoPolicyForExternalUser",
			"no access package is open to people from %s (%s), so no account was made for you; ask your contact in the organization to add a policy for them (TRB-1)", u.Domain(), fromWhere(sub))
	}
	return u, s.saveGuest(ctx, tx, &u)
}

// invite returns the user an adminAdd's target.email names: the live user with that mail,
// or a new guest account when the chosen policy includes people from the address's
// organization (a policy for users not in the directory). Nothing is created otherwise.
func (s *Service) invite(ctx context.Context, tx Tx, in RequestInput, p Package) (string, error) {
	if u, err := signInUser(ctx, tx, Identity{Value: in.TargetEmail, ByMail: true}); err == nil {
		return u.ID, nil
	} else if !errors.Is(err, errUnknownPerson) {
		return "", err
	}
	u, sub, err := prospectiveGuest(ctx, tx, in.TargetEmail, in.TargetName)
	if err != nil {
		return "", err
	}
	pol, err := directPolicy(ctx, tx, in.PolicyID, p, sub)
	if err != nil {
		return "", err
	}
	if pol.Rank() == 0 {
		return "", Ec(KindInvalid, "PolicyNotForExternalUsers",
			"policy '%s' is for direct assignment of people already in the directory, so it cannot invite %s (%s); choose a policy for users not in your directory", pol.DisplayName, in.TargetEmail, fromWhere(sub))
	}
	return u.ID, s.saveGuest(ctx, tx, &u)
}

// fromWhere describes where a prospective guest comes from.
func fromWhere(sub Subject) string {
	if sub.Org != nil {
		return "connected organization '" + sub.Org.DisplayName + "'"
	}
	return "an organization that is not connected to this one"
}

// prospectiveGuest describes, without storing it, the guest account of an address from
// outside the organization: userPrincipalName in Entra's form (alias_domain#EXT#@domain) on
// the domain of the directory's first member, and the connected organization it belongs to.
func prospectiveGuest(ctx context.Context, tx Tx, address, name string) (User, Subject, error) {
	addr := strings.ToLower(strings.TrimSpace(address))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 || strings.ContainsAny(addr, " \t") {
		return User{}, Subject{}, Ec(KindInvalid, "InvalidAddress", "'%s' is not a mail address", address)
	}
	members, err := tx.Users().List(ctx, By(KeyState, "live"))
	if err != nil {
		return User{}, Subject{}, err
	}
	home := ""
	var first time.Time
	for _, m := range members {
		if !m.IsGuest() && (home == "" || m.CreatedDateTime.Before(first)) {
			home, first = m.Domain(), m.CreatedDateTime
		}
	}
	if home == "" || addr[at+1:] == home {
		return User{}, Subject{}, Ec(KindInvalid, "InternalAddress", "'%s' is an address of this organization's own domain, but no user has it; an administrator creates the user first", address)
	}
	if name = strings.TrimSpace(name); name == "" {
		name = addr[:at]
	}
	u := User{DisplayName: name, Mail: addr, UserType: UserTypeGuest, AccountEnabled: true,
		UserPrincipalName: strings.ReplaceAll(addr, "@", "_") + "#EXT#@" + home}
	orgs, err := tx.ConnectedOrganizations().List(ctx)
	if err != nil {
		return User{}, Subject{}, err
	}
	return u, Subject{User: u, Org: OrgOf(u, orgs)}, nil
}

// saveGuest stores a new guest account.
func (s *Service) saveGuest(ctx context.Context, tx Tx, u *User) error {
	u.ID, u.CreatedDateTime = s.ids.NewID(), s.clock.Now()
	u.SubjectLifecycle = LifecycleGoverned // brought in by entitlement management (EXT-2)
	if err := u.Validate(); err != nil {
		return err
	}
	return tx.Users().Put(ctx, u)
}

// openToGuest reports whether some policy that takes requests includes the prospective
// guest, in a published catalog open to external users.
func openToGuest(ctx context.Context, tx Tx, sub Subject) (bool, error) {
	cats, err := tx.Catalogs().List(ctx)
	if err != nil {
		return false, err
	}
	for _, c := range cats {
		if !openFor(c, sub) {
			continue
		}
		pols, err := tx.Policies().List(ctx, By(KeyCatalog, c.ID))
		if err != nil {
			return false, err
		}
		for _, p := range pols {
			if p.Enabled() && p.RequestorSettings.EnableTargetsToSelfAddAccess && p.Covers(sub) {
				return true, nil
			}
		}
	}
	return false, nil
}
