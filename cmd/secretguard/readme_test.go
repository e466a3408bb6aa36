package main

import (
	"os"
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/vpcendpoint"
)

// The README is the users' reference: every check, every remedy with its
// exact IAM actions, and every subcommand must be documented there. A new
// check or remedy action fails this test until the README says so.
func TestREADMEDocumentsEveryCheckRemedyAndCommand(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	row := func(id string) string {
		for _, line := range strings.Split(readme, "\n") {
			if strings.HasPrefix(line, "| `"+id+"` |") {
				return line
			}
		}
		return ""
	}
	for _, c := range checks.All() {
		if row(c.ID()) == "" {
			t.Errorf("README has no table row for check %s", c.ID())
		}
	}
	for _, c := range checks.AllResource() {
		if row(c.ID()) == "" {
			t.Errorf("README has no table row for workload or account check %s", c.ID())
		}
		for _, a := range c.IAMActions() {
			if !strings.Contains(readme, "`"+a+"`") {
				t.Errorf("README does not list %s, which a scan for %s needs", a, c.ID())
			}
		}
	}
	if line := row(vpcendpoint.ID); line == "" {
		t.Errorf("README has no table row for remedy %s", vpcendpoint.ID)
	} else {
		for _, a := range vpcendpoint.IAMActions {
			if !strings.Contains(line, "`"+a+"`") {
				t.Errorf("README row of remedy %s does not list its IAM action %s", vpcendpoint.ID, a)
			}
		}
	}
	if !strings.Contains(readme, "--scope secrets|workloads|all") {
		t.Error("README does not document scan --scope")
	}
	for _, r := range remedies.All() {
		line := row(r.ID())
		if line == "" {
			t.Errorf("README has no table row for remedy %s", r.ID())
			continue
		}
		for _, a := range r.IAMActions() {
			if !strings.Contains(line, "`"+a+"`") {
				t.Errorf("README row of remedy %s does not list its IAM action %s", r.ID(), a)
			}
		}
		for _, c := range r.Fixes() {
			if !strings.Contains(line, c) {
				t.Errorf("README row of remedy %s does not say it fixes %s", r.ID(), c)
			}
		}
	}
	for _, cmd := range []string{"scan", "remediate", "history", "undo", "revoke"} {
		if !strings.Contains(readme, "secretguard "+cmd) {
			t.Errorf("README does not document secretguard %s", cmd)
		}
	}
}
