package baseline

import (
	"sort"
	"strings"
	"time"
)

// Modes say what secretguard does about a failed check.
const (
	ModeReport    = "report"    // record the verdict only
	ModeTicket    = "ticket"    // record and open a ticket
	ModeRemediate = "remediate" // fix it when a remedy can, else ticket
)

// Rotation strategies, as the AWS rotation function templates name them.
const (
	StrategySingleUser       = "single-user"
	StrategyAlternatingUsers = "alternating-users"
)

// Tag keys secretguard reads.
const (
	ClassTag    = "secretguard:class"
	EngineTag   = "secretguard:engine"
	StrategyTag = "secretguard:rotation-strategy"
)

// Baseline is the organisation's definition of a compliant secret.
// Load it with Parse, LoadFile or LoadSSM (or Default); the loaders reject
// unknown fields, unknown check IDs and bad values, naming the field.
type Baseline struct {
	Version      int                      `yaml:"version" json:"version"`
	Organization Organization             `yaml:"organization" json:"organization"`
	Classes      []Class                  `yaml:"classes" json:"classes"`
	DefaultClass string                   `yaml:"defaultClass" json:"defaultClass"`
	RequiredTags []TagRule                `yaml:"requiredTags" json:"requiredTags"`
	KMS          KMS                      `yaml:"kms" json:"kms"`
	Replication  Replication              `yaml:"replication" json:"replication"`
	Unused       DaysSetting              `yaml:"unused" json:"unused"`
	Rotated      DaysSetting              `yaml:"rotatedRecently" json:"rotatedRecently"`
	Checks       map[string]CheckSettings `yaml:"checks" json:"checks"`
	Waivers      Waivers                  `yaml:"waivers" json:"waivers"`
	// Plaintext configures the no-plaintext-* checks.
	Plaintext Plaintext `yaml:"plaintext" json:"plaintext"`
	// Caching configures the caching check.
	Caching Caching `yaml:"caching" json:"caching"`
	// MaxChangesPerInvocation caps the remedies one invocation applies;
	// past it, findings are ticketed instead.
	MaxChangesPerInvocation int `yaml:"maxChangesPerInvocation" json:"maxChangesPerInvocation"`
	// Environments maps account IDs to an environment name, the default
	// for a missing environment tag.
	Environments map[string]string `yaml:"environments" json:"environments"`
	// BreakGlassRoles are role ARNs (placeholders allowed) that remedies
	// must never lock out of a secret.
	BreakGlassRoles []string `yaml:"breakGlassRoles" json:"breakGlassRoles"`
	// Tickets says where the notifier sends tickets; nil (absent) means
	// DefaultTickets. See TicketsOrDefault.
	Tickets *Tickets `yaml:"tickets,omitempty" json:"tickets,omitempty"`

	// classByName indexes Classes by name; built by Validate (and so by
	// the loaders). Class falls back to a scan when it is stale.
	classByName map[string]int
}

// Organization names the organisation and the external accounts that may
// be granted access to secrets.
type Organization struct {
	ID              string   `yaml:"id" json:"id"`
	AllowedAccounts []string `yaml:"allowedAccounts" json:"allowedAccounts"`
	// MemberAccounts optionally lists the organisation's accounts, so that
	// a policy naming one of them is not reported as foreign.
	MemberAccounts []string `yaml:"memberAccounts" json:"memberAccounts"`
}

// Class groups secrets that share rotation rules.
type Class struct {
	Name  string `yaml:"name" json:"name"`
	Match Match  `yaml:"match" json:"match"`
	// MaxRotationDays is the longest allowed gap between rotations.
	MaxRotationDays int `yaml:"maxRotationDays" json:"maxRotationDays"`
	// Strategy is the default rotation strategy of the class; the tag
	// secretguard:rotation-strategy overrides it per secret.
	Strategy string `yaml:"strategy" json:"strategy"`
	// RotationFunctions lists the function per engine and strategy.
	RotationFunctions []RotationFunction `yaml:"rotationFunctions" json:"rotationFunctions"`
	// RotateImmediately makes enable-rotation rotate at once.
	RotateImmediately bool `yaml:"rotateImmediately" json:"rotateImmediately"`
	// ReplicateTo lists Regions every secret of the class must reach.
	ReplicateTo []string `yaml:"replicateTo" json:"replicateTo"`
}

// Match says which secrets belong to a class when the secretguard:class
// tag does not: by OwningService or by name prefix.
type Match struct {
	OwningServices []string `yaml:"owningServices" json:"owningServices"`
	NamePrefixes   []string `yaml:"namePrefixes" json:"namePrefixes"`
}

// RotationFunction names the rotation Lambda for an engine and strategy.
// Engine "*" (or empty) matches any engine; the ARN may use the
// placeholders ${Partition}, ${Region} and ${AccountId}.
type RotationFunction struct {
	Engine   string `yaml:"engine" json:"engine"`
	Strategy string `yaml:"strategy" json:"strategy"`
	ARN      string `yaml:"arn" json:"arn"`
}

// TagRule is one required tag.
type TagRule struct {
	Key           string   `yaml:"key" json:"key"`
	AllowedValues []string `yaml:"allowedValues" json:"allowedValues"`
	// Default is the value the add-tags remedy sets when it has no better
	// source; empty means the remedy tickets instead.
	Default string `yaml:"default" json:"default"`
}

// KMS says which keys may encrypt secrets.
type KMS struct {
	// AllowedKeys maps a Region (or "*") to key ARNs, key IDs or aliases.
	// A Region absent from the map accepts any customer-managed key.
	AllowedKeys map[string][]string `yaml:"allowedKeys" json:"allowedKeys"`
	// DefaultKeys maps a Region (or "*") to the key the use-cmk remedy moves
	// secrets to; placeholders allowed.
	DefaultKeys map[string]string `yaml:"defaultKeys" json:"defaultKeys"`
}

// Replication says where secrets must be replicated.
type Replication struct {
	// Tag names the tag whose comma- or space-separated value lists
	// required Regions for one secret.
	Tag string `yaml:"tag" json:"tag"`
}

// DaysSetting is a threshold in days.
type DaysSetting struct {
	Days int `yaml:"days" json:"days"`
}

// CheckSettings configure one check.
type CheckSettings struct {
	Mode string `yaml:"mode" json:"mode"`
}

// Waivers define the tag that waives a check for one secret:
// <TagPrefix><check-id> = "<YYYY-MM-DD> <reason>", valid until the end of
// that day (UTC) and at most MaxDays ahead.
//
// Accounts waives workload and account checks where no tag can: account
// ID, or "<account ID>:<Region>" for one Region, → check ID → the same
// "<YYYY-MM-DD> <reason>". It is the only waiver of the account-level
// checks, and also applies to functions and task definitions of that
// account (which may carry the waiver tag themselves).
type Waivers struct {
	TagPrefix string                       `yaml:"tagPrefix" json:"tagPrefix"`
	MaxDays   int                          `yaml:"maxDays" json:"maxDays"`
	Accounts  map[string]map[string]string `yaml:"accounts" json:"accounts"`
}

// AccountWaiver returns the waiver value for a check in an account and
// Region ("<account>:<region>" first, then "<account>"), and its key.
func (b *Baseline) AccountWaiver(account, region, checkID string) (value, key string, ok bool) {
	for _, k := range []string{account + ":" + region, account} {
		if v, found := b.Waivers.Accounts[k][checkID]; found {
			return v, "waivers.accounts." + k + "." + checkID, true
		}
	}
	return "", "", false
}

// Plaintext configures the checks that look for credentials in plaintext
// (function and container environments, SSM String parameters).
type Plaintext struct {
	// Allow lists the false positives: a variable of a resource that holds
	// something credential-like which is not a credential.
	Allow []PlaintextAllow `yaml:"allow" json:"allow"`
}

// PlaintextAllow allows one variable (or parameter) of some resources.
// Resource matches a function's name or ARN, a task definition's ARN,
// family:revision or family, or a parameter's name or ARN; Variable
// matches a variable name, "container/VARIABLE" for a task definition, and
// is "*" (the default) for parameters. In both, * stands for any run of
// characters.
type PlaintextAllow struct {
	Resource string `yaml:"resource" json:"resource"`
	Variable string `yaml:"variable" json:"variable"`
	Reason   string `yaml:"reason" json:"reason"`
}

// Caching configures the caching check: GetSecretValue calls per hour
// above MaxCallsPerHour in at least SustainedHours of the last 24 hours
// mean applications do not cache.
type Caching struct {
	MaxCallsPerHour int `yaml:"maxCallsPerHour" json:"maxCallsPerHour"`
	SustainedHours  int `yaml:"sustainedHours" json:"sustainedHours"`
}

// CachingThresholds returns the caching check's thresholds, the defaults
// (10000 calls, 6 hours) where the baseline leaves them 0.
func (b *Baseline) CachingThresholds() (maxCallsPerHour, sustainedHours int) {
	maxCallsPerHour, sustainedHours = b.Caching.MaxCallsPerHour, b.Caching.SustainedHours
	if maxCallsPerHour == 0 {
		maxCallsPerHour = defaultMaxCallsPerHour
	}
	if sustainedHours == 0 {
		sustainedHours = defaultSustainedHours
	}
	return maxCallsPerHour, sustainedHours
}

// ClassFor returns the class of a secret: the secretguard:class tag first,
// then OwningService, then the longest matching name prefix, else the
// default class. It never returns nil for a validated baseline.
func (b *Baseline) ClassFor(name, owningService string, tags map[string]string) *Class {
	if v, ok := tags[ClassTag]; ok {
		if c := b.Class(v); c != nil {
			return c
		}
	}
	if owningService != "" {
		for i := range b.Classes {
			for _, s := range b.Classes[i].Match.OwningServices {
				if strings.EqualFold(s, owningService) {
					return &b.Classes[i]
				}
			}
		}
	}
	best, bestLen := -1, 0
	for i := range b.Classes {
		for _, p := range b.Classes[i].Match.NamePrefixes {
			if strings.HasPrefix(name, p) && len(p) > bestLen {
				best, bestLen = i, len(p)
			}
		}
	}
	if best >= 0 {
		return &b.Classes[best]
	}
	return b.Class(b.DefaultClass)
}

// Class returns the class with that name, or nil.
func (b *Baseline) Class(name string) *Class {
	if b.classByName != nil {
		if i, ok := b.classByName[name]; ok && i < len(b.Classes) && b.Classes[i].Name == name {
			return &b.Classes[i]
		}
	}
	for i := range b.Classes {
		if b.Classes[i].Name == name {
			return &b.Classes[i]
		}
	}
	return nil
}

// StrategyFor returns the rotation strategy of a secret of class c.
func (c *Class) StrategyFor(tags map[string]string) string {
	if v := tags[StrategyTag]; v == StrategySingleUser || v == StrategyAlternatingUsers {
		return v
	}
	if c.Strategy != "" {
		return c.Strategy
	}
	return StrategySingleUser
}

// RotationFunctionFor returns the rotation function ARN (placeholders
// expanded) for a secret of class c with the given tags, in the account and
// Region of the secret. ok is false when the baseline names none: callers
// must ticket, never guess.
func (c *Class) RotationFunctionFor(tags map[string]string, partition, region, account string) (arn string, ok bool) {
	engine := strings.ToLower(tags[EngineTag])
	strategy := c.StrategyFor(tags)
	var wildcard string
	for _, f := range c.RotationFunctions {
		if f.Strategy != "" && f.Strategy != strategy {
			continue
		}
		switch {
		case engine != "" && strings.EqualFold(f.Engine, engine):
			return Expand(f.ARN, partition, region, account), true
		case (f.Engine == "" || f.Engine == "*") && wildcard == "":
			wildcard = f.ARN
		}
	}
	if wildcard != "" {
		return Expand(wildcard, partition, region, account), true
	}
	return "", false
}

// MaxRotation returns the class's maximum rotation interval.
func (c *Class) MaxRotation() time.Duration {
	return time.Duration(c.MaxRotationDays) * 24 * time.Hour
}

// Mode returns the configured mode of a check (report when unset).
func (b *Baseline) Mode(checkID string) string {
	if s, ok := b.Checks[checkID]; ok && s.Mode != "" {
		return s.Mode
	}
	return ModeReport
}

// RequiredRegions returns the Regions a secret must be replicated to: the
// union of its class's ReplicateTo and the Regions named in the replication
// tag, without the secret's own Region, sorted.
func (b *Baseline) RequiredRegions(c *Class, tags map[string]string, ownRegion string) []string {
	set := map[string]bool{}
	if c != nil {
		for _, r := range c.ReplicateTo {
			set[r] = true
		}
	}
	if b.Replication.Tag != "" {
		for _, r := range strings.FieldsFunc(tags[b.Replication.Tag], func(r rune) bool {
			return r == ',' || r == ' ' || r == ';' || r == '\t'
		}) {
			set[r] = true
		}
	}
	delete(set, ownRegion)
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// AllowedKeys returns the keys allowed in a Region; nil means any
// customer-managed key.
func (b *Baseline) AllowedKeys(region string) []string {
	if k, ok := b.KMS.AllowedKeys[region]; ok {
		return k
	}
	return b.KMS.AllowedKeys["*"]
}

// DefaultKey returns the key use-cmk moves secrets to in a Region, with
// placeholders expanded, or "".
func (b *Baseline) DefaultKey(partition, region, account string) string {
	k, ok := b.KMS.DefaultKeys[region]
	if !ok {
		k = b.KMS.DefaultKeys["*"]
	}
	return Expand(k, partition, region, account)
}

// Expand replaces ${Partition}, ${Region} and ${AccountId} in s.
func Expand(s, partition, region, account string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	s = strings.ReplaceAll(s, "${Partition}", partition)
	s = strings.ReplaceAll(s, "${Region}", region)
	return strings.ReplaceAll(s, "${AccountId}", account)
}
