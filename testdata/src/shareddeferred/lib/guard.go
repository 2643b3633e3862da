package lib

import "sync"

// Guarded is a WithLock-style wrapper: it returns what f returns.
func Guarded[T any](mu *sync.Mutex, f func() T) T {
	mu.Lock()
	defer mu.Unlock()
	return f()
}
