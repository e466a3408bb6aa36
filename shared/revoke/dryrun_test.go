package revoke

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/outcome"
)

// writes are the operations that change something; in dry-run each must be
// listed with its parameters and outcome "dry-run".
var writes = map[string]bool{
	"PutResourcePolicy": true, "DeleteResourcePolicy": true, "RotateSecret": true, "ModifyDBInstance": true,
	"ModifyDBCluster": true, "PutRolePolicy": true, "PutEvents": true,
}

func TestDryRunChangesNothing(t *testing.T) {
	e := newEnv(t)
	a := e.secret("prod/payments/db", origPolicy, true, map[string]string{baseline.StrategyTag: baseline.StrategyAlternatingUsers})
	b := e.secret("prod/payments/legacy", "", false, nil)
	stagesA, stagesB := e.snap(a).VersionStages, e.snap(b).VersionStages
	trail := &fakeTrail{events: []cttypes.Event{readEvent(a, "arn:aws:iam::123456789012:role/app-reader", "app-reader", "", time.Now())}}
	rep, err := e.runner(trail).Run(e.ctx, Request{Secrets: []string{a, b}, Reason: "drill", IncidentID: "DRILL-1", DryRun: true, RevokeSessions: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || !strings.HasPrefix(rep.Summary, "DRY RUN incident DRILL-1: 2 secret(s); nothing changed") || !strings.Contains(rep.Summary, "1 cannot be rotated") {
		t.Errorf("summary %q", rep.Summary)
	}
	// Every write is listed, with its parameters, and none was made.
	got := map[string][]outcome.Call{}
	for _, s := range rep.Secrets {
		if s.Status != StatusDryRun || !strings.HasPrefix(s.Headline, "DRY RUN, nothing changed: would cut access") {
			t.Errorf("%s: %s %q", s.SecretName, s.Status, s.Headline)
		}
		for _, st := range s.Steps {
			for _, c := range st.Calls {
				if writes[c.Operation] {
					if c.Outcome != OutcomeDryRun || len(c.Params) == 0 {
						t.Errorf("%s %s: outcome %q params %s", s.SecretName, c.Operation, c.Outcome, c.Params)
					}
					got[s.SecretName+" "+c.Operation] = append(got[s.SecretName+" "+c.Operation], c)
				}
			}
		}
	}
	param := func(c outcome.Call, k string) any {
		var m map[string]any
		_ = json.Unmarshal(c.Params, &m)
		return m[k]
	}
	puts := got["prod/payments/db PutResourcePolicy"]
	if len(puts) != 2 || !strings.Contains(param(puts[0], "ResourcePolicy").(string), DenySid("DRILL-1")) ||
		param(puts[0], "BlockPublicPolicy") != true || param(puts[1], "ResourcePolicy") != origPolicy {
		t.Errorf("policy calls for the rotating secret: %+v", puts)
	}
	assertDeny(t, param(puts[0], "ResourcePolicy").(string), "DRILL-1", motoCaller, rotRole)
	if rots := got["prod/payments/db RotateSecret"]; len(rots) != 2 || param(rots[0], "ClientRequestToken") == param(rots[1], "ClientRequestToken") ||
		param(rots[0], "RotateImmediately") != true {
		t.Errorf("alternating users: want two RotateSecret calls, got %+v", rots)
	}
	if r := got["prod/payments/db PutRolePolicy"]; len(r) != 1 || param(r[0], "RoleName") != "app-reader" || param(r[0], "PolicyName") != RevokeSessionsPolicyName {
		t.Errorf("PutRolePolicy: %+v", r)
	}
	if len(got["prod/payments/legacy PutResourcePolicy"]) != 1 || len(got["prod/payments/legacy RotateSecret"]) != 0 || len(got["prod/payments/db PutEvents"]) != 1 {
		t.Errorf("calls: %v", keys(got))
	}

	// Nothing changed on moto.
	if e.policy(a) != origPolicy || e.policy(b) != "" || !sameStages(e.snap(a).VersionStages, stagesA) || !sameStages(e.snap(b).VersionStages, stagesB) {
		t.Error("dry-run changed a secret")
	}
	if n := e.itemCount(); n != 0 {
		t.Errorf("dry-run wrote %d state item(s)", n)
	}
	if _, ok := e.rolePolicy("app-reader"); ok || len(e.events()) != 0 || len(e.fake.tokens()) != 0 {
		t.Error("dry-run revoked sessions, sent an event or rotated")
	}

	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(text.String(), "\n")
	if first != rep.Summary || !strings.Contains(text.String(), `secretsmanager:RotateSecret {"ClientRequestToken":`) {
		t.Errorf("text report:\n%s", text.String())
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sameStages(a, b map[string][]string) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
