package dataset

import (
	"testing"

	"claimgrade/grading"
)

// TestQuoted checks the number-in-excerpt matcher on the forms the demo's
// sources print, and that it refuses a number the excerpt does not hold:
// a mistyped digit, a wrong sign, a fraction where the source says a
// percentage it does not print.
func TestQuoted(t *testing.T) {
	const (
		chou   = "The mean pain score in the intervention groups was 0.56 points better (1.08 better to 0.04 better) | Not applicable | 430 (5) | ⊕⊕⊕⊝ Moderateb"
		furyk  = "with 16.0 mm (SD 19.1 mm) in the intravenous group and 14.6 mm (SD 26.4) in the oral group; difference −1.4 mm (95% CI −11.6 to 8.8, P=0.79)."
		cashin = "(mean difference −7.7, 95% confidence interval−12.1 to−3.3)"
		marsh  = "Local infection was reported in 0.150 % of peripheral intravenous catheters (95 % CI: 0.047-0.479, 30 studies) with an incidence rate of 65.1 per 100,000 catheter"
		galmes = "Results: Seventeen out of 77 patients treated in the clinic were affected."
		table  = "Moretti et al., 2005 (36) ... No. patients with adverse drug reaction7/40 (17.5%) [pain in the site of injection, allergic reaction, recurrence of pain] | None"
		sebra  = "Patients treated with dexamethasone had a 1.86 point (95% CI 0.31 to 3.42, p=0.019) greater reduction in VAS pain scores at 24 h than placebo"
		eken   = "Although morphine was not superior to paracetamol at 30 min (difference: 3.8±4.9 (95% CI −6 to 14)"
		fried  = "differed between the two groups by 0.6 (95% confidence interval -1.0 to 2.2), a clinically and statistically insignificant difference."
		chou2  = "302/1000 | 365/1000 (266 to 501) | RR 1.21 (0.88 to 1.66) | 345 (2) | ⊕⊕⊕⊝ Moderated"
		words  = "Eighty-four patients were randomized; Mycobacterium chelonae was isolated from four patients. Twenty women were enrolled."
		europe = "Pain reduction in 90,5% of pts; 478,586 catheters; 1.234,5 units; 12\u00a0345 records (narrow: 6\u202f789)"
	)
	lower, higher := grading.LowerIsBetter, grading.HigherIsBetter
	tests := []struct {
		name    string
		v       float64
		kind    numberKind
		excerpt string
		d       grading.Direction
		want    bool
	}{
		// A sign the source does not print, made explicit by "better".
		{"better is lower: estimate", -0.56, kindSigned, chou, lower, true},
		{"better is lower: bound", -1.08, kindSigned, chou, lower, true},
		{"better is lower: near bound", -0.04, kindSigned, chou, lower, true},
		{"better forbids the other sign", 0.56, kindSigned, chou, lower, false},
		{"better is higher where higher is better", 0.56, kindSigned, chou, higher, true},
		{"participants and trials in a SoF cell", 430, kindCount, chou, lower, true},
		{"trials in a SoF cell", 5, kindCount, chou, lower, true},
		{"mistyped estimate", -0.65, kindSigned, chou, lower, false},
		// The Unicode minus, also glued to a word.
		{"unicode minus", -1.4, kindSigned, furyk, lower, true},
		{"unicode minus bound", -11.6, kindSigned, furyk, lower, true},
		{"unsigned upper bound", 8.8, kindSigned, furyk, lower, true},
		{"sign dropped", 1.4, kindSigned, furyk, lower, false},
		{"unicode minus after a word", -12.1, kindSigned, cashin, lower, true},
		{"unicode minus after 'to'", -3.3, kindSigned, cashin, lower, true},
		{"hyphen-minus after a space", -1.0, kindSigned, fried, higher, true},
		{"unsigned positive", 0.6, kindSigned, fried, higher, true},
		{"unicode minus after a space", -6, kindSigned, eken, higher, true},
		{"positive with ±", 3.8, kindSigned, eken, higher, true},
		{"positive estimate with a word far away", 1.86, kindSigned, sebra, higher, true},
		{"positive bounds", 0.31, kindSigned, sebra, higher, true},
		{"mistyped bound", 3.24, kindSigned, sebra, higher, false},
		// Percentages and per-mille for proportions.
		{"percent estimate", 0.0015, kindRate, marsh, lower, true},
		{"percent interval bound inherits the unit", 0.00047, kindRate, marsh, lower, true},
		{"second bound, range hyphen is no sign", 0.00479, kindRate, marsh, lower, true},
		{"a range hyphen is no minus", -0.479, kindSigned, marsh, lower, false},
		{"mistyped percentage", 0.00048, kindRate, marsh, lower, false},
		{"percent written as a fraction ten times too large", 0.015, kindRate, marsh, lower, false},
		{"the interval's level is no value", 0.95, kindRate, marsh, lower, false},
		{"studies", 30, kindCount, marsh, lower, true},
		{"percent in brackets", 0.175, kindRate, table, lower, true},
		{"per mille", 0.302, kindRate, chou2, higher, true},
		{"ratio and its bounds", 1.66, kindSigned, chou2, higher, true},
		// Counts as words, "None" as 0, glued digits.
		{"number word", 17, kindCount, galmes, lower, true},
		{"digits after a word", 77, kindCount, galmes, lower, true},
		{"mistyped count", 71, kindCount, galmes, lower, false},
		{"hyphenated number word", 84, kindCount, words, lower, true},
		{"lower-case number word", 4, kindCount, words, lower, true},
		{"Twenty", 20, kindCount, words, lower, true},
		{"None is zero", 0, kindCount, table, lower, true},
		{"no None, no zero", 0, kindCount, galmes, lower, false},
		{"events glued to a word", 7, kindCount, table, lower, true},
		{"participants after a slash", 40, kindCount, table, lower, true},
		{"a word is no estimate", 17, kindSigned, galmes, lower, false},
		// Separators.
		{"decimal comma", 0.905, kindRate, europe, higher, true},
		{"thousands comma", 478586, kindCount, europe, higher, true},
		{"point groups and comma decimal", 1234.5, kindSigned, europe, higher, true},
		{"no-break space groups", 12345, kindCount, europe, higher, true},
		{"narrow no-break space groups", 6789, kindCount, europe, higher, true},
		{"a grouped number is not its parts' decimal", 478.586, kindCount, europe, higher, true}, // "478,586" may be a decimal comma
		{"nor another number", 478.58, kindCount, europe, higher, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := quoted(tt.v, tt.kind, tt.excerpt, tt.d); got != tt.want {
				t.Errorf("quoted(%v, %v, %q, %s) = %v, want %v", tt.v, tt.kind, tt.excerpt, tt.d, got, tt.want)
			}
		})
	}
}
