package tickets

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/secretguard/secretguard/shared/outcome"
)

// Webhook headers.
const (
	HeaderSignature = "X-Secretguard-Signature" // "sha256=" + hex HMAC-SHA256
	HeaderTimestamp = "X-Secretguard-Timestamp" // Unix seconds, signed too
	HeaderEventID   = "X-Secretguard-Event-Id"  // detail.id, for the receiver's dedup
	HeaderAction    = "X-Secretguard-Action"    // open, update, resolve
)

// WebhookPayload is the JSON body a webhook receives.
type WebhookPayload struct {
	Action   Action  `json:"action"`
	Title    string  `json:"title"`
	Text     string  `json:"text"`
	Ticket   *Ticket `json:"ticket"`
	Dedup    string  `json:"dedupKey"` // the same for every message about one ticket
	Severity string  `json:"severity"`
}

// Webhook POSTs each open, update and resolve as JSON to an HTTPS
// endpoint, signed: X-Secretguard-Signature is "sha256=" and the hex
// HMAC-SHA256 of timestamp + "." + body, keyed with the value of one
// Secrets Manager secret (surrounding whitespace trimmed), where the
// timestamp is X-Secretguard-Timestamp (Unix seconds). Receivers recompute
// it and reject old timestamps (VerifyWebhook), which stops replays. The
// ref is "delivered".
type Webhook struct {
	base
	URL  string
	key  *credential
	http *httpDoer
	now  func() time.Time
}

// NewWebhook returns a webhook sink. client may be nil.
func NewWebhook(name string, min outcome.Severity, endpoint, signingSecretARN string, secrets SecretsAPI, client *http.Client) *Webhook {
	h := newHTTPDoer(client)
	h.hidePath = true
	return &Webhook{base: newBase(name, "webhook", min), URL: endpoint, key: newCredential(signingSecretARN, secrets), http: h, now: time.Now}
}

// SignWebhook returns the X-Secretguard-Signature value for a timestamp
// and body.
func SignWebhook(key []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks a webhook's signature and that its timestamp is
// within tolerance of now, for receivers written in Go.
func VerifyWebhook(key []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("webhook: bad timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("webhook: timestamp outside tolerance (replay?)")
	}
	if !hmac.Equal([]byte(SignWebhook(key, timestamp, body)), []byte(signature)) {
		return errors.New("webhook: signature mismatch")
	}
	return nil
}

func (w *Webhook) send(ctx context.Context, a Action, t *Ticket) (string, error) {
	body, err := json.Marshal(WebhookPayload{
		Action: a, Title: t.Title(), Text: t.Doc(a).Text(), Ticket: t,
		Dedup: "secretguard:" + t.Key().String(), Severity: string(t.Severity),
	})
	if err != nil {
		return "", err
	}
	key, err := w.key.get(ctx)
	if err != nil {
		return "", err
	}
	key = bytes.TrimSpace(key)
	_, err = w.http.do(ctx, func() (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, w.URL, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		ts := strconv.FormatInt(w.now().Unix(), 10)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(HeaderTimestamp, ts)
		req.Header.Set(HeaderSignature, SignWebhook(key, ts, body))
		req.Header.Set(HeaderEventID, t.EventID)
		req.Header.Set(HeaderAction, string(a))
		return req, nil
	})
	var se *HTTPStatusError
	if errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden) {
		w.key.forget() // the key may have been rotated: read it again next time
	}
	if err != nil {
		return "", fmt.Errorf("webhook %s of %s: %w", a, t.Key(), err)
	}
	return "delivered", nil
}

func (w *Webhook) Open(ctx context.Context, _ string, t *Ticket) (string, error) {
	return w.send(ctx, ActionOpen, t)
}

func (w *Webhook) Update(ctx context.Context, _ string, t *Ticket) (string, error) {
	return w.send(ctx, ActionUpdate, t)
}

func (w *Webhook) Resolve(ctx context.Context, _ string, t *Ticket) (string, error) {
	return w.send(ctx, ActionResolve, t)
}

func (w *Webhook) Permissions() []Permission { return []Permission{w.key.permission()} }
