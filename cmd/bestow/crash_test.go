package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary run as the bestow server in a child process, so a test
// can kill it with SIGKILL.
func TestMain(m *testing.M) {
	if args := os.Getenv("BESTOW_TEST_CHILD_ARGS"); args != "" {
		root := newRoot()
		root.SetArgs(strings.Split(args, "\x1f"))
		if err := root.Execute(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is a bestow server running in a child process.
type child struct {
	cmd  *exec.Cmd
	base string
	log  *bytes.Buffer
}

func startChild(t *testing.T, db, addr string) *child {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), "BESTOW_TEST_CHILD_ARGS="+strings.Join([]string{"serve", "--db", db, "--addr", addr,
		"--worker-interval", "200ms", "--delivery-lease", "1s", "--log-level", "warn"}, "\x1f"))
	c := &child{cmd: cmd, base: "http://" + addr, log: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = c.log, c.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(c.base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return c
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatalf("server did not start: %s", c.log)
	return nil
}

func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.cmd.Wait()
}

// api sends one request; a transport error is returned as status 0.
func api(base, tok, method, path string, body any) (int, map[string]any) {
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, base+strings.ReplaceAll(path, " ", "%20"), rd)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestCrashRecovery kills the server with SIGKILL in the middle of a batch of direct
// assignments and restarts it: every request reaches its end state, and nothing is
// delivered twice (one assignment and one membership per user).
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	const n = 60
	db := filepath.Join(t.TempDir(), "crash.db")
	out, err := run(t, "bootstrap", "--db", db, "--admin", "root@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tok := lastLine(out)
	addr := freeAddr(t)
	srv := startChild(t, db, addr)
	defer func() { srv.cmd.Process.Kill() }()
	must := func(method, path string, body any, want int) map[string]any {
		t.Helper()
		code, out := api(srv.base, tok, method, path, body)
		if code != want {
			t.Fatalf("%s %s: %d %v", method, path, code, out)
		}
		return out
	}
	const em = "/v1.0/identityGovernance/entitlementManagement"
	g := must("POST", "/v1.0/groups", map[string]any{"displayName": "Crash", "securityEnabled": true, "mailNickname": "crash"}, 201)["id"].(string)
	cat := must("POST", em+"/catalogs", map[string]any{"displayName": "C", "state": "published"}, 201)["id"].(string)
	must("POST", em+"/resourceRequests", map[string]any{"requestType": "adminAdd", "resource": map[string]any{"originId": g, "originSystem": "AadGroup"},
		"catalog": map[string]any{"id": cat}}, 201)
	pkg := must("POST", em+"/accessPackages", map[string]any{"displayName": "P", "catalog": map[string]any{"id": cat}}, 201)["id"].(string)
	must("POST", em+"/accessPackages/"+pkg+"/resourceRoleScopes", map[string]any{
		"role":  map[string]any{"originId": "Member_" + g, "originSystem": "AadGroup", "resource": map[string]any{"originId": g, "originSystem": "AadGroup"}},
		"scope": map[string]any{"originId": g, "originSystem": "AadGroup"}}, 201)
	pol := must("POST", em+"/assignmentPolicies", map[string]any{"displayName": "Direct", "allowedTargetScope": "notSpecified",
		"expiration": map[string]any{"type": "noExpiration"}, "accessPackage": map[string]any{"id": pkg}}, 201)["id"].(string)
	users := make([]string, n)
	for i := range users {
		users[i] = must("POST", "/v1.0/users", map[string]any{"displayName": fmt.Sprint("u", i), "userPrincipalName": fmt.Sprintf("u%d@example.com", i),
			"accountEnabled": true, "mailNickname": "u"}, 201)["id"].(string)
	}
	assign := func(base, user string) int {
		code, _ := api(base, tok, "POST", em+"/assignmentRequests", map[string]any{"requestType": "adminAdd",
			"assignment": map[string]any{"targetId": user, "assignmentPolicyId": pol, "accessPackageId": pkg}})
		return code
	}

	// Submit from 6 clients; kill the server once a third of the batch is accepted.
	codes := make([]int, n)
	var accepted sync.WaitGroup
	accepted.Add(n / 3)
	var once sync.Once
	var mu sync.Mutex
	count := 0
	var wg sync.WaitGroup
	next := make(chan int)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				codes[i] = assign(srv.base, users[i])
				mu.Lock()
				if codes[i] == 201 && count < n/3 {
					count++
					accepted.Done()
				}
				mu.Unlock()
			}
		}()
	}
	go func() {
		accepted.Wait()
		once.Do(func() { srv.kill(t) })
	}()
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	once.Do(func() { srv.kill(t) })

	srv = startChild(t, db, addr)
	lost := 0
	for i, c := range codes {
		if c != 201 { // the client did not hear back: it retries, as a client would
			lost++
			if c := assign(srv.base, users[i]); c != 201 && c != 409 {
				t.Fatalf("retrying user %d after restart: %d", i, c)
			}
		}
	}
	t.Logf("%d of %d submissions got no answer before the kill", lost, n)

	deadline := time.Now().Add(30 * time.Second)
	for {
		reqs := must("GET", em+"/assignmentRequests?$top=999", nil, 200)["value"].([]any)
		pending := 0
		for _, r := range reqs {
			if s := r.(map[string]any)["state"]; s != "delivered" {
				pending++
			}
		}
		if pending == 0 && len(reqs) == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests not delivered 30 s after restart", pending, len(reqs))
		}
		time.Sleep(100 * time.Millisecond)
	}
	asgs := must("GET", em+"/assignments?$top=999&$expand=target", nil, 200)["value"].([]any)
	seen := map[string]bool{}
	for _, a := range asgs {
		a := a.(map[string]any)
		target := a["target"].(map[string]any)["objectId"].(string)
		if seen[target] || a["state"] != "delivered" {
			t.Fatalf("assignment %v: duplicate or not delivered", a)
		}
		seen[target] = true
	}
	members := must("GET", "/v1.0/groups/"+g+"/members?$top=999", nil, 200)["value"].([]any)
	if len(asgs) != n || len(members) != n {
		t.Fatalf("%d assignments and %d members for %d users", len(asgs), len(members), n)
	}
}
