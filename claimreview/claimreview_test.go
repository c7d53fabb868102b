package claimreview

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"claimgrade/grading"
	"claimgrade/readertext"
)

func intp(v int) *int { return &v }

var pub = Publisher{Name: "Claimgrade", URL: "https://claims.example.org"}

func TestRating(t *testing.T) {
	tests := []struct {
		rating    grading.Rating
		certainty grading.Certainty
		want      Rating
	}{
		{grading.RatingAccurate, grading.High, Rating{Type: "Rating", RatingValue: intp(5), BestRating: intp(5), WorstRating: intp(1), AlternateName: "Accurate (high-certainty evidence)"}},
		{grading.RatingOverstated, grading.Low, Rating{Type: "Rating", RatingValue: intp(3), BestRating: intp(5), WorstRating: intp(1), AlternateName: "Overstated (low-certainty evidence)"}},
		{grading.RatingFalse, grading.VeryLow, Rating{Type: "Rating", RatingValue: intp(1), BestRating: intp(5), WorstRating: intp(1), AlternateName: "False (very low-certainty evidence)"}},
		{grading.RatingFalse, "", Rating{Type: "Rating", RatingValue: intp(1), BestRating: intp(5), WorstRating: intp(1), AlternateName: "False"}},
		{grading.RatingUnproven, grading.Moderate, Rating{Type: "Rating", AlternateName: "Unproven"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.rating)+"/"+string(tt.certainty), func(t *testing.T) {
			r, err := Review(Claim{ID: 1, Text: "t", Rating: tt.rating, Certainty: tt.certainty}, "https://x", pub)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.ReviewRating, tt.want) {
				t.Errorf("got %+v, want %+v", r.ReviewRating, tt.want)
			}
		})
	}
}

// TestAlternateNameInTheClaimsLanguage: the short verdict is in the
// claim's language, with what its certainty is about; unproven is the name
// alone.
func TestAlternateNameInTheClaimsLanguage(t *testing.T) {
	tests := []struct {
		lang      string
		rating    grading.Rating
		certainty grading.Certainty
		basis     grading.CertaintyBasis
		want      string
	}{
		{"de", grading.RatingAccurate, grading.VeryLow, grading.BasisEvidence, "Zutreffend (sehr geringe Vertrauenswürdigkeit der Evidenz)"},
		{"it", grading.RatingOverstated, grading.Low, grading.BasisEvidence, "Esagerata (prove di certezza bassa)"},
		{"fr-CH", grading.RatingFalse, grading.Moderate, grading.BasisEvidence, "Fausse (données probantes d'un niveau de certitude modéré)"},
		{"en", grading.RatingAccurate, grading.Moderate, grading.BasisOccurrence, "Accurate (moderate certainty that the harm can occur)"},
		{"de", grading.RatingUnproven, grading.Low, grading.BasisEvidence, "Unbelegt"},
		{"es", grading.RatingUnproven, grading.Low, grading.BasisEvidence, "Unproven"},
	}
	for _, tt := range tests {
		if got := AlternateName(tt.lang, tt.rating, tt.certainty, tt.basis); got != tt.want {
			t.Errorf("AlternateName(%s, %s, %s, %s) = %q, want %q", tt.lang, tt.rating, tt.certainty, tt.basis, got, tt.want)
		}
	}
}

func TestUnprovenHasNoNumber(t *testing.T) {
	r, err := Review(Claim{ID: 1, Text: "t", Rating: grading.RatingUnproven}, "https://x", pub)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r.ReviewRating)
	if got := string(b); got != `{"@type":"Rating","alternateName":"Unproven"}` {
		t.Errorf("unproven rating = %s", got)
	}
}

func TestNotExported(t *testing.T) {
	for _, r := range []grading.Rating{grading.RatingNotRated, ""} {
		if _, err := Review(Claim{ID: 1, Text: "t", Rating: r}, "https://x", pub); !errors.Is(err, ErrNotRated) {
			t.Errorf("rating %q: err = %v, want ErrNotRated", r, err)
		}
	}
	if _, err := Review(Claim{ID: 1, Text: "t", Rating: "bogus"}, "https://x", pub); err == nil || errors.Is(err, ErrNotRated) {
		t.Errorf("unknown rating: err = %v", err)
	}
}

func TestReview(t *testing.T) {
	created := time.Date(2026, 3, 4, 23, 30, 0, 0, time.FixedZone("x", 2*3600))
	rr, lo, hi, threshold := 0.8, 0.7, 0.9, 1.5
	rated := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	c := Claim{ID: 42, Text: "Zink verkürzt Erkältungen um die Hälfte.", Summary: "Zink halbiert Erkältungen", Language: "de",
		Rating: grading.RatingOverstated, Certainty: grading.Low, Basis: grading.BasisEvidence,
		Verdict: readertext.Verdict{Rating: grading.RatingOverstated, Rule: grading.RuleEffectBelowThresh,
			Facts: grading.VerdictFacts{Format: grading.VerdictFactsFormat, Measure: grading.MeasureRiskRatio, Estimate: &rr,
				CILow: &lo, CIHigh: &hi, Threshold: &threshold, Certainty: grading.Low, Basis: grading.BasisEvidence}},
		CreatedAt: created, RatedAt: &rated,
		Appearances: []Appearance{
			{URL: "https://news.example/zink", Headline: "Zink hilft", Year: 2024, Container: "Beispiel-Zeitung"},
			{URL: "https://blog.example/z", Headline: "Blog"},
		},
		Citations: []Source{{Title: "Zinc trial", DOI: "10.1/abc", URL: "https://j.example/1"}, {Title: "Zinc trial", DOI: "10.1/abc"}, {Title: "No DOI"}}}
	got, err := Review(c, "https://claims.example.org", pub)
	if err != nil {
		t.Fatal(err)
	}
	paper := &Organization{Type: "Organization", Name: "Beispiel-Zeitung"}
	first := CreativeWork{Type: "CreativeWork", URL: "https://news.example/zink", Headline: "Zink hilft", DatePublished: "2024", InLanguage: "de", Author: paper}
	want := ClaimReview{Context: "https://schema.org", Type: "ClaimReview", URL: "https://claims.example.org/claims/42",
		ClaimReviewed: "Zink halbiert Erkältungen", DatePublished: "2026-03-04", DateModified: "2026-05-06T07:08:09Z",
		Author: Organization{Type: "Organization", Name: "Claimgrade", URL: "https://claims.example.org"},
		// In the claim's language, never the rules' English explanation.
		ReviewRating: Rating{Type: "Rating", RatingValue: intp(3), BestRating: intp(5), WorstRating: intp(1),
			AlternateName: "Überzogen (geringe Vertrauenswürdigkeit der Evidenz)",
			Description: "Überzogen: Die Studien zeigen einen Nutzen, der aber kleiner ist als der kleinste für Patienten spürbare Unterschied " +
				"(RR 0,8, 95-%-KI 0,7 bis 0,9; kleinster spürbarer Unterschied: RR 1,5; geringe Vertrauenswürdigkeit der Evidenz)."},
		ItemReviewed: ItemClaim{Type: "Claim", Author: paper, DatePublished: "2024", InLanguage: "de", FirstAppearance: &first,
			Appearance: []CreativeWork{first, {Type: "CreativeWork", URL: "https://blog.example/z", Headline: "Blog", InLanguage: "de"}}},
		Citation: []ScholarlyArticle{{Type: "ScholarlyArticle", Name: "Zinc trial", SameAs: "https://doi.org/10.1/abc", URL: "https://j.example/1"},
			{Type: "ScholarlyArticle", Name: "No DOI"}}}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
	c.Summary = ""
	if got, _ := Review(c, "https://x", pub); got.ClaimReviewed != c.Text {
		t.Errorf("without a summary claimReviewed = %q, want the text", got.ClaimReviewed)
	}
}

func TestFeed(t *testing.T) {
	rated := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	a, _ := Review(Claim{ID: 1, Text: "a", Rating: grading.RatingFalse, CreatedAt: rated, RatedAt: &rated}, "https://x", pub)
	b, _ := Review(Claim{ID: 2, Text: "b", Rating: grading.RatingAccurate, CreatedAt: rated}, "https://x", pub)
	f := Feed([]ClaimReview{a, b}, "https://x/api/v1/claimreview", pub)
	if f.Context != Context || f.Type != "DataFeed" || len(f.DataFeedElement) != 2 {
		t.Fatalf("feed = %+v", f)
	}
	if e := f.DataFeedElement[0]; e.Type != "DataFeedItem" || e.DateModified != "2026-05-06T07:08:09Z" || e.Item.Context != "" || e.Item.URL != "https://x/claims/1" {
		t.Errorf("first element = %+v", e)
	}
	if e := f.DataFeedElement[1]; e.DateModified != "2026-05-06" {
		t.Errorf("an element without dateModified falls back to datePublished, got %q", e.DateModified)
	}
	if empty := Feed(nil, "u", pub); empty.DataFeedElement == nil {
		t.Error("an empty feed has an empty dataFeedElement, not null")
	}
}
