package access

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is an ISO-8601 duration as Graph uses it (P14D, PT8H, PT0S). Microsoft's SDKs
// re-serialize days as weeks (P2W, P4W2D), so ParseDuration accepts W alone and combined.
// Years and months are refused: their length depends on the calendar.
type Duration time.Duration

// ParseDuration parses an ISO-8601 duration of weeks, days, hours, minutes and seconds.
func ParseDuration(s string) (Duration, error) {
	orig := s
	bad := func(why string) error {
		return invalid("'%s' is not a valid ISO-8601 duration (%s); use forms such as P14D, P2W, PT8H or PT0S", orig, why)
	}
	if !strings.HasPrefix(s, "P") {
		return 0, bad("it must start with P")
	}
	s = s[1:]
	if s == "" {
		return 0, bad("it has no parts")
	}
	var total time.Duration
	inTime := false
	for s != "" {
		if s[0] == 'T' {
			if inTime {
				return 0, bad("T appears twice")
			}
			inTime = true
			s = s[1:]
			if s == "" {
				return 0, bad("nothing follows T")
			}
			continue
		}
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, bad("a number must be followed by a unit")
		}
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, bad("bad number")
		}
		unit := s[i]
		s = s[i+1:]
		var u time.Duration
		switch {
		case !inTime && unit == 'W':
			u = 7 * 24 * time.Hour
		case !inTime && unit == 'D':
			u = 24 * time.Hour
		case inTime && unit == 'H':
			u = time.Hour
		case inTime && unit == 'M':
			u = time.Minute
		case inTime && unit == 'S':
			u = time.Second
		case !inTime && (unit == 'Y' || unit == 'M'):
			return 0, bad("years and months have no fixed length; use days")
		default:
			return 0, bad(fmt.Sprintf("unknown unit %q", unit))
		}
		total += time.Duration(n * float64(u))
	}
	return Duration(total), nil
}

// String formats d canonically: days when whole days, otherwise a time part (P14D, PT8H,
// P1DT2H, PT0S).
func (d Duration) String() string {
	t := time.Duration(d)
	if t == 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString("P")
	days := t / (24 * time.Hour)
	t -= days * 24 * time.Hour
	if days > 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	if t > 0 {
		b.WriteString("T")
		h := t / time.Hour
		t -= h * time.Hour
		m := t / time.Minute
		t -= m * time.Minute
		if h > 0 {
			fmt.Fprintf(&b, "%dH", h)
		}
		if m > 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
		if t > 0 {
			b.WriteString(strconv.FormatFloat(t.Seconds(), 'f', -1, 64) + "S")
		}
	}
	return b.String()
}

// MarshalJSON writes the canonical ISO-8601 form.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads an ISO-8601 duration string; null leaves zero.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = 0
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return invalid("a duration must be an ISO-8601 string such as \"P14D\"")
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
