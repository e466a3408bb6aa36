package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/workload"
)

// cloudTrailReadEvents: a logging trail records management read events
// (GetSecretValue is one) from Secrets Manager in the Region.
type cloudTrailReadEvents struct{}

func (cloudTrailReadEvents) ID() string { return baseline.CheckCloudTrailReads }
func (cloudTrailReadEvents) Doc() string {
	return "A logging CloudTrail trail covering the Region (multi-Region or homed there) records management read events from Secrets Manager, so every GetSecretValue is logged."
}
func (cloudTrailReadEvents) ResourceType() string { return workload.TypeAccount }
func (cloudTrailReadEvents) Needs() workload.AccountNeeds {
	return workload.AccountNeeds{Trails: true}
}
func (cloudTrailReadEvents) IAMActions() []string {
	return []string{"cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"}
}

// The event the check wants recorded.
const (
	secretsManagerSource = "secretsmanager.amazonaws.com"
	getSecretValueEvent  = "GetSecretValue"
)

func (c cloudTrailReadEvents) Evaluate(in ResourceInput) Finding {
	r, a := in.Resource, in.Resource.Account
	if a == nil || !a.TrailsKnown {
		return finding(c.ID(), NotApplicable, "", "The trails could not be read: %s", problemText(r))
	}
	if len(a.Trails) == 0 {
		return finding(c.ID(), NonCompliant, "", "No CloudTrail trail covers %s. Create a multi-Region trail that logs management events (ReadWriteType All).", r.Region)
	}
	var why []string
	for _, t := range a.Trails {
		ok, reason := recordsReads(t, r.Region)
		if ok {
			return finding(c.ID(), Compliant, "", "Trail %s records Secrets Manager read events in %s.", clip(t.Name, 80), r.Region)
		}
		why = append(why, clip(t.Name, 40)+" "+reason)
	}
	return finding(c.ID(), NonCompliant, "", "No trail records GetSecretValue in %s: %s. Log management events with ReadWriteType All (or ReadOnly) on a logging trail.", r.Region, brief(why, 3))
}

// recordsReads reports whether a trail records GetSecretValue in region,
// or says why not.
func recordsReads(t workload.Trail, region string) (bool, string) {
	switch {
	case !t.MultiRegion && t.HomeRegion != "" && t.HomeRegion != region:
		return false, "is in " + t.HomeRegion
	case !t.StatusKnown:
		return false, "(status unreadable)"
	case !t.Logging:
		return false, "is not logging"
	case !t.SelectorsKnown:
		return false, "(selectors unreadable)"
	case len(t.Selectors) == 0 && len(t.Advanced) == 0:
		return true, "" // no selectors: CloudTrail logs all management events
	}
	for _, s := range t.Selectors {
		if s.IncludeManagementEvents && (s.ReadWriteType == "All" || s.ReadWriteType == "ReadOnly" || s.ReadWriteType == "") &&
			!slices.Contains(s.ExcludeManagementEventSources, secretsManagerSource) {
			return true, ""
		}
	}
	for _, s := range t.Advanced {
		if advancedAdmits(s) {
			return true, ""
		}
	}
	if len(t.Advanced) > 0 {
		return false, "has advanced selectors that leave out Secrets Manager reads"
	}
	return false, "logs no management read events"
}

// getSecretValueFields are the values of the event the check wants
// recorded, by advanced selector field.
var getSecretValueFields = map[string]string{
	"eventCategory": "Management",
	"readOnly":      "true",
	"eventSource":   secretsManagerSource,
	"eventName":     getSecretValueEvent,
}

// advancedAdmits reports whether an advanced event selector records a
// GetSecretValue management event. Every field selector must admit it; a
// field the event has no value for here (userIdentity.arn, say) admits it
// when it only excludes (Not… operators) and does not when it restricts.
// Without an eventCategory = Management field the selector is about data
// events and admits no management event.
func advancedAdmits(s workload.AdvancedSelector) bool {
	management := false
	for _, f := range s.Fields {
		v, known := getSecretValueFields[f.Field]
		if !known {
			if len(f.Equals)+len(f.StartsWith)+len(f.EndsWith) > 0 {
				return false
			}
			continue
		}
		if !fieldAdmits(f, v) {
			return false
		}
		if f.Field == "eventCategory" {
			management = true
		}
	}
	return management
}

// fieldAdmits reports whether a field selector lets value through.
func fieldAdmits(f workload.FieldSelector, value string) bool {
	anyOf := func(list []string, match func(string) bool) bool { return slices.ContainsFunc(list, match) }
	eq := func(s string) bool { return strings.EqualFold(s, value) }
	prefix := func(s string) bool { return strings.HasPrefix(value, s) }
	suffix := func(s string) bool { return strings.HasSuffix(value, s) }
	switch {
	case len(f.Equals) > 0 && !anyOf(f.Equals, eq),
		len(f.StartsWith) > 0 && !anyOf(f.StartsWith, prefix),
		len(f.EndsWith) > 0 && !anyOf(f.EndsWith, suffix),
		anyOf(f.NotEquals, eq), anyOf(f.NotStartsWith, prefix), anyOf(f.NotEndsWith, suffix):
		return false
	}
	return true
}

func (cloudTrailReadEvents) Fix(r *workload.Resource) string {
	return fmt.Sprintf("Record Secrets Manager reads in %s: "+
		"aws cloudtrail create-trail --name secretguard-audit --s3-bucket-name <bucket> --is-multi-region-trail (or use the organisation trail), "+
		"aws cloudtrail put-event-selectors --trail-name <trail> --event-selectors '[{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true}]' "+
		"(or advanced selectors with eventCategory = Management and no readOnly or eventSource exclusion of Secrets Manager), "+
		"and aws cloudtrail start-logging --name <trail>.", r.Region)
}
