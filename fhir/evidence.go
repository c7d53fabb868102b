package fhir

import (
	"fmt"
	"strings"

	"claimgrade/grading"
)

// EvidenceOf is the Evidence of a finding on its own (GET
// /api/v1/findings/{id}/fhir): each source is cited by text and, where it
// has a DOI, PMID or URL, a link; there is no Citation to refer to.
func EvidenceOf(f Finding) (Evidence, error) {
	ev, err := evidence(f)
	if err != nil {
		return Evidence{}, err
	}
	for _, s := range f.Sources {
		ra := RelatedArtifact{Type: "citation", Display: s.Title, Citation: citationText(s)}
		if u := sourceLink(s); u != "" {
			ra.Document = &Attachment{URL: u, Title: s.Title}
		}
		ev.RelatedArtifact = append(ev.RelatedArtifact, ra)
	}
	return ev, nil
}

// evidence is the Evidence of f without its relatedArtifact.
func evidence(f Finding) (Evidence, error) {
	ev := Evidence{ID: fmt.Sprintf("finding-%d", f.ID), Title: title(f.Question), Status: "active",
		Description: description(f), VariableDefinition: variables(f.Question)}
	st, err := statistic(f)
	if err != nil {
		return Evidence{}, fmt.Errorf("finding %d: %w", f.ID, err)
	}
	if st != nil {
		ev.Statistic = []EvidenceStatistic{*st}
	}
	if f.Grade != nil && !f.Grade.Withdrawn {
		c, err := certainty(*f.Grade)
		if err != nil {
			return Evidence{}, fmt.Errorf("finding %d: %w", f.ID, err)
		}
		ev.Certainty = []EvidenceCertainty{c}
	}
	return ev, nil
}

func title(q Question) string {
	t := q.Intervention
	if q.Comparator != "" {
		t += " vs " + q.Comparator
	}
	t += ": " + q.Outcome
	if q.Timepoint != "" {
		t += " (" + q.Timepoint + ")"
	}
	return t + " in " + q.Population
}

// label is a certainty in words: "very low".
func label(c grading.Certainty) string { return strings.ReplaceAll(string(c), "_", " ") }

// description is the finding's summary and, once graded, its certainty
// and where the rating started.
func description(f Finding) string {
	d := f.Summary
	switch g := f.Grade; {
	case g != nil && g.Withdrawn:
		d += fmt.Sprintf("\n\nGrade withdrawn (%s): no certainty stands for this evidence.", g.WithdrawnReason)
	case g != nil && g.OccurrenceCertainty != grading.None:
		d += fmt.Sprintf("\n\n%s: %s (case evidence, attribution %s by the WHO-UMC causality assessment). %s Start: %s (%s).",
			occurrenceLabel, label(g.OccurrenceCertainty), g.Attribution, notHowOften, label(g.Start), g.StartReason)
	case g != nil:
		d += fmt.Sprintf("\n\nCertainty of the evidence (GRADE): %s. Start: %s (%s).", label(g.Certainty), label(g.Start), g.StartReason)
	default:
		d += "\n\nNot graded yet: no certainty of the evidence."
	}
	return d
}

func variables(q Question) []EvidenceVariableDefinition {
	out := []EvidenceVariableDefinition{
		{Description: q.Population, VariableRole: variableRole("population", "population")},
		{Description: q.Intervention, VariableRole: variableRole("exposure", "exposure")},
	}
	if q.Comparator != "" {
		out = append(out, EvidenceVariableDefinition{Description: q.Comparator,
			VariableRole: variableRole("referenceExposure", "reference exposure")})
	}
	outcome := q.Outcome
	if q.Timepoint != "" {
		outcome += " at " + q.Timepoint
	}
	return append(out, EvidenceVariableDefinition{Description: outcome, VariableRole: variableRole("measuredVariable", "measured variable")})
}

// statistic is the finding's effect estimate with its 95% CI and sample
// size; nil when the finding has none of them. Events go in
// numberOfEvents, which R5 defines as "the number of events associated
// with the statistic" (sampleSize.knownDataCount counts participants with
// known results, not events).
func statistic(f Finding) (*EvidenceStatistic, error) {
	var st EvidenceStatistic
	some := false
	if f.Measure != "" {
		t, err := statisticType(f.Measure)
		if err != nil {
			return nil, err
		}
		st.StatisticType, some = t, true
	}
	if f.Estimate != nil {
		st.Quantity, some = &Quantity{Value: f.Estimate}, true
	}
	if f.Events != nil {
		st.NumberOfEvents, some = f.Events, true
	}
	if f.Studies != nil || f.Participants != nil {
		st.SampleSize, some = &EvidenceSampleSize{NumberOfStudies: f.Studies, NumberOfParticipants: f.Participants}, true
	}
	if f.CILow != nil || f.CIHigh != nil {
		level := 0.95
		r := &Range{}
		if f.CILow != nil {
			r.Low = &Quantity{Value: f.CILow}
		}
		if f.CIHigh != nil {
			r.High = &Quantity{Value: f.CIHigh}
		}
		st.AttributeEstimate, some = []EvidenceAttributeEstimate{{Description: "95% confidence interval", Type: confidenceInterval(),
			Level: &level, Range: r}}, true
	}
	if !some {
		return nil, nil
	}
	return &st, nil
}

// occurrenceLabel and notHowOften say what the certainty of case evidence
// is about, wherever it is exported.
const (
	occurrenceLabel = "Certainty that the harm can occur"
	notHowOften     = "It says whether the harm can occur at all, not how often: it is not a GRADE rating of the certainty of an event rate or an effect."
)

// certainty is the Overall certainty of a grade with one subcomponent per
// GRADE domain, each domain's reason as its note; for case evidence the
// occurrence certainty (occurrenceCertainty).
func certainty(g Grade) (EvidenceCertainty, error) {
	if g.OccurrenceCertainty != grading.None {
		return occurrenceCertainty(g)
	}
	rating, err := certaintyRating(g.Certainty)
	if err != nil {
		return EvidenceCertainty{}, err
	}
	start, err := certaintyRating(g.Start)
	if err != nil {
		return EvidenceCertainty{}, fmt.Errorf("start: %w", err)
	}
	c := EvidenceCertainty{Description: fmt.Sprintf("Started %s (%s); rated %s.", label(g.Start), g.StartReason, label(g.Certainty)),
		Type: certaintyType(typeOverall), Rating: rating,
		Note: []Annotation{{Text: fmt.Sprintf("Start: %s. Grade decided by %s.", start.Coding[0].Code, methodText(g.Method))}}}
	subs, err := subcomponents(g.Judgements)
	if err != nil {
		return EvidenceCertainty{}, err
	}
	c.Subcomponent = subs
	return c, nil
}

// occurrenceCertainty is the certainty of case evidence (DESIGN "Case
// evidence"): R5's certainty-type codes name GRADE's overall certainty and
// domains, none the certainty that a harm can occur, so its type is a
// text-only CodeableConcept that says what it is about (never the code
// Overall, which a reader would take for a GRADE rating of how often); the
// rating uses the certainty-rating level codes with a text that names it
// again. Its subcomponents are the WHO-UMC attribution (text only: the
// WHO-UMC scale has no FHIR code system) and indirectness (certainty-type
// Indirectness), each with its reason.
func occurrenceCertainty(g Grade) (EvidenceCertainty, error) {
	rating, err := certaintyRating(g.OccurrenceCertainty)
	if err != nil {
		return EvidenceCertainty{}, err
	}
	rating.Text = fmt.Sprintf("%s certainty that the harm can occur", label(g.OccurrenceCertainty))
	indirectness, err := concernRating(g.Judgements.Indirectness)
	if err != nil {
		return EvidenceCertainty{}, err
	}
	c := EvidenceCertainty{
		Description: fmt.Sprintf("%s: %s. Case evidence (case reports, case series, outbreak reports) documents that the harm occurred. %s Started %s from the attribution %s (WHO-UMC causality assessment: certain high, probable moderate, possible low, unlikely very low), one level lower per step of indirectness.",
			occurrenceLabel, label(g.OccurrenceCertainty), notHowOften, label(g.Start), g.Attribution),
		Type:   &CodeableConcept{Text: occurrenceLabel + " (case evidence; not a GRADE rating of how often)"},
		Rating: rating,
		Note:   []Annotation{{Text: fmt.Sprintf("Attribution (WHO-UMC): %s. Grade decided by %s.", g.Attribution, methodText(g.Method))}},
	}
	attribution := EvidenceCertainty{Type: &CodeableConcept{Text: "Attribution (WHO-UMC causality assessment)"},
		Rating: &CodeableConcept{Text: string(g.Attribution)}}
	if r := strings.TrimSpace(g.Judgements.Reasons[string(grading.DomainAttribution)]); r != "" {
		attribution.Note = []Annotation{{Text: r}}
	}
	indirect := EvidenceCertainty{Type: certaintyType("Indirectness"), Rating: indirectness}
	if r := strings.TrimSpace(g.Judgements.Reasons[string(grading.DomainIndirectness)]); r != "" {
		indirect.Note = []Annotation{{Text: r}}
	}
	c.Subcomponent = []EvidenceCertainty{attribution, indirect}
	return c, nil
}

func methodText(m grading.Method) string {
	switch m {
	case grading.MethodAdjudicated:
		return "an editor's adjudication"
	case grading.MethodConsensus:
		return "consensus of the reviewers' submitted assessments"
	}
	return strings.ReplaceAll(string(m), "_", " ")
}

// subcomponents are the eight domains of j, each with its reason as a note.
func subcomponents(j grading.DomainJudgements) ([]EvidenceCertainty, error) {
	out := make([]EvidenceCertainty, 0, len(domainTypes))
	for _, dt := range domainTypes {
		r, err := domainRating(dt.Domain, j)
		if err != nil {
			return nil, err
		}
		sc := EvidenceCertainty{Type: certaintyType(dt.Code), Rating: r}
		if reason := strings.TrimSpace(j.Reasons[string(dt.Domain)]); reason != "" {
			sc.Note = []Annotation{{Text: reason}}
		}
		out = append(out, sc)
	}
	return out, nil
}

// citationText is a source as a bibliographic reference.
func citationText(s Source) string {
	var parts []string
	if s.Authors != "" {
		parts = append(parts, strings.TrimRight(s.Authors, "."))
	}
	parts = append(parts, strings.TrimRight(s.Title, "."))
	if s.Container != "" {
		parts = append(parts, strings.TrimRight(s.Container, "."))
	}
	if s.Year != 0 {
		parts = append(parts, fmt.Sprint(s.Year))
	}
	if s.DOI != "" {
		parts = append(parts, "doi:"+s.DOI)
	}
	if s.PMID != "" {
		parts = append(parts, "PMID: "+s.PMID)
	}
	if s.Retracted {
		parts = append(parts, "RETRACTED")
	}
	return strings.Join(parts, ". ") + "."
}

// sourceLink is the best link to a source: its DOI, else its PubMed page,
// else its URL; "" for none.
func sourceLink(s Source) string {
	switch {
	case s.DOI != "":
		return SystemDOI + "/" + s.DOI
	case s.PMID != "":
		return SystemPMID + "/" + s.PMID + "/"
	}
	return s.URL
}
