package tickets

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	jiraEmail = "secretguard@example.com"
	jiraToken = "ATATT3xFfGF0-jira-token"
)

func newJiraSink(t *testing.T) (*Jira, *fakeJira, *fakeSecrets, *[]time.Duration) {
	t.Helper()
	fj := newFakeJira(t, jiraEmail, jiraToken)
	secrets := newFakeSecrets(jiraSecretARN, `{"email":"`+jiraEmail+`","apiToken":"`+jiraToken+`"}`)
	j := NewJira("jira", "", fj.URL+"/", "SEC", "Bug", jiraSecretARN, secrets, fj.Client())
	var waits []time.Duration
	j.http.sleep = noSleep(&waits)
	return j, fj, secrets, &waits
}

// adfTypes lists the node types of an ADF document, depth first.
func adfTypes(n map[string]any, out *[]string) {
	*out = append(*out, n["type"].(string))
	for _, c := range asSlice(n["content"]) {
		adfTypes(c.(map[string]any), out)
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func TestJiraLifecycle(t *testing.T) {
	j, fj, _, _ := newJiraSink(t)
	tk := NewTicket(sample(t, "remediation-failed.json"), Options{})
	ctx := ctxT(t)

	key, err := j.Open(ctx, "", tk)
	if err != nil || key != "SEC-1" {
		t.Fatalf("Open = %q, %v", key, err)
	}
	if _, err := j.Update(ctx, key, tk); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Resolve(ctx, key, tk); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"POST /rest/api/3/search/jql", "POST /rest/api/3/issue", // find, then create
		"POST /rest/api/3/issue/SEC-1/comment", // update
		"GET /rest/api/3/issue/SEC-1/transitions", "POST /rest/api/3/issue/SEC-1/comment", "POST /rest/api/3/issue/SEC-1/transitions",
	}
	if got := fj.paths(); !reflect.DeepEqual(got, want) {
		t.Fatalf("requests\n%v\nwant\n%v", got, want)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(jiraEmail+":"+jiraToken))
	for _, r := range fj.requests {
		if r.Header.Get("Authorization") != basic || r.Header.Get("Accept") != "application/json" {
			t.Errorf("%s %s: headers %v", r.Method, r.Path, r.Header)
		}
		if r.Method == "POST" && r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: content type %q", r.Path, r.Header.Get("Content-Type"))
		}
	}

	// The search looks for open issues with the ticket's label.
	var search map[string]any
	_ = json.Unmarshal(fj.requests[0].Body, &search)
	if jql := search["jql"].(string); !strings.Contains(jql, `labels = "`+JiraLabel(tk.Key())+`"`) || !strings.Contains(jql, "statusCategory != Done") || !strings.Contains(jql, `project = "SEC"`) {
		t.Errorf("jql %q", jql)
	}

	// The created issue: fields and ADF description.
	is := fj.issues["SEC-1"]
	if is.Fields["project"].(map[string]any)["key"] != "SEC" || is.Fields["issuetype"].(map[string]any)["name"] != "Bug" ||
		is.Fields["summary"] != "secretguard: cmk fails on secret db/orders (111122223333, eu-west-1)" {
		t.Errorf("fields %v", is.Fields)
	}
	if labels := is.Fields["labels"]; !reflect.DeepEqual(labels, []any{"secretguard", "secretguard-cmk", JiraLabel(tk.Key())}) {
		t.Errorf("labels %v", labels)
	}
	desc := is.Fields["description"].(map[string]any)
	if desc["type"] != "doc" || desc["version"] != float64(1) {
		t.Errorf("description is not an ADF doc: %v", desc)
	}
	var types []string
	adfTypes(desc, &types)
	for _, want := range []string{"heading", "paragraph", "bulletList", "listItem", "codeBlock", "text"} {
		if !strings.Contains(strings.Join(types, " "), want) {
			t.Errorf("ADF has no %s node: %v", want, types)
		}
	}
	raw := fj.requests[1].Body // as sent, in the ADF struct's field order
	for _, want := range []string{
		`{"type":"text","text":"Open the secret in the console","marks":[{"type":"link","attrs":{"href":"https://console.aws.amazon.com/secretsmanager/secret?name=db%2Forders\u0026region=eu-west-1"}}]}`,
		`{"type":"codeBlock","content":[{"type":"text","text":"Allow kms:GenerateDataKey`,
		`{"type":"heading","attrs":{"level":3},"content":[{"type":"text","text":"Secret"}]}`,
		`"marks":[{"type":"code"}]`,
	} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("ADF lacks %s\n%s", want, raw)
		}
	}
	if strings.Contains(string(raw), `"text":""`) {
		t.Error("ADF has an empty text node")
	}

	// Comments are ADF too; the transition chosen leads to a done status.
	if len(is.Comments) != 2 || !strings.Contains(string(is.Comments[0]), "The finding changed") || !strings.Contains(string(is.Comments[1]), "Resolved") {
		t.Errorf("comments %s", is.Comments)
	}
	if last := fj.requests[len(fj.requests)-1]; string(last.Body) != `{"transition":{"id":"31"}}` || !is.Done {
		t.Errorf("transition %s, done %v", last.Body, is.Done)
	}
}

func TestJiraOpenFindsExistingIssue(t *testing.T) {
	j, fj, _, _ := newJiraSink(t)
	tk := NewTicket(sample(t, "needs-attention.json"), Options{})
	first, err := j.Open(ctxT(t), "", tk)
	if err != nil {
		t.Fatal(err)
	}
	// The notifier lost its state (or crashed before saving it): a second
	// open finds the issue by label and comments instead of creating.
	again, err := j.Open(ctxT(t), "", tk)
	if err != nil || again != first || len(fj.issues) != 1 || len(fj.issues[first].Comments) != 1 {
		t.Fatalf("second Open = %q, %v; %d issues", again, err, len(fj.issues))
	}
}

func TestJiraRetriesWithBackoff(t *testing.T) {
	j, fj, _, waits := newJiraSink(t)
	fj.failures = []int{429, 503, 502}
	if _, err := j.Open(ctxT(t), "", NewTicket(sample(t, "needs-attention.json"), Options{})); err != nil {
		t.Fatal(err)
	}
	if len(*waits) != 3 || (*waits)[0] != time.Second || (*waits)[2] > 4*DefaultHTTPBackoff || (*waits)[2] < 2*DefaultHTTPBackoff {
		t.Errorf("waits %v: want Retry-After (1s), then jittered exponential backoff", *waits)
	}
	// Past the attempts, the error says so and names the status.
	fj.failures = []int{500, 500, 500, 500}
	_, err := j.Update(ctxT(t), "SEC-1", NewTicket(sample(t, "needs-attention.json"), Options{}))
	if err == nil || !strings.Contains(err.Error(), "after 4 attempts") || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("error %v", err)
	}
	// A 400 is not retried.
	n := len(fj.requests)
	if _, err := j.Update(ctxT(t), "SEC-404", NewTicket(sample(t, "needs-attention.json"), Options{})); err == nil || len(fj.requests) != n+1 {
		t.Errorf("404: %v after %d requests", err, len(fj.requests)-n)
	}
}

func TestJiraCredentialsRotated(t *testing.T) {
	j, fj, secrets, _ := newJiraSink(t)
	tk := NewTicket(sample(t, "needs-attention.json"), Options{})
	if _, err := j.Open(ctxT(t), "", tk); err != nil {
		t.Fatal(err)
	}
	// The token is rotated: Jira answers 401 to the cached one, the sink
	// reads the secret again and succeeds.
	secrets.set(jiraSecretARN, `{"email":"`+jiraEmail+`","apiToken":"new-token"}`)
	fj.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(jiraEmail+":new-token"))
	if _, err := j.Update(ctxT(t), "SEC-1", tk); err != nil {
		t.Fatal(err)
	}
	if secrets.reads[jiraSecretARN] != 2 {
		t.Errorf("secret read %d times, want 2 (cached, then refreshed once)", secrets.reads[jiraSecretARN])
	}
	// Malformed credentials: the error names the secret, never the value.
	secrets.set(jiraSecretARN, "hunter2-not-json")
	j.cred.forget()
	_, err := j.Update(ctxT(t), "SEC-1", tk)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), jiraSecretARN) {
		t.Errorf("error %v", err)
	}
	if p := j.Permissions(); len(p) != 1 || !reflect.DeepEqual(p[0].Resources, []string{jiraSecretARN}) || p[0].Actions[0] != "secretsmanager:GetSecretValue" {
		t.Errorf("permissions %+v", p)
	}
}

func TestJiraResolveAlreadyDone(t *testing.T) {
	j, fj, _, _ := newJiraSink(t)
	tk := NewTicket(sample(t, "needs-attention.json"), Options{})
	key, _ := j.Open(ctxT(t), "", tk)
	fj.issues[key].Done = true // closed by hand
	if _, err := j.Resolve(ctxT(t), key, tk); err != nil {
		t.Fatal(err)
	}
	for _, r := range fj.requests {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/transitions") {
			t.Error("transitioned an issue already done")
		}
	}
	if len(fj.issues[key].Comments) != 1 {
		t.Errorf("comments %d, want the resolution comment", len(fj.issues[key].Comments))
	}
}
