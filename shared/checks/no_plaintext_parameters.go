package checks

import (
	"fmt"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/credscan"
	"github.com/secretguard/secretguard/shared/workload"
)

// noPlaintextParameters: no SSM String or StringList parameter holds a
// credential. SecureString parameters are judged by name only (their values
// are never read): one that holds database credentials gets an advisory to
// move to Secrets Manager, which rotates them.
type noPlaintextParameters struct{}

func (noPlaintextParameters) ID() string { return baseline.CheckNoPlaintextParams }
func (noPlaintextParameters) Doc() string {
	return "No SSM String or StringList parameter holds a credential by its name or value; SecureString parameters named for database credentials get an advisory to move to Secrets Manager for rotation."
}
func (noPlaintextParameters) ResourceType() string { return workload.TypeAccount }
func (noPlaintextParameters) Needs() workload.AccountNeeds {
	return workload.AccountNeeds{Parameters: true}
}
func (noPlaintextParameters) IAMActions() []string {
	return []string{"ssm:DescribeParameters", "ssm:GetParameters"}
}

func (c noPlaintextParameters) Evaluate(in ResourceInput) Finding {
	r, a := in.Resource, in.Resource.Account
	if a == nil || !a.ParametersKnown {
		return finding(c.ID(), NotApplicable, "", "The parameters could not be listed: %s", problemText(r))
	}
	var hits []credscan.Hit
	var advisory []string
	for _, p := range a.Parameters {
		if plaintextAllowed(in.Baseline, p.Name, p.ARN)(p.Name) {
			continue
		}
		if p.Type == "SecureString" {
			if credscan.DatabaseCredentialName(p.Name) {
				advisory = append(advisory, credscan.ShowName(p.Name))
			}
			continue
		}
		if k, ok := credscan.Detect(p.Name, p.Value); ok {
			hits = append(hits, credscan.Hit{Name: p.Name, Kind: k})
		} else if credscan.NamedValue(p.Name, p.Value) {
			hits = append(hits, credscan.Hit{Name: p.Name, Kind: credscan.KindNamedValue})
		}
	}
	note := ""
	if a.ParametersTruncated {
		note = fmt.Sprintf(" Only the first %d parameters were read.", workload.MaxParameters)
	}
	if len(hits) > 0 {
		return finding(c.ID(), NonCompliant, "", "%s in plaintext %s a credential: %s. Move each to Secrets Manager (or at least SecureString).%s",
			plural(len(hits), "parameter"), holds(len(hits)), credscan.Describe(hits, maxHitsShown), note)
	}
	if len(advisory) > 0 {
		return finding(c.ID(), Compliant, "", "Advisory: %s SecureString %s database credentials by name (%s); Secrets Manager rotates them, SSM does not.%s",
			plural(len(advisory), "parameter"), holds(len(advisory)), brief(advisory, 2), note)
	}
	return finding(c.ID(), Compliant, "", "%s, none holds a credential in plaintext.%s", plural(len(a.Parameters), "parameter"), note)
}

func (noPlaintextParameters) Fix(*workload.Resource) string {
	return "For each parameter the finding names: " +
		"(1) create a secret from its value: aws secretsmanager create-secret --name <parameter name> --secret-string file://<file holding the value> (a database credential as JSON with username, password, engine, host, port, so that rotation can use it); " +
		"(2) point the applications at the secret (a caching client, the Parameters and Secrets extension, or /aws/reference/secretsmanager/<secret name> through the SSM API); " +
		"(3) aws ssm delete-parameter --name <parameter name>, or at least make it a SecureString; " +
		"(4) rotate the credential: everyone who could read the parameter has seen it."
}
