// Package api wires claimgrade's HTTP server: configuration, middleware,
// the route table (routes.go) and the OpenAPI documents.
package api

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"claimgrade/grading"
	"claimgrade/store"
	"claimgrade/webhook"
)

// REQUIRED_REVIEWS, how many agreeing submitted assessments make a consensus
// grade, has its default and its floor here and nowhere else: LoadConfig
// refuses a value below the floor, and the rest of the server takes the
// value as given.
const (
	DefaultRequiredReviews = 2
	MinRequiredReviews     = 1
)

// Config is the server's configuration, read from the environment only.
// The README's configuration table lists every variable and its default.
type Config struct {
	Addr            string
	DatabaseURL     string
	PublicRead      bool
	RequiredReviews int
	CORSOrigins     []string
	LogLevel        slog.Level
	Seed            bool
	MaxBodyBytes    int64
	RequestTimeout  time.Duration
	// ImportMaxBytes caps the body of POST /api/v1/import (IMPORT_MAX_BYTES,
	// default 1 GiB, so that a server's own export of a large catalogue
	// imports: 100,000 claims export as 114 MB). The body goes to a file of
	// the temporary directory ($TMPDIR, else /tmp) for the request, not to
	// memory: an import needs up to that much free disk there. BulkTimeout
	// is the deadline of an export or import (BULK_TIMEOUT) in place of
	// RequestTimeout.
	ImportMaxBytes int64
	BulkTimeout    time.Duration
	// AnonymousTimeout is the deadline of a request without an API key, and
	// AnonymousConcurrency how many of them may run at once: anonymous
	// traffic never holds more than that share of the connection pool.
	AnonymousTimeout     time.Duration
	AnonymousConcurrency int
	ShutdownTimeout      time.Duration
	// Requests per minute per API key, and per client IP for anonymous reads.
	RateLimitKey  int
	RateLimitAnon int
	DB            store.Options
	// Webhooks: WebhookAllowPrivate lets webhooks use http and reach
	// loopback and private addresses (tests, local development only);
	// WebhookMaxAttempts is how many attempts a delivery gets before it
	// fails; WebhookPollInterval is how often the dispatcher looks for due
	// deliveries.
	WebhookAllowPrivate bool
	WebhookMaxAttempts  int
	WebhookPollInterval time.Duration
	// PublicBaseURL is where the API is reached from outside (absolute
	// http(s) URL, no trailing slash): exports name their local code
	// systems and pages under it.
	PublicBaseURL string
	// PublisherName and PublisherURL name the fact-checking organisation,
	// the author of the exported ClaimReviews (PUBLISHER_NAME,
	// PUBLISHER_URL; the URL defaults to PUBLIC_BASE_URL).
	PublisherName string
	PublisherURL  string
	// SearchStaleAfter is SEARCH_STALE_AFTER: a claim whose newest
	// evidence search is older is flagged stale_grade (the search should be
	// run again). Written as days ("730d", the default: two years) or as a
	// Go duration ("8760h"); at least a day, at most 100 years.
	SearchStaleAfter time.Duration
	// PprofAddr is where net/http/pprof listens (PPROF_ADDR), for
	// profiling under load; empty (the default) serves no profiles. It
	// must be a loopback address: profiles show the process's internals.
	PprofAddr string
}

// LoadConfig reads the configuration through getenv and reports every bad
// value at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	cfg := Config{
		Addr:            or(getenv("ADDR"), ":8080"),
		DatabaseURL:     getenv("DATABASE_URL"),
		CORSOrigins:     splitList(getenv("CORS_ORIGINS")),
		ShutdownTimeout: 15 * time.Second,
		DB:              store.DefaultOptions(),
	}
	var errs []string
	boolean := func(name string, def bool) bool {
		v := getenv(name)
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s=%q: want true or false", name, v))
		}
		return b
	}
	integer := func(name string, def, min int) int {
		v := getenv(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			errs = append(errs, fmt.Sprintf("%s=%q: want an integer >= %d", name, v, min))
		}
		return n
	}
	duration := func(name string, def time.Duration) time.Duration {
		v := getenv(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Sprintf("%s=%q: want a positive duration such as 10s", name, v))
		}
		return d
	}
	cfg.PublicRead = boolean("PUBLIC_READ", true)
	cfg.Seed = boolean("SEED", true)
	cfg.RequiredReviews = integer("REQUIRED_REVIEWS", DefaultRequiredReviews, MinRequiredReviews)
	cfg.MaxBodyBytes = int64(integer("MAX_BODY_BYTES", 1<<20, 1024))
	cfg.RequestTimeout = duration("REQUEST_TIMEOUT", 15*time.Second)
	cfg.ImportMaxBytes = int64(integer("IMPORT_MAX_BYTES", 1<<30, 1024))
	cfg.BulkTimeout = duration("BULK_TIMEOUT", 10*time.Minute)
	cfg.AnonymousTimeout = duration("ANONYMOUS_REQUEST_TIMEOUT", 5*time.Second)
	cfg.ShutdownTimeout = duration("SHUTDOWN_TIMEOUT", cfg.ShutdownTimeout)
	cfg.RateLimitKey = integer("RATE_LIMIT_PER_KEY", 600, 1)
	cfg.RateLimitAnon = integer("RATE_LIMIT_ANONYMOUS", 120, 1)
	cfg.WebhookAllowPrivate = boolean("WEBHOOK_ALLOW_PRIVATE", false)
	cfg.WebhookMaxAttempts = integer("WEBHOOK_MAX_ATTEMPTS", webhook.DefaultMaxAttempts, 1)
	cfg.WebhookPollInterval = duration("WEBHOOK_POLL_INTERVAL", webhook.DefaultPollInterval)
	cfg.DB.MaxOpenConns = integer("DB_MAX_OPEN_CONNS", cfg.DB.MaxOpenConns, 1)
	// Idle connections follow the open limit unless set.
	cfg.DB.MaxIdleConns = integer("DB_MAX_IDLE_CONNS", cfg.DB.MaxOpenConns, 0)
	cfg.DB.ConnMaxLifetime = duration("DB_CONN_MAX_LIFETIME", cfg.DB.ConnMaxLifetime)
	cfg.AnonymousConcurrency = integer("ANONYMOUS_MAX_CONCURRENT", max(1, cfg.DB.MaxOpenConns/2), 1)
	switch strings.ToLower(or(getenv("LOG_LEVEL"), "info")) {
	case "debug":
		cfg.LogLevel = slog.LevelDebug
	case "info":
		cfg.LogLevel = slog.LevelInfo
	case "warn", "warning":
		cfg.LogLevel = slog.LevelWarn
	case "error":
		cfg.LogLevel = slog.LevelError
	default:
		errs = append(errs, fmt.Sprintf("LOG_LEVEL=%q: want debug, info, warn or error", getenv("LOG_LEVEL")))
	}
	cfg.PublicBaseURL = strings.TrimRight(or(getenv("PUBLIC_BASE_URL"), "http://localhost:8080"), "/")
	if u, err := url.Parse(cfg.PublicBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Sprintf("PUBLIC_BASE_URL=%q: want an absolute http or https URL such as https://claims.example.org", getenv("PUBLIC_BASE_URL")))
	}
	cfg.PublisherName = strings.TrimSpace(or(getenv("PUBLISHER_NAME"), "claimgrade"))
	cfg.PublisherURL = or(getenv("PUBLISHER_URL"), cfg.PublicBaseURL)
	if u, err := url.Parse(cfg.PublisherURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Sprintf("PUBLISHER_URL=%q: want an absolute http or https URL such as https://factcheck.example.org", getenv("PUBLISHER_URL")))
	}
	if cfg.PprofAddr = getenv("PPROF_ADDR"); cfg.PprofAddr != "" && !loopback(cfg.PprofAddr) {
		errs = append(errs, fmt.Sprintf("PPROF_ADDR=%q: want a loopback host:port such as 127.0.0.1:6060", cfg.PprofAddr))
	}
	cfg.SearchStaleAfter = grading.DefaultSearchStaleAfter
	if v := getenv("SEARCH_STALE_AFTER"); v != "" {
		d, err := ParseStaleAfter(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("SEARCH_STALE_AFTER=%q: %v", v, err))
		}
		cfg.SearchStaleAfter = d
	}
	cfg.DB.SQLLog = cfg.LogLevel == slog.LevelDebug
	if len(errs) > 0 {
		return cfg, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return cfg, nil
}

// Bounds of SEARCH_STALE_AFTER.
const (
	minStaleAfter = 24 * time.Hour
	maxStaleAfter = 36500 * 24 * time.Hour
)

// ParseStaleAfter reads SEARCH_STALE_AFTER: a whole number of days with
// the suffix d ("730d") or a Go duration ("8760h"), from one day to 100
// years (36500d).
func ParseStaleAfter(v string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 36500 {
			return 0, fmt.Errorf("want a whole number of days from 1d to 36500d, such as 730d (two years), or a Go duration such as 8760h")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, fmt.Errorf("want days such as 730d (two years) or a Go duration such as 8760h")
		}
	}
	if d < minStaleAfter || d > maxStaleAfter {
		return 0, fmt.Errorf("want from one day (1d, 24h) to 100 years (36500d)")
	}
	return d, nil
}

// WebhookPolicy is where webhooks may deliver.
func (c Config) WebhookPolicy() webhook.Policy {
	return webhook.Policy{AllowPrivate: c.WebhookAllowPrivate}
}

// loopback reports whether addr is host:port with a loopback host (an IP
// or localhost) and a port.
func loopback(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
