package access

import (
	"time"

	"github.com/bestowhq/bestow/internal/kernel"
)

// Clock tells the time. Domain code never calls time.Now; tests inject a fixed or moving
// clock.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock, truncated to milliseconds in UTC so that stored and
// returned times compare equal on every backend.
type SystemClock struct{}

// Now returns the current UTC time truncated to milliseconds.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// Identifiers and revisions are the kernel's (shared with the directory package).
type (
	IDs       = kernel.IDs
	RandomIDs = kernel.RandomIDs
	Revision  = kernel.Revision
)

// NewUUID returns a random version-4 UUID.
func NewUUID() string { return kernel.NewUUID() }
