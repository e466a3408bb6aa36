// Package configrule turns AWS Config custom-rule events into evaluations:
// Config events in, PutEvaluations out. One Lambda function (the evaluator)
// serves every secretguard rule; the rule's parameters name the check
// ({"check":"rotation-schedule"}) and may override baseline values for that
// rule alone (maxRotationDays, unusedDays, rotatedRecentlyDays,
// requiredTags), applied to a copy of the baseline.
//
// # Events
//
// Decode reads the event Config passes to the function (see "Example Events
// for AWS Config Rules" in the AWS Config Developer Guide): invokingEvent and
// ruleParameters are JSON inside strings; unknown top-level members are
// ignored. A payload that is not a Config event, an unknown messageType, a
// missing or unknown check, an unknown parameter key and a missing
// resultToken are errors that say what is wrong, and no evaluation is
// written. A configuration item of another resource type is skipped and
// logged: the rule's scope is wrong, not the resource.
//
//   - ConfigurationItemChangeNotification and
//     OversizedConfigurationItemChangeNotification: the secret is re-observed
//     live (the configuration item may lag) and evaluated. ResourceDeleted,
//     ResourceNotRecorded, ResourceDeletedNotRecorded and eventLeftScope:
//     true give NOT_APPLICABLE without an API call, as does a secret that
//     no longer exists when observed. OrderingTimestamp is the item's
//     configurationItemCaptureTime.
//   - ScheduledNotification: a sweep of every secret in the account and
//     Region (secrets scheduled for deletion included: they are
//     NOT_APPLICABLE). OrderingTimestamp is notificationCreationTime.
//
// ComplianceResourceType is AWS::SecretsManager::Secret. ComplianceResourceId
// is the configuration item's resourceId for change events (Config's own
// identifier, whatever it is) and the secret's ARN for sweeps, which is the
// resourceId Config records for a secret. Annotations are cut to 256
// characters (checks.Truncate) and left out when empty, since Config
// rejects an empty annotation.
//
// # Workload and account rules
//
// A rule whose check is a workload or account check (checks.ResourceByID)
// evaluates another resource type through package workload and
// scan.ResourceScanner: no-plaintext-lambda-env evaluates
// AWS::Lambda::Function (resource ID: the function's name) and
// no-plaintext-ecs-env AWS::ECS::TaskDefinition (the revision's ARN), on
// change notifications (the resource re-read live, NOT_APPLICABLE when it
// is gone or the item says deleted) and in scheduled sweeps of every
// function or ACTIVE revision; the other four evaluate AWS::::Account (the
// account ID, one evaluation per account and Region) and are periodic only,
// so a change notification for them is skipped and logged, as is an item of
// a type the check does not evaluate. These sweeps do not hand over: an
// account's functions and task definitions are read in one invocation.
// Results that lack data are left out as Incomplete, as for secrets.
// ResourcePermissions lists the actions they need beyond
// EvaluatorPermissions.
//
// # Accounts
//
// When the event's account is not the function's own, the evaluator
// observes secrets and calls PutEvaluations with the spoke role of that
// account (Accounts, that is awsenv.Roles: partition-aware role ARN,
// credentials cached across invocations until shortly before expiry). The
// ResultToken belongs to the member account's rule, so its evaluations are
// put from that account.
//
// # Long sweeps hand over
//
// A Region can hold hundreds of thousands of secrets, and the policy APIs
// allow 50 calls a second, so a sweep can outlast one invocation. The sweep
// works page by page (ListSecrets NextToken, at most 100 secrets a page).
// After each page, if the time left before the invocation's deadline is
// below max(30 s, 3 × the slowest page so far), the sweep puts every
// evaluation it holds and hands over: it invokes the function itself
// asynchronously (InvocationType Event, FunctionName = the invoked function
// ARN) with the original event plus
//
//	"secretguardContinuation": {"startToken": ..., "hop": n, "chainStartedAt": ..., "evaluatedSoFar": n}
//
// and the next invocation resumes at startToken. Each page is evaluated by
// exactly one invocation, so nothing is evaluated twice and nothing is
// skipped, with one exception: when an invocation fails after putting some
// evaluations (the hand-over Invoke still fails after the SDK's retries,
// or ListSecrets or PutEvaluations does), it returns an error and Lambda's
// asynchronous retry re-runs it from its own start token, evaluating its
// pages a second time. That is harmless to Config: the later evaluation of
// a resource replaces the earlier one.
//
// AWS does not document how long a ResultToken stays valid (we searched the
// Config API reference and developer guide: the token is only described as
// "an encrypted token that associates an evaluation with an AWS Config
// rule"). The design therefore hands over with the same ResultToken and
// bounds the chain: at most SweepLimits.MaxHops hand-overs (default 100)
// and at most SweepLimits.MaxChainAge (default 24 h, the longest periodic
// frequency) from the notification time. A continuation past either bound
// stops, and so does a sweep whose next hop would be; the first invocation
// always sweeps.
// If PutEvaluations rejects the token (InvalidResultTokenException) the
// chain stops as well. Either way the stop is logged as an error and
// counted (metrics ChainStopped, InvalidResultToken), the invocation does
// not fail (a retry cannot help), and the next scheduled run starts over.
//
// # One bad secret never stops a sweep
//
// The Observer marks a secret it could not fully read (AccessDenied on
// GetResourcePolicy, say) with Problem, and one deleted mid-sweep with Gone;
// scan.Evaluate turns both into NOT_APPLICABLE results, the first with
// Incomplete set. The sweep goes on either way, and the result and metrics
// count both (incomplete, gone).
//
//   - Gone: sent as NOT_APPLICABLE with an annotation saying so. Config's
//     semantics for a deleted resource are NOT_APPLICABLE.
//   - Incomplete: left out of PutEvaluations and logged ("not evaluated",
//     with the reason). NOT_APPLICABLE means "the rule does not apply to
//     this resource", which is not what happened; sending it would erase
//     an earlier NON_COMPLIANT verdict, and a secret whose resource policy
//     denies the evaluator would turn itself "not applicable". Config keeps
//     the last real verdict instead, and the Incomplete metric makes the
//     gap visible. (Config does not accept INSUFFICIENT_DATA from
//     PutEvaluations.)
//
// A policy that does not parse is the no-public-policy check's own
// NOT_APPLICABLE with its reason in the annotation; it is not Incomplete.
//
// # Observability
//
// One JSON log line (log/slog) per evaluation with rule, check, secretArn,
// compliance, annotation, account and region, and one CloudWatch Embedded
// Metric Format line per invocation (package metrics) in namespace
// secretguard with dimensions Function and Check: SecretsEvaluated,
// Compliant, NonCompliant, NotApplicable, Incomplete, Gone,
// EvaluationsSent, PutEvaluationsCalls, UnprocessedEvaluations, HandOvers,
// ChainStopped, InvalidResultToken, BadEvents, Throttles, APICalls and
// APICalls.<service:Operation>, Duration.
package configrule
