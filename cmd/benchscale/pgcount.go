package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
)

// pgCounter is a TCP proxy in front of PostgreSQL that counts what its
// clients send, by the frontend protocol's message types: statements
// (Execute of the extended protocol, or a simple Query), round trips (Sync,
// or a simple Query: each waits for the server's ReadyForQuery) and
// pings (the simple query "-- ping" that pgx's database/sql driver sends
// when it reuses a connection idle for over a second). A server pointed at
// it through its DATABASE_URL is counted exactly, whatever its logging.
type pgCounter struct {
	ln                            net.Listener
	upstream                      string
	statements, roundTrips, pings atomic.Int64
	wg                            sync.WaitGroup
}

// countedURL starts a counter in front of dbURL's host and returns it with
// the URL that goes through it.
func countedURL(dbURL string) (*pgCounter, string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	c := &pgCounter{ln: ln, upstream: u.Host}
	if u.Port() == "" {
		c.upstream = net.JoinHostPort(u.Hostname(), "5432")
	}
	u.Host = ln.Addr().String()
	go c.serve()
	return c, u.String(), nil
}

func (c *pgCounter) serve() {
	for {
		client, err := c.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", c.upstream)
		if err != nil {
			client.Close()
			continue
		}
		c.wg.Go(func() {
			defer server.Close()
			io.Copy(client, server)
			client.Close()
		})
		c.wg.Go(func() {
			defer client.Close()
			if err := c.forward(client, server); err != nil {
				server.Close()
			}
		})
	}
}

// forward copies the client's messages to the server one by one, counting
// them. The first message (startup, SSL or cancel request) has no type
// byte.
func (c *pgCounter) forward(client, server net.Conn) error {
	r := bufio.NewReaderSize(client, 64<<10)
	w := bufio.NewWriterSize(server, 64<<10)
	var head [5]byte
	if _, err := io.ReadFull(r, head[:4]); err != nil {
		return err
	}
	n := int(binary.BigEndian.Uint32(head[:4]))
	if n < 4 {
		return fmt.Errorf("startup message length %d", n)
	}
	w.Write(head[:4])
	if _, err := io.CopyN(w, r, int64(n-4)); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	body := make([]byte, 0, 4096)
	for {
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint32(head[1:]))
		if n < 4 {
			return fmt.Errorf("message %q length %d", head[0], n)
		}
		body = body[:0]
		if cap(body) < n-4 {
			body = make([]byte, 0, n-4)
		}
		body = body[:n-4]
		if _, err := io.ReadFull(r, body); err != nil {
			return err
		}
		switch head[0] {
		case 'E':
			c.statements.Add(1)
		case 'S':
			c.roundTrips.Add(1)
		case 'Q':
			if string(body) == "-- ping\x00" {
				c.pings.Add(1)
			} else {
				c.statements.Add(1)
			}
			c.roundTrips.Add(1)
		}
		w.Write(head[:])
		w.Write(body)
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return err
			}
		}
	}
}

// counts is a snapshot of the counters.
type counts struct{ statements, roundTrips, pings int64 }

func (c *pgCounter) get() counts {
	return counts{c.statements.Load(), c.roundTrips.Load(), c.pings.Load()}
}

func (c *pgCounter) close() { c.ln.Close() }
