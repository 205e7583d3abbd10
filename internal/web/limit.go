package web

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// addressLimiter bounds how often one client address may try to sign in.
type addressLimiter struct {
	mu     sync.Mutex
	perMin int
	by     map[string]*rate.Limiter
	swept  time.Time
}

func newAddressLimiter(perMinute int) *addressLimiter {
	return &addressLimiter{perMin: perMinute, by: map[string]*rate.Limiter{}}
}

// allow reports whether addr may try now, and if not, how long to wait.
func (l *addressLimiter) allow(addr string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > 10*time.Minute { // forget idle addresses
		for k, lim := range l.by {
			if lim.TokensAt(now) >= float64(l.perMin) {
				delete(l.by, k)
			}
		}
		l.swept = now
	}
	lim, ok := l.by[addr]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(float64(l.perMin)/60), l.perMin)
		l.by[addr] = lim
	}
	if lim.AllowN(now, 1) {
		return true, 0
	}
	return false, time.Duration(float64(time.Second) * 60 / float64(l.perMin))
}

// allowSignIn answers 429 with Retry-After when the client has tried to sign in too often;
// the refusal is logged.
func (p *Portal) allowSignIn(w http.ResponseWriter, r *http.Request) bool {
	addr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		addr = r.RemoteAddr
	}
	ok, wait := p.signIns.allow(addr, time.Now())
	if ok {
		return true
	}
	p.opts.Log.Warn("sign-in throttled", "addr", addr)
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	p.render(w, r, http.StatusTooManyRequests, "error", page{Title: "Too many sign-in attempts",
		Error: "Too many sign-in attempts from your address; wait a minute and try again."})
	return false
}
