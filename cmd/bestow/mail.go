package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/bestowhq/bestow/internal/notify"
	"github.com/spf13/cobra"
)

// addMailFlags defines the flags of outgoing mail (NOT-1).
func addMailFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("smtp-host", os.Getenv("BESTOW_SMTP_HOST"), "SMTP server that sends notification mail; empty: no mail is sent and notifications are recorded as skipped (env BESTOW_SMTP_HOST)")
	f.String("smtp-port", os.Getenv("BESTOW_SMTP_PORT"), "SMTP server port (default 587, or 465 with --smtp-tls tls) (env BESTOW_SMTP_PORT)")
	f.String("smtp-user", os.Getenv("BESTOW_SMTP_USER"), "SMTP user name; the password comes from the environment variable BESTOW_SMTP_PASSWORD or --smtp-password-file (env BESTOW_SMTP_USER)")
	f.String("smtp-password-file", os.Getenv("BESTOW_SMTP_PASSWORD_FILE"), "file holding the SMTP password, instead of BESTOW_SMTP_PASSWORD (env BESTOW_SMTP_PASSWORD_FILE)")
	f.String("smtp-from", os.Getenv("BESTOW_SMTP_FROM"), "sender of notification mail, for example 'Bestow <bestow@example.com>' (env BESTOW_SMTP_FROM)")
	f.String("smtp-tls", envOr("BESTOW_SMTP_TLS", notify.TLSStartTLS), "SMTP encryption: starttls (required when a user is set), tls (implicit, port 465) or none (env BESTOW_SMTP_TLS)")
	f.String("base-url", os.Getenv("BESTOW_BASE_URL"), "address where people reach Bestow, for the links in mail (default http://<--addr>) (env BESTOW_BASE_URL)")
}

// mailerFromFlags returns the SMTP mailer the flags describe, or nil when --smtp-host is
// empty. Bad values are errors that name the flag. The password is never logged.
func mailerFromFlags(cmd *cobra.Command) (notify.Mailer, error) {
	f := cmd.Flags()
	get := func(name string) string { v, _ := f.GetString(name); return strings.TrimSpace(v) }
	host := get("smtp-host")
	if host == "" {
		return nil, nil
	}
	cfg := notify.Config{Host: host, Username: get("smtp-user"), From: get("smtp-from"), TLS: get("smtp-tls")}
	if p := get("smtp-port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("--smtp-port (env BESTOW_SMTP_PORT): '%s' is not a port number; use 1 to 65535, for example 587", p)
		}
		cfg.Port = n
	}
	pw, err := smtpPassword(get("smtp-password-file"))
	if err != nil {
		return nil, err
	}
	cfg.Password = pw
	if cfg.Username == "" && pw != "" {
		return nil, errors.New("an SMTP password is set but --smtp-user (env BESTOW_SMTP_USER) is empty: set the user name too")
	}
	if cfg.Username != "" && pw == "" {
		return nil, errors.New("--smtp-user is set but there is no password: set BESTOW_SMTP_PASSWORD or --smtp-password-file")
	}
	if cfg.BaseURL, err = baseURL(get("base-url"), get("addr"), get("tls-cert") != ""); err != nil {
		return nil, err
	}
	s, err := notify.New(cfg)
	var ce *notify.ConfigError
	if errors.As(err, &ce) {
		flag := map[string]string{"Host": "--smtp-host", "Port": "--smtp-port", "From": "--smtp-from", "TLS": "--smtp-tls", "Username": "--smtp-user"}[ce.Field]
		return nil, fmt.Errorf("%s: %s", flag, ce.Msg)
	} else if err != nil {
		return nil, err
	}
	return s, nil
}

// smtpPassword reads the password from file, if given, or else from BESTOW_SMTP_PASSWORD.
func smtpPassword(file string) (string, error) {
	env := os.Getenv("BESTOW_SMTP_PASSWORD")
	if file == "" {
		return env, nil
	}
	if env != "" {
		return "", errors.New("both BESTOW_SMTP_PASSWORD and --smtp-password-file are set: use one")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--smtp-password-file: %w", err)
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", fmt.Errorf("--smtp-password-file: %s is empty", file)
	}
	return pw, nil
}

// baseURL checks --base-url, or derives it from the listen address (https when Bestow
// serves TLS itself).
func baseURL(flag, addr string, tls bool) (string, error) {
	if flag == "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return "", fmt.Errorf("--base-url is not set and --addr '%s' is not host:port; set --base-url (env BESTOW_BASE_URL)", addr)
		}
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			if host, err = os.Hostname(); err != nil || host == "" {
				host = "localhost"
			}
		}
		scheme := "http://"
		if tls {
			scheme = "https://"
		}
		return scheme + net.JoinHostPort(host, port), nil
	}
	u, err := url.Parse(flag)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("--base-url (env BESTOW_BASE_URL): '%s' is not an http or https address like https://bestow.example.com", flag)
	}
	return strings.TrimRight(flag, "/"), nil
}
