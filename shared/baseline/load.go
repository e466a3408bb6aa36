package baseline

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/aws/smithy-go"
	"gopkg.in/yaml.v3"
)

//go:embed default.yaml
var defaultYAML []byte

// IAMActions are the IAM actions the loaders need: ssm:GetParameter for an
// "ssm:" source, and kms:Decrypt when that parameter is a SecureString
// encrypted with a customer managed key (the AWS managed key aws/ssm needs
// no grant). Default and LoadFile need none.
var IAMActions = []string{"ssm:GetParameter", "kms:Decrypt"}

// SSMPrefix marks a Load source that names an SSM parameter.
const SSMPrefix = "ssm:"

// Default returns the embedded default baseline, parsed and validated. Each
// call returns a new copy that the caller may change. It panics only if the
// embedded file is invalid, which a test prevents.
func Default() *Baseline {
	b, err := Parse(defaultYAML)
	if err != nil {
		panic("baseline: embedded default.yaml is invalid: " + err.Error())
	}
	return b
}

// Parse parses a YAML (or JSON) document strictly, fills the defaults
// described in the package documentation and validates the result. Errors
// name the line (for syntax, type and unknown-field errors) or the YAML path
// of the field (for invalid values); all problems are reported at once,
// joined with errors.Join.
func Parse(data []byte) (*Baseline, error) {
	return parse(data, "")
}

// LoadFile reads and parses the baseline file at path.
func LoadFile(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: cannot read baseline file: %w", err)
	}
	return parse(data, path)
}

// ParameterReader reads one SSM parameter's decrypted value and type
// (String, SecureString, StringList), by name or ARN. awsenv.ParameterReader
// implements it without the SDK's ssm package, whose init would cost every
// Lambda cold start; errors carry the AWS error code as a smithy.APIError.
type ParameterReader interface {
	ReadParameter(ctx context.Context, name string) (value, typ string, err error)
}

// LoadSSM reads the baseline from an SSM parameter, by name or ARN (a
// ":version" or ":label" suffix selects a version, as in SSM). The
// parameter is a String or a SecureString; it is always read decrypted.
func LoadSSM(ctx context.Context, c ParameterReader, name string) (*Baseline, error) {
	if name == "" {
		return nil, errors.New("baseline: SSM parameter name is empty")
	}
	if c == nil {
		return nil, fmt.Errorf("baseline: no SSM client to read parameter %q", name)
	}
	value, typ, err := c.ReadParameter(ctx, name)
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && (ae.ErrorCode() == "ParameterNotFound" || ae.ErrorCode() == "ParameterVersionNotFound") {
			return nil, fmt.Errorf("baseline: SSM parameter %q not found: %w", name, err)
		}
		return nil, fmt.Errorf("baseline: cannot read SSM parameter %q: %w", name, err)
	}
	if typ == "StringList" {
		return nil, fmt.Errorf("baseline: SSM parameter %q is a %s; want String or SecureString", name, typ)
	}
	if value == "" {
		return nil, fmt.Errorf("baseline: SSM parameter %q has no value", name)
	}
	return parse([]byte(value), SSMPrefix+name)
}

// Load reads the baseline from source: "" is the embedded default,
// "ssm:<name-or-arn>" an SSM parameter read with c, anything else a file
// path (write ./ssm:x for a file whose name starts with "ssm:").
func Load(ctx context.Context, source string, c ParameterReader) (*Baseline, error) {
	switch {
	case source == "":
		return Default(), nil
	case strings.HasPrefix(source, SSMPrefix):
		return LoadSSM(ctx, c, strings.TrimPrefix(source, SSMPrefix))
	default:
		return LoadFile(source)
	}
}

// FieldError is one problem in a baseline. Parse, LoadFile, LoadSSM and
// Validate return these, joined with errors.Join.
type FieldError struct {
	Source string // file path or "ssm:<name>"; empty for Parse and Validate
	Line   int    // 1-based line in the document; 0 when unknown
	Path   string // YAML path of the field, e.g. classes[1].maxRotationDays; empty for the document
	Msg    string
}

func (e *FieldError) Error() string {
	var sb strings.Builder
	sb.WriteString("baseline: ")
	if e.Source != "" {
		sb.WriteString(e.Source + ": ")
	}
	if e.Line > 0 {
		sb.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	if e.Path != "" {
		sb.WriteString(e.Path + ": ")
	}
	sb.WriteString(e.Msg)
	return sb.String()
}

func parse(data []byte, source string) (*Baseline, error) {
	if err := checkDocument(data); err != nil {
		err.Source = source
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var b Baseline
	if err := dec.Decode(&b); err != nil {
		return nil, decodeErrors(err, source)
	}
	b.applyDefaults()
	if err := b.Validate(); err != nil {
		return nil, withSource(err, source)
	}
	return &b, nil
}

// checkDocument rejects empty input, a document that is not a mapping, and
// more than one document or trailing content.
func checkDocument(data []byte) *FieldError {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		return &FieldError{Msg: "empty document"}
	case err != nil:
		return syntaxError(err)
	}
	if len(doc.Content) == 1 {
		n := doc.Content[0]
		switch {
		case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
			return &FieldError{Msg: "empty document"}
		case n.Kind != yaml.MappingNode:
			return &FieldError{Line: n.Line, Msg: "the document must be a mapping (version: 1, classes: …)"}
		}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		e := syntaxError(err)
		e.Msg = "trailing content after the document: " + e.Msg
		return e
	default:
		return &FieldError{Line: next.Line, Msg: "more than one YAML document; a baseline is one document"}
	}
}

var yamlLine = lazy(`^(?:yaml: )?line (\d+): (.*)$`)

func syntaxError(err error) *FieldError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &FieldError{Msg: msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = m[2]
	}
	return e
}

var unknownField = lazy(`^field (.+) not found in type `)

// decodeErrors turns yaml.v3's errors into FieldErrors, one per problem,
// and rewrites "field x not found in type T" as `unknown field "x"`.
func decodeErrors(err error, source string) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		e := syntaxError(err)
		e.Source = source
		return e
	}
	errs := make([]error, 0, len(te.Errors))
	for _, s := range te.Errors {
		e := syntaxError(errors.New(s))
		if m := unknownField.FindStringSubmatch(e.Msg); m != nil {
			e.Msg = fmt.Sprintf("unknown field %q", m[1])
		}
		e.Source = source
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// withSource sets the source on every FieldError joined in err.
func withSource(err error, source string) error {
	if source == "" {
		return err
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if fe, ok := e.(*FieldError); ok {
				fe.Source = source
			}
		}
	}
	return err
}
