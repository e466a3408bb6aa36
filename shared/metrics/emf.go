package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"time"
)

// Namespace is secretguard's CloudWatch namespace.
const Namespace = "secretguard"

// Limits from the EMF specification.
const (
	MaxMetrics    = 100 // MetricDefinitions per MetricDirective
	MaxDimensions = 9   // keys per DimensionSet
)

// Unit is a CloudWatch metric unit.
type Unit string

// The units secretguard uses (the EMF specification allows every
// CloudWatch unit).
const (
	UnitCount        Unit = "Count"
	UnitMilliseconds Unit = "Milliseconds"
	UnitNone         Unit = "None"
)

// Set is one EMF document in the making: dimensions, metrics and extra
// properties. The zero value is not usable; call NewSet.
type Set struct {
	dimKeys []string
	dims    map[string]string
	names   []string
	metrics map[string]metric
	props   map[string]any
}

type metric struct {
	unit  Unit
	value float64
}

// NewSet starts a document with dimensions given as key, value pairs, in
// order ("Function", "evaluator", "Check", "cmk"). An empty value becomes
// "none": CloudWatch rejects empty dimension values.
func NewSet(keyValues ...string) *Set {
	s := &Set{dims: map[string]string{}, metrics: map[string]metric{}, props: map[string]any{}}
	for i := 0; i+1 < len(keyValues); i += 2 {
		k, v := keyValues[i], keyValues[i+1]
		if v == "" {
			v = "none"
		}
		if _, dup := s.dims[k]; !dup {
			s.dimKeys = append(s.dimKeys, k)
		}
		s.dims[k] = v
	}
	return s
}

// Put records a metric; a second Put of the same name replaces the value.
func (s *Set) Put(name string, value float64, unit Unit) {
	if _, ok := s.metrics[name]; !ok {
		s.names = append(s.names, name)
	}
	s.metrics[name] = metric{unit: unit, value: value}
}

// Count records a Count metric.
func (s *Set) Count(name string, n int) { s.Put(name, float64(n), UnitCount) }

// Milliseconds records a duration in milliseconds.
func (s *Set) Milliseconds(name string, d time.Duration) {
	s.Put(name, float64(d.Microseconds())/1000, UnitMilliseconds)
}

// Property adds a root member that is logged but is not a metric or a
// dimension (a request ID, a rule name).
func (s *Set) Property(key string, value any) { s.props[key] = value }

// Logger writes EMF documents to a writer, one line each.
type Logger struct {
	// Namespace defaults to Namespace.
	Namespace string
	// Now is the clock for the Timestamp (default time.Now).
	Now func() time.Time

	mu sync.Mutex
	w  io.Writer
}

// New returns a Logger that writes to w (os.Stdout in a Lambda function).
func New(w io.Writer) *Logger { return &Logger{w: w} }

// Write validates the Set against the EMF limits and writes it as one JSON
// line with a single Write call.
func (l *Logger) Write(s *Set) error {
	line, err := l.Marshal(s)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err = l.w.Write(append(line, '\n'))
	return err
}

// Marshal returns the EMF document of s without a trailing newline.
func (l *Logger) Marshal(s *Set) ([]byte, error) {
	if s == nil {
		return nil, errors.New("metrics: nil Set")
	}
	if len(s.dimKeys) > MaxDimensions {
		return nil, fmt.Errorf("metrics: %d dimensions, EMF allows at most %d", len(s.dimKeys), MaxDimensions)
	}
	if len(s.names) > MaxMetrics {
		return nil, fmt.Errorf("metrics: %d metrics, EMF allows at most %d per directive", len(s.names), MaxMetrics)
	}
	ns := l.Namespace
	if ns == "" {
		ns = Namespace
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	root := make(map[string]any, 1+len(s.props)+len(s.dims)+len(s.names))
	for k, v := range s.props {
		root[k] = v
	}
	defs := make([]metricDefinition, 0, len(s.names))
	for _, n := range s.names {
		m := s.metrics[n]
		if n == "" || n == "_aws" {
			return nil, fmt.Errorf("metrics: invalid metric name %q", n)
		}
		if _, clash := s.dims[n]; clash {
			return nil, fmt.Errorf("metrics: metric %q has the name of a dimension", n)
		}
		if math.IsNaN(m.value) || math.IsInf(m.value, 0) {
			return nil, fmt.Errorf("metrics: metric %q is not a finite number", n)
		}
		root[n] = m.value
		defs = append(defs, metricDefinition{Name: n, Unit: m.unit})
	}
	for k, v := range s.dims {
		root[k] = v
	}
	root["_aws"] = metadata{
		Timestamp: now().UnixMilli(),
		CloudWatchMetrics: []directive{{
			Namespace:  ns,
			Dimensions: [][]string{append([]string{}, s.dimKeys...)},
			Metrics:    defs,
		}},
	}
	return json.Marshal(root)
}

type metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

type directive struct {
	Namespace  string             `json:"Namespace"`
	Dimensions [][]string         `json:"Dimensions"`
	Metrics    []metricDefinition `json:"Metrics"`
}

type metricDefinition struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit,omitempty"`
}
