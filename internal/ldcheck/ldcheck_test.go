package ldcheck_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"claimgrade/claimreview"
	"claimgrade/grading"
	"claimgrade/internal/ldcheck"
	"claimgrade/readertext"
)

// review is the ClaimReview of a rated claim with two appearances and a
// citation, and of an unproven one (no number, only alternateName).
func review(t *testing.T, rating grading.Rating) []byte {
	t.Helper()
	at := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	r, err := claimreview.Review(claimreview.Claim{ID: 5, Text: `Mesotherapie heilt </script> & "alles"`, Language: "de",
		Rating: rating, Certainty: grading.Low, Basis: grading.BasisEvidence, CreatedAt: at, RatedAt: &at,
		Verdict: readertext.Verdict{Rule: grading.RuleVeryLow, Facts: grading.VerdictFacts{Format: grading.VerdictFactsFormat,
			Certainty: grading.Low, Basis: grading.BasisEvidence}},
		Appearances: []claimreview.Appearance{{URL: "https://news.example/a", Headline: "Spritzen", Year: 2024, Container: "Zeitung"},
			{URL: "https://news.example/b", Headline: "Mehr Spritzen"}},
		Citations: []claimreview.Source{{Title: "A trial", DOI: "10.1000/x", URL: "https://example.org/t"}}},
		"https://claims.example.org", claimreview.Publisher{Name: "Faktencheck", URL: "https://fc.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func feed(t *testing.T) []byte {
	t.Helper()
	var rs []claimreview.ClaimReview
	for _, doc := range [][]byte{review(t, grading.RatingAccurate), review(t, grading.RatingUnproven)} {
		var r claimreview.ClaimReview
		if err := json.Unmarshal(doc, &r); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	b, err := json.Marshal(claimreview.Feed(rs, "https://claims.example.org/api/v1/claimreview", claimreview.Publisher{Name: "Faktencheck"}))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMappingIsValidSchemaOrg(t *testing.T) {
	var docs []ldcheck.Doc
	for _, r := range []grading.Rating{grading.RatingAccurate, grading.RatingOverstated, grading.RatingUnproven, grading.RatingFalse} {
		docs = append(docs, ldcheck.Doc{Name: string(r), Type: ldcheck.ClaimReview, JSON: review(t, r)})
	}
	docs = append(docs, ldcheck.Doc{Name: "feed", Type: ldcheck.DataFeed, JSON: feed(t)})
	ldcheck.Valid(t, docs...)
}

// TestRejects proves that tsc against schema-dts catches what it should:
// each broken document fails with the error named, and only it.
func TestRejects(t *testing.T) {
	ldcheck.Require(t)
	edit := func(doc []byte, f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	good := review(t, grading.RatingOverstated)
	tests := []struct {
		name, typ string
		doc       []byte
		want      string // in tsc's error
	}{
		{"unknown property", ldcheck.ClaimReview, edit(good, func(m map[string]any) { m["claimReviewd"] = "typo" }), "claimReviewd"},
		{"unknown nested property", ldcheck.ClaimReview, edit(good, func(m map[string]any) {
			m["itemReviewed"].(map[string]any)["firstAppearance"].(map[string]any)["publisher_name"] = "x"
		}), "publisher_name"},
		{"number for an Organization", ldcheck.ClaimReview, edit(good, func(m map[string]any) { m["author"] = 5 }), "number"},
		{"object for a ratingValue", ldcheck.ClaimReview, edit(good, func(m map[string]any) {
			m["reviewRating"].(map[string]any)["ratingValue"] = map[string]any{"value": 3}
		}), "ratingValue"},
		{"wrong @type", ldcheck.ClaimReview, edit(good, func(m map[string]any) { m["@type"] = "ClaimReviews" }), "ClaimReviews"},
		{"feed item of the wrong type", ldcheck.DataFeed, edit(feed(t), func(m map[string]any) {
			m["dataFeedElement"].([]any)[0].(map[string]any)["dateModified"] = true
		}), "dateModified"},
	}
	docs := []ldcheck.Doc{{Name: "good", Type: ldcheck.ClaimReview, JSON: good}}
	for _, tt := range tests {
		docs = append(docs, ldcheck.Doc{Name: tt.name, Type: tt.typ, JSON: tt.doc})
	}
	res, err := ldcheck.Compile(context.Background(), t.TempDir(), docs...)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, tt := range tests {
		want = append(want, tt.name)
	}
	if got := res.Failed(); !slices.Equal(got, want) {
		t.Fatalf("Compile rejected %v, want %v\n%s", got, want, res.Output)
	}
	for i, tt := range tests {
		if msg := strings.Join(res.Failures[i].Errors, "\n"); !strings.Contains(msg, tt.want) {
			t.Errorf("%s: tsc said %q, want it to name %q", tt.name, msg, tt.want)
		}
	}
}
