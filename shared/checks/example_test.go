package checks_test

import (
	"fmt"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/secret"
)

func ExampleEvaluate() {
	b := &baseline.Baseline{
		DefaultClass: "standard",
		Classes:      []baseline.Class{{Name: "standard", MaxRotationDays: 90}},
		Waivers:      baseline.Waivers{TagPrefix: "secretguard:waive:", MaxDays: 365},
	}
	s := &secret.Snapshot{
		Name:            "app/orders",
		RotationEnabled: true,
		RotationRules:   secret.RotationRules{ScheduleExpression: "cron(0 4 1 1,7 ? *)"},
		Tags:            map[string]string{},
	}
	if err := s.SetARN("arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/orders-a1B2c3"); err != nil {
		panic(err)
	}
	now := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	c, _ := checks.ByID(baseline.CheckRotationSchedule)

	f := checks.Evaluate(c, s, b, now)
	fmt.Println(f.Compliance, f.Remedy)
	fmt.Println(f.Annotation)

	s.Tags["secretguard:waive:rotation-schedule"] = "2025-09-30 vendor rotates twice a year until the contract ends"
	f = checks.Evaluate(c, s, b, now)
	fmt.Println(f.Compliance, f.Waived)
	fmt.Println(f.Annotation)
	// Output:
	// NON_COMPLIANT fix-schedule
	// Schedule cron(0 4 1 1,7 ? *) can leave 184 days between rotations; class standard allows 90 days: shorten the schedule.
	// NOT_APPLICABLE true
	// Waived until 2025-09-30: vendor rotates twice a year until the contract ends
}

func ExampleMaxInterval() {
	for _, e := range []string{"rate(12 hours)", "cron(0 4 ? * SUN *)", "cron(0 0 ? * 6#1 *)", "cron(0 0 L * ? *)"} {
		d, err := checks.MaxInterval(secret.RotationRules{ScheduleExpression: e})
		fmt.Println(e, d, err)
	}
	// Output:
	// rate(12 hours) 12h0m0s <nil>
	// cron(0 4 ? * SUN *) 168h0m0s <nil>
	// cron(0 0 ? * 6#1 *) 840h0m0s <nil>
	// cron(0 0 L * ? *) 744h0m0s <nil>
}
