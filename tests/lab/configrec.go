package lab

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// putEvaluationsTarget is the X-Amz-Target of Config's PutEvaluations
// (JSON 1.1 protocol).
const putEvaluationsTarget = "StarlingDoveService.PutEvaluations"

// Evaluation is one evaluation the evaluator put.
type Evaluation struct {
	Rule         string // the rule whose ResultToken came with it ("" when unknown)
	ResourceType string
	ResourceID   string
	Compliance   string
	Annotation   string
	Ordering     time.Time
}

// Verdicts holds the latest evaluation per resource ID and check.
type Verdicts map[string]map[string]Evaluation

// ConfigRecorder is a tiny local AWS Config endpoint that records
// PutEvaluations and answers anything else with an error, standing in for
// Config, which moto implements only in TestMode (nothing recorded). Point
// the evaluator at it with AWS_ENDPOINT_URL_CONFIG_SERVICE.
type ConfigRecorder struct {
	URL string

	srv    *httptest.Server
	mu     sync.Mutex
	tokens map[string]string // ResultToken → rule name
	latest map[string]map[string]Evaluation
}

// NewConfigRecorder starts the recorder on a free loopback port.
func NewConfigRecorder() *ConfigRecorder {
	r := &ConfigRecorder{tokens: map[string]string{}, latest: map[string]map[string]Evaluation{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = r.srv.URL
	return r
}

// Token returns a ResultToken for rule, as Config hands one to each rule
// invocation; evaluations put with it are recorded under that rule.
func (r *ConfigRecorder) Token(rule string) string {
	tok := base64.StdEncoding.EncodeToString([]byte(`{"rule":"` + rule + `","nonce":"` + randomHex(4) + `"}`))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tokens[tok] = rule
	return tok
}

type putEvaluationsInput struct {
	Evaluations []struct {
		ComplianceResourceType string
		ComplianceResourceId   string
		ComplianceType         string
		Annotation             string
		OrderingTimestamp      float64 // epoch seconds, as JSON 1.1 sends timestamps
	}
	ResultToken string
	TestMode    bool
}

func (r *ConfigRecorder) serve(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if target := req.Header.Get("X-Amz-Target"); target != putEvaluationsTarget {
		awsError(w, http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("the local Config recorder implements only PutEvaluations, not %q", target))
		return
	}
	var in putEvaluationsInput
	body, _ := io.ReadAll(io.LimitReader(req.Body, 10<<20))
	if err := json.Unmarshal(body, &in); err != nil {
		awsError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	if len(in.Evaluations) > 100 {
		awsError(w, http.StatusBadRequest, "ValidationException", "at most 100 evaluations per call")
		return
	}
	r.mu.Lock()
	rule := r.tokens[in.ResultToken]
	for _, e := range in.Evaluations {
		if in.TestMode {
			break
		}
		check := strings.TrimPrefix(rule, "secretguard-")
		sec, frac := math.Modf(e.OrderingTimestamp)
		ev := Evaluation{Rule: rule, ResourceType: e.ComplianceResourceType, ResourceID: e.ComplianceResourceId,
			Compliance: e.ComplianceType, Annotation: e.Annotation, Ordering: time.Unix(int64(sec), int64(frac*1e9)).UTC()}
		if r.latest[ev.ResourceID] == nil {
			r.latest[ev.ResourceID] = map[string]Evaluation{}
		}
		r.latest[ev.ResourceID][check] = ev
	}
	r.mu.Unlock()
	_, _ = io.WriteString(w, `{"FailedEvaluations":[]}`)
}

func awsError(w http.ResponseWriter, status int, code, msg string) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// Verdicts returns a copy of the latest evaluation per resource and check.
func (r *ConfigRecorder) Verdicts() Verdicts {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := Verdicts{}
	for id, m := range r.latest {
		out[id] = map[string]Evaluation{}
		for c, e := range m {
			out[id][c] = e
		}
	}
	return out
}

// Close stops the recorder.
func (r *ConfigRecorder) Close() { r.srv.Close() }
