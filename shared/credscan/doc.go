// Package credscan tells whether a named value (an environment variable, a
// container's environment entry, an SSM parameter) holds a credential that
// belongs in Secrets Manager.
//
// Detect looks for what matters in practice, in this order:
//
//   - formats that are credentials by themselves: private key blocks, AWS
//     access key IDs (AKIA/ASIA…, not the documentation's …EXAMPLE keys),
//     GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), GitLab (glpat-),
//     Slack (xox?- tokens and hooks.slack.com webhooks), Stripe live keys
//     (sk_live_, rk_live_), Google API keys (AIza), npm, SendGrid, OpenAI,
//     Anthropic, Shopify and PyPI tokens, and JSON Web Tokens;
//   - URLs whose userinfo carries a password (postgres://u:p@host) and
//     connection strings with a password (Password=…; pwd=…;
//     AccountKey=…; ?password=…), unless the password is a placeholder;
//   - a value under a credential-like name (*PASSWORD*, *PASSWD*, *SECRET*,
//     *TOKEN*, *API_KEY*, *PRIVATE_KEY*, *CREDENTIAL*, …, but not names that
//     end in _ARN, _NAME, _ID, _PATH, _FILE, _URL and the like) that is not a
//     reference (an ARN, a {{resolve:…}} or ${…} reference, an SSM path) nor
//     a placeholder, and whose Shannon entropy is high for its length.
//
// A Hit names the variable and the Kind of credential and nothing else: no
// part of the value ever leaves this package (a fuzz test holds it to that).
// Only the first MaxScanBytes of a value are scanned, so memory and time are
// bounded whatever the input (Go's regexp runs in linear time); binary or
// invalid UTF-8 values are scanned like text and never panic.
package credscan
