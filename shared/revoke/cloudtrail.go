package revoke

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/secretguard/secretguard/shared/secret"
)

// CloudTrailAPI looks up who read a secret.
type CloudTrailAPI interface {
	LookupEvents(ctx context.Context, in *cloudtrail.LookupEventsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error)
}

// CloudTrail evidence statuses.
const (
	TrailOK          = "ok"
	TrailUnavailable = "unavailable"
)

// CloudTrailEvidence lists the principals that called GetSecretValue on the
// secret between Since and Until, from CloudTrail's event history (which
// lags by minutes: the last ones may be missing).
type CloudTrailEvidence struct {
	Status string    `json:"status"`
	Reason string    `json:"reason,omitempty"`
	Since  time.Time `json:"since"`
	Until  time.Time `json:"until"`
	Events int       `json:"events"` // GetSecretValue events on this secret
	// Truncated: the lookup stopped at its page limit; older readers may
	// be missing.
	Truncated bool     `json:"truncated,omitempty"`
	Callers   []Caller `json:"callers,omitempty"`
}

// Caller is one distinct principal that called GetSecretValue.
type Caller struct {
	PrincipalARN string `json:"principalArn"`
	Type         string `json:"type"`
	// RoleARN is the role behind an assumed-role session: what
	// aws:PrincipalArn matches and whose sessions can be revoked.
	RoleARN   string    `json:"roleArn,omitempty"`
	AccountID string    `json:"accountId,omitempty"`
	Calls     int       `json:"calls"`
	Denied    int       `json:"denied,omitempty"` // calls that failed (errorCode set)
	LastSeen  time.Time `json:"lastSeen"`
	SourceIPs []string  `json:"sourceIps,omitempty"`
}

func (c CloudTrailEvidence) describe() string {
	if c.Status != TrailOK {
		return c.Status + " (" + c.Reason + ")"
	}
	s := fmt.Sprintf("%d reader(s) in %d GetSecretValue event(s) since %s", len(c.Callers), c.Events, c.Since.Format(time.RFC3339))
	if c.Truncated {
		s += " (truncated)"
	}
	return s
}

// trailLookup is one LookupEvents scan shared by every secret of an
// invocation: LookupEvents allows 2 calls a second per account and Region.
type trailLookup struct {
	once         sync.Once
	events       []trailEvent
	err          error
	pages        int
	truncated    bool
	since, until time.Time
}

type trailEvent struct {
	resources []string
	secretID  string
	at        time.Time
	errorCode string
	sourceIP  string
	principal string
	typ       string
	role      string
	account   string
}

// cloudTrailRecord is the part of a CloudTrail record the revoker reads.
type cloudTrailRecord struct {
	ErrorCode       string `json:"errorCode"`
	SourceIPAddress string `json:"sourceIPAddress"`
	UserIdentity    struct {
		Type           string `json:"type"`
		ARN            string `json:"arn"`
		AccountID      string `json:"accountId"`
		SessionContext struct {
			SessionIssuer struct {
				Type string `json:"type"`
				ARN  string `json:"arn"`
			} `json:"sessionIssuer"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
	RequestParameters struct {
		SecretID string `json:"secretId"`
	} `json:"requestParameters"`
}

func (l *trailLookup) load(ctx context.Context, u *run) {
	l.until = u.now()
	l.since = l.until.Add(-u.req.Lookback())
	if u.CloudTrail == nil {
		l.err = fmt.Errorf("no CloudTrail client configured")
		return
	}
	maxPages := u.MaxLookupPages
	if maxPages <= 0 {
		maxPages = DefaultMaxLookupPages
	}
	in := &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("GetSecretValue")}},
		StartTime:        aws.Time(l.since), EndTime: aws.Time(l.until), MaxResults: aws.Int32(50),
	}
	timeout := u.LookupTimeout
	if timeout <= 0 {
		timeout = DefaultLookupTimeout
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	pages := cloudtrail.NewLookupEventsPaginator(u.CloudTrail, in)
	for pages.HasMorePages() {
		if l.pages == maxPages {
			l.truncated = true
			return
		}
		page, err := pages.NextPage(ctx)
		l.pages++
		if err != nil {
			if l.pages > 1 && ctx.Err() != nil && parent.Err() == nil {
				l.truncated = true // out of time: what was read stands
				return
			}
			l.err = err
			return
		}
		for _, e := range page.Events {
			l.events = append(l.events, parseTrailEvent(e))
		}
	}
}

func parseTrailEvent(e cttypes.Event) trailEvent {
	te := trailEvent{at: aws.ToTime(e.EventTime)}
	for _, r := range e.Resources {
		te.resources = append(te.resources, aws.ToString(r.ResourceName))
	}
	var rec cloudTrailRecord
	if json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec) == nil {
		te.secretID, te.errorCode, te.sourceIP = rec.RequestParameters.SecretID, rec.ErrorCode, rec.SourceIPAddress
		te.principal, te.typ, te.account = rec.UserIdentity.ARN, rec.UserIdentity.Type, rec.UserIdentity.AccountID
		if rec.UserIdentity.SessionContext.SessionIssuer.Type == "Role" {
			te.role = rec.UserIdentity.SessionContext.SessionIssuer.ARN
		}
	}
	if te.principal == "" {
		te.principal = aws.ToString(e.Username)
	}
	return te
}

// about reports whether the event is a call on the secret: by the event's
// resources or the secretId parameter (the ARN, the name, or the partial
// ARN without the six-character suffix).
func (te *trailEvent) about(s *secret.Snapshot) bool {
	if slices.Contains(te.resources, s.ARN) {
		return true
	}
	id := te.secretID
	switch {
	case id == "":
		return false
	case id == s.ARN || id == s.Name:
		return true
	case strings.HasPrefix(id, "arn:") && len(s.ARN) == len(id)+7 && strings.HasPrefix(s.ARN, id+"-"):
		return true
	}
	return false
}

// forSecret runs the shared lookup once and returns the secret's readers.
func (l *trailLookup) forSecret(ctx context.Context, u *run, s *secret.Snapshot, rec *recorder) CloudTrailEvidence {
	l.once.Do(func() { l.load(ctx, u) })
	ev := CloudTrailEvidence{Since: l.since, Until: l.until, Truncated: l.truncated}
	p := params{"LookupAttributes": []map[string]string{{"AttributeKey": "EventName", "AttributeValue": "GetSecretValue"}},
		"StartTime": l.since.Format(time.RFC3339), "EndTime": l.until.Format(time.RFC3339), "pages": l.pages, "sharedByAllSecrets": true}
	if u.CloudTrail == nil || l.err != nil {
		ev.Status, ev.Reason = TrailUnavailable, "no CloudTrail client configured"
		if l.err != nil {
			ev.Reason = "LookupEvents: " + errText(l.err)
		}
		if u.CloudTrail != nil {
			rec.add("cloudtrail", "LookupEvents", p, TrailUnavailable+": "+errText(l.err))
		}
		return ev
	}
	rec.add("cloudtrail", "LookupEvents", p, OutcomeOK)
	ev.Status = TrailOK
	byARN := map[string]*Caller{}
	for i := range l.events {
		te := &l.events[i]
		if !te.about(s) {
			continue
		}
		ev.Events++
		c := byARN[te.principal]
		if c == nil {
			c = &Caller{PrincipalARN: te.principal, Type: te.typ, RoleARN: te.role, AccountID: te.account}
			byARN[te.principal] = c
		}
		c.Calls++
		if te.errorCode != "" {
			c.Denied++
		}
		if te.at.After(c.LastSeen) {
			c.LastSeen = te.at.UTC()
		}
		if te.sourceIP != "" && !slices.Contains(c.SourceIPs, te.sourceIP) && len(c.SourceIPs) < 10 {
			c.SourceIPs = append(c.SourceIPs, te.sourceIP)
		}
	}
	for _, c := range byARN {
		sort.Strings(c.SourceIPs)
		ev.Callers = append(ev.Callers, *c)
	}
	sort.Slice(ev.Callers, func(i, j int) bool { return ev.Callers[i].PrincipalARN < ev.Callers[j].PrincipalARN })
	return ev
}
