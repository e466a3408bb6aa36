package revoke

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/resourcepolicy"
	"github.com/secretguard/secretguard/shared/secret"
)

func ExampleDenySid() {
	fmt.Println(DenySid("INC42"))
	fmt.Println(DenySid("INC-42"))
	// Output:
	// SecretguardRevokeINC42
	// SecretguardRevokeINC423fa6627d
}

func ExampleDecodeRequest() {
	req, err := DecodeRequest([]byte(`{"secrets":["prod/db","prod/db"],"reason":"leaked","incidentId":"INC-1","dryRun":true}`), 0)
	fmt.Println(req.Secrets, req.DryRun, err)
	_, err = DecodeRequest([]byte(`{"secrets":["prod/db"],"incidentId":"INC-1"}`), 0)
	fmt.Println(err)
	// Output:
	// [prod/db] true <nil>
	// invalid revoke request: reason is required: say why access is revoked
}

func TestDenySidIsValidAndDistinct(t *testing.T) {
	sid := regexp.MustCompile(`^[A-Za-z0-9]+$`)
	seen := map[string]string{}
	for _, id := range []string{"INC1", "INC-1", "INC_1", "inc.1", "a"} {
		s := DenySid(id)
		if !sid.MatchString(s) {
			t.Errorf("DenySid(%q) = %q: a Sid allows letters and digits only", id, s)
		}
		if prev, dup := seen[s]; dup {
			t.Errorf("DenySid(%q) = DenySid(%q) = %q", id, prev, s)
		}
		seen[s] = id
	}
}

func TestPolicyMerge(t *testing.T) {
	st := denyStatement("SecretguardRevokeX", []string{"arn:aws:iam::123456789012:role/a"})
	tests := []struct {
		name, doc string
		wantN     int
		wantNote  bool
	}{
		{"none", "", 1, false},
		{"statement as object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}}`, 2, false},
		{"unparseable", `{"Version":"2012-10-17","Statement":[],"Extra":1}`, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			merged, note, err := withDeny(tc.doc, st)
			if err != nil {
				t.Fatal(err)
			}
			p, err := resourcepolicy.Parse(merged)
			if err != nil || len(p.Statements) != tc.wantN || (note != "") != tc.wantNote || !hasStatement(merged, st.Sid) {
				t.Fatalf("merged %s (%v), note %q", merged, err, note)
			}
			back, empty, err := withoutStatement(merged, st.Sid)
			if err != nil || empty != (tc.wantN == 1) || hasStatement(back, st.Sid) {
				t.Errorf("without: %q empty=%v err=%v", back, empty, err)
			}
		})
	}
	if !samePolicy(`{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`, `{ "Statement" : {"Effect":"Deny","Action":["*"],"Resource":["*"]} }`) {
		t.Error("samePolicy: reformatting is not a change")
	}
}

func TestRotationTokenAndStages(t *testing.T) {
	a, b := rotationToken("INC-1", "arn:x", 0, 0), rotationToken("INC-1", "arn:x", 1, 0)
	if a == b || a != rotationToken("INC-1", "arn:x", 0, 0) || len(a) != 36 || a == rotationToken("INC-1", "arn:x", 0, 1) {
		t.Errorf("tokens %s %s", a, b)
	}
	s := &secret.Snapshot{VersionStages: map[string][]string{"new": {"AWSCURRENT", "AWSPENDING"}, "old": {"AWSPREVIOUS"}}}
	if p := strayPending(s); len(p) != 0 || current(s) != "new" {
		t.Errorf("AWSPENDING on the AWSCURRENT version is a finished rotation: %v", p)
	}
	s.VersionStages["next"] = []string{"AWSPENDING"}
	if p := strayPending(s); !slices.Equal(p, []string{"next"}) {
		t.Errorf("strayPending = %v", p)
	}
}

func TestTrailEventAbout(t *testing.T) {
	s := &secret.Snapshot{ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf", Name: "prod/db"}
	for id, want := range map[string]bool{
		s.ARN: true, "prod/db": true, "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db": true,
		"prod/db2": false, "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod": false, "": false,
	} {
		te := trailEvent{secretID: id}
		if got := te.about(s); got != want {
			t.Errorf("secretId %q: about = %v", id, got)
		}
	}
	if te := (trailEvent{resources: []string{s.ARN}}); !te.about(s) {
		t.Error("an event whose resources name the secret is about it")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want string // "" for valid
	}{
		{"dedupe", Request{Secrets: []string{" a ", "a", "b"}, Reason: "r", IncidentID: "i"}, ""},
		{"empty tag key", Request{TagFilter: map[string]string{"": "x"}, Reason: "r", IncidentID: "i"}, "keys are 1-128"},
		{"lookback", Request{Secrets: []string{"a"}, Reason: "r", IncidentID: "i", LookbackHours: 3000}, "lookbackHours 3000"},
		{"timeout", Request{Secrets: []string{"a"}, Reason: "r", IncidentID: "i", RotationTimeoutSeconds: -1}, "rotationTimeoutSeconds -1"},
		{"name with colon", Request{Secrets: []string{"a:b"}, Reason: "r", IncidentID: "i"}, "neither a secret name nor a secret ARN"},
		{"wildcard break-glass", Request{Secrets: []string{"a"}, Reason: "r", IncidentID: "i", BreakGlassRole: "arn:aws:iam::123456789012:role/*"}, "not an IAM role ARN"},
		{"every problem at once", Request{}, "reason is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.req.Validate(0)
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	r := Request{Secrets: []string{" a ", "a", "b"}, Reason: "r", IncidentID: "i"}
	_ = r.Validate(0)
	if !slices.Equal(r.Secrets, []string{"a", "b"}) {
		t.Errorf("secrets %v", r.Secrets)
	}
	all := (&Request{}).Validate(0).Error()
	if !strings.Contains(all, "incidentId is required") || !strings.Contains(all, "name the secrets") {
		t.Errorf("not every problem reported: %s", all)
	}
}

func TestIAMActions(t *testing.T) {
	for _, a := range []string{"secretsmanager:PutResourcePolicy", "secretsmanager:RotateSecret", "lambda:InvokeFunction",
		"iam:PutRolePolicy", "iam:GetRole", "cloudtrail:LookupEvents", "events:PutEvents", "dynamodb:PutItem", "rds:ModifyDBInstance"} {
		if !slices.Contains(IAMActions, a) {
			t.Errorf("IAMActions lacks %s", a)
		}
	}
	if slices.Contains(IAMActions, "secretsmanager:GetSecretValue") {
		t.Error("the revoker never reads secret values")
	}
}
