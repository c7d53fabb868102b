// Package grading is the pure GRADE engine of claimgrade and the rules that
// flag claims.
//
// It decides, from a claim's evidence links and a reviewer's judgement, the
// certainty of the evidence (high, moderate, low, very low) and explains how
// that certainty was reached: the starting level and the source that set it,
// each GRADE domain's step, and the result. It also decides when submitted
// assessments reach consensus, which flags a claim carries, and the claim's
// public verdict.
//
// The package imports only the standard library and does no I/O: callers load
// the data, pass plain values in and store what comes back. Every wire value
// (certainty, concern, effect, verdict, stance, source kind, flag) is the
// snake_case string of the API; FHIRCode methods give the matching FHIR R5
// certainty-rating codes so that a FHIR export is a mapping.
package grading
