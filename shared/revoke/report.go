package revoke

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/secretguard/secretguard/shared/outcome"
)

// Secret statuses, the outcome of a revocation for one secret.
const (
	StatusRevoked        = "revoked"         // credential replaced, Deny lifted
	StatusDenyKept       = "deny-kept"       // credential replaced, Deny kept (keepDeny)
	StatusRotationFailed = "rotation-failed" // Deny stays (fail closed)
	StatusCannotRotate   = "cannot-rotate"   // Deny stays; a human must replace the credential
	StatusError          = "error"           // a step failed; see Problems
	StatusDryRun         = "dry-run"
)

// Step names, in order.
const (
	StepEvidence = "evidence"
	StepDeny     = "deny"
	StepRotate   = "rotate"
	StepSessions = "sessions"
	StepLift     = "lift"
	StepEmit     = "emit"
)

// Step statuses.
const (
	StepDone    = "done"    // completed; never done again for this incident
	StepSkipped = "skipped" // not applicable now; tried again on the next invocation
	StepFailed  = "failed"  // tried again on the next invocation
	StepDryRun  = "dry-run" // the calls it would make are listed
)

// Report is what the revoker returns: the first line (Summary) says whether
// access is cut and whether the credentials are replaced.
type Report struct {
	Summary    string    `json:"summary"`
	OK         bool      `json:"ok"`
	IncidentID string    `json:"incidentId"`
	Reason     string    `json:"reason"`
	DryRun     bool      `json:"dryRun,omitempty"`
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	// Principal is the revoker's own principal, exempt from the Deny.
	Principal string `json:"principal"`
	// BreakGlassRoles are exempt from the Deny and from session revocation.
	BreakGlassRoles []string `json:"breakGlassRoles,omitempty"`
	// Preflight lists the read-only calls that validated the request.
	Preflight []outcome.Call `json:"preflight,omitempty"`
	Secrets   []SecretReport `json:"secrets"`
}

// SecretReport is the report of one secret; the Secret Revoked event
// carries it. It accumulates over the invocations of one incident.
type SecretReport struct {
	// Headline says whether access is cut and the credential replaced.
	Headline           string `json:"headline"`
	Status             string `json:"status"`
	SecretARN          string `json:"secretArn"`
	SecretName         string `json:"secretName"`
	IncidentID         string `json:"incidentId"`
	Reason             string `json:"reason"`
	AccessCut          bool   `json:"accessCut"`   // the Deny was applied in this incident
	DenyInPlace        bool   `json:"denyInPlace"` // and is still there
	DenySid            string `json:"denySid"`
	CredentialReplaced bool   `json:"credentialReplaced"`
	Rotations          int    `json:"rotations"` // completed rotations
	// CannotRotate says why the revoker cannot replace the credential.
	CannotRotate string    `json:"cannotRotate,omitempty"`
	Runs         int       `json:"runs"` // invocations that worked on it
	Evidence     *Evidence `json:"evidence,omitempty"`
	// Problems are what a human must look at, most important first.
	Problems []string     `json:"problems,omitempty"`
	Steps    []StepRecord `json:"steps"`
}

// StepRecord is one run of one step.
type StepRecord struct {
	Step     string         `json:"step"`
	Status   string         `json:"status"`
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished"`
	Summary  string         `json:"summary"`
	Calls    []outcome.Call `json:"calls,omitempty"`
}

// headline sets Status and Headline from the secret's progress: access
// cut or not, credential replaced or not, and what stays to be done.
func (s *SecretReport) headline(p *progress, dryRun bool) {
	s.AccessCut, s.DenyInPlace = p.DenyApplied, p.DenyApplied && !p.DenyLifted
	s.CredentialReplaced, s.Rotations = p.Replaced, p.completedRotations()
	s.CannotRotate = p.CannotRotate
	if dryRun {
		s.Status, s.Headline = StatusDryRun, "DRY RUN, nothing changed: "+p.DryRunPlan
		if p.Err != "" {
			s.Status, s.Headline = StatusError, s.Headline+"; "+p.Err
		}
		return
	}
	cut, repl := "ACCESS NOT CUT", "CREDENTIAL NOT REPLACED"
	if s.AccessCut {
		cut = "ACCESS CUT"
	}
	if s.CredentialReplaced {
		repl = "CREDENTIAL REPLACED"
	}
	var tail string
	switch {
	case !s.CredentialReplaced && p.CannotRotate != "":
		s.Status, tail = StatusCannotRotate, p.CannotRotate+": a human must replace the credential"
	case !s.CredentialReplaced:
		why := p.RotateErr
		if why == "" {
			why = "not completed"
		}
		s.Status, tail = StatusRotationFailed, "rotation failed ("+why+")"
	case s.DenyInPlace && p.Err == "":
		s.Status = StatusDenyKept
		tail = fmt.Sprintf("rotated %d time(s); keepDeny: remove statement %s when the investigation allows", s.Rotations, s.DenySid)
	case s.DenyInPlace:
		s.Status, tail = StatusError, fmt.Sprintf("rotated %d time(s)", s.Rotations)
	default:
		s.Status, tail = StatusRevoked, fmt.Sprintf("rotated %d time(s), then the Deny was lifted", s.Rotations)
	}
	if !s.CredentialReplaced && s.DenyInPlace {
		tail += "; the Deny stays (fail closed)"
	}
	if p.Err != "" {
		tail += "; " + p.Err
		if s.Status == StatusRevoked || s.Status == StatusDenyKept {
			s.Status = StatusError
		}
	}
	s.Headline = cut + ", " + repl + ": " + tail
}

// summarize sets the report's Summary (its first line) and OK.
func (r *Report) summarize() {
	n := len(r.Secrets)
	var cut, replaced, denied, human int
	ok := true
	for _, s := range r.Secrets {
		if s.AccessCut {
			cut++
		}
		if s.CredentialReplaced {
			replaced++
		}
		if s.DenyInPlace {
			denied++
		}
		if s.CannotRotate != "" && !s.CredentialReplaced {
			human++
		}
		switch s.Status {
		case StatusRevoked, StatusDenyKept, StatusDryRun:
		default:
			ok = false
		}
	}
	r.OK = ok
	if r.DryRun {
		r.Summary = fmt.Sprintf("DRY RUN incident %s: %d secret(s); nothing changed (access not cut, credentials not replaced)", r.IncidentID, n)
		if human > 0 {
			r.Summary += fmt.Sprintf("; %d cannot be rotated", human)
		}
		return
	}
	verdict := "OK"
	if !ok {
		verdict = "FAILED"
	}
	r.Summary = fmt.Sprintf("%s incident %s: access cut on %d/%d secret(s), credential replaced on %d/%d", verdict, r.IncidentID, cut, n, replaced, n)
	if denied > 0 {
		r.Summary += fmt.Sprintf("; Deny still in place on %d", denied)
		if replaced < n {
			r.Summary += " (fail closed)"
		}
	}
	if human > 0 {
		r.Summary += fmt.Sprintf("; %d need a human to replace the credential", human)
	}
}

// WriteText writes the report for people: the summary line first, then per
// secret its headline, problems, and every step with its calls.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintln(&b, r.Summary)
	fmt.Fprintf(&b, "reason: %s\nrevoker: %s\n", r.Reason, r.Principal)
	if len(r.BreakGlassRoles) > 0 {
		fmt.Fprintf(&b, "break-glass: %s\n", strings.Join(r.BreakGlassRoles, ", "))
	}
	for _, c := range r.Preflight {
		fmt.Fprintf(&b, "  preflight  %s\n", callText(c))
	}
	for _, s := range r.Secrets {
		fmt.Fprintf(&b, "\n%s\n  %s  [%s]\n", s.Headline, s.SecretARN, s.Status)
		for _, p := range s.Problems {
			fmt.Fprintf(&b, "  ! %s\n", p)
		}
		for _, st := range s.Steps {
			fmt.Fprintf(&b, "  %s  %-8s %-7s %s\n", st.Started.UTC().Format(time.RFC3339), st.Step, st.Status, st.Summary)
			for _, c := range st.Calls {
				fmt.Fprintf(&b, "      %s\n", callText(c))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func callText(c outcome.Call) string {
	return fmt.Sprintf("%s:%s %s -> %s", c.Service, c.Operation, string(c.Params), c.Outcome)
}

// JSON returns the report as indented JSON.
func (r *Report) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }
