package checks

import (
	"fmt"
	"strings"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/workload"
)

// vpcEndpoint: every VPC that holds Lambda functions or ECS services has an
// interface endpoint for Secrets Manager with private DNS, so that reading
// a secret never leaves the AWS network.
type vpcEndpoint struct{}

func (vpcEndpoint) ID() string { return baseline.CheckVPCEndpoint }
func (vpcEndpoint) Doc() string {
	return "Every VPC holding Lambda functions or ECS services has a Secrets Manager interface endpoint with private DNS, so secret reads stay off the internet."
}
func (vpcEndpoint) ResourceType() string         { return workload.TypeAccount }
func (vpcEndpoint) Needs() workload.AccountNeeds { return workload.AccountNeeds{Network: true} }
func (vpcEndpoint) IAMActions() []string {
	return []string{"lambda:ListFunctions", "ecs:ListClusters", "ecs:ListServices", "ecs:DescribeServices", "ec2:DescribeSubnets", "ec2:DescribeVpcEndpoints"}
}

// usableEndpointStates are the states of an endpoint that serves (or is
// about to serve) the VPC.
var usableEndpointStates = map[string]bool{"available": true, "Available": true, "pending": true, "Pending": true, "pendingAcceptance": true}

func (c vpcEndpoint) Evaluate(in ResourceInput) Finding {
	r, a := in.Resource, in.Resource.Account
	if a == nil || !a.NetworkKnown {
		return finding(c.ID(), NotApplicable, "", "The VPCs and endpoints could not be read: %s", problemText(r))
	}
	if len(a.VPCs) == 0 {
		return finding(c.ID(), Compliant, "", "No VPC holds Lambda functions or ECS services.")
	}
	missing, noDNS := VPCsWithoutEndpoint(a)
	service := workload.EndpointServiceName(r.Partition, r.Region)
	if len(missing) == 0 && len(noDNS) == 0 {
		return finding(c.ID(), Compliant, "", "%s with workloads %s a %s endpoint with private DNS.", plural(len(a.VPCs), "VPC"), has(len(a.VPCs)), service)
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "no "+service+" endpoint in "+brief(describeVPCs(missing), 2))
	}
	if len(noDNS) > 0 {
		parts = append(parts, "private DNS off on the endpoint of "+brief(noDNS, 2))
	}
	return finding(c.ID(), NonCompliant, baseline.RemedyCreateVPCEndpoint, "%s. Secret reads from there go over the internet; add the endpoint (remedy %s, opt-in: it costs money).",
		strings.Join(parts, "; "), baseline.RemedyCreateVPCEndpoint)
}

func has(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

// VPCsWithoutEndpoint returns the VPCs with workloads that have no usable
// Secrets Manager endpoint, and the IDs of those whose endpoint has private
// DNS off. The remedy plans from the first list.
func VPCsWithoutEndpoint(a *workload.Account) (missing []workload.VPC, noDNS []string) {
	for _, v := range a.VPCs {
		found, dns := false, false
		for _, e := range a.Endpoints {
			if e.VPCID == v.ID && (e.State == "" || usableEndpointStates[e.State]) {
				found = true
				dns = dns || e.PrivateDNSEnabled
			}
		}
		switch {
		case !found:
			missing = append(missing, v)
		case !dns:
			noDNS = append(noDNS, v.ID)
		}
	}
	return missing, noDNS
}

// describeVPCs names VPCs with what runs there: "vpc-1 (orders-api, +2)".
func describeVPCs(vs []workload.VPC) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		names := append(append([]string(nil), v.Functions...), v.Services...)
		s := v.ID
		if len(names) > 0 {
			s += " (" + clip(names[0], 40)
			if v.Count > 1 {
				s += fmt.Sprintf(", +%d", v.Count-1)
			}
			s += ")"
		}
		out = append(out, s)
	}
	return out
}

func (vpcEndpoint) Fix(r *workload.Resource) string {
	return fmt.Sprintf("In each VPC the finding names: create a security group that admits TCP 443 from the VPC's CIDR, then "+
		"aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id <vpc> --service-name %s --subnet-ids <one private subnet per Availability Zone> --security-group-ids <group> --private-dns-enabled "+
		"(or set the vpc-endpoint check to remediate mode: secretguard plans exactly these calls). "+
		"An existing endpoint without private DNS: aws ec2 modify-vpc-endpoint --vpc-endpoint-id <endpoint> --private-dns-enabled.", workload.EndpointServiceName(r.Partition, r.Region))
}
