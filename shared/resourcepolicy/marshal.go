package resourcepolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// JSON returns the canonical JSON form of the policy: elements in the order
// Version, Id, Statement; statement elements in the order Sid, Effect,
// Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition;
// Statement and every value list always arrays; a Principal that is only a
// wildcard is written as "*". Parsing the result yields an equal Policy.
func (p *Policy) JSON() (string, error) {
	if p == nil {
		return "", errors.New("resourcepolicy: nil policy")
	}
	out := policyJSON{Version: p.Version, ID: p.ID, Statement: make([]statementJSON, 0, len(p.Statements))}
	for i, s := range p.Statements {
		if s.Effect != effectAllow && s.Effect != effectDeny {
			return "", fmt.Errorf("statement %d: Effect: want \"Allow\" or \"Deny\", got %q", i, s.Effect)
		}
		out.Statement = append(out.Statement, statementJSON{
			Sid:          s.Sid,
			Effect:       s.Effect,
			Principal:    principalJSON(s.Principal),
			NotPrincipal: principalJSON(s.NotPrincipal),
			Action:       s.Action,
			NotAction:    s.NotAction,
			Resource:     s.Resource,
			NotResource:  s.NotResource,
			Condition:    conditionsJSON(s.Condition),
		})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

type policyJSON struct {
	Version   string          `json:"Version,omitempty"`
	ID        string          `json:"Id,omitempty"`
	Statement []statementJSON `json:"Statement"`
}

type statementJSON struct {
	Sid          string                         `json:"Sid,omitempty"`
	Effect       string                         `json:"Effect"`
	Principal    any                            `json:"Principal,omitempty"`
	NotPrincipal any                            `json:"NotPrincipal,omitempty"`
	Action       []string                       `json:"Action,omitempty"`
	NotAction    []string                       `json:"NotAction,omitempty"`
	Resource     []string                       `json:"Resource,omitempty"`
	NotResource  []string                       `json:"NotResource,omitempty"`
	Condition    map[string]map[string][]string `json:"Condition,omitempty"`
}

func principalJSON(p *Principal) any {
	if p == nil {
		return nil
	}
	m := map[string][]string{}
	var aws []string
	if p.Wildcard {
		aws = append(aws, "*")
	}
	aws = append(aws, p.AWS...)
	for k, v := range map[string][]string{"AWS": aws, "Service": p.Service, "Federated": p.Federated, "CanonicalUser": p.CanonicalUser} {
		if len(v) > 0 {
			m[k] = v
		}
	}
	if p.Wildcard && len(m) == 1 && len(aws) == 1 {
		return "*"
	}
	return m
}

func conditionsJSON(c Conditions) map[string]map[string][]string {
	if len(c) == 0 {
		return nil
	}
	out := make(map[string]map[string][]string, len(c))
	for op, keys := range c {
		m := make(map[string][]string, len(keys))
		for k, v := range keys {
			if v == nil {
				v = []string{} // keep the key; null would not re-parse
			}
			m[k] = v
		}
		out[op] = m
	}
	return out
}
