package api_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// outcomeEnv drives the outcome model (questions, findings, their sources,
// claim links) through the real router.
type outcomeEnv struct {
	*reprEnv
}

func newOutcomeEnv(t *testing.T, st *store.Store) *outcomeEnv {
	e := &outcomeEnv{&reprEnv{t: t, s: testenv.NewServer(t, st)}}
	e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: map[string]any{"slug": "mesotherapy", "name": "Mesotherapy",
		"aliases": []map[string]string{{"alias": "Mesotherapie", "language": "de"}}}}).Want(e.t, 201)
	e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: map[string]any{"slug": "infusion-therapy", "name": "Infusion therapy"}}).Want(e.t, 201)
	return e
}

func merge(base, over map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

var questionBody = map[string]any{"therapy": "Mesotherapie", "population": "adults with acute low back pain",
	"intervention": "intradermal lidocaine, 3 weekly sessions", "comparator": "oral diclofenac", "comparator_kind": "active",
	"outcome": "pain (VAS 0-10)", "timepoint": "6 months", "outcome_kind": "benefit", "direction": "higher_is_better"}

func (e *outcomeEnv) question(over map[string]any) int64 {
	e.t.Helper()
	return id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/questions", Role: "editor", Body: merge(questionBody, over)}).Want(e.t, 201))
}

func (e *outcomeEnv) finding(questionID int64, over map[string]any) map[string]any {
	e.t.Helper()
	return e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/findings", Role: "editor", Body: merge(map[string]any{"question_id": questionID, "summary": "One small trial."}, over)}).Want(e.t, 201)
}

func (e *outcomeEnv) src(over map[string]any) int64 {
	e.t.Helper()
	return id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: merge(map[string]any{"kind": "rct", "title": "A trial"}, over)}).Want(e.t, 201))
}

func (e *outcomeEnv) attach(findingID, sourceID int64, over map[string]any) map[string]any {
	e.t.Helper()
	return e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/findings/%d/sources", findingID), Role: "editor", Body: merge(map[string]any{"source_id": sourceID}, over)}).Want(e.t, 201)
}

// problemFields sends an editor's request and returns the sorted fields of
// the problem it must answer with status want.
func (e *outcomeEnv) problemFields(want int, method, path string, body any, headers ...string) []string {
	e.t.Helper()
	h := map[string]string{}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	res := e.s.Do(testenv.Request{Method: method, Path: path, Role: "editor", Body: body, Headers: h})
	p := catalogCheckProblem(e.t, res, want)
	f := testenv.ProblemFields(p)
	slices.Sort(f)
	return f
}

func findingPath(f int64) string { return fmt.Sprintf("/api/v1/findings/%d", f) }

func flagsOf(m map[string]any) []string { return testenv.Strings(m["flags"]) }

func TestQuestionsCRUDAndFilters(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newOutcomeEnv(t, st)
		q := e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/questions", Role: "editor", Body: questionBody}).Want(e.t, 201)
		if q["therapy"] != "mesotherapy" || q["comparator_kind"] != "active" || q["version"] != float64(1) {
			t.Errorf("created question = %v", q)
		}
		harm := e.question(map[string]any{"comparator": nil, "comparator_kind": "none", "outcome": "injection-site infection", "outcome_kind": "harm", "direction": "lower_is_better"})
		inf := e.question(map[string]any{"therapy": "infusion-therapy"})
		for i := 0; i < 3; i++ {
			e.question(map[string]any{"timepoint": fmt.Sprintf("%d weeks", i+1)})
		}

		tests := []struct {
			query string
			want  []int64
		}{
			{"therapy=Mesotherapie&outcome_kind=harm", []int64{harm}},
			{"therapy=infusion-therapy", []int64{inf}},
			{"therapy=unknown", nil},
			{"outcome_kind=harm", []int64{harm}},
		}
		for _, tt := range tests {
			got := testenv.ListIDs(t, e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/questions?" + tt.query}).Want(e.t, 200))
			if diff := cmp.Diff(tt.want, got, catalogEmptyEqual); diff != "" {
				t.Errorf("GET /questions?%s (-want +got):\n%s", tt.query, diff)
			}
		}
		e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/questions?outcome_kind=good"}).Want(e.t, 400)

		// Keyset pages of 2 cover all 6 questions once, in id order.
		var all []int64
		path := "/api/v1/questions?limit=2"
		for path != "" {
			res := e.s.Do(testenv.Request{Method: "GET", Path: path})
			body := res.Want(t, 200)
			all = append(all, testenv.ListIDs(t, body)...)
			path = ""
			if c, ok := body["next_cursor"].(string); ok {
				path = "/api/v1/questions?limit=2&cursor=" + c
				if res.Header.Get("Link") == "" {
					t.Errorf("page with next_cursor has no Link header")
				}
			}
		}
		if len(all) != 6 || !slices.IsSorted(all) || all[0] != id(q) {
			t.Errorf("paged question ids = %v, want 6 ascending", all)
		}

		// Validation reports every field.
		if diff := cmp.Diff([]string{"comparator", "direction", "outcome", "outcome_kind", "population", "therapy", "timepoint"},
			e.problemFields(422, "POST", "/api/v1/questions", map[string]any{"therapy": "nope", "population": " ", "intervention": "x",
				"comparator_kind": "inactive", "outcome": "", "timepoint": "", "outcome_kind": "good"})); diff != "" {
			t.Errorf("invalid question fields (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"comparator"}, e.problemFields(422, "POST", "/api/v1/questions",
			merge(questionBody, map[string]any{"comparator_kind": "none"}))); diff != "" {
			t.Errorf("comparator with kind none (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"comparator_kind"}, e.problemFields(422, "POST", "/api/v1/questions",
			merge(questionBody, map[string]any{"comparator_kind": "placebo"}))); diff != "" {
			t.Errorf("bad comparator kind (-want +got):\n%s", diff)
		}

		// GET, 304, PATCH with If-Match (428, 412).
		qpath := fmt.Sprintf("/api/v1/questions/%d", id(q))
		res := e.s.Do(testenv.Request{Method: "GET", Path: qpath})
		res.Want(t, 200)
		if e.s.Do(testenv.Request{Method: "GET", Path: qpath, Headers: map[string]string{"If-None-Match": res.Header.Get("ETag")}}).Status != 304 {
			t.Errorf("If-None-Match with the current ETag is not a 304")
		}
		catalogCheckProblem(t, e.s.Do(testenv.Request{Method: "PATCH", Path: qpath, Role: "editor", Body: map[string]any{"timepoint": "3 months"}}), 428)
		if diff := cmp.Diff([]string{"comparator"}, e.problemFields(422, "PATCH", qpath, map[string]any{"comparator": nil, "comparator_kind": "inactive"}, "If-Match", `"1"`)); diff != "" {
			t.Errorf("clearing the comparator of an inactive comparison (-want +got):\n%s", diff)
		}
		up := e.s.Do(testenv.Request{Method: "PATCH", Path: qpath, Role: "editor", Body: map[string]any{"timepoint": "3 months", "comparator": "sham injection", "comparator_kind": "inactive"}, Headers: map[string]string{"If-Match": `"1"`}}).Want(e.t, 200)
		if up["version"] != float64(2) || up["comparator"] != "sham injection" || up["timepoint"] != "3 months" {
			t.Errorf("patched question = %v", up)
		}
		catalogCheckProblem(t, e.s.Do(testenv.Request{Method: "PATCH", Path: qpath, Role: "editor", Body: map[string]any{"timepoint": "1 month"}, Headers: map[string]string{"If-Match": `"1"`}}), 412)
	})
}

func TestFindingsEffectValidation(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newOutcomeEnv(t, st)
		q := e.question(nil)
		harm := e.question(map[string]any{"comparator": nil, "comparator_kind": "none", "outcome_kind": "harm", "direction": "lower_is_better"})
		tests := []struct {
			name   string
			body   map[string]any
			fields []string
		}{
			{"no summary, unknown question", map[string]any{"question_id": 999, "summary": ""}, []string{"question_id", "summary"}},
			{"estimate without measure", map[string]any{"question_id": q, "estimate": 1.2}, []string{"measure"}},
			{"CI not around the estimate", map[string]any{"question_id": q, "measure": "mean_difference", "estimate": 3, "ci_low": 1, "ci_high": 2}, []string{"ci_high"}},
			{"ratio not positive", map[string]any{"question_id": q, "measure": "risk_ratio", "estimate": 0.5, "ci_low": -0.1, "ci_high": 1}, []string{"ci_low"}},
			{"ratio threshold below 1", map[string]any{"question_id": q, "measure": "odds_ratio", "estimate": 0.5, "threshold": 0.8}, []string{"threshold"}},
			{"difference threshold", map[string]any{"question_id": q, "measure": "mean_difference", "estimate": -1, "threshold": 0}, []string{"threshold"}},
			{"proportion above 1", map[string]any{"question_id": harm, "measure": "proportion", "estimate": 1.5}, []string{"estimate"}},
			{"events over participants", map[string]any{"question_id": harm, "measure": "proportion", "events": 5, "participants": 4}, []string{"events"}},
			{"events with a ratio", map[string]any{"question_id": q, "measure": "risk_ratio", "estimate": 1, "events": 1, "participants": 10}, []string{"events"}},
			{"attribution on a comparison", map[string]any{"question_id": q, "attribution": "probable"}, []string{"attribution"}},
			{"unknown measure and attribution", map[string]any{"question_id": harm, "measure": "rr", "attribution": "likely"}, []string{"attribution", "measure"}},
		}
		for _, tt := range tests {
			body := merge(map[string]any{"summary": "S."}, tt.body)
			if diff := cmp.Diff(tt.fields, e.problemFields(422, "POST", "/api/v1/findings", body)); diff != "" {
				t.Errorf("%s: fields (-want +got):\n%s", tt.name, diff)
			}
		}
		if n := testenv.Count(t, st, "findings", ""); n != 0 {
			t.Errorf("refused findings left %d rows", n)
		}
		ok := e.finding(harm, map[string]any{"measure": "proportion", "estimate": 0.02, "ci_low": 0.005, "ci_high": 0.07,
			"events": 2, "participants": 100, "studies": 1, "threshold": 0.01, "attribution": "probable"})
		if ok["attribution"] != "probable" || ok["events"] != float64(2) || !slices.Equal(flagsOf(ok), []string{"ungraded"}) {
			t.Errorf("created finding = %v", ok)
		}
		// A question change that would orphan the attribution is refused.
		if diff := cmp.Diff([]string{"comparator_kind", "outcome_kind"}, e.problemFields(422, "PATCH", fmt.Sprintf("/api/v1/questions/%d", harm),
			map[string]any{"outcome_kind": "benefit"}, "If-Match", `"1"`)); diff != "" {
			t.Errorf("question change against an attribution (-want +got):\n%s", diff)
		}
		// PATCH clears with null and checks again.
		f := findingPath(id(ok))
		if diff := cmp.Diff([]string{"measure"}, e.problemFields(422, "PATCH", f, map[string]any{"measure": nil}, "If-Match", version(ok))); diff != "" {
			t.Errorf("clearing the measure under an estimate (-want +got):\n%s", diff)
		}
		up := e.s.Do(testenv.Request{Method: "PATCH", Path: f, Role: "editor", Body: map[string]any{"measure": nil, "estimate": nil, "ci_low": nil, "ci_high": nil, "events": nil,
			"threshold": nil, "summary": "No estimate was verified."}, Headers: map[string]string{"If-Match": version(ok)}}).Want(e.t, 200)
		if up["measure"] != nil || up["estimate"] != nil || up["participants"] != float64(100) {
			t.Errorf("patched finding = %v", up)
		}
	})
}

func TestFindingsSourcesFiltersAndETags(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newOutcomeEnv(t, st)
		q := e.question(nil)
		qi := e.question(map[string]any{"therapy": "infusion-therapy"})
		rct := e.src(nil)
		trial := e.src(map[string]any{"title": "A pooled trial"})
		news := e.src(map[string]any{"kind": "news", "title": "News"})
		guideline := e.src(map[string]any{"kind": "guideline", "title": "NICE NG59"})
		mixed := e.src(map[string]any{"kind": "systematic_review", "title": "A mixed review", "included_design": "mixed", "includes": []int64{trial, trial}})
		review := e.src(map[string]any{"kind": "meta_analysis", "title": "An RCT review", "included_design": "randomised"})

		// Sources: design and includes rules.
		if got := e.s.Do(testenv.Request{Method: "GET", Path: sourcePath(mixed)}).Want(e.t, 200); !cmp.Equal(got["includes"], []any{float64(trial)}) || got["included_design"] != "mixed" {
			t.Errorf("review = %v, want includes [%d] and design mixed", got, trial)
		}
		for _, tt := range []struct {
			body   map[string]any
			fields []string
		}{
			{map[string]any{"kind": "systematic_review", "title": "R"}, []string{"included_design"}},
			{map[string]any{"kind": "rct", "title": "T", "included_design": "randomised", "includes": []int64{trial}}, []string{"included_design", "includes"}},
			{map[string]any{"kind": "meta_analysis", "title": "R", "included_design": "all", "includes": []int64{news, 9999}}, []string{"included_design", "includes", "includes"}},
		} {
			if diff := cmp.Diff(tt.fields, e.problemFields(422, "POST", "/api/v1/sources", tt.body)); diff != "" {
				t.Errorf("POST /sources %v (-want +got):\n%s", tt.body, diff)
			}
		}
		rv := e.s.Do(testenv.Request{Method: "GET", Path: sourcePath(review)}).Want(e.t, 200)
		if diff := cmp.Diff([]string{"includes"}, e.problemFields(422, "PATCH", sourcePath(review), map[string]any{"includes": []int64{review}}, "If-Match", version(rv))); diff != "" {
			t.Errorf("self include (-want +got):\n%s", diff)
		}

		f1 := e.finding(q, map[string]any{"measure": "mean_difference", "estimate": -1.2, "ci_low": -2, "ci_high": -0.4})
		f2 := e.finding(q, nil)
		f3 := e.finding(qi, nil)
		fid := id(f1)

		// Attachment rules.
		for _, tt := range []struct {
			body   map[string]any
			fields []string
		}{
			{map[string]any{"source_id": news}, []string{"source_id"}},
			{map[string]any{"source_id": 9999}, []string{"source_id"}},
			{map[string]any{"source_id": rct, "reported_certainty": "moderate"}, []string{"reported_certainty"}},
			{map[string]any{"source_id": review, "design_subset": "randomised"}, []string{"design_subset"}},
			{map[string]any{"source_id": mixed, "design_subset": "mixed"}, []string{"design_subset"}},
		} {
			if diff := cmp.Diff(tt.fields, e.problemFields(422, "POST", findingPath(fid)+"/sources", tt.body)); diff != "" {
				t.Errorf("attach %v (-want +got):\n%s", tt.body, diff)
			}
		}
		att := e.attach(fid, rct, map[string]any{"excerpt": "Pain fell by 1.2 points.", "locator": "Table 2"})
		e.attach(fid, guideline, map[string]any{"reported_certainty": "low"})
		e.attach(fid, mixed, map[string]any{"design_subset": "randomised"})
		e.attach(id(f2), review, map[string]any{"reported_certainty": "moderate"})
		catalogCheckProblem(t, e.s.Do(testenv.Request{Method: "POST", Path: findingPath(fid) + "/sources", Role: "editor", Body: map[string]any{"source_id": rct}}), 409)
		if att["source"].(map[string]any)["title"] != "A trial" || att["finding_id"] != float64(fid) {
			t.Errorf("attachment = %v", att)
		}
		// A source's kind or design that its uses no longer allow.
		g := e.s.Do(testenv.Request{Method: "GET", Path: sourcePath(guideline)}).Want(e.t, 200)
		if diff := cmp.Diff([]string{"kind"}, e.problemFields(422, "PATCH", sourcePath(guideline), map[string]any{"kind": "expert_opinion"}, "If-Match", version(g))); diff != "" {
			t.Errorf("kind change under a reported certainty (-want +got):\n%s", diff)
		}
		m := e.s.Do(testenv.Request{Method: "GET", Path: sourcePath(mixed)}).Want(e.t, 200)
		if diff := cmp.Diff([]string{"included_design"}, e.problemFields(422, "PATCH", sourcePath(mixed), map[string]any{"included_design": "randomised"}, "If-Match", version(m))); diff != "" {
			t.Errorf("design change under a design subset (-want +got):\n%s", diff)
		}

		// The document embeds its question and sources.
		res := e.s.Do(testenv.Request{Method: "GET", Path: findingPath(fid)})
		doc := res.Want(t, 200)
		if doc["question"].(map[string]any)["therapy"] != "mesotherapy" || len(doc["sources"].([]any)) != 3 {
			t.Errorf("finding document = %v", doc)
		}
		if e.s.Do(testenv.Request{Method: "GET", Path: findingPath(fid), Headers: map[string]string{"If-None-Match": res.Header.Get("ETag")}}).Status != 304 {
			t.Errorf("If-None-Match with the current ETag is not a 304")
		}

		// Filters: question, therapy, flags (repeats ignored), certainty.
		for _, tt := range []struct {
			query string
			want  []int64
		}{
			{fmt.Sprintf("question=%d", q), []int64{fid, id(f2)}},
			{"therapy=infusion-therapy", []int64{id(f3)}},
			{"therapy=Mesotherapie&flag=ungraded&flag=ungraded", []int64{fid, id(f2)}},
			{"flag=retracted_evidence", nil},
			{"certainty=high", nil},
		} {
			if diff := cmp.Diff(tt.want, testenv.ListIDs(t, e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/findings?" + tt.query}).Want(e.t, 200)), catalogEmptyEqual); diff != "" {
				t.Errorf("GET /findings?%s (-want +got):\n%s", tt.query, diff)
			}
		}
		for _, bad := range []string{"question=0", "flag=bogus", "certainty=medium", "colour=red"} {
			catalogCheckProblem(t, e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/findings?" + bad}), 400)
		}
		page := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/findings?limit=2"}).Want(e.t, 200)
		next := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/findings?limit=2&cursor=" + page["next_cursor"].(string)}).Want(e.t, 200)
		if diff := cmp.Diff([]int64{id(f3)}, testenv.ListIDs(t, next)); diff != "" || next["next_cursor"] != nil {
			t.Errorf("second page (-want +got):\n%s", diff)
		}

		// If-Match: 428 without, 412 stale, the document ETag accepted.
		catalogCheckProblem(t, e.s.Do(testenv.Request{Method: "PATCH", Path: findingPath(fid), Role: "editor", Body: map[string]any{"summary": "x"}}), 428)
		catalogCheckProblem(t, e.s.Do(testenv.Request{Method: "PATCH", Path: findingPath(fid), Role: "editor", Body: map[string]any{"summary": "x"}, Headers: map[string]string{"If-Match": `"99"`}}), 412)
		e.s.Do(testenv.Request{Method: "PATCH", Path: findingPath(fid), Role: "editor", Body: map[string]any{"summary": "Updated."}, Headers: map[string]string{"If-Match": res.Header.Get("ETag")}}).Want(e.t, 200)

		// Every embedded change changes the finding's ETag.
		changes := []struct {
			name   string
			change func()
		}{
			{"question PICO", func() {
				qq := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/questions/%d", q)}).Want(e.t, 200)
				e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/questions/%d", q), Role: "editor", Body: map[string]any{"population": "adults with chronic low back pain"}, Headers: map[string]string{"If-Match": version(qq)}}).Want(e.t, 200)
			}},
			{"source retitle", func() { e.patchSource(rct, map[string]any{"title": "A randomised trial"}) }},
			{"attachment note", func() {
				e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("%s/sources/%d", findingPath(fid), rct), Role: "editor", Body: map[string]any{"note": "Primary outcome."}, Headers: map[string]string{"If-Match": version(att)}}).Want(e.t, 200)
			}},
			{"detach", func() {
				e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("%s/sources/%d", findingPath(fid), guideline), Role: "editor"}).Want(e.t, 204)
			}},
		}
		for _, c := range changes {
			before := e.s.Do(testenv.Request{Method: "GET", Path: findingPath(fid)}).Header.Get("ETag")
			c.change()
			after := e.s.Do(testenv.Request{Method: "GET", Path: findingPath(fid)})
			if after.Header.Get("ETag") == before {
				t.Errorf("%s: the finding's ETag stayed %s", c.name, before)
			}
			if e.s.Do(testenv.Request{Method: "GET", Path: findingPath(fid), Headers: map[string]string{"If-None-Match": before}}).Status != 200 {
				t.Errorf("%s: the old ETag still answers 304", c.name)
			}
		}
		catalogCheckProblem(t, e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("%s/sources/%d", findingPath(fid), rct), Role: "editor", Body: map[string]any{"note": "x"}, Headers: map[string]string{"If-Match": `"1"`}}), 412)
		catalogCheckProblem(t, e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("%s/sources/%d", findingPath(fid), guideline), Role: "editor"}), 404)
	})
}

func TestFindingRetractionAndClaimLinks(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newOutcomeEnv(t, st)
		q := e.question(nil)
		trial := e.src(map[string]any{"title": "A pooled trial"})
		review := e.src(map[string]any{"kind": "systematic_review", "title": "A review", "included_design": "randomised", "includes": []int64{trial}})
		direct := e.src(map[string]any{"title": "A direct trial"})
		fa, fb := e.finding(q, nil), e.finding(q, nil)
		e.attach(id(fa), review, nil)
		e.attach(id(fb), direct, nil)

		claim := id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: map[string]any{"therapy": "mesotherapy",
			"text": "Mesotherapie lindert Rückenschmerzen.", "language": "de", "claim_type": "efficacy"}}).Want(e.t, 201))
		cpath := fmt.Sprintf("/api/v1/claims/%d", claim)
		link := e.s.Do(testenv.Request{Method: "POST", Path: cpath + "/findings", Role: "editor", Body: map[string]any{"finding_id": id(fa), "stance": "supports", "note": "Pooled RCTs."}}).Want(e.t, 201)
		if link["finding"].(map[string]any)["id"] != float64(id(fa)) || link["stance"] != "supports" {
			t.Errorf("claim finding = %v", link)
		}
		catalogCheckProblem(t, e.s.Do(testenv.Request{Method: "POST", Path: cpath + "/findings", Role: "editor", Body: map[string]any{"finding_id": id(fa), "stance": "refutes"}}), 409)
		if diff := cmp.Diff([]string{"finding_id", "stance"}, e.problemFields(422, "POST", cpath+"/findings", map[string]any{"finding_id": 999, "stance": "agrees"})); diff != "" {
			t.Errorf("invalid claim finding (-want +got):\n%s", diff)
		}
		claimETag := func() string { return e.s.Do(testenv.Request{Method: "GET", Path: cpath}).Header.Get("ETag") }
		tag0 := claimETag()
		detail := e.s.Do(testenv.Request{Method: "GET", Path: cpath}).Want(e.t, 200)
		if fs := detail["findings"].([]any); len(fs) != 1 || fs[0].(map[string]any)["note"] != "Pooled RCTs." {
			t.Errorf("claim detail findings = %v", detail["findings"])
		}
		e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("%s/findings/%d", cpath, id(fa)), Role: "editor", Body: map[string]any{"stance": "mixed", "note": ""}, Headers: map[string]string{"If-Match": `"1"`}}).Want(e.t, 200)
		tag1 := claimETag()
		if tag1 == tag0 {
			t.Errorf("the claim's ETag did not change with its finding link")
		}

		// Retracting the trial a linked review includes flags that finding
		// (and changes the claim's ETag, which embeds it); the other stays.
		tr := e.s.Do(testenv.Request{Method: "GET", Path: sourcePath(trial)}).Want(e.t, 200)
		e.s.Do(testenv.Request{Method: "PATCH", Path: sourcePath(trial), Role: "editor", Body: map[string]any{"retracted": true}, Headers: map[string]string{"If-Match": version(tr)}}).Want(e.t, 200)
		a := e.s.Do(testenv.Request{Method: "GET", Path: findingPath(id(fa))}).Want(e.t, 200)
		if diff := cmp.Diff([]string{"retracted_evidence", "ungraded"}, flagsOf(a)); diff != "" || a["version"].(float64) <= fa["version"].(float64) {
			t.Errorf("finding on a review including a retracted trial: flags (-want +got):\n%s version %v", diff, a["version"])
		}
		if b := e.s.Do(testenv.Request{Method: "GET", Path: findingPath(id(fb))}).Want(e.t, 200); !slices.Equal(flagsOf(b), []string{"ungraded"}) {
			t.Errorf("unrelated finding flags = %v", flagsOf(b))
		}
		if claimETag() == tag1 {
			t.Errorf("the claim's ETag did not change when its finding was flagged")
		}
		if diff := cmp.Diff([]int64{id(fa)}, testenv.ListIDs(t, e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/findings?flag=retracted_evidence"}).Want(e.t, 200))); diff != "" {
			t.Errorf("flag filter (-want +got):\n%s", diff)
		}
		// A direct retraction, then dropping the review's includes, then un-retracting.
		d := e.s.Do(testenv.Request{Method: "GET", Path: sourcePath(direct)}).Want(e.t, 200)
		e.s.Do(testenv.Request{Method: "PATCH", Path: sourcePath(direct), Role: "editor", Body: map[string]any{"retracted": true}, Headers: map[string]string{"If-Match": version(d)}}).Want(e.t, 200)
		if b := e.s.Do(testenv.Request{Method: "GET", Path: findingPath(id(fb))}).Want(e.t, 200); !slices.Contains(flagsOf(b), "retracted_evidence") {
			t.Errorf("finding on a retracted trial flags = %v", flagsOf(b))
		}
		r := e.s.Do(testenv.Request{Method: "GET", Path: sourcePath(review)}).Want(e.t, 200)
		e.s.Do(testenv.Request{Method: "PATCH", Path: sourcePath(review), Role: "editor", Body: map[string]any{"includes": []int64{}}, Headers: map[string]string{"If-Match": version(r)}}).Want(e.t, 200)
		if a := e.s.Do(testenv.Request{Method: "GET", Path: findingPath(id(fa))}).Want(e.t, 200); !slices.Equal(flagsOf(a), []string{"ungraded"}) {
			t.Errorf("after the review dropped the retracted trial, flags = %v", flagsOf(a))
		}

		// History: every event in its resource's shape.
		e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("%s/findings/%d", cpath, id(fa)), Role: "editor"}).Want(e.t, 204)
		hist := e.s.Do(testenv.Request{Method: "GET", Path: findingPath(id(fa)) + "/history?limit=200"}).Want(e.t, 200)
		byAction := map[string]map[string]any{}
		for _, ev := range hist["data"].([]any) {
			m := ev.(map[string]any)
			if _, ok := byAction[m["action"].(string)]; !ok {
				byAction[m["action"].(string)] = m
			}
		}
		for _, action := range []string{"finding.created", "finding.flagged", "finding_source.created", "claim_finding.created", "claim_finding.updated", "claim_finding.deleted"} {
			if byAction[action] == nil {
				t.Errorf("finding history has no %s: %v", action, hist)
			}
		}
		if after := snap(t, byAction["finding.flagged"], "after"); after["cause"] != "source.updated" || len(testenv.Strings(after["flags"])) != 1 {
			t.Errorf("newest finding.flagged after = %v", after)
		}
		if c := snap(t, byAction["finding.created"], "after"); c["question"].(map[string]any)["therapy"] != "mesotherapy" {
			t.Errorf("finding.created after = %v", c)
		}
		if del := byAction["claim_finding.deleted"]; del["after"] != nil || snap(t, del, "before")["finding"] == nil {
			t.Errorf("claim_finding.deleted = %v", del)
		}
		ch := historyByActionPath(e, cpath+"/history?limit=200")
		if ch["claim_finding.created"] == nil {
			t.Errorf("the claim's history lacks claim_finding.created")
		}
		catalogCheckProblem(t, e.s.Do(testenv.Request{Method: "GET", Path: findingPath(999) + "/history"}), 404)
	})
}

func historyByActionPath(e *outcomeEnv, path string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, ev := range e.s.Do(testenv.Request{Method: "GET", Path: path}).Want(e.t, 200)["data"].([]any) {
		m := ev.(map[string]any)
		out[m["action"].(string)] = m
	}
	return out
}
