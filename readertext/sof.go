package readertext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"claimgrade/grading"
)

// The texts of a summary-of-findings row (docs/sof.md): the effect in the
// outcome's own direction and units ("MD 0.56 lower (1.08 lower to 0.04
// lower)" for an estimate of -0.56: the words follow the sign of the
// estimate as its source reports it, never what is better), the absolute
// effect per 1,000, the number of participants and studies, and the GRADE
// 26 informative statement (Santesso 2020) that grading.InformativeOf
// decided.

// measureAbbrev is a measure's abbreviation in the language: RR, MD, DM,
// SMD ...
func (t *Text) measureAbbrev(m grading.EffectMeasure) string { return t.msg("measure."+string(m), nil) }

// signed writes a difference in the outcome's own direction: "0.56 lower",
// "1.2 higher", "0".
func (t *Text) signed(x float64) string {
	switch {
	case x > 0:
		return t.msg("sof.higher", Data{"N": t.Number(x)})
	case x < 0:
		return t.msg("sof.lower", Data{"N": t.Number(-x)})
	}
	return t.Number(0)
}

// effectParts are an effect's estimate and 95% CI as the column and the
// verdict sentences write them; ok is false without an estimate.
func (t *Text) effectParts(e grading.EffectEstimate) (estimate, ci string, ok bool) {
	if e.Estimate == nil {
		return "", "", false
	}
	value := t.Number
	if e.Measure.IsDifference() {
		value = t.signed
	}
	estimate = t.measureAbbrev(e.Measure) + " " + value(*e.Estimate)
	if e.CILow != nil && e.CIHigh != nil {
		ci = t.msg("sof.range", Data{"Low": value(*e.CILow), "High": value(*e.CIHigh)})
	}
	return estimate, ci, true
}

// Effect is the "effect (95% CI)" column: "RR 0.5 (0.3 to 0.8)", "MD 0.56
// lower (1.08 lower to 0.04 lower)", "Proportion 0.25 (0.18 to 0.33);
// 30/120 events", or that no estimate is recorded. Numbers are written as
// stored, with the language's decimal separator.
func (t *Text) Effect(e grading.EffectEstimate) string {
	if e.Measure == "" {
		return t.msg("sof.no_estimate", nil)
	}
	events := ""
	if e.Events != nil && e.Participants != nil {
		events = t.msg("sof.events", Data{"Events": t.Int(*e.Events), "Participants": t.Int(*e.Participants)})
	}
	estimate, ci, ok := t.effectParts(e)
	switch {
	case !ok && events != "":
		return t.measureAbbrev(e.Measure) + " " + events
	case !ok:
		return t.msg("sof.measure_no_estimate", Data{"Abbrev": t.measureAbbrev(e.Measure)})
	}
	s := t.msg("sof.column_no_ci", Data{"Estimate": estimate})
	if ci != "" {
		s = t.msg("sof.column", Data{"Estimate": estimate, "Range": ci})
	}
	if events != "" {
		s += t.msg("sof.events_separator", nil) + events
	}
	return s
}

// EffectInSentence is an effect inside a verdict sentence: "MD 0.56
// lower, 95% CI 1.08 lower to 0.04 lower".
func (t *Text) EffectInSentence(e grading.EffectEstimate) string {
	estimate, ci, ok := t.effectParts(e)
	switch {
	case !ok:
		return ""
	case ci == "":
		return t.msg("sof.sentence_no_ci", Data{"Estimate": estimate})
	}
	return t.msg("sof.sentence", Data{"Estimate": estimate, "Range": ci})
}

// Absolute is the "anticipated absolute effect" column
// (grading.AbsoluteEffectOf): "250 per 1,000 (181 to 334, Wilson
// interval)", "50 fewer per 1,000 (80 fewer to 20 fewer)", "200 per 1,000
// with the comparator, 100 per 1,000 with the therapy (60 to 160)", "MD
// 0.56 lower (1.08 lower to 0.04 lower)", or why it is not estimable.
func (t *Text) Absolute(a grading.AbsoluteEffect, m grading.EffectMeasure) string {
	if a.Estimate == nil && a.Kind != grading.AbsoluteNotEstimable {
		a = grading.AbsoluteEffect{Kind: grading.AbsoluteNotEstimable, NotEstimable: grading.NotEstimableNoEstimate}
	}
	rangeOf := func(f func(float64) string) string {
		if a.Low == nil || a.High == nil {
			return ""
		}
		return t.msg("sof.range", Data{"Low": f(*a.Low), "High": f(*a.High)})
	}
	switch a.Kind {
	case grading.AbsolutePer1000:
		r := rangeOf(t.Per1000)
		switch {
		case r == "":
			return t.msg("sof.per_1000", Data{"N": t.Per1000(*a.Estimate)})
		case a.WilsonCI:
			return t.msg("sof.per_1000_wilson", Data{"N": t.Per1000(*a.Estimate), "Range": r})
		}
		return t.msg("sof.per_1000_range", Data{"N": t.Per1000(*a.Estimate), "Range": r})
	case grading.AbsoluteDifferencePer1000:
		r := rangeOf(t.moreFewer)
		if r == "" {
			return t.msg("sof.difference_per_1000", Data{"N": t.moreFewer(*a.Estimate)})
		}
		return t.msg("sof.difference_per_1000_range", Data{"N": t.moreFewer(*a.Estimate), "Range": r})
	case grading.AbsoluteComparatorPer1000:
		d := Data{"Comparator": t.Per1000(deref(a.Comparator)), "N": t.Per1000(*a.Estimate), "Range": rangeOf(t.Per1000)}
		return t.msg("sof.comparator_per_1000", d)
	case grading.AbsoluteDifference:
		e := grading.EffectEstimate{Measure: m, Estimate: a.Estimate, CILow: a.Low, CIHigh: a.High}
		if !m.IsDifference() {
			e.Measure = grading.MeasureMeanDifference
		}
		return t.Effect(e)
	}
	why := a.NotEstimable
	if why == "" {
		why = grading.NotEstimableNoEstimate
	}
	return t.msg("not_estimable."+string(why), nil)
}

// moreFewer writes a difference per 1,000: "50 more", "20 fewer", "0".
func (t *Text) moreFewer(x float64) string {
	switch {
	case x > 0:
		return t.msg("sof.more", Data{"N": t.Per1000(x)})
	case x < 0:
		return t.msg("sof.fewer", Data{"N": t.Per1000(-x)})
	}
	return t.Int(0)
}

// Participants is the "№ of participants (studies)" column: "84 (1
// RCT)", "1,200 (3 non-randomised studies)", "not recorded (2 studies)".
// The design is the current grade's; "" (ungraded) says only studies.
func (t *Text) Participants(participants, studies *int64, design grading.DesignClass) string {
	p := t.msg("sof.not_recorded", nil)
	if participants != nil {
		p = t.Int(*participants)
	}
	s := t.msg("sof.studies_not_recorded", nil)
	if studies != nil {
		id := "studies.any"
		switch design {
		case grading.ClassRandomised:
			id = "studies.randomised"
		case grading.ClassNonRandomised:
			id = "studies.non_randomised"
		case grading.ClassNonComparative:
			id = "studies.non_comparative"
		}
		s = t.plural(id, *studies, nil)
	}
	return t.msg("sof.participants", Data{"Participants": p, "Studies": s})
}

// Statement is a row's plain-language statement (grading.InformativeOf):
// GRADE 26's wording by certainty and size, high "reduces", moderate
// "probably reduces", low "may reduce", very low "the evidence is very
// uncertain about the effect of"; an effect smaller than the threshold
// "results in little to no difference" with the same hedges; a rate "about
// N per 1,000 (L to U)"; case evidence "documented in N cases
// (attribution ...)". English names the question's intervention and
// outcome as recorded; the other languages, whose pages show those English
// words in their own column, say "the treatment" and "this outcome".
func (t *Text) Statement(q grading.Question, in grading.Informative) string {
	intervention, outcome := strings.TrimSpace(q.Intervention), strings.TrimSpace(q.Outcome)
	d := Data{"Intervention": capitalise(intervention), "InterventionLower": intervention, "Outcome": outcome,
		"OutcomeUpper": capitalise(outcome), "Attribution": "", "Basis": "", "N": "", "Range": ""}
	level := string(in.Certainty)
	switch in.Kind {
	case grading.StatementWithdrawn:
		return t.msg("statement.withdrawn", nil)
	case grading.StatementNotGraded:
		return t.msg("statement.not_graded", nil)
	case grading.StatementCase:
		if in.Attribution != "" {
			d["Attribution"] = t.AttributionName(in.Attribution)
		}
		if in.Certainty != grading.None {
			d["Basis"] = t.CertaintyPhrase(in.Certainty, grading.BasisOccurrence)
		}
		if in.Cases == nil {
			return t.msg("statement.case_uncounted", d)
		}
		return t.plural("statement.case", *in.Cases, d)
	case grading.StatementNoEstimate:
		d["Basis"] = t.CertaintyPhrase(in.Certainty, grading.BasisEvidence)
		return t.msg("statement.no_estimate", d)
	case grading.StatementRate:
		if in.Rate == nil || in.Rate.Estimate == nil {
			d["Basis"] = t.CertaintyPhrase(in.Certainty, grading.BasisEvidence)
			return t.msg("statement.rate_none", d)
		}
		d["N"] = t.Per1000(*in.Rate.Estimate)
		if in.Rate.Low != nil && in.Rate.High != nil {
			d["Range"] = t.msg("sof.range", Data{"Low": t.Per1000(*in.Rate.Low), "High": t.Per1000(*in.Rate.High)})
		}
		return t.msg("statement.rate_"+level, d)
	}
	if in.Certainty == grading.VeryLow {
		return t.msg("statement.very_uncertain", d)
	}
	switch {
	case in.Kind == grading.StatementLittleToNoDifference:
		return t.msg("statement.no_difference_"+level, d)
	case in.Increase:
		return t.msg("statement.increase_"+level, d)
	}
	return t.msg("statement.reduce_"+level, d)
}

// capitalise upper-cases the first letter of s.
func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
