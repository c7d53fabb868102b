package grading

import "slices"

// Inter-reviewer agreement (DESIGN "Agreement", GET /agreement): per GRADE
// domain, for the start and for the final certainty, raw percent agreement
// beside a chance-corrected kappa, from the first submissions of each
// subject: one settled round of review of a finding (the store keeps first
// submissions once per round and passes only settled rounds, so that no
// blinded judgement is summarised). Kappa alone misleads when nearly every judgement is the same
// (the kappa paradox: Feinstein & Cicchetti 1990, J Clin Epidemiol
// 43:543-549), hence both, with n.
//
// Weights: every scale here is ordinal with equal steps (a concern costs 0,
// 1, 2 or 3 levels; certainty is four levels), so a disagreement of two
// levels is twice as far as one of one level. Linear weights,
// w_ij = 1 - |i-j|/(k-1) (Cicchetti & Allison 1971), say exactly that;
// quadratic weights would count a two-level disagreement four times a
// one-level one and make weighted kappa approach an intraclass
// correlation (Fleiss & Cohen 1973), which suits interval scores rather
// than GRADE's level arithmetic. On two-point scales (publication bias,
// dose response, plausible confounding) both reduce to unweighted kappa.

// LinearWeights returns the k×k agreement weights 1 - |i-j|/(k-1): 1 on the
// diagonal, 0 for the farthest disagreement. For k == 1 it is [[1]].
func LinearWeights(k int) [][]float64 {
	w := make([][]float64, k)
	for i := range w {
		w[i] = make([]float64, k)
		for j := range w[i] {
			if k == 1 {
				w[i][j] = 1
				continue
			}
			d := float64(i - j)
			if d < 0 {
				d = -d
			}
			w[i][j] = 1 - d/float64(k-1)
		}
	}
	return w
}

// IdentityWeights returns the k×k weights of unweighted kappa: 1 on the
// diagonal, 0 elsewhere.
func IdentityWeights(k int) [][]float64 {
	w := make([][]float64, k)
	for i := range w {
		w[i] = make([]float64, k)
		w[i][i] = 1
	}
	return w
}

// CohenKappa returns Cohen's weighted kappa (Cohen 1968, Psychol Bull
// 70:213-220) of a k×k table of counts or proportions, rows the first
// rater's category and columns the second's, with agreement weights w (1
// on the diagonal): (po - pe) / (1 - pe), where po = Σ w_ij p_ij and
// pe = Σ w_ij p_i. p_.j. With IdentityWeights it is Cohen's kappa (Cohen
// 1960). ok is false when kappa is undefined: an empty table, or chance
// agreement of 1 (both raters used one category only).
func CohenKappa(table [][]float64, w [][]float64) (kappa float64, ok bool) {
	k := len(table)
	var n float64
	rows, cols := make([]float64, k), make([]float64, k)
	for i := range table {
		for j := range table[i] {
			n += table[i][j]
			rows[i] += table[i][j]
			cols[j] += table[i][j]
		}
	}
	if n == 0 {
		return 0, false
	}
	var po, pe float64
	for i := range table {
		for j := range table[i] {
			po += w[i][j] * table[i][j] / n
			pe += w[i][j] * rows[i] / n * cols[j] / n
		}
	}
	if pe >= 1-1e-12 {
		return 0, false
	}
	return (po - pe) / (1 - pe), true
}

// FleissKappa returns Fleiss' kappa (Fleiss 1971, Psychol Bull 76:378-382)
// of an n×k table whose row i counts the raters who put subject i in each
// category, with agreement weights w. Subjects may have different numbers
// of raters; those with fewer than two are left out. This is Gwet's
// generalisation (Gwet, Handbook of Inter-Rater Reliability, 4th ed. 2014,
// ch. 2): with IdentityWeights and the same number of raters for every
// subject it is exactly Fleiss' kappa. It also returns the mean
// proportion of agreeing rater pairs (Fleiss' P-bar, unweighted) and the
// number of subjects used; ok is false when kappa is undefined.
func FleissKappa(counts [][]float64, w [][]float64) (kappa, pairAgreement float64, n int, ok bool) {
	k := len(w)
	pi := make([]float64, k)
	var pa, pBar float64
	for _, row := range counts {
		var r float64
		for _, c := range row {
			r += c
		}
		if r < 2 {
			continue
		}
		n++
		var ai, bi float64
		for c := range row {
			var weighted float64 // r*_ic: raters in categories that agree with c
			for l := range row {
				weighted += w[c][l] * row[l]
			}
			ai += row[c] * (weighted - 1)
			bi += row[c] * (row[c] - 1)
			pi[c] += row[c] / r
		}
		pa += ai / (r * (r - 1))
		pBar += bi / (r * (r - 1))
	}
	if n == 0 {
		return 0, 0, 0, false
	}
	pa /= float64(n)
	pBar /= float64(n)
	var pe float64
	for c := range pi {
		pi[c] /= float64(n)
	}
	for c := range pi {
		for l := range pi {
			pe += w[c][l] * pi[c] * pi[l]
		}
	}
	if pe >= 1-1e-12 {
		return 0, pBar, n, false
	}
	return (pa - pe) / (1 - pe), pBar, n, true
}

// The statistics an AgreementStat may report.
const (
	StatisticCohenLinear  = "cohen_weighted_linear"  // two ratings per finding
	StatisticFleissLinear = "fleiss_weighted_linear" // more than two on some finding
)

// AgreementStat is the agreement on one scale.
type AgreementStat struct {
	// N is the number of findings with at least two ratings; Ratings the
	// ratings they hold.
	N       int `json:"n"`
	Ratings int `json:"ratings"`
	// PercentAgreement is the percentage of agreeing pairs of ratings (with
	// two ratings per finding: of findings rated alike); nil when N is 0.
	PercentAgreement *float64 `json:"percent_agreement"`
	// Kappa is linearly weighted kappa: Cohen's when every finding has two
	// ratings (the first submitter as rater 1), Fleiss' (Gwet's weighted
	// form) otherwise; nil when undefined (N is 0, or every rating fell in
	// one category: then PercentAgreement is 100 and chance explains it all).
	Kappa     *float64 `json:"kappa"`
	Statistic string   `json:"statistic,omitempty"`
}

// OrdinalAgreement measures the agreement of ratings on a k-point ordinal
// scale. items[i] holds finding i's ratings (category indexes 0..k-1) in
// submission order; indexes outside the scale are left out, and findings
// with fewer than two ratings do not count.
func OrdinalAgreement(items [][]int, k int) AgreementStat {
	var used [][]int
	pairsOnly := true
	ratings := 0
	for _, item := range items {
		var valid []int
		for _, r := range item {
			if r >= 0 && r < k {
				valid = append(valid, r)
			}
		}
		if len(valid) < 2 {
			continue
		}
		used = append(used, valid)
		ratings += len(valid)
		pairsOnly = pairsOnly && len(valid) == 2
	}
	stat := AgreementStat{N: len(used), Ratings: ratings}
	if len(used) == 0 {
		return stat
	}
	w := LinearWeights(k)
	if pairsOnly {
		table := make([][]float64, k)
		for i := range table {
			table[i] = make([]float64, k)
		}
		agree := 0
		for _, item := range used {
			table[item[0]][item[1]]++
			if item[0] == item[1] {
				agree++
			}
		}
		stat.Statistic = StatisticCohenLinear
		stat.PercentAgreement = ptrTo(100 * float64(agree) / float64(len(used)))
		if kappa, ok := CohenKappa(table, w); ok {
			stat.Kappa = &kappa
		}
		return stat
	}
	counts := make([][]float64, len(used))
	for i, item := range used {
		counts[i] = make([]float64, k)
		for _, r := range item {
			counts[i][r]++
		}
	}
	kappa, pairs, _, ok := FleissKappa(counts, w)
	stat.Statistic = StatisticFleissLinear
	stat.PercentAgreement = ptrTo(100 * pairs)
	if ok {
		stat.Kappa = &kappa
	}
	return stat
}

func ptrTo(f float64) *float64 { return &f }

// AgreementReport is the agreement of reviewers' first submissions: per
// domain (keyed by the names of Domains, and attribution for case
// evidence), on the start and on the final certainty.
type AgreementReport struct {
	Domains   map[string]AgreementStat `json:"domains"`
	Start     AgreementStat            `json:"start"`
	Certainty AgreementStat            `json:"certainty"`
}

// domainScale returns a domain's ordinal scale, mildest first.
func domainScale(domain string) []string {
	switch domain {
	case domainLargeEffect:
		return Strings(Effects())
	case domainDoseResponse, domainPlausibleConfounding:
		return []string{"false", "true"}
	}
	return Strings(ConcernsFor(domain))
}

// certaintyScale is the four levels, lowest first.
var certaintyScale = []string{string(VeryLow), string(Low), string(Moderate), string(High)}

// AgreementOf measures agreement from the first submissions of each
// subject, a settled round of review of a finding (findings[i] in
// submission order): per domain on the domain's
// scale (risk of bias and imprecision on four points, inconsistency and
// indirectness on three, publication bias and the booleans on two, large
// effect on three), and on the start and the certainty (four levels).
//
// Case evidence is judged for attribution and indirectness only, so its
// rounds count for those two scales (attribution on four points, unlikely
// to certain) and for no other: it has no design start and its result is
// an occurrence certainty, not a GRADE certainty. Every other round counts
// for every scale but attribution.
func AgreementOf(findings [][]FindingAssessment) AgreementReport {
	rated := func(scale []string, value func(FindingAssessment) string) AgreementStat {
		items := make([][]int, len(findings))
		for i, f := range findings {
			for _, a := range f {
				items[i] = append(items[i], slices.Index(scale, value(a)))
			}
		}
		return OrdinalAgreement(items, len(scale))
	}
	// gradeOnly leaves case evidence out of a GRADE scale (an index
	// outside the scale is not counted).
	gradeOnly := func(value func(FindingAssessment) string) func(FindingAssessment) string {
		return func(a FindingAssessment) string {
			if a.Judgements.Attribution != "" {
				return ""
			}
			return value(a)
		}
	}
	report := AgreementReport{Domains: map[string]AgreementStat{}}
	for _, d := range Domains() {
		value := func(a FindingAssessment) string { return a.Judgements.judgementOf(d) }
		if d != domainIndirectness {
			value = gradeOnly(value)
		}
		report.Domains[d] = rated(domainScale(d), value)
	}
	report.Domains[string(DomainAttribution)] = rated(attributionScale, func(a FindingAssessment) string { return string(a.Judgements.Attribution) })
	report.Start = rated(certaintyScale, gradeOnly(func(a FindingAssessment) string { return string(a.Start) }))
	report.Certainty = rated(certaintyScale, gradeOnly(func(a FindingAssessment) string { return string(a.Certainty) }))
	return report
}
