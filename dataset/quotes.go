package dataset

// Every number the demo records for a finding (its estimate, interval,
// events, participants, studies and comparator risk) is a number its source
// reports, and the finding's sources carry the verbatim passage it comes
// from (the excerpt, with its locator). Quoted checks that a recorded
// number appears in such a passage the way sources print numbers:
//
//   - digits with a decimal point or a decimal comma ("0.56", "90,5"),
//     thousands separators ("478,586", "100 000" with a no-break or thin
//     space), and English number words ("Seventeen", "four",
//     "Eighty-four"); "None" and "zero" are 0 (a table cell "None" in a
//     column of counts);
//   - a minus sign as a hyphen-minus, the Unicode minus (U+2212) or an en
//     dash before a digit ("−1.4", "95% CI -1.0 to 2.2", "interval−12.1"); a
//     hyphen or dash between two digits is a range ("0.047-0.479"), never a
//     sign;
//   - percentages for proportions: "0.150 %" is the proportion 0.0015, and
//     the bounds of a confidence interval printed right after a percentage
//     ("0.150 % ... (95 % CI: 0.047-0.479") are percentages too; "302/1000"
//     or "302 per 1,000" is 0.302. "95% CI" is the interval's level, not a
//     value;
//   - a signed difference the source prints without a sign: "0.56 points
//     better (1.08 better to 0.04 better)" on a pain score where lower is
//     better is -0.56 (-1.08 to -0.04). A number printed without a sign
//     matches a negative value only when a word next to it says which way
//     it goes (better, worse, lower, higher, less, more, fewer, greater,
//     reduction, increase ...), read in the question's direction; the same
//     word forbids the other sign, so "0.56 points better" never matches
//     +0.56.
//
// Equality is exact up to floating-point noise: a mistyped number fails.

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"claimgrade/grading"
)

// numberKind is what a recorded number is, which decides how it may be
// printed.
type numberKind int

const (
	// kindCount is a count: events, participants, studies. It may be
	// written as a word, and "None" is 0.
	kindCount numberKind = iota
	// kindRate is a proportion (a proportion's estimate or interval, a
	// comparator risk): it may be printed as a percentage or per 1,000.
	kindRate
	// kindSigned is a comparative estimate or interval bound: its sign
	// must be printed or made explicit by a word.
	kindSigned
	// kindMagnitude is a threshold named in a note: digits, sign ignored.
	kindMagnitude
)

// quotedToken is one number read from an excerpt.
type quotedToken struct {
	values   []float64 // the readings of the digits (a comma may be a decimal or a thousands separator)
	signed   bool      // printed with a minus sign
	percent  bool      // a percentage (followed by %, or an interval bound after one)
	perMille bool      // "N/1000", "N per 1,000"
	word     bool      // written as a word
	label    bool      // the level of a confidence interval ("95% CI")
	start    int       // byte offsets in the excerpt
	end      int
}

var (
	// digitsRE is a run of digits with decimal or grouping separators.
	digitsRE = regexp.MustCompile(`\d+(?:(?:[.,]|\x{00A0}|\x{202F}|\x{2009})\d+)*`)
	// wordsRE is an English number word, hyphenated tens included.
	wordsRE = regexp.MustCompile(`(?i)\b(?:(zero|none|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)|(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[-\x{2010}\x{2011} ](one|two|three|four|five|six|seven|eight|nine))?)\b`)
	// perMilleRE follows a number printed per 1,000.
	perMilleRE = regexp.MustCompile(`^\s*(?:/\s*|per\s+)1[,.\x{00A0}\x{202F}\x{2009}]?000\b`)
	// percentRE follows a percentage.
	percentRE = regexp.MustCompile(`^\s?%`)
	// ciLabelRE follows the level of a confidence interval.
	ciLabelRE = regexp.MustCompile(`^\s?%\s*(?:CI|confidence)`)
	// ciOpenRE is where an interval's bounds start after its level.
	ciOpenRE = regexp.MustCompile(`^\s?%\s*(?:CI|confidence interval)\s*:?`)
)

var smallNumbers = map[string]float64{"zero": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
	"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
	"sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}

var tens = map[string]float64{"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}

// digitReadings returns the values a run of digits can mean. A single
// comma or point followed by exactly three digits may group thousands or
// mark decimals ("1,082"); repeated separators group thousands; with both
// a point and a comma the last one is the decimal mark.
func digitReadings(s string) []float64 {
	s = strings.NewReplacer("\u00a0", " ", "\u202f", " ", "\u2009", " ").Replace(s)
	if strings.Contains(s, " ") {
		// Spaces only group thousands.
		parts := strings.Split(s, " ")
		for _, p := range parts[1:] {
			if len(p) != 3 {
				return nil
			}
		}
		v, err := strconv.ParseFloat(strings.Join(parts, ""), 64)
		if err != nil {
			return nil
		}
		return []float64{v}
	}
	parse := func(t string) (float64, bool) {
		v, err := strconv.ParseFloat(t, 64)
		return v, err == nil
	}
	dots, commas := strings.Count(s, "."), strings.Count(s, ",")
	var out []float64
	add := func(t string) {
		if v, ok := parse(t); ok {
			out = append(out, v)
		}
	}
	grouped := func(sep string) bool {
		parts := strings.Split(s, sep)
		for _, p := range parts[1:] {
			if len(p) != 3 {
				return false
			}
		}
		return len(parts[0]) <= 3
	}
	switch {
	case dots == 0 && commas == 0:
		add(s)
	case dots > 0 && commas > 0:
		last := max(strings.LastIndex(s, "."), strings.LastIndex(s, ","))
		dec := s[last : last+1]
		group := map[string]string{".": ",", ",": "."}[dec]
		add(strings.ReplaceAll(s[:last], group, "") + "." + s[last+1:])
	default:
		sep := "."
		if commas > 0 {
			sep = ","
		}
		if dots+commas == 1 {
			add(strings.Replace(s, sep, ".", 1))
		}
		if grouped(sep) {
			add(strings.ReplaceAll(s, sep, ""))
		}
	}
	return out
}

// signBefore reports whether the number starting at i in s is printed with
// a minus sign: U+2212 is always one unless it follows a digit (a range); a
// hyphen-minus or an en dash only after a space, an opening bracket or
// punctuation, never after a letter or a digit ("non-benzodiazepine",
// "0.047-0.479").
func signBefore(s string, i int) (bool, int) {
	r, size := utf8.DecodeLastRuneInString(s[:i])
	if size == 0 {
		return false, i
	}
	var prev rune
	if i-size > 0 {
		prev, _ = utf8.DecodeLastRuneInString(s[:i-size])
	}
	switch r {
	case '\u2212':
		return !unicode.IsDigit(prev), i - size
	case '-', '\u2013':
		if i-size == 0 || unicode.IsSpace(prev) || strings.ContainsRune("([{:;,=", prev) {
			return true, i - size
		}
	}
	return false, i
}

// tokens reads every number of an excerpt, in order.
func tokens(excerpt string) []quotedToken {
	var out []quotedToken
	for _, m := range digitsRE.FindAllStringIndex(excerpt, -1) {
		t := quotedToken{values: digitReadings(excerpt[m[0]:m[1]]), start: m[0], end: m[1]}
		if len(t.values) == 0 {
			continue
		}
		t.signed, t.start = signBefore(excerpt, m[0])
		rest := excerpt[m[1]:]
		switch {
		case ciLabelRE.MatchString(rest):
			t.label = true
		case percentRE.MatchString(rest):
			t.percent = true
		case perMilleRE.MatchString(rest):
			t.perMille = true
		}
		out = append(out, t)
	}
	for _, m := range wordsRE.FindAllStringSubmatchIndex(excerpt, -1) {
		var v float64
		switch {
		case m[2] >= 0:
			v = smallNumbers[strings.ToLower(excerpt[m[2]:m[3]])]
		default:
			v = tens[strings.ToLower(excerpt[m[4]:m[5]])]
			if m[6] >= 0 {
				v += smallNumbers[strings.ToLower(excerpt[m[6]:m[7]])]
			}
		}
		out = append(out, quotedToken{values: []float64{v}, word: true, start: m[0], end: m[1]})
	}
	// The two bounds of an interval printed after a percentage inherit
	// its unit: "0.150 % of catheters (95 % CI: 0.047-0.479, 30 studies)".
	bounds, lastPercent := 0, false
	for i := range out {
		t := &out[i]
		switch {
		case t.word:
			continue
		case t.label:
			if lastPercent && ciOpenRE.MatchString(excerpt[t.end:]) {
				bounds = 2
			}
			continue
		case bounds > 0:
			t.percent = true
			bounds--
		}
		lastPercent = t.percent
	}
	return out
}

// directionWords says which way a word near an unsigned number points:
// +1 a larger value with the intervention, -1 a smaller one, and for
// better/worse the sign depends on the outcome's direction.
var directionWords = map[string]int{
	"lower": -1, "less": -1, "fewer": -1, "reduction": -1, "reduced": -1, "decrease": -1, "decreased": -1, "smaller": -1,
	"higher": 1, "more": 1, "greater": 1, "increase": 1, "increased": 1, "larger": 1,
	"better": 2, "worse": -2,
}

var wordRE = regexp.MustCompile(`[\p{L}]+`)

// impliedSign reads the words next to a token (up to the neighbouring
// numbers, at most about 40 characters each way; the words after it first)
// and returns the sign they give a difference: +1, -1, or 0 when no word
// says.
func impliedSign(excerpt string, t quotedToken, all []quotedToken, d grading.Direction) int {
	after := excerpt[t.end:min(len(excerpt), t.end+40)]
	before := excerpt[max(0, t.start-40):t.start]
	for _, o := range all {
		if o.start >= t.end && o.start-t.end < len(after) {
			after = after[:o.start-t.end]
		}
		if o.end <= t.start && t.start-o.end < len(before) {
			before = before[len(before)-(t.start-o.end):]
		}
	}
	sign := func(w string) int {
		s, ok := directionWords[strings.ToLower(w)]
		switch {
		case !ok:
			return 0
		case s == 2 || s == -2:
			// "better" is lower on a scale where lower is better.
			if d == grading.LowerIsBetter {
				return -s / 2
			}
			return s / 2
		}
		return s
	}
	for _, w := range wordRE.FindAllString(after, -1) {
		if s := sign(w); s != 0 {
			return s
		}
	}
	words := wordRE.FindAllString(before, -1)
	for i := len(words) - 1; i >= 0; i-- {
		if s := sign(words[i]); s != 0 {
			return s
		}
	}
	return 0
}

// near reports whether a and b are equal up to floating-point noise.
func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*max(1, math.Abs(a), math.Abs(b))
}

// Quoted reports whether the number v, recorded as kind, appears in the
// excerpt (see the file comment for the forms it accepts). d is the
// direction of the finding's question, which says what "better" means for
// an unsigned difference.
func quoted(v float64, kind numberKind, excerpt string, d grading.Direction) bool {
	all := tokens(excerpt)
	for _, t := range all {
		if t.label {
			continue
		}
		if t.word && kind != kindCount {
			continue
		}
		for _, r := range t.values {
			candidates := []float64{r}
			if kind == kindRate {
				if t.percent {
					candidates = append(candidates, r/100)
				}
				if t.perMille {
					candidates = append(candidates, r/1000)
				}
			}
			for _, c := range candidates {
				switch {
				case kind == kindMagnitude:
					if near(c, math.Abs(v)) {
						return true
					}
				case t.signed:
					if near(-c, v) {
						return true
					}
				case kind != kindSigned:
					if near(c, v) {
						return true
					}
				default:
					// An unsigned difference: positive unless a word says
					// otherwise; negative only when a word says so.
					s := impliedSign(excerpt, t, all, d)
					if (s >= 0 && near(c, v)) || (s < 0 && near(-c, v)) {
						return true
					}
				}
			}
		}
	}
	return false
}

// primaryKinds are the designs of single studies: a finding that rests on
// n of them and no review records studies = n without a quote (the count
// of its own sources, not a number a source reports).
var primaryKinds = []grading.SourceKind{grading.KindRCT, grading.KindCohort, grading.KindCaseControl,
	grading.KindCrossSectional, grading.KindCaseSeries, grading.KindCaseReport}

// unquotedNumbers lists the recorded numbers of a finding that none of its
// excerpts holds, and a threshold that none of its notes cites (with the
// word "threshold" and the value on the estimate's scale).
func unquotedNumbers(fd *Finding, q *Question, sources map[string]*Source) []string {
	var excerpts, notes []string
	primary := 0
	for _, fs := range fd.Sources {
		if fs.Excerpt != nil {
			excerpts = append(excerpts, *fs.Excerpt)
		}
		notes = append(notes, fs.Note)
		if s, ok := sources[fs.Source]; ok && slices.Contains(primaryKinds, s.Kind) {
			primary++
		}
	}
	in := func(v float64, kind numberKind, texts []string) bool {
		for _, e := range texts {
			if quoted(v, kind, e, q.Direction) {
				return true
			}
		}
		return false
	}
	estimateKind := kindSigned
	if fd.Measure != nil && (*fd.Measure == grading.MeasureProportion || *fd.Measure == grading.MeasureIncidence) {
		estimateKind = kindRate
	}
	var out []string
	check := func(name string, v *float64, kind numberKind) {
		if v != nil && !in(*v, kind, excerpts) {
			out = append(out, fmt.Sprintf("%s %v is quoted in none of its excerpts", name, *v))
		}
	}
	count := func(name string, v *int) {
		if v != nil {
			f := float64(*v)
			check(name, &f, kindCount)
		}
	}
	check("estimate", fd.Estimate, estimateKind)
	check("ci_low", fd.CILow, estimateKind)
	check("ci_high", fd.CIHigh, estimateKind)
	check("comparator_risk", fd.ComparatorRisk, kindRate)
	count("events", fd.Events)
	count("participants", fd.Participants)
	if fd.Studies != nil && !(primary == len(fd.Sources) && *fd.Studies == primary) {
		count("studies", fd.Studies)
	}
	if t := fd.Threshold; t != nil {
		cited := false
		for _, n := range notes {
			cited = cited || (strings.Contains(strings.ToLower(n), "threshold") && quoted(*t, kindMagnitude, n, q.Direction))
		}
		if !cited {
			out = append(out, fmt.Sprintf("threshold %v is cited in none of its notes (the word threshold, the value and its source)", *t))
		}
	}
	return out
}
