package tickets_test

import (
	"fmt"
	"os"

	"github.com/secretguard/secretguard/shared/tickets"
)

func ExampleParseEvent() {
	data, err := os.ReadFile("../../events/notifier/needs-attention.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := tickets.ParseEvent(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	k := tickets.KeyOf(e.DetailType, e.Detail)
	fmt.Println(e.DetailType, "|", k.Check, tickets.SeverityOf(k), "passing:", tickets.Passing(e.DetailType, e.Detail))
	t := tickets.NewTicket(e, tickets.Options{})
	fmt.Println(t.Title())
	fmt.Println(t.ConsoleURL)

	_, err = tickets.ParseEvent([]byte(`{"source": "secretguard", "detail-type": "Secret Needs Attention", "detail": {"secretArn": "x"}}`))
	fmt.Println(err)
	// Output:
	// Secret Needs Attention | rotation-enabled HIGH passing: false
	// secretguard: rotation-enabled fails on secret prod/payments/stripe-key (111122223333, us-east-1)
	// https://console.aws.amazon.com/secretsmanager/secret?name=prod%2Fpayments%2Fstripe-key&region=us-east-1
	// invalid secretguard event: Secret Needs Attention: detail.id is empty
}

func ExampleSignWebhook() {
	// Receivers compute the same: printf %s "$ts.$body" | openssl dgst -sha256 -hmac "$key"
	body := []byte(`{"action":"open"}`)
	sig := tickets.SignWebhook([]byte("key"), "1772445600", body)
	fmt.Println(sig)
	// Output:
	// sha256=042c5bf583f6edc84859606402e075a0191f539a0ac4bb46009f003991c92607
}
