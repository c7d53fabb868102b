package readertext

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"claimgrade/grading"
)

func f64(v float64) *float64 { return &v }
func i64(v int64) *int64     { return &v }

// checked returns the texts of l with every rendering failure (a missing
// message, a field the caller did not set, a fallback to English) reported
// as a test error.
func checked(t *testing.T, l Lang) *Text {
	t.Helper()
	x := *For(l)
	x.failed = func(id string, err error) { t.Errorf("%s: message %s: %v", l, id, err) }
	return &x
}

// pluralForms are the CLDR plural categories of each language (CLDR
// plurals.xml): English and German one/other, French and Italian also many
// (1 000 000 de cas, 1.000.000 di casi).
var pluralForms = map[Lang][]string{English: {"one", "other"}, German: {"one", "other"},
	Italian: {"one", "many", "other"}, French: {"one", "many", "other"}}

func forms(m *i18n.Message) []string {
	var out []string
	for _, f := range []struct {
		name string
		v    string
	}{{"zero", m.Zero}, {"one", m.One}, {"two", m.Two}, {"few", m.Few}, {"many", m.Many}, {"other", m.Other}} {
		if f.v != "" {
			out = append(out, f.name)
		}
	}
	return out
}

// TestCataloguesComplete proves that every language has exactly the
// messages of the English catalogue, each counting message every CLDR
// plural form of its language, and every other message one text.
func TestCataloguesComplete(t *testing.T) {
	ids := func(l Lang) map[string]*i18n.Message {
		m := map[string]*i18n.Message{}
		for _, msg := range catalogue.ids[l] {
			m[msg.ID] = msg
		}
		return m
	}
	en := ids(English)
	if len(en) < 200 {
		t.Fatalf("the English catalogue has %d messages; did it load?", len(en))
	}
	for _, l := range Langs() {
		got := ids(l)
		for id, ref := range en {
			m, ok := got[id]
			if !ok {
				t.Errorf("%s: message %s is missing", l, id)
				continue
			}
			counting := ref.One != ""
			want := []string{"other"}
			if counting {
				want = pluralForms[l]
			}
			if f := forms(m); !slices.Equal(f, want) {
				t.Errorf("%s: message %s has forms %v, want %v", l, id, f, want)
			}
		}
		for id := range got {
			if _, ok := en[id]; !ok {
				t.Errorf("%s: message %s is not in the English catalogue", l, id)
			}
		}
	}
}

// everything is template data with every field any message reads.
func everything() Data {
	d := Data{}
	for _, k := range []string{"Label", "Body", "Basis", "Rationale", "Effect", "Threshold", "Claimed", "Band", "Low", "High",
		"UpperBound", "Participants", "Events", "Attribution", "Caused", "Findings", "Databases", "SearchedOn", "Head", "Last",
		"Month", "Level", "Title", "Note", "Year", "On", "Reason", "Finding", "N", "Range", "Estimate", "Abbrev", "Comparator",
		"Studies", "Intervention", "InterventionLower", "Outcome", "OutcomeUpper", "Count"} {
		d[k] = "x"
	}
	d["AtLeast"], d["Above"] = true, true
	d["Day"] = 7
	return d
}

// TestEveryMessageRenders renders every message of every language with
// every plural count that selects another form: no template fails, none
// leaves an action or "<no value>" in the text.
func TestEveryMessageRenders(t *testing.T) {
	for _, l := range Langs() {
		x := For(l)
		for _, m := range catalogue.ids[l] {
			for _, count := range []any{nil, int64(0), int64(1), int64(2), int64(1000000)} {
				s, err := x.renderErr(m.ID, everything(), count)
				if err != nil {
					t.Errorf("%s %s (count %v): %v", l, m.ID, count, err)
					continue
				}
				if strings.Contains(s, "{{") || strings.Contains(s, "<no value>") || strings.TrimSpace(s) == "" {
					t.Errorf("%s %s (count %v) = %q", l, m.ID, count, s)
				}
			}
		}
	}
}

// allRules are the rule ids a claim's rating_reason can hold, with the
// two that the evidence-search half of issue 18 adds.
func allRules() []grading.RatingRule {
	return grading.RatingRules()
}

// TestEveryRuleHasAVerdictSentence: every rating rule id has its own
// sentence in every language, written from facts with every number set,
// opening with the rating's name and never falling back to English.
func TestEveryRuleHasAVerdictSentence(t *testing.T) {
	facts := grading.VerdictFacts{Format: grading.VerdictFactsFormat, FindingID: 4, Measure: grading.MeasureMeanDifference,
		Estimate: f64(-0.56), CILow: f64(-1.08), CIHigh: f64(-0.04), Threshold: f64(1), Certainty: grading.Low,
		Basis: grading.BasisEvidence, Hedge: grading.HedgeNone, Claimed: f64(0.001), Bound: grading.BoundAtMost, Low: f64(0),
		High: f64(0.0003), Interval: grading.IntervalExactZero, UpperBound: f64(0.0003), Participants: i64(10000), Events: i64(0),
		Attribution: grading.AttributionProbable, ComparatorKind: grading.ComparatorInactive}
	searches := []Search{{Database: "pubmed", SearchedAt: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)},
		{Database: "cochrane_library", SearchedAt: time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC)}}
	sentences := map[grading.RatingRule]map[Lang]string{}
	for _, l := range Langs() {
		x := checked(t, l)
		for _, rule := range allRules() {
			if !has("verdict." + string(rule)) {
				t.Errorf("rule %s has no message verdict.%s", rule, rule)
				continue
			}
			for _, r := range grading.Ratings() {
				s := x.Verdict(Verdict{Rating: r, Rule: rule, Facts: facts, Rationale: "Reason.", Searches: searches})
				if !strings.HasPrefix(s, x.RatingName(r)) || !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "»") && !strings.HasSuffix(s, "“") && !strings.HasSuffix(s, "”") {
					t.Errorf("%s %s %s: %q does not open with the rating or close the sentence", l, rule, r, s)
				}
				if r == grading.RatingUnproven {
					if sentences[rule] == nil {
						sentences[rule] = map[Lang]string{}
					}
					sentences[rule][l] = s
				}
			}
		}
	}
	for rule, byLang := range sentences {
		for _, l := range []Lang{German, Italian, French} {
			if byLang[l] == byLang[English] {
				t.Errorf("%s: the %s sentence is the English one: %q", rule, l, byLang[l])
			}
		}
	}
}

func TestParseLang(t *testing.T) {
	for _, s := range []string{"de", "it", "en", "fr"} {
		if l, err := ParseLang(s); err != nil || string(l) != s {
			t.Errorf("ParseLang(%q) = %q, %v", s, l, err)
		}
	}
	for _, s := range []string{"", "DE", "es", "de-CH", "english"} {
		if _, err := ParseLang(s); err == nil {
			t.Errorf("ParseLang(%q) accepted it", s)
		}
	}
	tests := []struct {
		tag  string
		want Lang
	}{{"de", German}, {"de-CH", German}, {"DE-at", German}, {"it", Italian}, {"fr-CA", French}, {"en-GB", English},
		{"es", English}, {"", English}, {"deu", English}}
	for _, tt := range tests {
		if got := Of(tt.tag); got != tt.want {
			t.Errorf("Of(%q) = %q, want %q", tt.tag, got, tt.want)
		}
	}
}

const nbsp, nnbsp = "\u00a0", "\u202f"

// TestNumbers: numbers as stored, with each language's separators (CLDR).
func TestNumbers(t *testing.T) {
	tests := []struct {
		l                               Lang
		number, integer, pct, small, pm string
	}{
		{English, "0.56", "1,082", "9.5%", "0.28%", "2.5"},
		{German, "0,56", "1.082", "9,5" + nbsp + "%", "0,28" + nbsp + "%", "2,5"},
		{Italian, "0,56", "1.082", "9,5%", "0,28%", "2,5"},
		{French, "0,56", "1" + nbsp + "082", "9,5" + nbsp + "%", "0,28" + nbsp + "%", "2,5"},
	}
	for _, tt := range tests {
		x := For(tt.l)
		got := []string{x.Number(0.56), x.Int(1082), x.Percent(0.095), x.Percent(0.0028), x.Per1000(2.5)}
		want := []string{tt.number, tt.integer, tt.pct, tt.small, tt.pm}
		if !slices.Equal(got, want) {
			t.Errorf("%s numbers = %q, want %q", tt.l, got, want)
		}
	}
	if got := For(English).Number(-1.08); got != "-1.08" {
		t.Errorf("Number(-1.08) = %q", got)
	}
	if got := For(English).Per1000(113.5); got != "114" {
		t.Errorf("Per1000(113.5) = %q", got)
	}
}

func ExampleText_Verdict() {
	facts := grading.VerdictFacts{Format: grading.VerdictFactsFormat, Measure: grading.MeasureMeanDifference, Estimate: f64(-0.56),
		CILow: f64(-1.08), CIHigh: f64(-0.04), Threshold: f64(1), Certainty: grading.Low, Basis: grading.BasisEvidence}
	for _, l := range Langs() {
		fmt.Println(For(l).Verdict(Verdict{Rating: grading.RatingOverstated, Rule: grading.RuleEffectBelowThresh, Facts: facts}))
	}
	// Output:
	// Overstated: the studies show a benefit, but it is smaller than the smallest difference that matters to patients (MD 0.56 lower, 95% CI 1.08 lower to 0.04 lower; smallest important difference: MD 1; low-certainty evidence).
	// Überzogen: Die Studien zeigen einen Nutzen, der aber kleiner ist als der kleinste für Patienten spürbare Unterschied (MD 0,56 niedriger, 95-%-KI 1,08 niedriger bis 0,04 niedriger; kleinster spürbarer Unterschied: MD 1; geringe Vertrauenswürdigkeit der Evidenz).
	// Esagerata: gli studi mostrano un beneficio, ma inferiore alla differenza minima rilevante per i pazienti (DM 0,56 in meno, IC 95% da 1,08 in meno a 0,04 in meno; differenza minima rilevante: DM 1; prove di certezza bassa).
	// Exagérée : les études montrent un bénéfice, mais plus petit que la plus petite différence importante pour les patients (DM 0,56 de moins, IC à 95 % de 1,08 de moins à 0,04 de moins ; plus petite différence importante : DM 1 ; données probantes d'un niveau de certitude faible).
}
