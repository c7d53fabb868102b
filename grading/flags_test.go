package grading

import (
	"reflect"
	"testing"
)

func TestAllFlags(t *testing.T) {
	want := []Flag{"unsupported", "contradicted", "inaccurate_wording", "absolute_wording", "low_certainty", "ungraded",
		"stale_grade", "retracted_evidence", "reviewer_disagreement"}
	if got := AllFlags(); !reflect.DeepEqual(got, want) {
		t.Errorf("AllFlags() = %v, want %v", got, want)
	}
}

func TestValidFlag(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"unsupported", true},
		{"contradicted", true},
		{"inaccurate_wording", true},
		{"absolute_wording", true},
		{"low_certainty", true},
		{"ungraded", true},
		{"stale_grade", true},
		{"retracted_evidence", true},
		{"reviewer_disagreement", true},
		{"", false},
		{"Unsupported", false},
		{"stale", false},
		{"disagreement", false},
	}
	for _, tt := range tests {
		if got := Flag(tt.s).Validate() == nil; got != tt.want {
			t.Errorf("Flag(%q).Validate() == nil = %v, want %v", tt.s, got, tt.want)
		}
	}
}
