package tickets

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Action is what a sink does with a ticket.
type Action string

// Actions.
const (
	ActionOpen    Action = "open"    // open a new ticket
	ActionUpdate  Action = "update"  // add to the open ticket: the finding changed
	ActionResolve Action = "resolve" // the check passes again: resolve with a comment
)

// Doc is a ticket body in a neutral form that sinks render: plain text
// (OpsCenter, Security Hub, SNS), Atlassian Document Format (Jira).
type Doc []Block

// Block is one heading, paragraph, bullet list or code block.
type Block struct {
	Heading string
	Para    []Span
	List    [][]Span
	Code    string
}

// Span is a run of text, optionally code, strong or a link.
type Span struct {
	Text   string
	Code   bool
	Strong bool
	Link   string
}

func text(s string) Span { return Span{Text: s} }
func code(s string) Span { return Span{Text: s, Code: true} }

// Title is the ticket's one-line title.
func (t *Ticket) Title() string {
	where := t.AccountID + ", " + t.Region
	if t.Check == RevokedCheck {
		return fmt.Sprintf("secretguard: secret %s revoked (%s)", t.SecretName, where)
	}
	return fmt.Sprintf("secretguard: %s fails on secret %s (%s)", t.Check, t.SecretName, where)
}

// Doc returns the body for an action: the whole finding to open or update
// a ticket, the resolution to resolve it.
func (t *Ticket) Doc(a Action) Doc {
	if a == ActionResolve {
		return t.resolution()
	}
	var d Doc
	when := t.Time.UTC().Format(time.RFC3339)
	if a == ActionUpdate {
		d = append(d, Block{Para: []Span{{Text: "The finding changed", Strong: true}, text(fmt.Sprintf(" (%s at %s).", t.DetailType, when))}})
	}
	d = append(d, Block{Para: []Span{{Text: t.headline(), Strong: true}}})
	if t.Annotation != "" {
		d = append(d, Block{Para: []Span{text(t.Annotation)}})
	}
	d = append(d, t.secretBlocks()...)
	d = append(d,
		Block{Heading: "What failed and why it matters"},
		Block{List: [][]Span{
			{text("Check: "), code(t.Check), text(" (severity " + string(t.Severity) + ")")},
			{text("Why it matters: " + t.Matters)},
		}})
	d = append(d, t.actionBlocks()...)
	d = append(d, Block{Heading: "How to fix"})
	if t.Fix != "" {
		d = append(d, Block{Code: t.Fix})
	} else {
		d = append(d, Block{Para: []Span{text("secretguard has no exact fix for this finding: follow the annotation above.")}})
	}
	if t.Waiver != "" {
		hint := "Or waive the check for this secret, with the date it ends and the reason, by tagging it:"
		if t.WaiverMaxDays > 0 {
			hint = fmt.Sprintf("Or waive the check for this secret (at most %d days ahead, valid to the end of that day, UTC) by tagging it:", t.WaiverMaxDays)
		}
		d = append(d, Block{Para: []Span{text(hint)}}, Block{Code: t.Waiver})
	}
	footer := "secretguard resolves this ticket when the check passes again."
	if t.Check == RevokedCheck {
		footer = "secretguard does not close this ticket: close it with the incident."
	}
	d = append(d, Block{Para: []Span{text(fmt.Sprintf("Event %s (%s) at %s. %s", t.EventID, t.DetailType, when, footer))}})
	return d
}

func (t *Ticket) headline() string {
	switch {
	case t.Check == RevokedCheck:
		return fmt.Sprintf("Secret %s was revoked as compromised.", t.SecretName)
	case t.DryRun:
		return fmt.Sprintf("Check %s fails on secret %s; secretguard ran in dry-run and changed nothing.", t.Check, t.SecretName)
	}
	return fmt.Sprintf("Check %s fails on secret %s and needs a person.", t.Check, t.SecretName)
}

func (t *Ticket) secretBlocks() Doc {
	owner := []Span{text("Owner: " + t.Owner)}
	if t.Owner == "" {
		owner = []Span{text("Owner: no owner tag")}
	}
	items := [][]Span{
		{text("ARN: "), code(t.SecretARN)},
		{text("Account: " + t.AccountID + ", Region: " + t.Region)},
		owner,
	}
	if t.ConsoleURL != "" {
		items = append(items, []Span{{Text: "Open the secret in the console", Link: t.ConsoleURL}})
	}
	return Doc{{Heading: "Secret"}, {List: items}}
}

func (t *Ticket) actionBlocks() Doc {
	d := Doc{{Heading: "What secretguard did"}}
	why := t.Why
	if why == "" {
		why = "No reason was given."
	}
	d = append(d, Block{Para: []Span{text(why)}})
	var items [][]Span
	if t.Remedy != "" {
		items = append(items, []Span{text("Remedy: "), code(t.Remedy)})
	}
	if t.IncidentID != "" {
		items = append(items, []Span{text("Incident: " + t.IncidentID)})
	}
	for _, c := range t.Calls {
		items = append(items, callSpans(c, t.DryRun))
	}
	if len(items) > 0 {
		d = append(d, Block{List: items})
	}
	return d
}

func callSpans(c Call, dryRun bool) []Span {
	s := []Span{code(c.Service + ":" + c.Operation)}
	if c.Params != "" {
		s = append(s, text(" "), code(c.Params))
	}
	out := c.Outcome
	if out == "" && dryRun {
		out = "dry-run"
	}
	if out != "" {
		s = append(s, text(" → "+out))
	}
	return s
}

func (t *Ticket) resolution() Doc {
	when := t.Time.UTC().Format(time.RFC3339)
	d := Doc{{Para: []Span{{Text: "Resolved", Strong: true}, text(fmt.Sprintf(": check %s passes again on secret %s (%s at %s).", t.Check, t.SecretName, t.DetailType, when))}}}
	if t.Annotation != "" {
		d = append(d, Block{Para: []Span{text(t.Annotation)}})
	}
	if len(t.Calls) > 0 {
		items := make([][]Span, 0, len(t.Calls))
		for _, c := range t.Calls {
			items = append(items, callSpans(c, false))
		}
		d = append(d, Block{Para: []Span{text("secretguard fixed it with:")}}, Block{List: items})
	}
	d = append(d, Block{Para: []Span{text("Event " + t.EventID + ".")}})
	return d
}

// Text renders a Doc as plain text with light Markdown.
func (d Doc) Text() string {
	var b strings.Builder
	for i, blk := range d {
		if i > 0 {
			b.WriteString("\n")
		}
		switch {
		case blk.Heading != "":
			b.WriteString("## " + blk.Heading + "\n")
		case blk.Code != "":
			b.WriteString("```\n" + blk.Code + "\n```\n")
		case blk.List != nil:
			for _, it := range blk.List {
				b.WriteString("- " + spansText(it) + "\n")
			}
		default:
			b.WriteString(spansText(blk.Para) + "\n")
		}
	}
	return b.String()
}

func spansText(spans []Span) string {
	var b strings.Builder
	for _, s := range spans {
		switch {
		case s.Link != "":
			b.WriteString(s.Text + ": " + s.Link)
		case s.Code:
			b.WriteString("`" + s.Text + "`")
		default:
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

// truncate shortens s to at most n bytes on a rune boundary, ending with
// "…" when cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	cut := n - len(ell)
	if cut <= 0 {
		return ""
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}
