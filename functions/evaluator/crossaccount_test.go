package main

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secretguard/secretguard/shared/awsenv"
)

// TestCrossAccount: an event of another account is observed and put
// through the spoke role RoleARN(partition, account, role), assumed on
// moto's STS. moto keys state by account, so the spoke's secrets are
// created with the assumed credentials and are the only ones the sweep
// may see.
func TestCrossAccount(t *testing.T) {
	e := newEnv(t)
	spokeARNs := createSecrets(t, e.spokeConfig(t), "team-a", 3, nil)
	createSecrets(t, e.base, "hub-own", 2, nil) // must not appear

	for _, sample := range []string{"scheduled-cross-account.json", "change-cross-account.json"} {
		t.Run(sample, func(t *testing.T) {
			e.config.calls, e.configCfgs, e.secretCfgs = nil, nil, nil
			payload := sampleWith(t, sample, func(top, invoking, params map[string]any) {
				params["check"] = "cmk"
				if ci, ok := invoking["configurationItem"].(map[string]any); ok {
					ci["ARN"], ci["resourceId"] = spokeARNs[0], spokeARNs[0]
				}
			})
			res, err := e.invoke(t, payload, timeout)
			if err != nil {
				t.Fatal(err)
			}
			want := spokeARNs
			if strings.HasPrefix(sample, "change") {
				want = spokeARNs[:1]
			}
			got := ids(e.config.evaluations())
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("evaluated %v, want the spoke's %v", got, want)
			}
			if res.Account != spoke || res.Evaluated != len(want) {
				t.Fatalf("result %+v", res)
			}
			// Both clients got the assumed config, not the function's own.
			if len(e.configCfgs) != 1 || len(e.secretCfgs) != 1 {
				t.Fatalf("%d Config and %d Secrets Manager configs", len(e.configCfgs), len(e.secretCfgs))
			}
			wantRole := awsenv.RoleARN(awsenv.Partition(region), spoke, DefaultSpokeRole)
			for _, cfg := range []aws.Config{e.configCfgs[0], e.secretCfgs[0]} {
				id, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
				if err != nil {
					t.Fatal(err)
				}
				// arn:aws:sts::<account>:assumed-role/<role>/<session>
				if aws.ToString(id.Account) != spoke || !strings.Contains(aws.ToString(id.Arn), ":assumed-role/"+DefaultSpokeRole+"/") {
					t.Fatalf("client config is %s (%s), want a session of %s", aws.ToString(id.Arn), aws.ToString(id.Account), wantRole)
				}
			}
		})
	}
	// The role was assumed once: Roles caches it across invocations.
	if n := e.counter.Counts()["sts:AssumeRole"]; n != 1 {
		t.Fatalf("%d AssumeRole calls for two invocations, want 1", n)
	}
}
