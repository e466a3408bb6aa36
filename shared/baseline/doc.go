// Package baseline defines an organisation's baseline for Secrets Manager
// secrets — the classes of secrets and their rotation rules, required tags,
// allowed KMS keys, replication, check modes and waivers — and loads it
// strictly, so that a typo is an error rather than a silently ignored
// setting.
//
// # Sources
//
// Load picks the source: "" is the embedded default (default.yaml, see
// Default), "ssm:<name-or-arn>" an SSM parameter (String or SecureString,
// see LoadSSM and IAMActions), anything else a file path (LoadFile). A
// document is YAML or JSON (JSON is YAML).
//
// # Strictness
//
// Parse rejects an empty document, more than one document, trailing
// content, unknown fields (naming the line), values of the wrong type,
// unknown check IDs and out-of-range or malformed values (naming the YAML
// path of the field, e.g. classes[1].maxRotationDays). It reports every
// problem at once: the error joins one *FieldError per problem with
// errors.Join, sorted by path. Type and unknown-field errors are reported
// without the value checks, which would repeat them.
//
// # Defaults
//
// A document replaces the default baseline as a whole: a class, required
// tag or key list absent from the document is absent from the baseline.
// Only zero-valued (absent, 0 or "") settings take defaults:
//
//	unused.days               90
//	rotatedRecently.days      90
//	maxChangesPerInvocation   25
//	waivers.tagPrefix         "secretguard:waive:"
//	waivers.maxDays           365
//	replication.tag           "secretguard:replicate-to"
//	classes[].strategy        single-user
//	defaultClass              "standard", only if a class is named standard
//	checks.<id>.mode          report, for each check absent from checks
//	caching.maxCallsPerHour   10000
//	caching.sustainedHours    6
//	plaintext.allow[].variable "*"
//
// Check IDs come in two lists: CheckIDs, the secret checks (Config rules on
// AWS::SecretsManager::Secret), and ResourceCheckIDs, the workload and
// account checks (rules on AWS::Lambda::Function, AWS::ECS::TaskDefinition
// and AWS::::Account). Both are accepted in checks; waivers.accounts takes
// only the second (secrets are waived by tag). AccountWaiver looks up
// "<account>:<region>" first, then "<account>".
//
// Because 0 means "use the default", a threshold cannot be set to 0. Parse
// applies the defaults; Validate, for a Baseline built in code, does not.
//
// # Precedence
//
// ClassFor resolves a secret's class from, in order: the secretguard:class
// tag (a tag naming no class is ignored), the secret's OwningService (at
// most one class may claim a service), the longest matching name prefix (at
// most one class may claim a prefix), and defaultClass.
//
// RotationFunctionFor picks, among the class's functions whose strategy is
// empty or the secret's strategy (the secretguard:rotation-strategy tag,
// else the class's strategy, else single-user), the one whose engine equals
// the secretguard:engine tag, else the first with engine "*" or empty. The
// placeholders ${Partition}, ${Region} and ${AccountId} are expanded for the
// secret's account and Region; no match means ok=false, and callers ticket.
//
// RequiredRegions is the union of the class's replicateTo and the Regions
// in the replication tag (separated by commas, semicolons or spaces), less
// the secret's own Region. AllowedKeys and DefaultKey use the entry for the
// Region, else the "*" entry; a Region with neither allows any customer
// managed key. The AWS managed key alias/aws/secretsmanager is never
// accepted.
package baseline
