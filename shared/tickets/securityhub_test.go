package tickets

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// moto has no Security Hub finding updates: the sink is tested against a
// fake at its interface.

func TestSecurityHubLifecycle(t *testing.T) {
	f := &fakeHub{}
	clock := time.Date(2026, 3, 2, 11, 0, 5, 0, time.UTC)
	s := NewSecurityHub("", "", f, "123456789012", "us-east-1", "aws")
	s.Now = func() time.Time { return clock }
	tk := NewTicket(sample(t, "remediation-failed.json"), Options{})
	ctx := ctxT(t)

	created, err := s.Open(ctx, "", tk)
	if err != nil || created != "2026-03-02T11:00:05Z" {
		t.Fatalf("Open = %q, %v", created, err)
	}
	x := f.imports[0].Findings[0]
	wantID := FindingID("111122223333", "eu-west-1", tk.SecretARN, "cmk")
	for name, got := range map[string]string{
		"Id":            aws.ToString(x.Id),
		"ProductArn":    aws.ToString(x.ProductArn),
		"AwsAccountId":  aws.ToString(x.AwsAccountId),
		"SchemaVersion": aws.ToString(x.SchemaVersion),
		"Compliance":    string(x.Compliance.Status),
		"Workflow":      string(x.Workflow.Status),
		"Severity":      string(x.FindingProviderFields.Severity.Label),
		"Resource.Type": aws.ToString(x.Resources[0].Type),
		"Resource.Id":   aws.ToString(x.Resources[0].Id),
		"Resource.Part": string(x.Resources[0].Partition),
		"Region":        aws.ToString(x.Region),
		"GeneratorId":   aws.ToString(x.GeneratorId),
		"Type":          x.Types[0],
	} {
		want := map[string]string{
			"Id": wantID, "ProductArn": "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default",
			"AwsAccountId": "123456789012", "SchemaVersion": "2018-10-08", "Compliance": "FAILED", "Workflow": "NEW",
			"Severity": "HIGH", "Resource.Type": "AwsSecretsManagerSecret", "Resource.Id": tk.SecretARN, "Resource.Part": "aws",
			"Region": "us-east-1", "GeneratorId": "secretguard-cmk", "Type": "Software and Configuration Checks/AWS Security Best Practices",
		}[name]
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if len(aws.ToString(x.Title)) > 256 || len(aws.ToString(x.Description)) > 1024 || x.Remediation == nil ||
		aws.ToString(x.Remediation.Recommendation.Url) != tk.ConsoleURL || aws.ToString(x.Resources[0].Region) != "eu-west-1" {
		t.Errorf("finding %+v", x)
	}

	// Updates replace the same finding, keep CreatedAt and leave the
	// workflow alone.
	clock = clock.Add(time.Hour)
	if _, err := s.Update(ctx, created, tk); err != nil {
		t.Fatal(err)
	}
	u := f.imports[1].Findings[0]
	if aws.ToString(u.Id) != wantID || aws.ToString(u.CreatedAt) != created || aws.ToString(u.UpdatedAt) != "2026-03-02T12:00:05Z" || u.Workflow != nil {
		t.Errorf("update: id %s created %s updated %s workflow %v", aws.ToString(u.Id), aws.ToString(u.CreatedAt), aws.ToString(u.UpdatedAt), u.Workflow)
	}

	// Resolve: PASSED, then Workflow RESOLVED with a note; still one finding.
	if _, err := s.Resolve(ctx, created, tk); err != nil {
		t.Fatal(err)
	}
	if r := f.imports[2].Findings[0]; r.Compliance.Status != shtypes.ComplianceStatusPassed || aws.ToString(r.Id) != wantID {
		t.Errorf("resolve import %+v", r)
	}
	bu := f.updates[0]
	if bu.Workflow.Status != shtypes.WorkflowStatusResolved || aws.ToString(bu.FindingIdentifiers[0].Id) != wantID ||
		aws.ToString(bu.FindingIdentifiers[0].ProductArn) != s.ProductARN() || !strings.Contains(aws.ToString(bu.Note.Text), "Resolved") || len(aws.ToString(bu.Note.Text)) > 512 {
		t.Errorf("BatchUpdateFindings %+v", bu)
	}
	if len(f.findings) != 1 || f.findings[wantID] != "PASSED" {
		t.Errorf("findings %v", f.findings)
	}
}

func TestSecurityHubFailuresAndIDs(t *testing.T) {
	f := &fakeHub{failNext: true}
	s := NewSecurityHub("hub", "", f, "123456789012", "cn-north-1", "aws-cn")
	if _, err := s.Open(ctxT(t), "", NewTicket(sample(t, "needs-attention.json"), Options{})); err == nil {
		t.Error("FailedCount 1: no error")
	}
	if got := s.ProductARN(); got != "arn:aws-cn:securityhub:cn-north-1:123456789012:product/123456789012/default" {
		t.Errorf("ProductARN %s", got)
	}
	a := FindingID("111122223333", "us-east-1", "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf", "cmk")
	if a != FindingID("111122223333", "us-east-1", "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf", "cmk") ||
		a == FindingID("111122223333", "us-east-1", "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf", "unused") ||
		a == FindingID("444455556666", "us-east-1", "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf", "cmk") {
		t.Error("FindingID is not a function of (account, region, secret, check)")
	}
	if asffPartition("aws-iso") != "" || asffPartition("aws-us-gov") != "aws-us-gov" {
		t.Error("asffPartition")
	}
}
