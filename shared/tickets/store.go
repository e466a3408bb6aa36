package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDBAPI is the DynamoDB methods the Store calls (same signatures as
// *dynamodb.Client).
type DynamoDBAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// ErrBusy says another invocation holds the ticket's lock, or took it
// over: retry later.
var ErrBusy = errors.New("ticket is being updated by another invocation")

// Item keys of the table shared by secretguard's functions: string hash
// key pk, string range key sk, numeric TTL attribute ttl.
const (
	ticketPrefix = "ticket#"  // pk = ticket#<secret ARN>, sk = check
	eventPrefix  = "event#"   // pk = event#<detail.id>, sk = notifier
	eventSK      = "notifier" // the notifier's idempotency records
)

// Ticket statuses in the state.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
)

// State is the notifier's memory of one ticket key.
type State struct {
	Status      string    // "", StatusOpen or StatusResolved
	LastTime    time.Time // detail.time of the last event applied
	LastEvent   string
	Fingerprint string // of the finding last sent (Ticket.Fingerprint)
	OpenedAt    time.Time
	Sinks       map[string]SinkState
}

// SinkState is one sink's ticket: its ref, whether it is open there, and
// the last event it applied (a retried event skips sinks that already
// applied it).
type SinkState struct {
	Ref   string
	Open  bool
	Event string
}

// Lease is a held lock on a ticket key.
type Lease struct {
	Owner string
	Until time.Time
}

// Store keeps ticket state and processed event IDs in DynamoDB.
type Store struct {
	DB    DynamoDBAPI
	Table string
	// Retention is the TTL of event records and of resolved tickets' state.
	Retention time.Duration
}

func attrS(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
func attrN(v int64) ddbtypes.AttributeValue {
	return &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func ticketKey(k Key) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{"pk": attrS(ticketPrefix + k.SecretARN), "sk": attrS(k.Check)}
}

func eventKey(id string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{"pk": attrS(eventPrefix + id), "sk": attrS(eventSK)}
}

// Done reports whether event id was already applied to key k. One record
// per event ID lists the keys it was applied to, so that two events that
// share an ID but not a key never shadow each other.
func (st *Store) Done(ctx context.Context, id string, k Key) (bool, error) {
	out, err := st.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(st.Table), Key: eventKey(id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, fmt.Errorf("read event record %s: %w", id, err)
	}
	ss, _ := out.Item["keys"].(*ddbtypes.AttributeValueMemberSS)
	return ss != nil && slices.Contains(ss.Value, k.String()), nil
}

// MarkDone records that event id was applied to key k.
func (st *Store) MarkDone(ctx context.Context, id string, k Key, now time.Time) error {
	_, err := st.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(st.Table),
		Key:                       eventKey(id),
		UpdateExpression:          aws.String("ADD #keys :k SET #ttl = :ttl"),
		ExpressionAttributeNames:  map[string]string{"#keys": "keys", "#ttl": "ttl"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":k": &ddbtypes.AttributeValueMemberSS{Value: []string{k.String()}}, ":ttl": attrN(now.Add(st.Retention).Unix())},
	})
	if err != nil {
		return fmt.Errorf("record event %s for %s: %w", id, k, err)
	}
	return nil
}

// Lock takes the lock on key k for owner until the given time, and returns
// the key's state. It fails with ErrBusy while another owner's lease runs.
func (st *Store) Lock(ctx context.Context, k Key, owner string, now, until time.Time) (*State, Lease, error) {
	out, err := st.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(st.Table),
		Key:                      ticketKey(k),
		UpdateExpression:         aws.String("SET #owner = :o, #until = :u"),
		ConditionExpression:      aws.String("attribute_not_exists(#until) OR #until < :now OR #owner = :o"),
		ExpressionAttributeNames: map[string]string{"#owner": "lockOwner", "#until": "lockUntil"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":o": attrS(owner), ":u": attrN(until.UnixMilli()), ":now": attrN(now.UnixMilli()),
		},
		ReturnValues: ddbtypes.ReturnValueAllNew,
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil, Lease{}, fmt.Errorf("lock %s: %w", k, ErrBusy)
	}
	if err != nil {
		return nil, Lease{}, fmt.Errorf("lock %s: %w", k, err)
	}
	return decodeState(out.Attributes), Lease{Owner: owner, Until: until}, nil
}

// Save writes the state of key k while owner holds the lock, keeping the
// lock or releasing it. Open tickets never expire; other states expire
// after Retention. Losing the lock fails with ErrBusy.
func (st *Store) Save(ctx context.Context, k Key, state *State, l Lease, release bool, now time.Time) error {
	item := encodeState(state)
	for key, v := range ticketKey(k) {
		item[key] = v
	}
	if !release {
		item["lockOwner"], item["lockUntil"] = attrS(l.Owner), attrN(l.Until.UnixMilli())
	}
	if state.Status != StatusOpen {
		item["ttl"] = attrN(now.Add(st.Retention).Unix())
	}
	_, err := st.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(st.Table),
		Item:                      item,
		ConditionExpression:       aws.String("#owner = :o"),
		ExpressionAttributeNames:  map[string]string{"#owner": "lockOwner"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":o": attrS(l.Owner)},
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("save %s: lost the lock: %w", k, ErrBusy)
	}
	if err != nil {
		return fmt.Errorf("save %s: %w", k, err)
	}
	return nil
}

func encodeState(st *State) map[string]ddbtypes.AttributeValue {
	item := map[string]ddbtypes.AttributeValue{}
	put := func(name, v string) {
		if v != "" {
			item[name] = attrS(v)
		}
	}
	put("status", st.Status)
	put("lastEvent", st.LastEvent)
	put("fingerprint", st.Fingerprint)
	if !st.LastTime.IsZero() {
		put("lastTime", st.LastTime.UTC().Format(time.RFC3339Nano))
	}
	if !st.OpenedAt.IsZero() {
		put("openedAt", st.OpenedAt.UTC().Format(time.RFC3339Nano))
	}
	if len(st.Sinks) > 0 {
		m := map[string]ddbtypes.AttributeValue{}
		for name, ss := range st.Sinks {
			v := map[string]ddbtypes.AttributeValue{}
			if ss.Ref != "" {
				v["ref"] = attrS(ss.Ref)
			}
			if ss.Event != "" {
				v["event"] = attrS(ss.Event)
			}
			v["open"] = &ddbtypes.AttributeValueMemberBOOL{Value: ss.Open}
			m[name] = &ddbtypes.AttributeValueMemberM{Value: v}
		}
		item["sinks"] = &ddbtypes.AttributeValueMemberM{Value: m}
	}
	return item
}

func decodeState(item map[string]ddbtypes.AttributeValue) *State {
	str := func(m map[string]ddbtypes.AttributeValue, name string) string {
		if v, ok := m[name].(*ddbtypes.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	st := &State{
		Status: str(item, "status"), LastEvent: str(item, "lastEvent"), Fingerprint: str(item, "fingerprint"),
		Sinks: map[string]SinkState{},
	}
	st.LastTime, _ = time.Parse(time.RFC3339Nano, str(item, "lastTime"))
	st.OpenedAt, _ = time.Parse(time.RFC3339Nano, str(item, "openedAt"))
	if m, ok := item["sinks"].(*ddbtypes.AttributeValueMemberM); ok {
		for name, v := range m.Value {
			if sm, ok := v.(*ddbtypes.AttributeValueMemberM); ok {
				open, _ := sm.Value["open"].(*ddbtypes.AttributeValueMemberBOOL)
				st.Sinks[name] = SinkState{Ref: str(sm.Value, "ref"), Event: str(sm.Value, "event"), Open: open != nil && open.Value}
			}
		}
	}
	return st
}

// Permissions are the DynamoDB permissions the Store needs on its table.
func (st *Store) Permissions(tableARN string) []Permission {
	return []Permission{{Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, Resources: []string{tableARN}}}
}
