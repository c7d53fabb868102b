package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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

func mustLoad(t *testing.T) *Dataset {
	t.Helper()
	d, err := Load()
	if err != nil {
		t.Fatalf("Load() error = %v, want nil", err)
	}
	return d
}

func compileSchema(t *testing.T) *jsonschema.Schema {
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

func validateBytes(sch *jsonschema.Schema, data []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

func TestSchemaValidatesDemo(t *testing.T) {
	sch := compileSchema(t)
	if err := validateBytes(sch, Raw()); err != nil {
		t.Fatalf("Validate(demo.json) = %v, want nil", err)
	}
}

// TestSchemaRejects checks that the schema is not vacuous: each mutation of
// the demo document must be rejected.
func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	tests := []struct {
		name   string
		mutate func(doc map[string]any)
	}{
		{"unknown top-level field", func(doc map[string]any) { doc["extra"] = true }},
		{"wrong version", func(doc map[string]any) { doc["version"] = 2 }},
		{"uppercase doi", func(doc map[string]any) { refSource(doc)["doi"] = "10.1155/2011/ABC" }},
		{"doi with resolver prefix", func(doc map[string]any) { refSource(doc)["doi"] = "https://doi.org/10.1155/2011/317183" }},
		{"non-digit pmid", func(doc map[string]any) { refSource(doc)["pmid"] = "PMID20953425" }},
		{"reference source with language", func(doc map[string]any) { refSource(doc)["language"] = "en" }},
		{"web article with doi", func(doc map[string]any) { webSource(doc)["doi"] = "10.1000/xyz" }},
		{"web article with url", func(doc map[string]any) { webSource(doc)["url"] = "https://example.com/" }},
		{"unknown source kind", func(doc map[string]any) { refSource(doc)["kind"] = "blog" }},
		{"unknown claim_type", func(doc map[string]any) { claimAt(doc, 0)["claim_type"] = "marketing" }},
		{"uppercase condition", func(doc map[string]any) { claimAt(doc, 0)["condition"] = "Low back pain" }},
		{"missing text_en", func(doc map[string]any) { delete(claimAt(doc, 0), "text_en") }},
		{"two appearance links", func(doc map[string]any) {
			c := claimAt(doc, 0)
			links := c["links"].([]any)
			c["links"] = append(links, links[0])
		}},
		{"no appearance link", func(doc map[string]any) {
			c := claimAt(doc, 0)
			c["links"] = c["links"].([]any)[1:]
		}},
		{"bad stance", func(doc map[string]any) { evidenceLink(doc)["stance"] = "endorses" }},
		{"evidence without stance", func(doc map[string]any) { delete(evidenceLink(doc), "stance") }},
		{"evidence with excerpt", func(doc map[string]any) { evidenceLink(doc)["excerpt"] = "quoted finding" }},
		{"appearance with stance", func(doc map[string]any) {
			claimAt(doc, 0)["links"].([]any)[0].(map[string]any)["stance"] = "supports"
		}},
		{"bad reported_certainty", func(doc map[string]any) { evidenceLink(doc)["reported_certainty"] = "medium" }},
		{"bad concern", func(doc map[string]any) { assessmentAt(doc)["risk_of_bias"] = "minor" }},
		{"bad large_effect", func(doc map[string]any) { assessmentAt(doc)["large_effect"] = "huge" }},
		{"assessment with certainty", func(doc map[string]any) { assessmentAt(doc)["certainty"] = "high" }},
		{"bad verdict", func(doc map[string]any) { assessmentAt(doc)["verdict"] = "true" }},
		{"adjudication without rationale", func(doc map[string]any) {
			r := doc["reviews"].([]any)[0].(map[string]any)
			r["adjudication"] = map[string]any{"editor": "demo-editor", "certainty": "low", "verdict": "mixed"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			dec := json.NewDecoder(bytes.NewReader(Raw()))
			dec.UseNumber()
			if err := dec.Decode(&doc); err != nil {
				t.Fatal(err)
			}
			tt.mutate(doc)
			data, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateBytes(sch, data); err == nil {
				t.Errorf("Validate(%v) = nil, want a schema error", tt.name)
			}
		})
	}
}

func refSource(doc map[string]any) map[string]any {
	for _, s := range doc["sources"].([]any) {
		if m := s.(map[string]any); m["kind"] != string(grading.KindWebArticle) {
			return m
		}
	}
	panic("no reference source")
}

func webSource(doc map[string]any) map[string]any {
	for _, s := range doc["sources"].([]any) {
		if m := s.(map[string]any); m["kind"] == string(grading.KindWebArticle) {
			return m
		}
	}
	panic("no web article")
}

func claimAt(doc map[string]any, i int) map[string]any {
	return doc["claims"].([]any)[i].(map[string]any)
}

func evidenceLink(doc map[string]any) map[string]any {
	for _, c := range doc["claims"].([]any) {
		for _, l := range c.(map[string]any)["links"].([]any) {
			if m := l.(map[string]any); m["role"] == string(grading.RoleEvidence) {
				return m
			}
		}
	}
	panic("no evidence link")
}

func assessmentAt(doc map[string]any) map[string]any {
	return doc["reviews"].([]any)[0].(map[string]any)["assessments"].([]any)[0].(map[string]any)
}

func TestLoadValidate(t *testing.T) {
	d := mustLoad(t)
	if err := d.Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
	if got, want := len(d.Therapies), 2; got != want {
		t.Errorf("len(Therapies) = %v, want %v", got, want)
	}
	for _, slug := range []string{"mesotherapy", "infusion-therapy"} {
		if _, ok := d.Therapy(slug); !ok {
			t.Errorf("Therapy(%q) = _, false, want true", slug)
		}
	}
	// Raw and Load must describe the same data: a re-encoding of the typed
	// dataset equals the embedded document once both are decoded generically.
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

// dropNulls removes null object members, which the typed encoding omits.
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

func TestDecodeStrict(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{"unknown field", `{"version":1,"therapies":[],"sources":[],"claims":[],"reviews":[],"extra":1}`},
		{"unknown nested field", `{"version":1,"therapies":[{"slug":"x","name":"X","description":"d","aliases":[],"color":"red"}],"sources":[],"claims":[],"reviews":[]}`},
		{"trailing data", `{"version":1,"therapies":[],"sources":[],"claims":[],"reviews":[]} {}`},
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

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(d *Dataset)
	}{
		{"duplicate source key", func(d *Dataset) { d.Sources = append(d.Sources, d.Sources[0]) }},
		{"duplicate claim key", func(d *Dataset) { d.Claims = append(d.Claims, d.Claims[0]) }},
		{"duplicate therapy slug", func(d *Dataset) { d.Therapies = append(d.Therapies, d.Therapies[0]) }},
		{"alias shared by two therapies", func(d *Dataset) {
			d.Therapies[1].Aliases = append(d.Therapies[1].Aliases, d.Therapies[0].Aliases[0])
		}},
		{"unknown therapy", func(d *Dataset) { d.Claims[0].Therapy = "cupping" }},
		{"link to unknown source", func(d *Dataset) { d.Claims[0].Links[0].Source = "nowhere-2020" }},
		{"appearance to reference source", func(d *Dataset) { d.Claims[0].Links[0].Source = "costantino-2011" }},
		{"evidence from web article", func(d *Dataset) {
			d.Claims[0].Links = append(d.Claims[0].Links, Link{Source: "article-001", Role: grading.RoleEvidence, Stance: ptr(grading.Supports)})
		}},
		{"evidence from news", func(d *Dataset) {
			d.Sources = append(d.Sources, Source{Key: "some-news", Kind: grading.KindNews, Title: "News"})
			d.Claims[0].Links = append(d.Claims[0].Links, Link{Source: "some-news", Role: grading.RoleEvidence, Stance: ptr(grading.Supports)})
		}},
		{"evidence without stance", func(d *Dataset) {
			d.Claims[0].Links = append(d.Claims[0].Links, Link{Source: "who-2023", Role: grading.RoleEvidence})
		}},
		{"second appearance", func(d *Dataset) {
			d.Claims[0].Links = append(d.Claims[0].Links, Link{Source: "article-004", Role: grading.RoleAppearance, Excerpt: ptr("x")})
		}},
		{"no appearance", func(d *Dataset) { d.Claims[0].Links = d.Claims[0].Links[1:] }},
		{"duplicate doi", func(d *Dataset) {
			s := d.Sources[len(d.Sources)-1]
			s.Key, s.DOI = "copy-2023", d.Sources[5].DOI
			d.Sources = append(d.Sources, s)
		}},
		{"review of unknown claim", func(d *Dataset) { d.Reviews[0].Claim = "no-such-claim" }},
		{"duplicate reviewer", func(d *Dataset) { d.Reviews[0].Assessments[1].Reviewer = d.Reviews[0].Assessments[0].Reviewer }},
		{"unknown concern", func(d *Dataset) { d.Reviews[0].Assessments[0].Imprecision = "minor" }},
		{"wrong version", func(d *Dataset) { d.Version = 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustLoad(t)
			tt.mutate(d)
			if err := d.Validate(); err == nil {
				t.Errorf("Validate(%v) = nil, want an error", tt.name)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// readShared reads a file of the shared folder, skipping the test when the
// shared folder is not there (e.g. the package is built elsewhere).
func readShared(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("shared file %s not found; skipping the check against the shared material", path)
	}
	if err != nil {
		t.Fatalf("ReadFile(%s) error = %v", path, err)
	}
	return data
}

func TestAppearanceExcerptsVerbatim(t *testing.T) {
	if _, err := os.Stat(seedDir); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("seed folder %s not found; skipping the verbatim excerpt check", seedDir)
	}
	d := mustLoad(t)
	seeds := map[string]string{}
	for _, s := range d.Sources {
		if s.Kind != grading.KindWebArticle {
			continue
		}
		text := string(readShared(t, filepath.Join(seedDir, *s.SeedFile)))
		seeds[s.Key] = text
		if !strings.Contains(text, s.Title) {
			t.Errorf("strings.Contains(%s, title %q) = false, want true", *s.SeedFile, s.Title)
		}
	}
	for _, c := range d.Claims {
		a := c.Appearance()
		if a == nil {
			t.Errorf("Appearance(%v) = nil, want a link", c.Key)
			continue
		}
		text, ok := seeds[a.Source]
		if !ok {
			t.Errorf("seed(%v) for claim %v missing, want a web article with a seed file", a.Source, c.Key)
			continue
		}
		if got := strings.Contains(text, *a.Excerpt); !got {
			t.Errorf("strings.Contains(%v, excerpt of %v) = %v, want true; excerpt: %q", a.Source, c.Key, got, *a.Excerpt)
		}
		if n := len([]rune(*a.Excerpt)); n < 30 {
			t.Errorf("len(excerpt of %v) = %v, want >= 30 (a sentence or clause)", c.Key, n)
		}
		if lang := *sourceByKey(t, d, a.Source).Language; c.Language != lang {
			t.Errorf("language(%v) = %v, want %v (the article's language)", c.Key, c.Language, lang)
		}
	}
}

func sourceByKey(t *testing.T, d *Dataset, key string) *Source {
	t.Helper()
	s, ok := d.Source(key)
	if !ok {
		t.Fatalf("Source(%q) = _, false, want true", key)
	}
	return s
}

// referenceRecord is one record of shared/reference/evidence-sources.json.
type referenceRecord struct {
	Title          string   `json:"title"`
	Authors        *string  `json:"authors"`
	Year           *int     `json:"year"`
	Journal        *string  `json:"journal"`
	DOI            *string  `json:"doi"`
	PMID           *string  `json:"pmid"`
	URL            *string  `json:"url"`
	Design         string   `json:"design"`
	Finding        string   `json:"finding"`
	VerifiedFields []string `json:"verified_fields"`
}

func TestReferenceSourcesMatchRecords(t *testing.T) {
	data := readShared(t, referenceFile)
	var records []referenceRecord
	if err := json.Unmarshal(data, &records); err != nil {
		t.Fatalf("Unmarshal(%s) error = %v", referenceFile, err)
	}
	d := mustLoad(t)
	matched := map[string]string{}
	for _, s := range d.Sources {
		if s.Kind == grading.KindWebArticle {
			continue
		}
		i := slices.IndexFunc(records, func(r referenceRecord) bool { return r.Title == *s.ReferenceTitle })
		if i < 0 {
			t.Errorf("record(%v) with title %q not found, want a match", s.Key, *s.ReferenceTitle)
			continue
		}
		r := records[i]
		if prev, dup := matched[r.Title]; dup {
			t.Errorf("record(%v) already matched by %v, want one source per record", s.Key, prev)
		}
		matched[r.Title] = s.Key
		if string(s.Kind) != r.Design {
			t.Errorf("kind(%v) = %v, want %v (the record's design)", s.Key, s.Kind, r.Design)
		}
		fields := []struct {
			name, recordName string
			got, want        any
			gotSet, wantSet  bool
			equal            bool
		}{
			{"title", "title", s.Title, r.Title, true, true, s.Title == r.Title},
			{"authors", "authors", deref(s.Authors), deref(r.Authors), s.Authors != nil, r.Authors != nil, eq(s.Authors, r.Authors)},
			{"year", "year", deref(s.Year), deref(r.Year), s.Year != nil, r.Year != nil, eq(s.Year, r.Year)},
			{"container", "journal", deref(s.Container), deref(r.Journal), s.Container != nil, r.Journal != nil, eq(s.Container, r.Journal)},
			// DOIs are case-insensitive; the dataset stores them lowercased.
			{"doi", "doi", deref(s.DOI), deref(r.DOI), s.DOI != nil, r.DOI != nil, s.DOI != nil && r.DOI != nil && strings.EqualFold(*s.DOI, *r.DOI)},
			{"pmid", "pmid", deref(s.PMID), deref(r.PMID), s.PMID != nil, r.PMID != nil, eq(s.PMID, r.PMID)},
			{"url", "url", deref(s.URL), deref(r.URL), s.URL != nil, r.URL != nil, eq(s.URL, r.URL)},
		}
		for _, f := range fields {
			verified := slices.Contains(r.VerifiedFields, f.recordName)
			if f.gotSet {
				if !verified {
					t.Errorf("%s(%v) = %v, want null: %q is not in the record's verified_fields", f.name, s.Key, f.got, f.recordName)
				}
				if !f.equal {
					t.Errorf("%s(%v) = %v, want %v", f.name, s.Key, f.got, f.want)
				}
			} else if verified && f.wantSet {
				t.Errorf("%s(%v) = null, want %v (verified in the record)", f.name, s.Key, f.want)
			}
		}
	}
	if got, want := len(matched), len(records); got != want {
		t.Errorf("len(matched records) = %v, want %v (every record is a source)", got, want)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func eq[T comparable](a, b *T) bool { return a != nil && b != nil && *a == *b }

func TestClaimCounts(t *testing.T) {
	d := mustLoad(t)
	if got, want := len(d.Claims), 30; got < want {
		t.Errorf("len(Claims) = %v, want >= %v", got, want)
	}
	perArticle := map[string]int{}
	for _, c := range d.Claims {
		if a := c.Appearance(); a != nil {
			perArticle[a.Source]++
		}
	}
	tests := []struct {
		article string
		min     int
	}{
		{"article-000", 5},
		{"article-001", 5},
		{"article-002", 5},
		{"article-003", 5},
		{"article-004", 5},
	}
	for _, tt := range tests {
		if got := perArticle[tt.article]; got < tt.min {
			t.Errorf("claimsIn(%v) = %v, want >= %v", tt.article, got, tt.min)
		}
	}
}

func TestClaimTypesCoveredPerTherapy(t *testing.T) {
	d := mustLoad(t)
	have := map[string]map[grading.ClaimType]bool{}
	for _, c := range d.Claims {
		if have[c.Therapy] == nil {
			have[c.Therapy] = map[grading.ClaimType]bool{}
		}
		have[c.Therapy][c.ClaimType] = true
	}
	tests := []struct {
		therapy   string
		claimType grading.ClaimType
	}{}
	for _, th := range []string{"mesotherapy", "infusion-therapy"} {
		for _, ct := range []grading.ClaimType{grading.ClaimEfficacy, grading.ClaimSafety, grading.ClaimMechanism, grading.ClaimComparative, grading.ClaimIndication} {
			tests = append(tests, struct {
				therapy   string
				claimType grading.ClaimType
			}{th, ct})
		}
	}
	for _, tt := range tests {
		if got := have[tt.therapy][tt.claimType]; !got {
			t.Errorf("hasClaim(%v, %v) = %v, want true", tt.therapy, tt.claimType, got)
		}
	}
}

func TestEvidenceLinks(t *testing.T) {
	d := mustLoad(t)
	for _, c := range d.Claims {
		for _, l := range c.Links {
			if l.Role != grading.RoleEvidence {
				continue
			}
			s := sourceByKey(t, d, l.Source)
			if !grading.EvidenceAllowed(s.Kind) || s.ReferenceTitle == nil {
				t.Errorf("evidenceSource(%v, %v) kind = %v, want a reference source", c.Key, l.Source, s.Kind)
			}
			if l.Excerpt != nil {
				t.Errorf("excerpt(%v, %v) = %q, want none (a record's finding is not the source's words)", c.Key, l.Source, *l.Excerpt)
			}
			if l.Note == nil || strings.TrimSpace(*l.Note) == "" {
				t.Errorf("note(%v, %v) = empty, want a reason for the stance", c.Key, l.Source)
			}
		}
	}
}

// TestDrugInteractionClaimUnsupported: nothing in the reference set shows
// that mesotherapy carries no risk of drug interaction, so the French
// article's claim must stay unsupported.
func TestDrugInteractionClaimUnsupported(t *testing.T) {
	d := mustLoad(t)
	found := 0
	for _, c := range d.Claims {
		if c.Language != "fr" || c.Outcome != "drug interactions" {
			continue
		}
		found++
		if got := countStance(c, grading.Supports); got != 0 {
			t.Errorf("supportCount(%v) = %v, want 0", c.Key, got)
		}
	}
	if found == 0 {
		t.Errorf("claims(fr, drug interactions) = 0, want the French no-drug-interaction claim")
	}
}

func countStance(c Claim, stance grading.Stance) int {
	n := 0
	for _, l := range c.Links {
		if l.Role == grading.RoleEvidence && l.Stance != nil && *l.Stance == stance {
			n++
		}
	}
	return n
}

// startLevel is the GRADE starting certainty of a claim: the best linked
// evidence, a link's reported certainty replacing its design's level.
func startLevel(t *testing.T, d *Dataset, c *Claim) int {
	best := 0
	for _, l := range c.Links {
		if l.Role != grading.RoleEvidence {
			continue
		}
		lv := grading.DesignLevel(sourceByKey(t, d, l.Source).Kind).Level()
		if l.ReportedCertainty != nil {
			lv = l.ReportedCertainty.Level()
		}
		best = max(best, lv)
	}
	return best
}

// certaintyOf mirrors the server's rule: start - downgrades + upgrades,
// clamped to [very_low, high]; upgrades only from low or very low.
func certaintyOf(start int, a Assessment) (level int, upgraded, moved bool) {
	down := -a.RiskOfBias.Steps() + -a.Inconsistency.Steps() + -a.Indirectness.Steps() +
		-a.Imprecision.Steps() + -a.PublicationBias.Steps()
	up := a.LargeEffect.Steps()
	if a.DoseResponse {
		up++
	}
	if a.PlausibleConfounding {
		up++
	}
	return min(max(start-down+up, 1), 4), up > 0, down > 0 || up > 0
}

func TestReviews(t *testing.T) {
	d := mustLoad(t)
	verdicts := map[grading.Verdict]bool{}
	adjudicated := 0
	for _, r := range d.Reviews {
		c, ok := d.Claim(r.Claim)
		if !ok {
			t.Fatalf("Claim(%q) = _, false, want true", r.Claim)
		}
		start := startLevel(t, d, c)
		var computed []int
		for _, a := range r.Assessments {
			if !strings.HasPrefix(a.Reviewer, "demo-reviewer-") {
				t.Errorf("reviewer(%v) = %v, want a demo reviewer", r.Claim, a.Reviewer)
			}
			checkVerdict(t, *c, a.Reviewer, a.Verdict)
			if start == 0 {
				if a.Verdict != grading.Insufficient {
					t.Errorf("verdict(%v, %v) = %v, want %v (no evidence)", r.Claim, a.Reviewer, a.Verdict, grading.Insufficient)
				}
				computed = append(computed, 0)
				continue
			}
			level, upgraded, moved := certaintyOf(start, a)
			if upgraded && start > grading.Low.Level() {
				t.Errorf("upgrade(%v, %v) from start %v, want upgrades only from low or very low", r.Claim, a.Reviewer, start)
			}
			if moved && strings.TrimSpace(a.Rationale) == "" {
				t.Errorf("rationale(%v, %v) = empty, want one when a domain moves the certainty", r.Claim, a.Reviewer)
			}
			computed = append(computed, level)
		}
		agree := len(r.Assessments) >= 2
		for i := 1; i < len(r.Assessments); i++ {
			if computed[i] != computed[0] || r.Assessments[i].Verdict != r.Assessments[0].Verdict {
				agree = false
			}
		}
		var final grading.Verdict
		if r.Adjudication == nil {
			if !agree {
				t.Errorf("consensus(%v) = false (certainties %v), want agreement when there is no adjudication", r.Claim, computed)
				continue
			}
			final = r.Assessments[0].Verdict
		} else {
			adjudicated++
			if agree {
				t.Errorf("consensus(%v) = true, want disagreement when an editor adjudicates", r.Claim)
			}
			if r.Adjudication.Editor != "demo-editor" {
				t.Errorf("editor(%v) = %v, want demo-editor", r.Claim, r.Adjudication.Editor)
			}
			checkVerdict(t, *c, r.Adjudication.Editor, r.Adjudication.Verdict)
			final = r.Adjudication.Verdict
		}
		verdicts[final] = true
	}
	if got, want := len(d.Reviews), 4; got < want {
		t.Errorf("len(Reviews) = %v, want >= %v", got, want)
	}
	if got, want := adjudicated, 1; got != want {
		t.Errorf("adjudicated reviews = %v, want %v", got, want)
	}
	if got := len(verdicts); got < 2 {
		t.Errorf("distinct final verdicts = %v, want >= 2", got)
	}
}

// checkVerdict enforces the server's verdict constraints: supported needs a
// supporting evidence link, refuted a refuting one.
func checkVerdict(t *testing.T, c Claim, who string, verdict grading.Verdict) {
	t.Helper()
	tests := []struct {
		verdict grading.Verdict
		stance  grading.Stance
	}{
		{grading.Supported, grading.Supports},
		{grading.Refuted, grading.Refutes},
	}
	for _, tt := range tests {
		if verdict == tt.verdict && countStance(c, tt.stance) == 0 {
			t.Errorf("countStance(%v, %v) = 0, want >= 1 for %v's verdict %v", c.Key, tt.stance, who, verdict)
		}
	}
}
