package api_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// swaggerSchema is a Swagger 2.0 definition, as much of it as the test reads.
type swaggerSchema struct {
	Ref           string                   `json:"$ref"`
	Properties    map[string]swaggerSchema `json:"properties"`
	AllOf         []swaggerSchema          `json:"allOf"`
	Items         *swaggerSchema           `json:"items"`
	Discriminator string                   `json:"discriminator"`
	Required      []string                 `json:"required"`
}

// TestPartnerSchemasInBothDocuments: every schema a partner reads
// (ClaimReview, its feed, the FHIR resources and the CodeSystem, and all they
// embed) is in both served documents with the same properties; in
// /openapi.json each is closed to other members and each union is a oneOf
// with a resourceType mapping, in /swagger/doc.json a FHIRResource base
// with the discriminator that each member extends.
func TestPartnerSchemasInBothDocuments(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		v3, _ := testenv.Spec(t)
		var v2 struct {
			Definitions map[string]swaggerSchema `json:"definitions"`
		}
		s.Do(testenv.Request{Method: "GET", Path: "/swagger/doc.json"}).Decode(t, &v2)

		// The partner schemas of /openapi.json, from the roots.
		seen := map[string]bool{}
		var walk func(name string)
		walk = func(name string) {
			if seen[name] {
				return
			}
			seen[name] = true
			sc := v3.Components.Schemas[name]
			if sc == nil {
				t.Fatalf("/openapi.json has no schema %s", name)
			}
			refs := slices.Clone(sc.Value.OneOf)
			for _, p := range sc.Value.Properties {
				refs = append(refs, p)
				if p.Value != nil && p.Value.Items != nil {
					refs = append(refs, p.Value.Items)
				}
			}
			for _, r := range refs {
				if r.Ref != "" {
					walk(strings.TrimPrefix(r.Ref, "#/components/schemas/"))
				}
			}
		}
		for _, root := range []string{"ClaimReview", "ClaimReviewFeed", "FHIREvidenceOrBundle", "Bundle", "CodeSystem"} {
			walk(root)
		}
		for _, want := range []string{"SchemaOrgRating", "SchemaOrgCreativeWork", "ClaimReviewFeedItem", "Evidence", "Citation",
			"ArtifactAssessment", "EvidenceCertainty", "CitationCitedArtifact", "FHIRCodeableConcept", "CodeSystemConcept"} {
			if !seen[want] {
				t.Errorf("%s is not reachable from the partner operations' schemas", want)
			}
		}

		for name := range seen {
			sc := v3.Components.Schemas[name].Value
			if len(sc.OneOf) > 0 {
				d := sc.Discriminator
				if d == nil || d.PropertyName != "resourceType" || len(d.Mapping) != len(sc.OneOf) {
					t.Errorf("/openapi.json %s: oneOf without a resourceType mapping of every member: %+v", name, d)
				}
				for value, ref := range d.Mapping {
					if ref.Ref != "#/components/schemas/"+value {
						t.Errorf("/openapi.json %s: resourceType %s maps to %s", name, value, ref.Ref)
					}
				}
				// In Swagger 2.0: the union is the base, its members extend it.
				if base := v2.Definitions[name]; len(base.AllOf) != 1 || base.AllOf[0].Ref != "#/definitions/FHIRResource" {
					t.Errorf("/swagger/doc.json %s = %+v, want allOf FHIRResource", name, base)
				}
				for value := range d.Mapping {
					if m := v2.Definitions[value]; len(m.AllOf) != 2 || m.AllOf[0].Ref != "#/definitions/FHIRResource" {
						t.Errorf("/swagger/doc.json %s does not extend FHIRResource: %+v", value, m)
					}
				}
				continue
			}
			if ap := sc.AdditionalProperties.Has; ap == nil || *ap {
				t.Errorf("/openapi.json %s is open to undeclared members", name)
			}
			def, ok := v2.Definitions[name]
			if !ok {
				t.Errorf("/swagger/doc.json has no definition %s", name)
				continue
			}
			props := map[string]swaggerSchema{}
			maps.Copy(props, def.Properties)
			for _, part := range def.AllOf {
				maps.Copy(props, part.Properties)
				maps.Copy(props, v2.Definitions[strings.TrimPrefix(part.Ref, "#/definitions/")].Properties)
			}
			if got, want := slices.Sorted(maps.Keys(props)), slices.Sorted(maps.Keys(sc.Properties)); !slices.Equal(got, want) {
				t.Errorf("%s: /swagger/doc.json properties %v, /openapi.json %v", name, got, want)
			}
		}
		if base := v2.Definitions["FHIRResource"]; base.Discriminator != "resourceType" || !slices.Equal(base.Required, []string{"resourceType"}) {
			t.Errorf("/swagger/doc.json FHIRResource = %+v, want discriminator resourceType", base)
		}
	})
}
