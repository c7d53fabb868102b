package grading

import (
	"reflect"
	"testing"
)

func TestAdjudicate(t *testing.T) {
	retracted := rctSupports
	retracted.Retracted = true
	tests := []struct {
		name     string
		evidence []Evidence
		dec      Decision
		want     []string // fields with problems, in order
	}{
		{"supported moderate on an rct", []Evidence{rctSupports}, Decision{Moderate, Supported, "two RCTs, some bias", "ed"}, nil},
		{"refuted on a refuting rct", []Evidence{rctRefutes}, Decision{Low, Refuted, "r", "ed"}, nil},
		{"insufficient without evidence, no certainty", nil, Decision{None, Insufficient, "nothing linked", "ed"}, nil},
		{"a certainty above the start is an editor's call", []Evidence{seriesSupports}, Decision{High, Supported, "r", "ed"}, nil},
		{"certainty missing with evidence", []Evidence{rctSupports}, Decision{None, Supported, "r", "ed"}, []string{"certainty"}},
		{"certainty out of range", []Evidence{rctSupports}, Decision{Certainty("9"), Supported, "r", "ed"}, []string{"certainty"}},
		{"certainty without evidence", nil, Decision{Low, Insufficient, "r", "ed"}, []string{"certainty"}},
		{"only a retracted source is no evidence", []Evidence{retracted}, Decision{None, Supported, "r", "ed"}, []string{"verdict"}},
		{"supported without support", []Evidence{rctRefutes}, Decision{Moderate, Supported, "r", "ed"}, []string{"verdict"}},
		{"refuted without refutation", []Evidence{rctSupports}, Decision{Moderate, Refuted, "r", "ed"}, []string{"verdict"}},
		{"unknown verdict", []Evidence{rctSupports}, Decision{Moderate, "maybe", "r", "ed"}, []string{"verdict"}},
		{"blank rationale", []Evidence{rctSupports}, Decision{Moderate, Supported, "  ", "ed"}, []string{"rationale"}},
		{"every problem at once", []Evidence{rctSupports}, Decision{None, Refuted, "", "ed"}, []string{"certainty", "verdict", "rationale"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Adjudicate(tt.evidence, tt.dec)
			if got := fields(problemsOf(t, err)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Adjudicate(%v) problems = %v, want %v (err %v)", tt.dec, got, tt.want, err)
			}
			if err != nil {
				if !reflect.DeepEqual(d, Derivation{}) {
					t.Errorf("Adjudicate(%v) derivation on error = %+v, want zero", tt.dec, d)
				}
				return
			}
			if d.Result != tt.dec.Certainty || d.AdjudicatedBy != tt.dec.Editor || len(d.Steps) != 0 || d.Steps == nil {
				t.Errorf("Adjudicate(%v) = %+v, want result %v by %q and no steps", tt.dec, d, tt.dec.Certainty, tt.dec.Editor)
			}
			if start := StartDerivation(tt.evidence); d.Start != start.Start || d.StartSourceID != start.StartSourceID || d.StartReason != start.StartReason {
				t.Errorf("Adjudicate(%v) start = %v/%d/%q, want the evidence's %v/%d/%q", tt.dec, d.Start, d.StartSourceID, d.StartReason,
					start.Start, start.StartSourceID, start.StartReason)
			}
		})
	}
}

func TestAdjudicationSummary(t *testing.T) {
	tests := []struct {
		evidence []Evidence
		dec      Decision
		want     string
	}{
		{[]Evidence{rctSupports}, Decision{Moderate, Supported, "r", "editor"}, "moderate, adjudicated by editor (evidence starts high: rct, source 12)"},
		{[]Evidence{reviewModerate}, Decision{VeryLow, Supported, "r", "ed"}, "very low, adjudicated by ed (evidence starts moderate: stated by the systematic_review, source 41)"},
		{nil, Decision{None, Insufficient, "r", "ed"}, "no certainty, adjudicated by ed (no usable evidence linked)"},
		{[]Evidence{rctSupports}, Decision{Low, Supported, "r", ""}, "low, adjudicated by an editor (evidence starts high: rct, source 12)"},
	}
	for _, tt := range tests {
		d, err := Adjudicate(tt.evidence, tt.dec)
		if err != nil {
			t.Fatalf("Adjudicate(%v): %v", tt.dec, err)
		}
		if got := d.Summary(); got != tt.want {
			t.Errorf("Summary() = %q, want %q", got, tt.want)
		}
	}
}
