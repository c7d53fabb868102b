package fhir

import (
	"fmt"
	"strings"

	"claimgrade/grading"
)

// The code systems, as FHIR R5 5.0.0 and HL7 Terminology define them.
// Codes are case-sensitive.
const (
	// SystemCertaintyType is EvidenceCertaintyType (R5 core).
	SystemCertaintyType = "http://hl7.org/fhir/certainty-type"
	// SystemCertaintyRating is EvidenceCertaintyRating (R5 core).
	SystemCertaintyRating = "http://hl7.org/fhir/certainty-rating"
	// SystemVariableRole is EvidenceVariableRole (HL7 Terminology).
	SystemVariableRole = "http://terminology.hl7.org/CodeSystem/variable-role"
	// SystemStatisticType is StatisticStatisticType (HL7 Terminology).
	SystemStatisticType = "http://terminology.hl7.org/CodeSystem/statistic-type"
	// SystemAttributeEstimateType is StatisticAttributeEstimateType (HL7
	// Terminology).
	SystemAttributeEstimateType = "http://terminology.hl7.org/CodeSystem/attribute-estimate-type"
	// SystemDOI and SystemPMID are the identifier systems of a cited
	// artifact's DOI and PubMed id.
	SystemDOI  = "https://doi.org"
	SystemPMID = "https://pubmed.ncbi.nlm.nih.gov"
	// SystemLanguage is BCP 47, for the language of a claim's wording.
	SystemLanguage = "urn:ietf:bcp:47"
)

// ClaimRatingSystem is the local CodeSystem of the claim ratings under a
// server's public base URL: {base}/fhir/CodeSystem/claim-rating. Its codes
// are grading.Ratings() (accurate, overstated, unproven, false, not_rated),
// displayed by RatingDisplay.
func ClaimRatingSystem(base string) string {
	return strings.TrimRight(base, "/") + "/fhir/CodeSystem/claim-rating"
}

func coded(system, code, display string) *CodeableConcept {
	return &CodeableConcept{Coding: []Coding{{System: system, Code: code, Display: display}}}
}

// The certainty-type codes with their R5 displays.
const (
	typeOverall = "Overall"
)

var certaintyTypeDisplay = map[string]string{
	typeOverall:            "Overall certainty",
	"RiskOfBias":           "Risk of bias",
	"Inconsistency":        "Inconsistency",
	"Indirectness":         "Indirectness",
	"Imprecision":          "Imprecision",
	"PublicationBias":      "Publication bias",
	"LargeEffect":          "Large effect",
	"DoseResponseGradient": "Dose response gradient",
	"PlausibleConfounding": "Plausible confounding",
}

// domainTypes are the GRADE domains in derivation order with their
// certainty-type codes.
var domainTypes = []struct {
	Domain grading.Domain
	Code   string
}{
	{grading.DomainRiskOfBias, "RiskOfBias"},
	{grading.DomainInconsistency, "Inconsistency"},
	{grading.DomainIndirectness, "Indirectness"},
	{grading.DomainImprecision, "Imprecision"},
	{grading.DomainPublicationBias, "PublicationBias"},
	{grading.DomainLargeEffect, "LargeEffect"},
	{grading.DomainDoseResponse, "DoseResponseGradient"},
	{grading.DomainPlausibleConfounding, "PlausibleConfounding"},
}

func certaintyType(code string) *CodeableConcept {
	return coded(SystemCertaintyType, code, certaintyTypeDisplay[code])
}

// certaintyRating is the certainty-rating of an overall certainty.
func certaintyRating(c grading.Certainty) (*CodeableConcept, error) {
	switch c {
	case grading.High:
		return coded(SystemCertaintyRating, "high", "High quality"), nil
	case grading.Moderate:
		return coded(SystemCertaintyRating, "moderate", "Moderate quality"), nil
	case grading.Low:
		return coded(SystemCertaintyRating, "low", "Low quality"), nil
	case grading.VeryLow:
		return coded(SystemCertaintyRating, "very-low", "Very low quality"), nil
	}
	return nil, fmt.Errorf("certainty %q has no certainty-rating code", c)
}

// concernRating is the certainty-rating of a downgrade domain's concern.
func concernRating(c grading.Concern) (*CodeableConcept, error) {
	switch c {
	case grading.NotSerious:
		return coded(SystemCertaintyRating, "no-concern", "no serious concern"), nil
	case grading.Serious:
		return coded(SystemCertaintyRating, "serious-concern", "serious concern"), nil
	case grading.VerySerious:
		return coded(SystemCertaintyRating, "very-serious-concern", "very serious concern"), nil
	case grading.ExtremelySerious:
		return coded(SystemCertaintyRating, "extremely-serious-concern", "extremely serious concern"), nil
	}
	return nil, fmt.Errorf("concern %q has no certainty-rating code", c)
}

// upgradeRating is the certainty-rating of an upgrade domain's change.
func upgradeRating(levels int) (*CodeableConcept, error) {
	switch levels {
	case 0:
		return coded(SystemCertaintyRating, "no-change", "no change to rating"), nil
	case 1:
		return coded(SystemCertaintyRating, "upcode1", "increase rating: +1"), nil
	case 2:
		return coded(SystemCertaintyRating, "upcode2", "increase rating: +2"), nil
	}
	return nil, fmt.Errorf("an upgrade of %d levels has no certainty-rating code", levels)
}

// domainRating is the certainty-rating of one domain's judgement in j.
func domainRating(d grading.Domain, j grading.DomainJudgements) (*CodeableConcept, error) {
	switch d {
	case grading.DomainRiskOfBias:
		return concernRating(j.RiskOfBias)
	case grading.DomainInconsistency:
		return concernRating(j.Inconsistency)
	case grading.DomainIndirectness:
		return concernRating(j.Indirectness)
	case grading.DomainImprecision:
		return concernRating(j.Imprecision)
	case grading.DomainPublicationBias:
		return concernRating(j.PublicationBias)
	case grading.DomainLargeEffect:
		if err := j.LargeEffect.Validate(); err != nil {
			return nil, err
		}
		return upgradeRating(j.LargeEffect.Steps())
	case grading.DomainDoseResponse:
		return upgradeRating(boolLevel(j.DoseResponse))
	case grading.DomainPlausibleConfounding:
		return upgradeRating(boolLevel(j.PlausibleConfounding))
	}
	return nil, fmt.Errorf("domain %q has no certainty-type code", d)
}

func boolLevel(b bool) int {
	if b {
		return 1
	}
	return 0
}

// variableRole is a variable-role code with its display.
func variableRole(code, display string) CodeableConcept {
	return *coded(SystemVariableRole, code, display)
}

// statisticTypes maps the effect measures to statistic-type codes. All
// eight measures have one in the R5 code list: risk ratio is "Relative
// Risk" (C93152), incidence (events per person-time) is "Incidence"
// (C16726).
var statisticTypes = map[grading.EffectMeasure]Coding{
	grading.MeasureRiskRatio:         {System: SystemStatisticType, Code: "C93152", Display: "Relative Risk"},
	grading.MeasureOddsRatio:         {System: SystemStatisticType, Code: "C16932", Display: "Odds Ratio"},
	grading.MeasureHazardRatio:       {System: SystemStatisticType, Code: "C93150", Display: "Hazard Ratio"},
	grading.MeasureMeanDifference:    {System: SystemStatisticType, Code: "0000457", Display: "Mean Difference"},
	grading.MeasureStdMeanDifference: {System: SystemStatisticType, Code: "0000100", Display: "Standardized Mean Difference"},
	grading.MeasureRiskDifference:    {System: SystemStatisticType, Code: "0000424", Display: "Risk Difference"},
	grading.MeasureProportion:        {System: SystemStatisticType, Code: "C44256", Display: "Proportion"},
	grading.MeasureIncidence:         {System: SystemStatisticType, Code: "C16726", Display: "Incidence"},
}

// statisticType is the statisticType of a measure: its code, and our own
// name of the measure as text.
func statisticType(m grading.EffectMeasure) (*CodeableConcept, error) {
	c, ok := statisticTypes[m]
	if !ok {
		return nil, fmt.Errorf("effect measure %q has no statistic-type code", m)
	}
	return &CodeableConcept{Coding: []Coding{c}, Text: strings.ReplaceAll(string(m), "_", " ")}, nil
}

// confidenceInterval is the attribute-estimate type of a confidence
// interval.
func confidenceInterval() *CodeableConcept {
	return coded(SystemAttributeEstimateType, "C53324", "Confidence interval")
}

// RatingDisplay is the display of a claim rating in the claim-rating
// CodeSystem.
func RatingDisplay(r grading.Rating) (string, error) {
	switch r {
	case grading.RatingAccurate:
		return "Accurate", nil
	case grading.RatingOverstated:
		return "Overstated", nil
	case grading.RatingUnproven:
		return "Unproven", nil
	case grading.RatingFalse:
		return "False", nil
	case grading.RatingNotRated:
		return "Not rated", nil
	}
	return "", fmt.Errorf("rating %q is not a claim rating", r)
}
