package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Record writes an entry with one BatchWriteItem call: the entry, for a
// remediation that sent calls its lookup item, and, when latest is not
// nil, the check's latest verdict (unconditionally; SetLatest writes it
// conditionally). Checks fixed by one remedy share an ID and so a lookup,
// which holds the entry recorded last (they share calls, undo and states).
func (st *Store) Record(ctx context.Context, e *Entry, latest *Latest) error {
	if e.ID == "" || e.SecretARN == "" || e.Check == "" || e.Time.IsZero() {
		return fmt.Errorf("ledger: entry needs an ID, a secret ARN, a check and a time")
	}
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("ledger: encode entry %s: %w", e.ID, err)
	}
	ttl := attrN(e.Time.Add(st.retention()).Unix())
	pk, sk := secretPrefix+e.SecretARN, e.Time.UTC().Format(timeLayout)+"#"+e.Check
	item := key(pk, sk)
	item["id"], item["check"], item["decision"], item["entry"], item["ttl"] = attrS(e.ID), attrS(e.Check), attrS(e.Decision), attrS(string(body)), ttl
	items := []map[string]ddbtypes.AttributeValue{item}
	if len(e.Undo) > 0 || len(e.Calls) > 0 {
		lookup := key(remediationPrefix+e.ID, lookupSK)
		lookup["entry"], lookup["secretPk"], lookup["secretSk"], lookup["ttl"] = attrS(string(body)), attrS(pk), attrS(sk), ttl
		items = append(items, lookup)
	}
	if latest != nil {
		items = append(items, st.latestItem(e.SecretARN, *latest))
	}
	if err := st.batchPut(ctx, items); err != nil {
		return fmt.Errorf("record %s %s of %s: %w", e.Decision, e.Check, e.SecretARN, err)
	}
	return nil
}

// batchPut writes up to 25 items, retrying unprocessed ones.
func (st *Store) batchPut(ctx context.Context, items []map[string]ddbtypes.AttributeValue) error {
	reqs := make([]ddbtypes.WriteRequest, 0, len(items))
	for _, it := range items {
		reqs = append(reqs, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: it}})
	}
	for attempt := 0; len(reqs) > 0; attempt++ {
		if attempt > 0 {
			if attempt > maxBatchRetries {
				return fmt.Errorf("%d items left unprocessed after %d attempts", len(reqs), attempt)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 50 * time.Millisecond):
			}
		}
		out, err := st.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{st.Table: reqs}})
		if err != nil {
			return err
		}
		reqs = out.UnprocessedItems[st.Table]
	}
	return nil
}

const maxBatchRetries = 8

// Get returns the entry of a remediation by ID, with UndoneBy/UndoneAt set
// when it was undone. An unknown ID is ErrNotFound.
func (st *Store) Get(ctx context.Context, id string) (*Entry, error) {
	out, err := st.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(st.Table), Key: key(remediationPrefix+id, lookupSK), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("read remediation %s: %w", id, err)
	}
	if len(out.Item) == 0 {
		return nil, fmt.Errorf("%w %q (IDs are listed by `secretguard history`; entries expire after 400 days)", ErrNotFound, id)
	}
	e, err := decodeEntry(out.Item)
	if err != nil {
		return nil, fmt.Errorf("remediation %s: %w", id, err)
	}
	e.UndoneBy = str(out.Item, "undoneBy")
	e.UndoneAt, _ = time.Parse(timeLayout, str(out.Item, "undoneAt"))
	return e, nil
}

// MarkUndone records on a remediation's lookup that undo entry by reverted
// it. It fails with ErrAlreadyUndone when it was undone before.
func (st *Store) MarkUndone(ctx context.Context, id, by string, now time.Time) error {
	_, err := st.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(st.Table),
		Key:                      key(remediationPrefix+id, lookupSK),
		UpdateExpression:         aws.String("SET #by = :by, #at = :at"),
		ConditionExpression:      aws.String("attribute_exists(pk) AND attribute_not_exists(#by)"),
		ExpressionAttributeNames: map[string]string{"#by": "undoneBy", "#at": "undoneAt"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":by": attrS(by), ":at": attrS(now.UTC().Format(timeLayout)),
		},
	})
	switch {
	case isConditionFailed(err):
		return fmt.Errorf("%w: %s", ErrAlreadyUndone, id)
	case err != nil:
		return fmt.Errorf("mark remediation %s undone: %w", id, err)
	}
	return nil
}

// History returns a secret's entries, newest first; limit <= 0 means all.
func (st *Store) History(ctx context.Context, secretARN string, limit int) ([]Entry, error) {
	var out []Entry
	err := st.query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(st.Table),
		KeyConditionExpression:    aws.String("pk = :pk AND sk < :a"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": attrS(secretPrefix + secretARN), ":a": attrS("a")},
		ScanIndexForward:          aws.Bool(false),
	}, limit, func(item map[string]ddbtypes.AttributeValue) error {
		e, err := decodeEntry(item)
		if err != nil {
			return fmt.Errorf("entry %s: %w", str(item, "sk"), err)
		}
		out = append(out, *e)
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("read history of %s: %w", secretARN, err)
	}
	return out, nil
}

// query pages through a Query, calling fn per item, up to limit items.
func (st *Store) query(ctx context.Context, in *dynamodb.QueryInput, limit int, fn func(map[string]ddbtypes.AttributeValue) error) error {
	n := 0
	for {
		out, err := st.DB.Query(ctx, in)
		if err != nil {
			return err
		}
		for _, item := range out.Items {
			if limit > 0 && n >= limit {
				return nil
			}
			if err := fn(item); err != nil {
				return err
			}
			n++
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func decodeEntry(item map[string]ddbtypes.AttributeValue) (*Entry, error) {
	var e Entry
	if err := json.Unmarshal([]byte(str(item, "entry")), &e); err != nil {
		return nil, fmt.Errorf("stored entry is not valid: %w", err)
	}
	return &e, nil
}

func str(item map[string]ddbtypes.AttributeValue, name string) string {
	if v, ok := item[name].(*ddbtypes.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}
