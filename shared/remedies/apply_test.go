package remedies_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/resourcepolicy"
)

func TestApply(t *testing.T) {
	const arn = "arn:aws:secretsmanager:us-east-1:" + account + ":secret:app/x-AbCdEf"
	tag := remedies.Call{Service: "secretsmanager", Operation: "TagResource",
		Input: &secretsmanager.TagResourceInput{SecretId: aws.String(arn), Tags: []smtypes.Tag{{Key: aws.String("owner"), Value: aws.String("alice")}}}}
	rotate := remedies.Call{Service: "secretsmanager", Operation: "RotateSecret",
		Input: &secretsmanager.RotateSecretInput{SecretId: aws.String(arn), RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}, RotateImmediately: aws.Bool(false)}}
	untag := remedies.Call{Service: "secretsmanager", Operation: "UntagResource",
		Input: &secretsmanager.UntagResourceInput{SecretId: aws.String(arn), TagKeys: []string{"owner"}}}

	t.Run("stops at the first error", func(t *testing.T) {
		f := newFake(arn)
		f.s.VersionStages["v2"] = []string{"AWSPENDING"} // RotateSecret fails, as on AWS
		done, err := remedies.Apply(ctxFor(t), remedies.Clients{Secrets: f}, []remedies.Call{tag, rotate, untag})
		if err == nil || !strings.HasPrefix(err.Error(), "RotateSecret "+arn+": ") || !strings.Contains(err.Error(), "InvalidRequestException") {
			t.Fatalf("error %v", err)
		}
		if !reflect.DeepEqual(f.calls, []string{"TagResource", "RotateSecret"}) {
			t.Errorf("sent %v", f.calls)
		}
		if len(done) != 2 || done[0].Outcome != remedies.OutcomeOK || !strings.Contains(done[1].Outcome, "A previous rotation isn't complete") {
			t.Errorf("done %+v", done)
		}
		if string(done[0].Params) != `{"SecretId":"`+arn+`","Tags":[{"Key":"owner","Value":"alice"}]}` {
			t.Errorf("params %s", done[0].Params)
		}
	})
	t.Run("refuses a secret value before sending anything", func(t *testing.T) {
		f := newFake(arn)
		bad := remedies.Call{Service: "secretsmanager", Operation: "UpdateSecret",
			Input: &secretsmanager.UpdateSecretInput{SecretId: aws.String(arn), SecretString: aws.String("hunter2")}}
		done, err := remedies.Apply(ctxFor(t), remedies.Clients{Secrets: f}, []remedies.Call{tag, bad})
		if err == nil || len(done) != 0 || len(f.calls) != 0 || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("done %+v, sent %v, err %v", done, f.calls, err)
		}
	})
	t.Run("refuses a call whose operation does not match its input", func(t *testing.T) {
		bad := tag
		bad.Operation = "UntagResource"
		if _, err := remedies.Apply(ctxFor(t), remedies.Clients{Secrets: newFake(arn)}, []remedies.Call{bad}); err == nil {
			t.Error("accepted")
		}
		if _, err := remedies.Apply(ctxFor(t), remedies.Clients{Secrets: newFake(arn)}, []remedies.Call{{Service: "kms", Operation: "PutKeyPolicy", Input: "x"}}); err == nil {
			t.Error("accepted an unknown call")
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		f := newFake(arn)
		if _, err := remedies.Apply(ctx, remedies.Clients{Secrets: f}, []remedies.Call{tag}); !errors.Is(err, context.Canceled) || len(f.calls) != 0 {
			t.Errorf("err %v, sent %v", err, f.calls)
		}
	})
	t.Run("nothing to do", func(t *testing.T) {
		done, err := remedies.Apply(ctxFor(t), remedies.Clients{}, nil)
		if err != nil || len(done) != 0 {
			t.Errorf("%+v %v", done, err)
		}
	})
}

// ExampleTighten rewrites a policy with one public statement and one that
// grants an account the baseline does not allow.
func ExampleTighten() {
	p, _ := resourcepolicy.Parse(`{"Version":"2012-10-17","Statement":[
	  {"Sid":"Public","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"},
	  {"Sid":"Vendor","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)
	out, changes := remedies.Tighten(p, resourcepolicy.Context{AccountID: "111122223333", OrganizationID: "o-a1b2c3d4e5"})
	for _, c := range changes {
		fmt.Println(c)
	}
	doc, _ := out.JSON()
	fmt.Println(doc)
	// Output:
	// restricted statement "Public" to organisation o-a1b2c3d4e5 (StringEquals aws:PrincipalOrgID)
	// removed statement "Vendor": it named only principals the baseline does not allow (arn:aws:iam::999988887777:root)
	// {"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":["secretsmanager:GetSecretValue"],"Resource":["*"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"]}}}]}
}
