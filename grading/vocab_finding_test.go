package grading

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// findingVocabularies are the vocabularies of the finding-level engine; the
// claim-level list in vocab_test.go is left alone until that engine goes.
func findingVocabularies() []vocabulary {
	return []vocabulary{
		vocab("included design", IncludedDesigns(), ParseIncludedDesign, (*IncludedDesign).Scan),
		vocab("design class", DesignClasses(), ParseDesignClass, (*DesignClass).Scan),
		vocab("comparator kind", ComparatorKinds(), ParseComparatorKind, (*ComparatorKind).Scan),
		vocab("outcome kind", OutcomeKinds(), ParseOutcomeKind, (*OutcomeKind).Scan),
		vocab("effect measure", EffectMeasures(), ParseEffectMeasure, (*EffectMeasure).Scan),
		vocab("attribution", Attributions(), ParseAttribution, (*Attribution).Scan),
		vocab("rob tool", RobTools(), ParseRobTool, (*RobTool).Scan),
		vocab("sample", Samples(), ParseSample, (*Sample).Scan),
	}
}

func TestFindingVocabulariesParseAndScanExactly(t *testing.T) {
	for _, v := range findingVocabularies() {
		for _, s := range v.values {
			if err := v.parse(s); err != nil {
				t.Errorf("parse %s %q: %v", v.name, s, err)
			}
			for _, src := range []any{s, []byte(s)} {
				if got, err := v.scan(src); err != nil || got != s {
					t.Errorf("scan %s %#v = %q, %v", v.name, src, got, err)
				}
			}
			for _, bad := range []string{"", strings.ToUpper(s), " " + s, s + "x"} {
				var ve *VocabularyError
				if err := v.parse(bad); !errors.As(err, &ve) || ve.Vocabulary != v.name || !strings.Contains(ve.Message(), strings.Join(v.values, ", ")) {
					t.Errorf("parse %s %q = %v, want a *VocabularyError naming every value", v.name, bad, err)
				}
			}
		}
		for _, src := range []any{"bogus", nil, int64(3)} {
			if got, err := v.scan(src); err == nil {
				t.Errorf("scan %s %#v = %q, nil error", v.name, src, got)
			}
		}
	}
}

func TestFindingVocabularyValues(t *testing.T) {
	tests := []struct {
		name      string
		got, want []string
	}{
		{"IncludedDesigns", Strings(IncludedDesigns()), []string{"randomised", "non_randomised", "non_comparative", "mixed"}},
		{"DesignClasses", Strings(DesignClasses()), []string{"randomised", "non_randomised", "non_comparative"}},
		{"ComparatorKinds", Strings(ComparatorKinds()), []string{"none", "inactive", "active"}},
		{"OutcomeKinds", Strings(OutcomeKinds()), []string{"benefit", "harm"}},
		{"EffectMeasures", Strings(EffectMeasures()), []string{"risk_ratio", "odds_ratio", "hazard_ratio", "mean_difference",
			"std_mean_difference", "risk_difference", "proportion", "incidence"}},
		{"Attributions", Strings(Attributions()), []string{"certain", "probable", "possible", "unlikely", "unassessed"}},
		{"RobTools", Strings(RobTools()), []string{"robins_i"}},
		{"Samples", Strings(Samples()), []string{"representative", "selected"}},
		{"AssessedAttributions", Strings(AssessedAttributions()), []string{"certain", "probable", "possible", "unlikely"}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s() = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	for _, m := range EffectMeasures() {
		ratio := m == MeasureRiskRatio || m == MeasureOddsRatio || m == MeasureHazardRatio
		diff := m == MeasureMeanDifference || m == MeasureStdMeanDifference || m == MeasureRiskDifference
		if m.IsRatio() != ratio || m.IsDifference() != diff {
			t.Errorf("%s: IsRatio %v IsDifference %v", m, m.IsRatio(), m.IsDifference())
		}
	}
	// WHO-UMC attribution to occurrence certainty (DESIGN "Case evidence").
	for a, want := range map[Attribution]Certainty{AttributionCertain: High, AttributionProbable: Moderate,
		AttributionPossible: Low, AttributionUnlikely: VeryLow, AttributionUnassessed: None, "bogus": None} {
		if got := a.OccurrenceCertainty(); got != want {
			t.Errorf("Attribution(%q).OccurrenceCertainty() = %q, want %q", a, got, want)
		}
	}
	if concernChange(ExtremelySerious) != -3 || concernChange(VerySerious) != -2 || concernChange(Serious) != -1 || concernChange(NotSerious) != 0 {
		t.Error("concernChange is not 0, -1, -2, -3")
	}
}
