package credscan

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Test credentials are assembled at run time so that no scanner mistakes
// this file for a leak; none of them is real.
var (
	rnd36  = strings.Repeat("a1B2c3", 6)
	rnd40  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "9Qz2Lm4Vt1"
	akid   = "AKIA" + "Z7QW3ERT5YUI2OPL"
	jwt    = "eyJ" + "hbGciOiJIUzI1NiJ9" + ".eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0" + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	pemKey = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----"
)

func TestDetect(t *testing.T) {
	for _, tt := range []struct {
		name, variable, value string
		want                  Kind // "" = nothing
	}{
		{"pem", "TLS", pemKey, KindPrivateKey},
		{"openssh key", "DEPLOY", "-----BEGIN " + "OPENSSH PRIVATE KEY-----", KindPrivateKey},
		{"pgp key", "GPG", "-----BEGIN PGP " + "PRIVATE KEY BLOCK-----", KindPrivateKey},
		{"aws key id", "AWS_ACCESS_KEY_ID", akid, KindAWSAccessKey},
		{"aws temp key id", "X", "ASIA" + "Z7QW3ERT5YUI2OPL", KindAWSAccessKey},
		{"aws key in text", "CONFIG", "key=" + akid + ";", KindAWSAccessKey},
		{"aws example key", "AWS_ACCESS_KEY_ID", "AKIA" + "IOSFODNN7EXAMPLE", ""},
		{"aws secret key under its name", "AWS_SECRET_ACCESS_KEY", rnd40, KindHighEntropy},
		{"aws secret key in a file", "CREDS_FILE_CONTENT", "aws_secret_access_key = " + rnd40, KindAWSSecretKey},
		{"github classic", "GH", "ghp_" + rnd36, KindGitHubToken},
		{"github oauth", "X", "gho_" + rnd36, KindGitHubToken},
		{"github fine-grained", "X", "github_pat_" + rnd36 + "_" + rnd36, KindGitHubToken},
		{"gitlab", "X", "glpat-" + rnd36[:20], KindGitLabToken},
		{"slack bot", "X", "xoxb-" + "1234567890-abcdefghij", KindSlackToken},
		{"slack webhook", "HOOK", "https://hooks.slack.com/services/" + "T0000/B0000/" + rnd36, KindSlackWebhook},
		{"stripe live", "X", "sk_" + "live_" + rnd36, KindStripeKey},
		{"stripe test is not live", "X", "sk_" + "test_" + rnd36, ""},
		{"google", "MAPS", "AIza" + rnd36[:35], KindGoogleAPIKey},
		{"npm", "X", "npm_" + rnd36, KindNPMToken},
		{"sendgrid", "X", "SG." + rnd36[:22] + "." + rnd36 + rnd36[:7], KindSendGridKey},
		{"jwt", "AUTH_HEADER", "Bearer " + jwt, KindJWT},
		{"postgres url", "DATABASE_URL", "postgres://app:" + "s3cr3t-Pw@db.internal:5432/orders", KindURLPassword},
		{"redis url no user", "CACHE", "redis://:" + "pw9Xy@cache:6379", KindURLPassword},
		{"url with placeholder password", "DATABASE_URL", "postgres://app:${DB_PASSWORD}@db:5432/x", ""},
		{"url without password", "DATABASE_URL", "postgres://app@db:5432/x", ""},
		{"plain https url", "API", "https://api.example.com/v1?x=1", ""},
		{"ado.net", "CONN", "Server=db;Database=x;User Id=sa;" + "Password=Tr0ub4dor&3;", KindConnString},
		{"libpq", "DSN", "host=db user=app " + "password=Zx81Spec dbname=x", KindConnString},
		{"jdbc query", "JDBC", "jdbc:mysql://db/x?user=a&" + "password=Qw3rty9", KindConnString},
		{"azure", "STORAGE", "DefaultEndpointsProtocol=https;AccountName=a;" + "AccountKey=" + rnd40 + "==", KindConnString},
		{"conn string masked", "CONN", "Server=db;Password=****;", ""},
		{"json doc", "CREDS", `{"username":"app","` + `password":"9dKq!x2"}`, KindDocumentField},
		{"json doc placeholder", "CREDS", `{"username":"app","password":"<password>"}`, ""},
		{"password literal", "DB_PASSWORD", "Tr0ub4dor&3", KindHighEntropy},
		{"camel case password", "dbPassword", "Tr0ub4dor&3", KindHighEntropy},
		{"api key hex", "PAYMENT_API_KEY", "9f86d081884c7d659a2feaa0c55ad015", KindHighEntropy},
		{"token uuid", "SERVICE_TOKEN", "123e4567-e89b-12d3-a456-426614174000", KindHighEntropy},
		{"weak but real", "DB_PASSWORD", "Password123!", KindHighEntropy},
		{"placeholder", "DB_PASSWORD", "changeme", ""},
		{"placeholder masked", "DB_PASSWORD", "********", ""},
		{"placeholder template", "DB_PASSWORD", "<your password>", ""},
		{"reference arn", "DB_PASSWORD", "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf", ""},
		{"reference ssm path", "DB_PASSWORD", "/prod/orders/db/password", ""},
		{"reference resolve", "DB_PASSWORD", "{{resolve:secretsmanager:db:SecretString:password}}", ""},
		{"reference var", "API_TOKEN", "${API_TOKEN}", ""},
		{"name is a pointer", "DB_PASSWORD_SECRET_ARN", "prod-db-Pw-9x8Y7z", ""},
		{"token url", "TOKEN_URL", "https://auth.example.com/oauth/token", ""},
		{"token ttl", "TOKEN_TTL", "3600", ""},
		{"low entropy word", "SECRET_MODE_FLAG", "disabled", ""},
		{"plain name plain value", "LOG_LEVEL", "debug", ""},
		{"random value plain name", "BUILD_ID", rnd40, ""},
		{"sentence under secret name", "SECRET_HINT", "ask the platform team for it", ""},
		{"empty", "DB_PASSWORD", "", ""},
		{"shell pwd", "PWD", "/var/task/Xy9!kLm2", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k, ok := Detect(tt.variable, tt.value)
			if ok != (tt.want != "") || k != tt.want {
				t.Errorf("Detect(%q, …) = %q, %v; want %q", tt.variable, k, ok, tt.want)
			}
		})
	}
}

func TestCredentialName(t *testing.T) {
	yes := []string{"DB_PASSWORD", "password", "dbPassword", "GITHUB_TOKEN", "apiKey", "STRIPE_API_KEY", "client-secret",
		"/prod/api/secret", "DB_PWD", "SMTP_PASS", "AWS_SECRET_ACCESS_KEY", "private.key", "MONGO_CONNECTION_STRING", "SIGNING_KEY"}
	no := []string{"PWD", "OLDPWD", "DB_PASSWORD_SECRET_ARN", "TOKEN_URL", "SECRET_NAME", "API_KEY_ID", "LOG_LEVEL", "PASSPORT_COUNTRY",
		"AWS_ACCESS_KEY_ID", "TOKEN_TTL", "", "SECRETS_MANAGER_ENDPOINT", "COMPASS"}
	for _, n := range yes {
		if !CredentialName(n) {
			t.Errorf("CredentialName(%q) = false", n)
		}
	}
	for _, n := range no {
		if CredentialName(n) {
			t.Errorf("CredentialName(%q) = true", n)
		}
	}
}

func TestDatabaseCredentialName(t *testing.T) {
	for n, want := range map[string]bool{
		"/prod/db/password":               true,
		"ORDERS_DB_PASSWORD":              true,
		"rds-master-credentials":          true,
		"/app/postgres/master-pass":       true,
		"mysqlPassword":                   true,
		"/prod/api/token":                 false,
		"/prod/db/host":                   false,
		"/prod/db/password-arn":           false,
		"DEBUG_PASSWORD":                  false,
		"/prod/mongodb/conn-string":       true,
		"/prod/mongodb/replica-set":       false,
		"/prod/mongodb/connection_string": true,
	} {
		if got := DatabaseCredentialName(n); got != want {
			t.Errorf("DatabaseCredentialName(%q) = %v, want %v", n, got, want)
		}
	}
}

func TestIsReferenceAndPlaceholder(t *testing.T) {
	for _, v := range []string{"arn:aws:ssm:us-east-1:1:parameter/x", "{{resolve:ssm:/x}}", "${X}", "$DB_PASSWORD", "/a/b", "ssm:/a/b"} {
		if !IsReference(v) {
			t.Errorf("IsReference(%q) = false", v)
		}
	}
	for _, v := range []string{"Tr0ub4dor&3", "/", "$", "$ x"} {
		if IsReference(v) {
			t.Errorf("IsReference(%q) = true", v)
		}
	}
	for _, v := range []string{"", "ab", "****", "xxxxxx", "<password>", "{{ pw }}", "%s", "changeme", "CHANGEME", "your-token-here", "REPLACE_ME", "null"} {
		if !IsPlaceholder(v) {
			t.Errorf("IsPlaceholder(%q) = false", v)
		}
	}
	for _, v := range []string{"Password123!", "hunter22", "s3cr3t-Pw"} {
		if IsPlaceholder(v) {
			t.Errorf("IsPlaceholder(%q) = true", v)
		}
	}
}

func TestScanAllowAndDescribe(t *testing.T) {
	vars := []Var{
		{"LOG_LEVEL", "info"},
		{"DATABASE_URL", "postgres://app:" + "s3cr3t-Pw@db/x"},
		{"GITHUB_TOKEN", "ghp_" + rnd36},
		{"TEST_PASSWORD", "Tr0ub4dor&3"},
	}
	hits := Scan(vars, func(n string) bool { return n == "TEST_PASSWORD" })
	if len(hits) != 2 || hits[0] != (Hit{"DATABASE_URL", KindURLPassword}) || hits[1] != (Hit{"GITHUB_TOKEN", KindGitHubToken}) {
		t.Fatalf("Scan = %+v", hits)
	}
	if got, want := Describe(hits, 5), "DATABASE_URL (URL with a password), GITHUB_TOKEN (GitHub token)"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if got, want := Describe(hits, 1), "DATABASE_URL (URL with a password), +1 more"; got != want {
		t.Errorf("Describe(1) = %q, want %q", got, want)
	}
	if got := Describe(nil, 3); got != "" {
		t.Errorf("Describe(nil) = %q", got)
	}
	long := strings.Repeat("N", 300)
	if got := ShowName(long); len(got) > maxNameInText || !strings.HasSuffix(got, "…") {
		t.Errorf("ShowName(long) = %q", got)
	}
	if got := ShowName("A\x00B"); got != "(unprintable name)" {
		t.Errorf("ShowName(NUL) = %q", got)
	}
	if got := ShowName("\xff"); got != "(unprintable name)" {
		t.Errorf("ShowName(invalid) = %q", got)
	}
}

func TestMatch(t *testing.T) {
	for _, tt := range []struct {
		glob, s string
		want    bool
	}{
		{"*", "anything/at:all", true},
		{"arn:aws:lambda:*:function:legacy-*", "arn:aws:lambda:us-east-1:1:function:legacy-billing", true},
		{"arn:aws:lambda:*:function:legacy-*", "arn:aws:lambda:us-east-1:1:function:orders", false},
		{"DB_*_PASSWORD", "DB_TEST_PASSWORD", true},
		{"DB_*_PASSWORD", "DB_PASSWORD", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"", "", true},
		{"a*b*c", "a" + strings.Repeat("b", 10000) + "d", false},
	} {
		if got := Match(tt.glob, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.glob, tt.s, got, tt.want)
		}
	}
}

// Bad input: huge, binary and invalid UTF-8 values are scanned without a
// panic, in bounded time, and give clear verdicts.
func TestBadInput(t *testing.T) {
	huge := strings.Repeat("x", 10<<20) + "ghp_" + rnd36 // past MaxScanBytes: not seen
	if k, ok := Detect("HUGE", huge); ok {
		t.Errorf("Detect(huge) = %q: the token lies past MaxScanBytes", k)
	}
	early := "ghp_" + rnd36 + "\n" + strings.Repeat("x", 10<<20)
	if k, _ := Detect("HUGE", early); k != KindGitHubToken {
		t.Errorf("Detect(token then 10 MiB) = %q", k)
	}
	binary := string([]byte{0, 0xff, 0xfe, 0x80, 1, 2, 3, 0xc3, 0x28, 0x9f, 0x92, 0x96, 0, 0x10, 0x7f, 0xee, 0xdd, 0xcc})
	if k, ok := Detect("BLOB_SECRET", binary); !ok || k != KindHighEntropy {
		t.Errorf("Detect(binary under a secret name) = %q, %v", k, ok)
	}
	if _, ok := Detect("BLOB", binary); ok {
		t.Error("Detect(binary under a plain name) found a credential")
	}
	if _, ok := Detect("\xff\xfe", "\xff"+akid); !ok {
		t.Error("Detect with invalid UTF-8 around a key missed it")
	}
}

func BenchmarkDetect(b *testing.B) {
	vals := []Var{{"DATABASE_URL", "postgres://app:" + "s3cr3t@db/x"}, {"LOG_LEVEL", "debug"}, {"DB_PASSWORD", "Tr0ub4dor&3"}, {"BIG", strings.Repeat("abc ", 1000)}}
	for b.Loop() {
		Scan(vals, nil)
	}
}

func TestVarHidesItsValue(t *testing.T) {
	v := Var{Name: "DB_PASSWORD", Value: "Tr0ub4dor&3"}
	js, _ := json.Marshal([]Var{v})
	for _, s := range []string{fmt.Sprint(v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), fmt.Sprintf("%v", []Var{v}), string(js)} {
		if strings.Contains(s, "Tr0ub") || !strings.Contains(s, "DB_PASSWORD") {
			t.Errorf("%q shows the value or hides the name", s)
		}
	}
}
