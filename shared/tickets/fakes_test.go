package tickets

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

const (
	jiraSecretARN    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:secretguard/jira-AbCdEf"
	webhookSecretARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:secretguard/webhook-GhIjKl"
)

// fakeSecrets serves secret values by ARN and counts reads.
type fakeSecrets struct {
	mu     sync.Mutex
	values map[string]string
	reads  map[string]int
}

func newFakeSecrets(kv ...string) *fakeSecrets {
	f := &fakeSecrets{values: map[string]string{}, reads: map[string]int{}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.values[kv[i]] = kv[i+1]
	}
	return f
}

func (f *fakeSecrets) set(arn, v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.values[arn] = v
}

func (f *fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := aws.ToString(in.SecretId)
	f.reads[id]++
	v, ok := f.values[id]
	if !ok {
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("not found")}
	}
	return &secretsmanager.GetSecretValueOutput{ARN: in.SecretId, SecretString: aws.String(v)}, nil
}

// fakeOps records OpsCenter calls.
type fakeOps struct {
	creates []*ssm.CreateOpsItemInput
	updates []*ssm.UpdateOpsItemInput
	err     error
}

func (f *fakeOps) CreateOpsItem(_ context.Context, in *ssm.CreateOpsItemInput, _ ...func(*ssm.Options)) (*ssm.CreateOpsItemOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.creates = append(f.creates, in)
	return &ssm.CreateOpsItemOutput{OpsItemId: aws.String(fmt.Sprintf("oi-%012d", len(f.creates)))}, nil
}

func (f *fakeOps) UpdateOpsItem(_ context.Context, in *ssm.UpdateOpsItemInput, _ ...func(*ssm.Options)) (*ssm.UpdateOpsItemOutput, error) {
	f.updates = append(f.updates, in)
	return &ssm.UpdateOpsItemOutput{}, nil
}

// fakeHub records Security Hub calls and keeps findings by Id.
type fakeHub struct {
	imports  []*securityhub.BatchImportFindingsInput
	updates  []*securityhub.BatchUpdateFindingsInput
	findings map[string]string // Id -> compliance status
	failNext bool
}

func (f *fakeHub) BatchImportFindings(_ context.Context, in *securityhub.BatchImportFindingsInput, _ ...func(*securityhub.Options)) (*securityhub.BatchImportFindingsOutput, error) {
	f.imports = append(f.imports, in)
	if f.failNext {
		f.failNext = false
		return &securityhub.BatchImportFindingsOutput{FailedCount: aws.Int32(1), SuccessCount: aws.Int32(0)}, nil
	}
	if f.findings == nil {
		f.findings = map[string]string{}
	}
	for _, x := range in.Findings {
		f.findings[aws.ToString(x.Id)] = string(x.Compliance.Status)
	}
	return &securityhub.BatchImportFindingsOutput{FailedCount: aws.Int32(0), SuccessCount: aws.Int32(int32(len(in.Findings)))}, nil
}

func (f *fakeHub) BatchUpdateFindings(_ context.Context, in *securityhub.BatchUpdateFindingsInput, _ ...func(*securityhub.Options)) (*securityhub.BatchUpdateFindingsOutput, error) {
	f.updates = append(f.updates, in)
	return &securityhub.BatchUpdateFindingsOutput{ProcessedFindings: in.FindingIdentifiers}, nil
}

// fakeSNS records Publish calls.
type fakeSNS struct{ published []*sns.PublishInput }

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.published = append(f.published, in)
	return &sns.PublishOutput{MessageId: aws.String("m-1")}, nil
}

// request is one request a fake HTTP server received.
type request struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// jiraIssue is an issue in the fake Jira.
type jiraIssue struct {
	Fields   map[string]any
	Comments []json.RawMessage
	Done     bool
}

// fakeJira is a Jira Cloud stand-in: it checks Basic auth, creates
// issues, searches by label, comments and transitions.
type fakeJira struct {
	*httptest.Server
	mu       sync.Mutex
	auth     string // the Authorization header it accepts
	issues   map[string]*jiraIssue
	order    []string
	requests []request
	failures []int // status codes to answer, in order, before serving
}

func newFakeJira(t *testing.T, email, token string) *fakeJira {
	f := &fakeJira{auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+token)), issues: map[string]*jiraIssue{}}
	f.Server = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeJira) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	if len(f.failures) > 0 {
		code := f.failures[0]
		f.failures = f.failures[1:]
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		http.Error(w, `{"errorMessages":["try later"]}`, code)
		return
	}
	if r.Header.Get("Authorization") != f.auth {
		http.Error(w, `{"errorMessages":["unauthorized"]}`, http.StatusUnauthorized)
		return
	}
	reply := func(v any) { w.Header().Set("Content-Type", "application/json"); _ = json.NewEncoder(w).Encode(v) }
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/rest/api/3/"), "/")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/rest/api/3/search/jql":
		var q struct{ JQL string }
		_ = json.Unmarshal(body, &q)
		var found []map[string]string
		for _, key := range f.order {
			is := f.issues[key]
			for _, l := range is.Fields["labels"].([]any) {
				if strings.Contains(q.JQL, fmt.Sprintf("labels = %q", l)) && !is.Done && strings.HasPrefix(l.(string), "secretguard-") {
					found = append(found, map[string]string{"id": "1", "key": key})
				}
			}
		}
		reply(map[string]any{"issues": found})
	case r.Method == http.MethodPost && r.URL.Path == "/rest/api/3/issue":
		var in struct{ Fields map[string]any }
		_ = json.Unmarshal(body, &in)
		key := fmt.Sprintf("SEC-%d", len(f.order)+1)
		f.issues[key] = &jiraIssue{Fields: in.Fields}
		f.order = append(f.order, key)
		w.WriteHeader(http.StatusCreated)
		reply(map[string]string{"id": "10001", "key": key, "self": f.URL + "/rest/api/3/issue/10001"})
	case len(parts) >= 2 && parts[0] == "issue" && f.issues[parts[1]] == nil:
		http.Error(w, `{"errorMessages":["Issue does not exist"]}`, http.StatusNotFound)
	case len(parts) == 3 && parts[2] == "comment" && r.Method == http.MethodPost:
		var in struct{ Body json.RawMessage }
		_ = json.Unmarshal(body, &in)
		f.issues[parts[1]].Comments = append(f.issues[parts[1]].Comments, in.Body)
		w.WriteHeader(http.StatusCreated)
		reply(map[string]string{"id": "20001"})
	case len(parts) == 3 && parts[2] == "transitions" && r.Method == http.MethodGet:
		if f.issues[parts[1]].Done {
			reply(map[string]any{"transitions": []any{map[string]any{"id": "41", "name": "Reopen", "to": map[string]any{"name": "To Do", "statusCategory": map[string]string{"key": "new"}}}}})
			return
		}
		reply(map[string]any{"transitions": []any{
			map[string]any{"id": "21", "name": "Start", "to": map[string]any{"name": "In Progress", "statusCategory": map[string]string{"key": "indeterminate"}}},
			map[string]any{"id": "31", "name": "Close", "to": map[string]any{"name": "Closed", "statusCategory": map[string]string{"key": "done"}}},
		}})
	case len(parts) == 3 && parts[2] == "transitions" && r.Method == http.MethodPost:
		var in struct{ Transition struct{ ID string } }
		_ = json.Unmarshal(body, &in)
		if in.Transition.ID != "31" {
			http.Error(w, `{"errorMessages":["bad transition"]}`, http.StatusBadRequest)
			return
		}
		f.issues[parts[1]].Done = true
		w.WriteHeader(http.StatusNoContent)
	case len(parts) == 2 && r.Method == http.MethodGet:
		cat := "new"
		if f.issues[parts[1]].Done {
			cat = "done"
		}
		reply(map[string]any{"key": parts[1], "fields": map[string]any{"status": map[string]any{"name": "Whatever", "statusCategory": map[string]string{"key": cat}}}})
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

func (f *fakeJira) paths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// noSleep makes HTTP retries instant and records the waits.
func noSleep(waits *[]time.Duration) func(context.Context, time.Duration) error {
	return func(_ context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		return nil
	}
}
