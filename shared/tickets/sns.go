package tickets

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/secretguard/secretguard/shared/outcome"
)

// SNSAPI is the one SNS method the sink calls (same signature as
// *sns.Client).
type SNSAPI interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

const snsMaxSubject = 99 // SNS: "less than 100 characters"

// SNS publishes each open, update and resolve to a topic: the subject is
// the title, the message the plain-text ticket, and the message attributes
// severity, check, action, secretArn and accountId let subscriptions
// filter. A topic holds no ticket, so the ref is "published".
type SNS struct {
	base
	API      SNSAPI
	TopicARN string
}

// NewSNS returns an SNS sink.
func NewSNS(name string, min outcome.Severity, api SNSAPI, topicARN string) *SNS {
	return &SNS{base: newBase(name, "sns", min), API: api, TopicARN: topicARN}
}

// snsSubject makes a valid SNS subject: printable ASCII, no line breaks,
// at most 99 characters.
func snsSubject(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, strings.ReplaceAll(s, "—", "-"))
	if len(s) > snsMaxSubject {
		s = s[:snsMaxSubject-3] + "..."
	}
	return s
}

func (s *SNS) publish(ctx context.Context, a Action, t *Ticket) (string, error) {
	attr := func(v string) snstypes.MessageAttributeValue {
		return snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	title := t.Title()
	if a == ActionResolve {
		title = "Resolved: " + title
	}
	_, err := s.API.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(s.TopicARN),
		Subject:  aws.String(snsSubject(title)),
		Message:  aws.String(t.Doc(a).Text()),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"severity":  attr(string(t.Severity)),
			"check":     attr(t.Check),
			"action":    attr(string(a)),
			"secretArn": attr(t.SecretARN),
			"accountId": attr(t.AccountID),
		},
	})
	if err != nil {
		return "", fmt.Errorf("publish %s of %s to %s: %w", a, t.Key(), s.TopicARN, err)
	}
	return "published", nil
}

func (s *SNS) Open(ctx context.Context, _ string, t *Ticket) (string, error) {
	return s.publish(ctx, ActionOpen, t)
}

func (s *SNS) Update(ctx context.Context, _ string, t *Ticket) (string, error) {
	return s.publish(ctx, ActionUpdate, t)
}

func (s *SNS) Resolve(ctx context.Context, _ string, t *Ticket) (string, error) {
	return s.publish(ctx, ActionResolve, t)
}

func (s *SNS) Permissions() []Permission {
	return []Permission{{Actions: []string{"sns:Publish"}, Resources: []string{s.TopicARN}}}
}
