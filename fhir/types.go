package fhir

import (
	"encoding/json"
	"fmt"
)

// The Go types below hold exactly the FHIR R5 (5.0.0) elements this package
// emits, named and typed as the R5 element tables name and type them
// (hl7.org/fhir/R5: evidence.html, citation.html, artifactassessment.html,
// bundle.html, codesystem.html, datatypes.html, metadatatypes.html). Every
// optional element is omitted when empty, as FHIR JSON requires (no nulls,
// no empty arrays or objects). internal/fhircheck compiles the output
// against the R5 TypeScript definitions of @types/fhir, which reject an
// unknown element or a wrongly typed one.
//
// They are also the API's description of these resources: swag reads them
// (the @name after a type is its schema's name in the OpenAPI documents),
// so that a client generated from /openapi.json decodes every element the
// API emits. A resource's resourceType is a field that MarshalJSON always
// writes with the resource's own type, whatever the field holds.

// Coding is a code from a code system.
type Coding struct {
	// The code system's canonical URL.
	System  string `json:"system,omitempty" example:"http://hl7.org/fhir/certainty-rating"`
	Code    string `json:"code,omitempty" example:"low"`
	Display string `json:"display,omitempty" example:"Low quality"`
} //	@name	FHIRCoding

// CodeableConcept is a concept by codes and/or text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
} //	@name	FHIRCodeableConcept

// Identifier is a business identifier (a DOI, a PMID).
type Identifier struct {
	System string `json:"system,omitempty" example:"https://doi.org"`
	Value  string `json:"value,omitempty" example:"10.1155/2011/317183"`
} //	@name	FHIRIdentifier

// Reference points at another resource: by reference (a fullUrl in the
// same Bundle) or, for a party that has no resource, by display only.
type Reference struct {
	// The fullUrl of the resource in the same Bundle.
	Reference string `json:"reference,omitempty" example:"urn:uuid:0b0d5ac4-7f1e-5a55-9a57-3b7b3c5e1f7a"`
	// The type of the resource referred to.
	Type    string `json:"type,omitempty" example:"Evidence"`
	Display string `json:"display,omitempty" example:"Reviewer 1"`
} //	@name	FHIRReference

// Annotation is a note; R5 requires its text.
type Annotation struct {
	Text string `json:"text"`
} //	@name	FHIRAnnotation

// Quantity is a measured amount. Value is a pointer because 0 is a value
// (a risk difference of 0).
type Quantity struct {
	Value *float64 `json:"value,omitempty" example:"-0.56"`
	Unit  string   `json:"unit,omitempty"`
} //	@name	FHIRQuantity

// Range is a low and a high quantity.
type Range struct {
	Low  *Quantity `json:"low,omitempty"`
	High *Quantity `json:"high,omitempty"`
} //	@name	FHIRRange

// Attachment is content referred to by URL.
type Attachment struct {
	URL   string `json:"url,omitempty" example:"https://doi.org/10.1155/2011/317183"`
	Title string `json:"title,omitempty"`
} //	@name	FHIRAttachment

// RelatedArtifact is a related resource or publication; Type is a code of
// http://hl7.org/fhir/related-artifact-type (required binding).
type RelatedArtifact struct {
	// A code of http://hl7.org/fhir/related-artifact-type: citation (a source), justification (a claim rating's evidence).
	Type              string      `json:"type" enums:"citation,justification" example:"citation"`
	Label             string      `json:"label,omitempty"`
	Display           string      `json:"display,omitempty"`
	Citation          string      `json:"citation,omitempty"`
	Document          *Attachment `json:"document,omitempty"`
	ResourceReference *Reference  `json:"resourceReference,omitempty"`
} //	@name	FHIRRelatedArtifact

// Resource is a FHIR resource this package emits; ResourceType is its
// resourceType.
type Resource interface {
	ResourceType() string
}

// Evidence is an R5 Evidence: one finding (a body of evidence for one
// question and outcome).
type Evidence struct {
	// Always Evidence.
	ResType            string                       `json:"resourceType" enums:"Evidence" example:"Evidence"`
	ID                 string                       `json:"id,omitempty" example:"finding-3"`
	Title              string                       `json:"title,omitempty"`
	Status             string                       `json:"status" enums:"active" example:"active"`
	RelatedArtifact    []RelatedArtifact            `json:"relatedArtifact,omitempty"`
	Description        string                       `json:"description,omitempty"`
	Note               []Annotation                 `json:"note,omitempty"`
	VariableDefinition []EvidenceVariableDefinition `json:"variableDefinition"`
	Statistic          []EvidenceStatistic          `json:"statistic,omitempty"`
	Certainty          []EvidenceCertainty          `json:"certainty,omitempty"`
} //	@name	Evidence

// ResourceType is "Evidence".
func (Evidence) ResourceType() string { return "Evidence" }

// MarshalJSON writes the Evidence with its resourceType.
func (e Evidence) MarshalJSON() ([]byte, error) {
	type plain Evidence
	e.ResType = e.ResourceType()
	return json.Marshal(plain(e))
}

// EvidenceVariableDefinition is one variable of the evidence (population,
// exposure, comparator, outcome); VariableRole is coded in
// http://terminology.hl7.org/CodeSystem/variable-role.
type EvidenceVariableDefinition struct {
	Description  string          `json:"description,omitempty"`
	VariableRole CodeableConcept `json:"variableRole"`
} //	@name	EvidenceVariableDefinition

// EvidenceStatistic is the effect estimate.
type EvidenceStatistic struct {
	Description       string                      `json:"description,omitempty"`
	StatisticType     *CodeableConcept            `json:"statisticType,omitempty"`
	Quantity          *Quantity                   `json:"quantity,omitempty"`
	NumberOfEvents    *int64                      `json:"numberOfEvents,omitempty" example:"12"`
	SampleSize        *EvidenceSampleSize         `json:"sampleSize,omitempty"`
	AttributeEstimate []EvidenceAttributeEstimate `json:"attributeEstimate,omitempty"`
} //	@name	EvidenceStatistic

// EvidenceSampleSize is the number of studies and participants.
type EvidenceSampleSize struct {
	NumberOfStudies      *int64 `json:"numberOfStudies,omitempty" example:"1"`
	NumberOfParticipants *int64 `json:"numberOfParticipants,omitempty" example:"84"`
} //	@name	EvidenceSampleSize

// EvidenceAttributeEstimate is an attribute of the estimate: here its 95%
// confidence interval.
type EvidenceAttributeEstimate struct {
	Description string           `json:"description,omitempty"`
	Type        *CodeableConcept `json:"type,omitempty"`
	Level       *float64         `json:"level,omitempty" example:"0.95"`
	Range       *Range           `json:"range,omitempty"`
} //	@name	EvidenceAttributeEstimate

// EvidenceCertainty is a certainty rating: the overall one, with one
// subcomponent per GRADE domain.
type EvidenceCertainty struct {
	Description  string              `json:"description,omitempty"`
	Note         []Annotation        `json:"note,omitempty"`
	Type         *CodeableConcept    `json:"type,omitempty"`
	Rating       *CodeableConcept    `json:"rating,omitempty"`
	Subcomponent []EvidenceCertainty `json:"subcomponent,omitempty"`
} //	@name	EvidenceCertainty

// Citation is an R5 Citation of one source.
type Citation struct {
	// Always Citation.
	ResType       string                 `json:"resourceType" enums:"Citation" example:"Citation"`
	ID            string                 `json:"id,omitempty" example:"source-7"`
	Title         string                 `json:"title,omitempty"`
	Status        string                 `json:"status" enums:"active" example:"active"`
	Note          []Annotation           `json:"note,omitempty"`
	CitedArtifact *CitationCitedArtifact `json:"citedArtifact,omitempty"`
} //	@name	Citation

// ResourceType is "Citation".
func (Citation) ResourceType() string { return "Citation" }

// MarshalJSON writes the Citation with its resourceType.
func (c Citation) MarshalJSON() ([]byte, error) {
	type plain Citation
	c.ResType = c.ResourceType()
	return json.Marshal(plain(c))
}

// CitationCitedArtifact is the publication a Citation cites.
type CitationCitedArtifact struct {
	Identifier      []Identifier              `json:"identifier,omitempty"`
	Title           []CitationTitle           `json:"title,omitempty"`
	PublicationForm []CitationPublicationForm `json:"publicationForm,omitempty"`
	WebLocation     []CitationWebLocation     `json:"webLocation,omitempty"`
	Contributorship *CitationContributorship  `json:"contributorship,omitempty"`
} //	@name	CitationCitedArtifact

// CitationTitle is a title of the cited artifact; R5 requires its text.
type CitationTitle struct {
	Text string `json:"text"`
} //	@name	CitationTitle

// CitationPublicationForm says where and when the artifact was published.
type CitationPublicationForm struct {
	PublishedIn *CitationPublishedIn `json:"publishedIn,omitempty"`
	// A FHIR dateTime: the year of publication ("2019").
	ArticleDate string `json:"articleDate,omitempty" example:"2011"`
} //	@name	CitationPublicationForm

// CitationPublishedIn is the journal or other container.
type CitationPublishedIn struct {
	Title string `json:"title,omitempty"`
} //	@name	CitationPublishedIn

// CitationWebLocation is a URL of the artifact.
type CitationWebLocation struct {
	URL string `json:"url,omitempty"`
} //	@name	CitationWebLocation

// CitationContributorship lists the authors as a summary.
type CitationContributorship struct {
	Summary []CitationContributorshipSummary `json:"summary,omitempty"`
} //	@name	CitationContributorship

// CitationContributorshipSummary is an author list as text; R5 requires
// its value.
type CitationContributorshipSummary struct {
	Value string `json:"value"`
} //	@name	CitationContributorshipSummary

// ArtifactAssessment is an R5 ArtifactAssessment: a reviewer's GRADE
// assessment of an Evidence, or a claim's rating of an article's Citation.
type ArtifactAssessment struct {
	// Always ArtifactAssessment.
	ResType string `json:"resourceType" enums:"ArtifactAssessment" example:"ArtifactAssessment"`
	ID      string `json:"id,omitempty" example:"finding-assessment-4"`
	Title   string `json:"title,omitempty"`
	// A FHIR dateTime: when the assessment was submitted (RFC 3339).
	Date              string                      `json:"date,omitempty" example:"2026-01-02T15:04:05Z"`
	ArtifactReference *Reference                  `json:"artifactReference,omitempty"`
	Content           []ArtifactAssessmentContent `json:"content,omitempty"`
} //	@name	ArtifactAssessment

// ResourceType is "ArtifactAssessment".
func (ArtifactAssessment) ResourceType() string { return "ArtifactAssessment" }

// MarshalJSON writes the ArtifactAssessment with its resourceType.
func (a ArtifactAssessment) MarshalJSON() ([]byte, error) {
	type plain ArtifactAssessment
	a.ResType = a.ResourceType()
	return json.Marshal(plain(a))
}

// ArtifactAssessmentContent is one comment, rating or classifier;
// InformationType is a code of
// http://hl7.org/fhir/artifactassessment-information-type (required).
type ArtifactAssessmentContent struct {
	// A code of http://hl7.org/fhir/artifactassessment-information-type.
	InformationType string            `json:"informationType,omitempty" enums:"comment,rating" example:"rating"`
	Summary         string            `json:"summary,omitempty"`
	Type            *CodeableConcept  `json:"type,omitempty"`
	Classifier      []CodeableConcept `json:"classifier,omitempty"`
	Author          *Reference        `json:"author,omitempty"`
	RelatedArtifact []RelatedArtifact `json:"relatedArtifact,omitempty"`
} //	@name	ArtifactAssessmentContent

// Bundle is an R5 Bundle of type collection.
type Bundle struct {
	// Always Bundle.
	ResType string        `json:"resourceType" enums:"Bundle" example:"Bundle"`
	Type    string        `json:"type" enums:"collection" example:"collection"`
	Entry   []BundleEntry `json:"entry,omitempty"`
} //	@name	Bundle

// ResourceType is "Bundle".
func (Bundle) ResourceType() string { return "Bundle" }

// MarshalJSON writes the Bundle with its resourceType.
func (b Bundle) MarshalJSON() ([]byte, error) {
	type plain Bundle
	b.ResType = b.ResourceType()
	return json.Marshal(plain(b))
}

// BundleEntry is one resource of a Bundle with its fullUrl.
type BundleEntry struct {
	// A urn:uuid, unique in the Bundle, stable from one export to the next.
	FullURL  string        `json:"fullUrl" example:"urn:uuid:0b0d5ac4-7f1e-5a55-9a57-3b7b3c5e1f7a"`
	Resource EntryResource `json:"resource"`
} //	@name	BundleEntry

// EntryResource is the resource of a Bundle entry: exactly one of its
// fields is set, and it is written as that resource alone (MarshalJSON).
// The served OpenAPI documents describe it as the union of the field
// types, told apart by resourceType (api/openapi.go): the fields name the
// union's members.
type EntryResource struct {
	Evidence           *Evidence
	Citation           *Citation
	ArtifactAssessment *ArtifactAssessment
} //	@name	FHIRBundleEntryResource

// MarshalJSON writes the resource the entry holds.
func (r EntryResource) MarshalJSON() ([]byte, error) {
	switch {
	case r.Evidence != nil:
		return json.Marshal(*r.Evidence)
	case r.Citation != nil:
		return json.Marshal(*r.Citation)
	case r.ArtifactAssessment != nil:
		return json.Marshal(*r.ArtifactAssessment)
	}
	return nil, fmt.Errorf("a Bundle entry without a resource")
}
