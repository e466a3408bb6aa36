package credscan

import (
	"regexp"
	"sync"
)

// Kind names a kind of credential for people. It is one of the constants
// below: a Kind never carries any part of a scanned value.
type Kind string

// The kinds Detect reports.
const (
	KindPrivateKey    Kind = "private key block"
	KindAWSAccessKey  Kind = "AWS access key ID"
	KindAWSSecretKey  Kind = "AWS secret access key"
	KindGitHubToken   Kind = "GitHub token"
	KindGitLabToken   Kind = "GitLab token"
	KindSlackToken    Kind = "Slack token"
	KindSlackWebhook  Kind = "Slack webhook URL"
	KindStripeKey     Kind = "Stripe live key"
	KindGoogleAPIKey  Kind = "Google API key"
	KindNPMToken      Kind = "npm token"
	KindSendGridKey   Kind = "SendGrid API key"
	KindOpenAIKey     Kind = "OpenAI API key"
	KindAnthropicKey  Kind = "Anthropic API key"
	KindShopifyToken  Kind = "Shopify token"
	KindPyPIToken     Kind = "PyPI token"
	KindJWT           Kind = "JSON Web Token"
	KindURLPassword   Kind = "URL with a password"
	KindConnString    Kind = "connection string with a password"
	KindDocumentField Kind = "document with a password or secret field"
	KindHighEntropy   Kind = "high-entropy value under a credential-like name"
	// KindNamedValue is a value kept under a credential-like name in a
	// store meant for plain configuration (an SSM String parameter named
	// /prod/db/password), whatever its entropy. Detect never returns it:
	// callers that judge by name decide (see NamedValue).
	KindNamedValue Kind = "value under a credential-like name"
)

// Kinds lists every Kind, most specific first (the order Detect tries them).
var Kinds = []Kind{
	KindPrivateKey, KindAWSAccessKey, KindAWSSecretKey, KindGitHubToken, KindGitLabToken,
	KindSlackToken, KindSlackWebhook, KindStripeKey, KindGoogleAPIKey, KindNPMToken,
	KindSendGridKey, KindOpenAIKey, KindAnthropicKey, KindShopifyToken, KindPyPIToken,
	KindJWT, KindURLPassword, KindConnString, KindDocumentField, KindHighEntropy, KindNamedValue,
}

// pattern is a credential format that needs no name to be recognised. When
// group > 0 the submatch of that group must not be a placeholder (a
// password of "${DB_PASSWORD}" is a reference, not a credential).
type pattern struct {
	kind  Kind
	re    *regexp.Regexp
	group int
	// reject drops a match, e.g. AWS's documentation keys.
	reject func(m string) bool
}

// patterns are tried in order; the first that matches names the Kind.
// They are compiled on first use: compiling ~20 expressions at package init
// cost every function that links the detector 5–9 ms of cold start, also on
// invocations that never scan a workload.
var patterns = sync.OnceValue(func() []pattern {
	return []pattern{
		{kind: KindPrivateKey, re: regexp.MustCompile(`-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-\d`)},
		{kind: KindAWSAccessKey, re: regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b`), reject: isExampleKey},
		{kind: KindAWSSecretKey, re: regexp.MustCompile(`(?i)aws_?secret_?(?:access_?)?key["']?\s*[=:]\s*["']?([A-Za-z0-9/+]{40})\b`), group: 1},
		{kind: KindGitHubToken, re: regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{36,251}\b|\bgithub_pat_[A-Za-z0-9_]{36,255}\b`)},
		{kind: KindGitLabToken, re: regexp.MustCompile(`\bgl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,}`)},
		{kind: KindSlackToken, re: regexp.MustCompile(`\bxox[abposre]-[A-Za-z0-9-]{10,}|\bxapp-\d-[A-Za-z0-9-]{10,}`)},
		{kind: KindSlackWebhook, re: regexp.MustCompile(`https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}`)},
		{kind: KindStripeKey, re: regexp.MustCompile(`\b(?:sk|rk)_live_[A-Za-z0-9]{20,}`)},
		{kind: KindGoogleAPIKey, re: regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`)},
		{kind: KindNPMToken, re: regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}\b`)},
		{kind: KindSendGridKey, re: regexp.MustCompile(`\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b`)},
		{kind: KindAnthropicKey, re: regexp.MustCompile(`\bsk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{80,}`)},
		{kind: KindOpenAIKey, re: regexp.MustCompile(`\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}|\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}`)},
		{kind: KindShopifyToken, re: regexp.MustCompile(`\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b`)},
		{kind: KindPyPIToken, re: regexp.MustCompile(`\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}`)},
		{kind: KindJWT, re: regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*`)},
		// scheme://user:password@host; the user may be empty (redis://:pw@h).
		{kind: KindURLPassword, re: regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]{1,30}://[^\s/?#@:]*:([^\s/?#@]+)@[^\s/?#@]`), group: 1},
		// Key=value connection strings (ADO.NET, libpq, JDBC, Azure) and URL
		// query parameters.
		{kind: KindConnString, re: regexp.MustCompile(`(?i)(?:^|[;&?\s,])(?:password|passwd|pwd|accountkey|sharedaccesskey|client_secret|access_token|api_key|apikey|sig)\s*=\s*([^;&\s,]+)`), group: 1},
		// A JSON or YAML document with a credential field: {"password": "…"}.
		{kind: KindDocumentField, re: regexp.MustCompile(`(?i)["']?(?:password|passwd|pwd|secret|client_secret|secret_key|api_key|apikey|private_key|access_token|auth_token|token)["']?\s*:\s*"([^"\s]{4,})"`), group: 1},
	}
})

// isExampleKey reports AWS's documentation keys (AKIAIOSFODNN7EXAMPLE).
func isExampleKey(m string) bool {
	return len(m) >= 7 && m[len(m)-7:] == "EXAMPLE"
}
