//go:build !linux

package main

import "os"

// fileIsTerminal reports whether f is a character device, which outside
// Linux stands in for a terminal check.
func fileIsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
