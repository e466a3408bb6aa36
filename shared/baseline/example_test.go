package baseline_test

import (
	"fmt"

	"github.com/secretguard/secretguard/shared/baseline"
)

func ExampleParse() {
	b, err := baseline.Parse([]byte(`
version: 1
classes:
  - name: database
    match: {owningServices: [rds]}
    maxRotationDays: 30
  - name: standard
    maxRotationDays: 90
checks:
  cmk: {mode: remediate}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	c := b.ClassFor("prod/orders", "rds", nil)
	fmt.Println(c.Name, c.MaxRotationDays, c.Strategy)
	fmt.Println(b.DefaultClass, b.Mode(baseline.CheckCMK), b.Mode(baseline.CheckUnused), b.MaxChangesPerInvocation)

	_, err = baseline.Parse([]byte("version: 1\nclasses: [{name: standard, maxRotationDays: 0}]\nchecks: {rotation: {mode: ticket}}\n"))
	fmt.Println(err)
	// Output:
	// database 30 single-user
	// standard remediate report 25
	// baseline: checks.rotation: unknown check ID "rotation" (known: rotation-enabled, rotation-function, rotation-schedule, rotation-healthy, rotated-recently, unused, cmk, no-public-policy, replication, required-tags, no-plaintext-lambda-env, no-plaintext-ecs-env, no-plaintext-parameters, cloudtrail-read-events, vpc-endpoint, caching)
	// baseline: classes[0].maxRotationDays: must be between 1 and 1000, got 0
}
