// Package scan evaluates secrets against the baseline: it runs the selected
// checks over Snapshots from the Observer and turns each (secret, check)
// pair into a Result, the unit the CLI prints, the evaluator sends to AWS
// Config and the remediator acts on.
//
// It owns what is shared by every path that evaluates: a secret that
// vanished while it was observed, or whose optional data could not be read,
// is reported NOT_APPLICABLE with the reason rather than stopping the sweep.
package scan
