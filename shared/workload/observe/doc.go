// Package observe reads what the workload and account checks evaluate
// (package workload's Resource) from AWS: Lambda functions, ECS task
// definitions, and an account's settings in a Region.
//
// The Observer declares only the SDK methods it calls (LambdaAPI, ECSAPI,
// SSMAPI, EC2API, CloudTrailAPI, CloudWatchAPI), so the SDK clients satisfy
// them and tests pass fakes; IAMActions lists their permissions. It never
// reads a secret value and never decrypts a parameter: SecureString
// parameters are listed by name (DescribeParameters) and only String and
// StringList values are fetched (GetParameters without decryption).
// Environment values are held only to be scanned: credscan.Var and
// Parameter hide them from JSON and fmt.
//
// What it reads is bounded whatever the account holds: ListFunctions and
// ListTaskDefinitions are consumed page by page, at most MaxContainers
// containers and MaxEnvPerContainer variables are kept per task definition
// or function, and at most MaxParameters parameters per account. A part of
// an account that cannot be read (access denied, say) leaves its Known
// flag false and says why in Resource.Problem; a function or task
// definition that cannot be fully read carries a Problem too, and the
// sweep goes on.
package observe
