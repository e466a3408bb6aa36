package resourcepolicy_test

import (
	"fmt"

	"github.com/secretguard/secretguard/shared/resourcepolicy"
)

func Example() {
	p, err := resourcepolicy.Parse(`{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Sid": "Org", "Effect": "Allow", "Principal": "*",
	     "Action": "secretsmanager:GetSecretValue", "Resource": "*",
	     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
	    {"Sid": "Partner", "Effect": "Allow",
	     "Principal": {"AWS": ["arn:aws:iam::444455556666:role/reader", "999988887777"]},
	     "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
	    {"Sid": "NoDelete", "Effect": "Deny", "Principal": "*",
	     "Action": "secretsmanager:DeleteSecret", "Resource": "*"},
	    {"Sid": "Anyone", "Effect": "Allow", "Principal": {"AWS": "*"},
	     "Action": "secretsmanager:DescribeSecret", "Resource": "*",
	     "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
	  ]
	}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	verdicts := resourcepolicy.Classify(p, resourcepolicy.Context{
		AccountID:       "123456789012",
		OrganizationID:  "o-a1b2c3d4e5",
		AllowedAccounts: []string{"444455556666"},
	})
	for _, v := range verdicts {
		fmt.Printf("%d %s: %s accounts=%v disallowed=%v inOrg=%v\n  %s\n",
			v.Index, v.Sid, v.Exposure, v.Accounts, v.Disallowed, v.InOrg, v.Reason)
	}
	worst, _ := resourcepolicy.Worst(verdicts)
	fmt.Println("worst:", worst.Sid)
	// Output:
	// 0 Org: cross-account accounts=[] disallowed=[] inOrg=true
	//   Principal "*" restricted to this organisation o-a1b2c3d4e5 by aws:PrincipalOrgID
	// 1 Partner: cross-account accounts=[444455556666 999988887777] disallowed=[999988887777] inOrg=false
	//   AWS principal in account 444455556666, 999988887777
	// 3 Anyone: public accounts=[] disallowed=[] inOrg=false
	//   Principal "*" without a restricting condition
	// worst: Anyone
}
