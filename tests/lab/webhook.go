package lab

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/secretguard/secretguard/shared/tickets"
)

// Ticket is one message the webhook sink received.
type Ticket struct {
	Action  string // open, update, resolve
	EventID string
	Payload tickets.WebhookPayload
	// SignatureOK says the HMAC and the timestamp verified; Problem says
	// why not.
	SignatureOK bool
	Problem     string
}

// WebhookSink is the notifier's ticket system for the lab: an HTTPS server
// on a free loopback port with a self-signed certificate, which verifies
// each message's HMAC signature (tickets.VerifyWebhook) and keeps it. The
// notifier trusts it through SSL_CERT_FILE=CAFile.
type WebhookSink struct {
	URL    string // https://127.0.0.1:port/secretguard
	CAFile string // the server certificate, PEM

	srv *httptest.Server
	key []byte

	mu       sync.Mutex
	received []Ticket
	onTicket func(Ticket)
}

// NewWebhookSink starts the sink, writing its certificate to dir. key is
// the HMAC key the notifier reads from Secrets Manager.
func NewWebhookSink(dir string, key []byte, onTicket func(Ticket)) (*WebhookSink, error) {
	s := &WebhookSink{key: key, onTicket: onTicket}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/secretguard"
	s.CAFile = filepath.Join(dir, "webhook-ca.pem")
	pemBytes := append(systemRoots(), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})...)
	if err := os.WriteFile(s.CAFile, pemBytes, 0o600); err != nil {
		s.srv.Close()
		return nil, fmt.Errorf("write the webhook CA: %w", err)
	}
	return s, nil
}

// systemRoots returns the system's CA bundle (the first of the files Go
// looks for on Linux), so that SSL_CERT_FILE, which replaces it, still lets
// the notifier reach AWS over HTTPS when the target is not local.
func systemRoots() []byte {
	for _, f := range []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
		"/etc/pki/tls/cacert.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem"} {
		if b, err := os.ReadFile(f); err == nil {
			return append(b, '\n')
		}
	}
	return nil
}

func (s *WebhookSink) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "POST a JSON body", http.StatusBadRequest)
		return
	}
	t := Ticket{Action: r.Header.Get(tickets.HeaderAction), EventID: r.Header.Get(tickets.HeaderEventID)}
	err = tickets.VerifyWebhook(s.key, r.Header.Get(tickets.HeaderTimestamp), r.Header.Get(tickets.HeaderSignature), body, time.Now(), 5*time.Minute)
	if err == nil {
		err = json.Unmarshal(body, &t.Payload)
	}
	t.SignatureOK = err == nil
	if err != nil {
		t.Problem = err.Error()
	}
	s.mu.Lock()
	s.received = append(s.received, t)
	fn := s.onTicket
	s.mu.Unlock()
	if fn != nil {
		fn(t)
	}
	if !t.SignatureOK {
		http.Error(w, t.Problem, http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Tickets returns what the sink received, in order.
func (s *WebhookSink) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ticket(nil), s.received...)
}

// Close stops the sink.
func (s *WebhookSink) Close() { s.srv.Close() }
