package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/dispatch"
	"github.com/secretguard/secretguard/shared/engine"
)

// Change is one Config Rules Compliance Change event, as EventBridge
// delivers it to the remediator.
type Change struct {
	SecretARN, Check, Annotation string
	Event                        json.RawMessage
}

// ComplianceChanges builds one "Config Rules Compliance Change" event per
// NON_COMPLIANT verdict on the given secrets, from
// events/remediator/config-noncompliant.json, ordered by secret and check.
func (l *Lab) ComplianceChanges(v Verdicts, ids []string) ([]Change, error) {
	sample, err := os.ReadFile(filepath.Join(l.Root, "events", "remediator", "config-noncompliant.json"))
	if err != nil {
		return nil, err
	}
	var out []Change
	for _, id := range ids {
		for check, e := range v[id] {
			if e.Compliance != string(checks.NonCompliant) {
				continue
			}
			ev, err := l.complianceChange(sample, e, check)
			if err != nil {
				return nil, err
			}
			out = append(out, Change{SecretARN: id, Check: check, Annotation: e.Annotation, Event: ev})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := SecretName(out[i].SecretARN), SecretName(out[j].SecretARN); a != b {
			return a < b
		}
		return out[i].Check < out[j].Check
	})
	return out, nil
}

func (l *Lab) complianceChange(sample []byte, e Evaluation, check string) (json.RawMessage, error) {
	var ev map[string]any
	if err := json.Unmarshal(sample, &ev); err != nil {
		return nil, fmt.Errorf("events/remediator/config-noncompliant.json: %w", err)
	}
	d, ok := ev["detail"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("events/remediator/config-noncompliant.json: no detail")
	}
	acct, rule, now := l.Target.Account, RuleName(check), time.Now().UTC().Format(time.RFC3339Nano)
	ev["id"], ev["account"], ev["region"], ev["time"] = "lab-"+randomHex(8), acct, Region, now
	d["resourceId"], d["awsAccountId"], d["awsRegion"], d["configRuleName"] = e.ResourceID, acct, Region, rule
	d["configRuleARN"] = fmt.Sprintf("arn:aws:config:%s:%s:config-rule/config-rule-%s", Region, acct, check)
	d["notificationCreationTime"] = now
	newer := map[string]any{
		"evaluationResultIdentifier": map[string]any{
			"evaluationResultQualifier": map[string]any{"configRuleName": rule, "resourceType": e.ResourceType, "resourceId": e.ResourceID, "evaluationMode": "DETECTIVE"},
			"orderingTimestamp":         e.Ordering.Format(time.RFC3339Nano),
		},
		"complianceType": e.Compliance, "resultRecordedTime": now, "configRuleInvokedTime": now, "annotation": e.Annotation,
	}
	d["newEvaluationResult"], d["oldEvaluationResult"] = newer, nil
	return json.Marshal(ev)
}

// Remediate invokes the remediator with one event, as an EventBridge rule
// would, and returns its response; a response that carries an error is
// returned with the error.
func (l *Lab) Remediate(ctx context.Context, event json.RawMessage) (*dispatch.Response, error) {
	return l.dispatch(ctx, "remediator", event)
}

// dispatch invokes a function of shared/dispatch (remediator, workloads)
// with one payload and returns its Response, with its error when it
// carries one.
func (l *Lab) dispatch(ctx context.Context, name string, payload any) (*dispatch.Response, error) {
	f, err := l.Function(name)
	if err != nil {
		return nil, err
	}
	var r dispatch.Response
	if _, err := f.InvokeJSON(ctx, payload, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if r.Error != "" {
		return &r, fmt.Errorf("%s (%s): %s", name, r.Kind, r.Error)
	}
	return &r, nil
}

// TagByHand is a person fixing a finding: it tags the secret at the target
// and returns the CloudTrail event EventBridge would deliver for that call
// (events/remediator/cloudtrail-TagResource.json, aimed at the secret).
func (l *Lab) TagByHand(ctx context.Context, secretARN, key, value string) (json.RawMessage, error) {
	sm := secretsmanager.NewFromConfig(l.Target.Config(Region))
	if _, err := sm.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String(secretARN),
		Tags: []smtypes.Tag{{Key: aws.String(key), Value: aws.String(value)}}}); err != nil {
		return nil, fmt.Errorf("tag %s: %w", SecretName(secretARN), err)
	}
	b, err := os.ReadFile(filepath.Join(l.Root, "events", "remediator", "cloudtrail-TagResource.json"))
	if err != nil {
		return nil, err
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		return nil, err
	}
	d, _ := ev["detail"].(map[string]any)
	if d == nil {
		return nil, fmt.Errorf("cloudtrail-TagResource.json: no detail")
	}
	acct, now := l.Target.Account, time.Now().UTC().Format(time.RFC3339)
	ev["id"], ev["account"], ev["region"], ev["time"] = "lab-"+randomHex(8), acct, Region, now
	d["eventTime"], d["awsRegion"], d["recipientAccountId"], d["eventID"] = now, Region, acct, "lab-"+randomHex(8)
	d["userIdentity"] = map[string]any{"type": "AssumedRole", "arn": "arn:aws:sts::" + acct + ":assumed-role/team-web/alice", "accountId": acct}
	d["requestParameters"] = map[string]any{"secretId": secretARN, "tags": []map[string]string{{"key": key, "value": value}}}
	return json.Marshal(ev)
}

// Act is one thing a reconcile did about one check.
type Act struct {
	Check   string
	Outcome engine.Outcome
	Text    string // the remedy's summary and calls, or why a person is needed
}

// Acted lists what a reconcile did: the checks it remediated, ticketed,
// resolved or failed to fix.
func Acted(r *engine.Result) []Act {
	if r == nil {
		return nil
	}
	var out []Act
	for _, c := range r.Checks {
		switch c.Outcome {
		case engine.OutcomeRemediated, engine.OutcomePending, engine.OutcomeFailed:
			ops := make([]string, len(c.Calls))
			for i, call := range c.Calls {
				ops[i] = call.Operation
			}
			text := fmt.Sprintf("%s [%s]", c.Summary, strings.Join(ops, ", "))
			if c.Outcome == engine.OutcomeFailed {
				text += "; " + c.Why
			}
			out = append(out, Act{c.Check, c.Outcome, text})
		case engine.OutcomeTicketed:
			out = append(out, Act{c.Check, c.Outcome, c.Annotation})
		case engine.OutcomeResolved:
			out = append(out, Act{c.Check, c.Outcome, c.Annotation})
		}
	}
	return out
}
