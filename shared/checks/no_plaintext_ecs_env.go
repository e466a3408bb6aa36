package checks

import (
	"fmt"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/credscan"
	"github.com/secretguard/secretguard/shared/workload"
)

// noPlaintextECSEnv: no container environment entry of a task definition
// holds a credential (its secrets entries are what the check wants).
type noPlaintextECSEnv struct{}

func (noPlaintextECSEnv) ID() string { return baseline.CheckNoPlaintextECSEnv }
func (noPlaintextECSEnv) Doc() string {
	return "No container environment entry of an ECS task definition holds a credential; credentials come from Secrets Manager through the container's secrets."
}
func (noPlaintextECSEnv) ResourceType() string         { return workload.TypeTaskDefinition }
func (noPlaintextECSEnv) Needs() workload.AccountNeeds { return workload.AccountNeeds{} }
func (noPlaintextECSEnv) IAMActions() []string {
	return []string{"ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition"}
}

func (c noPlaintextECSEnv) Evaluate(in ResourceInput) Finding {
	r, td := in.Resource, in.Resource.TaskDefinition
	if td == nil {
		return finding(c.ID(), NotApplicable, "", "The task definition could not be read: %s", problemText(r))
	}
	if r.Problem != "" {
		return finding(c.ID(), NotApplicable, "", "Not fully evaluated: %s.", clip(r.Problem, 160))
	}
	family := td.Family
	allowed := plaintextAllowed(in.Baseline, r.ARN, r.Name, family)
	var hits []credscan.Hit
	vars := 0
	for _, ct := range td.Containers {
		vars += len(ct.Env)
		for _, v := range ct.Env {
			qualified := ct.Name + "/" + v.Name
			if allowed(v.Name, qualified) {
				continue
			}
			if k, ok := credscan.Detect(v.Name, v.Value); ok {
				hits = append(hits, credscan.Hit{Name: qualified, Kind: k})
			}
		}
	}
	if len(hits) == 0 {
		return finding(c.ID(), Compliant, "", "%s in %s, none holds a credential.", plural(vars, "environment entry"), plural(len(td.Containers), "container"))
	}
	return finding(c.ID(), NonCompliant, "", "%s %s a credential: %s. Move each to a Secrets Manager secret referenced from the container's secrets; false positives go in plaintext.allow.",
		plural(len(hits), "entry"), holds(len(hits)), credscan.Describe(hits, maxHitsShown-1))
}

// problemText says what could not be read about a resource.
func problemText(r *workload.Resource) string {
	if r.Problem == "" {
		return "no detail."
	}
	return clip(r.Problem, 160)
}

func (noPlaintextECSEnv) Fix(r *workload.Resource) string {
	family := r.Name
	if r.TaskDefinition != nil {
		family = r.TaskDefinition.Family
	}
	return fmt.Sprintf("For each container/VARIABLE the finding names: "+
		"(1) create a secret from its value without putting the value in a ticket: aws secretsmanager create-secret --name %s/<VARIABLE> --secret-string file://<file holding the value>; "+
		"(2) in the container definition, remove the entry from environment and add it to secrets: {\"name\": \"<VARIABLE>\", \"valueFrom\": \"<secret ARN>\"} (ECS injects it as the same variable); "+
		"(3) grant the task execution role secretsmanager:GetSecretValue on the secret (and kms:Decrypt on its key if it is a customer managed key); "+
		"(4) aws ecs register-task-definition with the changed definition, update the services to the new revision, then aws ecs deregister-task-definition --task-definition %s (and older revisions that carry the value); "+
		"(5) rotate the credential: everyone who could describe the task definition has seen it.", family, r.ARN)
}
