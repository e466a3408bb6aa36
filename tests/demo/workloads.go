package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/tests/lab"
)

// workloads shows the checks beyond the secret, through the workloads
// function: a function keeps an access key in its environment (ticketed
// with the migration recipe, the variable named, the value never), and its
// VPC reads secrets over the internet (vpc-endpoint is in remediate mode
// in this baseline, so the endpoint is created).
func (d *demo) workloads(ctx context.Context) error {
	w, err := d.lab.SeedWorkloads(ctx)
	if err != nil {
		return err
	}
	d.step(fmt.Sprintf("Workloads: Lambda function %s keeps an access key in its environment; its VPC %s has no Secrets Manager endpoint", w.Function, w.VPC))
	for _, c := range []struct{ check, resource string }{
		{baseline.CheckNoPlaintextLambdaEnv, w.Function},
		{baseline.CheckVPCEndpoint, ""}, // an account check: the account in the Region
	} {
		r, err := d.lab.Workload(ctx, c.check, c.resource)
		if err != nil {
			return err
		}
		fmt.Fprintf(d.w, "  %s %-32s %s\n", d.p.Red("✗"), r.Result.SecretName, d.p.Dim(lab.RuleName(c.check)))
		for _, a := range lab.Acted(r.Result) {
			fmt.Fprintf(d.w, "      %s\n", d.act(a))
			seen.workloads++
		}
	}
	eps, err := d.lab.Endpoints(ctx, w.VPC)
	if err != nil {
		return err
	}
	for _, e := range eps {
		fmt.Fprintf(d.w, "  %s endpoint %s in %s: %s, private DNS %v\n", d.p.Green("✓"), aws.ToString(e.VpcEndpointId), w.VPC,
			aws.ToString(e.ServiceName), aws.ToBool(e.PrivateDnsEnabled))
	}
	_, err = d.notify(ctx)
	return err
}
