package baseline

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Defaults for zero-valued settings (see the package documentation).
const (
	defaultUnusedDays         = 90
	defaultRotatedDays        = 90
	defaultMaxChanges         = 25
	defaultWaiverTagPrefix    = "secretguard:waive:"
	defaultWaiverMaxDays      = 365
	defaultReplicationTag     = "secretguard:replicate-to"
	defaultClassName          = "standard"
	defaultMaxCallsPerHour    = 10000
	defaultSustainedHours     = 6
	awsManagedSecretsKeyAlias = "alias/aws/secretsmanager"
)

const (
	partitionRE = `(?:aws(?:-[a-z]+)*|\$\{Partition\})`
	regionRE    = `[a-z]{2}(?:-[a-z]+)+-\d`
	accountRE   = `\d{12}`
	keyIDRE     = `(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})`
	aliasRE     = `alias/[A-Za-z0-9/_-]{1,250}`
	arnRegion   = `(?:` + regionRE + `|\$\{Region\})`
	arnAccount  = `(?:` + accountRE + `|\$\{AccountId\})`
)

var (
	orgIDPattern     = lazy(`^o-[a-z0-9]{10,32}$`)
	accountPattern   = lazy(`^` + accountRE + `$`)
	regionPattern    = lazy(`^` + regionRE + `$`)
	classNamePattern = lazy(`^[a-z0-9][a-z0-9-]{0,62}$`)
	lambdaARNPattern = lazy(`^arn:` + partitionRE + `:lambda:` + arnRegion + `:` + arnAccount +
		`:function:[A-Za-z0-9_-]{1,64}(?::(?:\$LATEST|[A-Za-z0-9_-]{1,128}))?$`)
	keyIDPattern    = lazy(`^` + keyIDRE + `$`)
	aliasPattern    = lazy(`^` + aliasRE + `$`)
	kmsARNPattern   = lazy(`^arn:` + partitionRE + `:kms:` + arnRegion + `:` + arnAccount + `:(?:key/` + keyIDRE + `|(` + aliasRE + `))$`)
	roleARNPattern  = lazy(`^arn:` + partitionRE + `:iam::` + arnAccount + `:role/(?:[^/\s]+/)*[\w+=,.@-]{1,64}$`)
	tagCharsPattern = lazy(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	placeholderRE   = lazy(`\$\{([^}]*)\}`)
)

var knownPlaceholders = []string{"Partition", "Region", "AccountId"}

// applyDefaults fills zero-valued settings; Parse calls it before Validate.
func (b *Baseline) applyDefaults() {
	setInt := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	setInt(&b.Unused.Days, defaultUnusedDays)
	setInt(&b.Rotated.Days, defaultRotatedDays)
	setInt(&b.MaxChangesPerInvocation, defaultMaxChanges)
	setInt(&b.Waivers.MaxDays, defaultWaiverMaxDays)
	if b.Waivers.TagPrefix == "" {
		b.Waivers.TagPrefix = defaultWaiverTagPrefix
	}
	if b.Replication.Tag == "" {
		b.Replication.Tag = defaultReplicationTag
	}
	for i := range b.Classes {
		if b.Classes[i].Strategy == "" {
			b.Classes[i].Strategy = StrategySingleUser
		}
	}
	if b.DefaultClass == "" && b.Class(defaultClassName) != nil {
		b.DefaultClass = defaultClassName
	}
	setInt(&b.Caching.MaxCallsPerHour, defaultMaxCallsPerHour)
	setInt(&b.Caching.SustainedHours, defaultSustainedHours)
	for i := range b.Plaintext.Allow {
		if b.Plaintext.Allow[i].Variable == "" {
			b.Plaintext.Allow[i].Variable = "*"
		}
	}
	if b.Checks == nil {
		b.Checks = make(map[string]CheckSettings, len(CheckIDs)+len(ResourceCheckIDs))
	}
	for _, id := range AllCheckIDs() {
		if b.Checks[id].Mode == "" {
			b.Checks[id] = CheckSettings{Mode: ModeReport}
		}
	}
	b.Tickets.applyDefaults()
}

// Validate checks a Baseline, whether parsed or built in code, and builds
// its class index. It applies no defaults. The error joins one *FieldError
// per problem, sorted by field path.
func (b *Baseline) Validate() error {
	v := &validator{}
	if b.Version != 1 {
		v.add("version", "must be 1, got %d", b.Version)
	}
	v.organization(&b.Organization)
	v.classes(b)
	v.requiredTags(b.RequiredTags)
	v.kms(&b.KMS)
	v.tagKey("replication.tag", b.Replication.Tag, 128)
	v.between("unused.days", b.Unused.Days, 1, 3650)
	v.between("rotatedRecently.days", b.Rotated.Days, 1, 3650)
	known := AllCheckIDs()
	for _, id := range sortedKeys(b.Checks) {
		p := mapPath("checks", id)
		if !slices.Contains(known, id) {
			v.add(p, "unknown check ID %q (known: %s)", id, strings.Join(known, ", "))
		}
		if m := b.Checks[id].Mode; m != ModeReport && m != ModeTicket && m != ModeRemediate {
			v.add(p+".mode", "must be %s, %s or %s, got %q", ModeReport, ModeTicket, ModeRemediate, m)
		}
	}
	v.tagKey("waivers.tagPrefix", b.Waivers.TagPrefix, 100)
	v.between("waivers.maxDays", b.Waivers.MaxDays, 1, 3650)
	v.accountWaivers(b.Waivers.Accounts)
	v.plaintext(b.Plaintext)
	// 0 is "the default" here even for a baseline built in code, which
	// predates these settings (CachingThresholds reads them).
	if b.Caching.MaxCallsPerHour != 0 {
		v.between("caching.maxCallsPerHour", b.Caching.MaxCallsPerHour, 1, 1_000_000_000)
	}
	if b.Caching.SustainedHours != 0 {
		v.between("caching.sustainedHours", b.Caching.SustainedHours, 1, 24)
	}
	v.between("maxChangesPerInvocation", b.MaxChangesPerInvocation, 1, 1000)
	for _, acct := range sortedKeys(b.Environments) {
		p := mapPath("environments", acct)
		if !accountPattern.MatchString(acct) {
			v.add(p, "key must be a 12-digit account ID")
		}
		v.tagValue(p, b.Environments[acct], true)
	}
	for i, r := range b.BreakGlassRoles {
		p := fmt.Sprintf("breakGlassRoles[%d]", i)
		if v.placeholders(p, r) && !roleARNPattern.MatchString(r) {
			v.add(p, "must be an IAM role ARN (arn:${Partition}:iam::<account>:role/<name>), got %q", r)
		}
	}

	v.tickets(b.Tickets)

	b.classByName = make(map[string]int, len(b.Classes))
	for i := len(b.Classes) - 1; i >= 0; i-- {
		b.classByName[b.Classes[i].Name] = i
	}
	return v.err()
}

func (v *validator) organization(o *Organization) {
	if o.ID != "" && !orgIDPattern.MatchString(o.ID) {
		v.add("organization.id", "must be empty or an organization ID like o-a1b2c3d4e5, got %q", o.ID)
	}
	v.accounts("organization.allowedAccounts", o.AllowedAccounts)
	v.accounts("organization.memberAccounts", o.MemberAccounts)
}

func (v *validator) accounts(path string, ids []string) {
	seen := map[string]bool{}
	for i, id := range ids {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case !accountPattern.MatchString(id):
			v.add(p, "must be a 12-digit account ID, got %q", id)
		case seen[id]:
			v.add(p, "duplicate account %s", id)
		}
		seen[id] = true
	}
}

func (v *validator) requiredTags(rules []TagRule) {
	seen := map[string]bool{}
	for i, r := range rules {
		p := fmt.Sprintf("requiredTags[%d]", i)
		if v.tagKey(p+".key", r.Key, 128) && seen[r.Key] {
			v.add(p+".key", "duplicate required tag %q", r.Key)
		}
		seen[r.Key] = true
		for j, val := range r.AllowedValues {
			v.tagValue(fmt.Sprintf("%s.allowedValues[%d]", p, j), val, false)
		}
		if r.Default != "" {
			v.tagValue(p+".default", r.Default, false)
			if len(r.AllowedValues) > 0 && !slices.Contains(r.AllowedValues, r.Default) {
				v.add(p+".default", "%q is not one of allowedValues", r.Default)
			}
		}
	}
}

func (v *validator) kms(k *KMS) {
	for _, region := range sortedKeys(k.AllowedKeys) {
		p := mapPath("kms.allowedKeys", region)
		v.regionKey(p, region)
		if len(k.AllowedKeys[region]) == 0 {
			v.add(p, "must list at least one key (omit the Region to allow any customer managed key)")
		}
		seen := map[string]bool{}
		for i, key := range k.AllowedKeys[region] {
			kp := fmt.Sprintf("%s[%d]", p, i)
			if v.key(kp, key) && seen[key] {
				v.add(kp, "duplicate key %q", key)
			}
			seen[key] = true
		}
	}
	for _, region := range sortedKeys(k.DefaultKeys) {
		p := mapPath("kms.defaultKeys", region)
		v.regionKey(p, region)
		v.key(p, k.DefaultKeys[region])
	}
}

func (v *validator) regionKey(path, region string) {
	if region != "*" && !regionPattern.MatchString(region) {
		v.add(path, "key must be a Region name like us-east-1 or \"*\"")
	}
}

// key checks a KMS key reference and reports whether it is valid.
func (v *validator) key(path, key string) bool {
	if !v.placeholders(path, key) {
		return false
	}
	alias := key
	if m := kmsARNPattern.FindStringSubmatch(key); m != nil {
		alias = m[1]
	} else if !keyIDPattern.MatchString(key) && !aliasPattern.MatchString(key) {
		v.add(path, "must be a KMS key ARN, key ID (UUID or mrk-…) or alias/<name>, got %q", key)
		return false
	}
	switch {
	case alias == awsManagedSecretsKeyAlias:
		v.add(path, "%q is the AWS managed key; name a customer managed key", key)
		return false
	case strings.HasPrefix(alias, "alias/aws/"):
		v.add(path, "%q is an AWS managed key alias; name a customer managed key", key)
		return false
	}
	return true
}

// placeholders reports an unknown ${...} in s and whether all were known.
func (v *validator) placeholders(path, s string) bool {
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(knownPlaceholders, m[1]) {
			v.add(path, "unknown placeholder %s (known: ${Partition}, ${Region}, ${AccountId})", m[0])
			return false
		}
	}
	return true
}

// tagKey checks a tag key (or prefix) of at most maxLen characters.
func (v *validator) tagKey(path, k string, maxLen int) bool {
	n := len(v.errs)
	switch {
	case k == "":
		v.add(path, "must not be empty")
	case utf8.RuneCountInString(k) > maxLen:
		v.add(path, "must be at most %d characters, got %d", maxLen, utf8.RuneCountInString(k))
	case strings.HasPrefix(strings.ToLower(k), "aws:"):
		v.add(path, "must not start with \"aws:\" (reserved by AWS), got %q", k)
	case !tagCharsPattern.MatchString(k):
		v.add(path, "%q has characters AWS does not allow in tag keys (letters, digits, spaces and _ . : / = + - @)", k)
	}
	return len(v.errs) == n
}

func (v *validator) tagValue(path, val string, required bool) {
	switch {
	case required && val == "":
		v.add(path, "must not be empty")
	case utf8.RuneCountInString(val) > 256:
		v.add(path, "must be at most 256 characters, got %d", utf8.RuneCountInString(val))
	case !tagCharsPattern.MatchString(val):
		v.add(path, "%q has characters AWS does not allow in tag values (letters, digits, spaces and _ . : / = + - @)", val)
	}
}

func (v *validator) between(path string, n, lo, hi int) {
	if n < lo || n > hi {
		v.add(path, "must be between %d and %d, got %d", lo, hi, n)
	}
}

// validator collects problems.
type validator struct{ errs []*FieldError }

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	sort.SliceStable(v.errs, func(i, j int) bool { return lessPath(v.errs[i].Path, v.errs[j].Path) })
	errs := make([]error, len(v.errs))
	for i, e := range v.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// mapPath is the path of a map entry: parent.key, or parent["key"] when
// the key is not a plain word.
func mapPath(parent, key string) string {
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Sprintf("%s[%q]", parent, key)
		}
	}
	if key == "" {
		return parent + `[""]`
	}
	return parent + "." + key
}

// lessPath orders paths with runs of digits compared as numbers, so that
// classes[2] sorts before classes[10].
func lessPath(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitRun(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
