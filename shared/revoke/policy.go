package revoke

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/secretguard/secretguard/shared/resourcepolicy"
)

const policyVersion = "2012-10-17"

// SidPrefix starts the Sid of every Deny statement the revoker adds.
const SidPrefix = "SecretguardRevoke"

// DenySid returns the Sid of an incident's Deny statement: SidPrefix and the
// incident ID's letters and digits (a Sid allows nothing else), plus eight
// hex digits of the ID's SHA-256 when the ID has other characters, so that
// "INC-1" and "INC1" get different Sids.
func DenySid(incident string) string {
	var b strings.Builder
	for _, r := range incident {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	sid := SidPrefix + b.String()
	if b.String() != incident {
		h := sha256.Sum256([]byte(incident))
		sid += hex.EncodeToString(h[:4])
	}
	return sid
}

// denyStatement denies every Secrets Manager action on the secret to every
// principal whose aws:PrincipalArn matches none of exempt. aws:PrincipalArn
// is the role ARN (with its path) for a role session, the user ARN for a
// user. AWS services acting as their own service principal are not denied.
func denyStatement(sid string, exempt []string) resourcepolicy.Statement {
	return resourcepolicy.Statement{
		Sid:       sid,
		Effect:    "Deny",
		Principal: &resourcepolicy.Principal{Wildcard: true},
		Action:    []string{"secretsmanager:*"},
		Resource:  []string{"*"},
		Condition: resourcepolicy.Conditions{
			"ArnNotLike": {"aws:PrincipalArn": exempt},
			"Bool":       {"aws:PrincipalIsAWSService": {"false"}},
		},
	}
}

// withDeny returns doc with st appended, keeping every original statement.
// A document that does not parse cannot be merged: the result is st alone
// (the original is saved and restored verbatim later) and note says so.
func withDeny(doc string, st resourcepolicy.Statement) (merged, note string, err error) {
	if strings.TrimSpace(doc) == "" {
		merged, err = denyOnly(st)
		return merged, "", err
	}
	p, perr := resourcepolicy.Parse(doc)
	if perr != nil {
		merged, err = denyOnly(st)
		return merged, fmt.Sprintf("the current policy does not parse (%v): it is saved, replaced by the Deny alone, and restored verbatim on lift", perr), err
	}
	p.Statements = append(p.Statements, st)
	merged, err = p.JSON()
	return merged, "", err
}

func denyOnly(st resourcepolicy.Statement) (string, error) {
	p := &resourcepolicy.Policy{Version: policyVersion, Statements: []resourcepolicy.Statement{st}}
	return p.JSON()
}

// hasStatement reports whether doc holds a statement with this Sid.
func hasStatement(doc, sid string) bool {
	if strings.TrimSpace(doc) == "" {
		return false
	}
	p, err := resourcepolicy.Parse(doc)
	if err != nil {
		return strings.Contains(doc, `"`+sid+`"`)
	}
	for _, s := range p.Statements {
		if s.Sid == sid {
			return true
		}
	}
	return false
}

// withoutStatement returns doc without the statements with this Sid; empty
// is true when no statement is left.
func withoutStatement(doc, sid string) (out string, empty bool, err error) {
	p, err := resourcepolicy.Parse(doc)
	if err != nil {
		return "", false, err
	}
	kept := p.Statements[:0]
	for _, s := range p.Statements {
		if s.Sid != sid {
			kept = append(kept, s)
		}
	}
	p.Statements = kept
	if len(kept) == 0 {
		return "", true, nil
	}
	out, err = p.JSON()
	return out, false, err
}

// samePolicy reports whether two documents say the same thing (Secrets
// Manager may return a document reformatted).
func samePolicy(a, b string) bool {
	if a == b {
		return true
	}
	pa, err1 := resourcepolicy.Parse(a)
	pb, err2 := resourcepolicy.Parse(b)
	return err1 == nil && err2 == nil && reflect.DeepEqual(pa, pb)
}

// RevokeSessionsPolicyName is the inline role policy the IAM console's
// "Revoke active sessions" adds; the revoker adds the same.
const RevokeSessionsPolicyName = "AWSRevokeOlderSessions"

// revokeSessionsPolicy denies everything to sessions issued before t.
func revokeSessionsPolicy(t time.Time) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],` +
		`"Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + t.UTC().Format(time.RFC3339) + `"}}}]}`
}
