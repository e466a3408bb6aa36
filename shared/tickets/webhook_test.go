package tickets

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const webhookKey = "whsec-0123456789abcdef"

// receiver is a webhook endpoint that verifies signatures with its own
// HMAC code, independent of SignWebhook.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	bodies   [][]byte
	headers  []http.Header
	verified []bool
	fail     []int
}

func newReceiver(t *testing.T, key string) *receiver {
	r := &receiver{}
	r.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		ts := req.Header.Get("X-Secretguard-Timestamp")
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write([]byte(ts + "." + string(body)))
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		sec, err := strconv.ParseInt(ts, 10, 64)
		fresh := err == nil && time.Since(time.Unix(sec, 0)).Abs() < 5*time.Minute
		ok := fresh && hmac.Equal([]byte(want), []byte(req.Header.Get("X-Secretguard-Signature")))
		r.mu.Lock()
		defer r.mu.Unlock()
		r.bodies, r.headers, r.verified = append(r.bodies, body), append(r.headers, req.Header.Clone()), append(r.verified, ok)
		switch {
		case len(r.fail) > 0:
			code := r.fail[0]
			r.fail = r.fail[1:]
			w.WriteHeader(code)
		case !ok:
			w.WriteHeader(http.StatusUnauthorized)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func newWebhookSink(t *testing.T, r *receiver, secrets *fakeSecrets) (*Webhook, *[]time.Duration) {
	w := NewWebhook("chatops", "", r.URL+"/hooks/T0KEN/secretguard", webhookSecretARN, secrets, r.Client())
	var waits []time.Duration
	w.http.sleep = noSleep(&waits)
	return w, &waits
}

func TestWebhookSignedDelivery(t *testing.T) {
	r := newReceiver(t, webhookKey)
	w, _ := newWebhookSink(t, r, newFakeSecrets(webhookSecretARN, webhookKey+"\n"))
	tk := NewTicket(sample(t, "remediation-failed.json"), Options{})
	for _, a := range []Action{ActionOpen, ActionUpdate, ActionResolve} {
		var err error
		switch a {
		case ActionOpen:
			_, err = w.Open(ctxT(t), "", tk)
		case ActionUpdate:
			_, err = w.Update(ctxT(t), "delivered", tk)
		default:
			_, err = w.Resolve(ctxT(t), "delivered", tk)
		}
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	if len(r.bodies) != 3 {
		t.Fatalf("%d deliveries", len(r.bodies))
	}
	for i, a := range []Action{ActionOpen, ActionUpdate, ActionResolve} {
		if !r.verified[i] {
			t.Errorf("delivery %d: signature did not verify", i)
		}
		h := r.headers[i]
		if h.Get("Content-Type") != "application/json" || h.Get(HeaderEventID) != "rem-20260302-0003" || h.Get(HeaderAction) != string(a) {
			t.Errorf("delivery %d headers %v", i, h)
		}
		var p WebhookPayload
		if err := json.Unmarshal(r.bodies[i], &p); err != nil {
			t.Fatal(err)
		}
		if p.Action != a || p.Ticket.SecretARN != tk.SecretARN || p.Ticket.Check != "cmk" || p.Severity != "HIGH" ||
			p.Dedup != "secretguard:"+tk.SecretARN+"|cmk" || !strings.HasPrefix(p.Title, "secretguard: cmk fails") || p.Text == "" {
			t.Errorf("payload %d: %+v", i, p)
		}
	}
	// The exported verifier agrees, and rejects tampering and replays.
	ts, sig, body := r.headers[0].Get(HeaderTimestamp), r.headers[0].Get(HeaderSignature), r.bodies[0]
	if err := VerifyWebhook([]byte(webhookKey), ts, sig, body, time.Now(), 5*time.Minute); err != nil {
		t.Errorf("VerifyWebhook: %v", err)
	}
	if err := VerifyWebhook([]byte(webhookKey), ts, sig, append(body, ' '), time.Now(), 5*time.Minute); err == nil {
		t.Error("tampered body verified")
	}
	if err := VerifyWebhook([]byte(webhookKey), ts, sig, body, time.Now().Add(time.Hour), 5*time.Minute); err == nil {
		t.Error("replayed an hour later: verified")
	}
}

func TestWebhookRetriesAndWrongKey(t *testing.T) {
	r := newReceiver(t, webhookKey)
	r.fail = []int{503, 500}
	secrets := newFakeSecrets(webhookSecretARN, webhookKey)
	w, waits := newWebhookSink(t, r, secrets)
	tk := NewTicket(sample(t, "needs-attention.json"), Options{})
	if _, err := w.Open(ctxT(t), "", tk); err != nil {
		t.Fatal(err)
	}
	if len(r.bodies) != 3 || len(*waits) != 2 || !r.verified[2] {
		t.Errorf("%d deliveries, waits %v", len(r.bodies), *waits)
	}

	// A wrong key is rejected (401, not retried) and forgotten, so the
	// next delivery reads the secret again; the error shows neither the
	// key nor the URL's path.
	secrets.set(webhookSecretARN, "wrong-key")
	w.key.forget()
	_, err := w.Update(ctxT(t), "delivered", tk)
	if err == nil || strings.Contains(err.Error(), "wrong-key") || strings.Contains(err.Error(), "T0KEN") || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("error %v", err)
	}
	secrets.set(webhookSecretARN, webhookKey)
	if _, err := w.Update(ctxT(t), "delivered", tk); err != nil {
		t.Fatal(err)
	}
	if secrets.reads[webhookSecretARN] != 3 {
		t.Errorf("secret reads %d, want 3", secrets.reads[webhookSecretARN])
	}
	if p := w.Permissions(); len(p) != 1 || p[0].Resources[0] != webhookSecretARN {
		t.Errorf("permissions %+v", p)
	}
}
