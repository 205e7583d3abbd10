package graphapi

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are the request rates the API allows each client (SEC-5). A client is an
// authenticated user, or before authentication the remote address. Failed
// authentications are counted per remote address and allowed far less often, so a
// guessed token costs its guesser time. Zero rates turn a limit off.
type Limits struct {
	PerUser      rate.Limit // requests per second per authenticated user
	UserBurst    int
	PerAddress   rate.Limit // requests per second per remote address, before authentication
	AddressBurst int
	FailedAuth   rate.Limit // failed authentications per second per remote address
	FailedBurst  int
}

// DefaultLimits suit an organization's scripts and people behind one address each; a
// reverse proxy that hides the addresses needs PerAddress raised (docs/operations.md).
var DefaultLimits = Limits{
	PerUser: 50, UserBurst: 200,
	PerAddress: 200, AddressBurst: 400,
	FailedAuth: 10.0 / 60, FailedBurst: 10,
}

// SetLimits replaces the limits; call it before Handler.
func (a *API) SetLimits(l Limits) {
	a.limits = l
	a.users = newLimiterSet(l.PerUser, l.UserBurst)
	a.addrs = newLimiterSet(l.PerAddress, l.AddressBurst)
	a.failed = newLimiterSet(l.FailedAuth, l.FailedBurst)
}

// limiterSet holds one token bucket per key, forgetting keys idle for ten minutes.
type limiterSet struct {
	mu    sync.Mutex
	r     rate.Limit
	burst int
	m     map[string]*limiterEntry
	swept time.Time
}

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiterSet(r rate.Limit, burst int) *limiterSet {
	return &limiterSet{r: r, burst: max(burst, 1), m: map[string]*limiterEntry{}}
}

func (s *limiterSet) get(key string, now time.Time) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) > time.Minute {
		for k, e := range s.m {
			if now.Sub(e.seen) > 10*time.Minute {
				delete(s.m, k)
			}
		}
		s.swept = now
	}
	e, ok := s.m[key]
	if !ok {
		e = &limiterEntry{lim: rate.NewLimiter(s.r, s.burst)}
		s.m[key] = e
	}
	e.seen = now
	return e.lim
}

// take spends one request of key's allowance; when none is left it returns how long the
// client should wait.
func (s *limiterSet) take(key string, now time.Time) (bool, time.Duration) {
	if s == nil || s.r == 0 {
		return true, 0
	}
	lim := s.get(key, now)
	if lim.AllowN(now, 1) {
		return true, 0
	}
	r := lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return false, d
}

// exhausted reports whether key has no allowance left, without spending any, and how
// long until it has.
func (s *limiterSet) exhausted(key string, now time.Time) (bool, time.Duration) {
	if s == nil || s.r == 0 {
		return false, 0
	}
	lim := s.get(key, now)
	if lim.TokensAt(now) >= 1 {
		return false, 0
	}
	r := lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return true, d
}

// remoteAddress is the client's address without its port.
func remoteAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// tooMany answers 429 with Retry-After in whole seconds, as Graph throttles.
func (a *API) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, what string) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	a.writeError(w, r, &statusError{http.StatusTooManyRequests, "TooManyRequests",
		what + "; retry after " + strconv.Itoa(secs) + " seconds (Retry-After)"})
}

// throttleAddress refuses a client address that sends faster than its limit.
func (a *API) throttleAddress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := a.addrs.take(remoteAddress(r), time.Now()); !ok {
			a.tooMany(w, r, wait, "too many requests from this address")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authFailed counts a failed authentication of the request's address and logs it at warn.
func (a *API) authFailed(r *http.Request, err error) {
	addr := remoteAddress(r)
	a.failed.take(addr, time.Now())
	a.log.Warn("authentication failed", "remote", addr, "method", r.Method, "path", r.URL.Path,
		"userAgent", r.UserAgent(), "reason", err.Error())
}
