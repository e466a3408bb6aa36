package observe_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretguard/secretguard/shared/workload"
	"github.com/secretguard/secretguard/shared/workload/observe"
)

type staticCreds struct{}

func (staticCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret", Source: "test"}, nil
}

// TestParametersPagesAndNeverDecrypts: the account's parameters come in
// DescribeParameters pages (NextToken followed to the end); values are read
// only for String and StringList names, in GetParameters batches of at most
// 10 and never with decryption.
func TestParametersPagesAndNeverDecrypts(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var in struct {
			NextToken      string
			Names          []string
			WithDecryption *bool
		}
		_ = json.Unmarshal(body, &in)
		switch r.Header.Get("X-Amz-Target") {
		case "AmazonSSM.DescribeParameters":
			page, next := 0, ""
			fmt.Sscanf(in.NextToken, "page-%d", &page)
			if page < 2 {
				next = fmt.Sprintf("page-%d", page+1)
			}
			var ps []map[string]string
			for i := range 10 {
				typ := "String"
				if i == 0 {
					typ = "SecureString"
				}
				ps = append(ps, map[string]string{"Name": fmt.Sprintf("/p%d/%d", page, i), "Type": typ})
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"Parameters": ps, "NextToken": next})
		case "AmazonSSM.GetParameters":
			if in.WithDecryption == nil || *in.WithDecryption || len(in.Names) > 10 {
				t.Errorf("GetParameters %s: want WithDecryption false and at most 10 names", body)
			}
			mu.Lock()
			asked = append(asked, in.Names...)
			mu.Unlock()
			var ps []map[string]string
			for _, n := range in.Names {
				ps = append(ps, map[string]string{"Name": n, "Type": "String", "Value": "v" + n, "ARN": "arn:aws:ssm:eu-west-1:123456789012:parameter" + n})
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"Parameters": ps})
		default:
			t.Errorf("unexpected call %s", r.Header.Get("X-Amz-Target"))
		}
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.NewCredentialsCache(staticCreds{})}
	o := &observe.Observer{SSM: observe.NewSSM(cfg), AccountID: "123456789012", Region: "eu-west-1"}
	r, err := o.Account(context.Background(), workload.AccountNeeds{Parameters: true})
	if err != nil {
		t.Fatal(err)
	}
	a := r.Account
	if !a.ParametersKnown || len(a.Parameters) != 30 || a.ParametersTruncated {
		t.Fatalf("known %v, %d parameters, truncated %v; want 30 from 3 pages (%s)", a.ParametersKnown, len(a.Parameters), a.ParametersTruncated, r.Problem)
	}
	for _, p := range a.Parameters {
		secure := p.Type == "SecureString"
		if secure == (p.Value != "") || secure == slices.Contains(asked, p.Name) {
			t.Errorf("%s (%s): value read %v, asked %v", p.Name, p.Type, p.Value != "", slices.Contains(asked, p.Name))
		}
	}
}
