// Package faultproxy is a TCP proxy for tests that can break the
// connections it carries: cut them (FIN), reset them (RST), delay what they
// carry, or refuse new ones. Put it between a client (the server's store)
// and a database to see what the client does when the network fails.
package faultproxy

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy forwards every connection accepted on 127.0.0.1 to one target.
type Proxy struct {
	ln     net.Listener
	target string
	delay  atomic.Int64 // nanoseconds added before each forwarded chunk
	refuse atomic.Bool

	mu     sync.Mutex
	conns  map[*pair]struct{}
	closed bool
	wg     sync.WaitGroup
}

type pair struct{ client, server net.Conn }

// Start listens on 127.0.0.1 (a free port) and forwards to target
// (host:port).
func Start(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: map[*pair]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetDelay delays every chunk forwarded in either direction by d (0: none).
func (p *Proxy) SetDelay(d time.Duration) { p.delay.Store(int64(d)) }

// Refuse makes new connections fail at once (accepted, then reset) while on
// is true.
func (p *Proxy) Refuse(on bool) { p.refuse.Store(on) }

// Cut closes every open connection on both sides (FIN) and returns how
// many it closed.
func (p *Proxy) Cut() int { return p.drop(false) }

// Reset aborts every open connection on both sides with a TCP RST and
// returns how many it aborted.
func (p *Proxy) Reset() int { return p.drop(true) }

// Open is the number of connections being forwarded.
func (p *Proxy) Open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// Close stops listening and drops every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.ln.Close()
	p.drop(false)
	p.wg.Wait()
	return err
}

func (p *Proxy) drop(reset bool) int {
	p.mu.Lock()
	conns := p.conns
	p.conns = map[*pair]struct{}{}
	p.mu.Unlock()
	for c := range conns {
		if reset {
			abort(c.client)
			abort(c.server)
		} else {
			c.client.Close()
			c.server.Close()
		}
	}
	return len(conns)
}

// abort closes c with an RST instead of a FIN.
func abort(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.refuse.Load() {
			abort(client)
			continue
		}
		server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			abort(client)
			continue
		}
		c := &pair{client: client, server: server}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			client.Close()
			server.Close()
			return
		}
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, c.server, c.client)
		go p.pipe(c, c.client, c.server)
	}
}

// pipe copies from src to dst, chunk by chunk, honouring the delay; when
// either side ends, both are closed.
func (p *Proxy) pipe(c *pair, dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if d := time.Duration(p.delay.Load()); d > 0 {
				time.Sleep(d)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.client.Close()
	c.server.Close()
}
