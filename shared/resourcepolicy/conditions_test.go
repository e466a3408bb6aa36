package resourcepolicy

import (
	"reflect"
	"testing"
)

func TestRestrictions(t *testing.T) {
	c := Conditions{
		"StringEquals": {
			"aws:PrincipalOrgID":  {"o-a1b2c3d4e5"},
			"aws:SourceAccount":   {"111122223333", "444455556666"},
			"aws:ResourceAccount": {"123456789012"}, // the secret's, not the caller's
		},
		"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": {"o-a1b2c3d4e5/r-ab12/*"}},
		"ArnLike":                {"aws:PrincipalArn": {"arn:aws:iam::444455556666:role/*"}},
		"StringNotEquals":        {"aws:PrincipalAccount": {"999988887777"}},                           // negated
		"StringEqualsIfExists":   {"aws:PrincipalAccount": {"999988887777"}},                           // IfExists
		"StringLike":             {"aws:PrincipalAccount": {"1111*"}, "aws:SourceVpce": {"vpce-1a2b"}}, // open value; network
	}
	want := []Restriction{
		{Operator: "ArnLike", Key: "aws:PrincipalArn", Kind: AccountFact, Facts: []string{"444455556666"}},
		{Operator: "ForAnyValue:StringLike", Key: "aws:PrincipalOrgPaths", Kind: OrganizationFact, Facts: []string{"o-a1b2c3d4e5"}},
		{Operator: "StringEquals", Key: "aws:PrincipalOrgID", Kind: OrganizationFact, Facts: []string{"o-a1b2c3d4e5"}},
		{Operator: "StringEquals", Key: "aws:SourceAccount", Kind: AccountFact, Source: true, Facts: []string{"111122223333", "444455556666"}},
		{Operator: "StringLike", Key: "aws:SourceVpce", Kind: NetworkFact, Facts: []string{"vpce-1a2b"}},
	}
	if got := Restrictions(c); !reflect.DeepEqual(got, want) {
		t.Errorf("Restrictions:\n got %+v\nwant %+v", got, want)
	}
	if got := Restrictions(nil); got != nil {
		t.Errorf("Restrictions(nil) = %+v", got)
	}
}

func TestPrincipalRestrictions(t *testing.T) {
	org := Restriction{Operator: "StringEquals", Key: "aws:PrincipalOrgID", Kind: OrganizationFact, Facts: []string{"o-a1b2c3d4e5"}}
	acct := Restriction{Operator: "StringEquals", Key: "aws:PrincipalAccount", Kind: AccountFact, Facts: []string{"444455556666"}}
	src := Restriction{Operator: "StringEquals", Key: "aws:SourceAccount", Kind: AccountFact, Source: true, Facts: []string{"123456789012"}}
	srcOrg := Restriction{Operator: "StringEquals", Key: "aws:SourceOrgID", Kind: OrganizationFact, Source: true, Facts: []string{"o-a1b2c3d4e5"}}
	conds := func(keys map[string][]string) Conditions {
		return Conditions{"StringEquals": keys, "StringLike": {"aws:SourceVpc": {"vpc-1"}}}
	}
	for _, tc := range []struct {
		name string
		st   Statement
		want []Restriction
	}{
		{"no principal", Statement{Condition: conds(map[string][]string{"aws:PrincipalOrgID": {"o-a1b2c3d4e5"}})}, nil},
		{"named account only", Statement{Principal: &Principal{AWS: []string{"444455556666"}},
			Condition: conds(map[string][]string{"aws:PrincipalOrgID": {"o-a1b2c3d4e5"}})}, nil},
		{"wildcard: organisation keys when no account key", Statement{Principal: &Principal{Wildcard: true},
			Condition: conds(map[string][]string{"aws:PrincipalOrgID": {"o-a1b2c3d4e5"}})}, []Restriction{org}},
		{"wildcard: account keys win", Statement{Principal: &Principal{AWS: []string{"arn:aws:iam::*:root"}},
			Condition: conds(map[string][]string{"aws:PrincipalOrgID": {"o-a1b2c3d4e5"}, "aws:PrincipalAccount": {"444455556666"}})}, []Restriction{acct}},
		{"wildcard federated value counts as a wildcard", Statement{Principal: &Principal{Federated: []string{"*"}},
			Condition: conds(map[string][]string{"aws:PrincipalOrgID": {"o-a1b2c3d4e5"}})}, []Restriction{org}},
		{"service: only aws:Source* keys", Statement{Principal: &Principal{Service: []string{"sns.amazonaws.com"}},
			Condition: conds(map[string][]string{"aws:PrincipalAccount": {"444455556666"}, "aws:SourceOrgID": {"o-a1b2c3d4e5"}})}, []Restriction{srcOrg}},
		{"wildcard and service share a restriction once", Statement{Principal: &Principal{Wildcard: true, Service: []string{"sns.amazonaws.com"}},
			Condition: conds(map[string][]string{"aws:SourceAccount": {"123456789012"}})}, []Restriction{src}},
		{"network keys are never listed", Statement{Principal: &Principal{Wildcard: true}, Condition: conds(nil)}, nil},
	} {
		if got := PrincipalRestrictions(tc.st); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestPrincipalAccount(t *testing.T) {
	for _, tc := range []struct {
		v        string
		account  string
		wildcard bool
		ok       bool
	}{
		{"123456789012", "123456789012", false, true},
		{"arn:aws-cn:iam::210987654321:role/x", "210987654321", false, true},
		{"arn:aws:iam::*:root", "", true, true},
		{"*", "", true, true},
		{"arn:aws:iam::12345:root", "", false, false},
		{"AROAEXAMPLEDELETEDROLE", "", false, false},
	} {
		account, wildcard, ok := PrincipalAccount(tc.v)
		if account != tc.account || wildcard != tc.wildcard || ok != tc.ok {
			t.Errorf("PrincipalAccount(%q) = %q, %v, %v; want %q, %v, %v", tc.v, account, wildcard, ok, tc.account, tc.wildcard, tc.ok)
		}
	}
	if !HasWildcard("o-a1b2?") || !HasWildcard("*") || HasWildcard("o-a1b2c3d4e5") {
		t.Error("HasWildcard")
	}
}

func TestContextAllows(t *testing.T) {
	for _, tc := range []struct {
		account string
		want    bool
	}{{ownAccount, true}, {allowedAccount, true}, {memberAccount, true}, {"999988887777", false}, {"", false}} {
		if got := defaultCtx.AllowsAccount(tc.account); got != tc.want {
			t.Errorf("AllowsAccount(%q) = %v", tc.account, got)
		}
	}
	if !defaultCtx.OwnOrganization("O-A1B2C3D4E5") || defaultCtx.OwnOrganization("o-zzzzzzzzzz") || (Context{}).OwnOrganization("") {
		t.Error("OwnOrganization")
	}
}
