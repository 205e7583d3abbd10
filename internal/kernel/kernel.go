// Package kernel is the vocabulary the domain packages share (access, directory):
// errors with a kind that adapters map to their protocol, identifiers, and the revision
// every stored object carries. It imports nothing of Bestow.
package kernel

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// Kind classifies an Error. The HTTP layer maps each kind to one status code.
type Kind uint8

// The error kinds, a short closed list.
const (
	KindInternal           Kind = iota // a bug or an unexpected failure
	KindInvalid                        // the input is malformed or breaks a rule (400)
	KindNotFound                       // the object does not exist (404)
	KindConflict                       // a concurrent change or a duplicate (409)
	KindForbidden                      // the caller lacks the role (403)
	KindUnauthenticated                // no valid credentials (401)
	KindFailedPrecondition             // the object's state forbids the action (400/409)
	KindTransient                      // retry later (503)
)

var kindNames = [...]string{"internal", "invalid", "notFound", "conflict", "forbidden",
	"unauthenticated", "failedPrecondition", "transient"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is the one error type of the domain. Code is a stable, Graph-style machine code
// (for example "InvalidDeleteResourceHasEntitlements"); Msg is a sentence for a person that
// says what was wrong and what to do.
type Error struct {
	Kind Kind
	Code string
	Msg  string
	Err  error // the underlying cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil && e.Msg == "" {
		return e.Err.Error()
	}
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an *Error of kind k with a formatted message and a default code for the kind.
func E(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Code: defaultCode(k), Msg: fmt.Sprintf(format, args...)}
}

// Ec builds an *Error with an explicit machine code.
func Ec(k Kind, code, format string, args ...any) *Error {
	return &Error{Kind: k, Code: code, Msg: fmt.Sprintf(format, args...)}
}

func defaultCode(k Kind) string {
	switch k {
	case KindInvalid:
		return "BadRequest"
	case KindNotFound:
		return "ResourceNotFound"
	case KindConflict:
		return "Conflict"
	case KindForbidden:
		return "Authorization_RequestDenied"
	case KindUnauthenticated:
		return "InvalidAuthenticationToken"
	case KindFailedPrecondition:
		return "PreconditionFailed"
	case KindTransient:
		return "ServiceUnavailable"
	}
	return "InternalServerError"
}

// KindOf returns the kind of err: the Kind of the first *Error in its chain, or
// KindInternal when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err carries kind k.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// ErrNotFound is returned by stores when an object does not exist; callers wrap it with
// the object's name.
var ErrNotFound = &Error{Kind: KindNotFound, Code: "ResourceNotFound", Msg: "not found"}

// ErrVersionConflict is returned by stores when an update's expected version is stale.
var ErrVersionConflict = &Error{Kind: KindConflict, Code: "Conflict",
	Msg: "the object was changed by someone else since it was read; read it again and retry"}

// NotFound is the error for an object that does not exist.
func NotFound(what, id string) *Error {
	return Ec(KindNotFound, "ResourceNotFound", "%s '%s' does not exist", what, id)
}

// Invalid is the error for bad input, saying what is wrong and what to do.
func Invalid(format string, args ...any) *Error { return E(KindInvalid, format, args...) }

// IDs makes new object identifiers.
type IDs interface{ NewID() string }

// RandomIDs makes random version-4 UUIDs, the identifier format Graph uses.
type RandomIDs struct{}

// NewID returns a new random UUID in its canonical lower-case form.
func (RandomIDs) NewID() string { return NewUUID() }

// NewUUID returns a random version-4 UUID.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// NewSecret returns a new random secret of 32 bytes, URL-safe, after prefix (which tells
// what kind of secret it is when one turns up in a log or a paste).
func NewSecret(prefix string) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// Revision is embedded in every stored object: the version used for optimistic
// concurrency. Stores set it on read and check it on update.
type Revision struct {
	Version int64 `json:"-"`
}

// Rev returns the stored version.
func (r *Revision) Rev() int64 { return r.Version }

// SetRev sets the stored version.
func (r *Revision) SetRev(v int64) { r.Version = v }
