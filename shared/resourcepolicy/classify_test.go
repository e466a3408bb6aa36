package resourcepolicy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	ownAccount     = "123456789012"
	ownOrg         = "o-a1b2c3d4e5"
	allowedAccount = "444455556666"
	memberAccount  = "777788889999"
)

var defaultCtx = Context{
	AccountID:       ownAccount,
	OrganizationID:  ownOrg,
	AllowedAccounts: []string{allowedAccount},
	OrgAccounts:     []string{memberAccount},
}

// want is the expected verdict of one Allow statement.
type want struct {
	index      int
	exposure   Exposure
	accounts   []string
	disallowed []string
	inOrg      bool
	reason     string // substring of Verdict.Reason; optional
}

// stmt wraps one statement body (without braces) in a policy.
func stmt(body string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` + body + `,"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
}

// wildcardWith is a "*" principal statement with the given Condition object.
func wildcardWith(cond string) string {
	return stmt(`"Principal":"*","Condition":` + cond)
}

func TestClassify(t *testing.T) {
	noOrgCtx := defaultCtx
	noOrgCtx.OrganizationID = ""
	otherOrgCtx := defaultCtx
	otherOrgCtx.OrganizationID = "o-zzzzzzzzzz"
	allowAllCtx := defaultCtx
	allowAllCtx.AllowedAccounts = []string{"111122223333"}

	cases := []struct {
		name string
		doc  string // policy JSON, or "@file" for testdata/file
		ctx  *Context
		want []want
	}{
		// Policies from testdata, shaped like the Secrets Manager documentation examples.
		{"cross-account role ARN", "@cross_account_role.json", nil, []want{
			{0, CrossAccount, []string{"111122223333"}, []string{"111122223333"}, false, "account 111122223333"}}},
		{"cross-account role ARN, account allowed", "@cross_account_role.json", &allowAllCtx, []want{
			{0, CrossAccount, []string{"111122223333"}, nil, false, ""}}},
		{"PrincipalOrgID of this organisation", "@org_id.json", nil, []want{
			{0, CrossAccount, nil, nil, true, "this organisation " + ownOrg}}},
		{"PrincipalOrgID, organisation unknown", "@org_id.json", &noOrgCtx, []want{
			{0, CrossAccount, nil, []string{ownOrg}, false, "organisation " + ownOrg + " by aws:PrincipalOrgID, but this organisation is unknown"}}},
		{"PrincipalOrgID of another organisation", "@org_id.json", &otherOrgCtx, []want{
			{0, CrossAccount, nil, []string{ownOrg}, false, "not this organisation (o-zzzzzzzzzz)"}}},
		{"public AWS star", "@public.json", nil, []want{
			{0, Public, nil, nil, false, `Principal "*" without a restricting condition`}}},
		{"BlockPublicPolicy-style examples", "@block_public_policy.json", nil, []want{
			{0, CrossAccount, nil, nil, false, "aws:SourceVpce vpce-1234a5678b9012c"},
			{1, Public, nil, nil, false, "without a restricting condition"},
			{2, CrossAccount, []string{allowedAccount}, nil, false, "by aws:PrincipalArn"},
			{3, Public, nil, nil, false, ""}}},
		{"service principals", "@service_principal.json", nil, []want{
			{0, Scoped, nil, nil, false, "owning account by aws:SourceAccount"},
			{1, Scoped, nil, nil, false, "owning account by aws:SourceArn"},
			{2, CrossAccount, nil, nil, false, `confused deputy: service principal "ses.amazonaws.com", "events.amazonaws.com"`}}},
		{"NotPrincipal in Allow; Deny skipped", "@not_principal.json", nil, []want{
			{0, Public, nil, nil, true, "NotPrincipal"}}},
		{"ForAnyValue and ForAllValues on org keys", "@org_paths.json", nil, []want{
			{0, CrossAccount, nil, nil, true, "aws:PrincipalOrgPaths"},
			{1, Public, nil, nil, false, ""},
			{2, CrossAccount, nil, nil, true, ""},
			{3, Public, nil, nil, false, ""}}},
		{"aws-cn, aws-us-gov, aws-iso, aws-iso-b ARNs", "@partitions.json", nil, []want{
			{0, CrossAccount, []string{"210987654321", "310987654321", "410987654321", "510987654321"},
				[]string{"210987654321", "310987654321", "410987654321", "510987654321"}, false, ""},
			{1, Scoped, nil, nil, false, "owning account"}}},
		{"numeric, bool and negated conditions do not restrict", "@conditions_mixed.json", nil, []want{
			{0, CrossAccount, []string{allowedAccount}, nil, false, ""},
			{1, CrossAccount, []string{memberAccount, "999988887777"}, []string{"999988887777", "AROAEXAMPLEDELETEDROLE"}, false, "federated principal"}}},

		// Shapes.
		{"Statement as object, Principal as string", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*"}}`, nil, []want{
			{0, Public, nil, nil, false, ""}}},
		{"own account ID", stmt(`"Principal":{"AWS":"123456789012"}`), nil, []want{{0, Scoped, nil, nil, false, ""}}},
		{"own account root ARN", stmt(`"Principal":{"AWS":["arn:aws:iam::123456789012:root"]}`), nil, []want{{0, Scoped, nil, nil, false, ""}}},
		{"member account is not disallowed", stmt(`"Principal":{"AWS":"777788889999"}`), nil, []want{{0, CrossAccount, []string{memberAccount}, nil, false, ""}}},
		{"duplicate accounts are deduplicated", stmt(`"Principal":{"AWS":["999988887777","arn:aws:iam::999988887777:root","arn:aws:iam::999988887777:role/x"]}`), nil, []want{
			{0, CrossAccount, []string{"999988887777"}, []string{"999988887777"}, false, ""}}},
		{"wildcard account in ARN", stmt(`"Principal":{"AWS":"arn:aws:iam::*:root"}`), nil, []want{
			{0, Public, nil, nil, false, `"arn:aws:iam::*:root"`}}},
		{"mixed star and account", stmt(`"Principal":{"AWS":["*","444455556666","123456789012"]}`), nil, []want{
			{0, Public, []string{allowedAccount}, nil, false, ""}}},
		{"explicit account with own PrincipalOrgID", stmt(`"Principal":{"AWS":"999988887777"},"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`), nil, []want{
			{0, CrossAccount, []string{"999988887777"}, nil, true, ""}}},
		{"explicit account with foreign PrincipalOrgID", stmt(`"Principal":{"AWS":"999988887777"},"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-zzzzzzzzzz"}}`), nil, []want{
			{0, CrossAccount, []string{"999988887777"}, []string{"999988887777"}, false, ""}}},
		{"no Principal", `{"Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}]}`, nil, []want{
			{0, Scoped, nil, nil, false, "no Principal"}}},
		{"empty Principal object", stmt(`"Principal":{"AWS":[]}`), nil, []want{{0, Scoped, nil, nil, false, "names no one"}}},
		{"Deny only", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`, nil, nil},
		{"Allow with unrelated actions is classified", stmt(`"Principal":"*","NotAction":"secretsmanager:*"`), nil, []want{{0, Public, nil, nil, false, ""}}},

		// Service, federated, canonical principals.
		{"service with foreign SourceAccount", stmt(`"Principal":{"Service":"sns.amazonaws.com"},"Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}`), nil, []want{
			{0, CrossAccount, []string{"111122223333"}, []string{"111122223333"}, false, ""}}},
		{"service with numeric SourceAccount", stmt(`"Principal":{"Service":"sns.amazonaws.com"},"Condition":{"StringEquals":{"aws:SourceAccount":123456789012}}`), nil, []want{
			{0, Scoped, nil, nil, false, ""}}},
		{"service with SourceOwner", stmt(`"Principal":{"Service":"ses.amazonaws.com"},"Condition":{"StringEquals":{"aws:SourceOwner":"123456789012"}}`), nil, []want{
			{0, Scoped, nil, nil, false, ""}}},
		{"service with own SourceOrgID", stmt(`"Principal":{"Service":"events.amazonaws.com"},"Condition":{"StringEquals":{"aws:SourceOrgID":"o-a1b2c3d4e5"}}`), nil, []want{
			{0, CrossAccount, nil, nil, true, "this organisation"}}},
		{"service with PrincipalAccount is still a confused deputy", stmt(`"Principal":{"Service":"events.amazonaws.com"},"Condition":{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}`), nil, []want{
			{0, CrossAccount, nil, nil, false, "confused deputy"}}},
		{"service with S3 bucket SourceArn (no account)", stmt(`"Principal":{"Service":"s3.amazonaws.com"},"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::my-bucket"}}`), nil, []want{
			{0, CrossAccount, nil, nil, false, "confused deputy"}}},
		{"service with SourceAccount IfExists", stmt(`"Principal":{"Service":"sns.amazonaws.com"},"Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"123456789012"}}`), nil, []want{
			{0, CrossAccount, nil, nil, false, "confused deputy"}}},
		{"service star", stmt(`"Principal":{"Service":"*"}`), nil, []want{{0, Public, nil, nil, false, `Service "*"`}}},
		{"service and own account", stmt(`"Principal":{"Service":"lambda.amazonaws.com","AWS":"123456789012"}`), nil, []want{
			{0, CrossAccount, nil, nil, false, "confused deputy"}}},
		{"federated", stmt(`"Principal":{"Federated":"arn:aws:iam::123456789012:saml-provider/okta"}`), nil, []want{
			{0, CrossAccount, nil, nil, false, "federated"}}},
		{"canonical user", stmt(`"Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}`), nil, []want{
			{0, CrossAccount, nil, nil, false, "canonical user"}}},

		// Conditions on a wildcard principal.
		{"IfExists does not restrict", wildcardWith(`{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"ArnLikeIfExists does not restrict", wildcardWith(`{"ArnLikeIfExists":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/x"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"negated operator does not restrict", wildcardWith(`{"StringNotEquals":{"aws:PrincipalAccount":"123456789012"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"ArnNotLike does not restrict", wildcardWith(`{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/x"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"Null does not restrict", wildcardWith(`{"Null":{"aws:PrincipalOrgID":"false"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"ResourceAccount is not a principal restriction", wildcardWith(`{"StringEquals":{"aws:ResourceAccount":"123456789012"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"SourceIp does not restrict", wildcardWith(`{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"wildcard org ID value", wildcardWith(`{"StringLike":{"aws:PrincipalOrgID":"o-a1b2*"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"question mark org ID value", wildcardWith(`{"StringLike":{"aws:PrincipalOrgID":"o-a1b2c3d4e?"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"one wildcard value opens the condition", wildcardWith(`{"StringEquals":{"aws:PrincipalAccount":["123456789012","*"]}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"StringLike without wildcard restricts", wildcardWith(`{"StringLike":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`), nil, []want{{0, CrossAccount, nil, nil, true, ""}}},
		{"StringEqualsIgnoreCase restricts", wildcardWith(`{"StringEqualsIgnoreCase":{"aws:PrincipalOrgID":"O-A1B2C3D4E5"}}`), nil, []want{{0, CrossAccount, nil, nil, true, ""}}},
		{"keys compare case-insensitively", wildcardWith(`{"StringEquals":{"AWS:principalorgid":"o-a1b2c3d4e5"}}`), nil, []want{{0, CrossAccount, nil, nil, true, ""}}},
		{"operators compare case-sensitively", wildcardWith(`{"stringequals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"ForAnyValue on single-valued key restricts", wildcardWith(`{"ForAnyValue:StringEquals":{"aws:PrincipalAccount":"123456789012"}}`), nil, []want{{0, Scoped, nil, nil, false, ""}}},
		{"ForAllValues on single-valued key does not restrict", wildcardWith(`{"ForAllValues:StringEquals":{"aws:PrincipalAccount":"123456789012"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"PrincipalAccount own", wildcardWith(`{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}`), nil, []want{{0, Scoped, nil, nil, false, "owning account"}}},
		{"SourceAccount own and allowed", wildcardWith(`{"StringEquals":{"aws:SourceAccount":["123456789012","444455556666"]}}`), nil, []want{
			{0, CrossAccount, []string{allowedAccount}, nil, false, ""}}},
		{"PrincipalArn in aws-cn with ArnEquals", wildcardWith(`{"ArnEquals":{"aws:PrincipalArn":"arn:aws-cn:iam::999988887777:role/x"}}`), nil, []want{
			{0, CrossAccount, []string{"999988887777"}, []string{"999988887777"}, false, ""}}},
		{"PrincipalArn with StringLike wildcard before account", wildcardWith(`{"StringLike":{"aws:PrincipalArn":"arn:*:iam::444455556666:role/x"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"PrincipalArn with ArnLike wildcard partition", wildcardWith(`{"ArnLike":{"aws:PrincipalArn":"arn:*:iam::444455556666:role/x"}}`), nil, []want{
			{0, CrossAccount, []string{allowedAccount}, nil, false, ""}}},
		{"SourceArn with wildcard account", wildcardWith(`{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:topic"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"own org ID and foreign org ID", wildcardWith(`{"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5","o-zzzzzzzzzz"]}}`), nil, []want{
			{0, CrossAccount, nil, []string{"o-zzzzzzzzzz"}, false, ""}}},
		{"org ID and account", wildcardWith(`{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5","aws:PrincipalAccount":"999988887777"}}`), nil, []want{
			{0, CrossAccount, []string{"999988887777"}, nil, true, ""}}},
		{"org path with wildcard in org ID", wildcardWith(`{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-*/r-ab12/*"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"foreign org path", wildcardWith(`{"ForAnyValue:StringEquals":{"aws:PrincipalOrgPaths":"o-zzzzzzzzzz/r-ab12/"}}`), nil, []want{
			{0, CrossAccount, nil, []string{"o-zzzzzzzzzz"}, false, ""}}},
		{"SourceVpc", wildcardWith(`{"StringEquals":{"aws:SourceVpc":"vpc-111bbb22"}}`), nil, []want{{0, CrossAccount, nil, nil, false, "network"}}},
		{"userid with fixed prefix", wildcardWith(`{"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}}`), nil, []want{{0, CrossAccount, nil, nil, false, "aws:userid AROAEXAMPLEID"}}},
		{"userid with wildcard prefix", wildcardWith(`{"StringLike":{"aws:userid":"AROA*:*"}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
		{"empty value list does not restrict", wildcardWith(`{"StringEquals":{"aws:PrincipalOrgID":[]}}`), nil, []want{{0, Public, nil, nil, false, ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(loadDoc(t, tc.doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			ctx := defaultCtx
			if tc.ctx != nil {
				ctx = *tc.ctx
			}
			got := Classify(p, ctx)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d verdicts, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				v := got[i]
				if v.Index != w.index || v.Exposure != w.exposure || !slices.Equal(v.Accounts, w.accounts) ||
					!slices.Equal(v.Disallowed, w.disallowed) || v.InOrg != w.inOrg || !strings.Contains(v.Reason, w.reason) {
					t.Errorf("verdict %d:\n got  {Index:%d Exposure:%s Accounts:%q Disallowed:%q InOrg:%v Reason:%q}\n want {Index:%d Exposure:%s Accounts:%q Disallowed:%q InOrg:%v Reason⊇%q}",
						i, v.Index, v.Exposure, v.Accounts, v.Disallowed, v.InOrg, v.Reason,
						w.index, w.exposure, w.accounts, w.disallowed, w.inOrg, w.reason)
				}
				if v.Sid != p.Statements[v.Index].Sid {
					t.Errorf("verdict %d: Sid %q, want %q", i, v.Sid, p.Statements[v.Index].Sid)
				}
			}
		})
	}
}

func TestWorst(t *testing.T) {
	scoped := Verdict{Index: 0, Exposure: Scoped}
	cross := Verdict{Index: 1, Exposure: CrossAccount, Accounts: []string{allowedAccount}}
	crossBad := Verdict{Index: 2, Exposure: CrossAccount, Accounts: []string{"999988887777"}, Disallowed: []string{"999988887777"}}
	public := Verdict{Index: 3, Exposure: Public}
	cases := []struct {
		name   string
		in     []Verdict
		want   int
		wantOK bool
	}{
		{"none", nil, 0, false},
		{"scoped only", []Verdict{scoped}, 0, true},
		{"cross beats scoped", []Verdict{scoped, cross}, 1, true},
		{"disallowed beats cross", []Verdict{cross, crossBad, scoped}, 2, true},
		{"public beats all", []Verdict{crossBad, public, cross}, 3, true},
		{"first on tie", []Verdict{cross, {Index: 9, Exposure: CrossAccount}}, 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Worst(tc.in)
			if ok != tc.wantOK || (ok && got.Index != tc.want) {
				t.Errorf("Worst = %+v, %v; want index %d, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestClassifyNil(t *testing.T) {
	if got := Classify(nil, defaultCtx); got != nil {
		t.Errorf("Classify(nil) = %v", got)
	}
}

func loadDoc(t testing.TB, doc string) string {
	t.Helper()
	name, ok := strings.CutPrefix(doc, "@")
	if !ok {
		return doc
	}
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
