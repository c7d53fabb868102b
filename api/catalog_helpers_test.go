package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"claimgrade/api"
	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/review"
	"claimgrade/store"
)

// catalogEnv is the catalog tests' fixture: the real router over a fresh
// database, plus helpers that create resources through the API (failing
// the test when the API refuses) and read what the database holds.
// Its helpers are methods so that they cannot collide with the helpers of
// other test files in package api_test.
type catalogEnv struct {
	t  *testing.T
	s  *testenv.Server
	st *store.Store
}

func newCatalogEnv(t *testing.T, st *store.Store, configure ...func(*api.Config)) *catalogEnv {
	t.Helper()
	return &catalogEnv{t: t, s: testenv.NewServer(t, st, configure...), st: st}
}

// create POSTs body as the editor and returns the created resource.
func (e *catalogEnv) create(path string, body map[string]any) map[string]any {
	e.t.Helper()
	res := e.s.Do(testenv.Request{Method: "POST", Path: path, Role: "editor", Body: body})
	if res.Status != http.StatusCreated {
		e.t.Fatalf("POST %s %v = %d %s, want 201", path, body, res.Status, res.Body)
	}
	return res.JSON(e.t)
}

// therapy creates a therapy with aliases (language left empty).
func (e *catalogEnv) therapy(slug, name string, aliases ...string) map[string]any {
	e.t.Helper()
	al := []map[string]string{}
	for _, a := range aliases {
		al = append(al, map[string]string{"alias": a})
	}
	return e.create("/api/v1/therapies", map[string]any{"slug": slug, "name": name, "aliases": al})
}

// mesotherapy creates the mesotherapy therapy with a German and a French
// alias.
func (e *catalogEnv) mesotherapy() map[string]any {
	e.t.Helper()
	return e.create("/api/v1/therapies", map[string]any{"slug": "mesotherapy", "name": "Mesotherapy",
		"aliases": []map[string]string{{"alias": "Mesotherapie", "language": "de"}, {"alias": "mésothérapie", "language": "fr"}, {"alias": "mesoterapia", "language": "it"}}})
}

// claim creates a claim; fields override a default German safety claim
// about mesotherapy.
func (e *catalogEnv) claim(fields map[string]any) map[string]any {
	e.t.Helper()
	body := map[string]any{"therapy": "mesotherapy", "text": "Die Behandlung ist nahezu schmerzfrei.", "language": "de", "claim_type": "safety"}
	for k, v := range fields {
		body[k] = v
	}
	return e.create("/api/v1/claims", body)
}

// source creates a source; fields override an RCT without identifiers.
func (e *catalogEnv) source(fields map[string]any) map[string]any {
	e.t.Helper()
	body := map[string]any{"kind": "rct", "title": "A randomised trial"}
	for k, v := range fields {
		body[k] = v
	}
	return e.create("/api/v1/sources", body)
}

// appearance records that a claim appears in a (web_article, news or
// other) source.
func (e *catalogEnv) appearance(claimID, sourceID int64) map[string]any {
	e.t.Helper()
	return e.create(fmt.Sprintf("/api/v1/claims/%d/appearances", claimID), map[string]any{"source_id": sourceID})
}

// catalogDBState is what the catalog tables hold, for asserting that a
// refused request changed nothing.
type catalogDBState struct {
	Therapies, Aliases, Claims, Flags, Sources, Links []map[string]any
	AuditEvents                                       int64
}

func (e *catalogEnv) dbState() catalogDBState {
	e.t.Helper()
	var s catalogDBState
	for _, q := range []struct {
		dst         *[]map[string]any
		table, cols string
		order       string
	}{
		{&s.Therapies, "therapies", "id, slug, name, description, version", "id"},
		{&s.Aliases, "therapy_aliases", "therapy_id, alias, alias_key", "id"},
		{&s.Claims, "claims", "id, therapy_id, text, language, text_en, summary, claim_type, assertion, claimed_value, hedge, search_text, rating, rating_source, certainty, support_count, refute_count, appearance_count, version, archived_at", "id"},
		{&s.Flags, "claim_flags", "claim_id, flag", "claim_id, flag"},
		{&s.Sources, "sources", "id, kind, title, doi, pmid, url, year, retracted, version", "id"},
		{&s.Links, "links", "id, claim_id, source_id, role, url, version", "id"},
	} {
		if err := e.st.DB().Table(q.table).Select(q.cols).Order(q.order).Find(q.dst).Error; err != nil {
			e.t.Fatalf("read %s: %v", q.table, err)
		}
	}
	s.AuditEvents = testenv.Count(e.t, e.st, "audit_events", "")
	return s
}

// gradedFinding creates a question (fields of q override a placebo-
// controlled benefit question about mesotherapy), a finding on it (fields
// of f override) resting on one new RCT, and grades it high by two
// reviewers who agree that nothing is serious (through the review
// workflow, as the demo reviewers do). It returns the finding's id.
func (e *catalogEnv) gradedFinding(q, f map[string]any) int64 {
	e.t.Helper()
	qb := map[string]any{"therapy": "mesotherapy", "population": "adults with low back pain", "intervention": "mesotherapy, 3 sessions",
		"comparator": "placebo injections", "comparator_kind": "inactive", "outcome": "pain (VAS 0-10)", "timepoint": "4 weeks", "outcome_kind": "benefit", "direction": "higher_is_better"}
	for k, v := range q {
		qb[k] = v
	}
	qid := testenv.ID(e.create("/api/v1/questions", qb))
	fb := map[string]any{"question_id": qid, "summary": "One trial."}
	for k, v := range f {
		fb[k] = v
	}
	fid := testenv.ID(e.create("/api/v1/findings", fb))
	src := testenv.ID(e.source(map[string]any{"kind": "rct", "title": fmt.Sprintf("Trial for finding %d", fid)}))
	e.create(fmt.Sprintf("/api/v1/findings/%d/sources", fid), map[string]any{"source_id": src})
	ctx := context.Background()
	rv := review.New(e.st)
	for _, name := range []string{"catalog-reviewer-a", "catalog-reviewer-b"} {
		u, err := e.st.EnsureUser(ctx, store.System("test"), name, models.RoleReviewer)
		if err != nil {
			e.t.Fatal(err)
		}
		a := store.ActorFor(u, "")
		in := review.FindingAssessmentInput{Judgements: grading.DomainJudgements{RiskOfBias: grading.NotSerious, Inconsistency: grading.NotSerious,
			Indirectness: grading.NotSerious, Imprecision: grading.NotSerious, PublicationBias: grading.NotSerious,
			LargeEffect: grading.NoLargeEffect, Reasons: map[string]string{}}, Rationale: "Nothing serious."}
		if qb["comparator_kind"] == "none" { // an event rate: a trial arm, consecutive patients (Iorio 2015)
			in.Judgements.Sample = grading.SampleRepresentative
		}
		if _, _, err := rv.PutFindingAssessment(ctx, a, fid, 0, in, 2); err != nil {
			e.t.Fatalf("assess finding %d: %v", fid, err)
		}
		if _, _, err := rv.SubmitFindingAssessment(ctx, a, fid, 2); err != nil {
			e.t.Fatalf("submit assessment of finding %d: %v", fid, err)
		}
	}
	return fid
}

// linkFinding links a finding to a claim with a stance.
func (e *catalogEnv) linkFinding(claimID, findingID int64, stance string) map[string]any {
	e.t.Helper()
	return e.create(fmt.Sprintf("/api/v1/claims/%d/findings", claimID), map[string]any{"finding_id": findingID, "stance": stance})
}
