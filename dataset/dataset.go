package dataset

// This file holds version 2 of the demo dataset (demo.json, schema
// schema.json): evidence per outcome, as GRADE grades it. Questions (PICO,
// timepoint, benefit or harm) are what the verified references measured;
// findings are the body of evidence for one question, with an effect only
// where the reference record states the numbers; claims quote the articles
// verbatim, carry what their wording asserts, and link to findings with a
// stance; reviews are two demo reviewers' full GRADE judgement sets per
// graded finding, with an editor's adjudication where they differ.
//
// Stance rule (the same text is stance_rule at the top of demo.json): a
// claim-finding link's stance says whether the finding's observed result,
// on the outcome the claim speaks of, agrees with what the claim's wording
// asserts, for the population, route and comparator the claim names or
// implies.
//   - supports: the result agrees - an effect in the asserted direction
//     against no treatment, placebo or the alternative the claim names
//     (superiority over an active treatment also shows an effect for a claim
//     that names no comparator); for harms, an event attributed to the
//     therapy for a claim that the harm can occur, or events described as
//     mild for a claim of mildness.
//   - refutes: the result contradicts it - no difference or the opposite
//     direction against the comparator the claim names or implies (placebo
//     or no treatment for a claim with no comparator), or an attributed
//     event against a claim of absence.
//   - mixed: the finding's own result agrees on one part of the claim's
//     scope and contradicts it on another.
//   - neutral: the finding does not test the wording - another comparator
//     (including no difference from an active treatment for a claim with no
//     comparator, since both arms improving cannot show that either works),
//     another route, timepoint or outcome, or a report of a selected cluster
//     of cases (an outbreak) for a claim about how often something happens
//     in routine use; a neutral link is context only.
//
// Stance is direction only: how sure we are comes from the finding's grade,
// and whether the size matches the wording from the rating rules.
//
// A claim's text is the article's verbatim sentence; a compound sentence
// is split into several claims that share the sentence and differ in
// text_en's emphasis, summary and wording attributes.

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"claimgrade/grading"
)

//go:embed demo.json
var demoJSON []byte

//go:embed schema.json
var schemaJSON []byte

// Raw returns the embedded demo.json. Each call returns a new copy.
func Raw() []byte { return bytes.Clone(demoJSON) }

// Schema returns the embedded JSON Schema (draft 2020-12) of
// demo.json. Each call returns a new copy.
func Schema() []byte { return bytes.Clone(schemaJSON) }

// StanceRule is the one rule every claim-finding stance in demo.json
// follows, word for word the file's stance_rule (a test keeps them equal).
const StanceRule = "A claim-finding link's stance says whether the finding's observed result, on the outcome the claim speaks of, agrees with what the claim's wording asserts, for the population, route and comparator the claim names or implies. supports: the result agrees - an effect in the asserted direction against no treatment, placebo or the alternative the claim names (superiority over an active treatment also shows an effect for a claim that names no comparator); for harms, an event attributed to the therapy for a claim that the harm can occur, or events described as mild for a claim of mildness. refutes: the result contradicts it - no difference or the opposite direction against the comparator the claim names or implies (placebo or no treatment for a claim with no comparator), or an attributed event against a claim of absence. mixed: the finding's own result agrees on one part of the claim's scope and contradicts it on another. neutral: the finding does not test the wording - another comparator (including no difference from an active treatment for a claim with no comparator, since both arms improving cannot show that either works), another route, timepoint or outcome, or a report of a selected cluster of cases (an outbreak) for a claim about how often something happens in routine use; a neutral link is context only. Stance is direction only: how sure we are comes from the finding's grade, and whether the size matches the wording from the rating rules."

// Dataset is the whole demo.json.
type Dataset struct {
	// Version is the format version: 2.
	Version int `json:"version"`
	// StanceRule is the one rule every link's stance follows.
	StanceRule string          `json:"stance_rule"`
	Therapies  []Therapy       `json:"therapies"`
	Sources    []Source        `json:"sources"`
	Questions  []Question      `json:"questions"`
	Findings   []Finding       `json:"findings"`
	Claims     []Claim         `json:"claims"`
	Reviews    []FindingReview `json:"reviews"`
}

// Therapy is a therapy with its aliases (same shape as in version 1).
type Therapy struct {
	Slug        string  `json:"slug"`
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Aliases     []Alias `json:"aliases"`
}

// Alias is another name of a therapy in one language.
type Alias struct {
	Alias    string `json:"alias"`
	Language string `json:"language"`
}

// Source is a web article (language and seed file, no bibliographic
// data), a reference record (only its verified bibliographic fields) or a
// source added for the demo (only the fields its verification names).
type Source struct {
	Key       string             `json:"key"`
	Kind      grading.SourceKind `json:"kind"`
	Title     string             `json:"title"`
	Language  *string            `json:"language,omitempty"`
	SeedFile  *string            `json:"seed_file,omitempty"`
	Authors   *string            `json:"authors,omitempty"`
	Year      *int               `json:"year,omitempty"`
	Container *string            `json:"container,omitempty"`
	DOI       *string            `json:"doi,omitempty"`
	PMID      *string            `json:"pmid,omitempty"`
	URL       *string            `json:"url,omitempty"`
	// ReferenceTitle is the exact title of the record in
	// shared/reference/evidence-sources.json.
	ReferenceTitle *string `json:"reference_title,omitempty"`
	// Verification says which bibliographic fields were verified, where
	// and when: every source that is not a reference record has one, and a
	// reference record has one for each field it adds to the record (a
	// PMID the record lacks).
	Verification *string `json:"verification,omitempty"`
	// IncludedDesign is what a systematic review or meta-analysis pools;
	// nil for other kinds.
	IncludedDesign *grading.IncludedDesign `json:"included_design,omitempty"`
	// Includes are keys of catalogued sources the review pools, listed only
	// where the record makes it certain.
	Includes []string `json:"includes,omitempty"`
}

// Question is a PICO question: what one reference (or several) measured.
type Question struct {
	Key        string `json:"key"`
	Therapy    string `json:"therapy"`
	Population string `json:"population"`
	// Intervention states drug, route, dose and setting as text.
	Intervention string `json:"intervention"`
	// Comparator is nil for a non-comparative (event-rate) question.
	Comparator     *string                `json:"comparator"`
	ComparatorKind grading.ComparatorKind `json:"comparator_kind"`
	Outcome        string                 `json:"outcome"`
	Timepoint      string                 `json:"timepoint"`
	OutcomeKind    grading.OutcomeKind    `json:"outcome_kind"`
	// Direction is which way the outcome's scale improves; estimates are
	// recorded as their source reports them.
	Direction grading.Direction `json:"direction"`
}

// Finding is the body of evidence for one question. Every number is one a
// source reports, quoted in a source's excerpt (Validate checks it, see
// quotes.go); Summary says why the rest is null. A threshold is named with
// its citation in a source's note.
type Finding struct {
	Key          string                 `json:"key"`
	Question     string                 `json:"question"`
	Sources      []FindingSource        `json:"sources"`
	Measure      *grading.EffectMeasure `json:"measure"`
	Estimate     *float64               `json:"estimate"`
	CILow        *float64               `json:"ci_low"`
	CIHigh       *float64               `json:"ci_high"`
	Events       *int                   `json:"events"`
	Participants *int                   `json:"participants"`
	Studies      *int                   `json:"studies"`
	Threshold    *float64               `json:"threshold"`
	// ComparatorRisk is the comparator group's risk of a binary outcome,
	// quoted from the source, for a risk, odds or hazard ratio (GRADE 12).
	ComparatorRisk *float64             `json:"comparator_risk"`
	Attribution    *grading.Attribution `json:"attribution"`
	Summary        string               `json:"summary"`
}

// FindingSource is one evidence source of a finding.
type FindingSource struct {
	Source string `json:"source"`
	// Excerpt is the source's verbatim passage that every number of the
	// finding comes from (passages joined by " … " where the locator names
	// several); nil where the finding records no number from this source
	// and its text was not read.
	Excerpt *string `json:"excerpt"`
	// Locator is where the excerpt stands in the source (abstract, results,
	// table N, page).
	Locator *string `json:"locator"`
	Note    string  `json:"note"`
	// ReportedCertainty is a review's or guideline's own GRADE rating for
	// this outcome.
	ReportedCertainty *grading.Certainty `json:"reported_certainty"`
	// DesignSubset is the one design a mixed review's estimate is
	// restricted to.
	DesignSubset *grading.DesignClass `json:"design_subset"`
}

// Claim is one claim of a web article with its wording attributes.
type Claim struct {
	Key     string `json:"key"`
	Therapy string `json:"therapy"`
	// Text is the article's verbatim sentence.
	Text      string            `json:"text"`
	Language  string            `json:"language"`
	TextEN    string            `json:"text_en"`
	ClaimType grading.ClaimType `json:"claim_type"`
	// Assertion, ClaimedValue, ClaimedBound and Hedge describe the wording
	// (issues 10 and 18).
	Assertion    grading.Assertion     `json:"assertion"`
	ClaimedValue *float64              `json:"claimed_value"`
	ClaimedBound *grading.ClaimedBound `json:"claimed_bound"`
	Hedge        grading.Hedge         `json:"hedge"`
	// Summary restates the claim in English in under 75 characters.
	Summary     string        `json:"summary"`
	Appearances []Appearance  `json:"appearances"`
	Findings    []FindingLink `json:"findings"`
	// Searches are the searches made for the claim's evidence (optional).
	Searches []Search `json:"searches,omitempty"`
	// Override is an editor's rating where the rules cannot express an
	// honest verdict (optional; DESIGN "Claim ratings": the rules' verdict
	// is shown beside it).
	Override *Override `json:"override,omitempty"`
}

// Override is an editor's rating of a claim with the rationale a
// fact-checker signs.
type Override struct {
	Editor    string         `json:"editor"`
	Rating    grading.Rating `json:"rating"`
	Rationale string         `json:"rationale"`
}

// Search is one documented search for a claim's evidence, recorded as it
// was run (never invented): the database, the exact query, when
// (RFC 3339), how many records it returned and how many were screened,
// the keys of the catalogued sources it led to, and why nothing was
// includable (required when it led to none).
type Search struct {
	Database   grading.SearchDatabase `json:"database"`
	Query      string                 `json:"query"`
	SearchedAt string                 `json:"searched_at"`
	Hits       int64                  `json:"hits"`
	Screened   int64                  `json:"screened"`
	Sources    []string               `json:"sources"`
	Note       *string                `json:"note"`
}

// Appearance is where a claim is made.
type Appearance struct {
	Source string `json:"source"`
	// Excerpt is the verbatim passage containing the claim.
	Excerpt     string  `json:"excerpt"`
	Locator     string  `json:"locator"`
	URL         *string `json:"url"`
	RetrievedAt *string `json:"retrieved_at"`
}

// FindingLink links a claim to a finding with a stance.
type FindingLink struct {
	Finding string         `json:"finding"`
	Stance  grading.Stance `json:"stance"`
	Note    string         `json:"note"`
}

// FindingReview holds the demo reviewers' assessments of one finding and,
// where they differ, the editor's adjudication.
type FindingReview struct {
	Finding      string        `json:"finding"`
	Assessments  []Assessment  `json:"assessments"`
	Adjudication *Adjudication `json:"adjudication"`
}

// Judgements is a full set of GRADE domain judgements with their reasons.
// The certainty is never stored: the engine derives it. Case evidence (a
// harm without comparator whose finding has no measure) states only
// attribution and indirectness; the schema makes every other domain absent
// there, and required elsewhere.
type Judgements struct {
	RiskOfBias           grading.Concern `json:"risk_of_bias"`
	Inconsistency        grading.Concern `json:"inconsistency"`
	Indirectness         grading.Concern `json:"indirectness"`
	Imprecision          grading.Concern `json:"imprecision"`
	PublicationBias      grading.Concern `json:"publication_bias"`
	LargeEffect          grading.Effect  `json:"large_effect"`
	DoseResponse         bool            `json:"dose_response"`
	PlausibleConfounding bool            `json:"plausible_confounding"`
	// RoBTool is nil or robins_i (non-randomised comparative evidence).
	RoBTool *grading.RobTool `json:"rob_tool"`
	// Sample is an event rate's sample (representative or selected).
	Sample *grading.Sample `json:"sample,omitempty"`
	// RelativeEffect is the ratio behind a large effect on a difference
	// measure (GRADE 9).
	RelativeEffect *float64 `json:"relative_effect,omitempty"`
	// Attribution is case evidence's WHO-UMC causality.
	Attribution *grading.Attribution `json:"attribution,omitempty"`
	// Reasons maps a domain name to the reason for its judgement; required
	// for every judgement other than not_serious, none and false.
	Reasons   map[string]string `json:"reasons"`
	Rationale string            `json:"rationale"`
}

// Assessment is one reviewer's judgement set.
type Assessment struct {
	Reviewer string `json:"reviewer"`
	Judgements
}

// Adjudication is an editor's judgement set settling a disagreement.
type Adjudication struct {
	Editor string `json:"editor"`
	Judgements
}

// fields are the judgements as demo.json writes them: GRADE judgements
// with every domain (rob_tool null when none), case evidence with its
// attribution and indirectness only (the schema's two shapes).
func (j Judgements) fields() map[string]any {
	m := map[string]any{"indirectness": j.Indirectness, "reasons": j.Reasons, "rationale": j.Rationale}
	if j.Attribution != nil {
		m["attribution"] = *j.Attribution
	} else {
		m["risk_of_bias"], m["inconsistency"], m["imprecision"], m["publication_bias"] = j.RiskOfBias, j.Inconsistency, j.Imprecision, j.PublicationBias
		m["large_effect"], m["dose_response"], m["plausible_confounding"], m["rob_tool"] = j.LargeEffect, j.DoseResponse, j.PlausibleConfounding, j.RoBTool
	}
	if j.Sample != nil {
		m["sample"] = *j.Sample
	}
	if j.RelativeEffect != nil {
		m["relative_effect"] = *j.RelativeEffect
	}
	return m
}

// MarshalJSON writes the assessment in demo.json's shape (fields).
func (a Assessment) MarshalJSON() ([]byte, error) {
	m := a.fields()
	m["reviewer"] = a.Reviewer
	return json.Marshal(m)
}

// MarshalJSON writes the adjudication in demo.json's shape (fields).
func (a Adjudication) MarshalJSON() ([]byte, error) {
	m := a.fields()
	m["editor"] = a.Editor
	return json.Marshal(m)
}

// Load decodes the embedded demo.json strictly. It does not call
// Validate.
func Load() (*Dataset, error) { return decode(demoJSON) }

func decode(data []byte) (*Dataset, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Dataset
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("dataset: decode demo.json: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("dataset: decode demo.json: unexpected data after the top-level value")
	}
	return &d, nil
}

// NormalizeSpace collapses every run of white space (Unicode, including
// no-break spaces) to one space and trims the ends: the form in which
// verbatim texts are compared with the seed articles.
func NormalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// Validate checks what the schema cannot, and reports every problem at
// once: unique keys, DOIs and PMIDs; references between therapies, sources,
// questions, findings, claims and reviews; the vocabularies; one design
// class per finding and no review beside its own included trials; the
// effect fields; claim wording attributes; judgement ranges, upgrade rules
// and reasons. seeds maps a web article's seed_file to its text; when it is
// non-nil every claim text and appearance excerpt must occur verbatim (after
// NormalizeSpace) in its article, and every article's seed must be present.
func (d *Dataset) Validate(seeds map[string]string) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	valid := func(field string, v interface{ Validate() error }) {
		if err := v.Validate(); err != nil {
			add("%s: %v", field, err)
		}
	}
	text := func(field, v string) {
		if strings.TrimSpace(v) == "" {
			add("%s: empty", field)
		}
	}

	if d.Version != 2 {
		add("version = %d, want 2", d.Version)
	}
	text("stance_rule", d.StanceRule)

	therapies := map[string]bool{}
	aliases := map[string]string{}
	for _, t := range d.Therapies {
		if therapies[t.Slug] {
			add("therapy %q: duplicate slug", t.Slug)
		}
		therapies[t.Slug] = true
		text("therapy "+t.Slug+": name", t.Name)
		for _, a := range t.Aliases {
			k := strings.ToLower(NormalizeSpace(a.Alias))
			if other, ok := aliases[k]; ok {
				add("alias %q: used by %q and %q", a.Alias, other, t.Slug)
			}
			aliases[k] = t.Slug
		}
	}

	sources := map[string]*Source{}
	sourceIDs := map[string]int64{} // the engine names sources by id: the 1-based position
	dois, pmids := map[string]string{}, map[string]string{}
	for i := range d.Sources {
		s := &d.Sources[i]
		f := "source " + s.Key
		if _, dup := sources[s.Key]; dup {
			add("%s: duplicate key", f)
		}
		sources[s.Key] = s
		sourceIDs[s.Key] = int64(i + 1)
		if err := s.Kind.Validate(); err != nil {
			add("%s: %v", f, err)
		}
		text(f+": title", s.Title)
		if s.Kind == grading.KindWebArticle {
			if s.SeedFile == nil || s.Language == nil {
				add("%s: a web article needs seed_file and language", f)
			} else if seeds != nil {
				if _, ok := seeds[*s.SeedFile]; !ok {
					add("%s: seed file %q not found", f, *s.SeedFile)
				}
			}
			if s.Authors != nil || s.Year != nil || s.Container != nil || s.DOI != nil || s.PMID != nil || s.URL != nil || s.ReferenceTitle != nil {
				add("%s: a web article carries no bibliographic fields", f)
			}
		} else {
			if s.ReferenceTitle == nil && (s.Verification == nil || strings.TrimSpace(*s.Verification) == "") {
				add("%s: a source that is no reference record says in verification which fields were verified, where and when", f)
			}
			if s.Language != nil || s.SeedFile != nil {
				add("%s: language and seed_file are for web articles", f)
			}
		}
		review := s.Kind == grading.KindSystematicReview || s.Kind == grading.KindMetaAnalysis
		switch {
		case review && s.IncludedDesign == nil:
			add("%s: a %s needs included_design", f, s.Kind)
		case review:
			valid(f+": included_design", s.IncludedDesign)
		case s.IncludedDesign != nil || len(s.Includes) > 0:
			add("%s: included_design and includes are for systematic reviews and meta-analyses", f)
		}
		if s.DOI != nil {
			if *s.DOI != strings.ToLower(*s.DOI) || strings.Contains(*s.DOI, "doi.org") || !strings.HasPrefix(*s.DOI, "10.") {
				add("%s: DOI %q is not normalised", f, *s.DOI)
			}
			if other, ok := dois[*s.DOI]; ok {
				add("%s: DOI %s already used by %q", f, *s.DOI, other)
			}
			dois[*s.DOI] = s.Key
		}
		if s.PMID != nil {
			if other, ok := pmids[*s.PMID]; ok {
				add("%s: PMID %s already used by %q", f, *s.PMID, other)
			}
			pmids[*s.PMID] = s.Key
		}
	}
	for _, s := range d.Sources {
		seen := map[string]bool{}
		for _, k := range s.Includes {
			inc, ok := sources[k]
			switch {
			case !ok:
				add("source %s: includes unknown source %q", s.Key, k)
			case k == s.Key || seen[k]:
				add("source %s: includes %q twice or itself", s.Key, k)
			case inc.Kind == grading.KindWebArticle:
				add("source %s: includes web article %q", s.Key, k)
			}
			seen[k] = true
		}
	}

	questions := map[string]*Question{}
	for i := range d.Questions {
		q := &d.Questions[i]
		f := "question " + q.Key
		if _, dup := questions[q.Key]; dup {
			add("%s: duplicate key", f)
		}
		questions[q.Key] = q
		if !therapies[q.Therapy] {
			add("%s: unknown therapy %q", f, q.Therapy)
		}
		text(f+": population", q.Population)
		text(f+": intervention", q.Intervention)
		text(f+": outcome", q.Outcome)
		text(f+": timepoint", q.Timepoint)
		valid(f+": comparator_kind", q.ComparatorKind)
		valid(f+": outcome_kind", q.OutcomeKind)
		valid(f+": direction", q.Direction)
		if (q.Comparator == nil) != (q.ComparatorKind == grading.ComparatorNone) {
			add("%s: comparator must be null exactly when comparator_kind is none", f)
		}
		if q.Comparator != nil {
			text(f+": comparator", *q.Comparator)
		}
	}

	findings := map[string]*Finding{}
	bodies := map[string]grading.Body{}
	gradable := map[string]bool{}
	for i := range d.Findings {
		fd := &d.Findings[i]
		f := "finding " + fd.Key
		if _, dup := findings[fd.Key]; dup {
			add("%s: duplicate key", f)
		}
		findings[fd.Key] = fd
		q, qok := questions[fd.Question]
		if !qok {
			add("%s: unknown question %q", f, fd.Question)
		}
		text(f+": summary", fd.Summary)
		if len(fd.Sources) == 0 {
			add("%s: no sources", f)
		}
		seen := map[string]bool{}
		for _, fs := range fd.Sources {
			g := f + ": source " + fs.Source
			if seen[fs.Source] {
				add("%s: listed twice", g)
			}
			seen[fs.Source] = true
			s, ok := sources[fs.Source]
			if !ok {
				add("%s: unknown source", g)
				continue
			}
			if s.Kind == grading.KindWebArticle || s.Kind == grading.KindNews || s.Kind == grading.KindOther {
				add("%s: a %s is not evidence", g, s.Kind)
			}
			if fs.Excerpt != nil {
				text(g+": excerpt", *fs.Excerpt)
				if fs.Locator == nil || strings.TrimSpace(*fs.Locator) == "" {
					add("%s: an excerpt needs its locator", g)
				}
			}
			text(g+": note", fs.Note)
			if fs.ReportedCertainty != nil {
				if err := fs.ReportedCertainty.Validate(); err != nil {
					add("%s: %v", g, err)
				}
				if s.Kind != grading.KindSystematicReview && s.Kind != grading.KindMetaAnalysis && s.Kind != grading.KindGuideline {
					add("%s: reported_certainty is only for systematic reviews, meta-analyses and guidelines, not %s", g, s.Kind)
				}
				if len(fd.Sources) != 1 {
					add("%s: a finding that uses reported_certainty is that source's evidence and nothing else", g)
				}
			}
			if fs.DesignSubset != nil {
				valid(g+": design_subset", fs.DesignSubset)
				if s.IncludedDesign == nil || *s.IncludedDesign != grading.IncludedMixed {
					add("%s: design_subset is only for a mixed review", g)
				}
			}
		}
		// Which sources set the level, the one design class, the start:
		// the engine decides, exactly as it will when the finding is graded.
		body := d.body(fd, q, sourceIDs, sources)
		bodies[fd.Key] = body
		if _, err := grading.BodyBasis(body); err != nil {
			var re *grading.RuleError
			if !errors.As(err, &re) {
				add("%s: %v", f, err)
			}
			for _, pr := range re.Problems {
				// Context-only findings are allowed: nothing sets a level, or
				// only a mixed review whose estimate is not restricted to one
				// design. Reviewing one is refused below.
				contextOnly := pr.Code == grading.CodeUngradable ||
					(pr.Code == grading.CodeSplitByDesign && strings.HasSuffix(pr.Field, ".design_subset"))
				if !contextOnly {
					add("%s: %s: %s (%s)", f, pr.Field, pr.Message, pr.Code)
				}
			}
		} else {
			gradable[fd.Key] = true
		}

		if fd.Measure != nil {
			valid(f+": measure", fd.Measure)
		}
		if (fd.Estimate != nil || fd.CILow != nil || fd.CIHigh != nil) && fd.Measure == nil {
			add("%s: an estimate or interval needs a measure", f)
		}
		if (fd.CILow == nil) != (fd.CIHigh == nil) {
			add("%s: ci_low and ci_high go together", f)
		}
		if fd.CILow != nil && fd.CIHigh != nil {
			if *fd.CILow > *fd.CIHigh {
				add("%s: ci_low > ci_high", f)
			}
			if fd.Estimate != nil && (*fd.Estimate < *fd.CILow || *fd.Estimate > *fd.CIHigh) {
				add("%s: estimate outside its interval", f)
			}
		}
		for name, p := range map[string]*int{"events": fd.Events, "participants": fd.Participants, "studies": fd.Studies} {
			if p != nil && (*p < 0 || (name != "events" && *p == 0)) {
				add("%s: %s = %d out of range", f, name, *p)
			}
		}
		if fd.Events != nil {
			if fd.Participants == nil || *fd.Events > *fd.Participants {
				add("%s: events need participants and cannot exceed them", f)
			}
			if fd.Measure == nil || (*fd.Measure != "proportion" && *fd.Measure != "incidence") {
				add("%s: events are for a proportion or incidence", f)
			}
		}
		if fd.Threshold != nil && (*fd.Threshold <= 0 || math.IsNaN(*fd.Threshold)) {
			add("%s: threshold must be positive", f)
		}
		if fd.ComparatorRisk != nil {
			m := grading.EffectMeasure("")
			if fd.Measure != nil {
				m = *fd.Measure
			}
			if msg := grading.ComparatorRiskProblem(m, *fd.ComparatorRisk); msg != "" {
				add("%s: comparator_risk %v %s", f, *fd.ComparatorRisk, msg)
			}
		}
		// No number without its quote, and no threshold without its
		// citation (quotes.go).
		if qok {
			for _, u := range unquotedNumbers(fd, q, sources) {
				add("%s: %s", f, u)
			}
		}
		if fd.Attribution != nil {
			valid(f+": attribution", fd.Attribution)
			if qok && (q.Comparator != nil || q.OutcomeKind != "harm") {
				add("%s: attribution is for a non-comparative harm", f)
			}
		}
	}

	claims := map[string]bool{}
	for i := range d.Claims {
		c := &d.Claims[i]
		f := "claim " + c.Key
		if claims[c.Key] {
			add("%s: duplicate key", f)
		}
		claims[c.Key] = true
		if !therapies[c.Therapy] {
			add("%s: unknown therapy %q", f, c.Therapy)
		}
		text(f+": text", c.Text)
		text(f+": text_en", c.TextEN)
		text(f+": summary", c.Summary)
		if n := utf8.RuneCountInString(c.Summary); n >= 75 {
			add("%s: summary has %d characters, want under 75", f, n)
		}
		if err := c.ClaimType.Validate(); err != nil {
			add("%s: %v", f, err)
		}
		// The wording attributes go through the rating engine's own check,
		// as an editor's write will.
		if err := grading.CheckWording(grading.WordingOf(c.ClaimType, c.Assertion, c.ClaimedValue, c.ClaimedBound, c.Hedge)); err != nil {
			add("%s: %v", f, err)
		}
		if len(c.Appearances) == 0 {
			add("%s: no appearance", f)
		}
		if o := c.Override; o != nil {
			if err := o.Rating.Validate(); err != nil {
				add("%s: override: %v", f, err)
			}
			text(f+": override: editor", o.Editor)
			text(f+": override: rationale", o.Rationale)
		}
		for _, a := range c.Appearances {
			g := f + ": appearance in " + a.Source
			s, ok := sources[a.Source]
			if !ok {
				add("%s: unknown source", g)
				continue
			}
			if s.Kind != grading.KindWebArticle && s.Kind != grading.KindNews && s.Kind != grading.KindOther {
				add("%s: appearances are in web_article, news or other sources, not %s", g, s.Kind)
			}
			text(g+": excerpt", a.Excerpt)
			text(g+": locator", a.Locator)
			if s.Language != nil && *s.Language != c.Language {
				add("%s: claim language %q, article language %q", g, c.Language, *s.Language)
			}
			if a.URL != nil && !strings.HasPrefix(*a.URL, "https://") && !strings.HasPrefix(*a.URL, "http://") {
				add("%s: url %q is not http(s)", g, *a.URL)
			}
			if a.RetrievedAt != nil {
				if _, err := time.Parse(time.RFC3339, *a.RetrievedAt); err != nil {
					add("%s: retrieved_at: %v", g, err)
				}
			}
			if !strings.Contains(NormalizeSpace(a.Excerpt), NormalizeSpace(c.Text)) {
				add("%s: the excerpt does not contain the claim text", g)
			}
			if seeds != nil && s.SeedFile != nil {
				if seed, ok := seeds[*s.SeedFile]; ok {
					seed = NormalizeSpace(seed)
					if !strings.Contains(seed, NormalizeSpace(a.Excerpt)) {
						add("%s: excerpt is not verbatim in %s", g, *s.SeedFile)
					}
					if !strings.Contains(seed, NormalizeSpace(c.Text)) {
						add("%s: claim text is not verbatim in %s", g, *s.SeedFile)
					}
				}
			}
		}
		for i, sr := range c.Searches {
			g := fmt.Sprintf("%s: search %d", f, i)
			valid(g+": database", sr.Database)
			text(g+": query", sr.Query)
			if at, err := time.Parse(time.RFC3339, sr.SearchedAt); err != nil {
				add("%s: searched_at: %v", g, err)
			} else if at.After(time.Now()) {
				add("%s: searched_at %s is in the future", g, sr.SearchedAt)
			}
			if sr.Hits < 0 || sr.Screened < 0 || sr.Screened > sr.Hits {
				add("%s: hits %d and screened %d must be counts with screened at most hits", g, sr.Hits, sr.Screened)
			}
			seen := map[string]bool{}
			for _, k := range sr.Sources {
				if _, ok := sources[k]; !ok || seen[k] {
					add("%s: unknown or repeated source %q", g, k)
				}
				seen[k] = true
			}
			if len(sr.Sources) == 0 && (sr.Note == nil || strings.TrimSpace(*sr.Note) == "") {
				add("%s: a search that led to no source says why in its note", g)
			}
		}
		linked := map[string]bool{}
		for _, l := range c.Findings {
			g := f + ": finding " + l.Finding
			if linked[l.Finding] {
				add("%s: linked twice", g)
			}
			linked[l.Finding] = true
			fd, ok := findings[l.Finding]
			if !ok {
				add("%s: unknown finding", g)
			} else if q, ok := questions[fd.Question]; ok && q.Therapy != c.Therapy {
				add("%s: the finding's question is about %q, the claim about %q", g, q.Therapy, c.Therapy)
			}
			if err := l.Stance.Validate(); err != nil {
				add("%s: %v", g, err)
			}
			text(g+": note", l.Note)
		}
	}

	reviewed := map[string]bool{}
	for _, r := range d.Reviews {
		f := "review of " + r.Finding
		if reviewed[r.Finding] {
			add("%s: duplicate review", f)
		}
		reviewed[r.Finding] = true
		body, ok := bodies[r.Finding]
		switch {
		case !ok:
			add("%s: unknown finding", f)
			continue
		case !gradable[r.Finding]:
			add("%s: the finding has no level-setting source and cannot be graded", f)
			continue
		}
		if len(r.Assessments) < 2 {
			add("%s: %d assessments, want at least 2", f, len(r.Assessments))
		}
		// Each assessment goes through the engine's rules, as a reviewer's
		// PUT will; their agreement through the consensus rule.
		var submitted []grading.FindingAssessment
		var assessors []string
		for _, a := range r.Assessments {
			if a.Reviewer == "" || slices.Contains(assessors, a.Reviewer) {
				add("%s: empty or duplicate reviewer %q", f, a.Reviewer)
			}
			assessors = append(assessors, a.Reviewer)
			text(f+" by "+a.Reviewer+": rationale", a.Rationale)
			j := grading.CompleteJudgements(body, a.domain())
			dv, err := grading.GradeBody(body, j)
			if err != nil {
				add("%s by %s: %v", f, a.Reviewer, err)
				continue
			}
			submitted = append(submitted, grading.FindingAssessment{Reviewer: a.Reviewer, Judgements: j,
				Start: dv.Start, Certainty: dv.Result})
		}
		if len(submitted) != len(r.Assessments) {
			continue
		}
		consensus := grading.FindingConsensus(submitted, 2)
		switch adj := r.Adjudication; {
		case !consensus.Decided && adj == nil:
			add("%s: the assessments differ in %v and no adjudication settles them", f, consensus.Disagreements)
		case consensus.Decided && adj != nil:
			add("%s: an adjudication without a disagreement", f)
		case adj != nil:
			if _, err := grading.AdjudicateBody(body, grading.Adjudication{Editor: adj.Editor, Judgements: grading.CompleteJudgements(body, adj.domain()),
				Rationale: adj.Rationale, Assessors: assessors, Submitted: submitted, RequiredReviews: 2}); err != nil {
				add("%s: adjudication: %v", f, err)
			}
		}
	}
	return errors.Join(errs...)
}

// domain is the judgement set as the engine takes it.
func (j Judgements) domain() grading.DomainJudgements {
	dj := grading.DomainJudgements{RiskOfBias: j.RiskOfBias, Inconsistency: j.Inconsistency, Indirectness: j.Indirectness,
		Imprecision: j.Imprecision, PublicationBias: j.PublicationBias, LargeEffect: j.LargeEffect,
		DoseResponse: j.DoseResponse, PlausibleConfounding: j.PlausibleConfounding, Reasons: j.Reasons}
	if j.RoBTool != nil {
		dj.RobTool = *j.RoBTool
	}
	if j.Sample != nil {
		dj.Sample = *j.Sample
	}
	if j.Attribution != nil {
		dj.Attribution = *j.Attribution
	}
	dj.RelativeEffect = j.RelativeEffect
	if dj.Reasons == nil {
		dj.Reasons = map[string]string{}
	}
	return dj
}

// body is a finding's body of evidence as the engine sees it; q is nil when
// the finding names an unknown question, and unknown sources are left out
// (both are reported by Validate).
func (d *Dataset) body(fd *Finding, q *Question, ids map[string]int64, sources map[string]*Source) grading.Body {
	var b grading.Body
	if q != nil {
		b.Question = grading.Question{Population: q.Population, Intervention: q.Intervention, Comparator: q.Comparator,
			ComparatorKind: q.ComparatorKind, Outcome: q.Outcome, Timepoint: q.Timepoint, OutcomeKind: q.OutcomeKind,
			Direction: q.Direction}
	}
	b.Effect = grading.EffectEstimate{Estimate: fd.Estimate, CILow: fd.CILow, CIHigh: fd.CIHigh, Threshold: fd.Threshold,
		Events: int64Ptr(fd.Events), Participants: int64Ptr(fd.Participants), Studies: int64Ptr(fd.Studies)}
	if fd.Measure != nil {
		b.Effect.Measure = *fd.Measure
	}
	for _, fs := range fd.Sources {
		s, ok := sources[fs.Source]
		if !ok {
			continue
		}
		bs := grading.BodySource{SourceID: ids[fs.Source], Kind: s.Kind}
		if s.IncludedDesign != nil {
			bs.IncludedDesign = *s.IncludedDesign
		}
		for _, k := range s.Includes {
			bs.Includes = append(bs.Includes, ids[k])
		}
		if fs.ReportedCertainty != nil {
			bs.ReportedCertainty = *fs.ReportedCertainty
		}
		if fs.DesignSubset != nil {
			bs.DesignSubset = *fs.DesignSubset
		}
		b.Sources = append(b.Sources, bs)
	}
	return b
}

// bodyOf is body with the dataset's own source ids (1-based positions).
func (d *Dataset) bodyOf(fd *Finding) grading.Body {
	ids, sources := map[string]int64{}, map[string]*Source{}
	for i := range d.Sources {
		ids[d.Sources[i].Key], sources[d.Sources[i].Key] = int64(i+1), &d.Sources[i]
	}
	var q *Question
	for i := range d.Questions {
		if d.Questions[i].Key == fd.Question {
			q = &d.Questions[i]
		}
	}
	return d.body(fd, q, ids, sources)
}

func int64Ptr(p *int) *int64 {
	if p == nil {
		return nil
	}
	v := int64(*p)
	return &v
}

// Claim returns the claim with this key.
func (d *Dataset) Claim(key string) (Claim, bool) {
	for _, c := range d.Claims {
		if c.Key == key {
			return c, true
		}
	}
	return Claim{}, false
}
