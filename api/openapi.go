package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/swaggo/swag"

	"claimgrade/docs"
)

// docInstance is the name under which the served Swagger 2.0 document is
// registered with swag, for gin-swagger's /swagger/doc.json.
const docInstance = "claimgrade-served"

// securityScheme is the API key scheme declared in main.go.
const securityScheme = "ApiKeyAuth"

// baseDocument is swag's generated document (docs/) completed with what
// holds for whole classes of operations, so that no annotation can forget
// it: public reads take an optional key, every /api/v1 operation
// documents the statuses the middleware answers before any handler runs,
// and every number is a double (encoding/json writes float64s). Both
// served documents are built from it: /swagger/doc.json (servedDocument)
// and its OpenAPI 3 conversion /openapi.json (OpenAPI3), so the two agree.
// It is computed once (the generated document does not change while the
// process runs); each caller decodes its own copy.
var baseDocument = sync.OnceValues(func() ([]byte, error) {
	var doc openapi2.T
	if err := json.Unmarshal([]byte(docs.SwaggerInfo.ReadDoc()), &doc); err != nil {
		return nil, fmt.Errorf("read swagger document: %w", err)
	}
	optionalKey(&doc)
	middlewareStatuses(&doc)
	for _, s := range doc.Definitions {
		doubles(s)
	}
	return json.Marshal(&doc)
})

// servedDocument is the Swagger 2.0 document of /swagger/doc.json: the base
// document with the partner unions in Swagger 2.0's terms (swagger2Unions).
var servedDocument = sync.OnceValues(func() ([]byte, error) {
	doc, err := decodeBase()
	if err != nil {
		return nil, err
	}
	if err := swagger2Unions(doc); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	swag.Register(docInstance, servedDoc(raw))
	return raw, nil
})

func decodeBase() (*openapi2.T, error) {
	raw, err := baseDocument()
	if err != nil {
		return nil, err
	}
	var doc openapi2.T
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("read swagger document: %w", err)
	}
	return &doc, nil
}

type servedDoc []byte

func (d servedDoc) ReadDoc() string { return string(d) }

// optionalKey declares the API key on every /api/v1 operation that has no
// security requirement of its own (the public reads) as optional: either
// no key or the key. With PUBLIC_READ=false these reads need a key, and
// Swagger UI sends the key only to operations that declare it.
func optionalKey(doc *openapi2.T) {
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		for _, op := range item.Operations() {
			if op.Security == nil || len(*op.Security) == 0 {
				op.Security = &openapi2.SecurityRequirements{{}, {securityScheme: []string{}}}
			}
		}
	}
}

// middlewareStatuses are the statuses any /api/v1 operation can answer
// before (or around) its handler: a query string that does not parse or
// holds NUL (hygiene.go), a key that does not authenticate (sent to any
// route, public reads included), a declared body over the limit, the rate
// limit, an unexpected error and an unavailable database.
var middlewareStatuses = func() func(*openapi2.T) {
	statuses := map[int]string{
		http.StatusBadRequest:            "Malformed request: a query string that does not parse, an unknown parameter or malformed input",
		http.StatusUnauthorized:          "The API key sent is missing where required, malformed, unknown or revoked",
		http.StatusRequestEntityTooLarge: "The request body exceeds the limit",
		http.StatusTooManyRequests:       "Rate limit exceeded; Retry-After says when to retry",
		http.StatusInternalServerError:   "Unexpected error; quote the request id when reporting it",
		http.StatusServiceUnavailable:    "The database is unavailable; Retry-After says when to retry",
	}
	return func(doc *openapi2.T) {
		problem := &openapi2.SchemaRef{Ref: "#/definitions/Problem"}
		for path, item := range doc.Paths {
			if !strings.HasPrefix(path, "/api/v1/") {
				continue
			}
			for _, op := range item.Operations() {
				if op.Responses == nil {
					op.Responses = openapi2.NewResponsesWithCapacity(len(statuses))
				}
				for status, desc := range statuses {
					code := strconv.Itoa(status)
					if op.Responses.Value(code) == nil {
						op.Responses.Set(code, &openapi2.Response{Description: desc, Schema: problem})
					}
				}
			}
		}
	}
}()

// doubles gives every number of s a format of double: the API writes
// float64s, and a generator reads a number without a format as a float
// (oapi-codegen: float32), which would round what the API sends.
func doubles(ref *openapi2.SchemaRef) {
	if ref == nil || ref.Value == nil {
		return
	}
	s := ref.Value
	if s.Type != nil && s.Type.Is("number") && s.Format == "" {
		s.Format = "double"
	}
	for _, p := range s.Properties {
		doubles(p)
	}
	for _, p := range s.AllOf {
		doubles(p)
	}
	doubles(s.Items)
}

// A union is a schema whose value is one of several schemas, told apart
// by a property (the discriminator) that holds the member's name: a
// Bundle entry's resource (Evidence, Citation or ArtifactAssessment), and
// the FHIR answer for a finding (Evidence or Bundle). In Go each is a
// struct whose fields are its members (fhir.EntryResource and handlers'
// fhirEvidenceOrBundle): swag describes it as an object with one property
// per member, which each served document then rewrites in its own terms.
var unions = []string{"FHIRBundleEntryResource", "FHIREvidenceOrBundle"}

// fhirResource is the Swagger 2.0 base of the FHIR resources in unions:
// Swagger 2.0 has no oneOf, so it says "one of" by a base schema with a
// discriminator that each member extends (allOf).
const fhirResource = "FHIRResource"

// discriminator is the property that names a FHIR resource's type.
const discriminator = "resourceType"

// unionMembers are the schema names a union's properties refer to
// (prefix is the documents' prefix of a schema reference), sorted.
func unionMembers[S any](props map[string]S, ref func(S) string, prefix string) []string {
	out := make([]string, 0, len(props))
	for _, p := range props {
		out = append(out, strings.TrimPrefix(ref(p), prefix))
	}
	slices.Sort(out)
	return out
}

// swagger2Unions rewrites the unions in Swagger 2.0's terms: the base
// FHIRResource (an object with a required resourceType, the discriminator),
// every member an allOf of the base and its own schema, and every union an
// allOf of the base, described by its members.
func swagger2Unions(doc *openapi2.T) error {
	defs := doc.Definitions
	var all []string
	extended := map[string]bool{}
	for _, name := range unions {
		u := defs[name]
		if u == nil || u.Value == nil {
			return fmt.Errorf("union %s: no definition", name)
		}
		members := unionMembers(u.Value.Properties, func(p *openapi2.SchemaRef) string { return p.Ref }, "#/definitions/")
		for _, m := range members {
			if !extended[m] {
				def := defs[m]
				if def == nil || def.Value == nil || def.Value.Properties[discriminator] == nil {
					return fmt.Errorf("union %s: member %s has no %s", name, m, discriminator)
				}
				extended[m] = true
				all = append(all, m)
				own := *def.Value
				desc := own.Description
				own.Description = ""
				defs[m] = &openapi2.SchemaRef{Value: &openapi2.Schema{Description: desc,
					AllOf: openapi2.SchemaRefs{{Ref: "#/definitions/" + fhirResource}, {Value: &own}}}}
			}
		}
		defs[name] = &openapi2.SchemaRef{Value: &openapi2.Schema{
			Description: fmt.Sprintf("One of %s, by %s.", strings.Join(members, ", "), discriminator),
			AllOf:       openapi2.SchemaRefs{{Ref: "#/definitions/" + fhirResource}}}}
	}
	slices.Sort(all)
	enum := make([]any, len(all))
	for i, m := range all {
		enum[i] = m
	}
	defs[fhirResource] = &openapi2.SchemaRef{Value: &openapi2.Schema{
		Type:          &openapi3.Types{"object"},
		Description:   "A FHIR R5 resource; " + discriminator + " says which: " + strings.Join(all, ", ") + ".",
		Required:      []string{discriminator},
		Discriminator: discriminator,
		Properties: openapi2.Schemas{discriminator: {Value: &openapi2.Schema{
			Type: &openapi3.Types{"string"}, Enum: enum}}},
	}}
	return nil
}

// openAPI3Unions rewrites the unions as OpenAPI 3 says "one of": oneOf the
// members with a discriminator mapping each resourceType to its schema, so
// that a generated client decodes each member into its own type.
func openAPI3Unions(doc *openapi3.T) error {
	schemas := doc.Components.Schemas
	for _, name := range unions {
		u := schemas[name]
		if u == nil || u.Value == nil {
			return fmt.Errorf("union %s: no schema", name)
		}
		members := unionMembers(u.Value.Properties, func(p *openapi3.SchemaRef) string { return p.Ref }, "#/components/schemas/")
		d := &openapi3.Discriminator{PropertyName: discriminator, Mapping: map[string]openapi3.MappingRef{}}
		var oneOf openapi3.SchemaRefs
		for _, m := range members {
			s := schemas[m]
			if s == nil || s.Value == nil || s.Value.Properties[discriminator] == nil || s.Value.Properties[discriminator].Value == nil {
				return fmt.Errorf("union %s: member %s has no %s", name, m, discriminator)
			}
			enum := s.Value.Properties[discriminator].Value.Enum
			if len(enum) != 1 {
				return fmt.Errorf("union %s: member %s: %s must have exactly one value", name, m, discriminator)
			}
			value, _ := enum[0].(string)
			ref := "#/components/schemas/" + m
			d.Mapping[value] = openapi3.MappingRef{Ref: ref}
			oneOf = append(oneOf, openapi3.NewSchemaRef(ref, nil))
		}
		schemas[name] = &openapi3.SchemaRef{Value: &openapi3.Schema{
			Description:   fmt.Sprintf("One of %s, by %s.", strings.Join(members, ", "), discriminator),
			OneOf:         oneOf,
			Discriminator: d,
		}}
	}
	return nil
}

// partnerRoots are the schemas of what partners read (ClaimReview and its
// feed, the FHIR exports and the claim-rating CodeSystem).
var partnerRoots = []string{"ClaimReview", "ClaimReviewFeed", "FHIREvidenceOrBundle", "Bundle", "CodeSystem"}

// closePartnerSchemas closes every object schema reachable from
// partnerRoots to other members (additionalProperties false): the
// documents describe every property these documents have, so the
// response validation of the tests fails on a property the API emits but
// the schema does not declare, which a generated client would drop.
func closePartnerSchemas(doc *openapi3.T) error {
	schemas := doc.Components.Schemas
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef) error
	walk = func(ref *openapi3.SchemaRef) error {
		if ref == nil {
			return nil
		}
		s := ref.Value
		if ref.Ref != "" {
			named := schemas[strings.TrimPrefix(ref.Ref, "#/components/schemas/")]
			if named == nil || named.Value == nil {
				return fmt.Errorf("close partner schemas: no schema %s", ref.Ref)
			}
			s = named.Value
		}
		if s == nil || seen[s] {
			return nil
		}
		seen[s] = true
		if len(s.Properties) > 0 {
			s.AdditionalProperties = openapi3.AdditionalProperties{Has: openapi3.Ptr(false)}
		}
		for _, p := range s.Properties {
			if err := walk(p); err != nil {
				return err
			}
		}
		for _, x := range slices.Concat(s.OneOf, s.AllOf, s.AnyOf) {
			if err := walk(x); err != nil {
				return err
			}
		}
		return walk(s.Items)
	}
	for _, root := range partnerRoots {
		if err := walk(openapi3.NewSchemaRef("#/components/schemas/"+root, nil)); err != nil {
			return err
		}
	}
	return nil
}
