// Package secret holds the Snapshot — everything secretguard's checks need to
// know about one Secrets Manager secret, as observed at one moment — and the
// Observer that builds Snapshots with as few API calls as possible.
//
// A Snapshot never holds a secret value: no function in secretguard calls
// GetSecretValue, and nothing here has a field that could carry one.
//
// A sweep of an account and Region reads ListSecrets pages (100 secrets a
// page, which already carry rotation, KMS key, tags, dates, version stages and
// OwningService) and adds only what ListSecrets lacks, and only where a
// selected check needs it: the resource policy (GetResourcePolicy) and the
// replication status (DescribeSecret, only for secrets that must be
// replicated). What each check needs is declared as Needs.
//
// # Observer
//
// An Observer wraps a SecretsAPI (a *secretsmanager.Client built from an
// awsenv-instrumented aws.Config: rate limiting, retries and call counting
// happen in the SDK middleware, not here). Observer.Secret reads one secret
// with DescribeSecret (plus GetResourcePolicy when Needs.Policy). Observer.Sweep
// reads a Region page by page: page N+1 is listed and enriched, with up to
// Concurrency workers, while the caller's fn handles page N, so no more than
// two pages are held at once.
//
// One secret never fails a sweep: a failed enrichment call is recorded in the
// Snapshot's Problem (access denied names the missing IAM action), and a
// secret deleted between ListSecrets and its enrichment is marked Gone. Only
// a failed ListSecrets ends a sweep early, with a *PageError whose Token
// resumes it (SweepOptions.StartToken). IAMActions lists the permissions the
// Observer needs.
package secret
