package credscan

import (
	"math"
	"strings"
)

// MaxScanBytes bounds how much of one value is scanned. Lambda allows 4 KB
// of environment in all, an SSM parameter holds at most 8 KB and a task
// definition 64 KiB, so only hostile input is cut.
const MaxScanBytes = 64 << 10

// Detect reports whether the value of the variable name holds a
// credential, and which kind. It never returns any part of the value.
func Detect(name, value string) (Kind, bool) {
	if len(value) > MaxScanBytes {
		value = value[:MaxScanBytes]
	}
	if k, ok := detectFormat(value); ok {
		return k, true
	}
	if CredentialName(name) && highEntropySecret(value) {
		return KindHighEntropy, true
	}
	return "", false
}

// NamedValue reports whether a name says credential and the value is one
// (not a reference, nor a placeholder) whatever its entropy: what matters
// for stores of plain configuration such as SSM String parameters.
func NamedValue(name, value string) bool {
	return CredentialName(name) && !IsReference(value) && !IsPlaceholder(value)
}

// detectFormat tries the patterns that need no name.
func detectFormat(value string) (Kind, bool) {
	for _, p := range patterns() {
		if p.group == 0 && p.reject == nil {
			if p.re.MatchString(value) {
				return p.kind, true
			}
			continue
		}
		for _, m := range p.re.FindAllStringSubmatch(value, 8) {
			switch {
			case p.reject != nil && p.reject(m[0]):
			case p.group > 0 && (p.group >= len(m) || IsPlaceholder(m[p.group]) || IsReference(m[p.group])):
			default:
				return p.kind, true
			}
		}
	}
	return "", false
}

// credentialWords make a name credential-like wherever they appear in it
// (upper-cased, with - . / and spaces read as _).
var credentialWords = []string{
	"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL", "CREDS",
	"API_KEY", "APIKEY", "ACCESS_KEY", "ACCESSKEY", "PRIVATE_KEY", "PRIVATEKEY",
	"AUTH_KEY", "SIGNING_KEY", "ENCRYPTION_KEY", "MASTER_KEY", "CLIENT_KEY", "SESSION_KEY",
	"CONNECTION_STRING", "CONN_STR", "DSN",
}

// credentialTokens make a name credential-like as whole _-separated parts.
var credentialTokens = map[string]bool{"PWD": true, "PASS": true, "PW": true}

// referenceSuffixes mark names whose values describe or point to a
// credential rather than hold it: SECRET_ARN, TOKEN_URL, PASSWORD_FILE.
var referenceSuffixes = map[string]bool{
	"ARN": true, "NAME": true, "ID": true, "IDS": true, "PATH": true, "FILE": true, "DIR": true,
	"URL": true, "URI": true, "ENDPOINT": true, "HOST": true, "PORT": true, "REGION": true,
	"TTL": true, "EXPIRY": true, "EXPIRES": true, "EXPIRATION": true, "TIMEOUT": true, "LENGTH": true,
	"LEN": true, "SIZE": true, "TYPE": true, "VERSION": true, "ENABLED": true, "DISABLED": true,
	"REF": true, "PARAM": true, "PARAMETER": true, "PREFIX": true, "HEADER": true, "FIELD": true,
	"POLICY": true, "ROTATION": true, "STAGE": true, "KEY_ID": true, "COUNT": true, "MODE": true,
}

// normName upper-cases a name and turns separators into underscores.
func normName(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '.', '/', ' ', ':':
			return '_'
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, name)
}

// CredentialName reports whether a variable or parameter name says that
// its value is a credential (DB_PASSWORD, githubToken, /prod/api/secret),
// and not a pointer to one (DB_PASSWORD_SECRET_ARN, TOKEN_URL).
func CredentialName(name string) bool {
	n := normName(camelToSnake(name))
	if n == "" || n == "PWD" || n == "OLDPWD" {
		return false
	}
	parts := strings.FieldsFunc(n, func(r rune) bool { return r == '_' })
	if len(parts) == 0 {
		return false
	}
	last := parts[len(parts)-1]
	if referenceSuffixes[last] || (len(parts) > 1 && referenceSuffixes[parts[len(parts)-2]+"_"+last]) {
		return false
	}
	for _, p := range parts {
		if credentialTokens[p] {
			return true
		}
	}
	joined := strings.Join(parts, "_")
	squashed := strings.Join(parts, "")
	for _, w := range credentialWords {
		if strings.Contains(joined, w) || strings.Contains(squashed, strings.ReplaceAll(w, "_", "")) {
			return true
		}
	}
	return false
}

// camelToSnake inserts _ between a lower-case letter or digit and an
// upper-case one, so that dbPassword reads as DB_PASSWORD.
func camelToSnake(s string) string {
	if len(s) > 256 {
		s = s[:256]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i > 0 && c >= 'A' && c <= 'Z' {
			p := s[i-1]
			if (p >= 'a' && p <= 'z') || (p >= '0' && p <= '9') {
				b.WriteByte('_')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// dbWords mark a name as about a database.
var dbWords = []string{
	"DB", "DATABASE", "RDS", "AURORA", "POSTGRES", "POSTGRESQL", "PG", "MYSQL", "MARIADB",
	"MSSQL", "SQLSERVER", "ORACLE", "REDSHIFT", "DOCDB", "DOCUMENTDB", "MONGO", "MONGODB",
	"JDBC", "NEPTUNE", "SQL",
}

// DatabaseCredentialName reports whether a name says it holds a database
// credential (/prod/db/password, ORDERS_DB_PASSWORD, rds-master-credentials),
// judged from the name alone: it is what decides for SecureString
// parameters, whose values secretguard never reads.
func DatabaseCredentialName(name string) bool {
	if !CredentialName(name) {
		return false
	}
	parts := strings.FieldsFunc(normName(camelToSnake(name)), func(r rune) bool { return r == '_' })
	for _, p := range parts {
		for _, w := range dbWords {
			if p == w || (len(w) > 3 && strings.HasPrefix(p, w)) {
				return true
			}
		}
	}
	return false
}

// referencePrefixes start values that point to a credential.
var referencePrefixes = []string{
	"arn:", "{{resolve:", "${", "$(", "#{", "%(", "ssm:", "secretsmanager:", "secrets-manager:",
	"vault:", "env:", "file:", "s3://", "aws-secretsmanager:", "kms:", "cipher:", "enc(", "encrypted:",
}

// IsReference reports whether a value points to a credential stored
// elsewhere instead of holding it: an ARN, a CloudFormation dynamic
// reference, a ${VAR}, an SSM parameter path.
func IsReference(v string) bool {
	v = strings.TrimSpace(v)
	l := strings.ToLower(v)
	for _, p := range referencePrefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	// An SSM parameter path: /a/b, no spaces.
	if strings.HasPrefix(v, "/") && strings.Count(v, "/") >= 2 && !strings.ContainsAny(v, " \t\n") && len(v) <= 2048 {
		return true
	}
	return strings.HasPrefix(v, "$") && len(v) > 1 && isIdent(v[1:])
}

func isIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// placeholderWords are values that stand in for a credential.
var placeholderWords = []string{
	"changeme", "change-me", "change_me", "password", "passwd", "secret", "example", "redacted",
	"dummy", "test", "testing", "none", "null", "nil", "undefined", "todo", "tbd", "default",
	"placeholder", "fixme", "sample", "notset", "not-set", "unset", "empty", "true", "false",
}

// placeholderPrefixes start values that ask for a credential.
var placeholderPrefixes = []string{"your", "replace", "insert", "changeme", "change_me", "change-me", "put-", "put_", "enter"}

// IsPlaceholder reports whether a value is a stand-in rather than a
// credential: empty, masked (****), a template (<password>, %s, {{x}}),
// or a word such as changeme.
func IsPlaceholder(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 3 {
		return true
	}
	l := strings.ToLower(v)
	if strings.Trim(l, "*x•.#-_ ") == "" {
		return true
	}
	switch {
	case strings.HasPrefix(l, "<") && strings.HasSuffix(l, ">"),
		strings.HasPrefix(l, "{{") && strings.HasSuffix(l, "}}"),
		strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"),
		strings.HasPrefix(l, "%") && len(l) <= 4:
		return true
	}
	for _, w := range placeholderWords {
		if l == w {
			return true
		}
	}
	for _, p := range placeholderPrefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// highEntropySecret reports whether a value under a credential-like name
// looks like a real credential: not a reference or a placeholder, no
// whitespace, and either a mixed password of 8+ characters or a random
// string of 16+.
func highEntropySecret(v string) bool {
	if len(v) < 8 || IsReference(v) || IsPlaceholder(v) || strings.ContainsAny(v, " \t\r\n") {
		return false
	}
	if v[0] == '{' || v[0] == '[' {
		return false // a document: its fields were judged by the patterns
	}
	if strings.HasPrefix(strings.ToLower(v), "http://") || strings.HasPrefix(strings.ToLower(v), "https://") {
		return false // a URL without a password in it (the pattern has checked)
	}
	h := entropy(v)
	return (classes(v) >= 3 && h >= 2.5) || (len(v) >= 16 && h >= 3.5)
}

// entropy is the Shannon entropy of s in bits per byte.
func entropy(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	var h float64
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// classes counts the character classes in s: lower, upper, digit, other.
func classes(s string) int {
	var lower, upper, digit, other int
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z':
			lower = 1
		case c >= 'A' && c <= 'Z':
			upper = 1
		case c >= '0' && c <= '9':
			digit = 1
		default:
			other = 1
		}
	}
	return lower + upper + digit + other
}
