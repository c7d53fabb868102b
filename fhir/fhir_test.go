package fhir_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"claimgrade/fhir"
	"claimgrade/grading"
)

func ptr[T any](v T) *T { return &v }

// decode marshals v and decodes it back as generic JSON.
func decode(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("unmarshal %s: %v", raw, err)
	}
	return out
}

// at walks a decoded JSON value by keys and indexes.
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: %v is not an object", path, v)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at %v: %v has no element %d", path, v, k)
			}
			v = l[k]
		}
	}
	return v
}

func coding(t *testing.T, cc any) string {
	t.Helper()
	c := at(t, cc, "coding", 0).(map[string]any)
	return c["system"].(string) + "|" + c["code"].(string)
}

var trialQuestion = fhir.Question{Population: "adults with acute low back pain", Intervention: "intradermal lidocaine",
	Comparator: "oral diclofenac", Outcome: "pain (VAS 0-10)", Timepoint: "6 months"}

var trial = fhir.Source{ID: 7, Title: "Mesotherapy versus oral drugs for low back pain", Authors: "Costantino C, Marangio E",
	Year: 2011, Container: "Clin Ter", DOI: "10.7417/CT.2011.1339", PMID: "21947062"}

func gradedJudgements() grading.DomainJudgements {
	j := grading.NoConcerns()
	j.RiskOfBias = grading.Serious
	j.Imprecision = grading.VerySerious
	j.LargeEffect = grading.Large
	j.DoseResponse = true
	j.Reasons = map[string]string{"risk_of_bias": "Open label, self-reported pain.", "imprecision": "84 participants.",
		"large_effect": "RR 0.4.", "dose_response": "More sessions, less pain."}
	return j
}

func rctFinding() fhir.Finding {
	return fhir.Finding{ID: 3, Question: trialQuestion, Measure: grading.MeasureMeanDifference, Estimate: ptr(-1.2),
		CILow: ptr(-2.1), CIHigh: ptr(-0.3), Participants: ptr[int64](84), Studies: ptr[int64](1),
		Summary: "One small open-label trial: pain fell slightly more than with oral drugs.", Sources: []fhir.Source{trial}}
}

func graded(f fhir.Finding) fhir.Finding {
	f.Grade = &fhir.Grade{Certainty: grading.Low, Start: grading.High, StartReason: "randomised evidence starts high (GRADE 3)",
		Judgements: gradedJudgements(), Method: grading.MethodConsensus}
	return f
}

func TestStatisticTypeOfEveryMeasure(t *testing.T) {
	tests := []struct {
		measure       grading.EffectMeasure
		code, display string
	}{
		{grading.MeasureRiskRatio, "C93152", "Relative Risk"},
		{grading.MeasureOddsRatio, "C16932", "Odds Ratio"},
		{grading.MeasureHazardRatio, "C93150", "Hazard Ratio"},
		{grading.MeasureMeanDifference, "0000457", "Mean Difference"},
		{grading.MeasureStdMeanDifference, "0000100", "Standardized Mean Difference"},
		{grading.MeasureRiskDifference, "0000424", "Risk Difference"},
		{grading.MeasureProportion, "C44256", "Proportion"},
		{grading.MeasureIncidence, "C16726", "Incidence"},
	}
	if len(tests) != len(grading.EffectMeasures()) {
		t.Fatalf("%d measures tested, %d exist", len(tests), len(grading.EffectMeasures()))
	}
	for _, tt := range tests {
		f := rctFinding()
		f.Measure = tt.measure
		ev, err := fhir.EvidenceOf(f)
		if err != nil {
			t.Fatalf("EvidenceOf(%s): %v", tt.measure, err)
		}
		got := ev.Statistic[0].StatisticType.Coding[0]
		want := fhir.Coding{System: "http://terminology.hl7.org/CodeSystem/statistic-type", Code: tt.code, Display: tt.display}
		if got != want {
			t.Errorf("statisticType(%s) = %+v, want %+v", tt.measure, got, want)
		}
	}
	f := rctFinding()
	f.Measure = "relative_risk"
	if _, err := fhir.EvidenceOf(f); err == nil {
		t.Error("EvidenceOf with an unknown measure: no error")
	}
}

func TestEvidenceOfUngradedFinding(t *testing.T) {
	f := rctFinding()
	f.Question.Comparator = ""
	f.Measure, f.Estimate, f.CILow, f.CIHigh = grading.MeasureProportion, ptr(0.0), ptr(0.0), ptr(0.12)
	f.Events = ptr[int64](0)
	// Submitted assessments of an ungraded finding are blinded: never shown.
	f.Assessments = []fhir.Assessment{{ID: 1, ReviewerID: 9, Status: grading.StatusSubmitted, Judgements: grading.NoConcerns(),
		Start: grading.High, Certainty: grading.High}}
	ev := decode(t, must(t, func() (fhir.Evidence, error) { return fhir.EvidenceOf(f) }))
	if ev["resourceType"] != "Evidence" || ev["status"] != "active" || ev["id"] != "finding-3" {
		t.Errorf("resourceType, status, id = %v, %v, %v", ev["resourceType"], ev["status"], ev["id"])
	}
	if _, ok := ev["certainty"]; ok {
		t.Errorf("an ungraded finding has a certainty: %v", ev["certainty"])
	}
	var roles []string
	for _, v := range ev["variableDefinition"].([]any) {
		roles = append(roles, coding(t, at(t, v, "variableRole")))
	}
	vr := "http://terminology.hl7.org/CodeSystem/variable-role|"
	if want := []string{vr + "population", vr + "exposure", vr + "measuredVariable"}; !slices.Equal(roles, want) {
		t.Errorf("variable roles without comparator = %v, want %v", roles, want)
	}
	st := at(t, ev, "statistic", 0)
	// Zero is a value: the estimate, the CI's low end and the events.
	if v := at(t, st, "quantity", "value"); v != 0.0 {
		t.Errorf("quantity.value = %v, want 0", v)
	}
	if v := at(t, st, "attributeEstimate", 0, "range", "low", "value"); v != 0.0 {
		t.Errorf("CI low = %v, want 0", v)
	}
	if v := at(t, st, "numberOfEvents"); v != 0.0 {
		t.Errorf("numberOfEvents = %v, want 0", v)
	}
	if !strings.Contains(ev["description"].(string), "Not graded yet") {
		t.Errorf("description = %q", ev["description"])
	}
	b := decode(t, must(t, func() (fhir.Bundle, error) { return fhir.FindingBundle(f) }))
	for _, e := range b["entry"].([]any) {
		if rt := at(t, e, "resource", "resourceType"); rt == "ArtifactAssessment" {
			t.Errorf("an ungraded finding's bundle exports an assessment: %v", e)
		}
	}
}

func must[T any](t *testing.T, f func() (T, error)) T {
	t.Helper()
	v, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEvidenceOfGradedFinding(t *testing.T) {
	f := graded(rctFinding())
	f.Events = ptr[int64](12)
	ev := decode(t, must(t, func() (fhir.Evidence, error) { return fhir.EvidenceOf(f) }))
	vr := "http://terminology.hl7.org/CodeSystem/variable-role|"
	var roles []string
	for _, v := range ev["variableDefinition"].([]any) {
		roles = append(roles, coding(t, at(t, v, "variableRole"))+" "+at(t, v, "description").(string))
	}
	want := []string{vr + "population adults with acute low back pain", vr + "exposure intradermal lidocaine",
		vr + "referenceExposure oral diclofenac", vr + "measuredVariable pain (VAS 0-10) at 6 months"}
	if diff := cmp.Diff(want, roles); diff != "" {
		t.Errorf("variableDefinition (-want +got):\n%s", diff)
	}
	st := at(t, ev, "statistic", 0)
	wantStat := map[string]any{
		"statisticType": map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/statistic-type",
			"code": "0000457", "display": "Mean Difference"}}, "text": "mean difference"},
		"quantity":       map[string]any{"value": -1.2},
		"numberOfEvents": 12.0,
		"sampleSize":     map[string]any{"numberOfStudies": 1.0, "numberOfParticipants": 84.0},
		"attributeEstimate": []any{map[string]any{"description": "95% confidence interval",
			"type": map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/attribute-estimate-type",
				"code": "C53324", "display": "Confidence interval"}}},
			"level": 0.95, "range": map[string]any{"low": map[string]any{"value": -2.1}, "high": map[string]any{"value": -0.3}}}},
	}
	if diff := cmp.Diff(wantStat, st); diff != "" {
		t.Errorf("statistic (-want +got):\n%s", diff)
	}
	c := at(t, ev, "certainty", 0)
	if got := coding(t, at(t, c, "type")) + " " + coding(t, at(t, c, "rating")); got != "http://hl7.org/fhir/certainty-type|Overall http://hl7.org/fhir/certainty-rating|low" {
		t.Errorf("overall = %s", got)
	}
	ct, cr := "http://hl7.org/fhir/certainty-type|", "http://hl7.org/fhir/certainty-rating|"
	wantSubs := []string{
		ct + "RiskOfBias " + cr + "serious-concern: Open label, self-reported pain.",
		ct + "Inconsistency " + cr + "no-concern",
		ct + "Indirectness " + cr + "no-concern",
		ct + "Imprecision " + cr + "very-serious-concern: 84 participants.",
		ct + "PublicationBias " + cr + "no-concern",
		ct + "LargeEffect " + cr + "upcode1: RR 0.4.",
		ct + "DoseResponseGradient " + cr + "upcode1: More sessions, less pain.",
		ct + "PlausibleConfounding " + cr + "no-change",
	}
	var subs []string
	for _, s := range at(t, c, "subcomponent").([]any) {
		line := coding(t, at(t, s, "type")) + " " + coding(t, at(t, s, "rating"))
		if n, ok := s.(map[string]any)["note"]; ok {
			line += ": " + at(t, n, 0, "text").(string)
		}
		subs = append(subs, line)
	}
	if diff := cmp.Diff(wantSubs, subs); diff != "" {
		t.Errorf("certainty subcomponents (-want +got):\n%s", diff)
	}
	if d := ev["description"].(string); !strings.HasPrefix(d, f.Summary) || !strings.Contains(d, "Start: high (randomised evidence starts high (GRADE 3))") {
		t.Errorf("description = %q, want the summary and the start", d)
	}
	ra := at(t, ev, "relatedArtifact", 0)
	if at(t, ra, "type") != "citation" || at(t, ra, "document", "url") != "https://doi.org/10.7417/CT.2011.1339" ||
		!strings.Contains(at(t, ra, "citation").(string), "doi:10.7417/CT.2011.1339") {
		t.Errorf("relatedArtifact = %v", ra)
	}
	if _, ok := ra.(map[string]any)["resourceReference"]; ok {
		t.Errorf("a lone Evidence refers to a Citation it does not carry: %v", ra)
	}
}

func TestDomainRatings(t *testing.T) {
	cr := "http://hl7.org/fhir/certainty-rating|"
	tests := []struct {
		name   string
		change func(*grading.DomainJudgements)
		index  int
		want   string
	}{
		{"not serious", func(j *grading.DomainJudgements) {}, 0, cr + "no-concern"},
		{"serious", func(j *grading.DomainJudgements) { j.Inconsistency = grading.Serious }, 1, cr + "serious-concern"},
		{"very serious", func(j *grading.DomainJudgements) { j.Indirectness = grading.VerySerious }, 2, cr + "very-serious-concern"},
		{"extremely serious", func(j *grading.DomainJudgements) { j.RiskOfBias = grading.ExtremelySerious }, 0, cr + "extremely-serious-concern"},
		{"no large effect", func(j *grading.DomainJudgements) {}, 5, cr + "no-change"},
		{"very large effect", func(j *grading.DomainJudgements) { j.LargeEffect = grading.VeryLarge }, 5, cr + "upcode2"},
		{"plausible confounding", func(j *grading.DomainJudgements) { j.PlausibleConfounding = true }, 7, cr + "upcode1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := graded(rctFinding())
			f.Grade.Judgements = grading.NoConcerns()
			tt.change(&f.Grade.Judgements)
			ev := decode(t, must(t, func() (fhir.Evidence, error) { return fhir.EvidenceOf(f) }))
			if got := coding(t, at(t, ev, "certainty", 0, "subcomponent", tt.index, "rating")); got != tt.want {
				t.Errorf("rating = %s, want %s", got, tt.want)
			}
		})
	}
	for _, c := range []grading.Certainty{grading.High, grading.Moderate, grading.Low, grading.VeryLow} {
		f := graded(rctFinding())
		f.Grade.Certainty = c
		ev := decode(t, must(t, func() (fhir.Evidence, error) { return fhir.EvidenceOf(f) }))
		want := map[grading.Certainty]string{grading.High: "high", grading.Moderate: "moderate", grading.Low: "low", grading.VeryLow: "very-low"}[c]
		if got := coding(t, at(t, ev, "certainty", 0, "rating")); got != cr+want {
			t.Errorf("overall rating of %s = %s, want %s", c, got, cr+want)
		}
	}
	// A value outside the vocabulary is an error, never a default.
	f := graded(rctFinding())
	f.Grade.Judgements.Imprecision = "huge"
	if _, err := fhir.EvidenceOf(f); err == nil {
		t.Error("EvidenceOf with concern \"huge\": no error")
	}
}

// bundleRefs checks the rules of a collection Bundle: unique fullUrls,
// every reference resolving to one; it returns the resources by fullUrl.
func bundleRefs(t *testing.T, b map[string]any) map[string]map[string]any {
	t.Helper()
	if b["resourceType"] != "Bundle" || b["type"] != "collection" {
		t.Fatalf("resourceType %v type %v", b["resourceType"], b["type"])
	}
	uuid := regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	byURL := map[string]map[string]any{}
	for _, e := range b["entry"].([]any) {
		u := at(t, e, "fullUrl").(string)
		if !uuid.MatchString(u) {
			t.Errorf("fullUrl %q is not a version 5 urn:uuid", u)
		}
		if _, dup := byURL[u]; dup {
			t.Errorf("fullUrl %s appears twice", u)
		}
		byURL[u] = at(t, e, "resource").(map[string]any)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["reference"].(string); ok {
				target, found := byURL[r]
				if !found {
					t.Errorf("reference %s resolves to no entry", r)
				} else if x["type"] != nil && x["type"] != target["resourceType"] {
					t.Errorf("reference %s has type %v but is a %v", r, x["type"], target["resourceType"])
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(b)
	return byURL
}

func ofType(byURL map[string]map[string]any, rt string) []map[string]any {
	var out []map[string]any
	for _, r := range byURL {
		if r["resourceType"] == rt {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b map[string]any) int { return strings.Compare(a["id"].(string), b["id"].(string)) })
	return out
}

func TestFindingBundleExportsOnlySubmittedAssessments(t *testing.T) {
	f := graded(rctFinding())
	at0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	sub := func(id, reviewer int64, status grading.AssessmentStatus) fhir.Assessment {
		return fhir.Assessment{ID: id, ReviewerID: reviewer, Status: status, Judgements: gradedJudgements(), Start: grading.High,
			Certainty: grading.Low, Rationale: "One open-label trial.", SubmittedAt: at0}
	}
	f.Assessments = []fhir.Assessment{sub(12, 40, grading.StatusRevised), sub(11, 41, grading.StatusSubmitted), sub(13, 42, grading.StatusDraft)}
	byURL := bundleRefs(t, decode(t, must(t, func() (fhir.Bundle, error) { return fhir.FindingBundle(f) })))
	aas := ofType(byURL, "ArtifactAssessment")
	var got []string
	for _, aa := range aas {
		got = append(got, aa["id"].(string)+" "+at(t, aa, "content", 0, "author", "display").(string))
		if n := len(aa["content"].([]any)); n != 10 {
			t.Errorf("%v has %d content entries, want 10 (overall, rationale, 8 domains)", aa["id"], n)
		}
		if d := aa["date"]; d != "2026-03-01T10:00:00Z" {
			t.Errorf("date = %v", d)
		}
	}
	// By id: 11 (reviewer 41) is Reviewer 1; the draft 13 is not there.
	if want := []string{"finding-assessment-11 Reviewer 1", "finding-assessment-12 Reviewer 2"}; !slices.Equal(got, want) {
		t.Errorf("assessments = %v, want %v", got, want)
	}
	ct := "http://hl7.org/fhir/certainty-type|"
	if c := aas[0]["content"].([]any); coding(t, at(t, c[0], "type")) != ct+"Overall" || coding(t, at(t, c[2], "type")) != ct+"RiskOfBias" ||
		coding(t, at(t, c[2], "classifier", 0)) != "http://hl7.org/fhir/certainty-rating|serious-concern" ||
		at(t, c[1], "informationType") != "comment" || at(t, c[2], "summary") != "Open label, self-reported pain." {
		t.Errorf("content = %v", c)
	}
	cits := ofType(byURL, "Citation")
	if len(cits) != 1 {
		t.Fatalf("%d citations, want 1", len(cits))
	}
	wantCit := map[string]any{"resourceType": "Citation", "id": "source-7", "title": trial.Title, "status": "active",
		"citedArtifact": map[string]any{
			"identifier": []any{map[string]any{"system": "https://doi.org", "value": "10.7417/CT.2011.1339"},
				map[string]any{"system": "https://pubmed.ncbi.nlm.nih.gov", "value": "21947062"}},
			"title":           []any{map[string]any{"text": trial.Title}},
			"publicationForm": []any{map[string]any{"publishedIn": map[string]any{"title": "Clin Ter"}, "articleDate": "2011"}},
			"contributorship": map[string]any{"summary": []any{map[string]any{"value": "Costantino C, Marangio E"}}},
		}}
	if diff := cmp.Diff(wantCit, cits[0]); diff != "" {
		t.Errorf("citation (-want +got):\n%s", diff)
	}
	ev := ofType(byURL, "Evidence")[0]
	if at(t, ev, "relatedArtifact", 0, "resourceReference", "type") != "Citation" {
		t.Errorf("the Evidence does not refer to its Citation: %v", ev["relatedArtifact"])
	}
}

func TestClaimBundle(t *testing.T) {
	article := fhir.Source{ID: 30, Title: "Mesotherapie: Spritzen gegen Rückenschmerzen", Container: "Gesund Heute", Year: 2024,
		URL: "https://example.org/mesotherapie"}
	second := graded(rctFinding())
	second.ID, second.Sources = 4, []fhir.Source{trial, {ID: 8, Title: "A retracted trial", Retracted: true, RetractionNote: "Data fabricated."}}
	first := graded(rctFinding())
	first.Assessments = []fhir.Assessment{{ID: 21, ReviewerID: 50, Status: grading.StatusSubmitted, Judgements: gradedJudgements(),
		Start: grading.High, Certainty: grading.Low}}
	second.Assessments = []fhir.Assessment{{ID: 22, ReviewerID: 51, Status: grading.StatusSubmitted, Judgements: gradedJudgements(),
		Start: grading.High, Certainty: grading.Low}, {ID: 23, ReviewerID: 50, Status: grading.StatusSubmitted, Judgements: gradedJudgements(),
		Start: grading.High, Certainty: grading.Low}}
	claim := fhir.Claim{ID: 5, Text: "Mesotherapie heilt Rückenschmerzen dauerhaft.", Language: "de", Rating: grading.RatingOverstated,
		RatingExplanation: "Low-certainty evidence of a small effect.", Article: article, Findings: []fhir.Finding{first, second},
		BaseURL: "https://claimgrade.example/"}
	b := decode(t, must(t, func() (fhir.Bundle, error) { return fhir.ClaimBundle(claim) }))
	byURL := bundleRefs(t, b)
	count := map[string]int{}
	for _, r := range byURL {
		count[r["resourceType"].(string)]++
	}
	// 2 Evidence; Citations of the article, source 7 (cited by both
	// findings, once) and source 8; 3 assessments and the claim's rating.
	if want := map[string]int{"Evidence": 2, "Citation": 3, "ArtifactAssessment": 4}; !cmp.Equal(want, count) {
		t.Errorf("resources = %v, want %v", count, want)
	}
	var rating map[string]any
	authors := map[string]string{}
	for _, aa := range ofType(byURL, "ArtifactAssessment") {
		if aa["id"] == "claim-5-rating" {
			rating = aa
			continue
		}
		authors[aa["id"].(string)] = at(t, aa, "content", 0, "author", "display").(string)
	}
	// The same reviewer (50) keeps one pseudonym across findings.
	if want := map[string]string{"finding-assessment-21": "Reviewer 1", "finding-assessment-22": "Reviewer 2",
		"finding-assessment-23": "Reviewer 1"}; !cmp.Equal(want, authors) {
		t.Errorf("authors = %v, want %v", authors, want)
	}
	if rating == nil {
		t.Fatal("no claim rating")
	}
	target := byURL[at(t, rating, "artifactReference", "reference").(string)]
	if target["resourceType"] != "Citation" || target["title"] != article.Title {
		t.Errorf("the rating is on %v %v, want the article's Citation", target["resourceType"], target["title"])
	}
	comment, rated := at(t, rating, "content", 0), at(t, rating, "content", 1)
	if at(t, comment, "informationType") != "comment" || at(t, comment, "summary") != claim.Text ||
		coding(t, at(t, comment, "classifier", 0)) != "urn:ietf:bcp:47|de" {
		t.Errorf("comment = %v", comment)
	}
	if at(t, rated, "informationType") != "rating" || at(t, rated, "summary") != claim.RatingExplanation ||
		coding(t, at(t, rated, "classifier", 0)) != "https://claimgrade.example/fhir/CodeSystem/claim-rating|overstated" {
		t.Errorf("rating = %v", rated)
	}
	var justified []string
	for _, ra := range at(t, rated, "relatedArtifact").([]any) {
		if at(t, ra, "type") != "justification" {
			t.Errorf("relatedArtifact type = %v", at(t, ra, "type"))
		}
		justified = append(justified, byURL[at(t, ra, "resourceReference", "reference").(string)]["id"].(string))
	}
	if want := []string{"finding-3", "finding-4"}; !slices.Equal(justified, want) {
		t.Errorf("justification = %v, want %v", justified, want)
	}
	for _, c := range ofType(byURL, "Citation") {
		if c["id"] == "source-8" && at(t, c, "note", 0, "text") != "Retracted: Data fabricated." {
			t.Errorf("retracted citation note = %v", c["note"])
		}
	}
	// The same export twice gives the same bytes (name-based fullUrls).
	again := decode(t, must(t, func() (fhir.Bundle, error) { return fhir.ClaimBundle(claim) }))
	if diff := cmp.Diff(b, again); diff != "" {
		t.Errorf("ClaimBundle is not deterministic:\n%s", diff)
	}
}

func TestClaimBundleRejectsBadInput(t *testing.T) {
	ok := fhir.Claim{ID: 1, Text: "Heals.", Language: "en", Rating: grading.RatingNotRated, Article: fhir.Source{ID: 2, Title: "An article"},
		BaseURL: "http://localhost:8080"}
	tests := []struct {
		name    string
		change  func(*fhir.Claim)
		wantErr bool
	}{
		{"valid, no findings, not rated", func(c *fhir.Claim) {}, false},
		{"no base URL", func(c *fhir.Claim) { c.BaseURL = "" }, true},
		{"relative base URL", func(c *fhir.Claim) { c.BaseURL = "/claims" }, true},
		{"unknown rating", func(c *fhir.Claim) { c.Rating = "mostly_true" }, true},
		{"empty text", func(c *fhir.Claim) { c.Text = "  " }, true},
		{"bad finding", func(c *fhir.Claim) {
			f := graded(rctFinding())
			f.Grade.Certainty = "very_high"
			c.Findings = []fhir.Finding{f}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			_, err := fhir.ClaimBundle(c)
			if (err != nil) != tt.wantErr {
				t.Errorf("ClaimBundle() error = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

// TestClaimRatingCodeSystem: the CodeSystem lists every rating, in order,
// with the display the exports use and the rating's definition, at the URL
// the exports code ratings in; its resourceType is written whatever the
// field holds.
func TestClaimRatingCodeSystem(t *testing.T) {
	cs, err := fhir.ClaimRatingCodeSystem("https://claims.example.org/", "Faktencheck")
	if err != nil {
		t.Fatal(err)
	}
	cs.ResType = "Bogus"
	doc := decode(t, cs)
	if doc["resourceType"] != "CodeSystem" || doc["url"] != fhir.ClaimRatingSystem("https://claims.example.org") ||
		doc["status"] != "active" || doc["content"] != "complete" || doc["count"] != float64(len(grading.Ratings())) {
		t.Errorf("CodeSystem = %v", doc)
	}
	var got []fhir.CodeSystemConcept
	for _, r := range grading.Ratings() {
		display, err := fhir.RatingDisplay(r)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fhir.CodeSystemConcept{Code: string(r), Display: display, Definition: r.Definition()})
	}
	if diff := cmp.Diff(got, cs.Concept); diff != "" {
		t.Errorf("concepts (-want +got):\n%s", diff)
	}
	for _, base := range []string{"", "claims.example.org", "ftp://claims.example.org"} {
		if _, err := fhir.ClaimRatingCodeSystem(base, ""); err == nil {
			t.Errorf("ClaimRatingCodeSystem(%q) = nil error, want one", base)
		}
	}
}
