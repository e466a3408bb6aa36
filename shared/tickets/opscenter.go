package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretguard/secretguard/shared/outcome"
)

// OpsCenterAPI is the SSM methods the OpsCenter sink calls (same signatures
// as *ssm.Client).
type OpsCenterAPI interface {
	CreateOpsItem(ctx context.Context, in *ssm.CreateOpsItemInput, optFns ...func(*ssm.Options)) (*ssm.CreateOpsItemOutput, error)
	UpdateOpsItem(ctx context.Context, in *ssm.UpdateOpsItemInput, optFns ...func(*ssm.Options)) (*ssm.UpdateOpsItemOutput, error)
}

// OpsCenter limits and keys.
const (
	opsSource          = "secretguard"
	opsCategory        = "Security"
	opsMaxTitle        = 1024
	opsMaxDescription  = 2048
	opsMaxData         = 20000
	opsKeyDedup        = "/aws/dedup"
	opsKeyResources    = "/aws/resources"
	opsKeyFinding      = "secretguard:finding"
	opsKeyResolution   = "secretguard:resolution"
	opsKeySecret       = "secretguard:secretArn"
	opsKeyCheck        = "secretguard:check"
	opsStatusResolved  = ssmtypes.OpsItemStatusResolved
	opsDedupPrefix     = "secretguard:"
	opsDataSearchable  = ssmtypes.OpsItemDataTypeSearchableString
	opsDataNotSearched = ssmtypes.OpsItemDataTypeString
)

// OpsCenter opens an OpsItem per secret and check in the notifier's own
// account and Region: category Security, severity from the check, the
// secret as related resource, deduplicated by OpsCenter on
// secretguard:<secret ARN>:<check> (a retried create returns the open
// OpsItem). Changes replace the description and the secretguard:finding
// operational data; resolving sets Status Resolved with a
// secretguard:resolution note.
type OpsCenter struct {
	base
	API OpsCenterAPI
}

// NewOpsCenter returns an OpsCenter sink.
func NewOpsCenter(name string, min outcome.Severity, api OpsCenterAPI) *OpsCenter {
	return &OpsCenter{base: newBase(name, "opscenter", min), API: api}
}

// opsSeverity maps a severity to OpsCenter's "1" (critical) to "4" (low).
func opsSeverity(s outcome.Severity) string {
	if r := severityRank(s); r > 0 {
		return fmt.Sprint(5 - r)
	}
	return "3"
}

// DedupString is the OpsCenter deduplication string of a ticket key.
func DedupString(k Key) string { return opsDedupPrefix + k.SecretARN + ":" + k.Check }

func opsData(v any, typ ssmtypes.OpsItemDataType) ssmtypes.OpsItemDataValue {
	b, _ := json.Marshal(v)
	return ssmtypes.OpsItemDataValue{Value: aws.String(truncate(string(b), opsMaxData)), Type: typ}
}

func opsText(s string, typ ssmtypes.OpsItemDataType) ssmtypes.OpsItemDataValue {
	return ssmtypes.OpsItemDataValue{Value: aws.String(truncate(s, opsMaxData)), Type: typ}
}

func (o *OpsCenter) Open(ctx context.Context, _ string, t *Ticket) (string, error) {
	sev := opsSeverity(t.Severity)
	in := &ssm.CreateOpsItemInput{
		Title:       aws.String(truncate(t.Title(), opsMaxTitle)),
		Description: aws.String(truncate(t.Doc(ActionOpen).Text(), opsMaxDescription)),
		Source:      aws.String(opsSource),
		Category:    aws.String(opsCategory),
		Severity:    aws.String(sev),
		Priority:    aws.Int32(int32(max(1, 5-severityRank(t.Severity)))),
		OperationalData: map[string]ssmtypes.OpsItemDataValue{
			opsKeyDedup:     opsData(map[string]string{"dedupString": DedupString(t.Key())}, opsDataSearchable),
			opsKeyResources: opsData([]map[string]string{{"arn": t.SecretARN}}, opsDataSearchable),
			opsKeySecret:    opsText(t.SecretARN, opsDataSearchable),
			opsKeyCheck:     opsText(t.Check, opsDataSearchable),
			opsKeyFinding:   opsData(t, opsDataNotSearched),
		},
	}
	out, err := o.API.CreateOpsItem(ctx, in)
	var exists *ssmtypes.OpsItemAlreadyExistsException
	if errors.As(err, &exists) && aws.ToString(exists.OpsItemId) != "" {
		// An open OpsItem with this dedup string exists (state was lost):
		// adopt it and bring it up to date.
		return o.Update(ctx, aws.ToString(exists.OpsItemId), t)
	}
	if err != nil {
		return "", fmt.Errorf("create OpsItem for %s: %w", t.Key(), err)
	}
	if aws.ToString(out.OpsItemId) == "" {
		return "", fmt.Errorf("create OpsItem for %s: no OpsItem ID returned", t.Key())
	}
	return aws.ToString(out.OpsItemId), nil
}

func (o *OpsCenter) Update(ctx context.Context, ref string, t *Ticket) (string, error) {
	_, err := o.API.UpdateOpsItem(ctx, &ssm.UpdateOpsItemInput{
		OpsItemId:   aws.String(ref),
		Title:       aws.String(truncate(t.Title(), opsMaxTitle)),
		Description: aws.String(truncate(t.Doc(ActionUpdate).Text(), opsMaxDescription)),
		Severity:    aws.String(opsSeverity(t.Severity)),
		OperationalData: map[string]ssmtypes.OpsItemDataValue{
			opsKeyFinding: opsData(t, opsDataNotSearched),
		},
	})
	if err != nil {
		return "", fmt.Errorf("update OpsItem %s for %s: %w", ref, t.Key(), err)
	}
	return ref, nil
}

func (o *OpsCenter) Resolve(ctx context.Context, ref string, t *Ticket) (string, error) {
	_, err := o.API.UpdateOpsItem(ctx, &ssm.UpdateOpsItemInput{
		OpsItemId: aws.String(ref),
		Status:    opsStatusResolved,
		OperationalData: map[string]ssmtypes.OpsItemDataValue{
			opsKeyResolution: opsText(t.Doc(ActionResolve).Text(), opsDataNotSearched),
		},
	})
	if err != nil {
		return "", fmt.Errorf("resolve OpsItem %s for %s: %w", ref, t.Key(), err)
	}
	return ref, nil
}

func (o *OpsCenter) Permissions() []Permission {
	return []Permission{{
		Actions:   []string{"ssm:CreateOpsItem", "ssm:UpdateOpsItem"},
		Resources: []string{"arn:${Partition}:ssm:${Region}:${AccountId}:opsitem/*"},
	}}
}
