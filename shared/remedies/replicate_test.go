package remedies_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/remedies"
)

// TestReplicateMoto replicates to the class's Regions, each on its own
// verified key read from moto's KMS. moto creates the replicas but reports
// every replica on aws/secretsmanager whatever KmsKeyId it was sent, so the
// replication check cannot pass against it: the keys are asserted on the
// call here, and TestReplicateFake runs the loop to a passing check.
func TestReplicateMoto(t *testing.T) {
	e := newEnv(t)
	keys := map[string]string{}
	for _, r := range []string{"eu-west-1", "us-west-2"} {
		keys[r] = e.createKey(r, keyPolicy(r, true))
	}
	arn := e.create(&secretsmanager.CreateSecretInput{Name: aws.String("dr/payments")})
	s := e.observe(arn)
	f := e.evaluate(baseline.CheckReplication, s)
	if f.Compliance != checks.NonCompliant || f.Remedy != baseline.RemedyReplicate {
		t.Fatalf("before: %+v", f)
	}
	r, _ := remedies.ByID(f.Remedy)
	plan, err := r.Plan(e.ctx, e.clients(), input(e.b, s, f))
	if err != nil {
		t.Fatal(err)
	}
	in := plan.Calls[0].Input.(*secretsmanager.ReplicateSecretToRegionsInput)
	sent := map[string]string{}
	for _, rr := range in.AddReplicaRegions {
		sent[aws.ToString(rr.Region)] = aws.ToString(rr.KmsKeyId)
	}
	if !reflect.DeepEqual(sent, keys) || in.ForceOverwriteReplicaSecret {
		t.Errorf("sent %v (force %v), want %v and no overwrite", sent, in.ForceOverwriteReplicaSecret, keys)
	}
	if !reflect.DeepEqual(plan.After.Replicas, []string{"eu-west-1", "us-west-2"}) || plan.Undo != nil {
		t.Errorf("after %v undo %+v", plan.After.Replicas, plan.Undo)
	}
	if _, err := remedies.Apply(e.ctx, e.clients(), plan.Calls); err != nil {
		t.Fatal(err)
	}
	after := e.observe(arn)
	var regions []string
	for _, rep := range after.Replicas {
		regions = append(regions, rep.Region)
	}
	if !reflect.DeepEqual(regions, []string{"eu-west-1", "us-west-2"}) {
		t.Errorf("replicas %v", regions)
	}
	if again, err := r.Plan(e.ctx, e.clients(), input(e.b, after, checks.Finding{})); err != nil || !again.Empty() {
		t.Errorf("second plan %+v %v, want empty", again.Calls, err)
	}
}

// TestReplicateFake runs the whole loop against the AWS-like fake, which
// keeps each replica's key (moto does not).
func TestReplicateFake(t *testing.T) {
	ctx := ctxFor(t)
	b := testBaseline(t)
	f := newFake("arn:aws:secretsmanager:us-east-1:" + account + ":secret:dr/x-AbCdEf")
	kmsByRegion := map[string]*fakeKMS{}
	for _, r := range []string{"eu-west-1", "us-west-2"} {
		key := "arn:aws:kms:" + r + ":" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
		k := newFakeKMS(customerKey(key))
		k.aliases["alias/secretguard"] = key
		k.policy[key] = keyPolicy(r, true)
		kmsByRegion[r] = k
	}
	c := remedies.Clients{Secrets: f, KMSFor: func(r string) remedies.KMSAPI { return kmsByRegion[r] }}
	s, _ := f.observe(ctx)
	finding := evaluate(t, b, baseline.CheckReplication, s)
	r, _ := remedies.ByID(finding.Remedy)
	_, after := f.remediate(t, ctx, c, r, input(b, s, finding))
	if got := evaluate(t, b, baseline.CheckReplication, after); got.Compliance != checks.Compliant {
		t.Errorf("after: %+v", got)
	}
	if again, err := r.Plan(ctx, c, input(b, after, checks.Finding{})); err != nil || !again.Empty() {
		t.Errorf("second plan %+v %v", again.Calls, err)
	}
}

// TestReplicatePartialMoto: a Region with no default key is left for a
// person; the others are still planned.
func TestReplicatePartialMoto(t *testing.T) {
	e := newEnv(t)
	e.b.KMS.DefaultKeys = map[string]string{"eu-west-1": "alias/secretguard"}
	e.createKey("eu-west-1", keyPolicy("eu-west-1", true))
	arn := e.create(&secretsmanager.CreateSecretInput{Name: aws.String("dr/orders")})
	s := e.observe(arn)
	r, _ := remedies.ByID(baseline.RemedyReplicate)
	plan, err := r.Plan(e.ctx, e.clients(), input(e.b, s, e.evaluate(baseline.CheckReplication, s)))
	needsHuman(t, err, "us-west-2: the baseline names no default key there")
	if len(plan.Calls) != 1 {
		t.Fatalf("calls %+v", plan.Calls)
	}
	regions := plan.Calls[0].Input.(*secretsmanager.ReplicateSecretToRegionsInput).AddReplicaRegions
	if len(regions) != 1 || aws.ToString(regions[0].Region) != "eu-west-1" {
		t.Errorf("regions %+v, want eu-west-1 only", regions)
	}
	if !strings.Contains(plan.Summary, "left for a person: cannot replicate to us-west-2") {
		t.Errorf("summary %q", plan.Summary)
	}
	if _, err := remedies.Apply(e.ctx, e.clients(), plan.Calls); err != nil {
		t.Fatal(err)
	}
	after := e.observe(arn)
	if f := e.evaluate(baseline.CheckReplication, after); f.Compliance != checks.NonCompliant || !strings.Contains(f.Annotation, "us-west-2") {
		t.Errorf("after: %+v (us-west-2 still missing)", f)
	}
	again, err := r.Plan(e.ctx, e.clients(), input(e.b, after, checks.Finding{}))
	needsHuman(t, err, "us-west-2")
	if !again.Empty() {
		t.Errorf("second plan %+v", again.Calls)
	}
}
