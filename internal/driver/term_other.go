//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package driver

import "os"

// terminal reports whether f is a character device other than the null
// device: a console, most likely (there is no termios to ask here).
func terminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}
