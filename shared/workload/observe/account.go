package observe

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/secretguard/secretguard/shared/workload"
)

// Account reads the account-level settings the needs ask for. A part that
// cannot be read leaves its Known flag false and says why in Problem;
// Account itself fails only for a cancelled context.
func (o *Observer) Account(ctx context.Context, needs workload.AccountNeeds) (*workload.Resource, error) {
	r := &workload.Resource{
		Type: workload.TypeAccount, ID: o.AccountID, Name: o.AccountID, AccountID: o.AccountID, Region: o.Region,
		Partition: o.partition(), Account: &workload.Account{},
	}
	a := r.Account
	var problems []string
	try := func(what string, f func() error) {
		if err := f(); err != nil {
			problems = append(problems, what+": "+describeErr(err))
		}
	}
	if needs.Trails {
		try("trails", func() error { return o.trails(ctx, a) })
	}
	if needs.Network {
		try("network", func() error { return o.network(ctx, a, r.Partition) })
	}
	if needs.Usage {
		try("usage", func() error { return o.usage(ctx, a) })
	}
	if needs.Parameters {
		try("parameters", func() error { return o.parameters(ctx, a) })
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		r.Problem = problems[0]
		for _, p := range problems[1:] {
			r.Problem += "; " + p
		}
	}
	return r, nil
}

// trails reads every trail that applies to the Region, its status and its
// selectors (by ARN, which also works for a multi-Region trail whose home
// is another Region).
func (o *Observer) trails(ctx context.Context, a *workload.Account) error {
	out, err := o.CloudTrail.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("cloudtrail DescribeTrails: %w", err)
	}
	for _, t := range out.TrailList {
		home := aws.ToString(t.HomeRegion)
		multi := aws.ToBool(t.IsMultiRegionTrail)
		if home != "" && home != o.Region && !multi {
			continue
		}
		tr := workload.Trail{Name: aws.ToString(t.Name), ARN: aws.ToString(t.TrailARN), HomeRegion: home, MultiRegion: multi, Organization: aws.ToBool(t.IsOrganizationTrail)}
		id := tr.ARN
		if id == "" {
			id = tr.Name
		}
		if st, err := o.CloudTrail.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(id)}); err != nil {
			tr.Problem = "status not read: " + describeErr(err)
		} else {
			tr.Logging, tr.StatusKnown = aws.ToBool(st.IsLogging), true
		}
		if sel, err := o.CloudTrail.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(id)}); err != nil {
			if tr.Problem != "" {
				tr.Problem += "; "
			}
			tr.Problem += "event selectors not read: " + describeErr(err)
		} else {
			tr.SelectorsKnown = true
			tr.Selectors, tr.Advanced = convertSelectors(sel.EventSelectors), convertAdvanced(sel.AdvancedEventSelectors)
		}
		a.Trails = append(a.Trails, tr)
	}
	sort.Slice(a.Trails, func(i, j int) bool { return a.Trails[i].ARN < a.Trails[j].ARN })
	a.TrailsKnown = true
	return nil
}

func convertSelectors(in []cttypes.EventSelector) []workload.EventSelector {
	out := make([]workload.EventSelector, 0, len(in))
	for _, s := range in {
		out = append(out, workload.EventSelector{
			ReadWriteType:                 string(s.ReadWriteType),
			IncludeManagementEvents:       s.IncludeManagementEvents == nil || *s.IncludeManagementEvents,
			ExcludeManagementEventSources: s.ExcludeManagementEventSources,
		})
	}
	return out
}

func convertAdvanced(in []cttypes.AdvancedEventSelector) []workload.AdvancedSelector {
	out := make([]workload.AdvancedSelector, 0, len(in))
	for _, s := range in {
		as := workload.AdvancedSelector{Name: aws.ToString(s.Name)}
		for _, f := range s.FieldSelectors {
			as.Fields = append(as.Fields, workload.FieldSelector{
				Field: aws.ToString(f.Field), Equals: f.Equals, NotEquals: f.NotEquals,
				StartsWith: f.StartsWith, NotStartsWith: f.NotStartsWith, EndsWith: f.EndsWith, NotEndsWith: f.NotEndsWith,
			})
		}
		out = append(out, as)
	}
	return out
}

// network finds the VPCs that hold Lambda functions (VpcConfig) or ECS
// services (awsvpc network configuration), and the Secrets Manager
// interface endpoints of the Region.
func (o *Observer) network(ctx context.Context, a *workload.Account, partition string) error {
	vpcs := map[string]*workload.VPC{}
	add := func(vpc, name string, service bool) {
		v := vpcs[vpc]
		if v == nil {
			v = &workload.VPC{ID: vpc}
			vpcs[vpc] = v
		}
		v.Count++
		switch {
		case service && len(v.Services) < maxNamesPerVPC:
			v.Services = append(v.Services, name)
		case !service && len(v.Functions) < maxNamesPerVPC:
			v.Functions = append(v.Functions, name)
		}
	}
	// Both kinds of workload are placed by their subnets, which
	// DescribeSubnets maps to VPCs; a function's own VpcId is the fallback.
	var workloads []placed
	var marker *string
	for {
		out, err := o.Lambda.ListFunctions(ctx, &lambda.ListFunctionsInput{Marker: marker})
		if err != nil {
			return fmt.Errorf("lambda ListFunctions: %w", err)
		}
		for _, f := range out.Functions {
			if f.VpcConfig != nil && (aws.ToString(f.VpcConfig.VpcId) != "" || len(f.VpcConfig.SubnetIds) > 0) {
				workloads = append(workloads, placed{name: aws.ToString(f.FunctionName), subnets: f.VpcConfig.SubnetIds, vpc: aws.ToString(f.VpcConfig.VpcId)})
			}
		}
		if marker = out.NextMarker; aws.ToString(marker) == "" {
			break
		}
	}
	services, err := o.serviceSubnets(ctx)
	if err != nil {
		return err
	}
	workloads = append(workloads, services...)
	subnetVPC, err := o.subnetVPCs(ctx, workloads)
	if err != nil {
		return err
	}
	for _, w := range workloads {
		vpc := w.vpc
		for _, sn := range w.subnets {
			if v := subnetVPC[sn]; v != "" {
				vpc = v
				break
			}
		}
		if vpc != "" {
			add(vpc, w.name, w.service)
		}
	}
	for _, v := range vpcs {
		a.VPCs = append(a.VPCs, *v)
	}
	sort.Slice(a.VPCs, func(i, j int) bool { return a.VPCs[i].ID < a.VPCs[j].ID })

	in := &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{
		{Name: aws.String("service-name"), Values: []string{workload.EndpointServiceName(partition, o.Region)}},
	}}
	for {
		out, err := o.EC2.DescribeVpcEndpoints(ctx, in)
		if err != nil {
			return fmt.Errorf("ec2 DescribeVpcEndpoints: %w", err)
		}
		for _, e := range out.VpcEndpoints {
			if e.VpcEndpointType != "" && e.VpcEndpointType != ec2types.VpcEndpointTypeInterface {
				continue
			}
			a.Endpoints = append(a.Endpoints, workload.Endpoint{
				ID: aws.ToString(e.VpcEndpointId), VPCID: aws.ToString(e.VpcId),
				State: string(e.State), PrivateDNSEnabled: aws.ToBool(e.PrivateDnsEnabled),
			})
		}
		if in.NextToken = out.NextToken; aws.ToString(in.NextToken) == "" {
			break
		}
	}
	a.NetworkKnown = true
	return nil
}

// placed is a workload in a VPC: a function or an awsvpc ECS service.
type placed struct {
	name    string
	subnets []string
	vpc     string // the function's VpcId, when it says
	service bool
}

// serviceSubnets lists every ECS service with an awsvpc network
// configuration and its subnets.
func (o *Observer) serviceSubnets(ctx context.Context) ([]placed, error) {
	var clusters []string
	for token := ""; ; {
		arns, next, err := o.ECS.ListClusters(ctx, token)
		if err != nil {
			return nil, fmt.Errorf("ecs ListClusters: %w", err)
		}
		clusters = append(clusters, arns...)
		if token = next; token == "" {
			break
		}
	}
	var out []placed
	for _, c := range clusters {
		for token := ""; ; {
			arns, next, err := o.ECS.ListServices(ctx, c, token)
			if err != nil {
				return nil, fmt.Errorf("ecs ListServices %s: %w", c, err)
			}
			for batch := range slices.Chunk(arns, 10) {
				services, err := o.ECS.DescribeServices(ctx, c, batch)
				if err != nil {
					return nil, fmt.Errorf("ecs DescribeServices %s: %w", c, err)
				}
				for _, s := range services {
					if nc := s.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil && len(nc.AwsvpcConfiguration.Subnets) > 0 {
						out = append(out, placed{name: s.ServiceName, subnets: nc.AwsvpcConfiguration.Subnets, service: true})
					}
				}
			}
			if token = next; token == "" {
				break
			}
		}
	}
	return out, nil
}

// subnetVPCs maps the workloads' subnets to their VPCs.
func (o *Observer) subnetVPCs(ctx context.Context, workloads []placed) (map[string]string, error) {
	var ids []string
	for _, s := range workloads {
		for _, sn := range s.subnets {
			if !slices.Contains(ids, sn) {
				ids = append(ids, sn)
			}
		}
	}
	m := map[string]string{}
	for batch := range slices.Chunk(ids, 200) {
		out, err := o.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: batch})
		if err != nil {
			return nil, fmt.Errorf("ec2 DescribeSubnets: %w", err)
		}
		for _, s := range out.Subnets {
			m[aws.ToString(s.SubnetId)] = aws.ToString(s.VpcId)
		}
	}
	return m, nil
}

// usage reads the hourly GetSecretValue call counts of the last UsageHours
// whole hours.
func (o *Observer) usage(ctx context.Context, a *workload.Account) error {
	hours := o.UsageHours
	if hours <= 0 {
		hours = 24
	}
	end := o.now().UTC().Truncate(time.Hour)
	start := end.Add(-time.Duration(hours) * time.Hour)
	dims := make([]cwtypes.Dimension, 0, len(workload.UsageDimensions))
	for _, k := range []string{"Service", "Type", "Resource", "Class"} {
		dims = append(dims, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(workload.UsageDimensions[k])})
	}
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start), EndTime: aws.Time(end), ScanBy: cwtypes.ScanByTimestampAscending,
		MetricDataQueries: []cwtypes.MetricDataQuery{{
			Id: aws.String("calls"),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(workload.UsageNamespace), MetricName: aws.String(workload.UsageMetric), Dimensions: dims},
				Period: aws.Int32(3600), Stat: aws.String("Sum"),
			},
		}},
	}
	hourly := make([]float64, hours)
	for {
		out, err := o.CloudWatch.GetMetricData(ctx, in)
		if err != nil {
			return fmt.Errorf("cloudwatch GetMetricData: %w", err)
		}
		for _, r := range out.MetricDataResults {
			for i, ts := range r.Timestamps {
				if i >= len(r.Values) {
					break
				}
				if h := int(ts.UTC().Sub(start) / time.Hour); h >= 0 && h < hours {
					hourly[h] += r.Values[i]
				}
			}
		}
		if in.NextToken = out.NextToken; aws.ToString(in.NextToken) == "" {
			break
		}
	}
	a.Usage = workload.Usage{Start: start, Hourly: hourly}
	a.UsageKnown = true
	return nil
}

// parameters lists the Region's parameters (at most MaxParameters) and
// reads the values of String and StringList ones. SecureString values are
// never read: the checks judge those by name.
func (o *Observer) parameters(ctx context.Context, a *workload.Account) error {
	next := ""
	for {
		params, token, err := o.SSM.DescribeParameters(ctx, next)
		if err != nil {
			return fmt.Errorf("ssm DescribeParameters: %w", err)
		}
		for _, p := range params {
			if len(a.Parameters) == workload.MaxParameters {
				a.ParametersTruncated = true
				break
			}
			a.Parameters = append(a.Parameters, workload.Parameter{Name: p.Name, ARN: p.ARN, Type: p.Type})
		}
		if next = token; next == "" || a.ParametersTruncated {
			break
		}
	}
	index := map[string]int{}
	var plain []string
	for i, p := range a.Parameters {
		if p.Type != secureString {
			index[p.Name] = i
			plain = append(plain, p.Name)
		}
	}
	for batch := range slices.Chunk(plain, 10) {
		params, err := o.SSM.GetParameters(ctx, batch)
		if err != nil {
			return fmt.Errorf("ssm GetParameters: %w", err)
		}
		for _, p := range params {
			if p.Type == secureString {
				continue // changed type meanwhile: never keep its value
			}
			if i, ok := index[p.Name]; ok {
				a.Parameters[i].Value = p.Value
				if p.ARN != "" {
					a.Parameters[i].ARN = p.ARN
				}
			}
		}
	}
	a.ParametersKnown = true
	return nil
}
