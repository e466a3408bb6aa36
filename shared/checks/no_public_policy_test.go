package checks

import (
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// withPolicy sets the resource policy to a testdata file.
func withPolicy(file string) func(testing.TB) func(*secret.Snapshot) {
	return func(t testing.TB) func(*secret.Snapshot) {
		doc := policy(t, file)
		return func(s *secret.Snapshot) { s.ResourcePolicy = doc }
	}
}

// atPolicy builds a snapshot with a policy from testdata and more edits.
func atPolicy(secretARN, file string, edits ...func(*secret.Snapshot)) func(testing.TB) *secret.Snapshot {
	return func(t testing.TB) *secret.Snapshot {
		return snap(t, secretARN, append([]func(*secret.Snapshot){withPolicy(file)(t)}, edits...)...)
	}
}

func inlinePolicy(doc string) func(*secret.Snapshot) {
	return func(s *secret.Snapshot) { s.ResourcePolicy = doc }
}

var noPublicPolicyCases = []checkCase{
	{name: "an unread policy is not applicable", s: at(arnAWS, edit(func(s *secret.Snapshot) { s.PolicyKnown = false })),
		want: NotApplicable, has: []string{"not read: GetResourcePolicy was not called"}},
	{name: "a policy the Observer could not read says why", s: at(arnAWS, edit(func(s *secret.Snapshot) {
		s.PolicyKnown, s.Problem = false, "GetResourcePolicy: missing permission secretsmanager:GetResourcePolicy (AccessDeniedException)"
	})),
		want: NotApplicable, has: []string{"missing permission secretsmanager:GetResourcePolicy"}},
	{name: "no policy is compliant", s: at(arnAWS), want: Compliant, has: []string{"No resource policy"}},
	{name: "a policy scoped to the account is compliant", s: atPolicy(arnAWS, "scoped.json"),
		want: Compliant, has: []string{"only within account 111122223333"}},
	{name: "a public statement is named by Sid", s: atPolicy(arnAWS, "public.json"),
		want: NonCompliant, remedy: baseline.RemedyTightenPolicy, has: []string{`"EveryoneCanRead"`, "public"}},
	{name: "a public statement without Sid is named by index", s: atPolicy(arnGov, "public_no_sid.json"),
		want: NonCompliant, remedy: baseline.RemedyTightenPolicy, has: []string{"Statement [0]"}},
	{name: "a foreign account is named, the allowed one is not", s: atPolicy(arnAWS, "foreign_account.json"),
		want: NonCompliant, remedy: baseline.RemedyTightenPolicy, has: []string{`"PartnerRead"`, "999988887777", "organization section"}},
	{name: "a foreign organisation is named", s: atPolicy(arnAWS, "foreign_org.json"),
		want: NonCompliant, remedy: baseline.RemedyTightenPolicy, has: []string{"o-zzzzzzzzzz"}},
	{name: "allowed accounts and the organisation are compliant and mentioned", s: atPolicy(arnAWS, "allowed_cross_account.json"),
		want: Compliant, has: []string{"accounts 444455556666", "organization o-a1b2c3d4e5"}},
	{name: "a member account of the organisation is compliant", s: at(arnAWS, inlinePolicy(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"777788889999"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)),
		want: Compliant, has: []string{"777788889999"}},
	{name: "a GovCloud role of the owning account is scoped", s: at(arnGov, inlinePolicy(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws-us-gov:iam::333344445555:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)),
		want: Compliant, has: []string{"only within account 333344445555"}},
	{name: "a Deny-only policy grants nothing", s: atPolicy(arnAWS, "deny_only.json"), want: Compliant, has: []string{"no Allow statement"}},
	{name: "a federated principal is cross-account but not foreign", s: atPolicy(arnAWS, "federated.json"), want: Compliant, has: []string{"cross-account"}},
	{name: "a policy we cannot parse is not a false alarm", s: atPolicy(arnAWS, "unparseable.json"),
		want: NotApplicable, has: []string{"could not be parsed"}},
	{name: "a replica's own public policy is reported", s: atPolicy(arnEU, "public.json", edit(func(s *secret.Snapshot) { s.PrimaryRegion = "us-east-1" })),
		want: NonCompliant, remedy: baseline.RemedyTightenPolicy},
	{name: "without an organisation ID an org-wide grant is foreign", s: atPolicy(arnAWS, "allowed_cross_account.json"),
		b:    func(b *baseline.Baseline) { b.Organization.ID = "" },
		want: NonCompliant, remedy: baseline.RemedyTightenPolicy, has: []string{"o-a1b2c3d4e5"}},
}

func TestNoPublicPolicy(t *testing.T) { runCases(t, noPublicPolicy{}, noPublicPolicyCases) }
