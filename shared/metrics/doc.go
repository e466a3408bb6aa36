// Package metrics writes CloudWatch metrics as Embedded Metric Format (EMF)
// log lines: one JSON object per line, which CloudWatch Logs turns into
// metrics when a Lambda function prints it to stdout. No API call, no agent.
//
// The format follows the EMF specification
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
// the root object carries "_aws" with a millisecond "Timestamp" and one
// MetricDirective {Namespace, Dimensions, Metrics}; every dimension named in
// Dimensions and every metric named in Metrics is a member of the root, with
// a string value for a dimension and a number for a metric. A directive holds
// at most 100 metrics and a dimension set at most 9 keys; Set enforces both.
// Other root members (Properties) are kept in the log line for searching but
// do not become metrics.
//
//	m := metrics.NewSet("Function", "evaluator", "Check", "cmk")
//	m.Count("SecretsEvaluated", 250)
//	m.Milliseconds("Duration", 1200*time.Millisecond)
//	_ = metrics.New(os.Stdout).Write(m)
package metrics
