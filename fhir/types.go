package fhir

import "encoding/json"

// The Go types below hold exactly the FHIR R5 (5.0.0) elements this package
// emits, named and typed as the R5 element tables name and type them
// (hl7.org/fhir/R5: evidence.html, citation.html, artifactassessment.html,
// bundle.html, datatypes.html, metadatatypes.html). Every optional element
// is omitted when empty, as FHIR JSON requires (no nulls, no empty arrays
// or objects). internal/fhircheck compiles the output against the R5
// TypeScript definitions of @types/fhir, which reject an unknown element or
// a wrongly typed one.

// Coding is a code from a code system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a concept by codes and/or text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Identifier is a business identifier (a DOI, a PMID).
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Reference points at another resource: by reference (a fullUrl in the
// same Bundle) or, for a party that has no resource, by display only.
type Reference struct {
	Reference string `json:"reference,omitempty"`
	Type      string `json:"type,omitempty"`
	Display   string `json:"display,omitempty"`
}

// Annotation is a note; R5 requires its text.
type Annotation struct {
	Text string `json:"text"`
}

// Quantity is a measured amount. Value is a pointer because 0 is a value
// (a risk difference of 0).
type Quantity struct {
	Value *float64 `json:"value,omitempty"`
	Unit  string   `json:"unit,omitempty"`
}

// Range is a low and a high quantity.
type Range struct {
	Low  *Quantity `json:"low,omitempty"`
	High *Quantity `json:"high,omitempty"`
}

// Attachment is content referred to by URL.
type Attachment struct {
	URL   string `json:"url,omitempty"`
	Title string `json:"title,omitempty"`
}

// RelatedArtifact is a related resource or publication; Type is a code of
// http://hl7.org/fhir/related-artifact-type (required binding).
type RelatedArtifact struct {
	Type              string      `json:"type"`
	Label             string      `json:"label,omitempty"`
	Display           string      `json:"display,omitempty"`
	Citation          string      `json:"citation,omitempty"`
	Document          *Attachment `json:"document,omitempty"`
	ResourceReference *Reference  `json:"resourceReference,omitempty"`
}

// Resource is a FHIR resource this package emits; ResourceType is its
// resourceType.
type Resource interface {
	ResourceType() string
}

// marshalResource writes v (a resource's elements as a JSON object) with
// the resourceType first.
func marshalResource(resourceType string, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	name, err := json.Marshal(resourceType)
	if err != nil {
		return nil, err
	}
	out := append([]byte(`{"resourceType":`), name...)
	if len(body) > len("{}") {
		out = append(out, ',')
	}
	return append(out, body[1:]...), nil
}

// Evidence is an R5 Evidence: one finding (a body of evidence for one
// question and outcome).
type Evidence struct {
	ID                 string                       `json:"id,omitempty"`
	Title              string                       `json:"title,omitempty"`
	Status             string                       `json:"status"`
	RelatedArtifact    []RelatedArtifact            `json:"relatedArtifact,omitempty"`
	Description        string                       `json:"description,omitempty"`
	Note               []Annotation                 `json:"note,omitempty"`
	VariableDefinition []EvidenceVariableDefinition `json:"variableDefinition"`
	Statistic          []EvidenceStatistic          `json:"statistic,omitempty"`
	Certainty          []EvidenceCertainty          `json:"certainty,omitempty"`
}

// ResourceType is "Evidence".
func (Evidence) ResourceType() string { return "Evidence" }

// MarshalJSON writes the Evidence with its resourceType.
func (e Evidence) MarshalJSON() ([]byte, error) {
	type plain Evidence
	return marshalResource(e.ResourceType(), plain(e))
}

// EvidenceVariableDefinition is one variable of the evidence (population,
// exposure, comparator, outcome); VariableRole is coded in
// http://terminology.hl7.org/CodeSystem/variable-role.
type EvidenceVariableDefinition struct {
	Description  string          `json:"description,omitempty"`
	VariableRole CodeableConcept `json:"variableRole"`
}

// EvidenceStatistic is the effect estimate.
type EvidenceStatistic struct {
	Description       string                      `json:"description,omitempty"`
	StatisticType     *CodeableConcept            `json:"statisticType,omitempty"`
	Quantity          *Quantity                   `json:"quantity,omitempty"`
	NumberOfEvents    *int64                      `json:"numberOfEvents,omitempty"`
	SampleSize        *EvidenceSampleSize         `json:"sampleSize,omitempty"`
	AttributeEstimate []EvidenceAttributeEstimate `json:"attributeEstimate,omitempty"`
}

// EvidenceSampleSize is the number of studies and participants.
type EvidenceSampleSize struct {
	NumberOfStudies      *int64 `json:"numberOfStudies,omitempty"`
	NumberOfParticipants *int64 `json:"numberOfParticipants,omitempty"`
}

// EvidenceAttributeEstimate is an attribute of the estimate: here its 95%
// confidence interval.
type EvidenceAttributeEstimate struct {
	Description string           `json:"description,omitempty"`
	Type        *CodeableConcept `json:"type,omitempty"`
	Level       *float64         `json:"level,omitempty"`
	Range       *Range           `json:"range,omitempty"`
}

// EvidenceCertainty is a certainty rating: the overall one, with one
// subcomponent per GRADE domain.
type EvidenceCertainty struct {
	Description  string              `json:"description,omitempty"`
	Note         []Annotation        `json:"note,omitempty"`
	Type         *CodeableConcept    `json:"type,omitempty"`
	Rating       *CodeableConcept    `json:"rating,omitempty"`
	Subcomponent []EvidenceCertainty `json:"subcomponent,omitempty"`
}

// Citation is an R5 Citation of one source.
type Citation struct {
	ID            string                 `json:"id,omitempty"`
	Title         string                 `json:"title,omitempty"`
	Status        string                 `json:"status"`
	Note          []Annotation           `json:"note,omitempty"`
	CitedArtifact *CitationCitedArtifact `json:"citedArtifact,omitempty"`
}

// ResourceType is "Citation".
func (Citation) ResourceType() string { return "Citation" }

// MarshalJSON writes the Citation with its resourceType.
func (c Citation) MarshalJSON() ([]byte, error) {
	type plain Citation
	return marshalResource(c.ResourceType(), plain(c))
}

// CitationCitedArtifact is the publication a Citation cites.
type CitationCitedArtifact struct {
	Identifier      []Identifier              `json:"identifier,omitempty"`
	Title           []CitationTitle           `json:"title,omitempty"`
	PublicationForm []CitationPublicationForm `json:"publicationForm,omitempty"`
	WebLocation     []CitationWebLocation     `json:"webLocation,omitempty"`
	Contributorship *CitationContributorship  `json:"contributorship,omitempty"`
}

// CitationTitle is a title of the cited artifact; R5 requires its text.
type CitationTitle struct {
	Text string `json:"text"`
}

// CitationPublicationForm says where and when the artifact was published.
type CitationPublicationForm struct {
	PublishedIn *CitationPublishedIn `json:"publishedIn,omitempty"`
	// ArticleDate is a FHIR dateTime; a year alone ("2019") is one.
	ArticleDate string `json:"articleDate,omitempty"`
}

// CitationPublishedIn is the journal or other container.
type CitationPublishedIn struct {
	Title string `json:"title,omitempty"`
}

// CitationWebLocation is a URL of the artifact.
type CitationWebLocation struct {
	URL string `json:"url,omitempty"`
}

// CitationContributorship lists the authors as a summary.
type CitationContributorship struct {
	Summary []CitationContributorshipSummary `json:"summary,omitempty"`
}

// CitationContributorshipSummary is an author list as text; R5 requires
// its value.
type CitationContributorshipSummary struct {
	Value string `json:"value"`
}

// ArtifactAssessment is an R5 ArtifactAssessment: a reviewer's GRADE
// assessment of an Evidence, or a claim's rating of an article's Citation.
type ArtifactAssessment struct {
	ID                string                      `json:"id,omitempty"`
	Title             string                      `json:"title,omitempty"`
	Date              string                      `json:"date,omitempty"`
	ArtifactReference *Reference                  `json:"artifactReference,omitempty"`
	Content           []ArtifactAssessmentContent `json:"content,omitempty"`
}

// ResourceType is "ArtifactAssessment".
func (ArtifactAssessment) ResourceType() string { return "ArtifactAssessment" }

// MarshalJSON writes the ArtifactAssessment with its resourceType.
func (a ArtifactAssessment) MarshalJSON() ([]byte, error) {
	type plain ArtifactAssessment
	return marshalResource(a.ResourceType(), plain(a))
}

// ArtifactAssessmentContent is one comment, rating or classifier;
// InformationType is a code of
// http://hl7.org/fhir/artifactassessment-information-type (required).
type ArtifactAssessmentContent struct {
	InformationType string            `json:"informationType,omitempty"`
	Summary         string            `json:"summary,omitempty"`
	Type            *CodeableConcept  `json:"type,omitempty"`
	Classifier      []CodeableConcept `json:"classifier,omitempty"`
	Author          *Reference        `json:"author,omitempty"`
	RelatedArtifact []RelatedArtifact `json:"relatedArtifact,omitempty"`
}

// Bundle is an R5 Bundle of type collection.
type Bundle struct {
	Type  string        `json:"type"`
	Entry []BundleEntry `json:"entry,omitempty"`
}

// ResourceType is "Bundle".
func (Bundle) ResourceType() string { return "Bundle" }

// MarshalJSON writes the Bundle with its resourceType.
func (b Bundle) MarshalJSON() ([]byte, error) {
	type plain Bundle
	return marshalResource(b.ResourceType(), plain(b))
}

// BundleEntry is one resource of a Bundle with its fullUrl.
type BundleEntry struct {
	FullURL  string   `json:"fullUrl"`
	Resource Resource `json:"resource"`
}
