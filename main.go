// Command claimgrade serves the claimgrade API and manages its database.
//
//	@title						claimgrade API
//	@version					1.0
//	@description				Records what web articles claim about therapies, links each claim to where it appears and to the evidence that supports or refutes it, grades the certainty of that evidence with GRADE, and flags the claims that nothing supports.
//	@description				Errors are RFC 9457 problem details (application/problem+json). Lists are keyset-paginated: follow next_cursor or the Link header. Single resources carry an ETag; updates need If-Match.
//	@description				Authorize with an API key: click Authorize and enter `Bearer cg_...` (the bare key works too).
//	@description				Every path is absolute: the API's own start with /api/v1, so a generated client's base URL is the server's origin (https://host), not https://host/api/v1.
//	@BasePath					/
//	@securityDefinitions.apikey	ApiKeyAuth
//	@in							header
//	@name						Authorization
//	@description				"Bearer <API key>", e.g. Bearer cg_3J9x... Keys come from `claimgrade keys create` or POST /api/v1/keys.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"claimgrade/api"
	"claimgrade/models"
	"claimgrade/store"
	"claimgrade/sweep"
	"claimgrade/webhook"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "claimgrade:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  claimgrade [serve]                          serve the API on ADDR (default :8080)
  claimgrade migrate up|down|status           manage the database schema
  claimgrade seed                             load the demo dataset (idempotent)
  claimgrade keys create --name N --role R    issue an API key (printed alone on the last line)
  claimgrade keys list                        list keys (never their secrets)
  claimgrade keys revoke ID                   revoke a key
configuration is read from the environment: see README.md`

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := api.LoadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	cmd, rest := "serve", []string{}
	if len(args) > 1 {
		cmd, rest = args[1], args[2:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log, stdout)
	case "migrate":
		return migrate(ctx, cfg, log, rest, stdout)
	case "seed":
		return seedCommand(ctx, cfg, log, stdout)
	case "keys":
		return keys(ctx, cfg, log, rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

func openStore(ctx context.Context, cfg api.Config, log *slog.Logger) (*store.Store, error) {
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := store.Open(openCtx, cfg.DatabaseURL, cfg.DB, log)
	if err != nil {
		return nil, err
	}
	// Every derivation (the seed's too) measures a search's age against it.
	st.SetSearchStaleAfter(cfg.SearchStaleAfter)
	return st, nil
}

// openMigrated opens the store and applies pending migrations, for the
// commands that need the current schema.
func openMigrated(ctx context.Context, cfg api.Config, log *slog.Logger) (*store.Store, error) {
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	applied, err := st.MigrateUp(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "dialect", st.Dialect(), "migrations", applied)
	}
	return st, nil
}

func serve(ctx context.Context, cfg api.Config, log *slog.Logger, stdout io.Writer) error {
	st, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := bootstrapAdmin(ctx, st, stdout); err != nil {
		return err
	}
	if cfg.Seed {
		if err := seedIfEmpty(ctx, st, log, cfg.RequiredReviews); err != nil {
			return err
		}
	}
	handler, err := api.NewServer(cfg, st, log)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      max(cfg.RequestTimeout, cfg.BulkTimeout) + 15*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	// The webhook dispatcher runs beside the server in every replica (each
	// delivery is claimed by one of them) and stops with it.
	dispatcher := webhook.NewDispatcher(st.Outbox(), webhook.Options{Policy: cfg.WebhookPolicy(),
		MaxAttempts: cfg.WebhookMaxAttempts, PollInterval: cfg.WebhookPollInterval}, log)
	dispatchCtx, stopDispatch := context.WithCancel(context.WithoutCancel(ctx))
	defer stopDispatch()
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		dispatcher.Run(dispatchCtx)
	}()
	// The search sweep re-derives the claims whose newest evidence search
	// aged past SEARCH_STALE_AFTER (time alone makes them stale_grade). It
	// runs in every replica (on PostgreSQL they skip each other's claims)
	// and stops with the server; a tick cut short rolls back and is redone.
	sweepCtx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSweep()
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		sweep.New(st, sweep.Options{}, log).Run(sweepCtx)
	}()
	if cfg.PprofAddr != "" {
		stopPprof, err := servePprof(cfg.PprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	log.Info("claimgrade serving", "addr", ln.Addr().String(), "database", st.Dialect(),
		"swagger_ui", "http://"+displayAddr(ln.Addr())+"/swagger/index.html")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	// The dispatcher claims nothing more and finishes the attempts in
	// flight while the requests finish; an attempt cut by the grace period
	// is sent again when its lease runs out (at least once).
	stopDispatch()
	stopSweep()
	// Shutdown closes the listener at once (new connections are refused)
	// and waits for the requests in flight; past the grace period the
	// connections still open are cut and the process exits anyway.
	shutdownErr := srv.Shutdown(shutdownCtx)
	select {
	case <-dispatched:
	case <-shutdownCtx.Done():
		log.Warn("webhook attempts still running after the grace period; their deliveries will be sent again")
	}
	select {
	case <-swept:
	case <-shutdownCtx.Done():
		log.Warn("the search sweep did not stop within the grace period; its claims are swept again at the next start")
	}
	if shutdownErr != nil {
		srv.Close()
		return fmt.Errorf("shutdown: requests still running after the grace period of %s were cut: %w", cfg.ShutdownTimeout, shutdownErr)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// bootstrapAdmin creates and prints an admin key when no key exists, so
// that a fresh install can be administered. The key is shown only here.
func bootstrapAdmin(ctx context.Context, st *store.Store, stdout io.Writer) error {
	n, err := st.CountKeys(ctx)
	if err != nil || n > 0 {
		return err
	}
	key, _, err := st.CreateKey(ctx, store.System("bootstrap"), "admin", models.RoleAdmin)
	if err != nil {
		return fmt.Errorf("create the first admin key: %w", err)
	}
	fmt.Fprintf(stdout, "No API key existed, so an admin key was created. It is shown only now; store it safely:\n%s\n", key)
	return nil
}

func migrate(ctx context.Context, cfg api.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: claimgrade migrate up|down|status")
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "up":
		applied, err := st.MigrateUp(ctx)
		for _, a := range applied {
			fmt.Fprintln(stdout, "applied", a)
		}
		if err == nil && len(applied) == 0 {
			fmt.Fprintln(stdout, "up to date")
		}
		return err
	case "down":
		path, err := st.MigrateDown(ctx)
		if err == nil {
			fmt.Fprintln(stdout, "rolled back", path)
		}
		return err
	case "status":
		statuses, err := st.MigrationStatuses(ctx)
		if err != nil {
			return err
		}
		for _, s := range statuses {
			state := "pending"
			if s.Applied {
				state = "applied " + s.AppliedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%05d  %-28s %s\n", s.Version, s.Path, state)
		}
		return nil
	}
	return fmt.Errorf("unknown migrate command %q: want up, down or status", args[0])
}

func keys(ctx context.Context, cfg api.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: claimgrade keys create --name N --role R | list | revoke ID")
	}
	st, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("keys create", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		name := fs.String("name", "", "user name")
		role := fs.String("role", "reader", "reader, reviewer, editor or admin")
		if err := fs.Parse(args[1:]); err != nil {
			return fmt.Errorf("keys create: %w", err)
		}
		key, k, err := st.CreateKey(ctx, store.System("cli"), *name, models.Role(*role))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created key %d (%s…) for %s, role %s; the key is shown only now:\n%s\n", k.ID, k.Prefix, k.User.Name, k.User.Role, key)
		return nil
	case "list":
		after := int64(0)
		for {
			rows, next, err := st.ListKeys(ctx, store.Page{Limit: store.MaxLimit, After: after})
			if err != nil {
				return err
			}
			for _, k := range rows {
				state := "active"
				if k.RevokedAt != nil {
					state = "revoked " + k.RevokedAt.Format(time.RFC3339)
				}
				fmt.Fprintf(stdout, "%d\t%s…\t%s\t%s\t%s\n", k.ID, k.Prefix, k.User.Name, k.User.Role, state)
			}
			if next == "" {
				return nil
			}
			after, _ = store.DecodeCursor(next)
		}
	case "revoke":
		if len(args) != 2 {
			return errors.New("usage: claimgrade keys revoke ID")
		}
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			return fmt.Errorf("keys revoke: %q is not a key id", args[1])
		}
		k, err := st.RevokeKey(ctx, store.System("cli"), id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked key %d (%s…) of %s\n", k.ID, k.Prefix, k.User.Name)
		return nil
	}
	return fmt.Errorf("unknown keys command %q: want create, list or revoke", args[0])
}

// servePprof serves net/http/pprof on addr (PPROF_ADDR, a loopback address
// checked by api.LoadConfig) on its own listener and mux, apart from the
// API, and returns the function that stops it.
func servePprof(addr string, log *slog.Logger) (func(), error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("PPROF_ADDR: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	log.Info("pprof serving", "addr", ln.Addr().String())
	return func() { srv.Close() }, nil
}
