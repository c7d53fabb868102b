package api_test

import (
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// Issue 19, "what readers see is true": each test below reads what a reader
// gets (the claim detail's rating_summary, the public page, ClaimReview,
// the summary of findings) for one of the misleading elements the issue
// lists, on both backends.

// painQuestion is a placebo-controlled question on pain intensity, where
// lower is better: a pain score 0.56 lower with the therapy is stored as
// reported, -0.56.
var painQuestion = map[string]any{"outcome": "pain intensity (VAS 0-10)", "direction": "lower_is_better"}

// belowThreshold is a real reduction in pain smaller than the smallest
// important difference (1 point): effect_below_threshold.
var belowThreshold = map[string]any{"measure": "mean_difference", "estimate": -0.56, "ci_low": -1.08, "ci_high": -0.04, "threshold": 1.0,
	"participants": 120, "studies": 1}

// germanVerdict is the verdict sentence of a German effect claim against
// belowThreshold at high certainty (DESIGN "What readers see").
const germanVerdict = "Überzogen: Die Studien zeigen einen Nutzen, der aber kleiner ist als der kleinste für Patienten spürbare Unterschied " +
	"(MD 0,56 niedriger, 95-%-KI 1,08 niedriger bis 0,04 niedriger; kleinster spürbarer Unterschied: MD 1; hohe Vertrauenswürdigkeit der Evidenz)."

// readerClaim is a German effect claim about mesotherapy linked (supports)
// to a graded finding f on the pain question, appearing in a news article.
func (e *catalogEnv) readerClaim(f map[string]any) (claim, finding int64) {
	e.t.Helper()
	claim = testenv.ID(e.claim(map[string]any{"text": "Mesotherapie lindert Rückenschmerzen.", "claim_type": "efficacy", "assertion": "effect"}))
	news := testenv.ID(e.source(map[string]any{"kind": "news", "title": "Spritzen gegen Rückenschmerzen", "year": 2024, "container": "Beispiel-Zeitung"}))
	e.create(fmt.Sprintf("/api/v1/claims/%d/appearances", claim), map[string]any{"source_id": news, "url": "https://news.example/meso"})
	finding = e.gradedFinding(painQuestion, f)
	e.linkFinding(claim, finding, "supports")
	return claim, finding
}

// withoutDetails is a page without the folded-away explanation for
// reviewers: what a reader reads.
func withoutDetails(page string) string {
	start, end := strings.Index(page, "<details"), strings.Index(page, "</details>")
	if start < 0 || end < start {
		return page
	}
	return page[:start] + page[end+len("</details>"):]
}

// TestReadersVerdictSentence: a German claim's verdict reads in German,
// from the rule and its numbers, in the claim detail (rating_summary), on
// the page and in ClaimReview; the English rule-engine text stays the
// reviewers' (rating_explanation), folded away on the page; the therapy's
// German name is shown; the basis says what the certainty is about;
// ?lang= switches the page's language (and its ETag); an editor's override
// says an editor rated the claim, quoting the rationale.
func TestReadersVerdictSentence(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st, func(c *api.Config) { c.PublicBaseURL = "https://claims.example.org" })
		e.mesotherapy()
		id, _ := e.readerClaim(belowThreshold)
		claim := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", id)}).Want(t, 200)
		if claim["rating"] != "overstated" || claim["rating_reason"] != "effect_below_threshold" || claim["certainty"] != "high" {
			t.Fatalf("the fixture claim is %v (%v, %v), want overstated (effect_below_threshold, high)", claim["rating"], claim["rating_reason"], claim["certainty"])
		}
		if claim["rating_summary"] != germanVerdict {
			t.Errorf("rating_summary = %q\nwant            %q", claim["rating_summary"], germanVerdict)
		}
		explanation := claim["rating_explanation"].(string)
		if !strings.Contains(explanation, "effect_below_threshold") {
			t.Errorf("rating_explanation (engine text for reviewers) = %q", explanation)
		}

		res := claimPage(t, e.s, id)
		page := string(res.Body)
		top := withoutDetails(page)
		for _, want := range []string{`<html lang="de">`, `<blockquote class="claim" id="claim-text" lang="de">`,
			`Therapie: <span id="therapy">Mesotherapie</span>`,
			`<p class="summary-sentence" id="rating-summary"><strong class="badge overstated" id="rating-label">Überzogen</strong>` +
				strings.TrimPrefix(germanVerdict, "Überzogen") + `</p>`,
			`<span class="basis" id="rating-basis"><span class="symbols" aria-hidden="true">⊕⊕⊕⊕</span> Vertrauenswürdigkeit der Evidenz: hoch</span>`,
			"Die Formulierung sagt mehr, als die Evidenz zeigt.", "MD 0,56 niedriger (1,08 niedriger bis 0,04 niedriger)"} {
			if !strings.Contains(top, want) {
				t.Errorf("the German page lacks %q", want)
			}
		}
		// The English engine text and the rule id are not what a reader
		// reads: they are only in the folded details for reviewers.
		for _, leak := range []string{html.EscapeString(explanation), "effect_below_threshold", "Overstated", "Rated by the rating rules"} {
			if strings.Contains(top, leak) {
				t.Errorf("the German page shows %q outside the reviewers' details", leak)
			}
		}
		if !strings.Contains(page, `<p id="explanation" lang="en">`+html.EscapeString(explanation)) {
			t.Errorf("the reviewers' English explanation is gone from the page")
		}

		// ClaimReview says the same, in the claim's language.
		review := ldJSON(t, e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", id)}))
		rr := review["reviewRating"].(map[string]any)
		if rr["description"] != germanVerdict || rr["alternateName"] != "Überzogen (hohe Vertrauenswürdigkeit der Evidenz)" {
			t.Errorf("reviewRating = %v, want the German verdict sentence and short name", rr)
		}
		if rr["description"] == explanation {
			t.Errorf("ClaimReview's description is the engine text")
		}

		// ?lang= overrides the claim's language; the ETag varies with it.
		en := claimPageLang(t, e.s, id, "en")
		for _, want := range []string{`<html lang="en">`, `<blockquote class="claim" id="claim-text" lang="de">`, `Therapy: <span id="therapy">Mesotherapy</span>`,
			"Overstated</strong>: the studies show a benefit, but it is smaller than the smallest difference that matters to patients " +
				"(MD 0.56 lower, 95% CI 1.08 lower to 0.04 lower; smallest important difference: MD 1; high-certainty evidence).",
			"certainty of the evidence: high"} {
			if !strings.Contains(string(en.Body), want) {
				t.Errorf("the page with lang=en lacks %q", want)
			}
		}
		if en.Header.Get("ETag") == res.Header.Get("ETag") {
			t.Errorf("the ETag does not vary with the language: %s", en.Header.Get("ETag"))
		}
		if de := claimPageLang(t, e.s, id, "de"); de.Header.Get("ETag") != res.Header.Get("ETag") || string(de.Body) != page {
			t.Errorf("lang=de on a German claim differs from the default page")
		}
		e.s.Do(testenv.Request{Method: "GET", Path: claimPagePath(id) + "?lang=en", Headers: map[string]string{"If-None-Match": en.Header.Get("ETag")}}).Want(t, http.StatusNotModified)
		for _, q := range []string{"?lang=es", "?lang=", "?lang=DE", "?lang=de-CH"} {
			p := e.s.Do(testenv.Request{Method: "GET", Path: claimPagePath(id) + q}).Problem(t, 400)
			if !slices.Equal(testenv.ProblemFields(p), []string{"lang"}) {
				t.Errorf("%s: problem fields %v, want lang", q, testenv.ProblemFields(p))
			}
		}
		e.s.Do(testenv.Request{Method: "GET", Path: claimPagePath(id) + "?lang=de&x=1"}).Problem(t, 400)

		// An editor's override: an editor rated it, in the editor's words.
		cur := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", id)})
		rationale := "Die Studie untersuchte eine andere Population."
		over := e.s.Do(testenv.Request{Method: "PUT", Path: fmt.Sprintf("/api/v1/claims/%d/rating", id), Role: "editor",
			Body: map[string]any{"rating": "unproven", "rationale": rationale}, Headers: map[string]string{"If-Match": cur.Header.Get("ETag")}}).Want(t, 200)
		want := "Unbelegt: Die Redaktion hat diese Behauptung bewertet und begründet das so: „" + rationale + "“"
		if over["rating_summary"] != want || over["rating_reason"] != "editor_override" {
			t.Errorf("overridden rating_summary = %q (%v), want %q", over["rating_summary"], over["rating_reason"], want)
		}
		if d := ldJSON(t, e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", id)}))["reviewRating"].(map[string]any); d["description"] != want || d["alternateName"] != "Unbelegt" {
			t.Errorf("overridden reviewRating = %v", d)
		}
		if page := string(claimPage(t, e.s, id).Body); !strings.Contains(page, html.EscapeString(strings.TrimPrefix(want, "Unbelegt"))) ||
			!strings.Contains(page, "Von der Redaktion bewertet (abweichend von den Regeln)") {
			t.Errorf("the overridden page lacks the editor's sentence")
		}
	})
}

// claimPageLang GETs a claim's page in a language.
func claimPageLang(t *testing.T, s *testenv.Server, id int64, lang string) *testenv.Response {
	t.Helper()
	res := s.Do(testenv.Request{Method: "GET", Path: claimPagePath(id) + "?lang=" + lang})
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s?lang=%s = %d: %s", claimPagePath(id), lang, res.Status, res.Body)
	}
	return res
}

// TestReadersFlagsAndNotices: every flag is a plain sentence on the page,
// absolute wording included on a claim that is not rated (issue 19:
// "Pas de risque d'interaction médicamenteuse" showed "not yet rated" and
// nothing else); a retracted source is said at the top of the page, in
// words, before the verdict (it was a note in the last table column).
func TestReadersFlagsAndNotices(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		fr := testenv.ID(e.claim(map[string]any{"language": "fr", "text": "Pas de risque d’interaction médicamenteuse.",
			"claim_type": "safety", "assertion": "absence", "hedge": "none"}))
		claim := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", fr)}).Want(t, 200)
		if claim["rating"] != "not_rated" || !slices.Contains(testenv.Strings(claim["flags"]), "absolute_wording") {
			t.Fatalf("fixture: rating %v flags %v, want not_rated with absolute_wording", claim["rating"], claim["flags"])
		}
		page := string(claimPage(t, e.s, fr).Body)
		for _, want := range []string{`<html lang="fr">`, "Traitement\u00a0: <span id=\"therapy\">mésothérapie</span>",
			"Non évaluée</strong>\u00a0: aucune donnée probante évaluée n&#39;est liée à cette affirmation, et aucune recherche documentaire n&#39;a encore été enregistrée.",
			"L&#39;affirmation est absolue («\u00a0aucun risque\u00a0», «\u00a0indolore\u00a0»)\u00a0: des études peuvent rendre un effet indésirable peu probable, mais jamais montrer qu&#39;il n&#39;existe pas.",
			"Aucune recherche de données probantes n&#39;a encore été enregistrée pour cette affirmation."} {
			if !strings.Contains(page, want) {
				t.Errorf("the French page lacks %q", want)
			}
		}
		if strings.Contains(page, "application/ld+json") || strings.Contains(page, "Évaluée le") {
			t.Errorf("a claim that is not rated has a ClaimReview or a rating date")
		}

		// A retracted trial: said at the top, in words, before the verdict.
		id, finding := e.readerClaim(belowThreshold)
		fdoc := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/findings/%d", finding)}).Want(t, 200)
		src := int64(fdoc["sources"].([]any)[0].(map[string]any)["source_id"].(float64))
		cur := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/sources/%d", src)})
		e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/sources/%d", src), Role: "editor",
			Body:    map[string]any{"retracted": true, "retraction_note": "Die Daten wurden gefälscht.", "year": 2011},
			Headers: map[string]string{"If-Match": cur.Header.Get("ETag")}}).Want(t, 200)
		claim = e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", id)}).Want(t, 200)
		if !slices.Contains(testenv.Strings(claim["flags"]), "retracted_evidence") {
			t.Fatalf("fixture: flags %v lack retracted_evidence", claim["flags"])
		}
		page = string(claimPage(t, e.s, id).Body)
		notice := fmt.Sprintf("<p class=\"notice\">Zurückgezogen: „Trial for finding %d“ (2011). Die Daten wurden gefälscht.</p>", finding)
		at, verdict := strings.Index(page, notice), strings.Index(page, `id="rating-summary"`)
		if at < 0 || verdict < 0 || at > verdict {
			t.Errorf("the retraction notice is at %d and the verdict at %d: want the notice in words above the verdict", at, verdict)
		}
		if !strings.Contains(page, "Eine Quelle, auf der die Evidenz beruht, wurde zurückgezogen.") {
			t.Errorf("the page lacks the retracted_evidence sentence")
		}
	})
}

// TestReadersSummaryOfFindings: the summary of findings writes effects in
// the outcome's own direction and units (a pain score 0.56 lower is "MD
// 0.56 lower", never "higher"), GRADE 26 statements by certainty and size
// (a null result "results in little to no difference", never "likely
// results in the effect"), absolute effects per 1,000 for a ratio with the
// comparator's risk quoted from the source (GRADE 12) and never without
// one; ?lang= writes the same table in German; comparator_risk is
// validated and survives an export and import.
func TestReadersSummaryOfFindings(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		reduction := e.gradedFinding(painQuestion, map[string]any{"measure": "mean_difference", "estimate": -0.56, "ci_low": -1.08, "ci_high": -0.04,
			"threshold": 0.5, "participants": 120, "studies": 1})
		fdoc := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/findings/%d", reduction)}).Want(t, 200)
		q := int64(fdoc["question"].(map[string]any)["id"].(float64))
		// On the same question: a null result without a threshold, and a
		// risk ratio with the comparator group's risk from the source.
		null := e.gradedFinding(nil, map[string]any{"question_id": q, "measure": "mean_difference", "estimate": -0.1, "ci_low": -0.9, "ci_high": 0.7})
		ratio := e.gradedFinding(nil, map[string]any{"question_id": q, "measure": "risk_ratio", "estimate": 0.5, "ci_low": 0.3, "ci_high": 0.8,
			"comparator_risk": 0.2})
		noRisk := e.gradedFinding(nil, map[string]any{"question_id": q, "measure": "odds_ratio", "estimate": 2.0})

		res := e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(q, "")})
		body := res.Want(t, 200)
		rows := map[float64]map[string]any{}
		for _, r := range body["rows"].([]any) {
			rows[r.(map[string]any)["finding_id"].(float64)] = r.(map[string]any)
		}
		check := func(finding int64, field, want string) {
			t.Helper()
			row := rows[float64(finding)]
			var got any = row[field]
			if field == "effect" || field == "absolute_effect" {
				got = row[field].(map[string]any)["text"]
			}
			if got != want {
				t.Errorf("finding %d %s = %q, want %q", finding, field, got, want)
			}
		}
		check(reduction, "effect", "MD 0.56 lower (1.08 lower to 0.04 lower)")
		check(reduction, "absolute_effect", "MD 0.56 lower (1.08 lower to 0.04 lower)")
		check(reduction, "statement", "Mesotherapy, 3 sessions reduces pain intensity (VAS 0-10) (high-certainty evidence).")
		check(null, "effect", "MD 0.1 lower (0.9 lower to 0.7 higher)")
		check(null, "statement", "Mesotherapy, 3 sessions results in little to no difference in pain intensity (VAS 0-10) (high-certainty evidence).")
		check(null, "statement_kind", "little_to_no_difference")
		check(ratio, "absolute_effect", "200 per 1,000 with the comparator, 100 per 1,000 with the therapy (60 to 160)")
		check(ratio, "statement", "Mesotherapy, 3 sessions reduces pain intensity (VAS 0-10) (high-certainty evidence).")
		check(noRisk, "absolute_effect", "not estimable: no comparator risk recorded")
		if abs := rows[float64(ratio)]["absolute_effect"].(map[string]any); abs["kind"] != "comparator_per_1000" || abs["comparator"] != float64(200) ||
			abs["estimate"] != float64(100) || abs["low"] != float64(60) || abs["high"] != float64(160) {
			t.Errorf("ratio absolute effect = %v", abs)
		}
		if eff := rows[float64(ratio)]["effect"].(map[string]any); eff["comparator_risk"] != 0.2 {
			t.Errorf("ratio effect = %v, want comparator_risk 0.2", eff)
		}
		for _, wrong := range []string{"0.56 higher", "likely results in the effect", "the effect on", "summarised here"} {
			if strings.Contains(string(res.Body), wrong) {
				t.Errorf("the summary says %q", wrong)
			}
		}

		// The same table in German, with its own ETag.
		de := e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(q, "?lang=de")})
		body = de.Want(t, 200)
		if body["language"] != "de" || de.Header.Get("ETag") == res.Header.Get("ETag") {
			t.Errorf("lang=de: language %v, ETag %s (en %s)", body["language"], de.Header.Get("ETag"), res.Header.Get("ETag"))
		}
		for _, r := range body["rows"].([]any) {
			rows[r.(map[string]any)["finding_id"].(float64)] = r.(map[string]any)
		}
		check(reduction, "effect", "MD 0,56 niedriger (1,08 niedriger bis 0,04 niedriger)")
		check(reduction, "statement", "Die Behandlung verringert diesen Endpunkt (hohe Vertrauenswürdigkeit der Evidenz).")
		check(null, "statement", "Die Behandlung macht bei diesem Endpunkt wenig oder keinen Unterschied (hohe Vertrauenswürdigkeit der Evidenz).")
		check(ratio, "absolute_effect", "200 pro 1.000 mit der Vergleichsbehandlung, 100 pro 1.000 mit der Therapie (60 bis 160)")
		page := string(e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(q, "?format=html&lang=de")}).Body)
		if !strings.Contains(page, `<html lang="de">`) || !strings.Contains(page, "Die Behandlung verringert diesen Endpunkt") {
			t.Errorf("the German summary page lacks its language or statements")
		}

		// comparator_risk: a proportion quoted from the source, for ratios.
		for _, bad := range []map[string]any{
			{"measure": "mean_difference", "estimate": -1.0, "comparator_risk": 0.2},
			{"measure": "risk_ratio", "estimate": 0.5, "comparator_risk": 20},
			{"measure": "risk_ratio", "estimate": 0.5, "comparator_risk": 0},
			{"comparator_risk": 0.2},
		} {
			bad["question_id"], bad["summary"] = q, "Bad."
			p := e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/findings", Role: "editor", Body: bad}).Problem(t, 422)
			if !slices.Contains(testenv.ProblemFields(p), "comparator_risk") {
				t.Errorf("%v: problem fields %v, want comparator_risk", bad, testenv.ProblemFields(p))
			}
		}
		cur := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/findings/%d", noRisk)})
		patched := e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/findings/%d", noRisk), Role: "editor",
			Body: map[string]any{"comparator_risk": 0.1}, Headers: map[string]string{"If-Match": cur.Header.Get("ETag")}}).Want(t, 200)
		if patched["comparator_risk"] != 0.1 || slices.Contains(testenv.Strings(patched["flags"]), "stale_grade") {
			t.Errorf("patched finding: comparator_risk %v, flags %v (the comparator risk is not what the grade rests on)", patched["comparator_risk"], patched["flags"])
		}
		row := e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(q, "")}).Want(t, 200)["rows"].([]any)
		for _, r := range row {
			if m := r.(map[string]any); m["finding_id"] == float64(noRisk) {
				// OR 2 with 10%: 2 × 0.1 / (1 - 0.1 + 0.2) = 0.1818.
				if got := m["absolute_effect"].(map[string]any)["text"]; got != "100 per 1,000 with the comparator, 182 per 1,000 with the therapy" {
					t.Errorf("odds ratio with a comparator risk: %q", got)
				}
			}
		}
	})
}

// TestReadersComparatorRiskRoundTrip: a finding's comparator_risk is in
// the export and comes back from an import into an empty database.
func TestReadersComparatorRiskRoundTrip(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newCatalogEnv(t, testenv.Open(t, b))
			e.mesotherapy()
			f := e.gradedFinding(nil, map[string]any{"measure": "risk_ratio", "estimate": 0.5, "ci_low": 0.3, "ci_high": 0.8, "comparator_risk": 0.2})
			export := exportHTTP(t, e.s)
			if !strings.Contains(string(export), `"comparator_risk":0.2`) {
				t.Fatalf("the export lacks the comparator risk")
			}
			s := testenv.NewServer(t, testenv.Open(t, b))
			if res := importHTTP(s, export, ""); res.Status != http.StatusOK {
				t.Fatalf("import = %d %s", res.Status, res.Body)
			}
			if got := s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/findings/%d", f)}).Want(t, 200); got["comparator_risk"] != 0.2 {
				t.Errorf("imported comparator_risk = %v, want 0.2", got["comparator_risk"])
			}
		})
	}
}

// TestClaimPageOccurrenceCertaintyInWords: on the page of a claim rated on
// case evidence ("abscesses can occur"), the low-certainty flag and the
// summary-of-findings rows say what is uncertain (whether the harm can
// occur), never "the true effect" nor "not graded" for graded case
// evidence.
func TestClaimPageOccurrenceCertaintyInWords(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		seedDemo(t, st)
		s := testenv.NewServer(t, st)
		id := demoClaim(t, s, "de-000-abscesses")
		res := s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/claims/%d", id)})
		if res.Status != 200 {
			t.Fatalf("GET /claims/%d = %d", id, res.Status)
		}
		page := string(res.Body)
		for _, want := range []string{
			"Die Bewertung beruht auf einer geringen oder sehr geringen Gewissheit, dass dieser Schaden durch die Therapie auftreten kann",
			`<span class="occurrence">Schaden dokumentiert`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(page, "Der wahre Effekt") {
			t.Errorf("the page of an occurrence rating speaks of the true effect")
		}
		// The case-evidence rows are graded: none says "not graded".
		for _, row := range strings.Split(page, `<tr id="finding-`)[1:] {
			if strings.Contains(row, `class="occurrence"`) && strings.Contains(row, "nicht bewertet") {
				t.Errorf("a graded case-evidence row says not graded: %.300s", row)
			}
		}
	})
}
