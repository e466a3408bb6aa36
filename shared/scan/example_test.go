package scan_test

import (
	"fmt"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/secret"
)

func ExampleEvaluate() {
	b, err := baseline.Parse([]byte(`
version: 1
classes:
  - name: standard
    maxRotationDays: 90
requiredTags:
  - key: owner
kms:
  defaultKeys: {"*": "arn:${Partition}:kms:${Region}:${AccountId}:alias/secrets"}
checks:
  cmk: {mode: remediate}
`))
	if err != nil {
		panic(err)
	}
	s := &secret.Snapshot{Tags: map[string]string{"owner": "payments"}}
	if err := s.SetARN("arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:app/orders@db-a1B2c3"); err != nil {
		panic(err)
	}
	s.Name = "app/orders@db"
	cs, err := checks.Select([]string{"rotation-enabled", "cmk", "required-tags"})
	if err != nil {
		panic(err)
	}
	now := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

	var sum scan.Summary
	rs := scan.Evaluate(s, cs, b, now)
	sum.Add(rs)
	for _, r := range rs {
		fmt.Printf("%s %s %s %s (%s)\n", r.Region, r.AccountID, r.Check, r.Compliance, r.Mode)
		fmt.Println("  " + r.Annotation)
	}
	fmt.Printf("%d compliant, %d non-compliant\n", sum.Compliant, sum.NonCompliant)
	// Output:
	// cn-north-1 111122223333 rotation-enabled NON_COMPLIANT (report)
	//   Rotation is off: enable it at least every 90 days; the baseline names no rotation function for class standard, engine unset, strategy single-user, so add one to the baseline or configure rotation by hand.
	// cn-north-1 111122223333 cmk NON_COMPLIANT (remediate)
	//   Encrypted with the AWS managed key aws/secretsmanager; re-encrypt with arn:aws-cn:kms:cn-north-1:111122223333:alias/secrets.
	// cn-north-1 111122223333 required-tags COMPLIANT (report)
	//   Required tags present: owner.
	// 1 compliant, 2 non-compliant
}
