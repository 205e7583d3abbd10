// Command sdkcheck is an end-to-end check that Microsoft's Graph SDK for Go
// (github.com/microsoftgraph/msgraph-sdk-go), in its stock configuration, can drive a
// Bestow server through a typical entitlement-management workflow.
//
// Only the base URL and the bearer token differ from what a program written against
// graph.microsoft.com would use: the client is built with msgraphsdk.NewGraphRequestAdapter,
// so the default Graph middleware (retries, redirects, request-body gzip compression,
// telemetry headers) is in place. The steps are:
//
//	a   create two users
//	b   create a security group and add a member with POST members/$ref
//	c   create a catalog
//	d   add the group to the catalog with a resourceRequest (adminAdd)
//	e   list the catalog's resources with $expand=roles,scopes
//	f   create an access package
//	g   add the group's Member role to the package (resourceRoleScopes)
//	h   create a two-stage approval assignment policy
//	i   read the package back with $expand=resourceRoleScopes($expand=role,scope),assignmentPolicies
//	j   list packages with $filter
//	k   page through catalogs with $top=1, following @odata.nextLink
//	l   settings, connected organizations, role assignments, PATCH, DELETE, and
//	    a catalog DELETE that must fail with CatalogHasAccessPackages
//
// and then the request lifecycle (lifecycle.go), each user with an SDK client of their own:
//
//	m   create three requestors and three approvers, mint their tokens; a group in a
//	    published catalog; package 1 with a two-stage approval policy (stage 1: approver1,
//	    approver3 and requestor1; stage 2: approver2)
//	n   requestor1 requests package 1 (without justification: 400; with: pendingApproval),
//	    and finds it with assignmentRequests/filterByCurrentUser
//	o   requestor1, although a stage-1 approver, is not asked to approve her own request
//	p   approver1 approves stage 1 (PATCH approvalStage); a second decision gets 409
//	q   approver2 approves stage 2
//	r   the worker delivers the request: requestor1 joins the group; assignments by user
//	    and by state
//	s   a package with an active assignment cannot be deleted
//	t   two approvers decide the same stage at once: one succeeds, the other gets 409
//	u   a pending request is canceled
//	v   a membership granted by two packages survives userRemove of one and ends with
//	    adminRemove of the other; the package can then be deleted
//
// What a passing run proves: every request the SDK builds is accepted; every response
// parses into the SDK's models without a value being dropped or changed (each raw JSON
// body is compared with a re-serialization of what the SDK parsed; a property the SDK's
// model does not know is reported as a warning only, since the SDK keeps it in
// additionalData); and Bestow's errors reach the caller as the SDK's ODataError with the
// status and code Graph would use.
//
// Usage:
//
//	go run . -base http://127.0.0.1:8080/v1.0 -token TOKEN -bestow BIN -db DB [-v]
//
// -base defaults to $BESTOW_BASE, else http://127.0.0.1:8080/v1.0; -token defaults to
// $BESTOW_TOKEN and is required; it must belong to a Global Administrator (the demo data's
// admin@bestow.example). -bestow and -db (env BESTOW_BIN, BESTOW_DB) name the bestow binary
// and the server's SQLite database: Bestow issues API tokens only through its CLI, so the
// check runs 'BIN token create --db DB --user UPN' for each user it creates through the API
// (the server keeps running; SQLite in WAL mode lets both write). Without them the
// lifecycle steps fail as "not run". -v prints every HTTP exchange. Every step prints OK or
// FAIL; the exit status is 1 if any step failed, 2 on a usage error, 0 otherwise.
//
// This directory is its own Go module so that `go test ./...` at the repository root
// does not compile the (very large) SDK. .ci/sdkcheck.sh runs it against a fresh demo server.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/microsoft/kiota-abstractions-go/authentication"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
)

const defaultBase = "http://127.0.0.1:8080/v1.0"

// stepTimeout bounds each step, so that a hung server fails the check instead of the CI job.
const stepTimeout = 60 * time.Second

func main() {
	base := flag.String("base", envOr("BESTOW_BASE", defaultBase), "Bestow Graph base URL, up to and including /v1.0 (env BESTOW_BASE)")
	token := flag.String("token", os.Getenv("BESTOW_TOKEN"), "bearer token of a Global Administrator (env BESTOW_TOKEN); required")
	bestowBin := flag.String("bestow", os.Getenv("BESTOW_BIN"), "path of the bestow binary, run as 'bestow token create' to mint the tokens of the users the lifecycle steps create (env BESTOW_BIN)")
	db := flag.String("db", os.Getenv("BESTOW_DB"), "the server's SQLite database, for 'bestow token create --db' (env BESTOW_DB)")
	verbose := flag.Bool("v", false, "print every HTTP request and response")
	flag.Parse()
	if *token == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "sdkcheck: a token is required (-token or BESTOW_TOKEN), and no arguments are accepted")
		flag.Usage()
		os.Exit(2)
	}

	// The recorder becomes the parent transport of the SDK's stock middleware pipeline (see
	// wire.go); it must be installed before the adapter is created.
	rec := installRecorder(*verbose)

	client, err := newClient(*base, *token)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkcheck:", err)
		os.Exit(2)
	}

	sc := &scenario{
		client: client,
		em:     client.IdentityGovernance().EntitlementManagement(),
		base:   *base,
		suffix: fmt.Sprintf("%d", time.Now().UnixNano()),
		newClient: func(token string) (*msgraphsdk.GraphServiceClient, error) {
			return newClient(*base, token)
		},
	}
	if *bestowBin != "" && *db != "" {
		sc.mint = func(ctx context.Context, upn string) (string, error) {
			return mintToken(ctx, *bestowBin, *db, upn)
		}
	}
	fmt.Printf("sdkcheck: base=%s run=%s\n", *base, sc.suffix)

	r := &runner{rec: rec}
	for _, st := range sc.steps() {
		r.run(st.name, st.fn)
	}
	if r.summary() {
		os.Exit(1)
	}
}

// newClient builds a stock Graph SDK client (msgraphsdk.NewGraphRequestAdapter, so the
// default middleware is in place) that sends token to base. Every client shares
// http.DefaultTransport, and so the recorder.
func newClient(base, token string) (*msgraphsdk.GraphServiceClient, error) {
	auth := authentication.NewBaseBearerTokenAuthenticationProvider(staticToken(token))
	adapter, err := msgraphsdk.NewGraphRequestAdapter(auth)
	if err != nil {
		return nil, fmt.Errorf("NewGraphRequestAdapter: %w", err)
	}
	adapter.SetBaseUrl(base)
	return msgraphsdk.NewGraphServiceClient(adapter), nil
}

// mintToken runs 'bestow token create --db db --user upn' and returns the token, the last
// line of its stdout. The server keeps running: the CLI writes to the same SQLite database
// (WAL mode), and the server reads tokens from it.
func mintToken(ctx context.Context, bin, db, upn string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "token", "create", "--db", db, "--user", upn, "--name", "sdkcheck")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s token create --user %s: %v: %s", bin, upn, err, strings.TrimSpace(stderr.String()))
	}
	lines := strings.Fields(strings.TrimSpace(stdout.String()))
	if len(lines) == 0 {
		return "", fmt.Errorf("%s token create --user %s printed no token (stderr: %s)", bin, upn, strings.TrimSpace(stderr.String()))
	}
	return lines[len(lines)-1], nil
}

// installRecorder replaces http.DefaultTransport with a recorder around the transport the
// SDK would otherwise use (kiota's GetDefaultTransport, computed before the swap). kiota
// builds its pipeline on top of http.DefaultTransport when that is not an *http.Transport,
// so the SDK's own middleware is untouched and only gains a passive observer underneath.
func installRecorder(verbose bool) *recorder {
	rec := &recorder{inner: khttp.GetDefaultTransport(), verbose: verbose}
	http.DefaultTransport = rec
	return rec
}

// staticToken is an authentication.AccessTokenProvider that always answers with one
// pre-issued Bestow API token.
type staticToken string

// GetAuthorizationToken returns the token for every request.
func (t staticToken) GetAuthorizationToken(context.Context, *url.URL, map[string]interface{}) (string, error) {
	return string(t), nil
}

// GetAllowedHostsValidator allows every host: the token is sent to whatever -base names.
func (t staticToken) GetAllowedHostsValidator() *authentication.AllowedHostsValidator {
	v, _ := authentication.NewAllowedHostsValidatorErrorCheck(nil)
	return v
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
