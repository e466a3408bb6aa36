package tickets

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/outcome"
)

// Clients are what NewSinks builds sinks with. Only the clients of the
// configured sink types are needed.
type Clients struct {
	OpsCenter   OpsCenterAPI
	SecurityHub SecurityHubAPI
	SNS         SNSAPI
	Secrets     SecretsAPI   // Jira and webhook credentials
	HTTP        *http.Client // nil: a client with a 10 s timeout
	// The notifier's own account, Region and partition: Security Hub
	// findings are imported there.
	Account, Region, Partition string
}

// NewSinks builds the sinks a validated baseline's tickets section lists,
// in order.
func NewSinks(cfg baseline.Tickets, c Clients) ([]Sink, error) {
	var sinks []Sink
	var errs []error
	missing := func(i int, what string) {
		errs = append(errs, fmt.Errorf("tickets.sinks[%d] (%s): no %s", i, cfg.Sinks[i].Type, what))
	}
	for i, s := range cfg.Sinks {
		min := outcome.Severity(s.MinSeverity)
		switch s.Type {
		case baseline.SinkOpsCenter:
			if c.OpsCenter == nil {
				missing(i, "SSM client")
				continue
			}
			sinks = append(sinks, NewOpsCenter(s.Name, min, c.OpsCenter))
		case baseline.SinkSecurityHub:
			if c.SecurityHub == nil || c.Account == "" || c.Region == "" || c.Partition == "" {
				missing(i, "Security Hub client, or the notifier's account, Region and partition")
				continue
			}
			sinks = append(sinks, NewSecurityHub(s.Name, min, c.SecurityHub, c.Account, c.Region, c.Partition))
		case baseline.SinkJira:
			if c.Secrets == nil {
				missing(i, "Secrets Manager client")
				continue
			}
			sinks = append(sinks, NewJira(s.Name, min, s.URL, s.Project, s.IssueType, s.CredentialsSecretARN, c.Secrets, c.HTTP))
		case baseline.SinkSNS:
			if c.SNS == nil {
				missing(i, "SNS client")
				continue
			}
			sinks = append(sinks, NewSNS(s.Name, min, c.SNS, s.TopicARN))
		case baseline.SinkWebhook:
			if c.Secrets == nil {
				missing(i, "Secrets Manager client")
				continue
			}
			sinks = append(sinks, NewWebhook(s.Name, min, s.URL, s.SigningSecretARN, c.Secrets, c.HTTP))
		default:
			errs = append(errs, fmt.Errorf("tickets.sinks[%d]: unknown sink type %q", i, s.Type))
		}
	}
	if len(sinks) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("tickets: no sinks"))
	}
	return sinks, errors.Join(errs...)
}

// Permissions collects the IAM permissions of sinks. The notifier's role
// gets exactly these, plus the Store's: in particular
// secretsmanager:GetSecretValue only on the Jira and webhook credentials
// secrets (and kms:Decrypt, through Secrets Manager, if those secrets use a
// customer managed key).
func Permissions(sinks []Sink) []Permission {
	var out []Permission
	for _, s := range sinks {
		out = append(out, s.Permissions()...)
	}
	return out
}
