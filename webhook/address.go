package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// MaxURLLength caps a webhook URL.
const MaxURLLength = 2048

// resolveTimeout bounds the DNS look-up of a URL's host at registration.
const resolveTimeout = 3 * time.Second

// Resolver finds the addresses of a host name (net.DefaultResolver is one).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Policy says where deliveries may go. By default only https URLs whose
// host has public addresses only: a webhook must not become a way to reach
// the server's own network (SSRF). AllowPrivate (WEBHOOK_ALLOW_PRIVATE, for
// tests and local development) lifts the address check and allows http.
type Policy struct {
	AllowPrivate bool
	// Resolver resolves host names at registration; nil is
	// net.DefaultResolver.
	Resolver Resolver
}

// CheckURL validates a webhook URL at registration: an absolute https URL
// (http only with AllowPrivate) without credentials or fragment, whose
// host resolves, to public addresses only unless AllowPrivate. The error
// says what is wrong, for the url field of a validation problem.
//
// A host that resolves to a public address now may resolve to a private
// one later (DNS rebinding), so the dispatcher checks every address it
// connects to again (Policy.control).
func (p Policy) CheckURL(ctx context.Context, raw string) error {
	if raw == "" {
		return errors.New("is required")
	}
	if len(raw) > MaxURLLength {
		return fmt.Errorf("must be at most %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return errors.New("must be an absolute https URL")
	}
	if err := p.checkScheme(u); err != nil {
		return err
	}
	if u.User != nil {
		return errors.New("must not contain a user name or password")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return errors.New("must not contain a fragment")
	}
	host := u.Hostname()
	if host == "" {
		return errors.New("must name a host")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("has an invalid port %q", port)
		}
	}
	addrs, err := p.resolve(ctx, host)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		reason, blocked := Blocked(a)
		switch {
		case blocked && !p.AllowPrivate:
			return fmt.Errorf("resolves to %s, a %s address: deliveries only go to public addresses", a, reason)
		case !blocked && u.Scheme == "http":
			return fmt.Errorf("must use https: http is allowed only to loopback and private addresses (%s is public)", a)
		}
	}
	return nil
}

// checkScheme allows https, and http with AllowPrivate.
func (p Policy) checkScheme(u *url.URL) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && p.AllowPrivate:
		return nil
	case u.Scheme == "http":
		return errors.New("must use https (http only to loopback and private addresses, with WEBHOOK_ALLOW_PRIVATE=true)")
	}
	return errors.New("must be an absolute https URL")
}

func (p Policy) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil, fmt.Errorf("host %q does not resolve", host)
	}
	return addrs, nil
}

// special lists the address ranges, beyond what netip classifies, that are
// not public destinations.
var special = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("100::/64"), "discard"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
}

// Blocked reports whether a is not a public unicast address, and why:
// unspecified, loopback, private, link-local, multicast or another special
// range. An IPv4 address embedded in IPv6 (IPv4-mapped, NAT64, 6to4) is
// judged as the IPv4 address it reaches.
func Blocked(a netip.Addr) (reason string, blocked bool) {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		b := a.As16()
		switch {
		case netip.MustParsePrefix("64:ff9b::/96").Contains(a), netip.MustParsePrefix("64:ff9b:1::/48").Contains(a):
			return Blocked(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case netip.MustParsePrefix("2002::/16").Contains(a):
			return Blocked(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	switch {
	case !a.IsValid():
		return "invalid", true
	case a.IsUnspecified():
		return "unspecified", true
	case a.IsLoopback():
		return "loopback", true
	case a.IsPrivate():
		return "private", true
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "link-local", true
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast", true
	}
	for _, s := range special {
		if s.prefix.Contains(a) {
			return s.reason, true
		}
	}
	return "", false
}

// BlockedAddressError is a connection the dispatcher refused to open.
type BlockedAddressError struct {
	Addr   netip.Addr
	Reason string
}

func (e *BlockedAddressError) Error() string {
	return fmt.Sprintf("refused to connect to %s, a %s address (deliveries only go to public addresses unless WEBHOOK_ALLOW_PRIVATE=true)", e.Addr, e.Reason)
}

// control is the net.Dialer Control of deliveries: it runs after the name
// was resolved and before each connection is made, with the very address
// being connected to, so a host that resolved to a public address at
// registration but resolves to a private one now (DNS rebinding), or a
// redirect, cannot reach the private network.
func (p Policy) control(network, address string, _ syscall.RawConn) error {
	if p.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refused to connect to %q: not an IP address", address)
	}
	if reason, blocked := Blocked(ap.Addr()); blocked {
		return &BlockedAddressError{Addr: ap.Addr().Unmap(), Reason: reason}
	}
	return nil
}

// Dialer is the dialer of deliveries: every address it connects to passes
// the policy.
func (p Policy) Dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: p.control}
}
