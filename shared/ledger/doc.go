// Package ledger records what the remediator decided and changed, in the
// DynamoDB table every secretguard function shares (string hash key pk,
// string range key sk, numeric TTL attribute ttl), so that a team can read a
// secret's history and undo a change.
//
// # Items
//
//   - Entry: pk "secret#<ARN>", sk "<time>#<check>" (time in RFC 3339 UTC
//     with nine fraction digits, so that items sort by time). One per
//     decision that acts or tells someone: a remediation, a ticket, a
//     failure, a check passing again, an undo. The Entry is stored whole as
//     JSON in the attribute "entry" (calls, before/after configuration,
//     never a secret value). TTL: 400 days.
//   - Lookup: pk "remediation#<ID>", sk "entry": a copy of the Entry of a
//     remediation that sent calls, for `secretguard undo ID`; it also records
//     the undo (undoneBy, undoneAt). Several checks fixed by one remedy share
//     one ID and one lookup. An entry, its lookup and the check's latest
//     verdict are written with one BatchWriteItem.
//   - Latest: pk "secret#<ARN>", sk "latest#<check>": the last verdict
//     recorded for a check (compliance, decision key, entry ID). The engine
//     reads it to tell a check that passes again (Secret Compliant) and to
//     skip recording the same ticket twice; a conditional write on it
//     decides which of two concurrent invocations records a ticket.
//   - Claim: pk "secret#<ARN>", sk "claim#<check>#<stateHash>": written with
//     attribute_not_exists(pk) (or over an expired claim) before a remedy is
//     applied, so that duplicate events that observed the same state make one
//     change. A claim expires after ClaimLease.
//
// Entry keys start with a digit, the others with a letter, so History reads
// entries alone with the key condition sk < "a".
//
// # Undo calls
//
// A remedy's Undo calls are stored as StoredCall (Service, Operation and the
// SDK input as JSON). StoredCall.Call rebuilds the typed
// *secretsmanager.XxxInput for the operations an undo may use and refuses
// any other, so a tampered or unknown item can never send an arbitrary call.
package ledger
