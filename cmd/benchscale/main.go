// Command benchscale is `make bench-scale`: it generates a large claimgrade
// dataset on PostgreSQL (1,000,000 claims; SMALL=1: 20,000), verifies a
// sample of its derived fields against the rules, starts claimgrade and
// two variants of the raw net/http + pgx server (./rawserver: prepared
// statements with cached plans, and the simple protocol) on it, checks
// that all three answer every benchmarked request with the same bytes,
// then measures them in interleaved rounds and prints a table and a ratios
// line, claimgrade against the faster raw variant per endpoint. Statements
// and round trips per request are counted on the wire by a proxy in front
// of PostgreSQL (pgcount.go).
//
// Environment: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
// SMALL=1, SQLITE=1 (claimgrade on SQLite, 100,000 claims: sqlite.go), CLAIMS=n, CONNS (64), DURATION (10s), ROUNDS (3), KEEP=1 keeps the database,
// PROFILE=dir saves a CPU profile of claimgrade under each endpoint's load
// in round 1 (dir/<endpoint>.pprof; claimgrade's PPROF_ADDR on loopback).
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"claimgrade/store"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func logf(format string, args ...any) {
	fmt.Printf("%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context) error {
	n := 1000000
	if os.Getenv("SMALL") == "1" {
		n = 20000
	}
	if os.Getenv("SQLITE") == "1" && os.Getenv("SMALL") != "1" {
		n = 100000
	}
	if v := os.Getenv("CLAIMS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			return fmt.Errorf("CLAIMS=%q: want a number >= 100", v)
		}
	}
	conns, _ := strconv.Atoi(env("CONNS", "64"))
	rounds, _ := strconv.Atoi(env("ROUNDS", "3"))
	defDuration := "10s"
	if os.Getenv("SMALL") == "1" {
		defDuration = "2s" // SMALL=1 stays under two minutes
	}
	duration, err := time.ParseDuration(env("DURATION", defDuration))
	if err != nil {
		return err
	}
	admin := env("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	if os.Getenv("SQLITE") == "1" {
		return runSQLite(ctx, n, admin, conns, rounds, duration)
	}
	name := fmt.Sprintf("cg_scale_%d", n)
	dbURL, err := withDatabase(admin, name)
	if err != nil {
		return err
	}
	ac, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect %s: %w", admin, err)
	}
	defer ac.Close(ctx)
	if _, err := ac.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := ac.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	if os.Getenv("KEEP") != "1" {
		defer ac.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}

	// Dataset.
	t0 := time.Now()
	st, err := store.Open(ctx, dbURL, store.DefaultOptions(), slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.MigrateUp(ctx); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if err := generate(ctx, st, dbURL, conn, n, logf); err != nil {
		return err
	}
	genTime := time.Since(t0)
	if err := verify(ctx, st, n, 200); err != nil {
		return err
	}
	logf("generated %d claims in %s (generator peak RSS %d MB); 200 sampled claims match the rules (store.VerifyDerived)", n,
		genTime.Round(time.Millisecond), hwm(os.Getpid())/1024)

	// Servers.
	if err := build("bin/claimgrade", "."); err != nil {
		return err
	}
	if err := build("bin/rawserver", "./cmd/benchscale/rawserver"); err != nil {
		return err
	}
	cgEnv := []string{"DATABASE_URL=" + dbURL, "SEED=false",
		"LOG_LEVEL=error", "RATE_LIMIT_ANONYMOUS=100000000", "ANONYMOUS_MAX_CONCURRENT=20", "DB_MAX_OPEN_CONNS=20"}
	profileDir := os.Getenv("PROFILE")
	pprofAddr, err := freeAddr()
	if err != nil {
		return err
	}
	if profileDir != "" {
		if err := os.MkdirAll(profileDir, 0o755); err != nil {
			return err
		}
		cgEnv = append(cgEnv, "PPROF_ADDR="+pprofAddr)
	}
	cg, err := start("claimgrade", "bin/claimgrade", "", cgEnv)
	if err != nil {
		return err
	}
	defer cg.stop()
	// The raw server's two variants (rawserver's VARIANT): per endpoint,
	// claimgrade is compared with the faster one.
	var raws []*server
	for _, variant := range rawVariants {
		raw, err := start("raw-"+variant, "bin/rawserver", "", []string{"DATABASE_URL=" + dbURL, "VARIANT=" + variant})
		if err != nil {
			return err
		}
		defer raw.stop()
		raws = append(raws, raw)
	}

	// Requests: a deep cursor page starts 90% into the table.
	var deepAfter int64
	if err := conn.QueryRow(ctx, "SELECT id FROM claims ORDER BY id OFFSET $1 LIMIT 1", n*9/10).Scan(&deepAfter); err != nil {
		return err
	}
	var detailID int64
	if err := conn.QueryRow(ctx, `SELECT cf.claim_id FROM claim_findings cf JOIN findings f ON f.id = cf.finding_id
		GROUP BY cf.claim_id HAVING COUNT(*) = 2 AND bool_and(f.grade_id IS NOT NULL) ORDER BY cf.claim_id LIMIT 1 OFFSET $1`, n/20).Scan(&detailID); err != nil {
		return err
	}
	endpoints := []struct{ name, path string }{
		{"list", "/api/v1/claims?limit=50"},
		{"flag", "/api/v1/claims?limit=50&flag=unsupported"},
		{"detail", fmt.Sprintf("/api/v1/claims/%d", detailID)},
		{"deep", "/api/v1/claims?limit=50&cursor=" + store.EncodeCursor(deepAfter)},
		{"deepflag", "/api/v1/claims?limit=50&flag=unsupported&cursor=" + store.EncodeCursor(deepAfter)},
		{"q", "/api/v1/claims?limit=50&q=" + url.QueryEscape("mésothérapie")},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns * 2, DisableCompression: true}, Timeout: 30 * time.Second}
	for _, e := range endpoints {
		a, err := get(client, cg.base+e.path)
		if err != nil {
			return err
		}
		for _, raw := range raws {
			b, err := get(client, raw.base+e.path)
			if err != nil {
				return err
			}
			if !bytes.Equal(a, b) {
				i := firstDiff(a, b)
				from := max(0, i-200)
				fmt.Printf("claimgrade: ...%s\n%s:        ...%s\n", a[from:min(len(a), i+200)], raw.name, b[from:min(len(b), i+200)])
				return fmt.Errorf("%s: the bodies of claimgrade and %s differ (%d and %d bytes); first difference at byte %d", e.path, raw.name, len(a), len(b), firstDiff(a, b))
			}
		}
		if e.name == "detail" && !bytes.Contains(a, []byte(`"grade":{`)) {
			return fmt.Errorf("%s: the claim's findings are not graded, so the check would not cover graded findings", e.path)
		}
		logf("%-8s %s: bodies equal (%d bytes)", e.name, e.path, len(a))
	}

	// Statements and round trips per request, exact: a second claimgrade
	// and raw server, each reaching PostgreSQL through a counting proxy
	// (pgcount.go), answer every request once to warm up, then `runs` times
	// one after another; the counters' deltas are divided by runs.
	type perRequest struct{ statements, roundTrips, pings float64 }
	counted := []struct {
		name, bin string
		env       []string
	}{
		{"claimgrade-counted", "bin/claimgrade", []string{"SEED=false", "LOG_LEVEL=error", "RATE_LIMIT_ANONYMOUS=100000000"}},
	}
	for _, variant := range rawVariants {
		counted = append(counted, struct {
			name, bin string
			env       []string
		}{"raw-" + variant + "-counted", "bin/rawserver", []string{"VARIANT=" + variant}})
	}
	stmts := map[string][]perRequest{}
	for i, spec := range counted {
		counter, countedDB, err := countedURL(dbURL)
		if err != nil {
			return err
		}
		s, err := start(spec.name, spec.bin, "", append(spec.env, "DATABASE_URL="+countedDB))
		if err != nil {
			counter.close()
			return err
		}
		for _, e := range endpoints {
			if _, err := get(client, s.base+e.path); err != nil {
				s.stop()
				counter.close()
				return err
			}
			const runs = 20
			before := counter.get()
			for range runs {
				if _, err := get(client, s.base+e.path); err != nil {
					s.stop()
					counter.close()
					return err
				}
			}
			after := counter.get()
			if i == 0 {
				stmts[e.name] = make([]perRequest, len(counted))
			}
			stmts[e.name][i] = perRequest{float64(after.statements-before.statements) / runs, float64(after.roundTrips-before.roundTrips) / runs,
				float64(after.pings-before.pings) / runs}
		}
		s.stop()
		counter.close()
	}

	// results[endpoint][server][round]: server 0 is claimgrade, then the
	// raw variants.
	results := map[string][][]result{}
	servers := append([]*server{cg}, raws...)
	for r := range rounds {
		for _, e := range endpoints {
			if results[e.name] == nil {
				results[e.name] = make([][]result, len(servers))
			}
			for i, s := range servers {
				var profiled chan error
				if profileDir != "" && r == 0 && s == cg {
					// A CPU profile of claimgrade under this endpoint's load,
					// over all but the last second of the round.
					profiled = make(chan error, 1)
					go func() {
						profiled <- saveProfile(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofAddr, max(1, int(duration.Seconds())-1)),
							fmt.Sprintf("%s/%s.pprof", profileDir, e.name))
					}()
				}
				res := load(client, s.base+e.path, conns, duration)
				if profiled != nil {
					if err := <-profiled; err != nil {
						return err
					}
				}
				results[e.name][i] = append(results[e.name][i], res)
				logf("round %d %-8s %-10s %8.0f req/s p50 %6.2f ms p99 %6.2f ms errors %d", r+1, e.name, s.name, res.rps, ms(res.p50), ms(res.p99), res.errors)
			}
		}
	}

	fmt.Printf("\nPostgreSQL, %d claims (generated in %s), %d connections, %d rounds of %s, interleaved (claimgrade, raw-%s)\n\n", n,
		genTime.Round(time.Second), conns, rounds, duration, strings.Join(rawVariants, ", raw-"))
	fmt.Println("| endpoint | claimgrade req/s | p50 ms | p99 ms | faster raw | req/s | p50 ms | p99 ms | other raw req/s | ratio | p99 ratio | statements (round trips) per request, cg / raw-" +
		strings.Join(rawVariants, " / raw-") + " |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	ratio := map[string]float64{}
	pings := 0.0
	for _, e := range endpoints {
		x := results[e.name]
		// The faster raw variant: the higher median req/s over the rounds.
		fast := 1
		for i := 2; i < len(x); i++ {
			if median(rpsOf(x[i])) > median(rpsOf(x[fast])) {
				fast = i
			}
		}
		other := 3 - fast // the other of the two variants
		// Ratios are medians over rounds of claimgrade ÷ the faster raw
		// variant in the same round: req/s, and p99.
		var rs, p99s []float64
		for i := range x[0] {
			rs = append(rs, x[0][i].rps/x[fast][i].rps)
			p99s = append(p99s, float64(x[0][i].p99)/float64(x[fast][i].p99))
		}
		ratio[e.name] = median(rs)
		a, b := best(x[0]), best(x[fast])
		var counts []string
		for _, c := range stmts[e.name] {
			counts = append(counts, fmt.Sprintf("%.2f (%.2f)", c.statements, c.roundTrips))
			pings += c.pings
		}
		fmt.Printf("| %s | %.0f | %.2f | %.2f | %s | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %s |\n", e.name, a.rps, ms(a.p50), ms(a.p99),
			servers[fast].name, b.rps, ms(b.p50), ms(b.p99), best(x[other]).rps, ratio[e.name], median(p99s), strings.Join(counts, " / "))
	}
	fmt.Printf("\nreq/s, p50 and p99: each server's best round; ratio and p99 ratio: medians over rounds of claimgrade ÷ the faster raw variant (higher median req/s) in the same round.\n")
	fmt.Printf("Statements and round trips counted exactly on the wire (a proxy in front of PostgreSQL, 20 sequential requests each); driver pings per request, not counted above: %.2f\n", pings)
	fmt.Printf("RSS peak (VmHWM): claimgrade %d MB", cg.hwm()/1024)
	for _, raw := range raws {
		fmt.Printf(", %s %d MB", raw.name, raw.hwm()/1024)
	}
	fmt.Println()
	// q one request at a time: the latency of the search itself, without
	// the queueing of CONNS connections on the machine's cores (under the
	// load above, the raw server's own q p50 is 20-odd ms on two cores, so
	// the table's p50 measures the queue, not the search). The last line's
	// q_p50_ms is the slowest term's p50: a common word, a German one, a
	// word with a number (the trigram index finds many candidates) and a
	// word that is nowhere.
	fmt.Print("q on claimgrade, one request at a time (200 after 10 warm-ups):")
	qP50 := 0.0
	for _, term := range []string{"mésothérapie", "schmerzfrei", "Behauptung 123", "zzzqqq"} {
		lat, err := sequential(client, cg.base+"/api/v1/claims?limit=50&q="+url.QueryEscape(term), 10, 200)
		if err != nil {
			return err
		}
		qP50 = max(qP50, ms(lat[len(lat)/2]))
		fmt.Printf(" %q p50 %.2f ms p95 %.2f ms;", term, ms(lat[len(lat)/2]), ms(lat[len(lat)*95/100]))
	}
	fmt.Println()
	deepFirst := ms(best(results["deep"][0]).p50) / ms(best(results["list"][0]).p50)
	fmt.Printf("ratios list=%.2f flag=%.2f detail=%.2f deep/first=%.2f q_p50_ms=%.2f\n", ratio["list"], ratio["flag"], ratio["detail"],
		deepFirst, qP50)
	return nil
}

// rawVariants are rawserver's VARIANTs the benchmark runs (see its doc).
var rawVariants = []string{"prepared", "simple"}

// rpsOf is the req/s of each round.
func rpsOf(rs []result) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = r.rps
	}
	return out
}

func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func build(out, pkg string) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

type server struct {
	name, base string
	cmd        *exec.Cmd
}

// start runs bin with env and waits until it answers on addr ("": a free
// port on the loopback: other benchmarks may run on the machine).
func start(name, bin, addr string, env []string) (*server, error) {
	if addr == "" {
		var err error
		if addr, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), append(env, "ADDR="+addr)...)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{name: name, base: "http://" + addr, cmd: cmd}
	for range 300 {
		if res, err := http.Get(s.base + "/api/v1/claims?limit=1"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("%s did not answer on %s", name, addr)
}

// freeAddr is a loopback address with a port free at the time.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
	}
}

// hwm is the server's peak resident set in kB.
func (s *server) hwm() int { return hwm(s.cmd.Process.Pid) }

// hwm is process pid's peak resident set in kB.
func hwm(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			v, _ := strconv.Atoi(f[1])
			return v
		}
	}
	return 0
}

func get(c *http.Client, u string) ([]byte, error) {
	res, err := c.Get(u)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != 200 {
		err = fmt.Errorf("GET %s = %d: %s", u, res.StatusCode, b)
	}
	return b, err
}

// saveProfile fetches a profile from u into path.
func saveProfile(u, path string) error {
	res, err := http.Get(u)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		return fmt.Errorf("profile %s: %d %v", u, res.StatusCode, err)
	}
	return os.WriteFile(path, b, 0o644)
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
}

// load keeps conns requests in flight for d and reports throughput and
// latency percentiles.
func load(c *http.Client, u string, conns int, d time.Duration) result {
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			var mine []time.Duration
			bad := 0
			for time.Now().Before(deadline) {
				t := time.Now()
				if _, err := get(c, u); err != nil {
					bad++
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	r := result{rps: float64(len(lat)) / d.Seconds(), errors: errs}
	if len(lat) > 0 {
		r.p50, r.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return r
}

// sequential sends warm requests, then n more one after another, and
// returns the n latencies sorted.
func sequential(c *http.Client, u string, warm, n int) ([]time.Duration, error) {
	lat := make([]time.Duration, 0, n)
	for i := range warm + n {
		t := time.Now()
		if _, err := get(c, u); err != nil {
			return nil, err
		}
		if i >= warm {
			lat = append(lat, time.Since(t))
		}
	}
	slices.Sort(lat)
	return lat, nil
}

func best(rs []result) result {
	return slices.MaxFunc(rs, func(a, b result) int {
		switch {
		case a.rps < b.rps:
			return -1
		case a.rps > b.rps:
			return 1
		}
		return 0
	})
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
