package ledger

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/secretguard/secretguard/shared/outcome"
)

// DynamoDBAPI is the set of DynamoDB methods the Store calls, with the SDK's
// signatures, so *dynamodb.Client satisfies it.
type DynamoDBAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

var _ DynamoDBAPI = (*dynamodb.Client)(nil)

// IAMActions are the DynamoDB actions the Store uses, on the table.
var IAMActions = []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:BatchWriteItem"}

// Defaults.
const (
	// DefaultRetention is how long entries are kept (the ttl attribute).
	DefaultRetention = 400 * 24 * time.Hour
	// ClaimLease is how long a claim keeps duplicates away: longer than a
	// Lambda invocation can run.
	ClaimLease = 15 * time.Minute
)

// Key prefixes in the shared table.
const (
	secretPrefix      = "secret#"
	remediationPrefix = "remediation#"
	lookupSK          = "entry"
	latestPrefix      = "latest#"
	claimPrefix       = "claim#"
)

// timeLayout is RFC 3339 with a fixed nine-digit fraction, so that sort
// keys order by time (RFC3339Nano drops trailing zeros and would not).
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// ErrNotFound is returned by Get for an ID with no lookup item.
var ErrNotFound = errors.New("no such remediation")

// ErrAlreadyUndone is returned by MarkUndone when the remediation was undone
// before.
var ErrAlreadyUndone = errors.New("remediation already undone")

// Entry is one recorded decision about one check of one secret.
type Entry struct {
	ID         string    `json:"id"`
	Time       time.Time `json:"time"`
	SecretARN  string    `json:"secretArn"`
	SecretName string    `json:"secretName,omitempty"`
	AccountID  string    `json:"accountId,omitempty"`
	Region     string    `json:"region,omitempty"`
	Check      string    `json:"check"`
	// Decision is what the engine did (its Outcome: remediated, ticketed,
	// failed, resolved, undone, ...).
	Decision string `json:"decision"`
	Mode     string `json:"mode,omitempty"`
	Remedy   string `json:"remedy,omitempty"`
	// Compliance is the check's verdict after the decision.
	Compliance string `json:"compliance,omitempty"`
	Annotation string `json:"annotation,omitempty"`
	Why        string `json:"why,omitempty"`
	Summary    string `json:"summary,omitempty"`
	// Calls are the calls sent, each with its outcome.
	Calls  []outcome.Call `json:"calls,omitempty"`
	Before *outcome.State `json:"before,omitempty"`
	After  *outcome.State `json:"after,omitempty"`
	// Undo restores Before (tighten-policy, add-tags, fix-schedule).
	Undo []StoredCall `json:"undo,omitempty"`
	// UndoOf names the remediation an undo entry reverted.
	UndoOf    string `json:"undoOf,omitempty"`
	StateHash string `json:"stateHash,omitempty"`
	Trigger   string `json:"trigger,omitempty"`
	Actor     string `json:"actor,omitempty"`
	// UndoneBy and UndoneAt are set on a lookup once the remediation was
	// undone (Get fills them).
	UndoneBy string    `json:"undoneBy,omitempty"`
	UndoneAt time.Time `json:"undoneAt,omitzero"`
}

// Latest is the last verdict recorded for one check of one secret.
type Latest struct {
	Check      string
	Compliance string
	// Key identifies the decision and the state it was made on; the same
	// key again means nothing new to record.
	Key      string
	Decision string
	ID       string
	Time     time.Time
}

// Store reads and writes the ledger. The zero Retention means
// DefaultRetention.
type Store struct {
	DB        DynamoDBAPI
	Table     string
	Retention time.Duration
}

func (st *Store) retention() time.Duration {
	if st.Retention > 0 {
		return st.Retention
	}
	return DefaultRetention
}

func attrS(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
func attrN(v int64) ddbtypes.AttributeValue {
	return &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func key(pk, sk string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{"pk": attrS(pk), "sk": attrS(sk)}
}

func isConditionFailed(err error) bool {
	var ccf *ddbtypes.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// Claim claims (secret, check, stateHash) for ClaimLease from now. It
// reports false when another invocation holds an unexpired claim on the same
// key: that invocation is acting on the same observed state.
func (st *Store) Claim(ctx context.Context, secretARN, check, stateHash, owner string, now time.Time) (bool, error) {
	item := key(secretPrefix+secretARN, claimPrefix+check+"#"+stateHash)
	expires := now.Add(ClaimLease)
	item["owner"] = attrS(owner)
	item["expires"] = attrN(expires.UnixMilli())
	item["ttl"] = attrN(expires.Add(24 * time.Hour).Unix())
	_, err := st.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(st.Table),
		Item:                      item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR #exp < :now"),
		ExpressionAttributeNames:  map[string]string{"#exp": "expires"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":now": attrN(now.UnixMilli())},
	})
	switch {
	case isConditionFailed(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("claim %s %s: %w", check, secretARN, err)
	}
	return true, nil
}

// Latest returns the last verdict recorded for each check of a secret.
func (st *Store) Latest(ctx context.Context, secretARN string) (map[string]Latest, error) {
	out := map[string]Latest{}
	err := st.query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(st.Table),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :p)"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": attrS(secretPrefix + secretARN), ":p": attrS(latestPrefix)},
		ConsistentRead:            aws.Bool(true),
	}, 0, func(item map[string]ddbtypes.AttributeValue) error {
		l := Latest{Check: str(item, "check"), Compliance: str(item, "compliance"), Key: str(item, "key"),
			Decision: str(item, "decision"), ID: str(item, "id")}
		l.Time, _ = time.Parse(timeLayout, str(item, "time"))
		out[l.Check] = l
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read latest verdicts of %s: %w", secretARN, err)
	}
	return out, nil
}

// SetLatest writes the last verdict of a check. With onlyIfChanged it
// writes only when no verdict is recorded or the recorded Key differs, and
// reports false otherwise: of two invocations recording the same decision,
// one wins.
func (st *Store) SetLatest(ctx context.Context, secretARN string, l Latest, onlyIfChanged bool) (bool, error) {
	in := &dynamodb.PutItemInput{TableName: aws.String(st.Table), Item: st.latestItem(secretARN, l)}
	if onlyIfChanged {
		in.ConditionExpression = aws.String("attribute_not_exists(pk) OR #key <> :key")
		in.ExpressionAttributeNames = map[string]string{"#key": "key"}
		in.ExpressionAttributeValues = map[string]ddbtypes.AttributeValue{":key": attrS(l.Key)}
	}
	_, err := st.DB.PutItem(ctx, in)
	switch {
	case isConditionFailed(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("record latest %s verdict of %s: %w", l.Check, secretARN, err)
	}
	return true, nil
}

func (st *Store) latestItem(secretARN string, l Latest) map[string]ddbtypes.AttributeValue {
	item := key(secretPrefix+secretARN, latestPrefix+l.Check)
	item["check"], item["compliance"], item["key"] = attrS(l.Check), attrS(l.Compliance), attrS(l.Key)
	item["decision"], item["id"] = attrS(l.Decision), attrS(l.ID)
	item["time"] = attrS(l.Time.UTC().Format(timeLayout))
	item["ttl"] = attrN(l.Time.Add(st.retention()).Unix())
	return item
}
