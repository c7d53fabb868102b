package grading

// EvidenceAllowed reports whether a source of this kind may be linked as
// evidence. web_article, news and other may only be appearances; an unknown
// kind is not allowed either.
func EvidenceAllowed(kind SourceKind) bool {
	switch kind {
	case KindWebArticle, KindNews, KindOther:
		return false
	}
	return kind.Validate() == nil
}

// DesignLevel returns the GRADE starting level of a study design:
// rct, systematic_review, meta_analysis and guideline start high;
// cohort, case_control and cross_sectional start low;
// case_series, case_report, consensus_statement, narrative_review,
// expert_opinion and mechanistic start very low.
// Kinds that may not be evidence, and unknown kinds, give None.
func DesignLevel(kind SourceKind) Certainty {
	switch kind {
	case KindRCT, KindSystematicReview, KindMetaAnalysis, KindGuideline:
		return High
	case KindCohort, KindCaseControl, KindCrossSectional:
		return Low
	case KindCaseSeries, KindCaseReport, KindConsensusStatement, KindNarrativeReview, KindExpertOpinion, KindMechanistic:
		return VeryLow
	}
	return None
}

// Evidence is one evidence link of a claim as the engine sees it.
type Evidence struct {
	LinkID   int64
	SourceID int64
	Kind     SourceKind // the source's kind
	Stance   Stance
	// ReportedCertainty is the certainty the source itself states (for
	// example a guideline's own GRADE rating). None when the link states
	// none; otherwise it replaces the design level of Kind.
	ReportedCertainty Certainty
	Retracted         bool // the source is retracted
}

// Level returns the starting level this evidence offers: its reported
// certainty when one is stated, else the design level of its kind. A
// retracted source, or a kind that may not be evidence, offers None.
func (e Evidence) Level() Certainty {
	if e.Retracted || !EvidenceAllowed(e.Kind) {
		return None
	}
	if e.reported() {
		return e.ReportedCertainty
	}
	return DesignLevel(e.Kind)
}

// reported reports whether the link states a certainty of its own. A value
// outside [VeryLow, High] counts as not stated.
func (e Evidence) reported() bool {
	return e.ReportedCertainty.Validate() == nil
}

// supports reports whether e counts as support for its claim: stance
// supports and a source that is not retracted.
func (e Evidence) supports() bool {
	return e.Stance == Supports && !e.Retracted
}

// refutes reports whether e counts as refutation of its claim: stance
// refutes and a source that is not retracted.
func (e Evidence) refutes() bool {
	return e.Stance == Refutes && !e.Retracted
}

// Start returns the starting certainty of a body of evidence: the highest
// Level among the links, and the link that set it (on a tie, the first in
// input order). Links of every stance count. Retracted sources and kinds
// that may not be evidence are ignored; when nothing usable is left, Start
// returns None, the zero Evidence and ok=false.
func Start(evidence []Evidence) (level Certainty, from Evidence, ok bool) {
	for _, e := range evidence {
		if l := e.Level(); l.Level() > level.Level() {
			level, from, ok = l, e, true
		}
	}
	return level, from, ok
}

// Counts returns how many evidence links support and how many refute the
// claim. Unlike the flag and verdict rules, it counts every link by its
// stance, links to retracted sources included, so that the counts always
// match the links a client sees; the retracted_evidence flag tells the
// reader that some of them no longer stand.
func Counts(evidence []Evidence) (support, refute int) {
	for _, e := range evidence {
		switch e.Stance {
		case Supports:
			support++
		case Refutes:
			refute++
		}
	}
	return support, refute
}
