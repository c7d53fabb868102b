package readertext

import (
	"strings"
	"time"

	"claimgrade/grading"
)

// The verdict sentence (DESIGN "What readers see"): one plain sentence per
// rating in the claim's language, written from the rule that decided
// (grading.RatingRule, the claim's rating_reason) and the numbers it read
// (grading.VerdictFacts), through the catalogue's message verdict.<rule
// id>. It opens with the rating's name and ends with what the certainty is
// about, e.g. "Overstated: the studies show a benefit, but it is smaller
// than the smallest difference that matters to patients (MD 0.56 lower,
// 95% CI 1.08 lower to 0.04 lower; smallest important difference: MD 1)
// (low-certainty evidence)."

// The rule ids of the evidence-search step (grading.RatingRules), named
// here for the variants below.
const (
	RuleNotYetSearched  = grading.RuleNotYetSearched  // no usable finding and no documented search: not rated
	RuleNoEvidenceFound = grading.RuleNoEvidenceFound // no usable finding, a documented search found nothing: unproven
)

// Search is one documented evidence search, as the no_evidence_found
// sentence names it (DESIGN "Evidence searches").
type Search struct {
	// Database is the API's value: pubmed, cochrane_library, embase,
	// clinicaltrials_gov, google_scholar or other.
	Database   string
	SearchedAt time.Time
}

// Verdict is what a verdict sentence is written from: the claim's rating
// and rule, the facts the rules stored with it, and under an editor's
// override the editor's rationale.
type Verdict struct {
	Rating grading.Rating
	// Rule is the claim's rating_reason: the deciding rule, or
	// editor_override when an editor rated the claim.
	Rule grading.RatingRule
	// Facts are the numbers and words the rules' verdict rests on (stored
	// with the rating as rating_facts).
	Facts grading.VerdictFacts
	// Rationale is the editor's rationale under an override, in the
	// editor's own words (shown as a quotation, not translated).
	Rationale string
	// OverrideStale says that the evidence changed after the editor's
	// override was set.
	OverrideStale bool
	// Searches are the claim's documented evidence searches, for
	// no_evidence_found.
	Searches []Search
}

// Verdict writes the verdict sentence of a rating.
//
// Under an editor's override (rule editor_override) the sentence says that
// an editor rated the claim and quotes the editor's rationale as written:
// the rationale is the editor's words, in the language the editor wrote
// it, and is never paraphrased; when the evidence changed after the
// override, a second sentence says so. For every other rule the sentence
// is the catalogue's verdict.<rule id> with the facts; a rule without its
// own message (a future one) falls back to a sentence naming only the
// rating.
func (t *Text) Verdict(v Verdict) string {
	label := t.RatingName(v.Rating)
	if v.Rule == grading.RuleEditorOverride {
		s := t.msg("verdict.editor_override", Data{"Label": label, "Rationale": strings.TrimSpace(v.Rationale)})
		if v.OverrideStale {
			s += " " + t.msg("verdict.editor_override_stale", nil)
		}
		return s
	}
	d := t.verdictData(v)
	d["Label"] = label
	id := "verdict." + string(v.Rule)
	if variant := verdictVariant(v); variant != "" && has(id+"_"+variant) {
		id += "_" + variant
	}
	if !has(id) {
		id = "verdict.unknown_rule"
	}
	body := t.render(id, d, d["count"])
	if v.Rating == grading.RatingNotRated || v.Facts.Certainty == grading.None {
		return t.msg("verdict.frame", Data{"Body": body})
	}
	basis := t.CertaintyPhrase(v.Facts.Certainty, v.Facts.Basis)
	if inner, ok := strings.CutSuffix(body, ")"); ok {
		// The sentence ends in parentheses: the certainty joins them.
		return t.msg("verdict.frame_inner", Data{"Body": inner, "Basis": basis})
	}
	return t.msg("verdict.frame_basis", Data{"Body": body, "Basis": basis})
}

// verdictVariant picks the variant of a rule's message that its facts
// call for: the zero-event wording, an excess risk (not case evidence),
// evidence withdrawn after a retraction.
func verdictVariant(v Verdict) string {
	f := v.Facts
	switch v.Rule {
	case grading.RuleNoMatchingFinding, RuleNotYetSearched:
		if len(f.Withdrawn) > 0 {
			return "withdrawn"
		}
	case grading.RuleOccurrenceNotAttrib:
		if f.UpperBound != nil {
			return "zero"
		}
	case grading.RuleOccurrenceAttributable, grading.RuleAbsenceAttributable:
		if !f.CaseEvidence && (f.Measure.IsRatio() || f.Measure.IsDifference()) {
			return "excess"
		}
	}
	return ""
}

// verdictData is the template data of a rule's message: every number and
// word of the facts, formatted for the language.
func (t *Text) verdictData(v Verdict) Data {
	f := v.Facts
	// Every field a verdict message may read, so that a message never
	// meets a missing one (missingkey=error).
	d := Data{"Effect": "", "Threshold": "", "Claimed": "", "Band": "", "AtLeast": false, "Low": "", "High": "", "Above": false,
		"UpperBound": "", "Participants": "", "Events": "", "Attribution": "", "Caused": "", "Findings": "", "Comparator": false,
		"Databases": "", "SearchedOn": "", "count": nil}
	e := grading.EffectEstimate{Measure: f.Measure, Estimate: f.Estimate, CILow: f.CILow, CIHigh: f.CIHigh, Events: f.Events,
		Participants: f.Participants, Threshold: f.Threshold}
	if f.Measure != "" && f.Estimate != nil {
		d["Effect"] = t.EffectInSentence(e)
	}
	if f.Threshold != nil && f.Measure != "" {
		d["Threshold"] = t.measureAbbrev(f.Measure) + " " + t.Number(*f.Threshold)
	}
	if f.Claimed != nil {
		d["Claimed"] = t.Percent(*f.Claimed)
		if b, ok := grading.BandTop(*f.Claimed); ok && f.Bound == grading.BoundAtMost {
			// A verbal bound is the top of its band (rare: below 1/1,000);
			// any other bound ("in most cases": 50%) names no band.
			d["Band"] = t.msg("band."+string(b), nil)
		}
	}
	d["AtLeast"] = f.Bound == grading.BoundAtLeast
	if f.Low != nil && f.High != nil {
		d["Low"], d["High"] = t.Percent(*f.Low), t.Percent(*f.High)
	}
	// Which side of the interval the claimed value lies on (point claims).
	if f.Claimed != nil && f.High != nil {
		d["Above"] = *f.Claimed > *f.High
	}
	if f.UpperBound != nil {
		d["UpperBound"] = t.Percent(*f.UpperBound)
	}
	if f.Participants != nil {
		d["Participants"] = t.Int(*f.Participants)
		d["count"] = *f.Participants
	}
	if f.Events != nil {
		d["Events"] = t.Int(*f.Events)
	}
	if f.Attribution != "" {
		d["Attribution"] = t.AttributionName(f.Attribution)
		d["Caused"] = t.msg("caused."+string(f.Attribution), nil)
	}
	if n := len(f.Withdrawn); n > 0 {
		d["count"] = int64(n)
		d["Findings"] = t.findingList(f.Withdrawn)
	}
	d["Comparator"] = f.ComparatorKind == grading.ComparatorActive
	searches := v.Searches
	if len(searches) == 0 {
		// The searches the rule rested on, stored with its facts.
		for _, sf := range f.Searches {
			searches = append(searches, Search{Database: string(sf.Database), SearchedAt: sf.SearchedAt})
		}
	}
	if len(searches) > 0 {
		var names []string
		var latest time.Time
		for _, s := range searches {
			name := t.DatabaseName(s.Database)
			if !contains(names, name) {
				names = append(names, name)
			}
			if s.SearchedAt.After(latest) {
				latest = s.SearchedAt
			}
		}
		d["Databases"] = t.List(names)
		d["SearchedOn"] = t.Date(latest)
	}
	return d
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// findingList writes finding ids as a list: "12", "12 and 14".
func (t *Text) findingList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = t.Int(id)
	}
	return t.List(parts)
}

// List joins items as the language writes a list: "a, b and c".
func (t *Text) List(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return t.msg("list.and", Data{"Head": strings.Join(items[:len(items)-1], t.msg("list.separator", nil)), "Last": items[len(items)-1]})
}

// Date writes a day: "7 December 2026", "7. Dezember 2026", "7 dicembre
// 2026", "7 décembre 2026" (UTC).
func (t *Text) Date(at time.Time) string {
	at = at.UTC()
	return t.msg("date.format", Data{"Day": at.Day(), "Month": t.msg("month."+strings.ToLower(at.Month().String()), nil),
		"Year": at.Year()})
}

// DatabaseLabel names the database of an evidence search where it stands
// alone, as a value in "How we searched": "PubMed", "Other sources".
func (t *Text) DatabaseLabel(db string) string {
	if name := t.DatabaseName(db); db != "other" && db != "" {
		return name
	}
	return t.msg("database.other_label", nil)
}

// DatabaseName names a bibliographic database of an evidence search inside
// a sentence ("a documented search of PubMed and other sources").
func (t *Text) DatabaseName(db string) string {
	switch db {
	case "pubmed":
		return "PubMed"
	case "cochrane_library":
		return "Cochrane Library"
	case "embase":
		return "Embase"
	case "clinicaltrials_gov":
		return "ClinicalTrials.gov"
	case "google_scholar":
		return "Google Scholar"
	}
	return t.msg("database.other_database", nil)
}

// RatingName is a rating's name: "Overstated", "Überzogen", "Esagerata",
// "Exagérée", and "Not rated" for not_rated.
func (t *Text) RatingName(r grading.Rating) string { return t.msg("rating."+string(r), nil) }

// CertaintyName is a certainty level's name as a table shows it: "Low",
// "Gering", "Bassa", "Faible"; "" for none.
func (t *Text) CertaintyName(c grading.Certainty) string {
	if c == grading.None {
		return ""
	}
	return t.msg("certainty."+string(c), nil)
}

// CertaintyText is a table's certainty column: "⊕⊕◯◯ Low", or "not
// graded".
func (t *Text) CertaintyText(c grading.Certainty) string {
	if c.Level() < 1 {
		return t.Label("not_graded")
	}
	return grading.CertaintySymbols(c) + " " + t.CertaintyName(c)
}

// CertaintyDefinition is the GRADE Working Group's meaning of a level, as
// a table's legend gives it (GRADE handbook 5.1; Balshem 2011, GRADE 3).
func (t *Text) CertaintyDefinition(c grading.Certainty) string {
	if c == grading.None {
		return ""
	}
	return t.msg("certainty_definition."+string(c), nil)
}

// StanceName says how a linked finding bears on the claim.
func (t *Text) StanceName(s grading.Stance) string { return t.msg("stance."+string(s), nil) }

// AttributionName is a WHO-UMC attribution in words: "probable",
// "wahrscheinlich", "probabile", "probable".
func (t *Text) AttributionName(a grading.Attribution) string {
	return t.msg("attribution."+string(a), nil)
}

// CertaintyPhrase is the certainty a verdict rests on as a sentence names
// it in closing: "low-certainty evidence", "geringe Vertrauenswürdigkeit
// der Evidenz"; for case evidence "moderate certainty that the harm can
// occur".
func (t *Text) CertaintyPhrase(c grading.Certainty, basis grading.CertaintyBasis) string {
	if basis == grading.BasisOccurrence {
		return t.msg("phrase.occurrence."+string(c), nil)
	}
	return t.msg("phrase.evidence."+string(c), nil)
}

// Basis is what the certainty beside a verdict is about (DESIGN "What
// readers see"): "certainty of the evidence: low" for effect, frequency
// and absence ratings; "harm documented, attribution probable (occurrence
// certainty: moderate)" for occurrence ratings from case evidence; "" with
// no certainty.
func (t *Text) Basis(c grading.Certainty, basis grading.CertaintyBasis, a grading.Attribution) string {
	if c == grading.None {
		return ""
	}
	level := t.msg("level."+string(c), nil)
	if basis == grading.BasisOccurrence {
		if a == "" || a == grading.AttributionUnassessed {
			return t.msg("basis.occurrence_unassessed", Data{"Level": level})
		}
		return t.msg("basis.occurrence", Data{"Level": level, "Attribution": t.AttributionName(a)})
	}
	return t.msg("basis.evidence", Data{"Level": level})
}

// ShortVerdict is ClaimReview's reviewRating.alternateName: the rating's
// name with the certainty it rests on, short: "Overstated (low-certainty
// evidence)", "Überzogen (geringe Vertrauenswürdigkeit der Evidenz)";
// unproven is its name alone (DESIGN "Partners").
func (t *Text) ShortVerdict(r grading.Rating, c grading.Certainty, basis grading.CertaintyBasis) string {
	name := t.RatingName(r)
	if r == grading.RatingUnproven || r == grading.RatingNotRated || c == grading.None {
		return name
	}
	return t.msg("verdict.short", Data{"Label": name, "Basis": t.CertaintyPhrase(c, basis)})
}

// Flag is a claim flag in one plain sentence (the page lists every flag
// on the claim), e.g. absolute_wording: "Absolute wording: the claim rules
// out a harm entirely ..."
func (t *Text) Flag(f grading.Flag) string { return t.msg("flag."+string(f), nil) }

// FlagAbout is Flag for a claim whose certainty is about basis: low
// certainty of case evidence is about whether the harm can occur, never
// about "the true effect".
func (t *Text) FlagAbout(f grading.Flag, basis grading.CertaintyBasis) string {
	if f == grading.FlagLowCertainty && basis == grading.BasisOccurrence {
		return t.msg("flag.low_certainty_occurrence", nil)
	}
	return t.Flag(f)
}

// FindingNote says what a flag on a summary-of-findings row means
// (grading.FlagNoted: stale grade, reviewer disagreement, retracted
// evidence).
func (t *Text) FindingNote(f grading.Flag) string { return t.msg("finding_note."+string(f), nil) }

// Withdrawn is the notice at the top of a claim's page when the grade of a
// finding it rested on was withdrawn because its evidence was retracted
// (VerdictFacts.Withdrawn; DESIGN "Retraction withdraws").
func (t *Text) Withdrawn(findings []int64) string {
	if len(findings) == 0 {
		return ""
	}
	return t.plural("notice.withdrawn", int64(len(findings)), Data{"Findings": t.findingList(findings)})
}

// WithdrawnGrade is the notice for one finding whose grade was withdrawn,
// with the reason recorded (the grade's withdrawn_reason, in the words
// recorded) and the day.
func (t *Text) WithdrawnGrade(finding int64, reason string, at time.Time) string {
	d := Data{"Finding": t.Int(finding), "Reason": strings.TrimSpace(reason)}
	d["On"] = ""
	if !at.IsZero() {
		d["On"] = t.Date(at)
	}
	return t.msg("notice.withdrawn_grade", d)
}

// Retracted is the notice at the top of a claim's page for a retracted
// source that evidence it rests on cites: its title and year, and the
// retraction note as recorded.
func (t *Text) Retracted(title string, year int, note string) string {
	d := Data{"Title": title, "Note": strings.TrimSpace(note), "Year": ""}
	if year > 0 {
		d["Year"] = year
	}
	return t.msg("notice.retracted", d)
}
