package fhir

import (
	"cmp"
	"crypto/sha1"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"claimgrade/grading"
)

// FindingBundle is a Bundle (type collection) of a finding's Evidence, a
// Citation per source and, for a graded finding, an ArtifactAssessment per
// submitted assessment (GET /api/v1/findings/{id}/fhir?format=bundle).
func FindingBundle(f Finding) (Bundle, error) {
	b := newBundler()
	if _, err := b.finding(f); err != nil {
		return Bundle{}, err
	}
	return b.bundle(), nil
}

// ClaimBundle is the Bundle (type collection) of a claim (GET
// /api/v1/claims/{id}/fhir): the Evidence of each linked finding with its
// Citations and assessments (as FindingBundle), the Citation of the
// article, and the claim's rating as an ArtifactAssessment on that
// Citation: a comment with the verbatim claim (classified by its language)
// and a rating classified in ClaimRatingSystem(c.BaseURL), whose
// justification cites each Evidence.
func ClaimBundle(c Claim) (Bundle, error) {
	system, err := ratingSystem(c.BaseURL)
	if err != nil {
		return Bundle{}, err
	}
	display, err := RatingDisplay(c.Rating)
	if err != nil {
		return Bundle{}, err
	}
	if strings.TrimSpace(c.Text) == "" {
		return Bundle{}, errors.New("claim text is empty")
	}
	b := newBundler()
	article := b.citation(c.Article)
	var evidence []string
	for _, f := range c.Findings {
		ref, err := b.finding(f)
		if err != nil {
			return Bundle{}, err
		}
		evidence = append(evidence, ref)
	}
	comment := ArtifactAssessmentContent{InformationType: "comment", Summary: c.Text}
	if c.Language != "" {
		comment.Classifier = []CodeableConcept{*coded(SystemLanguage, c.Language, "")}
	}
	rating := ArtifactAssessmentContent{InformationType: "rating", Summary: c.RatingExplanation,
		Type:       &CodeableConcept{Text: "Claim rating: is the wording true to the graded evidence?"},
		Classifier: []CodeableConcept{*coded(system, string(c.Rating), display)}}
	for i, ref := range evidence {
		rating.RelatedArtifact = append(rating.RelatedArtifact, RelatedArtifact{Type: "justification",
			Display: fmt.Sprintf("Finding %d", c.Findings[i].ID), ResourceReference: &Reference{Reference: ref, Type: "Evidence"}})
	}
	b.add(fmt.Sprintf("claim-rating/%d", c.ID), EntryResource{ArtifactAssessment: &ArtifactAssessment{ID: fmt.Sprintf("claim-%d-rating", c.ID),
		Title: fmt.Sprintf("Rating of claim %d", c.ID), ArtifactReference: &Reference{Reference: article, Type: "Citation"},
		Content: []ArtifactAssessmentContent{comment, rating}}})
	return b.bundle(), nil
}

// ratingSystem checks base (PUBLIC_BASE_URL) and returns the claim-rating
// system under it.
func ratingSystem(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("base URL %q is not an absolute http(s) URL", base)
	}
	return ClaimRatingSystem(base), nil
}

// bundler collects a Bundle's entries: one Citation per source however
// many findings cite it, and one pseudonym per reviewer.
type bundler struct {
	entries   []BundleEntry
	fullURLs  map[string]string // entry key → fullUrl
	reviewers map[int64]string  // reviewer id → "Reviewer N"
}

func newBundler() *bundler {
	return &bundler{fullURLs: map[string]string{}, reviewers: map[int64]string{}}
}

func (b *bundler) bundle() Bundle { return Bundle{Type: "collection", Entry: b.entries} }

// add appends r under key (unique within the Bundle) and returns its
// fullUrl.
func (b *bundler) add(key string, r EntryResource) string {
	u := fullURL(key)
	b.fullURLs[key] = u
	b.entries = append(b.entries, BundleEntry{FullURL: u, Resource: r})
	return u
}

// citation adds s's Citation unless the Bundle has it, and returns its
// fullUrl.
func (b *bundler) citation(s Source) string {
	key := fmt.Sprintf("source/%d", s.ID)
	if u, ok := b.fullURLs[key]; ok {
		return u
	}
	c := CitationOf(s)
	return b.add(key, EntryResource{Citation: &c})
}

// finding adds f's Evidence, its sources' Citations and its exportable
// assessments, and returns the Evidence's fullUrl.
func (b *bundler) finding(f Finding) (string, error) {
	key := fmt.Sprintf("finding/%d", f.ID)
	if u, ok := b.fullURLs[key]; ok {
		return u, nil
	}
	ev, err := evidence(f)
	if err != nil {
		return "", err
	}
	for _, s := range f.Sources {
		ev.RelatedArtifact = append(ev.RelatedArtifact, RelatedArtifact{Type: "citation", Display: s.Title, Citation: citationText(s),
			ResourceReference: &Reference{Reference: b.citation(s), Type: "Citation"}})
	}
	ref := b.add(key, EntryResource{Evidence: &ev})
	for _, as := range Exportable(f) {
		aa, err := b.assessment(f.ID, ref, as)
		if err != nil {
			return "", err
		}
		b.add(fmt.Sprintf("finding-assessment/%d", as.ID), EntryResource{ArtifactAssessment: &aa})
	}
	return ref, nil
}

// Exportable lists the assessments of f that an export may show, by id:
// none while f is ungraded, and never a draft (blinding, DESIGN "Blinding").
func Exportable(f Finding) []Assessment {
	if f.Grade == nil {
		return nil
	}
	var out []Assessment
	for _, as := range f.Assessments {
		if as.Status == grading.StatusSubmitted || as.Status == grading.StatusRevised {
			out = append(out, as)
		}
	}
	slices.SortFunc(out, func(a, b Assessment) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// pseudonym names a reviewer within the export.
func (b *bundler) pseudonym(reviewerID int64) string {
	if p, ok := b.reviewers[reviewerID]; ok {
		return p
	}
	p := fmt.Sprintf("Reviewer %d", len(b.reviewers)+1)
	b.reviewers[reviewerID] = p
	return p
}

// assessment is the ArtifactAssessment of one submitted assessment of the
// Evidence at evidenceRef: the overall rating (with its start) and the
// rationale, then one rating per domain with its reason, all by the
// reviewer's pseudonym.
func (b *bundler) assessment(findingID int64, evidenceRef string, as Assessment) (ArtifactAssessment, error) {
	if as.Judgements.Attribution != "" {
		return b.caseAssessment(findingID, evidenceRef, as)
	}
	author := &Reference{Display: b.pseudonym(as.ReviewerID)}
	overall, err := certaintyRating(as.Certainty)
	if err != nil {
		return ArtifactAssessment{}, fmt.Errorf("assessment %d: %w", as.ID, err)
	}
	if _, err := certaintyRating(as.Start); err != nil {
		return ArtifactAssessment{}, fmt.Errorf("assessment %d: start: %w", as.ID, err)
	}
	aa := ArtifactAssessment{ID: fmt.Sprintf("finding-assessment-%d", as.ID),
		Title:             fmt.Sprintf("GRADE assessment of finding %d by %s", findingID, author.Display),
		ArtifactReference: &Reference{Reference: evidenceRef, Type: "Evidence"}}
	if !as.SubmittedAt.IsZero() {
		aa.Date = as.SubmittedAt.UTC().Format(time.RFC3339)
	}
	aa.Content = append(aa.Content, ArtifactAssessmentContent{InformationType: "rating", Type: certaintyType(typeOverall),
		Classifier: []CodeableConcept{*overall}, Author: author,
		Summary: fmt.Sprintf("Started %s; rated %s.", label(as.Start), label(as.Certainty))})
	if r := strings.TrimSpace(as.Rationale); r != "" {
		aa.Content = append(aa.Content, ArtifactAssessmentContent{InformationType: "comment", Summary: r, Author: author})
	}
	for _, dt := range domainTypes {
		r, err := domainRating(dt.Domain, as.Judgements)
		if err != nil {
			return ArtifactAssessment{}, fmt.Errorf("assessment %d: %w", as.ID, err)
		}
		aa.Content = append(aa.Content, ArtifactAssessmentContent{InformationType: "rating", Type: certaintyType(dt.Code),
			Classifier: []CodeableConcept{*r}, Author: author, Summary: strings.TrimSpace(as.Judgements.Reasons[string(dt.Domain)])})
	}
	return aa, nil
}

// caseAssessment is the ArtifactAssessment of one submitted assessment of
// case evidence: its certainty that the harm can occur, typed and said as
// such (occurrenceCertainty), the rationale, the WHO-UMC attribution and
// indirectness with their reasons.
func (b *bundler) caseAssessment(findingID int64, evidenceRef string, as Assessment) (ArtifactAssessment, error) {
	author := &Reference{Display: b.pseudonym(as.ReviewerID)}
	overall, err := certaintyRating(as.Certainty)
	if err != nil {
		return ArtifactAssessment{}, fmt.Errorf("assessment %d: %w", as.ID, err)
	}
	overall.Text = fmt.Sprintf("%s certainty that the harm can occur", label(as.Certainty))
	indirectness, err := concernRating(as.Judgements.Indirectness)
	if err != nil {
		return ArtifactAssessment{}, fmt.Errorf("assessment %d: %w", as.ID, err)
	}
	aa := ArtifactAssessment{ID: fmt.Sprintf("finding-assessment-%d", as.ID),
		Title:             fmt.Sprintf("Assessment of case evidence (finding %d) by %s", findingID, author.Display),
		ArtifactReference: &Reference{Reference: evidenceRef, Type: "Evidence"}}
	if !as.SubmittedAt.IsZero() {
		aa.Date = as.SubmittedAt.UTC().Format(time.RFC3339)
	}
	aa.Content = append(aa.Content, ArtifactAssessmentContent{InformationType: "rating",
		Type:       &CodeableConcept{Text: occurrenceLabel + " (case evidence; not a GRADE rating of how often)"},
		Classifier: []CodeableConcept{*overall}, Author: author,
		Summary: fmt.Sprintf("Started %s from the attribution %s (WHO-UMC); rated %s. %s", label(as.Start), as.Judgements.Attribution, label(as.Certainty), notHowOften)})
	if r := strings.TrimSpace(as.Rationale); r != "" {
		aa.Content = append(aa.Content, ArtifactAssessmentContent{InformationType: "comment", Summary: r, Author: author})
	}
	aa.Content = append(aa.Content,
		ArtifactAssessmentContent{InformationType: "rating", Type: &CodeableConcept{Text: "Attribution (WHO-UMC causality assessment)"},
			Classifier: []CodeableConcept{{Text: string(as.Judgements.Attribution)}}, Author: author,
			Summary: strings.TrimSpace(as.Judgements.Reasons[string(grading.DomainAttribution)])},
		ArtifactAssessmentContent{InformationType: "rating", Type: certaintyType("Indirectness"),
			Classifier: []CodeableConcept{*indirectness}, Author: author,
			Summary: strings.TrimSpace(as.Judgements.Reasons[string(grading.DomainIndirectness)])})
	return aa, nil
}

// CitationOf is the Citation of a source: its DOI and PMID as identifiers
// of the cited artifact, its title, journal and year, its URL and authors;
// a retraction as a note.
func CitationOf(s Source) Citation {
	ca := &CitationCitedArtifact{Title: []CitationTitle{{Text: s.Title}}}
	if s.DOI != "" {
		ca.Identifier = append(ca.Identifier, Identifier{System: SystemDOI, Value: s.DOI})
	}
	if s.PMID != "" {
		ca.Identifier = append(ca.Identifier, Identifier{System: SystemPMID, Value: s.PMID})
	}
	if s.Container != "" || s.Year != 0 {
		pf := CitationPublicationForm{}
		if s.Container != "" {
			pf.PublishedIn = &CitationPublishedIn{Title: s.Container}
		}
		if s.Year != 0 {
			pf.ArticleDate = fmt.Sprintf("%04d", s.Year)
		}
		ca.PublicationForm = []CitationPublicationForm{pf}
	}
	if s.URL != "" {
		ca.WebLocation = []CitationWebLocation{{URL: s.URL}}
	}
	if s.Authors != "" {
		ca.Contributorship = &CitationContributorship{Summary: []CitationContributorshipSummary{{Value: s.Authors}}}
	}
	c := Citation{ID: fmt.Sprintf("source-%d", s.ID), Title: s.Title, Status: "active", CitedArtifact: ca}
	if s.Retracted {
		note := "Retracted."
		if s.RetractionNote != "" {
			note = "Retracted: " + s.RetractionNote
		}
		c.Note = []Annotation{{Text: note}}
	}
	return c
}

// fullURL is the urn:uuid of an entry: a name-based (version 5, SHA-1)
// UUID of its key, so that the same export gives the same fullUrls.
func fullURL(key string) string {
	// The URL namespace of RFC 9562, with the name "claimgrade:" + key.
	ns := []byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte("claimgrade:" + key))
	u := h.Sum(nil)[:16]
	u[6] = (u[6] & 0x0f) | 0x50 // version 5
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 9562 variant
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
