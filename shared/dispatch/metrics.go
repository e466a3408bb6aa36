package dispatch

import (
	"sync"
	"time"

	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/metrics"
)

// invocationStats count what the engine does not: bad, skipped and failed
// payloads.
type invocationStats struct {
	mu                   sync.Mutex
	bad, skipped, errors int
}

func (s *invocationStats) add(n *int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*n++
}

// emitMetrics writes the invocation's EMF line: outcomes, payloads, API
// calls (by operation) and throttles.
func (h *Handler) emitMetrics(inv *engine.Invocation, st *invocationStats, before map[string]int64, throttles int64, d time.Duration) {
	if h.Metrics == nil {
		return
	}
	m := metrics.NewSet("Function", h.FunctionName)
	stats := inv.Stats()
	for _, o := range []engine.Outcome{engine.OutcomeSecrets, engine.OutcomeGone, engine.OutcomeRemediated, engine.OutcomePending,
		engine.OutcomeTicketed, engine.OutcomeFailed, engine.OutcomeResolved, engine.OutcomePlanned, engine.OutcomeWaived,
		engine.OutcomeReported, engine.OutcomeDuplicate, engine.OutcomeUnchanged} {
		m.Count(metricName(o), stats[o])
	}
	m.Count("Changes", inv.Changes())
	st.mu.Lock()
	m.Count("BadEvents", st.bad)
	m.Count("SkippedEvents", st.skipped)
	m.Count("Errors", st.errors)
	st.mu.Unlock()
	if h.Counter != nil {
		var total int64
		for op, n := range h.Counter.Counts() {
			if diff := n - before[op]; diff > 0 {
				total += diff
				m.Count("APICalls."+op, int(diff))
			}
		}
		m.Count("APICalls", int(total))
		m.Count("Throttles", int(h.Counter.Throttles()-throttles))
	}
	m.Milliseconds("Duration", d)
	if err := h.Metrics.Write(m); err != nil {
		h.log().Error("metrics", "error", err.Error())
	}
}

// metricName turns an outcome into a metric name: remediated-pending →
// RemediatedPending.
func metricName(o engine.Outcome) string {
	b := []byte(o)
	out := make([]byte, 0, len(b))
	up := true
	for _, c := range b {
		switch {
		case c == '-':
			up = true
		case up && c >= 'a' && c <= 'z':
			out, up = append(out, c-'a'+'A'), false
		default:
			out, up = append(out, c), false
		}
	}
	return string(out)
}
