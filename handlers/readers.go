package handlers

import (
	"github.com/gin-gonic/gin"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/readertext"
)

// What readers see (DESIGN "What readers see"): the claim's verdict
// sentence in its language (rating_summary), the same sentence in
// ClaimReview and on the public page. The words are readertext's
// catalogues; this file reads what a claim stores into the catalogues'
// inputs.

// verdictOf is the input of a claim's verdict sentence: its rating, the
// rule that decided (rating_reason), the facts stored with the rating
// (rating_facts) and, under an editor's override, the editor's rationale
// and whether the override is stale. A rating stored without facts (none
// is: the store derives every rating again when facts are missing) is
// written from its certainty alone.
func verdictOf(c models.Claim) readertext.Verdict {
	v := readertext.Verdict{Rating: c.Rating, Rule: grading.RatingRule(c.RatingReason)}
	if c.RatingFacts != nil {
		if f, err := grading.ParseVerdictFacts([]byte(*c.RatingFacts)); err == nil {
			v.Facts = f
		}
	}
	if v.Facts.Format == 0 {
		v.Facts = grading.VerdictFacts{Format: grading.VerdictFactsFormat, Certainty: deref(c.Certainty), Basis: deref(c.CertaintyBasis)}
	}
	if c.RatingSource == grading.SourceEditor {
		v.Rule = grading.RuleEditorOverride
		v.Rationale = deref(c.OverrideRationale)
		v.OverrideStale = overrideStale(c)
	}
	return v
}

// overrideStale says that the evidence changed after the editor's
// override was set (the override's basis differs from the claim's).
func overrideStale(c models.Claim) bool {
	return c.OverrideRating != nil && (c.OverrideBasis == nil || *c.OverrideBasis != c.EvidenceBasis)
}

// ratingSummaryOf is the claim's verdict sentence in its own language
// (English where the language has no catalogue).
func ratingSummaryOf(c models.Claim) string {
	return readertext.ForTag(c.Language).Verdict(verdictOf(c))
}

// langQuery reads the optional lang query parameter (de, it, en, fr); an
// unknown language is a 400 problem naming the field, like any other query
// error. ok is false when the problem was written.
func langQuery(c *gin.Context) (lang readertext.Lang, given, ok bool) {
	raw, given := c.GetQuery("lang")
	if !given {
		return "", false, true
	}
	l, err := readertext.ParseLang(raw)
	if err != nil {
		badRequest(c, "unknown language "+quote(raw), appendVocabProblem(nil, "lang", err)...)
		return "", true, false
	}
	return l, true, true
}

func quote(s string) string { return `"` + s + `"` }
