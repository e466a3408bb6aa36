// Package resourcepolicy parses the IAM resource policy attached to an AWS
// Secrets Manager secret and classifies each Allow statement by how far it
// exposes the secret: Scoped (the owning account only), CrossAccount (other
// accounts, named explicitly or through a restricting condition) or Public.
//
// # Parsing
//
// Parse accepts Statement as an object or an array, Principal as "*" or an
// object of AWS / Service / Federated / CanonicalUser values, and every list
// element (Action, Resource, principal values, condition values) as a string
// or an array. Condition values that are JSON numbers or booleans become
// their literal text. Parse is strict where leniency would let this package
// and IAM read the same document differently: it rejects duplicate object
// keys, unknown policy or statement elements (element names are
// case-sensitive), trailing data, a missing Statement or Effect, an Effect
// other than "Allow"/"Deny", and a Principal of any other shape. Errors name
// the 0-based statement index and Sid.
//
// Policy.JSON writes a canonical form that re-parses to an equal Policy:
// statement order, Sid, principals and conditions are kept; lists are always
// arrays, empty lists are dropped, and a principal that is only a wildcard is
// written as "*" (so {"AWS":"*"} becomes "*").
//
// # Classification
//
// Classify looks at Allow statements only, ignores actions and resources
// (an Allow is classified even if its actions cannot touch the secret), and
// takes the worst exposure of the statement's principals:
//
//   - NotPrincipal in an Allow statement is Public, whatever the conditions:
//     it grants to everyone but the listed principals.
//   - An AWS principal in the owning account (12-digit ID or an ARN of any
//     partition — aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, ...) is Scoped;
//     one in another account is CrossAccount and lists that account.
//   - A wildcard principal — "*", {"AWS":"*"}, an ARN whose account field
//     holds a wildcard, or a wildcard in a Service/Federated/CanonicalUser
//     value — is Public unless a condition restricts it (below).
//   - A service principal is Scoped only when aws:SourceAccount,
//     aws:SourceOwner or aws:SourceArn pins it to the owning account,
//     CrossAccount with those accounts when they pin it elsewhere, and
//     otherwise CrossAccount as a confused-deputy risk.
//   - Federated and CanonicalUser principals are CrossAccount with no
//     accounts and nothing Disallowed (their account is not known).
//   - An AWS principal value that is neither an account nor an ARN (the
//     unique ID AWS substitutes for a deleted role or user) is CrossAccount and
//     listed in Disallowed.
//   - A statement without Principal grants nothing and is Scoped.
//
// A condition restricts a wildcard principal only if all of the following
// hold. The operator is positive: StringEquals, StringEqualsIgnoreCase,
// StringLike, ArnEquals or ArnLike, optionally prefixed "ForAnyValue:" and
// spelled exactly as documented. Negated operators, "...IfExists" variants
// (true when the key is absent), Null, and "ForAllValues:" (vacuously true
// when the key is absent) never restrict. The key (compared
// case-insensitively) is one of aws:PrincipalOrgID, aws:PrincipalOrgPaths,
// aws:SourceOrgID, aws:SourceOrgPaths, aws:PrincipalAccount,
// aws:SourceAccount, aws:SourceOwner, aws:PrincipalArn, aws:SourceArn,
// aws:SourceVpc, aws:SourceVpce or aws:userid; aws:ResourceAccount describes
// the secret, not the caller, and is ignored. Every value pins a fixed fact,
// because values are ORed: no '*' or '?' in the value (even under *Like
// operators); for org paths, in the organisation ID before the first '/';
// for aws:userid, before the first ':'; for ARNs, in the account field, which
// must be 12 digits (with String* operators also nowhere before it, since
// those match across ':').
//
// All conditions of a statement must hold, so any one restricting condition
// bounds the caller; when several do, account keys win over organisation keys,
// which win over network keys:
//
//   - Account keys (all account and ARN keys above): Scoped if the only
//     account is Context.AccountID, otherwise CrossAccount with the accounts.
//   - Organisation keys: CrossAccount with InOrg=true when every value is
//     Context.OrganizationID. If the organisation ID is different, or
//     Context.OrganizationID is empty, it is CrossAccount to an unknown
//     organisation and the organisation IDs are listed in Disallowed.
//   - Network keys only (aws:SourceVpc, aws:SourceVpce, aws:userid): these
//     bound where or as whom the caller acts, not which account it belongs to,
//     so this is neither Scoped (not provably the owning account) nor
//     Public. It is classified CrossAccount with no Accounts, nothing
//     Disallowed, and a Reason naming the network restriction.
//
// Verdict.InOrg is set for the whole statement when a restricting
// organisation condition matches Context.OrganizationID; Disallowed is then
// empty. Otherwise Disallowed lists the external accounts that are in neither
// Context.AllowedAccounts nor Context.OrgAccounts, plus the foreign
// organisation IDs and account-less principal values described above.
//
// Code that rewrites a policy to pass (remedies.Tighten) reads it with the
// same pieces Classify uses, so that it changes exactly the values that make
// a statement fail: Restrictions (a Condition block's restricting
// conditions, with the fact each value pins), PrincipalRestrictions (those
// that bound a statement's wildcard and service principals), PrincipalAccount,
// HasWildcard, and Context.AllowsAccount and Context.OwnOrganization.
//
// Deny statements are not classified and do not offset Allow statements:
// an Allow of "*" paired with a Deny for callers outside the organisation is
// still reported Public. This errs towards reporting exposure.
package resourcepolicy
