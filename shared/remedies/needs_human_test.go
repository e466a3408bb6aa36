package remedies_test

import (
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/secret"
)

// TestNeedsHuman: where a safe fix is impossible, Plan says so (wrapping
// ErrNeedsHuman, naming what a person must do) and plans nothing unsafe.
func TestNeedsHuman(t *testing.T) {
	const arn = "arn:aws:secretsmanager:us-east-1:" + account + ":secret:app/x-AbCdEf"
	tests := []struct {
		name     string
		remedy   string
		edit     func(*secret.Snapshot, *baseline.Baseline)
		want     string
		partOnly bool // a partial plan comes with the error
	}{
		{name: "owning service", remedy: baseline.RemedyEnableRotation,
			edit: func(s *secret.Snapshot, _ *baseline.Baseline) { s.OwningService = "rds" },
			want: "managed by rds: change its rotation through rds"},
		{name: "owning service schedule", remedy: baseline.RemedyFixSchedule,
			edit: func(s *secret.Snapshot, _ *baseline.Baseline) {
				s.OwningService, s.RotationEnabled, s.RotationRules.AutomaticallyAfterDays = "redshift", true, 365
			}, want: "managed by redshift"},
		{name: "no function for the class", remedy: baseline.RemedyEnableRotation,
			edit: func(s *secret.Snapshot, _ *baseline.Baseline) { s.Name = "api-key/partner" },
			want: "the baseline names no rotation function for class api-key"},
		{name: "no function for the engine", remedy: baseline.RemedyEnableRotation,
			edit: func(s *secret.Snapshot, _ *baseline.Baseline) {
				s.Name, s.Tags = "rds/orders", map[string]string{baseline.EngineTag: "mysql"}
			}, want: `class database (engine tag "mysql", strategy alternating-users)`},
		{name: "stuck AWSPENDING", remedy: baseline.RemedyEnableRotation,
			edit: func(s *secret.Snapshot, _ *baseline.Baseline) {
				s.VersionStages = map[string][]string{"v1": {secret.StageCurrent}, "v2-stuck": {secret.StagePending}}
			}, want: "AWSPENDING is on version v2-stuck"},
		{name: "stuck AWSPENDING schedule", remedy: baseline.RemedyFixSchedule,
			edit: func(s *secret.Snapshot, _ *baseline.Baseline) {
				s.RotationEnabled, s.RotationLambdaARN, s.RotationRules.AutomaticallyAfterDays = true, rotateFn, 365
				s.VersionStages = map[string][]string{"v1": {secret.StageCurrent, secret.StagePrevious}, "v9": {secret.StagePending}}
			}, want: "remove the AWSPENDING label from v9"},
		{name: "managed external secret", remedy: baseline.RemedyEnableRotation,
			edit: func(s *secret.Snapshot, _ *baseline.Baseline) { s.Type = "SalesforceClientCredentials" },
			want: "managed external secret"},
		{name: "unreadable schedule", remedy: baseline.RemedyFixSchedule,
			edit: func(s *secret.Snapshot, _ *baseline.Baseline) {
				s.RotationEnabled, s.RotationRules.ScheduleExpression = true, "cron(nonsense)"
			}, want: "the rotation schedule cannot be read"},
		{name: "key policy lacks ViaService", remedy: baseline.RemedyUseCMK,
			edit: func(_ *secret.Snapshot, b *baseline.Baseline) {
				b.KMS.DefaultKeys = map[string]string{"*": "alias/no-via"}
			},
			want: "does not let account " + account + " use it through Secrets Manager"},
		{name: "customer key already", remedy: baseline.RemedyUseCMK,
			edit: func(s *secret.Snapshot, b *baseline.Baseline) {
				s.KMSKeyID = "arn:aws:kms:us-east-1:" + account + ":key/other"
				b.KMS.AllowedKeys = map[string][]string{"*": {"alias/secretguard"}}
			}, want: "never moves a secret between two customer managed keys"},
		{name: "no default key", remedy: baseline.RemedyUseCMK,
			edit: func(_ *secret.Snapshot, b *baseline.Baseline) { b.KMS.DefaultKeys = nil },
			want: "names no default key for us-east-1"},
		{name: "Region without default key", remedy: baseline.RemedyReplicate,
			edit: func(s *secret.Snapshot, b *baseline.Baseline) {
				s.Tags = map[string]string{"secretguard:replicate-to": "ap-south-1"}
				b.KMS.DefaultKeys = map[string]string{"us-east-1": "alias/secretguard"}
			}, want: "ap-south-1: the baseline names no default key there"},
		{name: "tag value empty", remedy: baseline.RemedyAddTags,
			edit: func(s *secret.Snapshot, _ *baseline.Baseline) {
				s.Tags = map[string]string{"owner": "", "environment": "prod", remedies.RotationStatusTag: "disabled"}
			}, want: "tag owner is present but empty; secretguard never overwrites a value"},
		{name: "tag value empty, others added", remedy: baseline.RemedyAddTags, partOnly: true,
			edit: func(s *secret.Snapshot, _ *baseline.Baseline) { s.Tags = map[string]string{"owner": " "} },
			want: "tag owner is present but empty"},
		{name: "unparseable policy", remedy: baseline.RemedyTightenPolicy,
			edit: func(s *secret.Snapshot, _ *baseline.Baseline) {
				s.ResourcePolicy = `{"Statement":[{"Effect":"Maybe"}]}`
			},
			want: "the resource policy cannot be parsed"},
		{name: "break-glass grant to a foreign account", remedy: baseline.RemedyTightenPolicy, partOnly: true,
			edit: func(s *secret.Snapshot, b *baseline.Baseline) {
				b.BreakGlassRoles = append(b.BreakGlassRoles, "arn:aws:iam::"+foreign+":role/bg")
				s.ResourcePolicy = `{"Statement":[{"Sid":"BG","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + foreign + `:role/bg","*"]},"Action":"*","Resource":"*"}]}`
			}, want: `statement "BGBreakGlass" still grants ` + foreign},
		{name: "replica", remedy: baseline.RemedyAddTags,
			edit: func(s *secret.Snapshot, _ *baseline.Baseline) { s.PrimaryRegion = "eu-west-1" },
			want: "tag the primary in eu-west-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := testBaseline(t)
			s := &secret.Snapshot{Name: "app/x", PolicyKnown: true, ReplicasKnown: true,
				VersionStages: map[string][]string{"v1": {secret.StageCurrent}}}
			if err := s.SetARN(arn); err != nil {
				t.Fatal(err)
			}
			tt.edit(s, b)
			c := dryKMS()
			// alias/no-via names a key whose policy only has the root statement.
			k := c.KMS.(*fakeKMS)
			noVia := "arn:aws:kms:us-east-1:" + account + ":key/no-via"
			k.keys[noVia] = customerKey(noVia)
			k.aliases["alias/no-via"] = noVia
			k.policy[noVia] = keyPolicy(region, false)

			r, _ := remedies.ByID(tt.remedy)
			plan, err := r.Plan(ctxFor(t), c, input(b, s, checks.Finding{}))
			needsHuman(t, err, tt.want)
			if tt.partOnly == plan.Empty() {
				t.Errorf("partial plan expected: %v; calls %+v", tt.partOnly, plan.Calls)
			}
			if reason := remedies.Reason(err); reason == "" || err.Error() != "needs a person: "+reason {
				t.Errorf("Reason %q of %q", reason, err)
			}
		})
	}
}
