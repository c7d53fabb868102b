package faultproxy

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"
)

// echo serves a line echo on 127.0.0.1.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(c net.Conn) error {
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return err
	}
	_, err := bufio.NewReader(c).ReadString('\n')
	return err
}

func TestProxy(t *testing.T) {
	p, err := Start(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// Forwards.
	c := dial()
	if err := roundTrip(c); err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	// Cut closes it.
	if n := p.Cut(); n != 1 {
		t.Errorf("Cut() = %d, want 1", n)
	}
	if err := roundTrip(c); err == nil {
		t.Error("round trip after Cut: no error")
	}
	// Reset aborts it.
	c = dial()
	if err := roundTrip(c); err != nil {
		t.Fatal(err)
	}
	if n := p.Reset(); n != 1 {
		t.Errorf("Reset() = %d, want 1", n)
	}
	if err := roundTrip(c); err == nil {
		t.Error("round trip after Reset: no error")
	}
	// Delay slows it.
	p.SetDelay(100 * time.Millisecond)
	c = dial()
	start := time.Now()
	if err := roundTrip(c); err != nil || time.Since(start) < 200*time.Millisecond {
		t.Errorf("delayed round trip: %v in %v, want at least 200ms (both ways)", err, time.Since(start))
	}
	p.SetDelay(0)
	// Refuse fails new connections.
	p.Refuse(true)
	// The reset can reach the client during the dial itself or on the first
	// round trip, depending on scheduling: either is a refusal.
	if c, err := net.Dial("tcp", p.Addr()); err == nil {
		if err := roundTrip(c); err == nil {
			t.Error("round trip while refusing: no error")
		}
	}
	p.Refuse(false)
	if err := roundTrip(dial()); err != nil {
		t.Errorf("after refusing: %v", err)
	}
}
