package grading

import (
	"reflect"
	"strings"
	"testing"
)

func TestCertaintyString(t *testing.T) {
	tests := []struct {
		c    Certainty
		want string
	}{
		{None, ""},
		{VeryLow, "very_low"},
		{Low, "low"},
		{Moderate, "moderate"},
		{High, "high"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("Certainty(%q).String() = %q, want %q", string(tt.c), got, tt.want)
		}
	}
}

func TestCertaintyFHIRCode(t *testing.T) {
	tests := []struct {
		c    Certainty
		want string
	}{
		{None, ""},
		{VeryLow, "very-low"},
		{Low, "low"},
		{Moderate, "moderate"},
		{High, "high"},
	}
	for _, tt := range tests {
		if got := tt.c.FHIRCode(); got != tt.want {
			t.Errorf("Certainty(%q).FHIRCode() = %q, want %q", string(tt.c), got, tt.want)
		}
	}
}

func TestCertaintyOrder(t *testing.T) {
	if !(Certainty(None).Level() < VeryLow.Level() && VeryLow.Level() < Low.Level() && Low.Level() < Moderate.Level() && Moderate.Level() < High.Level()) {
		t.Errorf("levels out of order: None=%d VeryLow=%d Low=%d Moderate=%d High=%d",
			Certainty(None).Level(), VeryLow.Level(), Low.Level(), Moderate.Level(), High.Level())
	}
	var zero Certainty
	if zero != None {
		t.Errorf("zero Certainty = %q, want None", zero)
	}
	if got := Certainty("bogus").Level(); got != -1 {
		t.Errorf(`Certainty("bogus").Level() = %d, want -1`, got)
	}
}

func TestParseCertainty(t *testing.T) {
	tests := []struct {
		in      string
		want    Certainty
		wantErr bool
	}{
		{"high", High, false},
		{"moderate", Moderate, false},
		{"low", Low, false},
		{"very_low", VeryLow, false},
		{"", None, true},
		{"none", None, true},
		{"High", None, true},
		{"HIGH", None, true},
		{" high", None, true},
		{"high ", None, true},
		{"very-low", None, true},
		{"very low", None, true},
		{"verylow", None, true},
		{"0", None, true},
	}
	for _, tt := range tests {
		got, err := ParseCertainty(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseCertainty(%q) = %v, %v, want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "must be one of high, moderate, low, very_low") {
			t.Errorf("ParseCertainty(%q) error = %q, want it to list the valid values", tt.in, err)
		}
	}
}

func TestParseCertaintyRoundTrip(t *testing.T) {
	for _, s := range Certainties() {
		c, err := ParseCertainty(string(s))
		if err != nil {
			t.Fatalf("ParseCertainty(%q) error = %v", s, err)
		}
		if got := c.String(); got != string(s) {
			t.Errorf("ParseCertainty(%q).String() = %q, want %q", s, got, s)
		}
	}
}

func TestCertainties(t *testing.T) {
	want := []Certainty{"high", "moderate", "low", "very_low"}
	got := Certainties()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Certainties() = %v, want %v", got, want)
	}
	got[0] = "changed"
	if again := Certainties(); !reflect.DeepEqual(again, want) {
		t.Errorf("Certainties() after changing a returned slice = %v, want %v", again, want)
	}
}

func TestConcern(t *testing.T) {
	tests := []struct {
		c     Concern
		valid bool
		steps int
		fhir  string
	}{
		{NotSerious, true, 0, "no-concern"},
		{Serious, true, -1, "serious-concern"},
		{VerySerious, true, -2, "very-serious-concern"},
		{"", false, 0, ""},
		{"Serious", false, 0, ""},
		{"very serious", false, 0, ""},
		{"extremely_serious", false, 0, ""},
	}
	for _, tt := range tests {
		if got := tt.c.Valid(); got != tt.valid {
			t.Errorf("Concern(%q).Valid() = %v, want %v", tt.c, got, tt.valid)
		}
		if got := tt.c.Steps(); got != tt.steps {
			t.Errorf("Concern(%q).Steps() = %v, want %v", tt.c, got, tt.steps)
		}
		if got := tt.c.FHIRCode(); got != tt.fhir {
			t.Errorf("Concern(%q).FHIRCode() = %q, want %q", tt.c, got, tt.fhir)
		}
	}
}

func TestEffect(t *testing.T) {
	tests := []struct {
		e     Effect
		valid bool
		steps int
	}{
		{NoLargeEffect, true, 0},
		{Large, true, 1},
		{VeryLarge, true, 2},
		{"", false, 0},
		{"Large", false, 0},
		{"huge", false, 0},
	}
	for _, tt := range tests {
		if got := tt.e.Valid(); got != tt.valid {
			t.Errorf("Effect(%q).Valid() = %v, want %v", tt.e, got, tt.valid)
		}
		if got := tt.e.Steps(); got != tt.steps {
			t.Errorf("Effect(%q).Steps() = %v, want %v", tt.e, got, tt.steps)
		}
	}
}

func TestStanceValid(t *testing.T) {
	tests := []struct {
		s    Stance
		want bool
	}{
		{Supports, true},
		{Refutes, true},
		{MixedStance, true},
		{Neutral, true},
		{"", false},
		{"support", false},
		{"Refutes", false},
	}
	for _, tt := range tests {
		if got := tt.s.Valid(); got != tt.want {
			t.Errorf("Stance(%q).Valid() = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestEnumLists(t *testing.T) {
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"Concerns", Strings(Concerns()), []string{"not_serious", "serious", "very_serious"}},
		{"Effects", Strings(Effects()), []string{"none", "large", "very_large"}},
		{"Stances", Strings(Stances()), []string{"supports", "refutes", "mixed", "neutral"}},
		{"Domains", Domains(), []string{"risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias", "large_effect", "dose_response", "plausible_confounding"}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s() = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestEnumListsAreValid(t *testing.T) {
	for _, s := range Concerns() {
		if !s.Valid() {
			t.Errorf("Concern(%q).Valid() = false, want true", s)
		}
	}
	for _, s := range Effects() {
		if !s.Valid() {
			t.Errorf("Effect(%q).Valid() = false, want true", s)
		}
	}
	for _, s := range Stances() {
		if !s.Valid() {
			t.Errorf("Stance(%q).Valid() = false, want true", s)
		}
	}
}
