package logbuffer

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestConcurrentWritesAreAllKept(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				fmt.Fprintf(&b, "w%d-%d\n", i, j)
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if got := strings.Count(b.String(), "\n"); got != 20*50 {
		t.Fatalf("%d lines, want %d", got, 20*50)
	}
	if !strings.Contains(b.String(), "w7-49\n") {
		t.Fatal("a write is missing")
	}
}
