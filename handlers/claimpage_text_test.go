package handlers

import (
	"reflect"
	"slices"
	"testing"

	"claimgrade/grading"
)

// TestPageTexts checks the translation table: en, de, it and fr are there,
// every language has every label, a name for every rating a page shows,
// every certainty and every stance, and no label of a translation is left
// in English by mistake where English says something else.
func TestPageTexts(t *testing.T) {
	langs := make([]string, 0, len(pageTexts))
	for l := range pageTexts {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	if want := []string{"de", "en", "fr", "it"}; !slices.Equal(langs, want) {
		t.Errorf("languages = %v, want %v", langs, want)
	}
	en := reflect.ValueOf(pageTexts["en"])
	for _, lang := range langs {
		v := reflect.ValueOf(pageTexts[lang])
		for i := range v.NumField() {
			name, f := v.Type().Field(i).Name, v.Field(i)
			switch f.Kind() {
			case reflect.String:
				if f.String() == "" {
					t.Errorf("%s: label %s is empty", lang, name)
				}
			case reflect.Map:
				if f.Len() != en.Field(i).Len() {
					t.Errorf("%s: %s has %d entries, en has %d", lang, name, f.Len(), en.Field(i).Len())
				}
				for _, k := range f.MapKeys() {
					if f.MapIndex(k).String() == "" {
						t.Errorf("%s: %s[%v] is empty", lang, name, k)
					}
				}
			default:
				t.Errorf("%s: field %s of kind %s is not checked", lang, name, f.Kind())
			}
		}
		p := pageTexts[lang]
		for _, r := range grading.Ratings() {
			if _, ok := p.Ratings[r]; !ok && r != grading.RatingNotRated {
				t.Errorf("%s: no name for rating %s", lang, r)
			}
		}
		for _, c := range grading.Certainties() {
			if p.Certainties[c] == "" {
				t.Errorf("%s: no name for certainty %s", lang, c)
			}
		}
		for _, s := range grading.Stances() {
			if p.Stances[s] == "" {
				t.Errorf("%s: no name for stance %s", lang, s)
			}
		}
		if lang != "en" && (p.Claim == pageTexts["en"].Claim || p.Verdict == pageTexts["en"].Verdict || p.NotRated == pageTexts["en"].NotRated) {
			t.Errorf("%s: labels left in English: %q %q %q", lang, p.Claim, p.Verdict, p.NotRated)
		}
	}
}

func TestTextFor(t *testing.T) {
	tests := []struct{ lang, want string }{
		{"de", "Behauptung"}, {"de-CH", "Behauptung"}, {"DE-at", "Behauptung"}, {"it", "Affermazione"}, {"fr-CA", "Affirmation"},
		{"en", "Claim"}, {"es", "Claim"}, {"", "Claim"}, {"deu", "Claim"},
	}
	for _, tt := range tests {
		if got := textFor(tt.lang).Claim; got != tt.want {
			t.Errorf("textFor(%q).Claim = %q, want %q", tt.lang, got, tt.want)
		}
	}
}
