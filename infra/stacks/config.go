package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
)

// Deployment modes (context "deployment").
const (
	ModeSingle       = "single"       // one account, every Region in "regions"
	ModeOrganization = "organization" // hub stacks + the spoke StackSet
)

// Defaults of the context values documented in README.md, Deploy.
const (
	DefaultSpokeRoleName     = awsenv.DefaultSpokeRolePrefix
	DefaultBaselineParameter = "/secretguard/baseline"
	DefaultFrequency         = "TwentyFour_Hours"
	DefaultLogRetentionDays  = 365
	DefaultBinDir            = "bin/lambda"
	// MaxMemberAccounts bounds the hub evaluator's per-account Lambda
	// permissions: one statement is ~330 bytes and a function's resource
	// policy holds at most 20 KB (see README.md, Deploy, "Config rules in member
	// accounts").
	MaxMemberAccounts = 50
)

var (
	accountRE  = regexp.MustCompile(`^\d{12}$`)
	regionRE   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	orgRE      = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	ouRE       = regexp.MustCompile(`^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$`)
	roleNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	// retentions are the CloudWatch Logs retention periods, by days.
	retentions = map[int]awslogs.RetentionDays{
		1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
		7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
		60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
		150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
		400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
		1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
		2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS, 3288: awslogs.RetentionDays_NINE_YEARS,
		3653: awslogs.RetentionDays_TEN_YEARS,
	}
	frequencies = []string{"One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours"}
)

// Config is everything the stacks are built from: the CDK context (cdk.json
// and -c key=value) and the baseline file it names.
type Config struct {
	Deployment        string
	Account           string   // single: the target account ("" = the CLI's)
	Regions           []string // where the stacks (or stack instances) go
	Functions         []string // the functions wired, in catalog order
	BinDir            string   // <BinDir>/<function>/bootstrap
	Baseline          *baseline.Baseline
	BaselineDoc       string // the document stored in the SSM parameter
	BaselineParameter string
	DryRun            bool
	Frequency         string // Config MaximumExecutionFrequency
	SpokeRoleName     string // prefix: SpokeRole(SpokeRoleName, function) per function
	LogRetentionDays  int
	NotificationEmail string
	BreakGlassRoles   []string

	// Organization mode.
	OrganizationID    string
	HubAccount        string
	MemberAccounts    []string
	TargetOUs         []string
	ManagementAccount string // where the StackSet stack goes ("" = the CLI's)
	StackSetRegion    string // default: the first Region
	SpokeRoleRegion   string // the one Region whose instance creates the spoke roles
	CallAs            string // SELF or DELEGATED_ADMIN
}

// ConfigFromContext reads and validates the context of node (the app).
func ConfigFromContext(node constructs.Node) (*Config, error) {
	get := func(key string) any { return node.TryGetContext(&key) }
	return configFrom(get)
}

func configFrom(get func(string) any) (*Config, error) {
	var errs []string
	fail := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	str := func(key, def string) string {
		switch v := get(key).(type) {
		case nil:
			return def
		case string:
			if v == "" {
				return def
			}
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			return strconv.FormatBool(v)
		default:
			fail("context %s: want a string, got %v", key, v)
			return def
		}
	}
	c := &Config{
		Deployment:        str("deployment", ModeSingle),
		Account:           str("account", os.Getenv("CDK_DEFAULT_ACCOUNT")),
		Regions:           list(get("regions"), os.Getenv("CDK_DEFAULT_REGION")),
		BinDir:            str("binDir", DefaultBinDir),
		BaselineParameter: str("baselineParameter", DefaultBaselineParameter),
		Frequency:         str("scheduleFrequency", DefaultFrequency),
		SpokeRoleName:     str("spokeRoleName", DefaultSpokeRoleName),
		NotificationEmail: str("notificationEmail", ""),
		HubAccount:        str("hubAccount", ""),
		TargetOUs:         list(get("targetOUs"), ""),
		ManagementAccount: str("managementAccount", ""),
		CallAs:            str("callAs", "SELF"),
	}
	var err error
	if c.DryRun, err = strconv.ParseBool(str("dryRun", "false")); err != nil {
		fail("context dryRun: want true or false, got %q", str("dryRun", ""))
	}
	if c.LogRetentionDays, err = strconv.Atoi(str("logRetentionDays", strconv.Itoa(DefaultLogRetentionDays))); err != nil || retentions[c.LogRetentionDays] == "" {
		fail("context logRetentionDays: want a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 days), got %q", str("logRetentionDays", ""))
	}
	if err := c.loadBaseline(str("baseline", "")); err != nil {
		fail("%v", err)
	}
	if fns, err := wiredFunctions(get("functions")); err != nil {
		fail("%v", err)
	} else {
		c.Functions = fns
	}
	c.OrganizationID = str("organizationId", "")
	if c.Baseline != nil {
		c.BreakGlassRoles = list(get("breakGlassRoles"), strings.Join(c.Baseline.BreakGlassRoles, ","))
		c.MemberAccounts = list(get("memberAccounts"), strings.Join(c.Baseline.Organization.MemberAccounts, ","))
		if id := c.Baseline.Organization.ID; id != "" {
			if c.OrganizationID != "" && c.OrganizationID != id {
				fail("context organizationId %q differs from the baseline's organization.id %q", c.OrganizationID, id)
			}
			c.OrganizationID = id
		}
	}
	c.StackSetRegion = str("stackSetRegion", first(c.Regions))
	c.SpokeRoleRegion = str("spokeRoleRegion", first(c.Regions))
	c.validate(fail)
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid context (see README.md, Deploy):\n  %s", strings.Join(errs, "\n  "))
	}
	return c, nil
}

func (c *Config) validate(fail func(string, ...any)) {
	if len(c.Regions) == 0 {
		fail("context regions: none given and CDK_DEFAULT_REGION is not set: pass -c regions=eu-west-1,us-east-1")
	}
	for _, r := range c.Regions {
		if !regionRE.MatchString(r) {
			fail("context regions: %q is not a Region name", r)
		}
	}
	if c.Account != "" && !accountRE.MatchString(c.Account) {
		fail("context account: %q is not a 12-digit account ID", c.Account)
	}
	if !slices.Contains(frequencies, c.Frequency) {
		fail("context scheduleFrequency: %q is not one of %s", c.Frequency, strings.Join(frequencies, ", "))
	}
	// The prefix of one spoke role per function that acts in member
	// accounts: every name it makes must be an IAM role name.
	for _, s := range catalog {
		if n := SpokeRole(c.SpokeRoleName, s.name); s.spoke != nil && !roleNameRE.MatchString(n) {
			fail("context spokeRoleName: %q does not make an IAM role name (at most 64 of A-Za-z0-9+=,.@_-): %q", c.SpokeRoleName, n)
			break
		}
	}
	if !strings.HasPrefix(c.BaselineParameter, "/") {
		fail("context baselineParameter: %q must start with /", c.BaselineParameter)
	}
	switch c.Deployment {
	case ModeSingle:
	case ModeOrganization:
		if !orgRE.MatchString(c.OrganizationID) {
			fail("organization mode needs organizationId (context or the baseline's organization.id) like o-a1b2c3d4e5, got %q", c.OrganizationID)
		}
		if !accountRE.MatchString(c.HubAccount) {
			fail("organization mode needs context hubAccount (12 digits), got %q", c.HubAccount)
		}
		if c.ManagementAccount != "" && !accountRE.MatchString(c.ManagementAccount) {
			fail("context managementAccount: %q is not a 12-digit account ID", c.ManagementAccount)
		}
		if len(c.TargetOUs) == 0 {
			fail("organization mode needs context targetOUs (ou-… or the root r-…)")
		}
		for _, ou := range c.TargetOUs {
			if !ouRE.MatchString(ou) {
				fail("context targetOUs: %q is not an OU or root ID", ou)
			}
		}
		if len(c.MemberAccounts) > MaxMemberAccounts {
			fail("memberAccounts: %d accounts; the hub evaluator's resource policy holds at most %d per-account Config permissions (20 KB): see README.md, Deploy", len(c.MemberAccounts), MaxMemberAccounts)
		}
		for _, a := range c.MemberAccounts {
			if !accountRE.MatchString(a) {
				fail("memberAccounts: %q is not a 12-digit account ID", a)
			}
		}
		if !slices.Contains(c.Regions, c.SpokeRoleRegion) {
			fail("context spokeRoleRegion: %q is not one of the regions %v", c.SpokeRoleRegion, c.Regions)
		}
		if c.CallAs != "SELF" && c.CallAs != "DELEGATED_ADMIN" {
			fail("context callAs: want SELF or DELEGATED_ADMIN, got %q", c.CallAs)
		}
	default:
		fail("context deployment: want %q or %q, got %q", ModeSingle, ModeOrganization, c.Deployment)
	}
}

// loadBaseline validates the baseline file (or takes the embedded default)
// and keeps the document the SSM parameter will hold.
func (c *Config) loadBaseline(path string) error {
	if path == "" {
		c.Baseline = baseline.Default()
		doc, err := json.Marshal(c.Baseline)
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		c.BaselineDoc = string(doc)
		return nil
	}
	if !filepath.IsAbs(path) {
		if root, err := repoRoot(); err == nil {
			if _, err := os.Stat(path); err != nil {
				path = filepath.Join(root, path)
			}
		}
	}
	b, err := baseline.LoadFile(path)
	if err != nil {
		return fmt.Errorf("context baseline=%s: %w", path, err)
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("context baseline=%s: %w", path, err)
	}
	c.Baseline, c.BaselineDoc = b, string(doc)
	return nil
}

// wiredFunctions is the context "functions" (a list), or else every catalog
// function whose directory functions/<name> exists in the source tree.
func wiredFunctions(v any) ([]string, error) {
	if v != nil {
		names := list(v, "")
		for _, n := range names {
			if specFor(n) == nil {
				return nil, fmt.Errorf("context functions: unknown function %q (known: %s)", n, strings.Join(catalogNames(), ", "))
			}
		}
		return names, nil
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, n := range catalogNames() {
		if st, err := os.Stat(filepath.Join(root, "functions", n)); err == nil && st.IsDir() {
			names = append(names, n)
		}
	}
	return names, nil
}

// repoRoot is the nearest directory at or above the working directory that
// holds go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// list reads a context list: a JSON array (cdk.json) or a comma-separated
// string (-c key=a,b); def (comma-separated) when absent or empty.
func list(v any, def string) []string {
	var raw []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			raw = append(raw, fmt.Sprint(e))
		}
	case string:
		if strings.HasPrefix(strings.TrimSpace(v), "[") {
			if err := json.Unmarshal([]byte(v), &raw); err == nil {
				break
			}
		}
		raw = strings.Split(v, ",")
	}
	var out []string
	for _, s := range raw {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 && def != "" {
		return list(def, "")
	}
	return out
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
