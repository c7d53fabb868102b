// Package dataset embeds claimgrade's demo dataset: the two therapies
// (mesotherapy and infusion therapy), the five seed web articles the claims
// come from, the verified reference studies that bear on them, the claims
// with their appearance and evidence links, and demo GRADE reviews.
//
// The data lives in demo.json and its JSON Schema in schema.json, both
// embedded into the binary. Load decodes the dataset strictly and Validate
// checks the cross-references that a schema cannot express (unique keys,
// links to existing sources, reviews of existing claims). The package depends
// on the standard library and the grading package, whose vocabularies its
// fields use, so the file can never hold a value the server would refuse;
// the GRADE arithmetic is applied by whoever loads the data into a database.
package dataset

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"claimgrade/grading"
)

//go:embed demo.json
var raw []byte

//go:embed schema.json
var schema []byte

// Raw returns the embedded demo.json. Each call returns a new copy.
func Raw() []byte { return bytes.Clone(raw) }

// Schema returns the embedded JSON Schema (draft 2020-12) of demo.json.
// Each call returns a new copy.
func Schema() []byte { return bytes.Clone(schema) }

// Dataset is the whole demo dataset as stored in demo.json.
type Dataset struct {
	// Version is the format version; currently 1.
	Version int `json:"version"`
	// Therapies are the therapies claims are about.
	Therapies []Therapy `json:"therapies"`
	// Sources are the web articles and the reference studies.
	Sources []Source `json:"sources"`
	// Claims are the claims made in the web articles.
	Claims []Claim `json:"claims"`
	// Reviews are demo GRADE assessments of some claims.
	Reviews []Review `json:"reviews"`
}

// Therapy is a treatment that claims are made about.
type Therapy struct {
	// Slug identifies the therapy, e.g. "mesotherapy".
	Slug string `json:"slug"`
	// Name is the English display name.
	Name string `json:"name"`
	// Description is a short neutral description.
	Description string `json:"description"`
	// Aliases are names in several languages by which the therapy is found.
	Aliases []Alias `json:"aliases"`
}

// Alias is another name of a therapy in one language.
type Alias struct {
	// Alias is the name, e.g. "Mesotherapie".
	Alias string `json:"alias"`
	// Language is the BCP 47 tag of the name, e.g. "de".
	Language string `json:"language"`
}

// Source is a web article where claims appear, or a reference study, review
// or guideline that is evidence. Reference sources carry only the
// bibliographic fields that were verified; the rest are nil.
type Source struct {
	// Key identifies the source within the dataset, e.g. "article-000" or
	// "costantino-2011".
	Key string `json:"key"`
	// Kind is the source kind (study design for evidence, web_article for
	// the seed articles).
	Kind grading.SourceKind `json:"kind"`
	// IncludedDesign is what a systematic review or meta-analysis pools.
	IncludedDesign *grading.IncludedDesign `json:"included_design,omitempty"`
	// Title is the source's title (for web articles, the article's own
	// headline).
	Title string `json:"title"`
	// Language is the BCP 47 tag of a web article; nil for reference sources.
	Language *string `json:"language,omitempty"`
	// SeedFile is the file name of a web article in shared/seeds.
	SeedFile *string `json:"seed_file,omitempty"`
	// Authors is the verified author list, if any.
	Authors *string `json:"authors,omitempty"`
	// Year is the verified publication year, if any.
	Year *int `json:"year,omitempty"`
	// Container is the verified journal (or publisher) the source appeared in.
	Container *string `json:"container,omitempty"`
	// DOI is the verified DOI, normalised to lowercase without a resolver prefix.
	DOI *string `json:"doi,omitempty"`
	// PMID is the verified PubMed identifier (digits).
	PMID *string `json:"pmid,omitempty"`
	// URL is the verified URL, if any.
	URL *string `json:"url,omitempty"`
	// ReferenceTitle is the exact title of the matching record in
	// shared/reference/evidence-sources.json; nil for web articles.
	ReferenceTitle *string `json:"reference_title,omitempty"`
}

// Claim is one statement an article makes about a therapy.
type Claim struct {
	// Key identifies the claim within the dataset, e.g. "fr-003-no-drug-interaction".
	Key string `json:"key"`
	// Therapy is the slug of the therapy the claim is about.
	Therapy string `json:"therapy"`
	// Text is the claim in the article's language, close to its wording.
	Text string `json:"text"`
	// Language is the BCP 47 tag of Text.
	Language string `json:"language"`
	// TextEN is an English rendering of Text.
	TextEN *string `json:"text_en,omitempty"`
	// Condition is the condition the claim is about, e.g. "low back pain".
	Condition string `json:"condition"`
	// Outcome is what the claim is about, e.g. "pain relief", "adverse events".
	Outcome string `json:"outcome"`
	// ClaimType is the claim's type.
	ClaimType grading.ClaimType `json:"claim_type"`
	// Links are the claim's appearance (exactly one) and evidence links.
	Links []Link `json:"links"`
}

// Link ties a claim to a source, as the place where it appears or as
// evidence on it.
type Link struct {
	// Source is the key of the linked source.
	Source string `json:"source"`
	// Role is appearance or evidence.
	Role grading.LinkRole `json:"role"`
	// Stance is the evidence's stance on the claim; nil for appearances.
	Stance *grading.Stance `json:"stance,omitempty"`
	// Excerpt is the passage quoted verbatim from the article; appearances only.
	Excerpt *string `json:"excerpt,omitempty"`
	// Locator says where in the source the excerpt is (section, paragraph).
	Locator *string `json:"locator,omitempty"`
	// Note explains an evidence link's stance from the source's finding.
	Note *string `json:"note,omitempty"`
	// ReportedCertainty is the GRADE certainty the source itself states, if
	// any; it replaces the design's starting level.
	ReportedCertainty *grading.Certainty `json:"reported_certainty,omitempty"`
}

// Review holds the demo reviewers' assessments of one claim and, where they
// disagree, the editor's adjudication.
type Review struct {
	// Claim is the key of the assessed claim.
	Claim string `json:"claim"`
	// Assessments are the reviewers' submitted GRADE judgements.
	Assessments []Assessment `json:"assessments"`
	// Adjudication is the editor's decision; nil when the assessments agree.
	Adjudication *Adjudication `json:"adjudication"`
}

// Assessment is one reviewer's GRADE judgement of a claim's evidence. The
// certainty is not stored: the server computes it from these judgements.
type Assessment struct {
	// Reviewer is the reviewer's user name.
	Reviewer        string          `json:"reviewer"`
	RiskOfBias      grading.Concern `json:"risk_of_bias"`
	Inconsistency   grading.Concern `json:"inconsistency"`
	Indirectness    grading.Concern `json:"indirectness"`
	Imprecision     grading.Concern `json:"imprecision"`
	PublicationBias grading.Concern `json:"publication_bias"`
	LargeEffect     grading.Effect  `json:"large_effect"`
	// DoseResponse reports a dose-response gradient (upgrade by one).
	DoseResponse bool `json:"dose_response"`
	// PlausibleConfounding reports that plausible confounding would reduce
	// the effect (upgrade by one).
	PlausibleConfounding bool            `json:"plausible_confounding"`
	Verdict              grading.Verdict `json:"verdict"`
	// Rationale explains the judgements; required when any domain moves
	// the certainty.
	Rationale string `json:"rationale"`
}

// Adjudication is an editor's final decision on a claim whose reviewers
// disagreed.
type Adjudication struct {
	// Editor is the editor's user name.
	Editor    string            `json:"editor"`
	Certainty grading.Certainty `json:"certainty"`
	Verdict   grading.Verdict   `json:"verdict"`
	// Rationale explains the decision.
	Rationale string `json:"rationale"`
}

// Load decodes the embedded demo.json strictly: unknown fields and trailing
// data are errors. It does not call Validate.
func Load() (*Dataset, error) {
	return decode(raw)
}

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

// Source returns the source with the given key.
func (d *Dataset) Source(key string) (*Source, bool) {
	for i := range d.Sources {
		if d.Sources[i].Key == key {
			return &d.Sources[i], true
		}
	}
	return nil, false
}

// Claim returns the claim with the given key.
func (d *Dataset) Claim(key string) (*Claim, bool) {
	for i := range d.Claims {
		if d.Claims[i].Key == key {
			return &d.Claims[i], true
		}
	}
	return nil, false
}

// Therapy returns the therapy with the given slug.
func (d *Dataset) Therapy(slug string) (*Therapy, bool) {
	for i := range d.Therapies {
		if d.Therapies[i].Slug == slug {
			return &d.Therapies[i], true
		}
	}
	return nil, false
}

// Appearance returns the claim's appearance link, or nil if it has none.
func (c *Claim) Appearance() *Link {
	for i := range c.Links {
		if c.Links[i].Role == grading.RoleAppearance {
			return &c.Links[i]
		}
	}
	return nil
}

// Validate checks what the schema cannot: unique therapy slugs, aliases,
// source keys, DOIs, PMIDs, claim keys and reviewed claims; that every claim's
// therapy and every link's source exist; that each claim has exactly one
// appearance link, to a web_article source, with an excerpt; that evidence
// links never point to web_article, news or other sources and carry a valid
// stance; and that every review names an existing claim, has distinct
// reviewers and valid judgement values. It reports all problems at once.
func (d *Dataset) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if d.Version != 1 {
		add("version = %d, want 1", d.Version)
	}

	therapies := map[string]bool{}
	aliases := map[string]string{}
	for _, t := range d.Therapies {
		if t.Slug == "" {
			add("therapy with empty slug")
			continue
		}
		if therapies[t.Slug] {
			add("therapy %q: duplicate slug", t.Slug)
		}
		therapies[t.Slug] = true
		for _, a := range t.Aliases {
			k := strings.ToLower(strings.TrimSpace(a.Alias))
			if k == "" {
				add("therapy %q: empty alias", t.Slug)
				continue
			}
			if other, ok := aliases[k]; ok && other != t.Slug {
				add("alias %q: used by therapies %q and %q", a.Alias, other, t.Slug)
			} else if ok {
				add("therapy %q: duplicate alias %q", t.Slug, a.Alias)
			}
			aliases[k] = t.Slug
		}
	}
	for k, slug := range aliases {
		if therapies[k] && k != slug {
			add("alias %q of therapy %q is another therapy's slug", k, slug)
		}
	}

	sources := map[string]*Source{}
	dois, pmids := map[string]string{}, map[string]string{}
	for i := range d.Sources {
		s := &d.Sources[i]
		if s.Key == "" {
			add("source %d: empty key", i)
			continue
		}
		if _, dup := sources[s.Key]; dup {
			add("source %q: duplicate key", s.Key)
		}
		sources[s.Key] = s
		if err := s.Kind.Validate(); err != nil {
			add("source %q: %v", s.Key, err)
		}
		if strings.TrimSpace(s.Title) == "" {
			add("source %q: empty title", s.Key)
		}
		if s.Kind == grading.KindWebArticle {
			if s.SeedFile == nil || s.Language == nil {
				add("source %q: web article needs seed_file and language", s.Key)
			}
			if s.DOI != nil || s.PMID != nil || s.URL != nil || s.Authors != nil || s.Year != nil || s.Container != nil {
				add("source %q: web article must not carry bibliographic fields", s.Key)
			}
		} else if s.ReferenceTitle == nil {
			add("source %q: reference source needs reference_title", s.Key)
		}
		if s.DOI != nil {
			if other, ok := dois[*s.DOI]; ok {
				add("source %q: DOI %s already used by %q", s.Key, *s.DOI, other)
			}
			dois[*s.DOI] = s.Key
		}
		if s.PMID != nil {
			if other, ok := pmids[*s.PMID]; ok {
				add("source %q: PMID %s already used by %q", s.Key, *s.PMID, other)
			}
			pmids[*s.PMID] = s.Key
		}
	}

	claims := map[string]*Claim{}
	for i := range d.Claims {
		c := &d.Claims[i]
		if c.Key == "" {
			add("claim %d: empty key", i)
			continue
		}
		if _, dup := claims[c.Key]; dup {
			add("claim %q: duplicate key", c.Key)
		}
		claims[c.Key] = c
		if !therapies[c.Therapy] {
			add("claim %q: unknown therapy %q", c.Key, c.Therapy)
		}
		if err := c.ClaimType.Validate(); err != nil {
			add("claim %q: %v", c.Key, err)
		}
		if strings.TrimSpace(c.Text) == "" || c.Language == "" || c.Condition == "" || c.Outcome == "" {
			add("claim %q: text, language, condition and outcome are required", c.Key)
		}
		appearances := 0
		seen := map[string]bool{}
		for _, l := range c.Links {
			id := string(l.Role) + " " + l.Source
			if seen[id] {
				add("claim %q: duplicate %s link to %q", c.Key, l.Role, l.Source)
			}
			seen[id] = true
			s, ok := sources[l.Source]
			if !ok {
				add("claim %q: link to unknown source %q", c.Key, l.Source)
			}
			switch l.Role {
			case grading.RoleAppearance:
				appearances++
				if ok && s.Kind != grading.KindWebArticle {
					add("claim %q: appearance link to %q of kind %q, want %s", c.Key, l.Source, s.Kind, grading.KindWebArticle)
				}
				if l.Excerpt == nil || strings.TrimSpace(*l.Excerpt) == "" {
					add("claim %q: appearance link to %q has no excerpt", c.Key, l.Source)
				}
				if l.Stance != nil || l.ReportedCertainty != nil {
					add("claim %q: appearance link to %q must not have stance or reported_certainty", c.Key, l.Source)
				}
			case grading.RoleEvidence:
				if ok && !grading.EvidenceAllowed(s.Kind) {
					add("claim %q: evidence link to %q of kind %q, which may only be an appearance", c.Key, l.Source, s.Kind)
				}
				if l.Stance == nil || l.Stance.Validate() != nil {
					add("claim %q: evidence link to %q needs a stance in %v", c.Key, l.Source, grading.Stances())
				}
				if l.ReportedCertainty != nil && l.ReportedCertainty.Validate() != nil {
					add("claim %q: evidence link to %q: %v", c.Key, l.Source, l.ReportedCertainty.Validate())
				}
			default:
				add("claim %q: link to %q has unknown role %q", c.Key, l.Source, l.Role)
			}
		}
		if appearances != 1 {
			add("claim %q: %d appearance links, want exactly 1", c.Key, appearances)
		}
	}

	reviewed := map[string]bool{}
	for i, r := range d.Reviews {
		if _, ok := claims[r.Claim]; !ok {
			add("review %d: unknown claim %q", i, r.Claim)
		}
		if reviewed[r.Claim] {
			add("review of claim %q: duplicate review", r.Claim)
		}
		reviewed[r.Claim] = true
		if len(r.Assessments) == 0 {
			add("review of claim %q: no assessments", r.Claim)
		}
		reviewers := map[string]bool{}
		for _, a := range r.Assessments {
			if a.Reviewer == "" || reviewers[a.Reviewer] {
				add("review of claim %q: empty or duplicate reviewer %q", r.Claim, a.Reviewer)
			}
			reviewers[a.Reviewer] = true
			for _, err := range []error{a.RiskOfBias.Validate(), a.Inconsistency.Validate(), a.Indirectness.Validate(),
				a.Imprecision.Validate(), a.PublicationBias.Validate(), a.LargeEffect.Validate(), a.Verdict.Validate()} {
				if err != nil {
					add("review of claim %q by %q: %v", r.Claim, a.Reviewer, err)
				}
			}
		}
		if adj := r.Adjudication; adj != nil {
			if adj.Editor == "" || strings.TrimSpace(adj.Rationale) == "" {
				add("review of claim %q: adjudication needs editor and rationale", r.Claim)
			}
			for _, err := range []error{adj.Certainty.Validate(), adj.Verdict.Validate()} {
				if err != nil {
					add("review of claim %q: adjudication: %v", r.Claim, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}
