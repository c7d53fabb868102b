package fhircheck_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"claimgrade/fhir"
	"claimgrade/grading"
	"claimgrade/internal/fhircheck"
)

func ptr[T any](v T) *T { return &v }

// claim is a rated claim with two graded findings, one of them without a
// comparator, their sources and assessments.
func claim() fhir.Claim {
	j := grading.NoConcerns()
	j.RiskOfBias, j.Imprecision, j.LargeEffect, j.DoseResponse = grading.ExtremelySerious, grading.Serious, grading.VeryLarge, true
	j.Reasons = map[string]string{"risk_of_bias": "ROBINS-I: critical confounding.", "imprecision": "Few events.",
		"large_effect": "RR 0.2.", "dose_response": "Gradient with sessions."}
	grade := &fhir.Grade{Certainty: grading.VeryLow, Start: grading.High, StartReason: "ROBINS-I starts high (GRADE 18)", Judgements: j,
		Method: grading.MethodAdjudicated}
	trial := fhir.Source{ID: 7, Title: "Mesotherapy versus oral drugs", Authors: "Costantino C", Year: 2011, Container: "Clin Ter",
		DOI: "10.7417/CT.2011.1339", PMID: "21947062", URL: "https://example.org/trial"}
	cohort := fhir.Source{ID: 8, Title: "A retracted cohort", Retracted: true, RetractionNote: "Data fabricated."}
	q := fhir.Question{Population: "adults with low back pain", Intervention: "mesotherapy", Comparator: "oral NSAIDs",
		Outcome: "pain", Timepoint: "6 months"}
	harm := fhir.Question{Population: "adults", Intervention: "mesotherapy", Outcome: "skin necrosis"}
	at := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	as := func(id, reviewer int64) fhir.Assessment {
		return fhir.Assessment{ID: id, ReviewerID: reviewer, Status: grading.StatusSubmitted, Judgements: j, Start: grading.High,
			Certainty: grading.VeryLow, Rationale: "Confounded.", SubmittedAt: at}
	}
	return fhir.Claim{ID: 5, Text: "Mesotherapie heilt Rückenschmerzen <sofort> & dauerhaft.", Language: "de", Rating: grading.RatingFalse,
		RatingExplanation: "Very low certainty.", BaseURL: "https://claimgrade.example",
		Article: fhir.Source{ID: 30, Title: "Spritzen gegen Rückenschmerzen", Container: "Gesund", Year: 2024, URL: "https://example.org/a"},
		Findings: []fhir.Finding{
			{ID: 3, Question: q, Measure: grading.MeasureRiskRatio, Estimate: ptr(0.2), CILow: ptr(0.05), CIHigh: ptr(0.8),
				Events: ptr[int64](4), Participants: ptr[int64](120), Studies: ptr[int64](2), Summary: "Two cohorts.", Grade: grade,
				Sources: []fhir.Source{trial, cohort}, Assessments: []fhir.Assessment{as(11, 1), as(12, 2)}},
			{ID: 4, Question: harm, Measure: grading.MeasureProportion, Estimate: ptr(0.0), CILow: ptr(0.0), CIHigh: ptr(0.03),
				Events: ptr[int64](0), Participants: ptr[int64](120), Summary: "No necrosis in 120.", Sources: []fhir.Source{trial}},
		}}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestClaimBundleIsValidR5(t *testing.T) {
	b, err := fhir.ClaimBundle(claim())
	if err != nil {
		t.Fatal(err)
	}
	ev, err := fhir.EvidenceOf(claim().Findings[0])
	if err != nil {
		t.Fatal(err)
	}
	fhircheck.Valid(t, fhircheck.Doc{Name: "claim bundle", Type: fhircheck.Bundle, JSON: marshal(t, b)},
		fhircheck.Doc{Name: "evidence", Type: fhircheck.Evidence, JSON: marshal(t, ev)})
}

// TestCheckRejectsInvalidR5 proves the check can fail: each document breaks
// R5 in one way and tsc must reject exactly those, and accept the valid one
// among them.
func TestCheckRejectsInvalidR5(t *testing.T) {
	fhircheck.Require(t)
	valid := `{"resourceType":"Evidence","status":"active","variableDefinition":[{"variableRole":{"text":"population"}}]}`
	docs := []fhircheck.Doc{
		{Name: "valid", Type: fhircheck.Evidence, JSON: []byte(valid)},
		{Name: "unknown element", Type: fhircheck.Evidence,
			JSON: []byte(`{"resourceType":"Evidence","status":"active","verdict":"true","variableDefinition":[{"variableRole":{"text":"x"}}]}`)},
		{Name: "unknown element in a Bundle entry", Type: fhircheck.Bundle,
			JSON: []byte(`{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:0b6c2f6e-3c1e-5a7e-8f0e-1d2c3b4a5f60","resource":{"resourceType":"Evidence","status":"active","variableDefinition":[{"variableRole":{"text":"x"}}],"statistic":[{"sampleSize":{"numberOfEvents":3}}]}}]}`)},
		{Name: "string for an integer", Type: fhircheck.Evidence,
			JSON: []byte(`{"resourceType":"Evidence","status":"active","variableDefinition":[{"variableRole":{"text":"x"}}],"statistic":[{"sampleSize":{"numberOfParticipants":"84"}}]}`)},
		{Name: "code outside a required binding", Type: fhircheck.Evidence,
			JSON: []byte(`{"resourceType":"Evidence","status":"final","variableDefinition":[{"variableRole":{"text":"x"}}]}`)},
		{Name: "missing variableDefinition", Type: fhircheck.Evidence, JSON: []byte(`{"resourceType":"Evidence","status":"active"}`)},
		{Name: "R4 element author on ArtifactAssessment", Type: "fhir5.ArtifactAssessment",
			JSON: []byte(`{"resourceType":"ArtifactAssessment","artifactUri":"https://example.org","author":{"display":"Reviewer 1"}}`)},
	}
	res, err := fhircheck.Compile(context.Background(), t.TempDir(), docs...)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"unknown element", "unknown element in a Bundle entry", "string for an integer", "code outside a required binding",
		"missing variableDefinition", "R4 element author on ArtifactAssessment"}
	if got := res.Failed(); !slices.Equal(got, want) {
		t.Errorf("rejected = %v, want %v\ntsc:\n%s", got, want, res.Output)
	}
	for _, f := range res.Failures {
		t.Logf("%s: %s", f.Doc, f.Errors[0])
	}
}
