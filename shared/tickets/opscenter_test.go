package tickets

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretguard/secretguard/shared/outcome"
)

// moto 5.2 implements no OpsItem API, so the OpsCenter sink is tested
// against a fake at its interface.

func TestOpsCenterLifecycle(t *testing.T) {
	f := &fakeOps{}
	o := NewOpsCenter("", "", f)
	tk := NewTicket(sample(t, "remediation-failed.json"), Options{})
	ctx := ctxT(t)

	id, err := o.Open(ctx, "", tk)
	if err != nil || id != "oi-000000000001" {
		t.Fatalf("Open = %q, %v", id, err)
	}
	in := f.creates[0]
	if aws.ToString(in.Source) != "secretguard" || aws.ToString(in.Category) != "Security" || aws.ToString(in.Severity) != "2" || aws.ToInt32(in.Priority) != 2 {
		t.Errorf("source %q category %q severity %q priority %d", aws.ToString(in.Source), aws.ToString(in.Category), aws.ToString(in.Severity), aws.ToInt32(in.Priority))
	}
	if aws.ToString(in.Title) != tk.Title() || !strings.Contains(aws.ToString(in.Description), "## How to fix") {
		t.Errorf("title %q description %q", aws.ToString(in.Title), aws.ToString(in.Description))
	}
	dedup := in.OperationalData["/aws/dedup"]
	var d struct{ DedupString string }
	if json.Unmarshal([]byte(aws.ToString(dedup.Value)), &d) != nil || d.DedupString != "secretguard:"+tk.SecretARN+":cmk" || dedup.Type != ssmtypes.OpsItemDataTypeSearchableString {
		t.Errorf("/aws/dedup = %+v", dedup)
	}
	res := in.OperationalData["/aws/resources"]
	var rs []struct{ Arn string }
	if json.Unmarshal([]byte(aws.ToString(res.Value)), &rs) != nil || len(rs) != 1 || rs[0].Arn != tk.SecretARN {
		t.Errorf("/aws/resources = %s", aws.ToString(res.Value))
	}
	for k := range in.OperationalData {
		if k != "/aws/dedup" && k != "/aws/resources" && !strings.HasPrefix(k, "secretguard:") {
			t.Errorf("operational data key %q: user keys must not start with /aws", k)
		}
	}

	if _, err := o.Update(ctx, id, tk); err != nil {
		t.Fatal(err)
	}
	up := f.updates[0]
	if aws.ToString(up.OpsItemId) != id || !strings.HasPrefix(aws.ToString(up.Description), "The finding changed") {
		t.Errorf("update %+v", up)
	}
	if _, ok := up.OperationalData["secretguard:finding"]; !ok || up.Status != "" {
		t.Errorf("update data %v status %q", up.OperationalData, up.Status)
	}

	if _, err := o.Resolve(ctx, id, tk); err != nil {
		t.Fatal(err)
	}
	rv := f.updates[1]
	if rv.Status != ssmtypes.OpsItemStatusResolved || !strings.Contains(aws.ToString(rv.OperationalData["secretguard:resolution"].Value), "Resolved") {
		t.Errorf("resolve %+v", rv)
	}
}

func TestOpsCenterAdoptsDuplicate(t *testing.T) {
	f := &fakeOps{err: &ssmtypes.OpsItemAlreadyExistsException{Message: aws.String("exists"), OpsItemId: aws.String("oi-existing")}}
	o := NewOpsCenter("ops", "", f)
	id, err := o.Open(ctxT(t), "", NewTicket(sample(t, "needs-attention.json"), Options{}))
	if err != nil || id != "oi-existing" || len(f.updates) != 1 {
		t.Fatalf("Open = %q, %v; updates %d", id, err, len(f.updates))
	}
}

func TestOpsSeverity(t *testing.T) {
	for sev, want := range map[string]string{"CRITICAL": "1", "HIGH": "2", "MEDIUM": "3", "LOW": "4", "": "3"} {
		if got := opsSeverity(outcome.Severity(sev)); got != want {
			t.Errorf("opsSeverity(%q) = %q, want %q", sev, got, want)
		}
	}
}
