package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"claimgrade/grading"
)

// Shared material lives next to the repository: /work/shared when the
// repository is /work/main.
const (
	seedDir       = "../../shared/seeds"
	referenceFile = "../../shared/reference/evidence-sources.json"
)

func validateBytes(sch *jsonschema.Schema, data []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// dropNulls removes null members (but a review's adjudication), so that
// the round trip compares what was written.
func dropNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			if e != nil || k == "adjudication" {
				out[k] = dropNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = dropNulls(e)
		}
		return out
	}
	return v
}

func ptr[T any](v T) *T { return &v }

func mustLoadV2(t *testing.T) *Dataset {
	t.Helper()
	d, err := Load()
	if err != nil {
		t.Fatalf("Load() error = %v, want nil", err)
	}
	return d
}

// readSeeds reads the seed articles the web sources name. It skips the
// test only when the seed folder is absent.
func readSeeds(t *testing.T, d *Dataset) map[string]string {
	t.Helper()
	if _, err := os.Stat(seedDir); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("seed folder %s is absent", seedDir)
	}
	seeds := map[string]string{}
	for _, s := range d.Sources {
		if s.SeedFile == nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(seedDir, *s.SeedFile))
		if err != nil {
			t.Fatalf("read seed of %s: %v", s.Key, err)
		}
		seeds[*s.SeedFile] = string(b)
	}
	return seeds
}

func TestDecodeStrict(t *testing.T) {
	mustLoadV2(t)
	tests := []struct {
		name string
		data string
	}{
		{"unknown field", `{"version":2,"stance_rule":"r","therapies":[],"sources":[],"questions":[],"findings":[],"claims":[],"reviews":[],"extra":1}`},
		{"unknown nested field", `{"version":2,"stance_rule":"r","therapies":[],"sources":[],"questions":[{"key":"q","colour":"red"}],"findings":[],"claims":[],"reviews":[]}`},
		{"unknown judgement field", `{"version":2,"stance_rule":"r","therapies":[],"sources":[],"questions":[],"findings":[],"claims":[],"reviews":[{"finding":"f","assessments":[{"reviewer":"a","certainty":"high"}],"adjudication":null}]}`},
		{"trailing data", `{"version":2} {}`},
		{"not an object", `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decode([]byte(tt.data)); err == nil {
				t.Errorf("decode(%v) = _, nil, want an error", tt.name)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	d := mustLoadV2(t)
	enc, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var fromRaw, fromTyped any
	if err := json.Unmarshal(Raw(), &fromRaw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(enc, &fromTyped); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dropNulls(fromRaw), dropNulls(fromTyped)); diff != "" {
		t.Errorf("json.Marshal(Load()) differs from Raw() (-raw +typed):\n%s", diff)
	}
}

func TestValidate(t *testing.T) {
	d := mustLoadV2(t)
	if err := d.Validate(nil); err != nil {
		t.Fatalf("Validate(nil) = %v, want nil", err)
	}
	if d.StanceRule != StanceRule {
		t.Errorf("stance_rule = %q, want StanceRule %q", d.StanceRule, StanceRule)
	}
	if err := d.Validate(readSeeds(t, d)); err != nil {
		t.Fatalf("Validate(seeds) = %v, want nil", err)
	}
}

func compileSchemaV2(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatalf("UnmarshalJSON(schema.json) error = %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatalf("AddResource(schema.json) error = %v", err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("Compile(schema.json) error = %v", err)
	}
	return sch
}

func TestSchemaValidatesDemo(t *testing.T) {
	if err := validateBytes(compileSchemaV2(t), Raw()); err != nil {
		t.Fatalf("Validate(demo.json) = %v, want nil", err)
	}
}

// mutateV2 decodes demo.json generically, applies mutate and re-encodes.
func mutateV2(t *testing.T, mutate func(doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(Raw()))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	mutate(doc)
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func item(doc map[string]any, list string, key, value string) map[string]any {
	for _, e := range doc[list].([]any) {
		if m := e.(map[string]any); m[key] == value {
			return m
		}
	}
	panic(list + " has no " + key + " " + value)
}

func firstAssessment(doc map[string]any) map[string]any {
	return doc["reviews"].([]any)[0].(map[string]any)["assessments"].([]any)[0].(map[string]any)
}

// caseAssessment is the first assessment of the demo's outbreak reports,
// case evidence.
func caseAssessment(doc map[string]any) map[string]any {
	return item(doc, "reviews", "finding", "f-meso-ntm-outbreaks")["assessments"].([]any)[0].(map[string]any)
}

// TestSchemaRejects checks that schema.json is not vacuous.
func TestSchemaRejects(t *testing.T) {
	sch := compileSchemaV2(t)
	tests := []struct {
		name   string
		mutate func(doc map[string]any)
	}{
		{"wrong version", func(doc map[string]any) { doc["version"] = 1 }},
		{"no stance rule", func(doc map[string]any) { delete(doc, "stance_rule") }},
		{"uppercase doi", func(doc map[string]any) { item(doc, "sources", "key", "costantino-2011")["doi"] = "10.1155/ABC" }},
		{"web article with url", func(doc map[string]any) { item(doc, "sources", "key", "article-000")["url"] = "https://example.com/" }},
		{"rct with included_design", func(doc map[string]any) {
			item(doc, "sources", "key", "costantino-2011")["included_design"] = "randomised"
		}},
		{"review without included_design", func(doc map[string]any) { delete(item(doc, "sources", "key", "chou-2022"), "included_design") }},
		{"comparator with kind none", func(doc map[string]any) {
			item(doc, "questions", "key", "q-meso-ntm-infection")["comparator"] = "placebo"
		}},
		{"bad outcome_kind", func(doc map[string]any) {
			item(doc, "questions", "key", "q-meso-ntm-infection")["outcome_kind"] = "risk"
		}},
		{"empty finding excerpt", func(doc map[string]any) {
			item(doc, "findings", "key", "f-sebra-24h")["sources"].([]any)[0].(map[string]any)["excerpt"] = " "
		}},
		{"comparator risk as a percentage", func(doc map[string]any) {
			item(doc, "findings", "key", "f-chou-radicular-improved")["comparator_risk"] = 30.2
		}},
		{"missing comparator_risk field", func(doc map[string]any) { delete(item(doc, "findings", "key", "f-sebra-24h"), "comparator_risk") }},
		{"source neither a reference record nor verified", func(doc map[string]any) {
			delete(item(doc, "sources", "key", "furyk-2018"), "verification")
		}},
		{"web article with a verification", func(doc map[string]any) {
			item(doc, "sources", "key", "article-000")["verification"] = "checked"
		}},
		{"override with an unknown rating", func(doc map[string]any) {
			item(doc, "claims", "key", "de-000-not-fully-proven")["override"].(map[string]any)["rating"] = "true"
		}},
		{"override without a rationale", func(doc map[string]any) {
			delete(item(doc, "claims", "key", "de-000-not-fully-proven")["override"].(map[string]any), "rationale")
		}},
		{"bad measure", func(doc map[string]any) { item(doc, "findings", "key", "f-sebra-24h")["measure"] = "ratio" }},
		{"missing attribution field", func(doc map[string]any) { delete(item(doc, "findings", "key", "f-sebra-24h"), "attribution") }},
		{"bad assertion", func(doc map[string]any) { doc["claims"].([]any)[0].(map[string]any)["assertion"] = "promise" }},
		{"frequency above 1", func(doc map[string]any) {
			item(doc, "claims", "key", "de-000-effective-75pct")["claimed_value"] = 75
		}},
		{"value on an absence claim", func(doc map[string]any) {
			item(doc, "claims", "key", "fr-003-no-drug-interaction")["claimed_value"] = 0
		}},
		{"long summary", func(doc map[string]any) {
			doc["claims"].([]any)[0].(map[string]any)["summary"] = strings.Repeat("x", 75)
		}},
		{"bad stance", func(doc map[string]any) {
			item(doc, "claims", "key", "de-004-rapid-pain-relief")["findings"].([]any)[0].(map[string]any)["stance"] = "endorses"
		}},
		{"publication bias very serious", func(doc map[string]any) { firstAssessment(doc)["publication_bias"] = "very_serious" }},
		{"inconsistency extremely serious", func(doc map[string]any) { firstAssessment(doc)["inconsistency"] = "extremely_serious" }},
		{"assessment with certainty", func(doc map[string]any) { firstAssessment(doc)["certainty"] = "low" }},
		{"missing reason", func(doc map[string]any) { firstAssessment(doc)["reasons"] = map[string]any{} }},
		{"one assessment", func(doc map[string]any) {
			r := doc["reviews"].([]any)[0].(map[string]any)
			r["assessments"] = r["assessments"].([]any)[:1]
		}},
		{"search in an unknown database", func(doc map[string]any) { withSearch(doc, map[string]any{"database": "medline"}) }},
		{"search without a note or sources", func(doc map[string]any) { withSearch(doc, map[string]any{"note": nil}) }},
		{"search with negative hits", func(doc map[string]any) { withSearch(doc, map[string]any{"hits": -1}) }},
		{"search without a date", func(doc map[string]any) { withSearch(doc, map[string]any{"searched_at": "3 November 2026"}) }},
		{"search with an unknown member", func(doc map[string]any) { withSearch(doc, map[string]any{"editor": "erin"}) }},
		// Case evidence: attribution and indirectness only, attribution with a reason.
		{"case evidence with a GRADE domain", func(doc map[string]any) { caseAssessment(doc)["risk_of_bias"] = "serious" }},
		{"case evidence without its attribution's reason", func(doc map[string]any) {
			delete(caseAssessment(doc)["reasons"].(map[string]any), "attribution")
		}},
		{"attribution unassessed", func(doc map[string]any) { caseAssessment(doc)["attribution"] = "unassessed" }},
		{"attribution beside GRADE domains", func(doc map[string]any) { firstAssessment(doc)["attribution"] = "probable" }},
		{"GRADE assessment without a domain", func(doc map[string]any) { delete(firstAssessment(doc), "risk_of_bias") }},
		{"bad sample", func(doc map[string]any) { firstAssessment(doc)["sample"] = "random" }},
		{"relative effect not a ratio", func(doc map[string]any) { firstAssessment(doc)["relative_effect"] = -0.4 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := validateBytes(sch, mutateV2(t, tt.mutate)); err == nil {
				t.Errorf("Validate(%v) = nil, want a schema error", tt.name)
			}
		})
	}
	// The valid search the cases above spoil passes, with and without sources.
	for _, fields := range []map[string]any{nil, {"sources": []any{"chou-2022"}, "note": nil}} {
		if err := validateBytes(sch, mutateV2(t, func(doc map[string]any) { withSearch(doc, fields) })); err != nil {
			t.Errorf("a valid search %v: %v", fields, err)
		}
	}
}

// withSearch gives the micro-vaccination claim (asthma) one search (a
// fixture's, not a real one) in place of its own, its fields overridden.
func withSearch(doc map[string]any, fields map[string]any) {
	s := map[string]any{"database": "pubmed", "query": "mesotherapy AND asthma", "searched_at": "2026-11-03T09:00:00Z",
		"hits": 12, "screened": 3, "sources": []any{}, "note": "Nothing includable."}
	for k, v := range fields {
		s[k] = v
	}
	item(doc, "claims", "key", "en-002-micro-vaccination-asthma")["searches"] = []any{s}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(d *Dataset)
		want   string
	}{
		{"duplicate finding key", func(d *Dataset) { d.Findings = append(d.Findings, d.Findings[0]) }, "duplicate key"},
		{"unknown question", func(d *Dataset) { d.Findings[0].Question = "q-nowhere" }, "unknown question"},
		{"unknown finding link", func(d *Dataset) {
			d.Claims[0].Findings = append(d.Claims[0].Findings, FindingLink{Finding: "f-nowhere", Stance: grading.Supports, Note: "n"})
		}, "unknown finding"},
		{"bad hedge", func(d *Dataset) { d.Claims[0].Hedge = "perhaps" }, "hedge"},
		{"two design classes", func(d *Dataset) {
			f := findingByKey(d, "f-sebra-24h")
			f.Sources = append(f.Sources, FindingSource{Source: "ferrara-2017", Note: "n"})
		}, "split_by_design"},
		{"reported certainty on a trial", func(d *Dataset) {
			c := grading.Moderate
			findingByKey(d, "f-sebra-24h").Sources[0].ReportedCertainty = &c
		}, "reported_certainty is only"},
		{"claim text not in excerpt", func(d *Dataset) { d.Claims[0].Text = "Nicht im Artikel." }, "does not contain the claim text"},
		{"attribution on a comparative finding", func(d *Dataset) {
			findingByKey(d, "f-sebra-24h").Attribution = ptr(grading.AttributionProbable)
		}, "attribution is for a non-comparative harm"},
		{"estimate outside interval", func(d *Dataset) {
			v := 5.0
			findingByKey(d, "f-friedman-pain").Estimate = &v
		}, "outside its interval"},
		{"review of an ungradable finding", func(d *Dataset) { d.Reviews[0].Finding = "f-nice-oral-nsaids" }, "cannot be graded"},
		{"upgrade of randomised evidence", func(d *Dataset) {
			a := &reviewByFinding(d, "f-friedman-pain").Assessments[0]
			a.LargeEffect = grading.Large
			a.Reasons["large_effect"] = "big"
		}, "upgrade_not_applicable"},
		{"missing reason", func(d *Dataset) {
			delete(reviewByFinding(d, "f-friedman-pain").Assessments[0].Reasons, "imprecision")
		}, "reasons.imprecision: imprecision is serious"},
		{"publication bias very serious", func(d *Dataset) {
			a := &reviewByFinding(d, "f-friedman-pain").Assessments[0]
			a.PublicationBias = grading.VerySerious
			a.Reasons["publication_bias"] = "r"
		}, "publication_bias"},
		{"disagreement without adjudication", func(d *Dataset) { reviewByFinding(d, "f-sebra-24h").Adjudication = nil }, "no adjudication"},
		{"adjudicating reviewer", func(d *Dataset) {
			reviewByFinding(d, "f-sebra-24h").Adjudication.Editor = "demo-reviewer-a"
		}, "editor_assessed"},
		{"search with an unknown source", func(d *Dataset) {
			d.Claims[0].Searches = []Search{{Database: grading.DatabasePubMed, Query: "q", SearchedAt: "2026-11-03T00:00:00Z", Hits: 1,
				Screened: 1, Sources: []string{"nowhere-2020"}}}
		}, `unknown or repeated source "nowhere-2020"`},
		{"search screened above hits", func(d *Dataset) {
			d.Claims[0].Searches = []Search{{Database: grading.DatabasePubMed, Query: "q", SearchedAt: "2026-11-03T00:00:00Z", Hits: 1,
				Screened: 2, Note: ptr("n")}}
		}, "screened at most hits"},
		{"search in the future", func(d *Dataset) {
			d.Claims[0].Searches = []Search{{Database: grading.DatabaseEmbase, Query: "q", SearchedAt: "2999-01-01T00:00:00Z", Note: ptr("n")}}
		}, "in the future"},
		{"search without a note or sources", func(d *Dataset) {
			d.Claims[0].Searches = []Search{{Database: grading.DatabaseOther, Query: "q", SearchedAt: "2026-11-03T00:00:00Z"}}
		}, "says why in its note"},
		{"adjudication outside the reviewers' range", func(d *Dataset) {
			reviewByFinding(d, "f-sebra-24h").Adjudication.Imprecision = grading.NotSerious
		}, "outside_reviewer_range"},
		{"adjudication without a disagreement", func(d *Dataset) {
			r := reviewByFinding(d, "f-sebra-24h")
			r.Assessments[1] = Assessment{Reviewer: r.Assessments[1].Reviewer, Judgements: r.Assessments[0].Judgements}
		}, "an adjudication without a disagreement"},
		{"case evidence judged for risk of bias", func(d *Dataset) {
			a := &reviewByFinding(d, "f-meso-ntm-outbreaks").Assessments[0]
			a.RiskOfBias = grading.Serious
		}, "not_applicable_to_case_evidence"},
		{"case evidence without attribution", func(d *Dataset) {
			reviewByFinding(d, "f-meso-ntm-outbreaks").Assessments[0].Attribution = nil
		}, "attribution_required"},
		// No number without its quote (quotes.go), and no threshold without
		// its citation.
		{"a mistyped estimate", func(d *Dataset) { findingByKey(d, "f-furyk-30min").Estimate = ptr(-1.5) },
			"estimate -1.5 is quoted in none of its excerpts"},
		{"a sign the source does not print, the other way round", func(d *Dataset) {
			f := findingByKey(d, "f-chou-radicular-pain")
			f.Estimate, f.CILow, f.CIHigh = ptr(0.56), ptr(0.04), ptr(1.08)
		}, "estimate 0.56 is quoted in none of its excerpts"},
		{"a percentage stored ten times too large", func(d *Dataset) { findingByKey(d, "f-marsh-local-infection").CIHigh = ptr(0.0479) },
			"ci_high 0.0479 is quoted in none of its excerpts"},
		{"a mistyped count written as a word", func(d *Dataset) { findingByKey(d, "f-meso-ntm-cluster-rate").Events = ptr(16) },
			"events 16 is quoted in none of its excerpts"},
		{"a zero the source does not state", func(d *Dataset) {
			f := findingByKey(d, "f-meso-ntm-cluster-rate")
			f.Events = ptr(0)
		}, "events 0 is quoted in none of its excerpts"},
		{"a mistyped comparator risk", func(d *Dataset) { findingByKey(d, "f-chou-radicular-improved").ComparatorRisk = ptr(0.32) },
			"comparator_risk 0.32 is quoted in none of its excerpts"},
		{"participants without a quote", func(d *Dataset) { findingByKey(d, "f-eken-30min").Participants = ptr(91) },
			"participants 91 is quoted in none of its excerpts"},
		{"studies of a review without a quote", func(d *Dataset) { findingByKey(d, "f-chou-radicular-pain").Studies = ptr(13) },
			"studies 13 is quoted in none of its excerpts"},
		{"a number and no excerpt", func(d *Dataset) { findingByKey(d, "f-sebra-24h").Sources[0].Excerpt = nil },
			"estimate 1.86 is quoted in none of its excerpts"},
		{"a threshold without its citation", func(d *Dataset) { findingByKey(d, "f-sebra-24h").Threshold = ptr(1.5) },
			"threshold 1.5 is cited in none of its notes"},
		{"an excerpt without its locator", func(d *Dataset) { findingByKey(d, "f-sebra-24h").Sources[0].Locator = nil },
			"an excerpt needs its locator"},
		{"a comparator risk beside a difference", func(d *Dataset) { findingByKey(d, "f-sebra-24h").ComparatorRisk = ptr(0.3) },
			"comparator_risk 0.3 is the comparator group's risk"},
		{"a source with no verification", func(d *Dataset) { sourceByKey(d, "furyk-2018").Verification = nil },
			"says in verification which fields were verified"},
		{"an override with an unknown rating", func(d *Dataset) {
			c := claimByKey(d, "de-000-not-fully-proven")
			c.Override.Rating = "true"
		}, "override"},
		{"rating down a source-rated finding for bias", func(d *Dataset) {
			a := &reviewByFinding(d, "f-chou-radicular-pain").Assessments[0]
			a.RiskOfBias = grading.Serious
			a.Reasons = map[string]string{"risk_of_bias": "r"}
		}, "downgrade_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustLoadV2(t)
			tt.mutate(d)
			err := d.Validate(nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate(%v) = %v, want an error containing %q", tt.name, err, tt.want)
			}
		})
	}
}

func TestVerbatimRejects(t *testing.T) {
	d := mustLoadV2(t)
	seeds := readSeeds(t, d)
	c := &d.Claims[0]
	c.Text += " (erfunden)"
	c.Appearances[0].Excerpt += " (erfunden)"
	err := d.Validate(seeds)
	if err == nil || !strings.Contains(err.Error(), "not verbatim") {
		t.Errorf("Validate(seeds) with an invented sentence = %v, want a verbatim error", err)
	}
}

func findingByKey(d *Dataset, key string) *Finding {
	for i := range d.Findings {
		if d.Findings[i].Key == key {
			return &d.Findings[i]
		}
	}
	panic("no finding " + key)
}

func sourceByKey(d *Dataset, key string) *Source {
	for i := range d.Sources {
		if d.Sources[i].Key == key {
			return &d.Sources[i]
		}
	}
	panic("no source " + key)
}

func claimByKey(d *Dataset, key string) *Claim {
	for i := range d.Claims {
		if d.Claims[i].Key == key {
			return &d.Claims[i]
		}
	}
	panic("no claim " + key)
}

func reviewByFinding(d *Dataset, key string) *FindingReview {
	for i := range d.Reviews {
		if d.Reviews[i].Finding == key {
			return &d.Reviews[i]
		}
	}
	panic("no review of " + key)
}

// TestReferencesUsed checks that every verified reference record is a
// source carrying only its verified fields, and that every one is used by a
// finding.
func TestReferencesUsed(t *testing.T) {
	d := mustLoadV2(t)
	b, err := os.ReadFile(referenceFile)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("reference file %s is absent", referenceFile)
	}
	if err != nil {
		t.Fatal(err)
	}
	var records []struct {
		Title    string   `json:"title"`
		Design   string   `json:"design"`
		DOI      *string  `json:"doi"`
		PMID     *string  `json:"pmid"`
		URL      *string  `json:"url"`
		Verified []string `json:"verified_fields"`
	}
	if err := json.Unmarshal(b, &records); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, f := range d.Findings {
		for _, s := range f.Sources {
			used[s.Source] = true
		}
	}
	byTitle := map[string]Source{}
	for _, s := range d.Sources {
		if s.ReferenceTitle != nil {
			byTitle[*s.ReferenceTitle] = s
		}
	}
	if got, want := len(byTitle), len(records); got != want {
		t.Errorf("reference sources = %d, want %d", got, want)
	}
	for _, r := range records {
		s, ok := byTitle[r.Title]
		if !ok {
			t.Errorf("record %q has no source", r.Title)
			continue
		}
		if !used[s.Key] {
			t.Errorf("source %s is used by no finding", s.Key)
		}
		if string(s.Kind) != r.Design {
			t.Errorf("source %s kind = %s, want %s", s.Key, s.Kind, r.Design)
		}
		verified := map[string]bool{}
		for _, v := range r.Verified {
			verified[v] = true
		}
		check := func(field string, got, want *string, norm func(string) string) {
			switch {
			case got == nil:
				if verified[field] && want != nil {
					t.Errorf("source %s: verified %s %q missing", s.Key, field, *want)
				}
			case !verified[field] && (s.Verification == nil || !strings.Contains(strings.ToLower(*s.Verification), strings.ToLower(*got))):
				t.Errorf("source %s: %s %q is neither a verified field of the record nor quoted in the source's verification", s.Key, field, *got)
			case !verified[field]:
				// Added from another record, which the verification quotes.
			case want == nil || *got != norm(*want):
				t.Errorf("source %s: %s = %q, want the record's %v", s.Key, field, *got, want)
			}
		}
		same := func(s string) string { return s }
		check("doi", s.DOI, r.DOI, strings.ToLower)
		check("pmid", s.PMID, r.PMID, same)
		check("url", s.URL, r.URL, same)
	}
}

// TestContent checks the dataset's promises that Validate does not
// enforce in general, and logs its counts.
func TestContent(t *testing.T) {
	d := mustLoadV2(t)
	gradable := map[string]bool{}
	for _, r := range d.Reviews {
		gradable[r.Finding] = true
		names := []string{}
		for _, a := range r.Assessments {
			names = append(names, a.Reviewer)
		}
		if diff := cmp.Diff([]string{"demo-reviewer-a", "demo-reviewer-b"}, names); diff != "" {
			t.Errorf("review of %s: reviewers (-want +got):\n%s", r.Finding, diff)
		}
		if r.Adjudication != nil && r.Adjudication.Editor != "demo-editor" {
			t.Errorf("review of %s: editor = %q, want demo-editor", r.Finding, r.Adjudication.Editor)
		}
	}
	// Every finding with a level-setting source is graded.
	for i := range d.Findings {
		f := &d.Findings[i]
		_, err := grading.BodyBasis(d.bodyOf(f))
		if sets := err == nil; sets != gradable[f.Key] {
			t.Errorf("finding %s: level-setting = %v, reviewed = %v", f.Key, sets, gradable[f.Key])
		}
		if f.Estimate == nil && !strings.Contains(f.Summary, "No ") {
			t.Errorf("finding %s: no estimate, but the summary does not say why", f.Key)
		}
	}
	// The claims v1 lacked (issue 9), split and extracted (issue 20).
	claims := map[string]Claim{}
	for _, c := range d.Claims {
		claims[c.Key] = c
	}
	for _, k := range []string{
		"en-002-postpone-prevent-operation", "en-002-quit-smoking", "de-004-injection-site-infection",
		"it-001-particularly-safe", "it-001-particularly-effective", "it-001-fewer-side-effects-than-systemic",
		"it-001-analgesic", "it-001-anti-inflammatory", "it-001-muscle-relaxant",
		// The compound claims of issue 20, one claim per thing asserted.
		"de-004-iv-faster-results", "de-004-iv-more-effective-results", "en-002-immediate-relief",
		"en-002-immediate-muscle-relaxation", "en-002-micro-vaccination-asthma", "en-002-micro-vaccination-cystic-fibrosis",
		"en-002-micro-vaccination-urinary-tract", "en-002-micro-vaccination-immunodeficiency", "fr-003-benefit-adults",
		"fr-003-benefit-elderly", "fr-003-benefit-children", "en-002-infertility", "en-002-dysmenorrhoea",
		"de-004-allergic-anaphylaxis", "de-004-allergy-among-most-common",
		// Claims never extracted before issue 20.
		"en-002-cure-or-relief", "en-002-great-success", "en-002-fat-mobilisation", "de-000-migraine-headache",
		"de-000-shingles", "de-000-tinnitus",
	} {
		if _, ok := claims[k]; !ok {
			t.Errorf("claim %s missing", k)
		}
	}
	for _, k := range []string{"de-004-faster-more-effective", "en-002-micro-vaccination-asthma-cf", "fr-003-everyone-can-benefit"} {
		if _, ok := claims[k]; ok {
			t.Errorf("compound claim %s is still in the dataset", k)
		}
	}
	// Claims are typed by what they assert: only these assert nothing the
	// rules check (a statement about the literature, advice, a condition,
	// an intent), and no claim is of type other.
	wantOther := map[string]bool{"de-000-not-fully-proven": true, "de-000-no-study-proved-efficacy": true,
		"it-001-specialist-visit-first": true, "en-002-infections-unsanitary-only": true, "de-004-pain-relief-general": true}
	for _, c := range d.Claims {
		if (c.Assertion == grading.AssertOther) != wantOther[c.Key] {
			t.Errorf("claim %s: assertion %s; only %v assert nothing checkable", c.Key, c.Assertion, wantOther)
		}
		if c.ClaimType == grading.ClaimOther && !wantOther[c.Key] {
			t.Errorf("claim %s: claim_type other", c.Key)
		}
		// Every frequency states its value and how the wording bounds it.
		if c.Assertion == grading.AssertFrequency && (c.ClaimedValue == nil || c.ClaimedBound == nil) {
			t.Errorf("claim %s: a frequency without claimed_value and claimed_bound", c.Key)
		}
		// An editor's rating only where the rules cannot rate the wording.
		if c.Override != nil && c.Assertion != grading.AssertOther {
			t.Errorf("claim %s: an override on a wording the rules rate", c.Key)
		}
	}
	// Every comparative finding that can be graded has a threshold, cited
	// in a note (Validate checks the citation), or a note saying that none
	// was found; every source of a graded finding is quoted.
	questions := map[string]Question{}
	for _, q := range d.Questions {
		questions[q.Key] = q
	}
	for i := range d.Findings {
		f := &d.Findings[i]
		q := questions[f.Question]
		if gradable[f.Key] && q.ComparatorKind != grading.ComparatorNone && f.Threshold == nil {
			none := false
			for _, s := range f.Sources {
				none = none || strings.Contains(s.Note, "No smallest important difference was found")
			}
			if !none {
				t.Errorf("finding %s: a comparative finding without a threshold or a note saying none was found", f.Key)
			}
		}
		for _, s := range f.Sources {
			if gradable[f.Key] && (s.Excerpt == nil || s.Locator == nil) {
				t.Errorf("finding %s: source %s of a graded finding has no excerpt or locator", f.Key, s.Source)
			}
		}
	}
	if c := claims["fr-003-no-drug-interaction"]; c.Assertion != grading.AssertAbsence || c.Hedge != grading.HedgeNone || !strings.Contains(c.Text, "personne âgées poli médicamentées") {
		t.Errorf("fr-003-no-drug-interaction = %+v, want an unhedged absence keeping the elderly qualifier", c)
	}

	n := map[string]int{}
	for _, c := range d.Claims {
		n["appearances"] += len(c.Appearances)
		n["links"] += len(c.Findings)
		for _, l := range c.Findings {
			n["stance "+string(l.Stance)]++
		}
		n["assertion "+string(c.Assertion)]++
	}
	adj := 0
	for _, r := range d.Reviews {
		n["assessments"] += len(r.Assessments)
		if r.Adjudication != nil {
			adj++
		}
	}
	if adj == 0 {
		t.Error("no adjudication, want at least one settled disagreement")
	}
	t.Logf("sources %d, questions %d, findings %d (graded %d), claims %d, appearances %d, claim-finding links %d, reviews %d (assessments %d), adjudications %d",
		len(d.Sources), len(d.Questions), len(d.Findings), len(d.Reviews), len(d.Claims), n["appearances"], n["links"],
		len(d.Reviews), n["assessments"], adj)
	t.Logf("stances: supports %d, refutes %d, mixed %d, neutral %d; assertions: effect %d, frequency %d, absence %d, occurrence %d, other %d",
		n["stance supports"], n["stance refutes"], n["stance mixed"], n["stance neutral"],
		n["assertion effect"], n["assertion frequency"], n["assertion absence"], n["assertion occurrence"], n["assertion other"])
}
