package driver

import (
	"os"
	"syscall"
	"unsafe"
)

// terminal reports whether f is a terminal: whether it has terminal
// attributes (what isatty(3) asks).
func terminal(f *os.File) bool {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}
