package grading

import (
	"math"
	"testing"
)

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// Textbook examples with published values.
func TestCohenKappaPublishedExamples(t *testing.T) {
	// Cohen J. Weighted kappa: nominal scale agreement with provision for
	// scaled disagreement or partial credit. Psychol Bull 1968;70:213-220,
	// Table 1: two judges, 200 cases, three diagnoses (proportions .44 .07
	// .09 / .05 .20 .05 / .01 .03 .06). Cohen reports kappa = .492 and, with
	// his disagreement weights v = 1, 3, 6, weighted kappa = .348; with the
	// asymmetric weights (0 1 4 / 1 0 6 / 2 2 0), .353 (values as quoted in
	// the examples of R psych::cohen.kappa). A disagreement weight v is the
	// agreement weight 1 - v/max(v).
	cohen1968 := [][]float64{{88, 14, 18}, {10, 40, 10}, {2, 6, 12}}
	agreement := func(v [][]float64, vmax float64) [][]float64 {
		w := make([][]float64, len(v))
		for i := range v {
			w[i] = make([]float64, len(v))
			for j := range v {
				w[i][j] = 1 - v[i][j]/vmax
			}
		}
		return w
	}
	// Cohen's kappa, Wikipedia example (after Cohen 1960): 50 grant
	// proposals, yes/yes 20, yes/no 5, no/yes 10, no/no 15: po = .7,
	// pe = .5, kappa = 0.4.
	wikipedia := [][]float64{{20, 5}, {10, 15}}
	// SAS/STAT PROC FREQ documentation, "Agreement Study" (skin condition,
	// two dermatologists, 88 patients, four ordered categories): simple
	// kappa 0.3449.
	skin := [][]float64{{10, 4, 1, 0}, {5, 10, 12, 2}, {2, 4, 12, 5}, {0, 2, 6, 13}}
	tests := []struct {
		name  string
		table [][]float64
		w     [][]float64
		want  float64
		tol   float64
	}{
		{"Cohen 1968 unweighted", cohen1968, IdentityWeights(3), 0.492, 0.0005},
		{"Cohen 1968 weighted (1, 3, 6)", cohen1968, agreement([][]float64{{0, 1, 3}, {1, 0, 6}, {3, 6, 0}}, 6), 0.348, 0.0005},
		{"Cohen 1968 weighted, asymmetric", cohen1968, agreement([][]float64{{0, 1, 4}, {1, 0, 6}, {2, 2, 0}}, 6), 0.353, 0.0005},
		{"Wikipedia Cohen's kappa", wikipedia, IdentityWeights(2), 0.4, 1e-12},
		{"SAS skin condition simple kappa", skin, IdentityWeights(4), 0.3449, 0.00005},
		// Not a published value: the same table with linear
		// (Cicchetti-Allison) weights, computed by hand: po = 0.8144,
		// pe = 0.6222, kappa = 0.5082. It pins the linear weights.
		{"skin condition, linear weights (hand-computed)", skin, LinearWeights(4), 0.50816, 0.00005},
		// Proportions work as well as counts.
		{"Cohen 1968 as proportions", [][]float64{{.44, .07, .09}, {.05, .20, .05}, {.01, .03, .06}}, IdentityWeights(3), 0.492, 0.0005},
	}
	for _, tt := range tests {
		got, ok := CohenKappa(tt.table, tt.w)
		if !ok || !near(got, tt.want, tt.tol) {
			t.Errorf("%s: kappa = %.5f (ok %v), want %v", tt.name, got, ok, tt.want)
		}
	}
	if _, ok := CohenKappa([][]float64{{5, 0}, {0, 0}}, IdentityWeights(2)); ok {
		t.Error("kappa of a single used category is defined, want undefined")
	}
	if _, ok := CohenKappa([][]float64{{0, 0}, {0, 0}}, IdentityWeights(2)); ok {
		t.Error("kappa of an empty table is defined, want undefined")
	}
}

// Fleiss JL. Measuring nominal scale agreement among many raters. Psychol
// Bull 1971;76:378-382. Worked example of Wikipedia's "Fleiss' kappa"
// (also the example of Cardillo's MATLAB fleiss.m): 10 subjects, 14
// raters, 5 categories; P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210
// (0.2099).
func TestFleissKappaPublishedExample(t *testing.T) {
	counts := [][]float64{
		{0, 0, 0, 0, 14},
		{0, 2, 6, 4, 2},
		{0, 0, 3, 5, 6},
		{0, 3, 9, 2, 0},
		{2, 2, 8, 1, 1},
		{7, 7, 0, 0, 0},
		{3, 2, 6, 3, 0},
		{2, 5, 3, 2, 2},
		{6, 5, 2, 1, 0},
		{0, 2, 2, 3, 7},
	}
	kappa, pBar, n, ok := FleissKappa(counts, IdentityWeights(5))
	if !ok || n != 10 || !near(kappa, 0.2099, 0.00005) || !near(pBar, 0.378, 0.0005) {
		t.Errorf("FleissKappa = %.4f, P-bar %.4f, n %d, ok %v; want 0.2099, 0.378, 10", kappa, pBar, n, ok)
	}
	// The same ratings through OrdinalAgreement (5-point scale, linear
	// weights) report the same pair agreement and n.
	var items [][]int
	for _, row := range counts {
		var item []int
		for c, m := range row {
			for range int(m) {
				item = append(item, c)
			}
		}
		items = append(items, item)
	}
	stat := OrdinalAgreement(items, 5)
	if stat.N != 10 || stat.Ratings != 140 || stat.Statistic != StatisticFleissLinear || !near(*stat.PercentAgreement, 37.8, 0.05) || stat.Kappa == nil {
		t.Errorf("OrdinalAgreement = %+v", stat)
	}
}

// Gwet's weighted form with two raters per subject is Scott's weighted pi:
// pooled marginals instead of each rater's. Checked by hand on a 3-point
// scale: pairs (0,0) (0,1) (1,1) (2,2) (2,1); linear weights 1, .5, 0.
// pa = (1 + .5 + 1 + 1 + .5)/5 = .8; pooled pi = (.3, .4, .3);
// pe = Σ w pi pi = (.09+.16+.09) + 4(.5)(.3)(.4) = .58; kappa = .22/.42.
func TestFleissKappaWeightedByHand(t *testing.T) {
	counts := [][]float64{{2, 0, 0}, {1, 1, 0}, {0, 2, 0}, {0, 0, 2}, {0, 1, 1}}
	kappa, _, _, ok := FleissKappa(counts, LinearWeights(3))
	if !ok || !near(kappa, 0.22/0.42, 1e-12) {
		t.Errorf("weighted Fleiss kappa = %v, want %v", kappa, 0.22/0.42)
	}
	// Subjects with fewer than two ratings are left out.
	_, _, n, _ := FleissKappa(append(counts, []float64{0, 1, 0}), LinearWeights(3))
	if n != 5 {
		t.Errorf("n = %d, want 5", n)
	}
}

// The kappa paradox (Feinstein & Cicchetti 1990): 20 findings, both
// reviewers say not_serious for 18, and each says serious once where the
// other did not. 90% agreement, yet kappa is slightly negative, because
// chance alone predicts 90.5% agreement when nearly everything is
// not_serious. Percent agreement is reported beside kappa for this reason.
func TestKappaParadox(t *testing.T) {
	var items [][]int
	for range 18 {
		items = append(items, []int{0, 0})
	}
	items = append(items, []int{0, 1}, []int{1, 0})
	stat := OrdinalAgreement(items, 4) // risk of bias: four points
	if stat.N != 20 || *stat.PercentAgreement != 90 || stat.Kappa == nil || !near(*stat.Kappa, -0.05263, 0.00001) {
		t.Errorf("paradox: %+v (kappa %v), want 90%% and kappa -0.0526", stat, *stat.Kappa)
	}
	// All not_serious: 100% agreement, kappa undefined (nil), not 1 or 0.
	all := OrdinalAgreement([][]int{{0, 0}, {0, 0}, {0, 0}}, 4)
	if all.Kappa != nil || *all.PercentAgreement != 100 || all.N != 3 {
		t.Errorf("unanimous not_serious: %+v, want kappa nil, 100%%", all)
	}
	// Nothing to compare.
	none := OrdinalAgreement([][]int{{0}, {}}, 4)
	if none.N != 0 || none.PercentAgreement != nil || none.Kappa != nil || none.Statistic != "" {
		t.Errorf("no pairs: %+v", none)
	}
}

func TestAgreementOf(t *testing.T) {
	a := func(start, result Certainty, set func(*DomainJudgements)) FindingAssessment {
		return FindingAssessment{Judgements: judged(set), Start: start, Certainty: result}
	}
	rob := func(c Concern) func(*DomainJudgements) { return func(j *DomainJudgements) { j.RiskOfBias = c } }
	findings := [][]FindingAssessment{
		{a(High, Moderate, rob(Serious)), a(High, Moderate, rob(Serious))},
		{a(High, High, rob(NotSerious)), a(High, Moderate, rob(Serious))},
		{a(Low, Low, rob(NotSerious)), a(Low, VeryLow, rob(VerySerious))},
		{a(Low, Low, nil)}, // one submission: does not count
	}
	r := AgreementOf(findings)
	if len(r.Domains) != 9 || r.Domains["attribution"].N != 0 {
		t.Fatalf("domains %v; want the eight and attribution (no case evidence here)", r.Domains)
	}
	rb := r.Domains["risk_of_bias"]
	if rb.N != 3 || rb.Statistic != StatisticCohenLinear || !near(*rb.PercentAgreement, 100.0/3, 1e-9) || rb.Kappa == nil {
		t.Errorf("risk_of_bias = %+v", rb)
	}
	// The same table by hand: rows first reviewer, linear weights on 4 points.
	table := [][]float64{{0, 1, 1, 0}, {0, 1, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}
	if want, _ := CohenKappa(table, LinearWeights(4)); !near(*rb.Kappa, want, 1e-12) {
		t.Errorf("risk_of_bias kappa %v, want %v", *rb.Kappa, want)
	}
	if s := r.Start; s.N != 3 || *s.PercentAgreement != 100 || s.Kappa == nil || *s.Kappa != 1 {
		t.Errorf("start = %+v", s)
	}
	if c := r.Certainty; c.N != 3 || !near(*c.PercentAgreement, 100.0/3, 1e-9) {
		t.Errorf("certainty = %+v", c)
	}
	if pb := r.Domains["publication_bias"]; pb.Kappa != nil || *pb.PercentAgreement != 100 {
		t.Errorf("publication_bias (all not_serious) = %+v", pb)
	}
	// Three reviewers on one finding switch to Fleiss.
	findings[0] = append(findings[0], a(High, Moderate, rob(Serious)))
	if s := AgreementOf(findings).Domains["risk_of_bias"]; s.Statistic != StatisticFleissLinear || s.Ratings != 7 {
		t.Errorf("three reviewers: %+v", s)
	}
}
