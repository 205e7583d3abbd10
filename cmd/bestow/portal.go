package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bestowhq/bestow/internal/web"
)

// portalFlags adds the portal's flags to serve.
func portalFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArray("oidc", envList("BESTOW_OIDC"),
		"an OpenID Connect provider people sign in through, as name=corp,issuer=https://…,client-id=…,client-secret-file=FILE (or client-secret=…),claim=email|upn|preferred_username[,display-name=…]; repeat for several (env BESTOW_OIDC, separated by ';')")
	f.String("tls-cert", os.Getenv("BESTOW_TLS_CERT"), "serve https with this certificate (PEM, chain included); needs --tls-key (env BESTOW_TLS_CERT)")
	f.String("tls-key", os.Getenv("BESTOW_TLS_KEY"), "the private key (PEM) of --tls-cert (env BESTOW_TLS_KEY)")
	f.Bool("trust-forwarded", envOr("BESTOW_TRUST_FORWARDED", "") == "true", "behind a reverse proxy: take the client address, host and scheme from its X-Forwarded-For, -Host and -Proto headers (without it those headers are ignored) (env BESTOW_TRUST_FORWARDED=true)")
	f.Duration("session-idle", envDuration("BESTOW_SESSION_IDLE", 8*time.Hour), "a portal session ends after this long without use (env BESTOW_SESSION_IDLE)")
	f.Duration("session-lifetime", envDuration("BESTOW_SESSION_LIFETIME", 7*24*time.Hour), "a portal session ends this long after sign-in in any case (env BESTOW_SESSION_LIFETIME)")
}

// envList splits an environment variable at ';'.
func envList(name string) []string {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return nil
	}
	return strings.Split(v, ";")
}

// providersFromFlags reads the --oidc providers.
func providersFromFlags(cmd *cobra.Command) ([]web.Provider, error) {
	specs, _ := cmd.Flags().GetStringArray("oidc")
	var out []web.Provider
	for _, spec := range specs {
		p, err := parseProvider(spec)
		if err != nil {
			return nil, fmt.Errorf("--oidc %q: %w", spec, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// parseProvider reads one provider from key=value pairs separated by commas.
func parseProvider(spec string) (web.Provider, error) {
	p := web.Provider{Claim: "email"}
	for _, kv := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return p, fmt.Errorf("%q is not key=value", kv)
		}
		switch k {
		case "name":
			p.Name = v
		case "display-name":
			p.DisplayName = v
		case "issuer":
			p.Issuer = v
		case "client-id":
			p.ClientID = v
		case "client-secret":
			p.ClientSecret = v
		case "client-secret-file":
			b, err := os.ReadFile(v)
			if err != nil {
				return p, fmt.Errorf("client-secret-file: %w", err)
			}
			p.ClientSecret = strings.TrimSpace(string(b))
		case "claim":
			p.Claim = v
		default:
			return p, fmt.Errorf("unknown key %q; use name, display-name, issuer, client-id, client-secret, client-secret-file, claim", k)
		}
	}
	if p.DisplayName == "" {
		p.DisplayName = p.Name
	}
	return p, p.Validate()
}

// withPortal serves the portal's and the console's paths (/, /portal/, /admin/, /signin,
// /signout, /static/) from portal and everything else from the API.
func withPortal(api, portal http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", api)
	for _, p := range []string{"GET /{$}", "/portal/", "/admin/", "/signin", "/signin/", "/signout", "GET /static/"} {
		mux.Handle(p, portal)
	}
	return mux
}

// isLoopback reports whether addr listens only on a loopback interface.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// forwarded applies a reverse proxy's X-Forwarded-For, -Host and -Proto headers when
// trust is set: the client address (for rate limits and logs) becomes the last address the
// proxy appended, the host and scheme those the client used (for links and the OIDC
// callback). Without trust the headers are removed, so no client can forge them.
func forwarded(trust bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !trust {
			r.Header.Del("X-Forwarded-For")
			r.Header.Del("X-Forwarded-Host")
			r.Header.Del("X-Forwarded-Proto")
			next.ServeHTTP(w, r)
			return
		}
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			hops := strings.Split(xff[len(xff)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(hops[len(hops)-1])); ip != nil {
				r.RemoteAddr = net.JoinHostPort(ip.String(), "0")
			}
		}
		if host := strings.TrimSpace(r.Header.Get("X-Forwarded-Host")); host != "" {
			r.Host = host
		}
		if p := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto"))); p != "http" && p != "https" {
			r.Header.Del("X-Forwarded-Proto")
		}
		next.ServeHTTP(w, r)
	})
}
