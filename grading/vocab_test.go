package grading

import (
	"errors"
	"strings"
	"testing"
)

// vocabulary is what every vocabulary type offers, for a test that walks
// them all.
type vocabulary struct {
	name   string
	values []string
	parse  func(string) error
	scan   func(src any) (string, error)
}

func vocab[T ~string](name string, values []T, parse func(string) (T, error), scan func(*T, any) error) vocabulary {
	return vocabulary{
		name:   name,
		values: Strings(values),
		parse:  func(s string) error { _, err := parse(s); return err },
		scan: func(src any) (string, error) {
			var v T
			err := scan(&v, src)
			return string(v), err
		},
	}
}

func vocabularies() []vocabulary {
	return []vocabulary{
		vocab("certainty", Certainties(), ParseCertainty, (*Certainty).Scan),
		vocab("concern", Concerns(), ParseConcern, (*Concern).Scan),
		vocab("large effect", Effects(), ParseEffect, (*Effect).Scan),
		vocab("stance", Stances(), ParseStance, (*Stance).Scan),
		vocab("source kind", SourceKinds(), ParseSourceKind, (*SourceKind).Scan),
		vocab("claim type", ClaimTypes(), ParseClaimType, (*ClaimType).Scan),
		vocab("link role", LinkRoles(), ParseLinkRole, (*LinkRole).Scan),
		vocab("assessment status", AssessmentStatuses(), ParseAssessmentStatus, (*AssessmentStatus).Scan),
		vocab("grade method", Methods(), ParseMethod, (*Method).Scan),
		vocab("flag", AllFlags(), ParseFlag, (*Flag).Scan),
		vocab("domain", []Domain{DomainRiskOfBias, DomainInconsistency, DomainIndirectness, DomainImprecision,
			DomainPublicationBias, DomainLargeEffect, DomainDoseResponse, DomainPlausibleConfounding, DomainAttribution}, ParseDomain, (*Domain).Scan),
		vocab("rating", Ratings(), ParseRating, (*Rating).Scan),
		vocab("rating source", RatingSources(), ParseRatingSource, (*RatingSource).Scan),
		vocab("assertion", Assertions(), ParseAssertion, (*Assertion).Scan),
		vocab("hedge", Hedges(), ParseHedge, (*Hedge).Scan),
		vocab("frequency band", FrequencyBands(), ParseFrequencyBand, (*FrequencyBand).Scan),
		vocab("rating rule", RatingRules(), ParseRatingRule, (*RatingRule).Scan),
	}
}

func TestVocabulariesParseExactly(t *testing.T) {
	for _, v := range vocabularies() {
		for _, s := range v.values {
			if err := v.parse(s); err != nil {
				t.Errorf("parse %s %q: %v", v.name, s, err)
			}
			for _, bad := range []string{"", strings.ToUpper(s), " " + s, s + " ", strings.ReplaceAll(s, "_", "-") + "x"} {
				err := v.parse(bad)
				var ve *VocabularyError
				if !errors.As(err, &ve) {
					t.Errorf("parse %s %q = %v, want a *VocabularyError", v.name, bad, err)
					continue
				}
				if ve.Vocabulary != v.name || ve.Value != bad || !strings.Contains(ve.Message(), strings.Join(v.values, ", ")) {
					t.Errorf("parse %s %q: error %+v does not name the vocabulary, the value and every allowed value", v.name, bad, ve)
				}
			}
		}
	}
}

// A value read from the database that is not in its vocabulary is an error,
// never a silent default; so is NULL where a value is required.
func TestVocabulariesScan(t *testing.T) {
	for _, v := range vocabularies() {
		for _, s := range v.values {
			for _, src := range []any{s, []byte(s)} {
				got, err := v.scan(src)
				if err != nil || got != s {
					t.Errorf("scan %s %#v = %q, %v, want %q", v.name, src, got, err, s)
				}
			}
		}
		for _, src := range []any{"bogus", []byte("Bogus"), "", nil, int64(3)} {
			if got, err := v.scan(src); err == nil {
				t.Errorf("scan %s %#v = %q, nil error; want an error", v.name, src, got)
			}
		}
	}
}

func TestCertaintyPtr(t *testing.T) {
	if Certainty(None).Ptr() != nil {
		t.Errorf("None.Ptr() = %v, want nil", Certainty(None).Ptr())
	}
	if p := Low.Ptr(); p == nil || *p != Low || Deref(p) != Low {
		t.Errorf("Low.Ptr() = %v, want a pointer to low", p)
	}
	if Deref(nil) != None {
		t.Errorf("Deref(nil) = %q, want None", Deref(nil))
	}
}

func TestAtLevelClamps(t *testing.T) {
	tests := []struct {
		level int
		want  Certainty
	}{{-3, VeryLow}, {0, VeryLow}, {1, VeryLow}, {2, Low}, {3, Moderate}, {4, High}, {6, High}}
	for _, tt := range tests {
		if got := atLevel(tt.level); got != tt.want {
			t.Errorf("atLevel(%d) = %q, want %q", tt.level, got, tt.want)
		}
	}
}

// TestRatingDefinitions: every rating says what it means (the claim-rating
// CodeSystem's definitions), and a value outside the vocabulary has none.
func TestRatingDefinitions(t *testing.T) {
	seen := map[string]Rating{}
	for _, r := range Ratings() {
		d := r.Definition()
		if d == "" {
			t.Errorf("rating %s has no definition", r)
		}
		if other, ok := seen[d]; ok {
			t.Errorf("ratings %s and %s share a definition", r, other)
		}
		seen[d] = r
	}
	if d := Rating("bogus").Definition(); d != "" {
		t.Errorf(`Rating("bogus").Definition() = %q, want ""`, d)
	}
}
