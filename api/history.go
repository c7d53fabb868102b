package api

import (
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// historySnapshotOf names the snapshot schemas of the history's before and
// after (models/snapshot.go) and the resource schema each one repeats:
// an audit snapshot has exactly the shape the API answers for the resource
// (DESIGN.md, JSON shapes).
var historySnapshotOf = []struct{ name, resource string }{
	{"ClaimSnapshot", "Claim"},
	{"AppearanceSnapshot", "Appearance"},
	{"FindingSnapshot", "Finding"},
	{"FindingSourceSnapshot", "FindingSource"},
	{"ClaimFindingSnapshot", "ClaimFinding"},
	{"EvidenceSearchSnapshot", "EvidenceSearch"},
	{"FindingAssessmentSnapshot", "FindingAssessment"},
	{"FindingGradeSnapshot", "FindingGrade"},
}

// historySnapshots types HistoryEvent's before and after, which Swagger
// 2.0 cannot say: each is null or exactly one of the snapshot schemas. A
// snapshot schema is its resource's schema closed to other members
// (additionalProperties false, every member required), so that a storage
// row (therapy_id, evidence_revision, archived_at...) fails validation.
func historySnapshots(doc *openapi3.T) error {
	schemas := doc.Components.Schemas
	closed := func(s *openapi3.Schema) *openapi3.Schema {
		s.AdditionalProperties = openapi3.AdditionalProperties{Has: openapi3.Ptr(false)}
		return s
	}
	var oneOf openapi3.SchemaRefs
	for _, sn := range historySnapshotOf {
		res := schemas[sn.resource]
		if res == nil || res.Value == nil {
			return fmt.Errorf("history snapshots: no schema %s", sn.resource)
		}
		c := *res.Value
		c.Properties = make(openapi3.Schemas, len(res.Value.Properties))
		for k, v := range res.Value.Properties {
			c.Properties[k] = v
		}
		c.Required = append([]string(nil), res.Value.Required...)
		c.Description = fmt.Sprintf("A %s as it was, in the shape of %s.", sn.resource, sn.resource)
		schemas[sn.name] = closed(&c).NewRef()
		oneOf = append(oneOf, openapi3.NewSchemaRef("#/components/schemas/"+sn.name, nil))
	}
	flag := schemas["grading.Flag"]
	if flag == nil {
		return fmt.Errorf("history snapshots: no schema grading.Flag")
	}
	flags := openapi3.NewArraySchema()
	flags.Items = openapi3.NewSchemaRef("#/components/schemas/grading.Flag", nil)
	cause := openapi3.NewStringSchema()
	cause.Description = "The action that changed the flags (after only), e.g. link.created."
	fs := openapi3.NewObjectSchema().WithProperty("flags", flags).WithPropertyRef("cause", cause.NewRef())
	fs.Required = []string{"flags"}
	fs.Description = "A claim's flags before or after a claim.flagged event."
	schemas["FlagsSnapshot"] = closed(fs).NewRef()
	as := openapi3.NewObjectSchema().WithProperty("archived_at", openapi3.NewDateTimeSchema())
	as.Required = []string{"archived_at"}
	as.Description = "The after of a claim.archived event."
	schemas["ArchiveSnapshot"] = closed(as).NewRef()
	oneOf = append(oneOf, openapi3.NewSchemaRef("#/components/schemas/FlagsSnapshot", nil),
		openapi3.NewSchemaRef("#/components/schemas/ArchiveSnapshot", nil))
	rating, source, certainty := schemas["grading.Rating"], schemas["grading.RatingSource"], schemas["grading.Certainty"]
	if rating == nil || source == nil || certainty == nil {
		return fmt.Errorf("history snapshots: no schema grading.Rating, grading.RatingSource or grading.Certainty")
	}
	ov := openapi3.NewObjectSchema().
		WithPropertyRef("rating", openapi3.NewSchemaRef("#/components/schemas/grading.Rating", nil)).
		WithProperty("rationale", openapi3.NewStringSchema()).
		WithProperty("decided_by", openapi3.NewStringSchema()).
		WithProperty("decided_at", openapi3.NewDateTimeSchema())
	ov.Required = []string{"rating", "rationale", "decided_by", "decided_at"}
	ov.Nullable = true
	nullableCertainty := &openapi3.Schema{Nullable: true, AllOf: openapi3.SchemaRefs{openapi3.NewSchemaRef("#/components/schemas/grading.Certainty", nil)}}
	rs := openapi3.NewObjectSchema().
		WithPropertyRef("rating", openapi3.NewSchemaRef("#/components/schemas/grading.Rating", nil)).
		WithPropertyRef("rating_source", openapi3.NewSchemaRef("#/components/schemas/grading.RatingSource", nil)).
		WithPropertyRef("certainty", nullableCertainty.NewRef()).
		WithProperty("rating_explanation", openapi3.NewStringSchema()).
		WithPropertyRef("override", closed(ov).NewRef()).
		WithProperty("cause", openapi3.NewStringSchema())
	rs.Required = []string{"rating", "rating_source", "certainty", "rating_explanation", "override"}
	rs.Description = "A claim's rating before or after claim.rated, claim.override_set or claim.override_removed, with the editor's override where one stands and the action that caused the change (after of claim.rated only)."
	schemas["RatingSnapshot"] = closed(rs).NewRef()
	oneOf = append(oneOf, openapi3.NewSchemaRef("#/components/schemas/RatingSnapshot", nil))

	ev := schemas["HistoryEvent"]
	if ev == nil || ev.Value == nil {
		return fmt.Errorf("history snapshots: no schema HistoryEvent")
	}
	for _, side := range []string{"before", "after"} {
		p := ev.Value.Properties[side]
		if p == nil || p.Value == nil {
			return fmt.Errorf("history snapshots: HistoryEvent has no %s", side)
		}
		ev.Value.Properties[side] = &openapi3.SchemaRef{Value: &openapi3.Schema{
			Description: p.Value.Description + " One of the snapshot shapes: claim (ClaimSnapshot, or FlagsSnapshot for claim.flagged, RatingSnapshot for claim.rated and the override events, ArchiveSnapshot for claim.archived), appearance, finding (FindingSnapshot, or FlagsSnapshot for finding.flagged), finding source, claim finding, evidence search, finding assessment, finding grade.",
			Nullable:    true,
			OneOf:       oneOf,
		}}
	}
	return nil
}
