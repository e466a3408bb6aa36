package checks

import (
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
)

var rotationEnabledCases = []checkCase{
	{name: "enabled rotation is compliant", s: at(arnAWS),
		want: Compliant, has: []string{"rate(30 days)"}},
	{name: "off with a configured function asks to enable it with that function", s: at(arnCN, rotationOff, withTag(baseline.EngineTag, "Postgres")),
		want: NonCompliant, remedy: baseline.RemedyEnableRotation,
		has: []string{"arn:aws-cn:lambda:cn-north-1:222233334444:function:SecretsManagerRDSPostgreSQLRotationMultiUser", "30 days"}},
	{name: "off without a configured function says what selects one", s: at(arnCN, rotationOff),
		want: NonCompliant, remedy: baseline.RemedyEnableRotation,
		has: []string{"class database", "strategy alternating-users", "names no rotation function"}},
	{name: "off for an RDS-managed secret points to ManageMasterUserPassword without remedy", s: at(arnCN, rotationOff, ownedBy("rds")),
		want: NonCompliant, has: []string{"managed by rds", "ManageMasterUserPassword"}},
	{name: "off for another service's secret names that service", s: at(arnGov, rotationOff, ownedBy("appflow")),
		want: NonCompliant, has: []string{"through appflow"}},
	{name: "off under a class without a maximum still asks to enable it", s: at(arnAWS, rotationOff),
		b:    func(b *baseline.Baseline) { b.Classes[2].MaxRotationDays = 0 },
		want: NonCompliant, remedy: baseline.RemedyEnableRotation, has: []string{"Rotation is off: enable it with"}},
}

func TestRotationEnabled(t *testing.T) { runCases(t, rotationEnabled{}, rotationEnabledCases) }
