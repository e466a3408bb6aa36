package checks

import (
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/credscan"
	"github.com/secretguard/secretguard/shared/workload"
)

// noPlaintextLambdaEnv: no Lambda environment variable holds a credential.
type noPlaintextLambdaEnv struct{}

func (noPlaintextLambdaEnv) ID() string { return baseline.CheckNoPlaintextLambdaEnv }
func (noPlaintextLambdaEnv) Doc() string {
	return "No environment variable of a Lambda function holds a credential (keys, tokens, passwords, connection strings with passwords); credentials live in Secrets Manager."
}
func (noPlaintextLambdaEnv) ResourceType() string         { return workload.TypeFunction }
func (noPlaintextLambdaEnv) Needs() workload.AccountNeeds { return workload.AccountNeeds{} }
func (noPlaintextLambdaEnv) IAMActions() []string {
	return []string{"lambda:ListFunctions", "lambda:GetFunction", "lambda:ListTags"}
}

// maxHitsShown bounds the variables an annotation names.
const maxHitsShown = 3

func (c noPlaintextLambdaEnv) Evaluate(in ResourceInput) Finding {
	r, f := in.Resource, in.Resource.Function
	switch {
	case f == nil:
		return finding(c.ID(), NotApplicable, "", "No function configuration was observed.")
	case len(f.Env) == 0 && f.EnvError != "":
		return finding(c.ID(), NotApplicable, "", "Lambda could not read the environment (%s); let the function decrypt it to evaluate.", clip(f.EnvError, 64))
	case len(f.Env) == 0:
		return finding(c.ID(), Compliant, "", "No environment variables.")
	}
	allowed := plaintextAllowed(in.Baseline, r.Name, r.ARN)
	hits := credscan.Scan(f.Env, func(name string) bool { return allowed(name) })
	if len(hits) == 0 {
		return finding(c.ID(), Compliant, "", "%s, none holds a credential.", plural(len(f.Env), "environment variable"))
	}
	return finding(c.ID(), NonCompliant, "", "%s %s a credential: %s. Move each to a Secrets Manager secret read at run time; false positives go in plaintext.allow.",
		plural(len(hits), "variable"), holds(len(hits)), credscan.Describe(hits, maxHitsShown))
}

func holds(n int) string {
	if n == 1 {
		return "holds"
	}
	return "hold"
}

func (noPlaintextLambdaEnv) Fix(r *workload.Resource) string {
	fn := r.Name
	return "For each variable the finding names: " +
		"(1) create a secret from its value without putting the value in a ticket or a shell history: aws secretsmanager create-secret --name " + fn + "/<VARIABLE> --secret-string file://<file holding the value>; " +
		"(2) grant the function's execution role secretsmanager:GetSecretValue on that secret (and kms:Decrypt on its key if it is a customer managed key); " +
		"(3) read it at run time with a Secrets Manager caching client or the AWS Parameters and Secrets Lambda Extension, given the secret's ARN in a variable such as <VARIABLE>_SECRET_ARN; " +
		"(4) aws lambda update-function-configuration --function-name " + fn + " --environment with the plaintext variable removed (the call replaces the whole environment: pass every other variable); " +
		"(5) rotate the credential: everyone who could read the function's configuration has seen it."
}
