// Package workload models what secretguard checks beyond the secrets
// themselves: Lambda functions and ECS task definitions (where plaintext
// credentials hide in environments), and an account's settings in a Region
// (CloudTrail trails, the VPCs that hold workloads and their Secrets
// Manager endpoints, GetSecretValue usage, SSM parameters).
//
// A Resource is one observed thing, as the resource checks in package
// checks evaluate it; its Type is the AWS Config resource type
// (AWS::Lambda::Function, AWS::ECS::TaskDefinition, AWS::::Account) and its
// ID the resource ID Config evaluates: a function's name, a task
// definition's ARN, the account ID.
//
// This package is the model only: it links no SDK service client, so the
// checks (and every function that links them) stay small. The Observer
// that reads these resources from AWS is in the subpackage observe, which
// only the functions that observe workloads (the evaluator, the workloads
// function, the CLI) import.
package workload
