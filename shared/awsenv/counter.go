package awsenv

import (
	"maps"
	"sync"
)

// Counter counts API call attempts by "service:Operation" (for example
// "secretsmanager:ListSecrets"), retries included, and the throttling errors
// among them. It is safe for concurrent use.
type Counter struct {
	mu        sync.Mutex
	counts    map[string]int64
	total     int64
	throttles int64
}

// NewCounter returns an empty Counter.
func NewCounter() *Counter { return &Counter{counts: map[string]int64{}} }

func (c *Counter) record(key string, throttled bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int64{}
	}
	c.counts[key]++
	c.total++
	if throttled {
		c.throttles++
	}
}

// Counts returns a copy of the attempt counts by "service:Operation".
func (c *Counter) Counts() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.counts))
	maps.Copy(out, c.counts)
	return out
}

// Total returns the number of attempts counted.
func (c *Counter) Total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// Throttles returns the number of attempts that failed with a throttling error.
func (c *Counter) Throttles() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.throttles
}

// Reset sets every count to zero.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = map[string]int64{}
	c.total, c.throttles = 0, 0
}
