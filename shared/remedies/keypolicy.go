package remedies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/resourcepolicy"
)

// keyUseActions are what the account's principals need on a secret's key:
// Decrypt to read the secret, GenerateDataKey to write or rotate it.
var keyUseActions = []string{"kms:Decrypt", "kms:GenerateDataKey"}

// ViaService returns the kms:ViaService value of Secrets Manager in a
// Region of a partition, e.g. secretsmanager.cn-north-1.amazonaws.com.cn.
func ViaService(partition, region string) string {
	return "secretsmanager." + region + "." + awsenv.DNSSuffix(partition)
}

// keyPolicyProblem says what a key policy lacks for the account's
// principals to use the key through Secrets Manager in region, or "" when
// it has it: for each of kms:Decrypt and kms:GenerateDataKey, an Allow
// statement (no NotPrincipal, NotAction or NotResource) whose Principal is
// "*", the account ID or the account's root, whose Action covers it
// (kms:*, kms:GenerateDataKey*, ...), and whose only conditions are
// kms:CallerAccount = the account and kms:ViaService = Secrets Manager in
// the Region, under positive string operators. That is how the AWS managed
// key aws/secretsmanager grants the account; a key that grants less (or
// more conditionally) could lock readers out. A Deny statement that can
// apply to those actions also needs a person.
func keyPolicyProblem(doc, partition, region, account string) string {
	p, err := resourcepolicy.Parse(doc)
	if err != nil {
		return fmt.Sprintf("the key policy cannot be parsed (%v)", err)
	}
	via := ViaService(partition, region)
	for _, action := range keyUseActions {
		for i, st := range p.Statements {
			if st.Effect == "Deny" && statementCovers(st, action) {
				return fmt.Sprintf("Deny statement %s applies to %s; review it by hand", stmtName(st, i), action)
			}
		}
	}
	var missing, notes []string
	for _, action := range keyUseActions {
		ok := false
		for i, st := range p.Statements {
			if st.Effect == "Deny" {
				continue
			}
			if !accountGrant(st, partition, account) || !statementCovers(st, action) {
				continue
			}
			if n := keyConditionProblem(st.Condition, via, account); n != "" {
				notes = append(notes, fmt.Sprintf("statement %s grants %s to the account but %s", stmtName(st, i), action, n))
				continue
			}
			ok = true
			break
		}
		if !ok {
			missing = append(missing, action)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	msg := fmt.Sprintf("no statement allows %s to Principal \"*\" (or the account) with kms:CallerAccount = %s and kms:ViaService = %s",
		strings.Join(missing, " and "), account, via)
	if len(notes) > 0 {
		msg += " (" + strings.Join(slices.Compact(notes), "; ") + ")"
	}
	return msg
}

// accountGrant reports whether an Allow statement grants to the whole
// account: Principal "*" (bounded by kms:CallerAccount) or the account's ID
// or root.
func accountGrant(st resourcepolicy.Statement, partition, account string) bool {
	if st.NotPrincipal != nil || st.Principal == nil || len(st.NotResource) > 0 {
		return false
	}
	if st.Principal.Wildcard {
		return true
	}
	root := "arn:" + partition + ":iam::" + account + ":root"
	return slices.Contains(st.Principal.AWS, account) || slices.Contains(st.Principal.AWS, root)
}

// statementCovers reports whether a statement's actions include action.
func statementCovers(st resourcepolicy.Statement, action string) bool {
	if len(st.NotAction) > 0 {
		for _, a := range st.NotAction {
			if wildcardMatch(a, action) {
				return false
			}
		}
		return true
	}
	for _, a := range st.Action {
		if wildcardMatch(a, action) {
			return true
		}
	}
	return false
}

// positiveStringOps are the operators under which a condition is read as
// "the key equals one of these values".
var positiveStringOps = map[string]bool{
	"StringEquals": true, "StringEqualsIgnoreCase": true, "StringLike": true,
	"ForAnyValue:StringEquals": true, "ForAnyValue:StringEqualsIgnoreCase": true, "ForAnyValue:StringLike": true,
}

// keyConditionProblem says why a statement's conditions do not read as
// "kms:CallerAccount = account and kms:ViaService = via", or "".
func keyConditionProblem(c resourcepolicy.Conditions, via, account string) string {
	var haveVia, haveAccount bool
	var other []string
	for op, keys := range c {
		for key, values := range keys {
			switch k := strings.ToLower(key); {
			case k == "kms:viaservice" && positiveStringOps[op]:
				haveVia = haveVia || slices.ContainsFunc(values, func(v string) bool { return valueMatches(op, v, via) })
			case k == "kms:calleraccount" && positiveStringOps[op]:
				haveAccount = haveAccount || slices.ContainsFunc(values, func(v string) bool { return valueMatches(op, v, account) })
			default:
				other = append(other, op+" "+key)
			}
		}
	}
	slices.Sort(other)
	switch {
	case len(other) > 0:
		return "has other conditions (" + strings.Join(other, ", ") + ") that may exclude some principals"
	case !haveVia && !haveAccount:
		return "has no kms:ViaService and no kms:CallerAccount condition"
	case !haveVia:
		return "has no kms:ViaService condition for " + via
	case !haveAccount:
		return "has no kms:CallerAccount condition for " + account
	}
	return ""
}

// valueMatches applies a positive string operator to one value.
func valueMatches(op, pattern, s string) bool {
	base := strings.TrimPrefix(op, "ForAnyValue:")
	switch base {
	case "StringLike":
		return wildcardMatch(pattern, s)
	case "StringEqualsIgnoreCase":
		return strings.EqualFold(pattern, s)
	}
	return pattern == s
}

// wildcardMatch matches IAM-style patterns (* any run, ? one character),
// case-insensitively, as IAM matches action names.
func wildcardMatch(pattern, s string) bool {
	p, t := []rune(strings.ToLower(pattern)), []rune(strings.ToLower(s))
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// stmtName names a statement by Sid, else by its 0-based index.
func stmtName(st resourcepolicy.Statement, i int) string {
	if st.Sid != "" {
		return fmt.Sprintf("%q", st.Sid)
	}
	return fmt.Sprintf("[%d]", i)
}
