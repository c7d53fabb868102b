// Package fhir maps findings, their sources and assessments, and claim
// ratings to HL7 FHIR R5 (5.0.0) resources (DESIGN "Partners" → FHIR R5):
// Evidence, Citation, ArtifactAssessment and Bundle of type collection,
// written as application/fhir+json.
//
// The mappings are pure functions over plain inputs (input.go) that the
// handlers convert their rows into; the package imports only the grading
// vocabularies. Codes are case-sensitive and come from the R5 code systems
// (codes.go). Exports never reveal a blinded assessment: an ungraded
// finding has no certainty and no assessment, and a draft is never
// exported (Exportable).
package fhir
