package tickets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/secretguard/secretguard/shared/outcome"
)

// SecurityHubAPI is the Security Hub methods the sink calls (same
// signatures as *securityhub.Client).
type SecurityHubAPI interface {
	BatchImportFindings(ctx context.Context, in *securityhub.BatchImportFindingsInput, optFns ...func(*securityhub.Options)) (*securityhub.BatchImportFindingsOutput, error)
	BatchUpdateFindings(ctx context.Context, in *securityhub.BatchUpdateFindingsInput, optFns ...func(*securityhub.Options)) (*securityhub.BatchUpdateFindingsOutput, error)
}

// ASFF limits.
const (
	asffSchema      = "2018-10-08"
	asffMaxTitle    = 256
	asffMaxDesc     = 1024
	asffMaxRemedy   = 512
	asffMaxNote     = 512
	asffMaxField    = 2048
	asffResource    = "AwsSecretsManagerSecret"
	asffTypeConfig  = "Software and Configuration Checks/AWS Security Best Practices"
	asffTypeExposed = "Effects/Data Exposure"
)

// SecurityHub imports one ASFF finding per secret and check. Security Hub
// accepts BatchImportFindings only from the account named in AwsAccountId
// (with the default product), so findings belong to the notifier's own
// Account and Region, with the secret (in any account) as the resource. The
// finding Id is derived from the secret's account, Region, ARN and the
// check, so updates and resolutions replace the one finding: FAILED while
// open, PASSED with Workflow.Status RESOLVED (set through
// BatchUpdateFindings, as BatchImportFindings cannot change the workflow of
// an existing finding) when resolved. A later failure imports FAILED again,
// and Security Hub moves the workflow back to NEW. The ref is the finding's
// CreatedAt, kept across updates.
type SecurityHub struct {
	base
	API       SecurityHubAPI
	Account   string // the notifier's account
	Region    string // the notifier's Region
	Partition string
	Now       func() time.Time
}

// NewSecurityHub returns a Security Hub sink importing into account and
// region.
func NewSecurityHub(name string, min outcome.Severity, api SecurityHubAPI, account, region, partition string) *SecurityHub {
	return &SecurityHub{base: newBase(name, "securityhub", min), API: api, Account: account, Region: region, Partition: partition, Now: time.Now}
}

// ProductARN is the default product of the notifier's account.
func (s *SecurityHub) ProductARN() string {
	return fmt.Sprintf("arn:%s:securityhub:%s:%s:product/%s/default", s.Partition, s.Region, s.Account, s.Account)
}

// FindingID is the deterministic finding Id of a secret and check.
func FindingID(account, region, secretARN, check string) string {
	h := sha256.Sum256([]byte(account + "\x00" + region + "\x00" + secretARN + "\x00" + check))
	return fmt.Sprintf("secretguard/%s/%s/%s/%s", account, region, check, hex.EncodeToString(h[:16]))
}

func (s *SecurityHub) finding(t *Ticket, createdAt string, passed bool) shtypes.AwsSecurityFinding {
	now := s.Now().UTC().Format(time.RFC3339Nano)
	if createdAt == "" {
		createdAt = now
	}
	status, action := shtypes.ComplianceStatusFailed, ActionUpdate
	if passed {
		status, action = shtypes.ComplianceStatusPassed, ActionResolve
	}
	typ := asffTypeConfig
	if t.Check == RevokedCheck {
		typ = asffTypeExposed
	}
	sev := shtypes.SeverityLabel(t.Severity)
	observed := t.Time.UTC().Format(time.RFC3339Nano)
	f := shtypes.AwsSecurityFinding{
		SchemaVersion:  aws.String(asffSchema),
		Id:             aws.String(FindingID(t.AccountID, t.Region, t.SecretARN, t.Check)),
		ProductArn:     aws.String(s.ProductARN()),
		GeneratorId:    aws.String("secretguard-" + t.Check),
		AwsAccountId:   aws.String(s.Account),
		Region:         aws.String(s.Region),
		CompanyName:    aws.String("secretguard"),
		ProductName:    aws.String("secretguard"),
		Types:          []string{typ},
		CreatedAt:      aws.String(createdAt),
		UpdatedAt:      aws.String(now),
		LastObservedAt: aws.String(observed),
		Severity:       &shtypes.Severity{Label: sev, Original: aws.String(string(t.Severity))},
		FindingProviderFields: &shtypes.FindingProviderFields{
			Severity: &shtypes.FindingProviderSeverity{Label: sev, Original: aws.String(string(t.Severity))},
			Types:    []string{typ},
		},
		Title:       aws.String(truncate(t.Title(), asffMaxTitle)),
		Description: aws.String(truncate(t.Doc(action).Text(), asffMaxDesc)),
		Compliance:  &shtypes.Compliance{Status: status},
		RecordState: shtypes.RecordStateActive,
		Resources: []shtypes.Resource{{
			Type:      aws.String(asffResource),
			Id:        aws.String(t.SecretARN),
			Region:    aws.String(t.Region),
			Partition: asffPartition(t.Partition),
			Details: &shtypes.ResourceDetails{AwsSecretsManagerSecret: &shtypes.AwsSecretsManagerSecretDetails{
				Name: aws.String(t.SecretName),
			}},
		}},
		ProductFields: map[string]string{
			"secretguard/check":      t.Check,
			"secretguard/eventId":    t.EventID,
			"secretguard/detailType": t.DetailType,
			"secretguard/accountId":  t.AccountID,
		},
	}
	if t.Owner != "" {
		f.ProductFields["secretguard/owner"] = truncate(t.Owner, asffMaxField)
	}
	if t.ConsoleURL != "" {
		f.SourceUrl = aws.String(t.ConsoleURL)
	}
	if rec := first(t.Fix, t.Annotation); rec != "" && !passed {
		f.Remediation = &shtypes.Remediation{Recommendation: &shtypes.Recommendation{Text: aws.String(truncate(rec, asffMaxRemedy))}}
		if t.ConsoleURL != "" {
			f.Remediation.Recommendation.Url = aws.String(t.ConsoleURL)
		}
	}
	return f
}

// asffPartition is the ASFF partition, empty for one ASFF does not list.
func asffPartition(p string) shtypes.Partition {
	for _, v := range shtypes.Partition("").Values() {
		if string(v) == p {
			return v
		}
	}
	return ""
}

func (s *SecurityHub) importFinding(ctx context.Context, f shtypes.AwsSecurityFinding) error {
	out, err := s.API.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{f}})
	if err != nil {
		return fmt.Errorf("import finding %s: %w", aws.ToString(f.Id), err)
	}
	if aws.ToInt32(out.FailedCount) > 0 || len(out.FailedFindings) > 0 {
		msg := "failed"
		if len(out.FailedFindings) > 0 {
			ff := out.FailedFindings[0]
			msg = aws.ToString(ff.ErrorCode) + ": " + aws.ToString(ff.ErrorMessage)
		}
		return fmt.Errorf("import finding %s: %s", aws.ToString(f.Id), msg)
	}
	return nil
}

func (s *SecurityHub) Open(ctx context.Context, prev string, t *Ticket) (string, error) {
	f := s.finding(t, prev, false)
	if prev == "" {
		f.Workflow = &shtypes.Workflow{Status: shtypes.WorkflowStatusNew}
	}
	if err := s.importFinding(ctx, f); err != nil {
		return "", err
	}
	return aws.ToString(f.CreatedAt), nil
}

func (s *SecurityHub) Update(ctx context.Context, ref string, t *Ticket) (string, error) {
	f := s.finding(t, ref, false)
	if err := s.importFinding(ctx, f); err != nil {
		return "", err
	}
	return aws.ToString(f.CreatedAt), nil
}

func (s *SecurityHub) Resolve(ctx context.Context, ref string, t *Ticket) (string, error) {
	f := s.finding(t, ref, true)
	if err := s.importFinding(ctx, f); err != nil {
		return "", err
	}
	out, err := s.API.BatchUpdateFindings(ctx, &securityhub.BatchUpdateFindingsInput{
		FindingIdentifiers: []shtypes.AwsSecurityFindingIdentifier{{Id: f.Id, ProductArn: f.ProductArn}},
		Workflow:           &shtypes.WorkflowUpdate{Status: shtypes.WorkflowStatusResolved},
		Note: &shtypes.NoteUpdate{
			Text:      aws.String(truncate(t.Doc(ActionResolve).Text(), asffMaxNote)),
			UpdatedBy: aws.String("secretguard"),
		},
	})
	if err != nil {
		return "", fmt.Errorf("resolve finding %s: %w", aws.ToString(f.Id), err)
	}
	if len(out.UnprocessedFindings) > 0 {
		u := out.UnprocessedFindings[0]
		return "", fmt.Errorf("resolve finding %s: %s: %s", aws.ToString(f.Id), aws.ToString(u.ErrorCode), aws.ToString(u.ErrorMessage))
	}
	return aws.ToString(f.CreatedAt), nil
}

func (s *SecurityHub) Permissions() []Permission {
	return []Permission{
		{Actions: []string{"securityhub:BatchImportFindings"}, Resources: []string{"arn:${Partition}:securityhub:${Region}:${AccountId}:product/${AccountId}/default"}},
		{Actions: []string{"securityhub:BatchUpdateFindings"}, Resources: []string{"arn:${Partition}:securityhub:${Region}:${AccountId}:hub/default"}},
	}
}
