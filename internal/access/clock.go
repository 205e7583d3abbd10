package access

import (
	"crypto/rand"
	"fmt"
	"time"
)

// Clock tells the time. Domain code never calls time.Now; tests inject a fixed or moving
// clock.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock, truncated to milliseconds in UTC so that stored and
// returned times compare equal on every backend.
type SystemClock struct{}

// Now returns the current UTC time truncated to milliseconds.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

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

// Revision is embedded in every stored object: the version used for optimistic
// concurrency. Stores set it on read and check it on update.
type Revision struct {
	Version int64 `json:"-"`
}

// Rev returns the stored version.
func (r *Revision) Rev() int64 { return r.Version }

// SetRev sets the stored version.
func (r *Revision) SetRev(v int64) { r.Version = v }
