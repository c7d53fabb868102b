package grading

import (
	"reflect"
	"testing"
)

func TestSourceKinds(t *testing.T) {
	want := []string{
		"systematic_review", "meta_analysis", "rct", "cohort", "case_control", "cross_sectional",
		"case_series", "case_report", "guideline", "consensus_statement", "narrative_review",
		"expert_opinion", "mechanistic", "web_article", "news", "other",
	}
	if got := Strings(SourceKinds()); !reflect.DeepEqual(got, want) {
		t.Errorf("SourceKinds() = %v, want %v", got, want)
	}
}

// kindTest is one source kind with its expected properties.
type kindTest struct {
	kind     SourceKind
	valid    bool
	evidence bool
	level    Certainty
}

// kindTests returns every source kind with its design level and whether it
// may be evidence, plus a few kinds that do not exist.
func kindTests() []kindTest {
	return []kindTest{
		{"systematic_review", true, true, High},
		{"meta_analysis", true, true, High},
		{"rct", true, true, High},
		{"cohort", true, true, Low},
		{"case_control", true, true, Low},
		{"cross_sectional", true, true, Low},
		{"case_series", true, true, VeryLow},
		{"case_report", true, true, VeryLow},
		{"guideline", true, true, High},
		{"consensus_statement", true, true, VeryLow},
		{"narrative_review", true, true, VeryLow},
		{"expert_opinion", true, true, VeryLow},
		{"mechanistic", true, true, VeryLow},
		{"web_article", true, false, None},
		{"news", true, false, None},
		{"other", true, false, None},
		{"", false, false, None},
		{"RCT", false, false, None},
		{"blog", false, false, None},
	}
}

func TestKindsCoverAllSourceKinds(t *testing.T) {
	seen := map[SourceKind]bool{}
	for _, tt := range kindTests() {
		seen[tt.kind] = true
	}
	for _, k := range SourceKinds() {
		if !seen[k] {
			t.Errorf("kindTests misses source kind %q", k)
		}
	}
}

func TestValidSourceKind(t *testing.T) {
	for _, tt := range kindTests() {
		if got := tt.kind.Validate() == nil; got != tt.valid {
			t.Errorf("SourceKind(%q).Validate() == nil = %v, want %v", tt.kind, got, tt.valid)
		}
	}
}

func TestEvidenceAllowed(t *testing.T) {
	for _, tt := range kindTests() {
		if got := EvidenceAllowed(tt.kind); got != tt.evidence {
			t.Errorf("EvidenceAllowed(%q) = %v, want %v", tt.kind, got, tt.evidence)
		}
	}
}

func TestDesignLevel(t *testing.T) {
	for _, tt := range kindTests() {
		if got := DesignLevel(tt.kind); got != tt.level {
			t.Errorf("DesignLevel(%q) = %v, want %v", tt.kind, got, tt.level)
		}
	}
}

func TestEvidenceLevel(t *testing.T) {
	tests := []struct {
		name string
		e    Evidence
		want Certainty
	}{
		{"design level", Evidence{Kind: "cohort"}, Low},
		{"reported raises", Evidence{Kind: "cohort", ReportedCertainty: Moderate}, Moderate},
		{"reported lowers", Evidence{Kind: "rct", ReportedCertainty: VeryLow}, VeryLow},
		{"reported same", Evidence{Kind: "rct", ReportedCertainty: High}, High},
		{"out of range reported ignored", Evidence{Kind: "rct", ReportedCertainty: Certainty("7")}, High},
		{"retracted", Evidence{Kind: "rct", Retracted: true}, None},
		{"retracted with reported", Evidence{Kind: "rct", ReportedCertainty: High, Retracted: true}, None},
		{"not evidence kind", Evidence{Kind: "news"}, None},
		{"not evidence kind with reported", Evidence{Kind: "web_article", ReportedCertainty: High}, None},
		{"unknown kind", Evidence{Kind: "blog", ReportedCertainty: High}, None},
	}
	for _, tt := range tests {
		if got := tt.e.Level(); got != tt.want {
			t.Errorf("%s: %+v.Level() = %v, want %v", tt.name, tt.e, got, tt.want)
		}
	}
}

func TestStart(t *testing.T) {
	rct := Evidence{LinkID: 1, SourceID: 11, Kind: "rct", Stance: Supports}
	rct2 := Evidence{LinkID: 2, SourceID: 12, Kind: "meta_analysis", Stance: Refutes}
	cohort := Evidence{LinkID: 3, SourceID: 13, Kind: "cohort", Stance: Supports}
	caseReport := Evidence{LinkID: 4, SourceID: 14, Kind: "case_report", Stance: Neutral}
	tests := []struct {
		name      string
		evidence  []Evidence
		wantLevel Certainty
		wantFrom  Evidence
		wantOK    bool
	}{
		{"nil", nil, None, Evidence{}, false},
		{"empty", []Evidence{}, None, Evidence{}, false},
		{"single rct", []Evidence{rct}, High, rct, true},
		{"single cohort", []Evidence{cohort}, Low, cohort, true},
		{"single case report", []Evidence{caseReport}, VeryLow, caseReport, true},
		{"best wins regardless of order", []Evidence{caseReport, cohort, rct}, High, rct, true},
		{"tie goes to the first", []Evidence{cohort, rct, rct2}, High, rct, true},
		{"tie goes to the first, reversed", []Evidence{rct2, rct}, High, rct2, true},
		{"any stance counts", []Evidence{{LinkID: 5, SourceID: 15, Kind: "rct", Stance: Neutral}}, High,
			Evidence{LinkID: 5, SourceID: 15, Kind: "rct", Stance: Neutral}, true},
		{"reported raises a cohort above a case report",
			[]Evidence{caseReport, {LinkID: 6, SourceID: 16, Kind: "cohort", ReportedCertainty: Moderate}},
			Moderate, Evidence{LinkID: 6, SourceID: 16, Kind: "cohort", ReportedCertainty: Moderate}, true},
		{"reported lowers an rct below a cohort",
			[]Evidence{{LinkID: 7, SourceID: 17, Kind: "rct", ReportedCertainty: VeryLow}, cohort},
			Low, cohort, true},
		{"reported lowered rct alone",
			[]Evidence{{LinkID: 7, SourceID: 17, Kind: "rct", ReportedCertainty: VeryLow}},
			VeryLow, Evidence{LinkID: 7, SourceID: 17, Kind: "rct", ReportedCertainty: VeryLow}, true},
		{"retracted rct ignored",
			[]Evidence{{LinkID: 8, SourceID: 18, Kind: "rct", Retracted: true}, cohort},
			Low, cohort, true},
		{"only retracted", []Evidence{{LinkID: 8, SourceID: 18, Kind: "rct", Retracted: true}}, None, Evidence{}, false},
		{"web article, news and other ignored",
			[]Evidence{
				{LinkID: 9, Kind: "web_article", ReportedCertainty: High},
				{LinkID: 10, Kind: "news"},
				{LinkID: 11, Kind: "other"},
				caseReport,
			},
			VeryLow, caseReport, true},
		{"only non-evidence kinds", []Evidence{{Kind: "web_article"}, {Kind: "news"}, {Kind: "other"}}, None, Evidence{}, false},
		{"unknown kind ignored", []Evidence{{Kind: ""}, {Kind: "blog"}}, None, Evidence{}, false},
	}
	for _, tt := range tests {
		level, from, ok := Start(tt.evidence)
		if level != tt.wantLevel || from != tt.wantFrom || ok != tt.wantOK {
			t.Errorf("%s: Start(%+v) = %v, %+v, %v, want %v, %+v, %v",
				tt.name, tt.evidence, level, from, ok, tt.wantLevel, tt.wantFrom, tt.wantOK)
		}
	}
}

func TestCounts(t *testing.T) {
	tests := []struct {
		name        string
		evidence    []Evidence
		wantSupport int
		wantRefute  int
	}{
		{"none", nil, 0, 0},
		{"one each", []Evidence{{Stance: Supports}, {Stance: Refutes}}, 1, 1},
		{"mixed and neutral not counted", []Evidence{{Stance: MixedStance}, {Stance: Neutral}}, 0, 0},
		{"retracted counted", []Evidence{{Stance: Supports, Retracted: true}, {Stance: Refutes, Retracted: true}, {Stance: Supports}}, 2, 1},
		{"several", []Evidence{{Stance: Supports}, {Stance: Supports}, {Stance: Supports}, {Stance: Refutes}, {Stance: Neutral}}, 3, 1},
	}
	for _, tt := range tests {
		support, refute := Counts(tt.evidence)
		if support != tt.wantSupport || refute != tt.wantRefute {
			t.Errorf("%s: Counts(%+v) = %d, %d, want %d, %d", tt.name, tt.evidence, support, refute, tt.wantSupport, tt.wantRefute)
		}
	}
}
