package access

import "github.com/bestowhq/bestow/internal/kernel"

// The domain's errors are the kernel's (shared with the directory package): an Error has
// a Kind that adapters map to their protocol, a code and a message that says what is
// wrong and what to do.
type (
	Kind  = kernel.Kind
	Error = kernel.Error
)

// The error kinds.
const (
	KindInternal           = kernel.KindInternal
	KindInvalid            = kernel.KindInvalid
	KindNotFound           = kernel.KindNotFound
	KindConflict           = kernel.KindConflict
	KindForbidden          = kernel.KindForbidden
	KindUnauthenticated    = kernel.KindUnauthenticated
	KindFailedPrecondition = kernel.KindFailedPrecondition
	KindTransient          = kernel.KindTransient
)

// E returns an Error of kind k with the default code of the kind.
func E(k Kind, format string, args ...any) *Error { return kernel.E(k, format, args...) }

// Ec returns an Error of kind k with a Graph error code.
func Ec(k Kind, code, format string, args ...any) *Error {
	return kernel.Ec(k, code, format, args...)
}

// KindOf returns the kind of err: its Error's kind, or KindInternal.
func KindOf(err error) Kind { return kernel.KindOf(err) }

// IsKind reports whether err is an Error of kind k.
func IsKind(err error, k Kind) bool { return kernel.IsKind(err, k) }

// The stores' sentinel errors.
var (
	ErrNotFound        = kernel.ErrNotFound
	ErrVersionConflict = kernel.ErrVersionConflict
)

func notFound(what, id string) *Error           { return kernel.NotFound(what, id) }
func invalid(format string, args ...any) *Error { return kernel.Invalid(format, args...) }
