package checks

import (
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
)

var requiredTagsCases = []checkCase{
	{name: "all required tags with allowed values are compliant", s: at(arnAWS),
		want: Compliant, has: []string{"owner, environment"}},
	{name: "a missing tag needs add-tags and is named", s: at(arnAWS, withoutTag("owner")),
		want: NonCompliant, remedy: baseline.RemedyAddTags, has: []string{"Missing required tags: owner"}},
	{name: "a blank value counts as missing", s: at(arnCN, withTag("owner", " \t")),
		want: NonCompliant, remedy: baseline.RemedyAddTags, has: []string{"owner"}},
	{name: "a value not allowed is never overwritten", s: at(arnGov, withTag("environment", "Prod")),
		want: NonCompliant, has: []string{`environment="Prod"`, "prod, staging, dev"}},
	{name: "missing and invalid together: add-tags, and say the rest", s: at(arnAWS, withoutTag("owner"), withTag("environment", "qa")),
		want: NonCompliant, remedy: baseline.RemedyAddTags, has: []string{"owner", `Also not allowed: environment="qa"`}},
	{name: "a long invalid value is clipped", s: at(arnAWS, withTag("environment", strings.Repeat("x", 500))),
		want: NonCompliant, has: []string{`xxx…"`}},
	{name: "a baseline without required tags is compliant", s: at(arnAWS, withoutTag("owner")),
		b: func(b *baseline.Baseline) { b.RequiredTags = nil }, want: Compliant, has: []string{"requires no tags"}},
	{name: "allowed values are case-sensitive, free values are not checked", s: at(arnAWS, withTag("owner", "ANYONE")), want: Compliant},
}

func TestRequiredTags(t *testing.T) { runCases(t, requiredTags{}, requiredTagsCases) }
