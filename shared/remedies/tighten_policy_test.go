package remedies_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/remedies"
)

const publicPolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"Team","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"},
 {"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"},
 {"Sid":"Partner","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + foreign + `:root","arn:aws:iam::` + allowed + `:root"]},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`

func (e *env) putPolicy(arn, doc string) {
	e.t.Helper()
	if _, err := e.sm.PutResourcePolicy(e.ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn), ResourcePolicy: aws.String(doc)}); err != nil {
		e.t.Fatalf("PutResourcePolicy: %v", err)
	}
}

func TestTightenPolicyMoto(t *testing.T) {
	e := newEnv(t)
	arn := e.create(&secretsmanager.CreateSecretInput{Name: aws.String("app/shared")})
	e.putPolicy(arn, publicPolicy)

	plan, after := e.remediate(arn, baseline.CheckNoPublicPolicy, remedies.Hints{})
	want := canonical(t, `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Team","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+account+`:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"},
	 {"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"`+org+`"}}},
	 {"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+allowed+`:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)
	if got := canonical(t, after.ResourcePolicy); got != want {
		t.Errorf("policy\n got %s\nwant %s", got, want)
	}
	put := plan.Calls[0].Input.(*secretsmanager.PutResourcePolicyInput)
	if !aws.ToBool(put.BlockPublicPolicy) {
		t.Error("PutResourcePolicy without BlockPublicPolicy")
	}
	undo := plan.Undo[0].Input.(*secretsmanager.PutResourcePolicyInput)
	if aws.ToString(undo.ResourcePolicy) != publicPolicy || aws.ToBool(undo.BlockPublicPolicy) {
		t.Errorf("undo %+v: want the old document verbatim, BlockPublicPolicy false", undo)
	}
	if !strings.Contains(plan.Summary, `restricted statement "Everyone" to organisation`) || plan.Before.ResourcePolicy != publicPolicy {
		t.Errorf("summary %q before %q", plan.Summary, plan.Before.ResourcePolicy)
	}
	if _, err := remedies.Apply(e.ctx, e.clients(), plan.Undo); err != nil {
		t.Fatal(err)
	}
	if got := e.observe(arn).ResourcePolicy; got != publicPolicy {
		t.Errorf("after undo: %s", got)
	}
}

// TestTightenPolicyDeletesMoto: with no organisation known, a policy whose
// only statement is public ends up empty and is deleted.
func TestTightenPolicyDeletesMoto(t *testing.T) {
	e := newEnv(t)
	e.b.Organization.ID = ""
	arn := e.create(&secretsmanager.CreateSecretInput{Name: aws.String("app/open")})
	e.putPolicy(arn, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)

	plan, after := e.remediate(arn, baseline.CheckNoPublicPolicy, remedies.Hints{})
	if len(plan.Calls) != 1 || plan.Calls[0].Operation != "DeleteResourcePolicy" {
		t.Errorf("calls %+v, want DeleteResourcePolicy", plan.Calls)
	}
	if after.ResourcePolicy != "" {
		t.Errorf("policy left: %s", after.ResourcePolicy)
	}
}

// TestTightenPolicyBlockPublicPolicy uses the fake, which enforces
// BlockPublicPolicy as AWS does (moto accepts anything): the tightened
// policy is accepted with it, the original would not be.
func TestTightenPolicyBlockPublicPolicy(t *testing.T) {
	ctx := ctxFor(t)
	b := testBaseline(t)
	f := newFake("arn:aws:secretsmanager:us-east-1:" + account + ":secret:app/x-AbCdEf")
	f.policy = publicPolicy
	s, err := f.observe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := remedies.ByID(baseline.RemedyTightenPolicy)
	c := remedies.Clients{Secrets: f}
	plan, after := f.remediate(t, ctx, c, r, input(b, s, evaluate(t, b, baseline.CheckNoPublicPolicy, s)))
	if got := evaluate(t, b, baseline.CheckNoPublicPolicy, after); got.Compliance != checks.Compliant {
		t.Errorf("after: %+v", got)
	}
	// The same call with the original document is refused.
	put := *plan.Calls[0].Input.(*secretsmanager.PutResourcePolicyInput)
	put.ResourcePolicy = aws.String(publicPolicy)
	done, err := remedies.Apply(ctx, c, []remedies.Call{{Service: "secretsmanager", Operation: "PutResourcePolicy", Input: &put}})
	if err == nil || len(done) != 1 || !strings.Contains(done[0].Outcome, "PublicPolicyException") {
		t.Errorf("public policy with BlockPublicPolicy: %v %+v", err, done)
	}
}
