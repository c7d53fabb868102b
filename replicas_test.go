package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// buildBinary builds the claimgrade binary into dir.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "claimgrade")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a running `claimgrade serve`.
type process struct {
	cmd    *exec.Cmd
	base   string // http://host:port
	stderr *syncBuffer
	done   chan error
}

func processEnv(vars map[string]string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// command runs the binary with args and returns its stdout.
func command(t *testing.T, bin string, vars map[string]string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = processEnv(vars)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("claimgrade %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// startServe starts `claimgrade serve` on a free port and waits until it
// listens.
func startServe(t *testing.T, bin string, vars map[string]string) *process {
	t.Helper()
	vars["ADDR"] = "127.0.0.1:0"
	cmd := exec.Command(bin, "serve")
	cmd.Env = processEnv(vars)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			p.stderr.Write([]byte(line + "\n"))
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "claimgrade serving" {
				addr <- rec.Addr
			}
		}
		io.Copy(io.Discard, pipe)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case a := <-addr:
		p.base = "http://" + a
	case err := <-p.done:
		t.Fatalf("serve exited: %v\n%s", err, p.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start:\n%s", p.stderr.String())
	}
	return p
}

// client talks to the processes with one API key.
type client struct {
	t   *testing.T
	key string
}

type reply struct {
	status   int
	replayed bool
	body     map[string]any
}

func (c client) do(base, method, path string, body any, headers ...string) reply {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Errorf("%s %s: %v", method, path, err)
		return reply{}
	}
	defer res.Body.Close()
	r := reply{status: res.StatusCode, replayed: res.Header.Get("Idempotent-Replayed") == "true"}
	json.NewDecoder(res.Body).Decode(&r.body)
	return r
}

func (r reply) id() int64 {
	f, _ := r.body["id"].(float64)
	return int64(f)
}

// TestTwoReplicas starts two `claimgrade serve` processes of the real binary
// on one database and races, across both: one Idempotency-Key sent to
// each, PATCHes with one If-Match, and two reviewers submitting on one
// claim. PostgreSQL is the engine for replicas; on SQLite two processes on
// one file work the same (SQLite's file locks serialise their writes).
func TestTwoReplicas(t *testing.T) {
	bin := buildBinary(t, t.TempDir())
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			dbURL := testenv.URL(t, b)
			vars := map[string]string{"DATABASE_URL": dbURL, "SEED": "false", "LOG_LEVEL": "info",
				"RATE_LIMIT_PER_KEY": "1000000", "REQUIRED_REVIEWS": "2"}
			command(t, bin, vars, "migrate", "up")
			keys := map[string]string{}
			for _, u := range [][2]string{{"editor", "editor"}, {"r1", "reviewer"}, {"r2", "reviewer"}} {
				keys[u[0]] = lastLine(command(t, bin, vars, "keys", "create", "--name", u[0], "--role", u[1]))
			}
			a, bb := startServe(t, bin, maps(vars)), startServe(t, bin, maps(vars))
			replicas := []string{a.base, bb.base}
			ed := client{t: t, key: keys["editor"]}
			ed.do(a.base, "POST", "/api/v1/therapies", map[string]any{"slug": "mesotherapy", "name": "Mesotherapy"})

			// 1. One Idempotency-Key sent to both replicas at once: one
			// execution; the other replays it (after a 409 while it runs).
			const keyRounds = 20
			var mu sync.Mutex // guards the counts
			executions, conflicts, replays := 0, 0, 0
			count := func(n *int) { mu.Lock(); *n++; mu.Unlock() }
			for k := range keyRounds {
				body := map[string]any{"kind": "news", "title": fmt.Sprintf("replica-%02d", k)}
				var wg sync.WaitGroup
				ids := make([]int64, 2)
				for i, base := range replicas {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for try := 0; try < 100; try++ {
							r := ed.do(base, "POST", "/api/v1/sources", body, "Idempotency-Key", fmt.Sprintf("replica-key-%02d", k))
							switch {
							case r.status == http.StatusConflict:
								count(&conflicts)
								time.Sleep(20 * time.Millisecond)
								continue
							case r.status != http.StatusCreated:
								t.Errorf("key %d on %s: %d %v", k, base, r.status, r.body)
							case r.replayed:
								count(&replays)
							default:
								count(&executions)
							}
							ids[i] = r.id()
							return
						}
					}()
				}
				wg.Wait()
				if ids[0] != ids[1] || ids[0] == 0 {
					t.Errorf("key %d: the replicas answered ids %v, want one id", k, ids)
				}
			}
			// 2. PATCHes racing with one If-Match: one wins, the other 412.
			claim := ed.do(a.base, "POST", "/api/v1/claims", map[string]any{"therapy": "mesotherapy", "text": "Mesotherapy relieves back pain.",
				"language": "en", "claim_type": "efficacy"}).id()
			const patchRounds = 20
			wins, preconditions := 0, 0
			for round := range patchRounds {
				cur := ed.do(bb.base, "GET", fmt.Sprintf("/api/v1/claims/%d", claim), nil)
				version := fmt.Sprintf(`"%v"`, cur.body["version"])
				statuses := make([]int, 2)
				var wg sync.WaitGroup
				for i, base := range replicas {
					wg.Add(1)
					go func() {
						defer wg.Done()
						statuses[i] = ed.do(base, "PATCH", fmt.Sprintf("/api/v1/claims/%d", claim),
							map[string]any{"summary": fmt.Sprintf("round %d replica %d", round, i)}, "If-Match", version).status
					}()
				}
				wg.Wait()
				for _, s := range statuses {
					switch s {
					case http.StatusOK:
						wins++
					case http.StatusPreconditionFailed:
						preconditions++
					default:
						t.Errorf("PATCH round %d: %d", round, s)
					}
				}
				if !(statuses[0] == 200 && statuses[1] == 412 || statuses[0] == 412 && statuses[1] == 200) {
					t.Errorf("PATCH round %d: statuses %v, want one 200 and one 412", round, statuses)
				}
			}
			// 3. Two reviewers submit agreeing assessments of one finding, one
			// through each replica: exactly one consensus grade, and the claim
			// linking the finding rated once.
			const gradeRounds = 10
			r1, r2 := client{t: t, key: keys["r1"]}, client{t: t, key: keys["r2"]}
			graded := 0
			var claims, findings []int64
			question := ed.do(a.base, "POST", "/api/v1/questions", map[string]any{"therapy": "mesotherapy", "population": "adults with low back pain",
				"intervention": "mesotherapy", "comparator": "placebo", "comparator_kind": "inactive", "outcome": "pain", "timepoint": "4 weeks",
				"outcome_kind": "benefit", "direction": "higher_is_better"}).id()
			for g := range gradeRounds {
				c := ed.do(a.base, "POST", "/api/v1/claims", map[string]any{"therapy": "mesotherapy", "text": fmt.Sprintf("Claim %d relieves back pain.", g),
					"language": "en", "claim_type": "efficacy", "assertion": "effect", "hedge": "likely"}).id()
				src := ed.do(a.base, "POST", "/api/v1/sources", map[string]any{"kind": "rct", "title": fmt.Sprintf("Trial %d", g)}).id()
				f := ed.do(a.base, "POST", "/api/v1/findings", map[string]any{"question_id": question, "summary": fmt.Sprintf("Trial %d", g),
					"measure": "mean_difference", "estimate": 2.0, "ci_low": 1.0, "ci_high": 3.0, "threshold": 1.0}).id()
				ed.do(a.base, "POST", fmt.Sprintf("/api/v1/findings/%d/sources", f), map[string]any{"source_id": src})
				ed.do(a.base, "POST", fmt.Sprintf("/api/v1/claims/%d/findings", c), map[string]any{"finding_id": f, "stance": "supports"})
				draft := map[string]any{"risk_of_bias": "serious", "reasons": map[string]string{"risk_of_bias": "Outcome assessors were not blinded."},
					"rationale": "Outcome assessors were not blinded."}
				for _, r := range []client{r1, r2} {
					if res := r.do(a.base, "PUT", fmt.Sprintf("/api/v1/findings/%d/assessments/me", f), draft); res.status != http.StatusCreated {
						t.Fatalf("draft: %d %v", res.status, res.body)
					}
				}
				var wg sync.WaitGroup
				grades := make([]bool, 2)
				for i, r := range []client{r1, r2} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						res := r.do(replicas[i], "POST", fmt.Sprintf("/api/v1/findings/%d/assessments/me/submit", f), nil)
						if res.status != http.StatusOK {
							t.Errorf("submit %d via replica %d: %d %v", f, i, res.status, res.body)
						}
						grades[i] = res.body["grade"] != nil
					}()
				}
				wg.Wait()
				if grades[0] != grades[1] {
					graded++
				} else {
					t.Errorf("finding %d: submits answered grades %v, want exactly one", f, grades)
				}
				claims, findings = append(claims, c), append(findings, f)
			}
			st, err := store.Open(context.Background(), dbURL, store.Options{MaxOpenConns: 2}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var dupSources, gradeRows, rated, ratedEvents int64
			st.DB().Raw("SELECT COUNT(*) - COUNT(DISTINCT title) FROM sources WHERE title LIKE 'replica-%'").Scan(&dupSources)
			st.DB().Raw("SELECT COUNT(*) FROM finding_grades WHERE finding_id IN ?", findings).Scan(&gradeRows)
			// Moderate certainty, an effect above the threshold, "likely": accurate.
			st.DB().Raw("SELECT COUNT(*) FROM claims WHERE id IN ? AND rating = 'accurate' AND certainty = 'moderate'", claims).Scan(&rated)
			st.DB().Raw("SELECT COUNT(*) FROM audit_events WHERE claim_id IN ? AND action = 'claim.rated'", claims).Scan(&ratedEvents)
			if rated != gradeRounds || ratedEvents != gradeRounds {
				t.Errorf("claims rated accurate at moderate = %d, claim.rated events = %d; want %d each", rated, ratedEvents, gradeRounds)
			}
			t.Logf("two replicas (%s): idempotency: %d keys, %d executions, %d replays, %d 409s while running, %d duplicate rows",
				b.Name, keyRounds, executions, replays, conflicts, dupSources)
			t.Logf("two replicas (%s): If-Match: %d rounds, %d won, %d 412", b.Name, patchRounds, wins, preconditions)
			t.Logf("two replicas (%s): reviews: %d claims, %d graded by exactly one submit, %d grade rows", b.Name, gradeRounds, graded, gradeRows)
			if executions != keyRounds || dupSources != 0 || wins != patchRounds || preconditions != patchRounds || gradeRows != gradeRounds {
				t.Errorf("want %d executions, 0 duplicates, %d wins and 412s, %d grades", keyRounds, patchRounds, gradeRounds)
			}
			for _, p := range []*process{a, bb} {
				p.cmd.Process.Signal(syscall.SIGTERM)
				if err := <-p.done; err != nil {
					t.Errorf("replica exit: %v\n%s", err, p.stderr.String())
				}
			}
		})
	}
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
