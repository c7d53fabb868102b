package webhook

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestBlocked(t *testing.T) {
	tests := []struct {
		addr   string
		reason string // "" for a public address
	}{
		{"93.184.215.14", ""},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", ""},
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "loopback"},
		{"::1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"192.168.1.1", "private"},
		{"fd00::1", "private"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "this-network"},
		{"100.64.0.1", "shared (carrier-grade NAT)"},
		{"239.1.2.3", "multicast"},
		{"255.255.255.255", "reserved"},
		{"::ffff:127.0.0.1", "loopback"},     // IPv4-mapped
		{"::ffff:10.0.0.1", "private"},       // IPv4-mapped
		{"64:ff9b::a9fe:a9fe", "link-local"}, // NAT64 of 169.254.169.254
		{"2002:7f00:1::1", "loopback"},       // 6to4 of 127.0.0.1
		{"2001:db8::1", "documentation"},
	}
	for _, tt := range tests {
		reason, blocked := Blocked(netip.MustParseAddr(tt.addr))
		if reason != tt.reason || blocked != (tt.reason != "") {
			t.Errorf("Blocked(%s) = %q, %v, want %q", tt.addr, reason, blocked, tt.reason)
		}
	}
}

// fakeResolver answers from a table; other names do not resolve.
type fakeResolver map[string][]string

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, a := range r[host] {
		out = append(out, netip.MustParseAddr(a))
	}
	if len(out) == 0 {
		return nil, errors.New("no such host")
	}
	return out, nil
}

func TestCheckURL(t *testing.T) {
	dns := fakeResolver{
		"partner.example":  {"93.184.215.14"},
		"internal.example": {"10.0.0.7"},
		"split.example":    {"93.184.215.14", "192.168.0.2"}, // one private answer is enough to refuse
		"metadata.example": {"169.254.169.254"},
	}
	tests := []struct {
		url          string
		allowPrivate bool
		want         string // a part of the error; "" for none
	}{
		{"https://partner.example/hooks?x=1", false, ""},
		{"https://93.184.215.14:8443/hook", false, ""},
		{"https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook", false, ""},
		{"http://partner.example/hook", false, "must use https"},
		{"http://partner.example/hook", true, "must use https"}, // http only to private addresses
		{"http://127.0.0.1:8080/hook", false, "must use https"},
		{"http://127.0.0.1:8080/hook", true, ""},
		{"https://internal.example/", false, "10.0.0.7, a private address"},
		{"https://internal.example/", true, ""},
		{"https://split.example/", false, "192.168.0.2, a private address"},
		{"https://metadata.example/latest", false, "link-local"},
		{"https://169.254.169.254/latest/meta-data", false, "link-local"},
		{"https://127.0.0.1/", false, "loopback"},
		{"https://[::1]/", false, "loopback"},
		{"https://[::ffff:127.0.0.1]/", false, "loopback"},
		{"https://0.0.0.0/", false, "unspecified"},
		{"https://10.0.0.1/", false, "private"},
		{"https://nowhere.example/", false, "does not resolve"},
		{"ftp://partner.example/", false, "absolute https URL"},
		{"partner.example/hook", false, "absolute https URL"},
		{"https:///path", false, "must name a host"},
		{"https://user:pw@partner.example/", false, "user name or password"},
		{"https://partner.example/#frag", false, "fragment"},
		{"https://partner.example:99999/", false, "invalid port"},
		{"", false, "is required"},
		{"https://partner.example/" + strings.Repeat("a", MaxURLLength), false, "at most 2048"},
	}
	for _, tt := range tests {
		p := Policy{AllowPrivate: tt.allowPrivate, Resolver: dns}
		err := p.CheckURL(context.Background(), tt.url)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckURL(%q, private=%v) = %v, want nil", tt.url, tt.allowPrivate, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckURL(%q, private=%v) = %v, want an error with %q", tt.url, tt.allowPrivate, err, tt.want)
		}
	}
}

// TestControl: the dialer refuses to connect to a blocked address whatever
// name led there; with AllowPrivate it connects anywhere.
func TestControl(t *testing.T) {
	tests := []struct {
		address      string
		allowPrivate bool
		blocked      bool
	}{
		{"127.0.0.1:443", false, true},
		{"[::1]:443", false, true},
		{"10.0.0.1:80", false, true},
		{"169.254.169.254:80", false, true},
		{"93.184.215.14:443", false, false},
		{"127.0.0.1:443", true, false},
	}
	for _, tt := range tests {
		err := Policy{AllowPrivate: tt.allowPrivate}.control("tcp", tt.address, nil)
		var be *BlockedAddressError
		if got := errors.As(err, &be); got != tt.blocked {
			t.Errorf("control(%s, private=%v) = %v, want blocked %v", tt.address, tt.allowPrivate, err, tt.blocked)
		}
	}
}

func TestBackoff(t *testing.T) {
	base, cap := 5*time.Second, time.Hour
	tests := []struct {
		n      int
		jitter float64
		want   time.Duration
	}{
		{1, 0, 2500 * time.Millisecond},
		{1, 0.999999, 5 * time.Second},
		{2, 0, 5 * time.Second},
		{3, 0.5, 15 * time.Second}, // step 20s: 10s + 5s
		{10, 0, 1280 * time.Second},
		{11, 0, 30 * time.Minute}, // step 5120s capped at 1h
		{40, 0.999999, time.Hour},
	}
	for _, tt := range tests {
		got := Backoff(tt.n, base, cap, tt.jitter)
		if d := got - tt.want; d < -5*time.Millisecond || d > 5*time.Millisecond {
			t.Errorf("Backoff(%d, jitter %v) = %v, want %v", tt.n, tt.jitter, got, tt.want)
		}
	}
}

func TestSignKnownVector(t *testing.T) {
	// The example of the Standard Webhooks specification's test vectors
	// (libraries/go/webhook_test.go): this secret, id, timestamp and body
	// sign to this signature.
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	got, err := Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	if _, err := Sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", time.Unix(0, 0), nil); err == nil {
		t.Errorf("Sign with a secret lacking whsec_ = nil error")
	}
}
