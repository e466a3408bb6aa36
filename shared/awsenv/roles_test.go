package awsenv

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

func TestPartition(t *testing.T) {
	tests := map[string]string{
		"us-east-1": "aws", "eu-west-1": "aws", "ap-southeast-4": "aws", "il-central-1": "aws",
		"cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn",
		"us-gov-west-1": "aws-us-gov", "us-gov-east-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b", "eu-isoe-west-1": "aws-iso-e",
		"us-isof-south-1": "aws-iso-f", "eusc-de-east-1": "aws-eusc",
		"aws-global": "aws", "aws-cn-global": "aws-cn", "aws-us-gov-global": "aws-us-gov",
	}
	for region, want := range tests {
		t.Run(region, func(t *testing.T) {
			if got := Partition(region); got != want {
				t.Fatalf("Partition(%q) = %q, want %q", region, got, want)
			}
		})
	}
}

func TestRoleARN(t *testing.T) {
	tests := []struct{ partition, account, role, want string }{
		{"aws", "111122223333", "SecretGuardSpoke", "arn:aws:iam::111122223333:role/SecretGuardSpoke"},
		{"aws-cn", "111122223333", "secretguard/spoke", "arn:aws-cn:iam::111122223333:role/secretguard/spoke"},
		{"aws-us-gov", "111122223333", "/secretguard/spoke", "arn:aws-us-gov:iam::111122223333:role/secretguard/spoke"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := RoleARN(tt.partition, tt.account, tt.role); got != tt.want {
				t.Fatalf("RoleARN = %q, want %q", got, tt.want)
			}
		})
	}
}

// stsRecorder proxies to moto and records the RoleArn of every AssumeRole.
type stsRecorder struct {
	mu       sync.Mutex
	roleARNs []string
}

func (r *stsRecorder) start(t *testing.T, target string) string {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") == "AssumeRole" {
			r.mu.Lock()
			r.roleARNs = append(r.roleARNs, form.Get("RoleArn"))
			r.mu.Unlock()
		}
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (r *stsRecorder) arns() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.roleARNs...)
}

func TestRolesOwnAccount(t *testing.T) {
	srv := motoserver.Start(t)
	ctx := testCtx(t)
	base := srv.Config(t, "us-east-1")
	counter := NewCounter()
	roles := NewRoles(base, "test", counter, Budget{})

	for range 2 {
		cfg, err := roles.For(ctx, motoserver.TestAccount, "", "secretguard/spoke")
		if err != nil {
			t.Fatalf("For(own account): %v", err)
		}
		if cfg.Region != "us-east-1" || cfg.Credentials != base.Credentials || len(cfg.APIOptions) != len(base.APIOptions) {
			t.Fatalf("For(own account) did not return base: region %q", cfg.Region)
		}
	}
	other, err := roles.For(ctx, motoserver.TestAccount, "eu-central-1", "secretguard/spoke")
	if err != nil || other.Region != "eu-central-1" || other.Credentials != base.Credentials {
		t.Fatalf("For(own account, other Region) = %q, %v", other.Region, err)
	}
	if got := counter.Counts(); len(got) != 1 || got["sts:GetCallerIdentity"] != 1 {
		t.Fatalf("STS calls = %v, want one GetCallerIdentity", got)
	}

	// With SetSelfAccount, no STS call at all.
	counter.Reset()
	roles = NewRoles(base, "", counter, Budget{})
	roles.SetSelfAccount(motoserver.TestAccount)
	if _, err := roles.For(ctx, "", "us-east-1", ""); err != nil {
		t.Fatalf("For(self): %v", err)
	}
	if counter.Total() != 0 {
		t.Fatalf("calls after SetSelfAccount: %v", counter.Counts())
	}
}

func TestRolesAssume(t *testing.T) {
	srv := motoserver.Start(t)
	const account = "111122223333"
	tests := []struct{ region, wantARN string }{
		{"us-east-1", "arn:aws:iam::111122223333:role/secretguard/spoke"},
		{"cn-north-1", "arn:aws-cn:iam::111122223333:role/secretguard/spoke"},
		{"us-gov-west-1", "arn:aws-us-gov:iam::111122223333:role/secretguard/spoke"},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			ctx := testCtx(t)
			var rec stsRecorder
			base := srv.Config(t, tt.region)
			base.BaseEndpoint = aws.String(rec.start(t, srv.Endpoint))
			baseCreds, err := base.Credentials.Retrieve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			counter := NewCounter()
			roles := NewRoles(base, "secretguard-test", counter, Budget{})
			roles.SetSelfAccount(motoserver.TestAccount)

			// Concurrent first calls share one AssumeRole.
			var wg sync.WaitGroup
			cfgs := make([]aws.Config, 4)
			errs := make([]error, 4)
			for i := range cfgs {
				wg.Go(func() { cfgs[i], errs[i] = roles.For(ctx, account, tt.region, "secretguard/spoke") })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("For #%d: %v", i, err)
				}
			}
			cfg := cfgs[0]
			if got := rec.arns(); len(got) != 1 || got[0] != tt.wantARN {
				t.Fatalf("AssumeRole RoleArn = %v, want [%s]", got, tt.wantARN)
			}
			if counter.Counts()["sts:AssumeRole"] != 1 {
				t.Fatalf("counts after first For = %v, want one AssumeRole", counter.Counts())
			}
			creds, err := cfg.Credentials.Retrieve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if creds.AccessKeyID == baseCreds.AccessKeyID || creds.SessionToken == "" || !creds.CanExpire {
				t.Fatalf("assumed credentials look like base: %+v", creds)
			}

			// moto maps the assumed-role credentials to the target account.
			id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatalf("GetCallerIdentity as role: %v", err)
			}
			if aws.ToString(id.Account) != account || !strings.Contains(aws.ToString(id.Arn), ":assumed-role/spoke/secretguard-test") {
				t.Fatalf("caller = %s %s", aws.ToString(id.Account), aws.ToString(id.Arn))
			}

			// Cached: the second For makes no STS call and hands out the same credentials.
			counter.Reset()
			again, err := roles.For(ctx, account, tt.region, "secretguard/spoke")
			if err != nil {
				t.Fatalf("second For: %v", err)
			}
			creds2, err := again.Credentials.Retrieve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if counter.Total() != 0 || len(rec.arns()) != 1 {
				t.Fatalf("second For made calls: %v", counter.Counts())
			}
			if creds2.AccessKeyID != creds.AccessKeyID {
				t.Fatal("second For returned different credentials")
			}
		})
	}
}

func TestRolesErrors(t *testing.T) {
	var calls atomic.Int64
	denied := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>`+
			`<Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/hub is not authorized to perform: `+
			`sts:AssumeRole on resource: arn:aws:iam::111122223333:role/spoke</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
	}))
	t.Cleanup(denied.Close)
	srv := motoserver.Start(t)
	base := srv.Config(t, "us-east-1")
	base.BaseEndpoint = aws.String(denied.URL)
	roles := NewRoles(base, "", nil, Budget{})
	roles.SetSelfAccount(motoserver.TestAccount)
	ctx := testCtx(t)

	for i := 1; i <= 2; i++ { // failures are not cached
		_, err := roles.For(ctx, "111122223333", "us-east-1", "spoke")
		msg, ok := MissingPermission(err)
		if !ok || msg != "missing permission sts:AssumeRole (AccessDenied)" || calls.Load() != int64(i) {
			t.Fatalf("For #%d: %v (%q, %v), %d STS calls", i, err, msg, ok, calls.Load())
		}
	}
	for _, tt := range []struct{ account, role string }{{"12345", "spoke"}, {"111122223333", ""}} {
		if _, err := roles.For(ctx, tt.account, "us-east-1", tt.role); err == nil {
			t.Fatalf("For(%q, %q) succeeded", tt.account, tt.role)
		}
	}
	noRegion := NewRoles(aws.Config{}, "", nil, Budget{})
	if _, err := noRegion.For(ctx, "111122223333", "", "spoke"); !errors.Is(err, ErrNoRegion) {
		t.Fatalf("For without Region: %v", err)
	}
}
