package awsfix

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

// IsolateEnv isolates the test from the machine's AWS settings for the
// rest of the test (t.Setenv): no profile, no shared config or credentials
// files, no instance metadata, web identity or container credentials, no
// per-service endpoint or retry settings; and the given endpoint, access
// key ID (with the secret key "testing") and Region ("" leaves each unset).
func IsolateEnv(tb testing.TB, endpoint, keyID, region string) {
	tb.Helper()
	empty := filepath.Join(tb.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		tb.Fatal(err)
	}
	secretKey := ""
	if keyID != "" {
		secretKey = "testing"
	}
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":                       endpoint,
		"AWS_ACCESS_KEY_ID":                      keyID,
		"AWS_SECRET_ACCESS_KEY":                  secretKey,
		"AWS_SESSION_TOKEN":                      "",
		"AWS_REGION":                             region,
		"AWS_DEFAULT_REGION":                     "",
		"AWS_PROFILE":                            "",
		"AWS_DEFAULT_PROFILE":                    "",
		"AWS_CONFIG_FILE":                        empty,
		"AWS_SHARED_CREDENTIALS_FILE":            empty,
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_ROLE_ARN":                           "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER":       "",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS":    "",
		"AWS_MAX_ATTEMPTS":                       "",
		"AWS_RETRY_MODE":                         "",
	} {
		tb.Setenv(k, v)
	}
}

// MotoEnv points the SDK's default configuration at the moto server, with
// test credentials, in region (IsolateEnv).
func MotoEnv(tb testing.TB, srv *motoserver.Server, region string) {
	tb.Helper()
	IsolateEnv(tb, srv.Endpoint, "testing", region)
}
