package revoke

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDBAPI is what the state store calls on the shared table.
type DynamoDBAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

var _ DynamoDBAPI = (*dynamodb.Client)(nil)

var stateActions = []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}

// DefaultStateRetention is how long a state item lives after its last write
// (its ttl attribute).
const DefaultStateRetention = 90 * 24 * time.Hour

// KeyPrefix starts the partition key of every revoker item in the shared
// table: pk = KeyPrefix + incident ID, sk = secret ARN.
const KeyPrefix = "revoke#"

// progress is what the steps have done to one secret, kept in the state
// item so that a second invocation resumes. Fields marked "-" are
// recomputed by every invocation.
type progress struct {
	Done map[string]bool `json:"done,omitempty"`
	// PolicySaved is set (with PreviousPolicy, "" for none) before the Deny
	// is put, so a crash between the two never loses the original.
	PolicySaved    bool       `json:"policySaved,omitempty"`
	PreviousPolicy string     `json:"previousPolicy,omitempty"`
	DenyPolicy     string     `json:"denyPolicy,omitempty"` // the document the deny step put
	DenyApplied    bool       `json:"denyApplied,omitempty"`
	DenyLifted     bool       `json:"denyLifted,omitempty"`
	Rotations      []rotation `json:"rotations,omitempty"`
	Replaced       bool       `json:"replaced,omitempty"`
	Revoked        []string   `json:"sessionsRevoked,omitempty"` // role ARNs
	Emitted        string     `json:"emitted,omitempty"`         // status of the last event sent

	Err          string `json:"-"` // a failed step, for the headline
	RotateErr    string `json:"-"`
	CannotRotate string `json:"-"`
	DryRunPlan   string `json:"-"`
}

// rotation is one rotation this incident asked for.
type rotation struct {
	Via     string    `json:"via"`             // "secretsmanager" or "rds"
	Token   string    `json:"token,omitempty"` // ClientRequestToken: the new version's ID
	Attempt int       `json:"attempt,omitempty"`
	From    string    `json:"from"` // the AWSCURRENT version before
	To      string    `json:"to,omitempty"`
	Started time.Time `json:"started"`
	Done    bool      `json:"done,omitempty"`
}

func (p *progress) completedRotations() int {
	n := 0
	for _, r := range p.Rotations {
		if r.Done {
			n++
		}
	}
	return n
}

func (p *progress) done(step string) bool { return p.Done[step] }

func (p *progress) markDone(step string) {
	if p.Done == nil {
		p.Done = map[string]bool{}
	}
	p.Done[step] = true
}

// stateItem is one secret's item as read from the table.
type stateItem struct {
	exists     bool
	rev        int64
	owner      string
	leaseUntil time.Time
	progress   progress
	report     SecretReport
}

// store reads and writes state items with optimistic concurrency: every
// write is conditional on the revision read and on holding the lease.
type store struct {
	db        DynamoDBAPI
	table     string
	owner     string // this invocation's lease token
	retention time.Duration
	now       func() time.Time
}

// ErrBusy is wrapped when another invocation holds a secret's lease.
var ErrBusy = errors.New("another invocation is working on this incident")

func newOwner() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func key(incident, secretARN string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: KeyPrefix + incident},
		"sk": &types.AttributeValueMemberS{Value: secretARN},
	}
}

func (s *store) load(ctx context.Context, incident, secretARN string) (*stateItem, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(incident, secretARN), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("read state of %s: %w", secretARN, err)
	}
	it := &stateItem{}
	if len(out.Item) == 0 {
		return it, nil
	}
	it.exists = true
	it.rev, _ = strconv.ParseInt(attrN(out.Item, "rev"), 10, 64)
	it.owner = attrS(out.Item, "owner")
	if sec, err := strconv.ParseInt(attrN(out.Item, "leaseUntil"), 10, 64); err == nil && sec > 0 {
		it.leaseUntil = time.Unix(sec, 0)
	}
	if err := json.Unmarshal([]byte(attrS(out.Item, "progress")), &it.progress); err != nil {
		return nil, fmt.Errorf("state of %s: progress: %w", secretARN, err)
	}
	if err := json.Unmarshal([]byte(attrS(out.Item, "report")), &it.report); err != nil {
		return nil, fmt.Errorf("state of %s: report: %w", secretARN, err)
	}
	return it, nil
}

// busy reports whether another live invocation holds the item.
func (s *store) busy(it *stateItem) bool {
	return it.exists && it.owner != "" && it.owner != s.owner && it.leaseUntil.After(s.now())
}

// acquire takes the lease on the item until the given time.
func (s *store) acquire(ctx context.Context, incident, secretARN string, it *stateItem, until time.Time) error {
	if s.busy(it) {
		return fmt.Errorf("%w: %s is held until %s; retry then", ErrBusy, secretARN, it.leaseUntil.UTC().Format(time.RFC3339))
	}
	it.owner, it.leaseUntil = s.owner, until
	return s.put(ctx, incident, secretARN, it, false)
}

// save writes the item after a step; the invocation must hold the lease.
func (s *store) save(ctx context.Context, incident, secretARN string, it *stateItem) error {
	return s.put(ctx, incident, secretARN, it, true)
}

// release gives the lease up: an item that records nothing done is deleted.
func (s *store) release(ctx context.Context, incident, secretARN string, it *stateItem) error {
	if len(it.progress.Done) == 0 && !it.progress.PolicySaved && len(it.progress.Rotations) == 0 {
		_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: &s.table, Key: key(incident, secretARN),
			ConditionExpression:       aws.String("#rev = :rev AND #owner = :owner"),
			ExpressionAttributeNames:  map[string]string{"#rev": "rev", "#owner": "owner"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":rev": numAttr(it.rev), ":owner": strAttr(s.owner)},
		})
		if err != nil {
			return fmt.Errorf("release state of %s: %w", secretARN, err)
		}
		it.exists = false
		return nil
	}
	it.owner, it.leaseUntil = "", time.Time{}
	return s.put(ctx, incident, secretARN, it, true)
}

func (s *store) put(ctx context.Context, incident, secretARN string, it *stateItem, mustOwn bool) error {
	prog, err := json.Marshal(&it.progress)
	if err != nil {
		return err
	}
	rep, err := json.Marshal(&it.report)
	if err != nil {
		return err
	}
	now := s.now()
	item := key(incident, secretARN)
	item["rev"] = numAttr(it.rev + 1)
	item["owner"] = strAttr(it.owner)
	item["leaseUntil"] = numAttr(unix(it.leaseUntil))
	item["incidentId"] = strAttr(incident)
	item["status"] = strAttr(it.report.Status)
	item["progress"] = strAttr(string(prog))
	item["report"] = strAttr(string(rep))
	item["updatedAt"] = strAttr(now.UTC().Format(time.RFC3339))
	item["ttl"] = numAttr(now.Add(s.retention).Unix())
	in := &dynamodb.PutItemInput{TableName: &s.table, Item: item}
	switch {
	case !it.exists:
		in.ConditionExpression = aws.String("attribute_not_exists(pk)")
	case mustOwn:
		in.ConditionExpression = aws.String("#rev = :rev AND #owner = :owner")
		in.ExpressionAttributeNames = map[string]string{"#rev": "rev", "#owner": "owner"}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":rev": numAttr(it.rev), ":owner": strAttr(s.owner)}
	default:
		in.ConditionExpression = aws.String("#rev = :rev")
		in.ExpressionAttributeNames = map[string]string{"#rev": "rev"}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":rev": numAttr(it.rev)}
	}
	if _, err := s.db.PutItem(ctx, in); err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return fmt.Errorf("%w: the state of %s changed under this invocation; invoke again to resume", ErrBusy, secretARN)
		}
		return fmt.Errorf("write state of %s: %w", secretARN, err)
	}
	it.exists, it.rev = true, it.rev+1
	return nil
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func strAttr(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func numAttr(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func attrS(item map[string]types.AttributeValue, k string) string {
	if v, ok := item[k].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func attrN(item map[string]types.AttributeValue, k string) string {
	if v, ok := item[k].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}
