package scim

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// The user attributes a connector can match on, and the Bestow user properties they equal.
const (
	AttrUserName   = "userName"
	AttrExternalID = "externalId"
	AttrEmail      = "emails.value"

	PropUserPrincipalName = "userPrincipalName"
	PropMail              = "mail"
)

// DefaultTimeout bounds each request to the SCIM server when Settings.Timeout is empty.
const DefaultTimeout = 10 * time.Second

// Settings configure a SCIM connector.
type Settings struct {
	// URL is the SCIM base URL (http or https), for example https://idp.example.com/scim/v2.
	URL string `json:"url"`
	// Token is the bearer token; TokenFile names a file holding it instead (trimmed).
	Token     string `json:"token,omitempty"`
	TokenFile string `json:"tokenFile,omitempty"`
	// UserAttribute is the SCIM user attribute that identifies a Bestow user: userName
	// (the default), externalId or emails.value.
	UserAttribute string `json:"userAttribute,omitempty"`
	// UserProperty is the Bestow user property the attribute equals: userPrincipalName
	// (the default) or mail.
	UserProperty string `json:"userProperty,omitempty"`
	// Timeout bounds each request, as a Go duration ("10s", the default).
	Timeout string `json:"timeout,omitempty"`
}

// Validate reports every setting that is wrong, each with what to do about it.
func (s Settings) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch u, err := url.Parse(s.URL); {
	case s.URL == "":
		bad("url is missing: set it to the SCIM base URL, for example https://idp.example.com/scim/v2")
	case err != nil:
		bad("url '%s' is not a URL (%v): set it to the SCIM base URL, for example https://idp.example.com/scim/v2", s.URL, err)
	case u.Scheme != "http" && u.Scheme != "https":
		bad("url '%s' must start with https:// (or http://)", s.URL)
	case u.Host == "":
		bad("url '%s' has no host: set it to the SCIM base URL, for example https://idp.example.com/scim/v2", s.URL)
	case u.RawQuery != "" || u.Fragment != "":
		bad("url '%s' must not have a query or a fragment: give the SCIM base URL only", s.URL)
	}
	switch {
	case s.Token == "" && s.TokenFile == "":
		bad("no bearer token: set token, or tokenFile to a file that holds it")
	case s.Token != "" && s.TokenFile != "":
		bad("both token and tokenFile are set: keep one of them")
	}
	switch s.UserAttribute {
	case "", AttrUserName, AttrExternalID, AttrEmail:
	default:
		bad("userAttribute '%s' is not supported: use %s, %s or %s", s.UserAttribute, AttrUserName, AttrExternalID, AttrEmail)
	}
	switch s.UserProperty {
	case "", PropUserPrincipalName, PropMail:
	default:
		bad("userProperty '%s' is not supported: use %s or %s", s.UserProperty, PropUserPrincipalName, PropMail)
	}
	if s.Timeout != "" {
		if d, err := time.ParseDuration(s.Timeout); err != nil || d <= 0 {
			bad("timeout '%s' is not a positive Go duration: use for example 10s or 1m", s.Timeout)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("scim connector settings: %w", errors.Join(errs...))
	}
	return nil
}

// New returns a connector with the settings, which it validates; it reads tokenFile now.
// A nil client is replaced by one with the settings' timeout. Every request is also
// bounded by that timeout through its context.
func New(s Settings, client *http.Client) (*Connector, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	token := s.Token
	if s.TokenFile != "" {
		b, err := os.ReadFile(s.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("scim connector settings: tokenFile cannot be read (%w): check the path and its permissions", err)
		}
		if token = strings.TrimSpace(string(b)); token == "" {
			return nil, fmt.Errorf("scim connector settings: tokenFile '%s' is empty: put the bearer token in it", s.TokenFile)
		}
	}
	timeout := DefaultTimeout
	if s.Timeout != "" {
		timeout, _ = time.ParseDuration(s.Timeout) // checked by Validate
	}
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	c := &Connector{base: strings.TrimRight(s.URL, "/"), token: token, client: client, timeout: timeout,
		attr: s.UserAttribute, prop: s.UserProperty}
	if c.attr == "" {
		c.attr = AttrUserName
	}
	if c.prop == "" {
		c.prop = PropUserPrincipalName
	}
	return c, nil
}
