package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

const (
	orgID          = "o-a1b2c3d4e5"
	allowedAccount = "111122223333"
	foreignAccount = "999988887777"
	primaryRegion  = "us-east-1"
	replicaRegion  = "eu-west-1"
)

// baselineTemplate is the organisation's baseline for the moto tests; %s is
// the KMS key allowed in us-east-1. Class database names a rotation function
// and a 30-day maximum; class dr must reach eu-west-1.
const baselineTemplate = `
version: 1
organization:
  id: ` + orgID + `
  allowedAccounts: ["` + allowedAccount + `"]
defaultClass: standard
classes:
  - name: database
    match: {namePrefixes: [db/]}
    maxRotationDays: 30
    rotationFunctions:
      - {engine: "*", arn: "arn:${Partition}:lambda:${Region}:${AccountId}:function:rotate-db"}
  - name: dr
    match: {namePrefixes: [dr/]}
    maxRotationDays: 90
    replicateTo: [` + replicaRegion + `]
  - name: standard
    maxRotationDays: 90
requiredTags:
  - key: owner
  - key: environment
    allowedValues: [prod, staging, dev]
kms:
  allowedKeys:
    us-east-1: ["%s"]
  defaultKeys:
    "*": "arn:${Partition}:kms:${Region}:${AccountId}:alias/secretguard"
replication:
  tag: secretguard:replicate-to
unused: {days: 90}
rotatedRecently: {days: 90}
checks:
  cmk: {mode: remediate}
  no-public-policy: {mode: ticket}
waivers:
  tagPrefix: "waive:"
  maxDays: 30
`

func policyDoc(principal, condition string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Principal":` + principal +
		`,"Action":"secretsmanager:GetSecretValue","Resource":"*"` + condition + `}]}`
}

var (
	orgPolicy     = policyDoc(`"*"`, `,"Condition":{"StringEquals":{"aws:PrincipalOrgID":"`+orgID+`"}}`)
	allowedPolicy = policyDoc(`{"AWS":"arn:aws:iam::`+allowedAccount+`:root"}`, "")
	publicPolicy  = policyDoc(`"*"`, "")
	foreignPolicy = policyDoc(`{"AWS":"arn:aws:iam::`+foreignAccount+`:root"}`, "")
)

var goodTags = map[string]string{"owner": "team-a", "environment": "prod"}

// Secret names use every character a name may hold besides letters and
// digits: / + = . @ -
const (
	nameGood     = "db/orders+main=1.0@team-a"
	nameWrongFn  = "db/legacy.report@x-y"
	nameStuck    = "db/stuck=payments+1"
	namePlain    = "app/plain-off"
	nameForeign  = "app/foreign@acct.io"
	nameReplica  = "dr/replicated+eu"
	nameNoRepl   = "dr/missing.replica"
	nameTagRepl  = "app/tagged=replicate"
	nameWaived   = "app/waived@cmk"
	waiverReason = "moving to the CMK in the next sprint"
)

// seedAll creates the secrets of the verdict matrix in us-east-1 and
// returns the baseline file.
func seedAll(t *testing.T, srv *motoserver.Server) (baselineFile string) {
	t.Helper()
	s := newSeeder(t, srv, primaryRegion)
	fns := s.functions("rotate-db", "rotate-other")
	allowedKey, otherKey := s.key(), s.key()
	waiverUntil := time.Now().UTC().AddDate(0, 0, 10).Format(time.DateOnly)
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	for _, sp := range []secretSpec{
		{name: nameGood, key: allowedKey, tags: goodTags, policy: orgPolicy, rotateWith: fns["rotate-db"], days: 30},
		{name: nameWrongFn, key: allowedKey, tags: goodTags, policy: allowedPolicy, rotateWith: fns["rotate-other"], days: 90},
		{name: nameStuck, key: allowedKey, tags: goodTags, rotateWith: fns["rotate-db"], days: 30, stuck: true},
		{name: namePlain, tags: map[string]string{"owner": "team-b"}, policy: publicPolicy},
		{name: nameForeign, key: otherKey, tags: with(goodTags, "environment", "qa"), policy: foreignPolicy},
		{name: nameReplica, key: allowedKey, tags: goodTags, replicateTo: []string{replicaRegion}},
		{name: nameNoRepl, key: allowedKey, tags: goodTags},
		{name: nameTagRepl, key: allowedKey, tags: with(goodTags, "secretguard:replicate-to", "us-west-2")},
		{name: nameWaived, tags: with(goodTags,
			"waive:cmk", waiverUntil+" "+waiverReason,
			"waive:no-public-policy", "2020-01-31 legacy vendor access"), policy: publicPolicy},
	} {
		s.create(sp)
	}
	return writeBaseline(t, fmt.Sprintf(baselineTemplate, allowedKey))
}

// verdict is what one (secret, check) must give: its compliance and
// substrings of its annotation.
type verdict struct {
	c   checks.Compliance
	has []string
}

const (
	pass   = checks.Compliant
	fail   = checks.NonCompliant
	notApp = checks.NotApplicable
)

func want1(c checks.Compliance, has ...string) verdict { return verdict{c, has} }

// row is a secret's verdict on every check: base for all, then overrides.
func verdictRow(base verdict, overrides map[string]verdict) map[string]verdict {
	out := map[string]verdict{}
	for _, id := range checks.IDs() {
		out[id] = base
		if o, ok := overrides[id]; ok {
			out[id] = o
		}
	}
	return out
}

// rotationOff is the verdict of the rotation checks on a secret without
// rotation.
func rotationOff(extra map[string]verdict) map[string]verdict {
	m := map[string]verdict{
		baseline.CheckRotationEnabled:  want1(fail, "Rotation is off"),
		baseline.CheckRotationFunction: want1(notApp, "Rotation is off"),
		baseline.CheckRotationSchedule: want1(notApp, "Rotation is off"),
		baseline.CheckRotationHealthy:  want1(notApp, "Rotation is off"),
	}
	for k, x := range extra {
		m[k] = x
	}
	return m
}

// TestScanMoto seeds secrets so that every check is NON_COMPLIANT for at
// least one secret and COMPLIANT for another, runs the CLI and asserts each
// verdict.
//
// What moto cannot produce, and where it is covered instead:
//   - rotated-recently and unused failing: moto sets CreatedDate and
//     LastRotatedDate to the time of the call, never reports LastAccessedDate,
//     and has no way to backdate them (nor to move its clock). So every secret
//     is "recent" and "unused since created today" at the real clock; a
//     baseline cannot help (both days settings are at least 1). Instead the
//     sub-test "clock 120 days on" moves the CLI's clock: the dates are moto's
//     own, the evaluation happens 120 days later. The branches (last read vs
//     never read, rotation on/off/service-managed) are in the checks
//     package's unit tests.
//   - replication COMPLIANT for a secret that must be replicated: moto
//     ignores the KmsKeyId of ReplicateSecretToRegions and reports every
//     replica on aws/secretsmanager, so a replica is never on a customer
//     managed key. Replication is COMPLIANT here only where none is required;
//     a required, in-sync, CMK replica is covered by the checks and scan unit
//     tests (and shared/scan's fake-client Sweep test).
//   - rotation-healthy "no version carries AWSCURRENT": AWS refuses to take
//     AWSCURRENT off a version without moving it, so only moto's own
//     rotation quirks could produce it, and those are not AWS behaviour. The
//     stuck AWSPENDING branch is exercised here at the real clock, the
//     overdue branch in "clock 120 days on"; the rest is in the checks
//     package's unit tests.
//   - ScheduleExpression schedules (moto keeps only AutomaticallyAfterDays).
func TestScanMoto(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	file := seedAll(t, srv)
	awsfix.MotoEnv(t, srv, primaryRegion)
	account := motoserver.TestAccount

	want := map[string]map[string]verdict{
		nameGood: verdictRow(want1(pass), map[string]verdict{
			baseline.CheckRotationFunction: want1(pass, "function:rotate-db"),
			baseline.CheckRotationSchedule: want1(pass, "every 30 days", "class database allows 30 days"),
			baseline.CheckRotationHealthy:  want1(pass, "Rotation is healthy"),
			baseline.CheckNoPublicPolicy:   want1(pass, "organization "+orgID),
			baseline.CheckReplication:      want1(pass, "No replication required"),
			baseline.CheckUnused:           want1(pass, "Never read"),
		}),
		nameWrongFn: verdictRow(want1(pass), map[string]verdict{
			baseline.CheckRotationFunction: want1(fail, "arn:aws:lambda:us-east-1:"+account+":function:rotate-db", "function:rotate-other"),
			baseline.CheckRotationSchedule: want1(fail, "every 90 days", "class database allows 30 days"),
			baseline.CheckNoPublicPolicy:   want1(pass, "accounts "+allowedAccount),
		}),
		nameStuck: verdictRow(want1(pass), map[string]verdict{
			baseline.CheckRotationHealthy: want1(fail, "AWSPENDING is on version", "rotate-db"),
		}),
		namePlain: verdictRow(want1(pass), rotationOff(map[string]verdict{
			baseline.CheckCMK:             want1(fail, "AWS managed key", "arn:aws:kms:us-east-1:"+account+":alias/secretguard"),
			baseline.CheckNoPublicPolicy:  want1(fail, `Statement "Read" makes the secret public`),
			baseline.CheckRequiredTags:    want1(fail, "Missing required tags: environment"),
			baseline.CheckRotatedRecently: want1(pass, "Never rotated; created"),
		})),
		nameForeign: verdictRow(want1(pass), rotationOff(map[string]verdict{
			baseline.CheckCMK:            want1(fail, "is not allowed in us-east-1"),
			baseline.CheckNoPublicPolicy: want1(fail, foreignAccount),
			baseline.CheckRequiredTags:   want1(fail, `environment="qa"`),
		})),
		nameReplica: verdictRow(want1(pass), rotationOff(map[string]verdict{
			// Right on AWS too: the replica was created without a key.
			baseline.CheckReplication: want1(fail, "replica in eu-west-1 uses the AWS managed key"),
		})),
		nameNoRepl: verdictRow(want1(pass), rotationOff(map[string]verdict{
			baseline.CheckReplication: want1(fail, "Not replicated to eu-west-1", "class dr"),
		})),
		nameTagRepl: verdictRow(want1(pass), rotationOff(map[string]verdict{
			baseline.CheckReplication: want1(fail, "Not replicated to us-west-2"),
		})),
		nameWaived: verdictRow(want1(pass), rotationOff(map[string]verdict{
			baseline.CheckCMK:            want1(notApp, "Waived until", waiverReason),
			baseline.CheckNoPublicPolicy: want1(fail, "makes the secret public", "waiver expired 2020-01-31"),
		})),
	}
	remedies := map[[2]string]string{
		{namePlain, baseline.CheckCMK}:                baseline.RemedyUseCMK,
		{namePlain, baseline.CheckRequiredTags}:       baseline.RemedyAddTags,
		{namePlain, baseline.CheckNoPublicPolicy}:     baseline.RemedyTightenPolicy,
		{namePlain, baseline.CheckRotationEnabled}:    baseline.RemedyEnableRotation,
		{nameWrongFn, baseline.CheckRotationSchedule}: baseline.RemedyFixSchedule,
		{nameNoRepl, baseline.CheckReplication}:       baseline.RemedyReplicate,
		{nameForeign, baseline.CheckCMK}:              "", // never between two customer managed keys
	}

	t.Run("json verdicts", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "scan", "--scope", "secrets", "--output", "json", "--baseline", file)
		if code != exitNonCompliant {
			t.Fatalf("exit %d, want %d\nstderr: %s", code, exitNonCompliant, stderr)
		}
		lines := jsonLines(t, stdout)
		if len(lines) != len(want)*len(checks.IDs()) {
			t.Errorf("%d lines, want %d (one per secret and check)", len(lines), len(want)*len(checks.IDs()))
		}
		seen := map[[2]string]bool{}
		failing, passing := map[string]int{}, map[string]int{}
		for _, l := range lines {
			name, check := l["secretName"].(string), l["check"].(string)
			key := [2]string{name, check}
			if seen[key] {
				t.Errorf("%s %s reported twice", name, check)
			}
			seen[key] = true
			arn := l["secretArn"].(string)
			if !strings.HasPrefix(arn, "arn:aws:secretsmanager:us-east-1:"+account+":secret:"+name+"-") ||
				l["region"] != primaryRegion || l["accountId"] != account {
				t.Errorf("%s %s: identity %s %v %v", name, check, arn, l["region"], l["accountId"])
			}
			if mode := l["mode"]; mode == "" {
				t.Errorf("%s %s: no mode", name, check)
			}
			w, ok := want[name][check]
			if !ok {
				t.Errorf("unexpected result %s %s", name, check)
				continue
			}
			got, ann := checks.Compliance(l["compliance"].(string)), l["annotation"].(string)
			if got != w.c {
				t.Errorf("%s %s: %s, want %s: %s", name, check, got, w.c, ann)
			}
			for _, h := range w.has {
				if !strings.Contains(ann, h) {
					t.Errorf("%s %s: annotation %q lacks %q", name, check, ann, h)
				}
			}
			remedy, _ := l["remedy"].(string) // omitted when empty
			if r, ok := remedies[key]; ok && remedy != r {
				t.Errorf("%s %s: remedy %q, want %q", name, check, remedy, r)
			}
			switch got {
			case fail:
				failing[check]++
			case pass:
				passing[check]++
			}
		}
		for name, checksOf := range want {
			for check := range checksOf {
				if !seen[[2]string{name, check}] {
					t.Errorf("no result for %s %s", name, check)
				}
			}
		}
		// The matrix leaves only the date checks without a failure at the
		// real clock (see the test's comment); the next sub-test fails them.
		for _, id := range checks.IDs() {
			dateCheck := id == baseline.CheckRotatedRecently || id == baseline.CheckUnused
			if passing[id] == 0 || (failing[id] == 0) != dateCheck {
				t.Errorf("%s: %d compliant, %d non-compliant", id, passing[id], failing[id])
			}
		}
		if modes := modesOf(lines); modes[baseline.CheckCMK] != baseline.ModeRemediate || modes[baseline.CheckNoPublicPolicy] != baseline.ModeTicket || modes[baseline.CheckUnused] != baseline.ModeReport {
			t.Errorf("modes %v", modes)
		}
		// stdout is only JSON lines; the summary is on stderr, without
		// terminal progress.
		if !strings.Contains(stderr, fmt.Sprintf("%d secrets: ", len(want))) || !strings.Contains(stderr, "no-public-policy") {
			t.Errorf("stderr lacks the summary:\n%s", stderr)
		}
		if strings.Contains(stderr, "\r") || strings.Contains(stderr, "\x1b") {
			t.Errorf("progress or colour on a stderr that is not a terminal: %q", stderr)
		}
	})

	t.Run("clock 120 days on", func(t *testing.T) {
		defer setClock(time.Now().UTC().AddDate(0, 0, 120))()
		code, stdout, stderr := runCLI(t, "scan", "--scope", "secrets", "--output", "json", "--baseline", file,
			"--check", "rotated-recently,unused", "--check", "rotation-healthy")
		if code != exitNonCompliant {
			t.Fatalf("exit %d\nstderr: %s", code, stderr)
		}
		got := map[[2]string]map[string]any{}
		for _, l := range jsonLines(t, stdout) {
			got[[2]string{l["secretName"].(string), l["check"].(string)}] = l
		}
		if len(got) != 3*len(want) {
			t.Errorf("%d results, want %d", len(got), 3*len(want))
		}
		for name := range want {
			for check, has := range map[string]string{
				baseline.CheckRotatedRecently: "limit 90",
				baseline.CheckUnused:          "Never read since created on",
			} {
				l := got[[2]string{name, check}]
				if l["compliance"] != string(fail) || !strings.Contains(l["annotation"].(string), has) {
					t.Errorf("%s %s: %v %v, want NON_COMPLIANT with %q", name, check, l["compliance"], l["annotation"], has)
				}
			}
		}
		// 30-day rotation, 120 days on: overdue.
		if l := got[[2]string{nameGood, baseline.CheckRotationHealthy}]; l["compliance"] != string(fail) || !strings.Contains(l["annotation"].(string), "overdue") {
			t.Errorf("rotation-healthy 120 days on: %v %v", l["compliance"], l["annotation"])
		}
		// The waiver is 10 days ahead of the real clock: expired by then.
		code, stdout, _ = runCLI(t, "scan", "--scope", "secrets", "--output", "json", "--baseline", file, "--check", "cmk")
		for _, l := range jsonLines(t, stdout) {
			if l["secretName"] == nameWaived && (l["compliance"] != string(fail) || !strings.Contains(l["annotation"].(string), "waiver expired")) {
				t.Errorf("waiver 120 days on: %v %v", l["compliance"], l["annotation"])
			}
		}
		if code != exitNonCompliant {
			t.Errorf("cmk 120 days on: exit %d", code)
		}
	})

	t.Run("one check", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "scan", "--scope", "secrets", "--output", "json", "--baseline", file, "--check", "cmk")
		if code != exitNonCompliant {
			t.Fatalf("exit %d\nstderr: %s", code, stderr)
		}
		lines := jsonLines(t, stdout)
		if len(lines) != len(want) {
			t.Errorf("%d lines, want one per secret (%d)", len(lines), len(want))
		}
		for _, l := range lines {
			if l["check"] != baseline.CheckCMK {
				t.Errorf("--check cmk emitted %v", l["check"])
			}
		}
	})

	t.Run("only compliant checks selected", func(t *testing.T) {
		// Every secret passes unused at the real clock: exit 0.
		code, stdout, stderr := runCLI(t, "scan", "--scope", "secrets", "--output", "json", "--baseline", file, "--check", "unused")
		if code != exitOK || len(jsonLines(t, stdout)) != len(want) {
			t.Fatalf("exit %d, %d lines\nstderr: %s", code, len(jsonLines(t, stdout)), stderr)
		}
	})
}

func modesOf(lines []map[string]any) map[string]string {
	m := map[string]string{}
	for _, l := range lines {
		m[l["check"].(string)], _ = l["mode"].(string)
	}
	return m
}

// setClock moves the CLI's clock and returns the function that restores it.
func setClock(at time.Time) func() {
	old := clock
	clock = func() time.Time { return at }
	return func() { clock = old }
}

// TestScanRegions scans two Regions of one partition (with a replica), and
// one Region each of aws-cn and aws-us-gov.
func TestScanRegions(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	us := newSeeder(t, srv, primaryRegion)
	key := us.key()
	us.create(secretSpec{name: "dr/orders@db+1", key: key, tags: goodTags, replicateTo: []string{replicaRegion}})
	newSeeder(t, srv, replicaRegion).create(secretSpec{name: "eu/only=here.1", tags: goodTags})
	newSeeder(t, srv, "cn-north-1").create(secretSpec{name: "cn/app.key@x", tags: goodTags})
	newSeeder(t, srv, "us-gov-west-1").create(secretSpec{name: "gov/app+key=1", tags: goodTags})
	file := writeBaseline(t, fmt.Sprintf(baselineTemplate, key))
	awsfix.MotoEnv(t, srv, "ap-southeast-2") // the flags win over AWS_REGION
	account := motoserver.TestAccount

	t.Run("two Regions", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "scan", "--scope", "secrets", "--output", "json", "--baseline", file,
			"--region", primaryRegion, "--region", replicaRegion, "--region", primaryRegion)
		if code != exitNonCompliant {
			t.Fatalf("exit %d\nstderr: %s", code, stderr)
		}
		byRegion := map[string][]string{}
		results := map[[3]string]map[string]any{}
		for _, l := range jsonLines(t, stdout) {
			r, n := l["region"].(string), l["secretName"].(string)
			if !slices.Contains(byRegion[r], n) {
				byRegion[r] = append(byRegion[r], n)
			}
			if !strings.HasPrefix(l["secretArn"].(string), "arn:aws:secretsmanager:"+r+":"+account+":secret:"+n+"-") {
				t.Errorf("%s in %s: ARN %s", n, r, l["secretArn"])
			}
			results[[3]string{r, n, l["check"].(string)}] = l
		}
		slices.Sort(byRegion[replicaRegion])
		if !slices.Equal(byRegion[primaryRegion], []string{"dr/orders@db+1"}) ||
			!slices.Equal(byRegion[replicaRegion], []string{"dr/orders@db+1", "eu/only=here.1"}) || len(byRegion) != 2 {
			t.Errorf("secrets by Region %v (a repeated --region must scan once)", byRegion)
		}
		// The replica is evaluated in its own Region; replication is the
		// primary's business.
		l := results[[3]string{replicaRegion, "dr/orders@db+1", baseline.CheckReplication}]
		if l["compliance"] != string(notApp) || !strings.Contains(l["annotation"].(string), "Replica of the secret in us-east-1") {
			t.Errorf("replica's replication: %v %v", l["compliance"], l["annotation"])
		}
		l = results[[3]string{primaryRegion, "dr/orders@db+1", baseline.CheckReplication}]
		if l["compliance"] != string(fail) {
			t.Errorf("primary's replication: %v %v", l["compliance"], l["annotation"])
		}
		if !strings.Contains(stderr, "3 secrets: ") {
			t.Errorf("summary over both Regions missing:\n%s", stderr)
		}
	})

	t.Run("aws-cn and aws-us-gov", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "scan", "--scope", "secrets", "--output", "json", "--baseline", file, "--check", "cmk,required-tags",
			"--region", "cn-north-1,us-gov-west-1")
		if code != exitNonCompliant {
			t.Fatalf("exit %d\nstderr: %s", code, stderr)
		}
		partitions := map[string]string{"cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"}
		lines := jsonLines(t, stdout)
		if len(lines) != 4 {
			t.Fatalf("%d lines, want 4:\n%s", len(lines), stdout)
		}
		for _, l := range lines {
			r := l["region"].(string)
			p := partitions[r]
			if p == "" || !strings.HasPrefix(l["secretArn"].(string), "arn:"+p+":secretsmanager:"+r+":"+account+":secret:") || l["accountId"] != account {
				t.Errorf("%v: ARN %v account %v", r, l["secretArn"], l["accountId"])
			}
			switch l["check"] {
			case baseline.CheckCMK:
				// The default key is expanded in the secret's partition.
				wantKey := "arn:" + p + ":kms:" + r + ":" + account + ":alias/secretguard"
				if l["compliance"] != string(fail) || !strings.Contains(l["annotation"].(string), wantKey) {
					t.Errorf("%s cmk: %v %v, want NON_COMPLIANT naming %s", r, l["compliance"], l["annotation"], wantKey)
				}
			case baseline.CheckRequiredTags:
				if l["compliance"] != string(pass) {
					t.Errorf("%s required-tags: %v %v", r, l["compliance"], l["annotation"])
				}
			}
		}
	})
}

// TestScanAllCompliant: an account whose one secret meets the baseline
// exits 0, and the table names the secret, each check and its verdict,
// without colour when stdout is not a terminal.
func TestScanAllCompliant(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	s := newSeeder(t, srv, primaryRegion)
	fns := s.functions("rotate-db")
	key := s.key()
	s.create(secretSpec{name: nameGood, key: key, tags: goodTags, policy: orgPolicy, rotateWith: fns["rotate-db"], days: 7})
	file := writeBaseline(t, fmt.Sprintf(baselineTemplate, key))
	awsfix.MotoEnv(t, srv, primaryRegion)

	// Every check can be compliant on moto, so none is left out.
	code, stdout, stderr := runCLI(t, "scan", "--scope", "secrets", "--baseline", file)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, nameGood+"  (us-east-1, arn:aws:secretsmanager:us-east-1:") {
		t.Errorf("table lacks the secret heading:\n%s", stdout)
	}
	for _, id := range checks.IDs() {
		if !strings.Contains(stdout, fmt.Sprintf("  %-14s  %-18s ", pass, id)) {
			t.Errorf("table lacks a COMPLIANT row for %s:\n%s", id, stdout)
		}
	}
	if strings.Contains(stdout, "\x1b[") || strings.Contains(stderr, "\x1b[") {
		t.Errorf("ANSI colour in output that is not a terminal:\n%q", stdout)
	}
	if !strings.Contains(stdout, "1 secret: 10 compliant, 0 non-compliant, 0 not applicable results (") {
		t.Errorf("table lacks the summary:\n%s", stdout)
	}
	if stderr != "" {
		t.Errorf("stderr %q, want nothing", stderr)
	}

	// The same scan as JSON: exit 0 too, summary on stderr.
	code, stdout, stderr = runCLI(t, "scan", "--scope", "secrets", "--baseline", file, "--output", "json", "--no-color")
	if code != exitOK || len(jsonLines(t, stdout)) != len(checks.IDs()) || !strings.Contains(stderr, "1 secret: 10 compliant") {
		t.Errorf("json: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}
