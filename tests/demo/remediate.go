package main

import (
	"context"
	"fmt"

	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/tests/lab"
)

// remediate feeds each compliance change to the remediator, prints what it
// did, then hands the events it emitted to the notifier.
func (d *demo) remediate(ctx context.Context, before lab.Verdicts) error {
	changes, err := d.lab.ComplianceChanges(before, d.ids())
	if err != nil {
		return err
	}
	d.step(fmt.Sprintf("Remediator: %d Config Rules Compliance Change events (one per NON_COMPLIANT verdict)", len(changes)))
	for _, c := range changes {
		r, err := d.lab.Remediate(ctx, c.Event)
		if err != nil {
			return err
		}
		fmt.Fprintf(d.w, "  %s %-32s %s\n", d.p.Red("✗"), lab.SecretName(c.SecretARN), d.p.Dim(lab.RuleName(c.Check)))
		acted := lab.Acted(r.Result)
		if len(acted) == 0 {
			fmt.Fprintf(d.w, "      %s\n", d.p.Dim("nothing left to do: an earlier event's reconcile already handled this secret"))
		}
		for _, a := range acted {
			fmt.Fprintf(d.w, "      %s\n", d.act(a))
			switch a.Outcome {
			case engine.OutcomeRemediated, engine.OutcomePending:
				seen.remediated++
			case engine.OutcomeTicketed:
				seen.attention++
			case engine.OutcomeFailed:
				seen.fail++
			}
		}
	}
	d.note("moto leaves AWSPENDING on a new version when rotation is enabled (AWS does not), so rotation-healthy turns NON_COMPLIANT for the secrets whose rotation was just enabled, and those tickets are moto's doing.")
	d.note("moto ignores a replica's KmsKeyId (the replica lands on aws/secretsmanager), so replicate cannot pass its own verification here: it reports a failure, and a ticket follows.")

	d.step("Notifier: the remediator's events, from the bus's queue, to the ticket webhook")
	details, err := d.notify(ctx)
	if err != nil {
		return err
	}
	if len(details) == 0 {
		fmt.Fprintln(d.w, "  (the remediator emitted no events)")
	}
	return d.fixByHand(ctx)
}

// fixByHand has a person correct app/bad-env's tag, which no remedy may
// guess: CloudTrail's TagResource event reaches the remediator, the check
// passes, and the notifier resolves the ticket.
func (d *demo) fixByHand(ctx context.Context) error {
	s, ok := d.lab.Account.ByName("app/bad-env", d.lab.Target)
	if !ok {
		return fmt.Errorf("app/bad-env was not seeded")
	}
	d.step("A person fixes app/bad-env (environment=prod); CloudTrail's TagResource event reaches the remediator")
	ev, err := d.lab.TagByHand(ctx, s.ARN, "environment", "prod")
	if err != nil {
		return err
	}
	r, err := d.lab.Remediate(ctx, ev)
	if err != nil {
		return err
	}
	for _, a := range lab.Acted(r.Result) {
		fmt.Fprintf(d.w, "      %s\n", d.act(a))
	}
	_, err = d.notify(ctx)
	return err
}

func (d *demo) act(a lab.Act) string {
	line := fmt.Sprintf("%s %s: %s", a.Check, a.Outcome, a.Text)
	switch a.Outcome {
	case engine.OutcomeRemediated, engine.OutcomePending, engine.OutcomeResolved:
		return d.p.Green(line)
	case engine.OutcomeFailed:
		return d.p.Red(line)
	}
	return d.p.Yellow(line)
}
