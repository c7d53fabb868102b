package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"claimgrade/grading"
	"claimgrade/store"
)

// Dataset shape: per claim 5 appearances (web articles) and, for four claims
// in five, one or two linked findings; every fifth claim links none
// (unsupported).
const (
	therapies    = 20
	webSources   = 45000
	trialSources = 5000
	questions    = 2000
	findings     = 200000
	appearances  = 5
)

// texts are the claims' wordings, in four languages, so that q= has
// accented and multilingual matches; %d makes each claim's text unique.
var texts = []struct {
	lang, text string
	typ        grading.ClaimType
	assertion  grading.Assertion
}{
	{"de", "Die Mesotherapie ist nahezu schmerzfrei (Behauptung %d)", grading.ClaimSafety, grading.AssertAbsence},
	{"it", "La mesoterapia riduce il dolore lombare (affermazione %d)", grading.ClaimEfficacy, grading.AssertEffect},
	{"fr", "La mésothérapie soulage la douleur plus vite (affirmation %d)", grading.ClaimEfficacy, grading.AssertEffect},
	{"en", "Infusion therapy relieves back pain (claim %d)", grading.ClaimEfficacy, grading.AssertEffect},
	{"en", "Acupuncture helps with sleep, experts say (claim %d)", grading.ClaimMechanism, grading.AssertOther},
}

type ids struct{ therapy, web, trial, question, finding, claim int64 }

// generate fills an empty, migrated PostgreSQL database with n claims: the
// catalogue by generate_series, a template finding through the store (its
// flags are what the rules give every generated finding of the same shape),
// and the claims, links, finding links and flags by COPY, their derived
// fields computed with grading.DeriveClaim.
func generate(ctx context.Context, st *store.Store, conn *pgx.Conn, n int, logf func(string, ...any)) error {
	t0 := time.Now()
	now := time.Now().UTC().Truncate(time.Microsecond)
	exec := func(sql string, args ...any) error {
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			return fmt.Errorf("%.80s: %w", sql, err)
		}
		return nil
	}
	// The template: one question, one trial, one finding through the store.
	if err := exec(`INSERT INTO therapies (slug, name, description, created_at, updated_at)
		SELECT 'therapy-' || i, 'Therapy ' || i, '', $1, $1 FROM generate_series(1, $2) i`, now, therapies); err != nil {
		return err
	}
	a := store.Actor{Name: "benchscale"}
	q, err := st.CreateQuestion(ctx, a, store.QuestionInput{Therapy: "therapy-1", Population: "adults", Intervention: "therapy 1",
		ComparatorKind: grading.ComparatorInactive, Comparator: ptr("placebo"), Outcome: "pain", Timepoint: "4 weeks", OutcomeKind: grading.OutcomeBenefit})
	if err != nil {
		return fmt.Errorf("template question: %w", err)
	}
	src, err := st.CreateSource(ctx, a, store.SourceInput{Kind: grading.KindRCT, Title: "Template trial"})
	if err != nil {
		return fmt.Errorf("template source: %w", err)
	}
	tf, err := st.CreateFinding(ctx, a, store.FindingInput{QuestionID: q.ID, Summary: "Template trial"})
	if err != nil {
		return fmt.Errorf("template finding: %w", err)
	}
	if _, err := st.AttachSource(ctx, a, tf.ID, store.FindingSourceInput{SourceID: src.ID}); err != nil {
		return fmt.Errorf("template attachment: %w", err)
	}
	var templateFlags []string
	rows, _ := conn.Query(ctx, "SELECT flag FROM finding_flags WHERE finding_id = $1 ORDER BY flag", tf.ID)
	if templateFlags, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return fmt.Errorf("template flags: %w", err)
	}

	var base ids
	if err := conn.QueryRow(ctx, `SELECT (SELECT MIN(id) FROM therapies), (SELECT MAX(id) FROM sources), (SELECT MAX(id) FROM questions),
		(SELECT MAX(id) FROM findings)`).Scan(&base.therapy, &base.web, &base.question, &base.finding); err != nil {
		return err
	}
	base.web++
	base.trial = base.web + webSources
	base.question++
	base.finding++
	base.claim = 1
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"sources", `INSERT INTO sources (id, kind, title, url, language, retracted, search_text, version, created_at, updated_at)
			SELECT $1 + i, 'web_article', 'Health article ' || i, 'https://example.org/article/' || i, 'en', false, 'health article ' || i, 1, $3, $3
			FROM generate_series(0, $2 - 1) i`, []any{base.web, webSources, now}},
		{"trials", `INSERT INTO sources (id, kind, title, pmid, language, retracted, search_text, version, created_at, updated_at)
			SELECT $1 + i, 'rct', 'Randomised trial ' || i, (900000 + i)::text, 'en', false, 'randomised trial ' || i, 1, $3, $3
			FROM generate_series(0, $2 - 1) i`, []any{base.trial, trialSources, now}},
		{"questions", `INSERT INTO questions (id, therapy_id, population, intervention, comparator, comparator_kind, outcome, timepoint, outcome_kind, version, created_at, updated_at)
			SELECT $1 + i, $3 + i % $4, 'adults', 'therapy ' || (i % $4 + 1), 'placebo', 'inactive', 'pain ' || i, '4 weeks', 'benefit', 1, $5, $5
			FROM generate_series(0, $2 - 1) i`, []any{base.question, questions, base.therapy, therapies, now}},
		{"findings", `INSERT INTO findings (id, question_id, summary, version, created_at, updated_at)
			SELECT $1 + i, $3 + i % $4, 'Trial ' || i, 1, $5, $5 FROM generate_series(0, $2 - 1) i`,
			[]any{base.finding, findings, base.question, questions, now}},
		{"finding sources", `INSERT INTO finding_sources (finding_id, source_id, version, created_at, updated_at)
			SELECT $1 + i, $3 + i % $4, 1, $5, $5 FROM generate_series(0, $2 - 1) i`,
			[]any{base.finding, findings, base.trial, trialSources, now}},
		{"finding flags", `INSERT INTO finding_flags (flag, finding_id) SELECT f, $1 + i FROM generate_series(0, $2 - 1) i, unnest($3::text[]) f`,
			[]any{base.finding, findings, templateFlags}},
	}
	for _, s := range steps {
		if err := exec(s.sql, s.args...); err != nil {
			return fmt.Errorf("generate %s: %w", s.what, err)
		}
	}
	logf("catalogue: %d sources, %d questions, %d findings (flags %v) in %s", webSources+trialSources, questions, findings, templateFlags, time.Since(t0).Round(time.Millisecond))

	// Claims, derived in Go, then their links and flags, by COPY.
	t1 := time.Now()
	type link struct {
		finding int64
		stance  grading.Stance
	}
	claimRows := make([][]any, 0, n)
	var flagRows, linkRows, cfRows [][]any
	for i := range n {
		id := base.claim + int64(i)
		tx := texts[i%len(texts)]
		text := fmt.Sprintf(tx.text, i)
		var links []link
		if i%5 != 0 {
			links = append(links, link{base.finding + int64(i%findings), grading.Supports})
			if i%3 == 0 {
				if f := base.finding + int64((i*7+3)%findings); f != links[0].finding {
					links = append(links, link{f, grading.Refutes})
				}
			}
		}
		slices.SortFunc(links, func(a, b link) int { return int(a.finding - b.finding) })
		state := grading.ClaimState{Wording: grading.WordingOf(tx.typ, tx.assertion, nil, grading.HedgeNone), Appearances: appearances}
		for _, l := range links {
			qi := (l.finding - base.finding) % questions
			outcome := fmt.Sprintf("pain %d", qi)
			state.Findings = append(state.Findings, grading.ClaimFinding{LinkedFinding: grading.LinkedFinding{
				FindingID: l.finding, Label: outcome + ", 4 weeks", Stance: l.stance,
				Question: grading.Question{ComparatorKind: grading.ComparatorInactive, OutcomeKind: grading.OutcomeBenefit, Outcome: outcome, Timepoint: "4 weeks"}}})
		}
		d, err := grading.DeriveClaim(state)
		if err != nil {
			return fmt.Errorf("derive claim %d: %w", id, err)
		}
		created := now.Add(time.Duration(i) * time.Millisecond)
		claimRows = append(claimRows, []any{id, base.therapy + int64(i%therapies), text, tx.lang, string(tx.typ), string(tx.assertion),
			"none", store.SearchText(&text), string(d.Rating.Rating), string(d.Rating.Source), d.Rating.Explanation, created,
			certaintyText(d.Certainty), d.Support, d.Refute, d.Appearances, d.Basis, int64(1), created, created, ""})
		flags := slices.Clone(d.Flags)
		slices.Sort(flags)
		for _, f := range flags {
			flagRows = append(flagRows, []any{string(f), id})
		}
		for k := range appearances {
			linkRows = append(linkRows, []any{id, base.web + int64((i*appearances+k)%webSources), "appearance",
				fmt.Sprintf("Excerpt %d of claim %d", k, i), int64(1), created, created})
		}
		for _, l := range links {
			cfRows = append(cfRows, []any{id, l.finding, string(l.stance), int64(1), created, created})
		}
	}
	logf("derived %d claims in %s", n, time.Since(t1).Round(time.Millisecond))
	copies := []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"claims", []string{"id", "therapy_id", "text", "language", "claim_type", "assertion", "hedge", "search_text", "rating",
			"rating_source", "rating_explanation", "rated_at", "certainty", "support_count", "refute_count", "appearance_count",
			"evidence_basis", "version", "created_at", "updated_at", "summary"}, claimRows},
		{"claim_flags", []string{"flag", "claim_id"}, flagRows},
		{"links", []string{"claim_id", "source_id", "role", "excerpt", "version", "created_at", "updated_at"}, linkRows},
		{"claim_findings", []string{"claim_id", "finding_id", "stance", "version", "created_at", "updated_at"}, cfRows},
	}
	for _, c := range copies {
		t := time.Now()
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
		logf("copied %d %s in %s", len(c.rows), c.table, time.Since(t).Round(time.Millisecond))
	}
	for _, t := range []string{"therapies", "sources", "questions", "findings", "finding_sources", "claims", "links", "claim_findings"} {
		if err := exec(fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))", t, t)); err != nil {
			return err
		}
	}
	if err := exec("ANALYZE"); err != nil {
		return err
	}
	logf("dataset: %d claims, %d links, %d finding links, %d flags in %s", n, len(linkRows), len(cfRows), len(flagRows), time.Since(t0).Round(time.Millisecond))
	return nil
}

// verify re-derives a random sample of claims with the store's own
// derivation and fails on any difference.
func verify(ctx context.Context, st *store.Store, n, sample int) error {
	r := rand.New(rand.NewPCG(1, 2))
	ids := make([]int64, 0, sample)
	for range sample {
		ids = append(ids, 1+r.Int64N(int64(n)))
	}
	bad, err := st.VerifyDerived(ctx, ids)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		for _, b := range bad[:min(len(bad), 5)] {
			fmt.Println(b)
		}
		return fmt.Errorf("%d of %d sampled claims differ from the rules", len(bad), len(ids))
	}
	return nil
}

func certaintyText(c *grading.Certainty) any {
	if c == nil {
		return nil
	}
	return string(*c)
}

func ptr[T any](v T) *T { return &v }
