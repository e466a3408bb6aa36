package tickets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/secretguard/secretguard/shared/outcome"
)

const jiraMaxSummary = 255

// Jira opens a Jira Cloud issue per secret and check (REST API v3): the
// description in Atlassian Document Format, labels secretguard,
// secretguard-<check> and a label unique to the secret and check, which
// lets a retried open find the issue it already created. Changes are
// comments; resolving comments, then transitions the issue to a status in
// the "done" category. Credentials ({"email": ..., "apiToken": ...}) come
// from one Secrets Manager secret, read by this sink only, cached for 15
// minutes and read again after a 401.
type Jira struct {
	base
	URL       string // https://<site>.atlassian.net
	Project   string
	IssueType string
	cred      *credential
	http      *httpDoer
}

// NewJira returns a Jira sink. client may be nil (a 10 s timeout client).
func NewJira(name string, min outcome.Severity, siteURL, project, issueType, credentialsARN string, secrets SecretsAPI, client *http.Client) *Jira {
	if issueType == "" {
		issueType = "Task"
	}
	return &Jira{
		base: newBase(name, "jira", min), URL: strings.TrimRight(siteURL, "/"),
		Project: project, IssueType: issueType,
		cred: newCredential(credentialsARN, secrets), http: newHTTPDoer(client),
	}
}

// JiraLabel is the label unique to a ticket key.
func JiraLabel(k Key) string {
	h := sha256.Sum256([]byte(k.String()))
	return "secretguard-" + hex.EncodeToString(h[:10])
}

type jiraCredentials struct {
	Email    string `json:"email"`
	APIToken string `json:"apiToken"`
}

func (j *Jira) auth(ctx context.Context) (string, error) {
	raw, err := j.cred.get(ctx)
	if err != nil {
		return "", err
	}
	var c jiraCredentials
	if json.Unmarshal(raw, &c) != nil || c.Email == "" || c.APIToken == "" {
		// Never echo the value, nor the JSON error (it can quote it).
		return "", fmt.Errorf("credentials secret %s: want JSON {\"email\": ..., \"apiToken\": ...}", j.cred.arn)
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Email+":"+c.APIToken)), nil
}

// call sends one request (with retries) and decodes the JSON answer into
// out (when not nil). A 401 drops the cached credentials and tries once
// more with fresh ones.
func (j *Jira) call(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	var resp []byte
	for try := 0; try < 2; try++ {
		authz, err := j.auth(ctx)
		if err != nil {
			return err
		}
		resp, err = j.http.do(ctx, func() (*http.Request, error) {
			req, err := http.NewRequest(method, j.URL+path, bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", authz)
			req.Header.Set("Accept", "application/json")
			if in != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			return req, nil
		})
		var se *HTTPStatusError
		if errors.As(err, &se) && se.Status == http.StatusUnauthorized && try == 0 {
			j.cred.forget()
			continue
		}
		if err != nil {
			return fmt.Errorf("jira: %w", err)
		}
		break
	}
	if out != nil && len(bytes.TrimSpace(resp)) > 0 {
		if err := json.Unmarshal(resp, out); err != nil {
			return fmt.Errorf("jira: %s %s: decode response: %w", method, path, err)
		}
	}
	return nil
}

// find returns the key of an open issue carrying the ticket's label, or "".
func (j *Jira) find(ctx context.Context, k Key) (string, error) {
	var out struct {
		Issues []struct {
			Key string `json:"key"`
		} `json:"issues"`
	}
	jql := fmt.Sprintf("project = %q AND labels = %q AND statusCategory != Done ORDER BY created ASC", j.Project, JiraLabel(k))
	err := j.call(ctx, http.MethodPost, "/rest/api/3/search/jql", map[string]any{"jql": jql, "fields": []string{"status"}, "maxResults": 1}, &out)
	if err != nil || len(out.Issues) == 0 {
		return "", err
	}
	return out.Issues[0].Key, nil
}

func (j *Jira) Open(ctx context.Context, _ string, t *Ticket) (string, error) {
	k := t.Key()
	if key, err := j.find(ctx, k); err != nil {
		return "", fmt.Errorf("find issue for %s: %w", k, err)
	} else if key != "" {
		return j.Update(ctx, key, t)
	}
	var out struct {
		Key string `json:"key"`
	}
	fields := map[string]any{
		"project":     map[string]string{"key": j.Project},
		"issuetype":   map[string]string{"name": j.IssueType},
		"summary":     truncate(t.Title(), jiraMaxSummary),
		"description": t.Doc(ActionOpen).ADF(),
		"labels":      []string{"secretguard", "secretguard-" + t.Check, JiraLabel(k)},
	}
	if err := j.call(ctx, http.MethodPost, "/rest/api/3/issue", map[string]any{"fields": fields}, &out); err != nil {
		return "", fmt.Errorf("create issue for %s: %w", k, err)
	}
	if out.Key == "" {
		return "", fmt.Errorf("create issue for %s: no key in the response", k)
	}
	return out.Key, nil
}

func (j *Jira) comment(ctx context.Context, key string, d Doc) error {
	return j.call(ctx, http.MethodPost, "/rest/api/3/issue/"+url.PathEscape(key)+"/comment", map[string]any{"body": d.ADF()}, nil)
}

func (j *Jira) Update(ctx context.Context, ref string, t *Ticket) (string, error) {
	if err := j.comment(ctx, ref, t.Doc(ActionUpdate)); err != nil {
		return "", fmt.Errorf("comment on %s for %s: %w", ref, t.Key(), err)
	}
	return ref, nil
}

type jiraStatus struct {
	Name           string `json:"name"`
	StatusCategory struct {
		Key string `json:"key"`
	} `json:"statusCategory"`
}

// Resolve finds a transition to a "done" status first, so that an issue
// that cannot be resolved fails before any comment is added; an issue
// already done only gets the comment.
func (j *Jira) Resolve(ctx context.Context, ref string, t *Ticket) (string, error) {
	path := "/rest/api/3/issue/" + url.PathEscape(ref)
	var tr struct {
		Transitions []struct {
			ID   string     `json:"id"`
			Name string     `json:"name"`
			To   jiraStatus `json:"to"`
		} `json:"transitions"`
	}
	if err := j.call(ctx, http.MethodGet, path+"/transitions", nil, &tr); err != nil {
		return "", fmt.Errorf("list transitions of %s: %w", ref, err)
	}
	done := ""
	for _, x := range tr.Transitions {
		if x.To.StatusCategory.Key == "done" {
			done = x.ID
			break
		}
	}
	if done == "" {
		var issue struct {
			Fields struct {
				Status jiraStatus `json:"status"`
			} `json:"fields"`
		}
		if err := j.call(ctx, http.MethodGet, path+"?fields=status", nil, &issue); err != nil {
			return "", fmt.Errorf("read status of %s: %w", ref, err)
		}
		if issue.Fields.Status.StatusCategory.Key != "done" {
			return "", fmt.Errorf("resolve %s: no transition leads to a done status from %q", ref, issue.Fields.Status.Name)
		}
	}
	if err := j.comment(ctx, ref, t.Doc(ActionResolve)); err != nil {
		return "", fmt.Errorf("comment on %s: %w", ref, err)
	}
	if done != "" {
		if err := j.call(ctx, http.MethodPost, path+"/transitions", map[string]any{"transition": map[string]string{"id": done}}, nil); err != nil {
			return "", fmt.Errorf("transition %s to done: %w", ref, err)
		}
	}
	return ref, nil
}

func (j *Jira) Permissions() []Permission { return []Permission{j.cred.permission()} }
