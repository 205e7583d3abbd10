package accesstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Receiver is a custom extension's endpoint (CON-5): a real HTTP server that verifies
// every callout's signature the way docs/custom-extensions.md tells receivers to, records
// the payloads, and answers with the statuses it is told to.
type Receiver struct {
	URL    string
	Secret string           // set once the extension is created
	Now    func() time.Time // the receiver's clock, for the freshness check

	mu       sync.Mutex
	statuses []int         // answers to give, in order; the last one repeats; empty: 202
	delay    time.Duration // how long to take before answering
	Calls    int           // every call, verified or not
	Bad      []string
	Payloads []Payload
}

// Payload is one verified callout as the receiver read it.
type Payload struct {
	Source string `json:"source"`
	Type   string `json:"type"`
	Data   struct {
		Type            string  `json:"@odata.type"`
		Stage           string  `json:"stage"`
		InstanceID      string  `json:"customExtensionStageInstanceId"`
		CallbackURIPath *string `json:"callbackUriPath"`
		RequestID       string  `json:"accessPackageAssignmentRequestId"`
		RequestType     string  `json:"requestType"`
		State           string  `json:"state"`
		Assignment      *struct {
			ID     string `json:"id"`
			Target *struct {
				ObjectID string `json:"objectId"`
			} `json:"target"`
		} `json:"assignment"`
		CallbackConfiguration *struct {
			TimeoutDuration string `json:"timeoutDuration"`
		} `json:"callbackConfiguration"`
	} `json:"data"`
	Raw []byte `json:"-"`
}

// NewReceiver starts a receiver that lives as long as the test.
func NewReceiver(t *testing.T, now func() time.Time) *Receiver {
	rc := &Receiver{Now: now}
	srv := httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL + "/hook"
	return rc
}

// Answer makes the receiver answer the next calls with these statuses (the last repeats).
func (rc *Receiver) Answer(statuses ...int) {
	rc.mu.Lock()
	rc.statuses = statuses
	rc.mu.Unlock()
}

// Slow makes the receiver take d before it answers.
func (rc *Receiver) Slow(d time.Duration) { rc.mu.Lock(); rc.delay = d; rc.mu.Unlock() }

// Got returns the verified payloads received so far.
func (rc *Receiver) Got() []Payload {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Payload(nil), rc.Payloads...)
}

// Count returns how many calls the receiver has had.
func (rc *Receiver) Count() int { rc.mu.Lock(); defer rc.mu.Unlock(); return rc.Calls }

func (rc *Receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	delay := rc.delay
	rc.mu.Unlock()
	gone := false
	select {
	case <-time.After(delay):
	case <-r.Context().Done():
		gone = true // Bestow gave up waiting: it will send this callout again
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.Calls++
	if gone {
		return
	}
	if why := Verify(rc.Secret, r.Header.Get("X-Bestow-Signature"), r.Header.Get("X-Bestow-Timestamp"), body, rc.Now()); why != "" {
		rc.Bad = append(rc.Bad, why)
		http.Error(w, why, http.StatusUnauthorized)
		return
	}
	status := http.StatusAccepted
	if n := len(rc.statuses); n > 0 {
		status = rc.statuses[0]
		if n > 1 {
			rc.statuses = rc.statuses[1:]
		}
	}
	if status < 300 {
		var p Payload
		if err := json.Unmarshal(body, &p); err != nil {
			rc.Bad = append(rc.Bad, "not JSON: "+err.Error())
		}
		p.Raw = body
		rc.Payloads = append(rc.Payloads, p)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"externalCorrelationId": "run-` + strconv.Itoa(len(rc.Payloads)) + `"}`))
		return
	}
	w.WriteHeader(status)
}

// Verify is the receiver's check of docs/custom-extensions.md: the timestamp is within 5
// minutes of now, and the signature is "sha256=" and the hex HMAC-SHA256 of
// "<timestamp>.<body>" with the secret. It returns what is wrong, or "".
func Verify(secret, signature, timestamp string, body []byte, now time.Time) string {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return "no timestamp"
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return "stale timestamp"
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "."))
	mac.Write(body)
	if !hmac.Equal([]byte("sha256="+hex.EncodeToString(mac.Sum(nil))), []byte(signature)) {
		return "bad signature"
	}
	return ""
}

// SignResume signs a resume body as a receiver does.
func SignResume(secret string, now time.Time, body []byte) (signature, timestamp string) {
	timestamp = strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil)), timestamp
}
