package secret

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// MaxPageSize is the largest ListSecrets page, and Sweep's default.
const MaxPageSize = 100

// Page is one ListSecrets page, enriched. Snapshots keep ListSecrets order.
type Page struct {
	// Token is the NextToken that fetched this page ("" for the first page
	// of a sweep that did not resume).
	Token string
	// NextToken fetches the next page; "" on the last page. A caller that
	// stores it after handling the page can resume with StartToken.
	NextToken string
	Snapshots []*Snapshot
}

// SweepOptions shape the ListSecrets calls of a Sweep.
type SweepOptions struct {
	// StartToken resumes a sweep from this page token.
	StartToken string
	Filters    []types.Filter
	// IncludePlannedDeletion lists secrets scheduled for deletion too.
	IncludePlannedDeletion bool
	// PageSize is ListSecrets' MaxResults: default and max MaxPageSize.
	PageSize int32
}

// Stats counts what a Sweep delivered.
type Stats struct {
	Pages    int // pages passed to fn
	Secrets  int // Snapshots passed to fn
	Problems int // of those, with a Problem
	Gone     int // of those, Gone
}

// PageError is the error Sweep returns when ListSecrets itself fails (after
// the SDK's retries). Every page before it was delivered; a new Sweep with
// StartToken: Token resumes where this one stopped.
type PageError struct {
	Page  int    // 1-based number of the failed page within this Sweep
	Token string // the token of the failed page ("" for the first page)
	Err   error
}

func (e *PageError) Error() string {
	tok := fmt.Sprintf("token %q", e.Token)
	if e.Token == "" {
		tok = "first page, no token"
	}
	return fmt.Sprintf("ListSecrets page %d (%s): %v", e.Page, tok, e.Err)
}

func (e *PageError) Unwrap() error { return e.Err }

// Sweep lists every secret in the Region page by page, enriches each page
// concurrently with what needs asks for, and calls fn once per page, in
// order, from the calling goroutine. The next page is fetched and enriched
// while fn handles the current one, so at most two pages are held.
//
// fn returning an error stops the sweep and Sweep returns that error. One bad
// secret never stops a sweep: an error of one secret's enrichment call goes
// into its Snapshot's Problem, or sets Gone when the secret was deleted
// mid-sweep. Secrets scheduled for deletion get no GetResourcePolicy (every
// check is not applicable to them). An error from ListSecrets ends the sweep
// with a *PageError naming the page's token. A cancelled context stops the
// workers and Sweep returns ctx.Err(). Stats count what was delivered, also
// when Sweep returns an error.
func (o *Observer) Sweep(ctx context.Context, opts SweepOptions, needs Needs, fn func(Page) error) (Stats, error) {
	var st Stats
	if err := ctx.Err(); err != nil {
		return st, err
	}
	inner, cancel := context.WithCancel(ctx)
	defer cancel()

	pages := make(chan Page) // unbuffered: one page in flight, one in fn
	var prodErr error
	go func() {
		defer close(pages)
		prodErr = o.produce(inner, opts, needs, pages)
	}()

	for p := range pages {
		if err := fn(p); err != nil {
			cancel()
			for range pages { // wait for the producer to stop
			}
			return st, err
		}
		st.Pages++
		st.Secrets += len(p.Snapshots)
		for _, s := range p.Snapshots {
			if s.Problem != "" {
				st.Problems++
			}
			if s.Gone {
				st.Gone++
			}
		}
	}
	// prodErr is safe to read: it was written before close(pages).
	if prodErr != nil {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		return st, prodErr
	}
	return st, nil
}

// produce lists, converts and enriches pages and sends them on out.
func (o *Observer) produce(ctx context.Context, opts SweepOptions, needs Needs, out chan<- Page) error {
	size := opts.PageSize
	if size <= 0 || size > MaxPageSize {
		size = MaxPageSize
	}
	token := opts.StartToken
	for n := 1; ; n++ {
		in := &secretsmanager.ListSecretsInput{MaxResults: &size, Filters: opts.Filters}
		if token != "" {
			in.NextToken = &token
		}
		if opts.IncludePlannedDeletion {
			in.IncludePlannedDeletion = &opts.IncludePlannedDeletion
		}
		res, err := o.Client.ListSecrets(ctx, in)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &PageError{Page: n, Token: token, Err: err}
		}
		p := Page{Token: token, NextToken: deref(res.NextToken)}
		observedAt := o.now()
		p.Snapshots = make([]*Snapshot, 0, len(res.SecretList))
		for _, e := range res.SecretList {
			s, perr := fromListEntry(e, observedAt)
			if perr != nil {
				s.Region = o.Region
				s.addProblem("ListSecrets: " + perr.Error())
			}
			p.Snapshots = append(p.Snapshots, s)
		}
		if err := o.enrich(ctx, p.Snapshots, needs); err != nil {
			return err
		}
		select {
		case out <- p:
		case <-ctx.Done():
			return ctx.Err()
		}
		if p.NextToken == "" {
			return nil
		}
		if p.NextToken == token {
			return &PageError{Page: n + 1, Token: token, Err: errors.New("ListSecrets returned the token that fetched the page as NextToken")}
		}
		token = p.NextToken
	}
}

type task struct {
	i        int
	describe bool
}

// enrich runs the calls needs asks for on a page's Snapshots with up to
// Concurrency workers, replacing Snapshots in place. It returns only
// ctx.Err(); per-secret errors are recorded in the Snapshots.
func (o *Observer) enrich(ctx context.Context, snaps []*Snapshot, needs Needs) error {
	var tasks []task
	for i, s := range snaps {
		d := needs.Replicas != nil && needs.Replicas(s)
		if d || (needs.Policy && !s.ScheduledForDeletion()) {
			tasks = append(tasks, task{i: i, describe: d})
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(o.workers(), len(tasks)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				k := int(next.Add(1) - 1)
				if k >= len(tasks) {
					return
				}
				t := tasks[k]
				snaps[t.i] = o.enrichOne(ctx, snaps[t.i], needs.Policy, t.describe)
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

func (o *Observer) enrichOne(ctx context.Context, s *Snapshot, policy, describe bool) *Snapshot {
	if describe {
		d, err := o.describe(ctx, s)
		if err != nil {
			if record(s, "DescribeSecret", err) {
				return s
			}
		} else {
			s = d
		}
	}
	if policy && !s.ScheduledForDeletion() {
		if err := o.fetchPolicy(ctx, s); err != nil {
			record(s, "GetResourcePolicy", err)
		}
	}
	return s
}

// record notes a failed call on s and reports whether the secret is gone.
func record(s *Snapshot, op string, err error) bool {
	if isNotFound(err) {
		s.Gone = true
		return true
	}
	s.addProblem(problem(op, err))
	return false
}
