package fhir

import (
	"encoding/json"
	"fmt"

	"claimgrade/grading"
)

// CodeSystem is an R5 CodeSystem: the local code system of the claim
// ratings, served at its canonical URL (ClaimRatingSystem).
type CodeSystem struct {
	// Always CodeSystem.
	ResType string `json:"resourceType" enums:"CodeSystem" example:"CodeSystem"`
	ID      string `json:"id" example:"claim-rating"`
	// The canonical URL: {PUBLIC_BASE_URL}/fhir/CodeSystem/claim-rating, the system of every claim rating's coding.
	URL string `json:"url" example:"https://claims.example.org/fhir/CodeSystem/claim-rating"`
	// A computer-friendly name.
	Name  string `json:"name" example:"ClaimRating"`
	Title string `json:"title" example:"Claim ratings"`
	// A code of http://hl7.org/fhir/publication-status.
	Status       string `json:"status" enums:"active" example:"active"`
	Experimental bool   `json:"experimental" example:"false"`
	// PUBLISHER_NAME, when set.
	Publisher   string `json:"publisher,omitempty" example:"Faktencheck"`
	Description string `json:"description"`
	// Codes are case-sensitive.
	CaseSensitive bool `json:"caseSensitive" example:"true"`
	// A code of http://hl7.org/fhir/codesystem-content-mode: every concept is listed.
	Content string `json:"content" enums:"complete" example:"complete"`
	// The number of concepts.
	Count   int                 `json:"count" example:"5"`
	Concept []CodeSystemConcept `json:"concept"`
} //	@name	CodeSystem

// ResourceType is "CodeSystem".
func (CodeSystem) ResourceType() string { return "CodeSystem" }

// MarshalJSON writes the CodeSystem with its resourceType.
func (c CodeSystem) MarshalJSON() ([]byte, error) {
	type plain CodeSystem
	c.ResType = c.ResourceType()
	return json.Marshal(plain(c))
}

// CodeSystemConcept is one code with its display and definition.
type CodeSystemConcept struct {
	Code       string `json:"code" example:"overstated"`
	Display    string `json:"display" example:"Overstated"`
	Definition string `json:"definition"`
} //	@name	CodeSystemConcept

// ClaimRatingCodeSystem is the CodeSystem of the claim ratings under base
// (PUBLIC_BASE_URL): its url is ClaimRatingSystem(base), and its concepts
// are grading.Ratings() in their order, each with RatingDisplay as display
// and the rating's definition (grading.Rating.Definition). publisher is
// PUBLISHER_NAME ("" for none).
func ClaimRatingCodeSystem(base, publisher string) (CodeSystem, error) {
	system, err := ratingSystem(base)
	if err != nil {
		return CodeSystem{}, err
	}
	cs := CodeSystem{ID: "claim-rating", URL: system, Name: "ClaimRating", Title: "Claim ratings", Status: "active",
		Publisher: publisher, CaseSensitive: true, Content: "complete",
		Description: "The verdict on a claim's wording against the graded evidence it links (GRADE certainty of the evidence). " +
			"Fact-checkers read accurate as true, overstated as misleading or partly false, unproven as unsupported. " +
			"It classifies the rating of a claim in the ArtifactAssessment of the claim's FHIR Bundle."}
	for _, r := range grading.Ratings() {
		display, err := RatingDisplay(r)
		if err != nil {
			return CodeSystem{}, err
		}
		def := r.Definition()
		if def == "" {
			return CodeSystem{}, fmt.Errorf("rating %q has no definition", r)
		}
		cs.Concept = append(cs.Concept, CodeSystemConcept{Code: string(r), Display: display, Definition: def})
	}
	cs.Count = len(cs.Concept)
	return cs, nil
}
