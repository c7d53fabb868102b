package handlers

import (
	"bytes"
	"encoding/json"
	"html"
	"strings"
	"testing"
	"time"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/readertext"
	"claimgrade/store"
)

// renderPage renders the claim page of d in language l, as ClaimPage does.
func renderPage(t *testing.T, d store.ClaimDetail, l readertext.Lang, configure ...func(*claimPageView)) string {
	t.Helper()
	th := models.Therapy{ID: 1, Slug: "mesotherapy", Name: "Mesotherapy", Version: 1, Aliases: []models.TherapyAlias{
		{Alias: "Mesotherapie", Language: "de"}, {Alias: "mesoterapia", Language: "it"}, {Alias: "mésothérapie", Language: "fr-FR"}}}
	v, err := (&Handler{}).claimPageView(d, th, l, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range configure {
		c(&v)
	}
	var b bytes.Buffer
	if err := claimPage.Execute(&b, v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// factsJSON stores facts as the store does.
func factsJSON(t *testing.T, f grading.VerdictFacts) *string {
	t.Helper()
	f.Format = grading.VerdictFactsFormat
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	return &s
}

// TestClaimPageRetractedOnlyTrial: a claim whose only trial was retracted
// does not headline its old rating. The rules (grading.RateClaim) never
// use a withdrawn grade: the claim is not rated and its facts name the
// withdrawn finding, and the page says so at the top, in words, before the
// verdict, in the page's language. (Issue 19: such a claim headlined
// "Accurate ⊕⊕⊕⊕ High", the retraction a note in the last table column.)
// The finding-level half of issue 18 withdraws grades in the store; until
// then the engine's input is built here as the store will build it.
func TestClaimPageRetractedOnlyTrial(t *testing.T) {
	high := grading.High
	in := grading.ClaimRatingInput{
		Wording: grading.ClaimWording{Assertion: grading.AssertEffect, Hedge: grading.HedgeNone, ClaimType: grading.ClaimEfficacy},
		Findings: []grading.LinkedFinding{{FindingID: 7, Stance: grading.Supports, Certainty: &high, Withdrawn: true,
			Question: grading.Question{ComparatorKind: grading.ComparatorInactive, OutcomeKind: grading.OutcomeBenefit, Direction: grading.HigherIsBetter},
			Effect:   grading.EffectEstimate{Measure: grading.MeasureMeanDifference, Estimate: f64(2), CILow: f64(1.2), CIHigh: f64(2.8), Threshold: f64(1)}}},
	}
	r, err := grading.RateClaim(in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rating != grading.RatingNotRated || len(r.Facts.Withdrawn) != 1 || r.Facts.Withdrawn[0] != 7 {
		t.Fatalf("RateClaim of a claim whose only trial was retracted = %s (%s), withdrawn %v", r.Rating, r.Rule, r.Facts.Withdrawn)
	}
	cl := models.Claim{ID: 3, Text: "Mesotherapie lindert Rückenschmerzen.", Language: "de", Rating: r.Rating, RatingSource: grading.SourceRule,
		RatingReason: string(r.Rule), RatingFacts: factsJSON(t, r.Facts), RatingExplanation: r.Explanation,
		Flags: []models.ClaimFlag{{Flag: grading.FlagRetractedEvidence}, {Flag: grading.FlagUnsupported}, {Flag: grading.FlagUngraded}}}
	page := renderPage(t, store.ClaimDetail{Claim: cl}, readertext.German)
	notice := "<p class=\"notice\">" + html.EscapeString(readertext.For(readertext.German).Withdrawn([]int64{7})) + "</p>"
	if notice != "<p class=\"notice\">Zurückgezogene Evidenz: Die Evidenz, auf der diese Behauptung beruhte, wurde zurückgezogen; "+
		"die Bewertung von Befund 7 wurde deshalb aufgehoben und wird nicht mehr verwendet.</p>" {
		t.Errorf("notice = %s", notice)
	}
	at, verdict := strings.Index(page, notice), strings.Index(page, `id="rating-summary"`)
	if at < 0 || verdict < 0 || at > verdict {
		t.Errorf("the withdrawal notice is at %d, the verdict at %d: want it above the verdict, in words", at, verdict)
	}
	sentence := "Nicht bewertet</strong>: Die Evidenz, auf der diese Behauptung beruhte, wurde zurückgezogen, und eine neue Suche nach Evidenz ist noch nicht dokumentiert."
	if !strings.Contains(page, sentence) {
		t.Errorf("the verdict does not say the evidence was retracted:\n%s", page)
	}
	for _, wrong := range []string{"Zutreffend", "⊕⊕⊕⊕"} {
		if strings.Contains(page, wrong) {
			t.Errorf("the page of a claim whose only trial was retracted shows %q", wrong)
		}
	}
	// In French too, with the same facts.
	if fr := renderPage(t, store.ClaimDetail{Claim: cl}, readertext.French); !strings.Contains(fr, "l&#39;évaluation du résultat 7 a donc été annulée") {
		t.Errorf("the French page lacks the withdrawal notice")
	}
}

// TestClaimPageOccurrenceBasis: beside an occurrence rating from case
// evidence, the basis says what its certainty is about ("harm documented,
// attribution probable (occurrence certainty: moderate)"), never a bare
// level; an effect rating says "certainty of the evidence". (Issue 19:
// "Zutreffend · ⊕◯◯◯ Sehr niedrig" said nothing of what was uncertain.)
func TestClaimPageOccurrenceBasis(t *testing.T) {
	moderate, occurrence := grading.Moderate, grading.BasisOccurrence
	facts := grading.VerdictFacts{CaseEvidence: true, Attribution: grading.AttributionProbable, Certainty: grading.Moderate,
		Basis: grading.BasisOccurrence, OutcomeKind: grading.OutcomeHarm, ComparatorKind: grading.ComparatorNone}
	cl := models.Claim{ID: 4, Text: "Es können Abszesse auftreten.", Language: "de", Rating: grading.RatingAccurate, RatingSource: grading.SourceRule,
		RatingReason: string(grading.RuleOccurrenceAttributable), RatingFacts: factsJSON(t, facts), Certainty: &moderate, CertaintyBasis: &occurrence}
	tests := []struct {
		lang  readertext.Lang
		basis string
	}{
		{readertext.German, "Schaden dokumentiert, Zusammenhang mit der Therapie wahrscheinlich (Gewissheit, dass er auftreten kann: moderat)"},
		{readertext.English, "harm documented, attribution probable (occurrence certainty: moderate)"},
		{readertext.Italian, "danno documentato, nesso con la terapia probabile (certezza che possa verificarsi: moderata)"},
		{readertext.French, "effet indésirable documenté, imputabilité au traitement probable (niveau de certitude qu&#39;il puisse survenir\u00a0: modéré)"},
	}
	for _, tt := range tests {
		page := renderPage(t, store.ClaimDetail{Claim: cl}, tt.lang)
		if !strings.Contains(page, `<span class="symbols" aria-hidden="true">⊕⊕⊕◯</span> `+tt.basis+`</span>`) {
			t.Errorf("%s: the basis beside the verdict is not %q", tt.lang, tt.basis)
		}
	}
	if page := renderPage(t, store.ClaimDetail{Claim: cl}, readertext.German); !strings.Contains(page,
		"Zutreffend</strong>: Dieser Schaden ist dokumentiert und wurde nach dem Urteil des Gutachterteams wahrscheinlich durch die Therapie verursacht; "+
			"wie häufig er auftritt, ist nicht bekannt (moderate Gewissheit, dass der Schaden auftreten kann).") {
		t.Errorf("the German occurrence verdict is not the sentence of its rule")
	}
}

// TestClaimPageSearches: "How we searched" lists the documented evidence
// searches from the page's view (pageSearchOf), and says that none is
// recorded when there is none.
func TestClaimPageSearches(t *testing.T) {
	cl := models.Claim{ID: 5, Text: "Kein Risiko.", Language: "de", Rating: grading.RatingNotRated, RatingReason: string(grading.RuleNotYetSearched)}
	page := renderPage(t, store.ClaimDetail{Claim: cl}, readertext.German)
	if !strings.Contains(page, "<h2 id=\"searches-title\">Wie wir gesucht haben</h2>\n<p>Für diese Behauptung ist noch keine Suche nach Evidenz dokumentiert.</p>") {
		t.Errorf("without searches the page does not say none is recorded")
	}
	hits, screened := int64(1240), int64(37)
	page = renderPage(t, store.ClaimDetail{Claim: cl}, readertext.German, func(v *claimPageView) {
		v.Searches = []pageSearch{pageSearchOf(v.L, "pubmed", `mesotherapy AND "drug interaction"`, time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC),
			&hits, &screened, nil, "Keine Studie untersuchte Wechselwirkungen.")}
	})
	for _, want := range []string{"<dd>PubMed</dd>", "<dd><code>mesotherapy AND &#34;drug interaction&#34;</code></dd>", "<dd>3. November 2026</dd>",
		"<dd>1.240</dd>", "<dd>37</dd>", "<dd>keine</dd>", "Keine Studie untersuchte Wechselwirkungen.</p>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the searches list lacks %q", want)
		}
	}
}

// TestTherapyName: the therapy's alias in the page's language, else its
// name.
func TestTherapyName(t *testing.T) {
	th := models.Therapy{Name: "Mesotherapy", Aliases: []models.TherapyAlias{{Alias: "intradermal therapy", Language: "en"},
		{Alias: "Mesotherapie", Language: "de"}, {Alias: "mésothérapie", Language: "fr-FR"}}}
	tests := []struct {
		l    readertext.Lang
		want string
	}{{readertext.German, "Mesotherapie"}, {readertext.French, "mésothérapie"}, {readertext.Italian, "Mesotherapy"}, {readertext.English, "Mesotherapy"}}
	for _, tt := range tests {
		if got := therapyName(th, tt.l); got != tt.want {
			t.Errorf("therapyName(%s) = %q, want %q", tt.l, got, tt.want)
		}
	}
}

func f64(v float64) *float64 { return &v }
