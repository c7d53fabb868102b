package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/review"
	"claimgrade/store"
)

// Dataset shape: per claim 5 appearances (web articles) and, for four claims
// in five, one or two linked findings; every fifth claim links none
// (unsupported). Four findings in five are graded (see shapes).
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

// shape is one kind of generated finding: a single randomised trial's
// effect on a benefit outcome (a risk ratio of responders, threshold 1.25)
// and, when graded, an editor's adjudicated judgements. Against an
// unhedged efficacy claim the rules rate them accurate, overstated, false
// and unproven; the last shape stays ungraded (not_rated).
type shape struct {
	name       string
	estimate   [3]float64 // estimate, CI low, CI high
	judgements *grading.DomainJudgements
	// Template: the finding made through the store and the review path,
	// whose stored grade, certainty and flags the generated findings of
	// this shape are checked against.
	template int64
}

func judgements(edit func(*grading.DomainJudgements)) *grading.DomainJudgements {
	j := grading.NoConcerns()
	edit(&j)
	return &j
}

var shapes = []shape{
	{name: "important effect, high certainty", estimate: [3]float64{1.6, 1.4, 1.8},
		judgements: judgements(func(*grading.DomainJudgements) {})},
	{name: "important effect, low certainty", estimate: [3]float64{1.6, 1.1, 2.3},
		judgements: judgements(func(j *grading.DomainJudgements) {
			j.RiskOfBias, j.Imprecision = grading.Serious, grading.Serious
			j.Reasons = map[string]string{"risk_of_bias": "Open label, self-reported pain.", "imprecision": "The CI includes effects below the threshold."}
		})},
	{name: "no important effect, high certainty", estimate: [3]float64{1.02, 0.95, 1.1},
		judgements: judgements(func(*grading.DomainJudgements) {})},
	{name: "no important effect, low certainty", estimate: [3]float64{1.05, 0.8, 1.4},
		judgements: judgements(func(j *grading.DomainJudgements) {
			j.RiskOfBias, j.Imprecision = grading.Serious, grading.Serious
			j.Reasons = map[string]string{"risk_of_bias": "Open label, self-reported pain.", "imprecision": "The CI includes the threshold and no effect."}
		})},
	{name: "ungraded", estimate: [3]float64{1.3, 1.1, 1.5}},
}

const (
	threshold    = 1.25
	participants = 400
	editorName   = "benchscale-editor"
)

// shapeOf is the shape of generated finding k (0-based); not k % 5, which
// would follow the claim text a claim linking finding k has.
func shapeOf(k int64) int { return int(k/5) % len(shapes) }

// gen is the generated dataset's fixed parts: first ids, the editor who
// adjudicates, the time, and each shape's finding body parts.
type gen struct {
	base     ids
	editorID int64
	now      time.Time
	required int
}

type ids struct{ therapy, web, trial, question, finding, grade, claim int64 }

// question is generated question qi as the rules read it.
func questionOf(qi int64) grading.Question {
	return grading.Question{Population: "adults", Intervention: fmt.Sprintf("therapy %d", qi%therapies+1), Comparator: ptr("placebo"),
		ComparatorKind: grading.ComparatorInactive, Outcome: fmt.Sprintf("pain %d", qi), Timepoint: "4 weeks", OutcomeKind: grading.OutcomeBenefit,
		Direction: grading.HigherIsBetter} // a risk ratio of pain relief; the questions table's default direction
}

func effectOf(s shape) grading.EffectEstimate {
	return grading.EffectEstimate{Measure: grading.MeasureRiskRatio, Estimate: ptr(s.estimate[0]), CILow: ptr(s.estimate[1]),
		CIHigh: ptr(s.estimate[2]), Participants: ptr(int64(participants)), Studies: ptr(int64(1)), Threshold: ptr(threshold)}
}

// graded is a finding's grade and flags as the rules give them.
type graded struct {
	grade     *models.FindingGrade // nil when ungraded
	flags     []grading.Flag
	certainty *grading.Certainty
}

// dissent is the second benchmark reviewer's judgements on shape s: s's
// own with publication bias rated down, so that the two disagree and an
// editor adjudicates within their range (grading.AdjudicateBody only
// settles a disagreement).
func dissent(s shape) grading.DomainJudgements {
	j := *s.judgements
	j.Reasons = maps.Clone(j.Reasons)
	if j.Reasons == nil {
		j.Reasons = map[string]string{}
	}
	j.PublicationBias, j.Reasons["publication_bias"] = grading.Serious, "Benchmark: a dissent for the editor to settle."
	return j
}

// gradeOf grades a finding of shape s with body b as the editor's
// adjudication of two disagreeing reviewers does (review.AdjudicateFinding)
// and derives its flags (store.refreshFindingFlags). The generated grades
// carry no assessments (assessment_ids []: the benchmark loads none); the
// template findings' grades rest on their two reviewers' assessments.
func (g *gen) gradeOf(s shape, b grading.Body) (graded, error) {
	var out graded
	st := grading.FindingState{Body: b, RequiredReviews: g.required}
	if s.judgements != nil {
		rationale := "Benchmark grade: " + s.name + "."
		var submitted []grading.FindingAssessment
		for _, j := range []grading.DomainJudgements{*s.judgements, dissent(s)} {
			d, err := grading.GradeBody(b, j)
			if err != nil {
				return out, fmt.Errorf("assess %s: %w", s.name, err)
			}
			submitted = append(submitted, grading.FindingAssessment{Judgements: j, Start: d.Start, Certainty: d.Result})
		}
		d, err := grading.AdjudicateBody(b, grading.Adjudication{Editor: editorName, Judgements: *s.judgements, Rationale: rationale,
			Submitted: submitted, RequiredReviews: g.required})
		if err != nil {
			return out, fmt.Errorf("grade %s: %w", s.name, err)
		}
		out.grade = &models.FindingGrade{Certainty: d.Result.Ptr(), Judgements: *s.judgements, Method: grading.MethodAdjudicated,
			Rationale: rationale, DecidedByID: &g.editorID, DecidedBy: editorName, DecidedAt: g.now, AssessmentIDs: []int64{},
			Fingerprint: b.Fingerprint(), Derivation: d}
		out.certainty = d.Result.Ptr()
		st.Grade = &grading.FindingGrade{Certainty: d.Result, Fingerprint: out.grade.Fingerprint, DecidedAt: g.now}
	}
	out.flags = grading.FindingFlagsOf(st)
	return out, nil
}

// body is generated finding k's body of evidence.
func (g *gen) body(k int64) grading.Body {
	return grading.Body{Question: questionOf(k % questions), Effect: effectOf(shapes[shapeOf(k)]),
		Sources: []grading.BodySource{{SourceID: g.base.trial + k%trialSources, Kind: grading.KindRCT}}}
}

// generate fills an empty, migrated PostgreSQL database with n claims in
// bounded memory: the catalogue by generate_series; one template finding
// per shape through the store and the review path (an editor's
// adjudication), against which the grading of generated findings is
// checked; then findings, grades, claims, links, finding links and flags
// streamed by COPY from generators, their derived fields computed with the
// rules (grading.AdjudicateBody, FindingFlagsOf, DeriveClaim). Secondary
// indexes and foreign keys of the bulk tables are dropped for the load and
// made again after it, then the database is analysed.
func generate(ctx context.Context, st *store.Store, dbURL string, conn *pgx.Conn, n int, logf func(string, ...any)) error {
	t0 := time.Now()
	g := &gen{now: time.Now().UTC().Truncate(time.Microsecond), required: st.RequiredReviews()}
	exec := func(sql string, args ...any) error {
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			return fmt.Errorf("%.80s: %w", sql, err)
		}
		return nil
	}
	if err := exec(`INSERT INTO therapies (slug, name, description, created_at, updated_at)
		SELECT 'therapy-' || i, 'Therapy ' || i, '', $1, $1 FROM generate_series(1, $2) i`, g.now, therapies); err != nil {
		return err
	}
	if err := g.templates(ctx, st, conn); err != nil {
		return err
	}
	if err := conn.QueryRow(ctx, `SELECT (SELECT MIN(id) FROM therapies), (SELECT MAX(id) FROM sources), (SELECT MAX(id) FROM questions),
		(SELECT MAX(id) FROM findings), (SELECT MAX(id) FROM finding_grades)`).Scan(&g.base.therapy, &g.base.web, &g.base.question,
		&g.base.finding, &g.base.grade); err != nil {
		return err
	}
	g.base.web++
	g.base.trial = g.base.web + webSources
	g.base.question++
	g.base.finding++
	g.base.grade++
	g.base.claim = 1
	logf("templates: %d findings graded through the store and the review path in %s", len(shapes), time.Since(t0).Round(time.Millisecond))

	bulk := []string{"sources", "questions", "findings", "finding_sources", "finding_flags", "finding_grades", "claims", "claim_flags", "links", "claim_findings"}
	restore, err := dropForLoad(ctx, conn, bulk)
	if err != nil {
		return err
	}
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"sources", `INSERT INTO sources (id, kind, title, url, language, retracted, search_text, version, created_at, updated_at)
			SELECT $1 + i, 'web_article', 'Health article ' || i, 'https://example.org/article/' || i, 'en', false, 'health article ' || i, 1, $3, $3
			FROM generate_series(0, $2 - 1) i`, []any{g.base.web, webSources, g.now}},
		{"trials", `INSERT INTO sources (id, kind, title, pmid, language, retracted, search_text, version, created_at, updated_at)
			SELECT $1 + i, 'rct', 'Randomised trial ' || i, (900000 + i)::text, 'en', false, 'randomised trial ' || i, 1, $3, $3
			FROM generate_series(0, $2 - 1) i`, []any{g.base.trial, trialSources, g.now}},
		{"questions", `INSERT INTO questions (id, therapy_id, population, intervention, comparator, comparator_kind, outcome, timepoint, outcome_kind, version, created_at, updated_at)
			SELECT $1 + i, $3 + i % $4, 'adults', 'therapy ' || (i % $4 + 1), 'placebo', 'inactive', 'pain ' || i, '4 weeks', 'benefit', 1, $5, $5
			FROM generate_series(0, $2 - 1) i`, []any{g.base.question, questions, g.base.therapy, therapies, g.now}},
		{"finding sources", `INSERT INTO finding_sources (finding_id, source_id, version, created_at, updated_at)
			SELECT $1 + i, $3 + i % $4, 1, $5, $5 FROM generate_series(0, $2 - 1) i`,
			[]any{g.base.finding, findings, g.base.trial, trialSources, g.now}},
	}
	for _, s := range steps {
		if err := exec(s.sql, s.args...); err != nil {
			return fmt.Errorf("generate %s: %w", s.what, err)
		}
	}

	// Findings, their grades and flags: graded per finding (each body has
	// its own question and trial, so its own fingerprint).
	var made [2]int
	err = copyStreams(ctx, dbURL, []copySpec{
		{"findings", []string{"id", "question_id", "measure", "estimate", "ci_low", "ci_high", "participants", "studies", "threshold",
			"summary", "certainty", "grade_id", "disagreements", "version", "created_at", "updated_at"}},
		{"finding_grades", []string{"id", "finding_id", "certainty", "judgements", "method", "rationale", "decided_by_id", "decided_by",
			"decided_at", "assessment_ids", "fingerprint", "derivation"}},
		{"finding_flags", []string{"flag", "finding_id"}},
	}, func(emit func(table int, row []any)) error {
		grade := g.base.grade
		for k := range int64(findings) {
			s := shapes[shapeOf(k)]
			r, err := g.gradeOf(s, g.body(k))
			if err != nil {
				return err
			}
			id := g.base.finding + k
			var gradeID any
			if r.grade != nil {
				jb, _ := json.Marshal(r.grade.Judgements)
				db, _ := json.Marshal(r.grade.Derivation)
				emit(1, []any{grade, id, certaintyText(r.grade.Certainty), string(jb), string(r.grade.Method), r.grade.Rationale, g.editorID,
					r.grade.DecidedBy, g.now, "[]", r.grade.Fingerprint, string(db)})
				gradeID = grade
				grade++
				made[0]++
			}
			emit(0, []any{id, g.base.question + k%questions, string(grading.MeasureRiskRatio), s.estimate[0], s.estimate[1], s.estimate[2],
				int64(participants), int64(1), threshold, fmt.Sprintf("Trial %d", k), certaintyText(r.certainty), gradeID, "[]", int64(1), g.now, g.now})
			for _, f := range r.flags {
				emit(2, []any{string(f), id})
				made[1]++
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("generate findings: %w", err)
	}
	logf("catalogue: %d sources, %d questions, %d findings (%d graded), %d finding flags in %s", webSources+trialSources, questions,
		findings, made[0], made[1], time.Since(t0).Round(time.Millisecond))

	// Claims, derived with the rules, and their links and flags.
	t2 := time.Now()
	var counts [4]int
	ratings := map[grading.Rating]int{}
	err = copyStreams(ctx, dbURL, []copySpec{
		{"claims", []string{"id", "therapy_id", "text", "language", "claim_type", "assertion", "hedge", "search_text", "rating",
			"rating_source", "rating_explanation", "rated_at", "certainty", "support_count", "refute_count", "appearance_count",
			"evidence_basis", "version", "created_at", "updated_at", "summary", "rating_reason", "rating_facts", "certainty_basis"}},
		{"claim_flags", []string{"flag", "claim_id"}},
		{"links", []string{"claim_id", "source_id", "role", "excerpt", "version", "created_at", "updated_at"}},
		{"claim_findings", []string{"claim_id", "finding_id", "stance", "version", "created_at", "updated_at"}},
	}, func(emit func(table int, row []any)) error {
		type link struct {
			k      int64 // finding index
			stance grading.Stance
		}
		certs := make([]*grading.Certainty, len(shapes))
		for i, s := range shapes {
			r, err := g.gradeOf(s, g.body(int64(i*5)))
			if err != nil {
				return err
			}
			certs[i] = r.certainty // a shape's certainty does not depend on its question or trial
		}
		for i := range n {
			id := g.base.claim + int64(i)
			tx := texts[i%len(texts)]
			text := fmt.Sprintf(tx.text, i)
			var links []link
			if i%5 != 0 {
				links = append(links, link{int64(i % findings), grading.Supports})
				if i%3 == 0 {
					if k := int64((i*7 + 3) % findings); k != links[0].k {
						links = append(links, link{k, grading.Refutes})
					}
				}
			}
			slices.SortFunc(links, func(a, b link) int { return int(a.k - b.k) })
			state := grading.ClaimState{Wording: grading.WordingOf(tx.typ, tx.assertion, nil, nil, grading.HedgeNone), Appearances: appearances}
			for _, l := range links {
				q := questionOf(l.k % questions)
				state.Findings = append(state.Findings, grading.ClaimFinding{LinkedFinding: grading.LinkedFinding{
					FindingID: g.base.finding + l.k, Label: q.Outcome + ", " + q.Timepoint, Stance: l.stance,
					Question: grading.Question{ComparatorKind: q.ComparatorKind, OutcomeKind: q.OutcomeKind, Direction: q.Direction,
						Outcome: q.Outcome, Timepoint: q.Timepoint},
					Effect: effectOf(shapes[shapeOf(l.k)]), Certainty: certs[shapeOf(l.k)]}})
			}
			d, err := grading.DeriveClaim(state)
			if err != nil {
				return fmt.Errorf("derive claim %d: %w", id, err)
			}
			ratings[d.Rating.Rating]++
			facts, err := json.Marshal(d.Rating.Facts)
			if err != nil {
				return fmt.Errorf("encode the facts of claim %d: %w", id, err)
			}
			var basis any
			if d.CertaintyBasis != nil {
				basis = string(*d.CertaintyBasis)
			}
			created := g.now.Add(time.Duration(i) * time.Millisecond)
			emit(0, []any{id, g.base.therapy + int64(i%therapies), text, tx.lang, string(tx.typ), string(tx.assertion),
				"none", store.SearchText(&text), string(d.Rating.Rating), string(d.Rating.Source), d.Rating.Explanation, created,
				certaintyText(d.Certainty), d.Support, d.Refute, d.Appearances, d.Basis, int64(1), created, created, "",
				string(d.Rating.Rule), string(facts), basis})
			counts[0]++
			flags := slices.Clone(d.Flags)
			slices.Sort(flags)
			for _, f := range flags {
				emit(1, []any{string(f), id})
				counts[1]++
			}
			for k := range appearances {
				emit(2, []any{id, g.base.web + int64((i*appearances+k)%webSources), "appearance",
					fmt.Sprintf("Excerpt %d of claim %d", k, i), int64(1), created, created})
				counts[2]++
			}
			for _, l := range links {
				emit(3, []any{id, g.base.finding + l.k, string(l.stance), int64(1), created, created})
				counts[3]++
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("generate claims: %w", err)
	}
	var mix []string
	for _, r := range []grading.Rating{grading.RatingAccurate, grading.RatingOverstated, grading.RatingUnproven, grading.RatingFalse, grading.RatingNotRated} {
		mix = append(mix, fmt.Sprintf("%s %d", r, ratings[r]))
	}
	logf("copied %d claims, %d claim flags, %d links, %d finding links in %s; ratings: %s", counts[0], counts[1], counts[2], counts[3],
		time.Since(t2).Round(time.Millisecond), strings.Join(mix, ", "))

	for _, t := range []string{"therapies", "sources", "questions", "findings", "finding_sources", "finding_grades", "claims", "links", "claim_findings"} {
		if err := exec(fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))", t, t)); err != nil {
			return err
		}
	}
	t3 := time.Now()
	if err := restore(); err != nil {
		return err
	}
	if err := exec("ANALYZE"); err != nil {
		return err
	}
	logf("indexes and foreign keys made again, analysed in %s; dataset in %s", time.Since(t3).Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	return nil
}

// templates makes one finding per shape through the store (question, trial,
// finding, attachment) and grades it through the review path (two
// reviewers who disagree, then an editor's adjudication), then checks that
// gradeOf gives the grade, certainty and flags the store recorded (but the
// assessment ids, which only the template has): the generated findings are
// graded by the same rules.
func (g *gen) templates(ctx context.Context, st *store.Store, conn *pgx.Conn) error {
	sys := store.System("benchscale")
	editor, err := st.EnsureUser(ctx, sys, editorName, models.RoleEditor)
	if err != nil {
		return fmt.Errorf("template editor: %w", err)
	}
	g.editorID = editor.ID
	ed := store.ActorFor(editor, "benchscale")
	var reviewers []store.Actor
	for _, name := range []string{"benchscale-reviewer-1", "benchscale-reviewer-2"} {
		u, err := st.EnsureUser(ctx, sys, name, models.RoleReviewer)
		if err != nil {
			return fmt.Errorf("template reviewer: %w", err)
		}
		reviewers = append(reviewers, store.ActorFor(u, "benchscale"))
	}
	q, err := st.CreateQuestion(ctx, sys, store.QuestionInput{Therapy: "therapy-1", Population: "adults", Intervention: "therapy 1",
		ComparatorKind: grading.ComparatorInactive, Comparator: ptr("placebo"), Outcome: "pain", Timepoint: "4 weeks", OutcomeKind: grading.OutcomeBenefit, Direction: grading.HigherIsBetter})
	if err != nil {
		return fmt.Errorf("template question: %w", err)
	}
	src, err := st.CreateSource(ctx, sys, store.SourceInput{Kind: grading.KindRCT, Title: "Template trial"})
	if err != nil {
		return fmt.Errorf("template source: %w", err)
	}
	rv := review.New(st)
	for i := range shapes {
		s := &shapes[i]
		e := effectOf(*s)
		mr := grading.MeasureRiskRatio
		f, err := st.CreateFinding(ctx, sys, store.FindingInput{QuestionID: q.ID, Measure: &mr, Estimate: e.Estimate, CILow: e.CILow,
			CIHigh: e.CIHigh, Participants: e.Participants, Studies: e.Studies, Threshold: e.Threshold, Summary: "Template: " + s.name})
		if err != nil {
			return fmt.Errorf("template finding %s: %w", s.name, err)
		}
		if _, err := st.AttachSource(ctx, sys, f.ID, store.FindingSourceInput{SourceID: src.ID}); err != nil {
			return fmt.Errorf("template attachment: %w", err)
		}
		s.template = f.ID
		var assessmentIDs []int64
		if s.judgements != nil {
			for i, j := range []grading.DomainJudgements{*s.judgements, dissent(*s)} {
				as, _, err := rv.PutFindingAssessment(ctx, reviewers[i], f.ID, 0, review.FindingAssessmentInput{Judgements: j,
					Rationale: "Benchmark assessment."}, g.required)
				if err != nil {
					return fmt.Errorf("template assessment %s: %w", s.name, err)
				}
				if _, _, err := rv.SubmitFindingAssessment(ctx, reviewers[i], f.ID, g.required); err != nil {
					return fmt.Errorf("template submission %s: %w", s.name, err)
				}
				assessmentIDs = append(assessmentIDs, as.ID)
			}
			if err := conn.QueryRow(ctx, "SELECT version FROM findings WHERE id = $1", f.ID).Scan(&f.Version); err != nil {
				return err
			}
			if _, err := rv.AdjudicateFinding(ctx, ed, f.ID, f.Version, review.FindingAssessmentInput{Judgements: *s.judgements,
				Rationale: "Benchmark grade: " + s.name + "."}, g.required); err != nil {
				return fmt.Errorf("template grade %s: %w", s.name, err)
			}
		}
		// What the store recorded against what gradeOf computes.
		var body grading.Body
		if err := st.Review(ctx, func(tx *store.ReviewTx) error { body, err = tx.FindingBody(f.ID); return err }); err != nil {
			return fmt.Errorf("template body: %w", err)
		}
		mine := grading.Body{Question: grading.Question{Population: "adults", Intervention: "therapy 1", Comparator: ptr("placebo"),
			ComparatorKind: grading.ComparatorInactive, Outcome: "pain", Timepoint: "4 weeks", OutcomeKind: grading.OutcomeBenefit,
			Direction: grading.HigherIsBetter},
			Effect: e, Sources: []grading.BodySource{{SourceID: src.ID, Kind: grading.KindRCT}}}
		if body.Fingerprint() != mine.Fingerprint() {
			return fmt.Errorf("template %s: the generator's body differs from the store's", s.name)
		}
		var stored struct {
			certainty, flags, grade string
		}
		if err := conn.QueryRow(ctx, `SELECT COALESCE(f.certainty, ''),
			COALESCE((SELECT string_agg(flag, ',' ORDER BY flag) FROM finding_flags WHERE finding_id = f.id), ''),
			COALESCE((SELECT concat_ws('|', g.certainty, g.judgements, g.method, g.rationale, g.decided_by, g.assessment_ids, g.fingerprint, g.derivation)
				FROM finding_grades g WHERE g.id = f.grade_id), '')
			FROM findings f WHERE f.id = $1`, f.ID).Scan(&stored.certainty, &stored.flags, &stored.grade); err != nil {
			return err
		}
		r, err := g.gradeOf(*s, body)
		if err != nil {
			return err
		}
		flags := make([]string, len(r.flags))
		for i, f := range r.flags {
			flags[i] = string(f)
		}
		slices.Sort(flags)
		want := ""
		if r.grade != nil {
			jb, _ := json.Marshal(r.grade.Judgements)
			db, _ := json.Marshal(r.grade.Derivation)
			ab, _ := json.Marshal(assessmentIDs)
			want = strings.Join([]string{string(grading.Deref(r.grade.Certainty)), string(jb), string(r.grade.Method), r.grade.Rationale, r.grade.DecidedBy,
				string(ab), r.grade.Fingerprint, string(db)}, "|")
		}
		if stored.certainty != string(grading.Deref(r.certainty)) || stored.flags != strings.Join(flags, ",") || stored.grade != want {
			return fmt.Errorf("template %s: the store recorded certainty %q flags %q grade %q; the generator computes %q %q %q",
				s.name, stored.certainty, stored.flags, stored.grade, grading.Deref(r.certainty), strings.Join(flags, ","), want)
		}
	}
	return nil
}

// dropForLoad drops the foreign keys and the secondary indexes (those that
// back no primary key, unique or exclusion constraint) of tables, and
// returns the function that makes them again.
func dropForLoad(ctx context.Context, conn *pgx.Conn, tables []string) (func() error, error) {
	type object struct{ table, name, def string }
	collect := func(sql string) ([]object, error) {
		rows, _ := conn.Query(ctx, sql, tables)
		return pgx.CollectRows(rows, func(r pgx.CollectableRow) (object, error) {
			var o object
			return o, r.Scan(&o.table, &o.name, &o.def)
		})
	}
	fks, err := collect(`SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid WHERE k.contype = 'f' AND c.relname = ANY($1)
		AND c.relnamespace = current_schema()::regnamespace ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("list foreign keys: %w", err)
	}
	idx, err := collect(`SELECT c.relname, ic.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
		JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
		WHERE c.relname = ANY($1) AND c.relnamespace = current_schema()::regnamespace
		AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x')) ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("list indexes: %w", err)
	}
	for _, f := range fks {
		if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s", pgx.Identifier{f.table}.Sanitize(), pgx.Identifier{f.name}.Sanitize())); err != nil {
			return nil, err
		}
	}
	for _, i := range idx {
		if _, err := conn.Exec(ctx, "DROP INDEX "+pgx.Identifier{i.name}.Sanitize()); err != nil {
			return nil, err
		}
	}
	return func() error {
		if _, err := conn.Exec(ctx, "SET maintenance_work_mem = '256MB'"); err != nil {
			return err
		}
		for _, i := range idx {
			if _, err := conn.Exec(ctx, i.def); err != nil {
				return fmt.Errorf("index %s: %w", i.name, err)
			}
		}
		for _, f := range fks {
			if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s", pgx.Identifier{f.table}.Sanitize(),
				pgx.Identifier{f.name}.Sanitize(), f.def)); err != nil {
				return fmt.Errorf("foreign key %s: %w", f.name, err)
			}
		}
		return nil
	}, nil
}

type copySpec struct {
	table string
	cols  []string
}

// copyChunk is how many rows a stream hands its COPY at a time; with a few
// chunks buffered per table the generator's memory stays bounded whatever
// the row count.
const copyChunk = 2000

// copyStreams runs one COPY per spec, each on its own connection, fed by
// produce (which emits rows by table index) through bounded channels.
func copyStreams(ctx context.Context, dbURL string, specs []copySpec, produce func(emit func(table int, row []any)) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	chans := make([]chan [][]any, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		chans[i] = make(chan [][]any, 4)
		c, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			return err
		}
		wg.Go(func() {
			defer c.Close(context.Background())
			src := &chanSource{ctx: ctx, ch: chans[i]}
			if _, err := c.CopyFrom(ctx, pgx.Identifier{s.table}, s.cols, src); err != nil {
				cancel(fmt.Errorf("copy %s: %w", s.table, err))
			}
			for range chans[i] { // drain after a failure, so that the producer never blocks
			}
		})
	}
	bufs := make([][][]any, len(specs))
	send := func(i int) {
		select {
		case chans[i] <- bufs[i]:
		case <-ctx.Done():
		}
		bufs[i] = make([][]any, 0, copyChunk)
	}
	err := produce(func(t int, row []any) {
		bufs[t] = append(bufs[t], row)
		if len(bufs[t]) == copyChunk {
			send(t)
		}
	})
	for i := range specs {
		if len(bufs[i]) > 0 && err == nil {
			send(i)
		}
		close(chans[i])
	}
	if err != nil {
		cancel(err)
	}
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && cause != context.Canceled {
		return cause
	}
	return err
}

// chanSource is a pgx.CopyFromSource reading chunks of rows from a channel.
type chanSource struct {
	ctx   context.Context
	ch    chan [][]any
	chunk [][]any
	row   []any
}

func (s *chanSource) Next() bool {
	for len(s.chunk) == 0 {
		c, ok := <-s.ch
		if !ok || s.ctx.Err() != nil {
			return false
		}
		s.chunk = c
	}
	s.row, s.chunk = s.chunk[0], s.chunk[1:]
	return true
}

func (s *chanSource) Values() ([]any, error) { return s.row, nil }

func (s *chanSource) Err() error { return s.ctx.Err() }

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
