package api

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for the limiter.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func TestTokenBucket(t *testing.T) {
	clock := newFakeClock()
	l := newRateLimiter(60, 6, clock.now, maxBuckets, bucketIdle) // per key: 1 token/s; anonymous: 0.1 token/s

	// A full bucket allows a burst of its size.
	for i := range 60 {
		d := l.take("key:1", 60)
		if !d.allowed || d.remaining != 59-i || d.limit != 60 {
			t.Fatalf("request %d = %+v, want allowed with %d remaining", i+1, d, 59-i)
		}
	}
	d := l.take("key:1", 60)
	if d.allowed || d.remaining != 0 || d.retryAfter != 1 || d.reset != 60 {
		t.Fatalf("request past the burst = %+v, want refused, retry after 1 s, full in 60 s", d)
	}
	// It refills at limit/60 per second.
	clock.advance(1500 * time.Millisecond)
	d = l.take("key:1", 60)
	if !d.allowed || d.remaining != 0 || d.reset != 60 {
		t.Fatalf("after 1.5 s = %+v, want allowed, 0 remaining, full in 60 s (59.5 rounded up)", d)
	}
	clock.advance(time.Hour)
	if d = l.take("key:1", 60); !d.allowed || d.remaining != 59 || d.reset != 1 {
		t.Fatalf("after an hour = %+v, want a full bucket less one, full again in 1 s", d)
	}

	// Buckets are independent, each with its own size.
	for range 6 {
		if d := l.take("ip:192.0.2.7", 6); !d.allowed {
			t.Fatalf("anonymous burst refused early: %+v", d)
		}
	}
	d = l.take("ip:192.0.2.7", 6)
	if d.allowed || d.retryAfter != 10 || d.limit != 6 {
		t.Fatalf("anonymous past the burst = %+v, want refused, retry after 10 s", d)
	}
	if d := l.take("ip:192.0.2.8", 6); !d.allowed || d.remaining != 5 {
		t.Fatalf("another IP = %+v, want its own full bucket", d)
	}
}

func TestRateLimiterEvictsIdleBuckets(t *testing.T) {
	clock := newFakeClock()
	// The cache ages entries by wall-clock time. The bucket in use is
	// touched every idle/25; idle is long enough that a loaded CI machine
	// (two cores, parallel test binaries) does not stall the loop past it.
	const idle = 500 * time.Millisecond
	l := newRateLimiter(60, 60, clock.now, maxBuckets, idle)
	for i := range 100 {
		l.take(fmt.Sprintf("ip:10.0.0.%d", i), 60)
	}
	if n := l.size(); n != 100 {
		t.Fatalf("size = %d, want 100", n)
	}
	// A bucket in use is kept: dropping it would forgive its debt.
	for range 60 {
		l.take("key:1", 60)
	}
	deadline := time.Now().Add(5 * time.Second)
	for l.size() > 1 && time.Now().Before(deadline) {
		time.Sleep(idle / 25)
		l.take("key:1", 60) // refused, and keeps the bucket
	}
	if n := l.size(); n != 1 {
		t.Fatalf("size after the idle time = %d, want only the bucket in use", n)
	}
	if d := l.take("key:1", 60); d.allowed {
		t.Errorf("key:1 was forgiven: %+v", d)
	}
}

func TestRateLimiterIsBounded(t *testing.T) {
	clock := newFakeClock()
	l := newRateLimiter(60, 60, clock.now, 50, bucketIdle)
	for i := range 500 {
		// Each client spends its whole bucket, so none is idle.
		id := fmt.Sprintf("ip:10.0.%d.%d", i/256, i%256)
		for range 3 {
			l.take(id, 3)
		}
	}
	if n := l.size(); n != 50 {
		t.Fatalf("size = %d, want the cap 50", n)
	}
	// The most recent clients are the ones remembered.
	if d := l.take("ip:10.0.1.243", 3); d.allowed {
		t.Errorf("the most recent client got a fresh bucket: %+v", d)
	}
}

func TestRateLimiterConcurrent(t *testing.T) {
	clock := newFakeClock()
	l := newRateLimiter(1000, 1000, clock.now, maxBuckets, bucketIdle)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for range 100 {
				if l.take("key:1", 1000).allowed {
					n++
				}
				l.take(fmt.Sprintf("ip:%d", g), 1000)
			}
			mu.Lock()
			allowed += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if allowed != 1000 {
		t.Errorf("allowed %d of 2000 concurrent requests on a bucket of 1000, want exactly 1000", allowed)
	}
}

func TestCeilSeconds(t *testing.T) {
	tests := []struct {
		in   float64
		want int
	}{{0, 0}, {-1, 0}, {0.001, 1}, {1, 1}, {1.0000000001, 1}, {1.2, 2}, {59.5, 60}}
	for _, tt := range tests {
		if got := ceilSeconds(tt.in); got != tt.want {
			t.Errorf("ceilSeconds(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
