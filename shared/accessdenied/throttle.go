package accessdenied

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Throttle lets one alert per caller through per window.
type Throttle interface {
	// Admit reports whether an alert for key about event may be sent at
	// now. When it may, suppressed is the number of refusals held back
	// since the previous alert; when it may not, the refusal is counted.
	// The event that opened the window is admitted again, so a retried
	// invocation whose PutEvents failed still sends its alert.
	Admit(ctx context.Context, key, event string, now time.Time) (ok bool, suppressed int, err error)
}

// DefaultWindow is one alert per caller per hour.
const DefaultWindow = time.Hour

// MemoryThrottle keeps its state in memory: per process, so per warm
// Lambda container. For tests and single-process use; deployments use
// TableThrottle.
type MemoryThrottle struct {
	Window time.Duration
	mu     sync.Mutex
	state  map[string]*window
}

type window struct {
	start      time.Time
	event      string
	suppressed int
}

// Admit implements Throttle.
func (m *MemoryThrottle) Admit(_ context.Context, key, event string, now time.Time) (bool, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == nil {
		m.state = map[string]*window{}
	}
	w := m.state[key]
	if w != nil && now.Sub(w.start) < windowOr(m.Window) && w.event != event {
		w.suppressed++
		return false, 0, nil
	}
	suppressed := 0
	if w != nil {
		suppressed = w.suppressed
	}
	m.state[key] = &window{start: now, event: event}
	return true, suppressed, nil
}

func windowOr(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultWindow
	}
	return d
}

// DynamoDBAPI is the DynamoDB method TableThrottle calls.
type DynamoDBAPI interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

var _ DynamoDBAPI = (*dynamodb.Client)(nil)

// TableThrottle keeps one item per caller in secretguard's shared table
// (pk "accessdenied#<caller>", sk "throttle", with a TTL of two windows):
// a conditional update opens a new window when the last one has ended, so
// of concurrent invocations exactly one sends the alert; the others count
// themselves into the window.
type TableThrottle struct {
	Client DynamoDBAPI
	Table  string
	Window time.Duration
}

// ThrottleIAMActions are what TableThrottle needs on the table.
var ThrottleIAMActions = []string{"dynamodb:UpdateItem"}

// Admit implements Throttle.
func (t *TableThrottle) Admit(ctx context.Context, key, event string, now time.Time) (bool, int, error) {
	w := windowOr(t.Window)
	k := map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: "accessdenied#" + key},
		"sk": &ddbtypes.AttributeValueMemberS{Value: "throttle"},
	}
	num := func(v int64) ddbtypes.AttributeValue {
		return &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
	}
	out, err := t.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(t.Table), Key: k,
		UpdateExpression:         aws.String("SET windowStart = :now, suppressed = :zero, lastEvent = :event, #ttl = :ttl"),
		ConditionExpression:      aws.String("attribute_not_exists(pk) OR windowStart <= :cutoff OR lastEvent = :event"),
		ExpressionAttributeNames: map[string]string{"#ttl": "ttl"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":now": num(now.Unix()), ":zero": num(0), ":ttl": num(now.Add(2 * w).Unix()), ":cutoff": num(now.Add(-w).Unix()),
			":event": &ddbtypes.AttributeValueMemberS{Value: event},
		},
		ReturnValues: ddbtypes.ReturnValueAllOld,
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	switch {
	case err == nil:
		suppressed := 0
		if v, ok := out.Attributes["suppressed"].(*ddbtypes.AttributeValueMemberN); ok {
			suppressed, _ = strconv.Atoi(v.Value)
		}
		return true, suppressed, nil
	case !errors.As(err, &ccf):
		return false, 0, fmt.Errorf("throttle %s: %w", key, err)
	}
	_, err = t.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(t.Table), Key: k,
		UpdateExpression:          aws.String("ADD suppressed :one"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":one": num(1)},
	})
	if err != nil {
		return false, 0, fmt.Errorf("throttle %s: count: %w", key, err)
	}
	return false, 0, nil
}
