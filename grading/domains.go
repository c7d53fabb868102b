package grading

import "strings"

// The domain names, in the order of a derivation's steps.
const (
	domainRiskOfBias           = string(DomainRiskOfBias)
	domainInconsistency        = string(DomainInconsistency)
	domainIndirectness         = string(DomainIndirectness)
	domainImprecision          = string(DomainImprecision)
	domainPublicationBias      = string(DomainPublicationBias)
	domainLargeEffect          = string(DomainLargeEffect)
	domainDoseResponse         = string(DomainDoseResponse)
	domainPlausibleConfounding = string(DomainPlausibleConfounding)
)

// Domains returns the eight GRADE domain names in the order of a
// derivation's steps: the five downgrade domains, then the three upgrades.
func Domains() []string {
	return []string{
		domainRiskOfBias, domainInconsistency, domainIndirectness, domainImprecision,
		domainPublicationBias, domainLargeEffect, domainDoseResponse, domainPlausibleConfounding,
	}
}

// FieldError names one invalid field by its snake_case JSON name and says
// what is wrong with it.
type FieldError struct {
	Field   string
	Message string
}

// ValidationError collects every problem found in an input, not just the
// first.
type ValidationError struct {
	Problems []FieldError
}

// Error lists every problem as "field: message", separated by semicolons.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Message
	}
	return "validation failed: " + strings.Join(parts, "; ")
}
