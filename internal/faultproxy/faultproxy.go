// Package faultproxy is a TCP proxy for tests that can break the
// connections it carries: cut them (FIN), reset them (RST), delay what they
// carry, or refuse new ones. Put it between a client (the server's store)
// and a database to see what the client does when the network fails.
//
// It also reads the PostgreSQL wire protocol a client sends (in the clear:
// sslmode=disable, or a server without TLS) a message at a time, so that it
// can cut a connection exactly at a COMMIT (OnCommit): before the server
// gets it (the transaction aborts) or after the server has committed and
// before its answer reaches the client (the client cannot know it
// committed). A stream that is not that protocol is forwarded as it comes.
package faultproxy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// CommitFault is what the proxy does with a COMMIT a client sends.
type CommitFault int

// The faults at a COMMIT.
const (
	// PassCommit forwards the COMMIT.
	PassCommit CommitFault = iota
	// CutBeforeCommit closes the connection (both sides) instead of
	// forwarding the COMMIT: the server never gets it and the transaction
	// rolls back when the server notices the closed connection.
	CutBeforeCommit
	// CutAfterCommit forwards the COMMIT and closes the connection when the
	// server's answer arrives, without passing it on: the server has
	// committed (it answers only then), and the client gets no answer.
	CutAfterCommit
	// HoldCommit closes the client's side only and keeps the server's open
	// without forwarding the COMMIT, as a network partition would: the
	// server's transaction stays open (in progress, holding its locks)
	// until the server ends it or its connection.
	HoldCommit
)

// Proxy forwards every connection accepted on 127.0.0.1 to one target.
type Proxy struct {
	ln     net.Listener
	target string
	delay  atomic.Int64 // nanoseconds added before each forwarded chunk
	refuse atomic.Bool
	commit atomic.Pointer[func() CommitFault]

	mu     sync.Mutex
	conns  map[*pair]struct{}
	closed bool
	wg     sync.WaitGroup
}

type pair struct {
	client, server net.Conn
	// cutOnReply: a COMMIT was forwarded with CutAfterCommit; the server's
	// next bytes (its answer) are dropped and the connection closed.
	cutOnReply atomic.Bool
	// held: HoldCommit closed the client's side; the server's stays open
	// until the server ends it.
	held atomic.Bool
}

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

// OnCommit makes the proxy call decide for every COMMIT a client sends (a
// simple-protocol query COMMIT or END, as pgx and psql send it) and do
// what it answers; nil forwards every COMMIT again. decide runs on the
// connection's goroutine, before the COMMIT is forwarded.
func (p *Proxy) OnCommit(decide func() CommitFault) {
	if decide == nil {
		p.commit.Store(nil)
		return
	}
	p.commit.Store(&decide)
}

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
		go p.pipeFrontend(c)
		go p.pipeBackend(c)
	}
}

// end forgets c and closes both its sides.
func (p *Proxy) end(c *pair) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.client.Close()
	c.server.Close()
}

func (p *Proxy) sleep() {
	if d := time.Duration(p.delay.Load()); d > 0 {
		time.Sleep(d)
	}
}

// pipeBackend copies what the server sends to the client, chunk by chunk,
// honouring the delay; when either side ends, both are closed. After a
// COMMIT forwarded with CutAfterCommit, the server's answer is dropped and
// the connection closed.
func (p *Proxy) pipeBackend(c *pair) {
	defer p.wg.Done()
	defer p.end(c)
	buf := make([]byte, 32<<10)
	for {
		n, err := c.server.Read(buf)
		if n > 0 {
			if c.cutOnReply.Load() {
				return
			}
			p.sleep()
			if _, werr := c.client.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Request codes of the untyped messages that may precede a StartupMessage.
const (
	sslRequest    = 80877103
	gssEncRequest = 80877104
)

// maxStartup bounds a plausible untyped start-up message: a longer one (a
// TLS ClientHello read as a length) means the stream is not PostgreSQL's
// protocol in the clear.
const maxStartup = 10000

// pipeFrontend copies what the client sends to the server a PostgreSQL
// message at a time (start-up messages untyped, then a type byte and a
// length), so that each COMMIT can meet the OnCommit fault; messages that
// arrived together are forwarded together, after the delay. Anything that
// does not parse as the protocol in the clear is forwarded as it comes.
func (p *Proxy) pipeFrontend(c *pair) {
	defer p.wg.Done()
	defer func() {
		if !c.held.Load() {
			p.end(c)
		}
	}()
	r := bufio.NewReaderSize(c.client, 32<<10)
	w := bufio.NewWriterSize(c.server, 32<<10)
	startup := true
	for {
		var msg []byte
		if startup {
			head, err := r.Peek(4)
			if err != nil {
				p.forwardRaw(w, r, c.server)
				return
			}
			n := int(binary.BigEndian.Uint32(head))
			if n < 8 || n > maxStartup {
				p.forwardRaw(w, r, c.server)
				return
			}
			msg = make([]byte, n)
			if _, err := io.ReadFull(r, msg); err != nil {
				return
			}
			code := binary.BigEndian.Uint32(msg[4:8])
			startup = code == sslRequest || code == gssEncRequest
		} else {
			head, err := r.Peek(5)
			if err != nil {
				p.forwardRaw(w, r, c.server)
				return
			}
			n := int(binary.BigEndian.Uint32(head[1:5]))
			if n < 4 {
				p.forwardRaw(w, r, c.server)
				return
			}
			msg = make([]byte, 1+n)
			if _, err := io.ReadFull(r, msg); err != nil {
				return
			}
			if msg[0] == 'Q' && isCommit(msg[5:]) {
				if decide := p.commit.Load(); decide != nil {
					switch (*decide)() {
					case CutBeforeCommit:
						return
					case CutAfterCommit:
						c.cutOnReply.Store(true)
					case HoldCommit:
						c.held.Store(true)
						c.client.Close()
						return
					}
				}
			}
		}
		if _, err := w.Write(msg); err != nil {
			return
		}
		if r.Buffered() == 0 {
			p.sleep()
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}

// forwardRaw flushes w and copies the rest of r to dst chunk by chunk.
func (p *Proxy) forwardRaw(w *bufio.Writer, r *bufio.Reader, dst net.Conn) {
	if err := w.Flush(); err != nil {
		return
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			p.sleep()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// isCommit reports whether the text of a simple query is a COMMIT.
func isCommit(q []byte) bool {
	q = bytes.ToLower(bytes.TrimSpace(bytes.TrimRight(bytes.TrimSpace(bytes.TrimRight(q, "\x00")), ";")))
	switch string(q) {
	case "commit", "commit work", "commit transaction", "end", "end work", "end transaction":
		return true
	}
	return false
}
