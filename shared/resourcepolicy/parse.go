package resourcepolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Policy is a parsed IAM resource policy document.
type Policy struct {
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one element of a policy's Statement list. Empty lists are
// normalised to nil.
type Statement struct {
	Sid          string
	Effect       string     // "Allow" | "Deny"
	Principal    *Principal // nil when absent
	NotPrincipal *Principal // nil when absent
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	Condition    Conditions // nil when absent or empty
}

// Principal is a Principal or NotPrincipal element.
type Principal struct {
	Wildcard      bool     // "*" or {"AWS":"*"}
	AWS           []string // account IDs, account root ARNs, role/user ARNs (a "*" inside AWS sets Wildcard instead)
	Service       []string
	Federated     []string
	CanonicalUser []string
}

// Conditions maps operator (as written, e.g. "StringEquals",
// "ForAnyValue:StringLike", "ArnLikeIfExists") -> condition key (as written;
// compare keys case-insensitively) -> values. String, bool and number JSON
// values all become strings; a single value becomes a one-element slice.
type Conditions map[string]map[string][]string

const (
	effectAllow = "Allow"
	effectDeny  = "Deny"

	// maxDepth bounds JSON nesting; a valid policy nests at most 4 levels.
	maxDepth = 32
)

// Parse parses a policy document. Invalid JSON, duplicate object keys, an
// unknown policy or statement element, a missing Statement, a statement without
// Effect or with an Effect other than Allow/Deny, or a Principal of an
// unsupported shape yield an error naming what is wrong, e.g.
// `statement 2 ("AllowRead"): Principal: unsupported value 42`. Statement
// numbers in errors are 0-based, like Verdict.Index.
func Parse(doc string) (*Policy, error) {
	root, err := decodeJSON(doc)
	if err != nil {
		return nil, err
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("policy: want a JSON object, got %s", render(root))
	}
	p := &Policy{}
	var stmts any
	haveStmts := false
	if k := unknownKey(obj, "Version", "Id", "Statement"); k != "" {
		return nil, fmt.Errorf("policy: unknown element %q", k)
	}
	for _, k := range []string{"Version", "Id", "Statement"} {
		v, present := obj[k]
		if !present {
			continue
		}
		switch k {
		case "Version":
			if p.Version, ok = v.(string); !ok {
				return nil, fmt.Errorf("policy: Version: want a string, got %s", render(v))
			}
		case "Id":
			if p.ID, ok = v.(string); !ok {
				return nil, fmt.Errorf("policy: Id: want a string, got %s", render(v))
			}
		case "Statement":
			stmts, haveStmts = v, true
		}
	}
	if !haveStmts {
		return nil, errors.New("policy: missing Statement")
	}
	var list []any
	switch s := stmts.(type) {
	case map[string]any:
		list = []any{s}
	case []any:
		list = s
	default:
		return nil, fmt.Errorf("policy: Statement: want an object or an array, got %s", render(stmts))
	}
	for i, e := range list {
		st, err := parseStatement(i, e)
		if err != nil {
			return nil, err
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

func parseStatement(i int, v any) (Statement, error) {
	var st Statement
	obj, ok := v.(map[string]any)
	if !ok {
		return st, fmt.Errorf("statement %d: want an object, got %s", i, render(v))
	}
	if sid, present := obj["Sid"]; present {
		if st.Sid, ok = sid.(string); !ok {
			return st, fmt.Errorf("statement %d: Sid: want a string, got %s", i, render(sid))
		}
	}
	fail := func(format string, args ...any) error {
		prefix := fmt.Sprintf("statement %d", i)
		if st.Sid != "" {
			prefix += fmt.Sprintf(" (%q)", st.Sid)
		}
		return fmt.Errorf(prefix+": "+format, args...)
	}
	if k := unknownKey(obj, statementKeys...); k != "" {
		return st, fail("unknown element %q", k)
	}
	var err error
	for _, k := range statementKeys {
		val, present := obj[k]
		if !present {
			continue
		}
		switch k {
		case "Effect":
			e, isStr := val.(string)
			if !isStr || (e != effectAllow && e != effectDeny) {
				return st, fail("Effect: want \"Allow\" or \"Deny\", got %s", render(val))
			}
			st.Effect = e
		case "Principal":
			st.Principal, err = parsePrincipal(val)
		case "NotPrincipal":
			st.NotPrincipal, err = parsePrincipal(val)
		case "Action":
			st.Action, err = stringList(val)
		case "NotAction":
			st.NotAction, err = stringList(val)
		case "Resource":
			st.Resource, err = stringList(val)
		case "NotResource":
			st.NotResource, err = stringList(val)
		case "Condition":
			st.Condition, err = parseConditions(val)
		}
		if err != nil {
			return st, fail("%s: %v", k, err)
		}
	}
	if st.Effect == "" {
		return st, fail("missing Effect")
	}
	return st, nil
}

var statementKeys = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

// unknownKey returns the alphabetically first key of obj not in known, or "".
func unknownKey(obj map[string]any, known ...string) string {
	var bad []string
	for k := range obj {
		if !slices.Contains(known, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return slices.Min(bad)
}

func parsePrincipal(v any) (*Principal, error) {
	switch t := v.(type) {
	case string:
		if t == "*" {
			return &Principal{Wildcard: true}, nil
		}
	case map[string]any:
		p := &Principal{}
		for _, k := range slices.Sorted(maps.Keys(t)) {
			val := t[k]
			list, err := stringList(val)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", k, err)
			}
			switch k {
			case "AWS":
				for _, a := range list {
					if a == "*" {
						p.Wildcard = true
					} else {
						p.AWS = append(p.AWS, a)
					}
				}
			case "Service":
				p.Service = list
			case "Federated":
				p.Federated = list
			case "CanonicalUser":
				p.CanonicalUser = list
			default:
				return nil, fmt.Errorf("unsupported principal type %q", k)
			}
		}
		return p, nil
	}
	return nil, fmt.Errorf("unsupported value %s", render(v))
}

// stringList accepts a string or an array of strings. An empty array yields nil.
func stringList(v any) ([]string, error) {
	switch t := v.(type) {
	case string:
		return []string{t}, nil
	case []any:
		var out []string
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("unsupported value %s in list", render(e))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported value %s", render(v))
}

func parseConditions(v any) (Conditions, error) {
	ops, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want an object, got %s", render(v))
	}
	if len(ops) == 0 {
		return nil, nil
	}
	c := make(Conditions, len(ops))
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		kv := ops[op]
		keys, ok := kv.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: want an object, got %s", op, render(kv))
		}
		m := make(map[string][]string, len(keys))
		for _, key := range slices.Sorted(maps.Keys(keys)) {
			val := keys[key]
			vals, err := conditionValues(val)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %v", op, key, err)
			}
			m[key] = vals
		}
		c[op] = m
	}
	return c, nil
}

func conditionValues(v any) ([]string, error) {
	if list, ok := v.([]any); ok {
		var out []string
		for _, e := range list {
			s, ok := scalar(e)
			if !ok {
				return nil, fmt.Errorf("unsupported value %s in list", render(e))
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, ok := scalar(v)
	if !ok {
		return nil, fmt.Errorf("unsupported value %s", render(v))
	}
	return []string{s}, nil
}

func scalar(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		if t {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// decodeJSON decodes exactly one JSON value into map[string]any / []any /
// string / json.Number / bool / nil, rejecting duplicate object keys (which
// different policy engines may resolve differently) and trailing data.
func decodeJSON(doc string) (any, error) {
	if strings.TrimSpace(doc) == "" {
		return nil, errors.New("invalid JSON: empty document")
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: trailing data after the policy document")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	switch d {
	case '{':
		obj := map[string]any{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, ok := kt.(string)
			if !ok {
				return nil, fmt.Errorf("object key is not a string: %v", kt)
			}
			if _, dup := obj[k]; dup {
				return nil, fmt.Errorf("duplicate key %q", k)
			}
			if obj[k], err = decodeValue(dec, depth+1); err != nil {
				return nil, err
			}
		}
		if _, err := dec.Token(); err != nil { // '}'
			return nil, err
		}
		return obj, nil
	case '[':
		arr := []any{}
		for dec.More() {
			e, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, e)
		}
		if _, err := dec.Token(); err != nil { // ']'
			return nil, err
		}
		return arr, nil
	}
	return nil, fmt.Errorf("unexpected %v", d)
}

// render formats a decoded JSON value for an error message.
func render(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%v", v)
	}
	s := strings.TrimSpace(buf.String())
	if r := []rune(s); len(r) > 80 {
		s = string(r[:77]) + "..."
	}
	return s
}
