package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

func TestCatalogTherapyLookup(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		meso := e.mesotherapy()
		e.therapy("infusion-therapy", "Infusion therapy", "Infusionstherapie", "Infusionen")

		var keys []string
		if err := st.DB().Table("therapy_aliases").Where("therapy_id = ?", testenv.ID(meso)).Order("alias_key").Pluck("alias_key", &keys).Error; err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"mesoterapia", "mesotherapie", "mésothérapie"}, keys); diff != "" {
			t.Errorf("stored alias keys (-want +got):\n%s", diff)
		}

		tests := []struct {
			key    string
			status int
			slug   string
		}{
			{"mesotherapy", 200, "mesotherapy"},
			{"MesoTherapy", 200, "mesotherapy"},
			{"Mesotherapie", 200, "mesotherapy"},
			{"MESOTHERAPIE", 200, "mesotherapy"},
			{"mesotherapie", 200, "mesotherapy"},
			{"mésothérapie", 200, "mesotherapy"},
			{"MÉSOTHÉRAPIE", 200, "mesotherapy"},
			{"Mésothérapie", 200, "mesotherapy"},
			{"mesoterapia", 200, "mesotherapy"},
			{"MESOTERAPIA", 200, "mesotherapy"},
			{"infusion-therapy", 200, "infusion-therapy"},
			{"INFUSIONSTHERAPIE", 200, "infusion-therapy"},
			{"infusionen", 200, "infusion-therapy"},
			{"homeopathy", 404, ""},
			{"meso", 404, ""},
			{"mesotherapi", 404, ""},
			{"%", 404, ""},
			{"mesotherapy%", 404, ""},
		}
		for _, tt := range tests {
			t.Run(tt.key, func(t *testing.T) {
				res := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/therapies/" + url.PathEscape(tt.key)})
				if tt.status != 200 {
					catalogCheckProblem(t, res, tt.status)
					return
				}
				if res.Status != 200 {
					t.Fatalf("GET therapy %q = %d %s, want 200", tt.key, res.Status, res.Body)
				}
				if got := res.JSON(t)["slug"]; got != tt.slug {
					t.Errorf("GET therapy %q slug = %v, want %s", tt.key, got, tt.slug)
				}
				// The same key names the therapy of a new claim.
				c := e.claim(map[string]any{"therapy": tt.key})
				var therapyID, wantID int64
				st.DB().Table("claims").Select("therapy_id").Where("id = ?", testenv.ID(c)).Scan(&therapyID)
				st.DB().Table("therapies").Select("id").Where("slug = ?", tt.slug).Scan(&wantID)
				if c["therapy"] != tt.slug || therapyID != wantID {
					t.Errorf("claim with therapy %q = %v (therapy_id %d), want %s (%d)", tt.key, c["therapy"], therapyID, tt.slug, wantID)
				}
			})
		}
		t.Run("aliases in the body", func(t *testing.T) {
			res := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/therapies/mesotherapy"})
			var got []string
			for _, a := range res.JSON(t)["aliases"].([]any) {
				got = append(got, a.(map[string]any)["alias"].(string)+"/"+a.(map[string]any)["language"].(string))
			}
			if diff := cmp.Diff([]string{"Mesotherapie/de", "mésothérapie/fr", "mesoterapia/it"}, got); diff != "" {
				t.Errorf("aliases (-want +got):\n%s", diff)
			}
		})
		t.Run("PATCH replaces the aliases", func(t *testing.T) {
			res := e.s.Do(testenv.Request{Method: "PATCH", Path: "/api/v1/therapies/mesoterapia", Role: "editor", Body: map[string]any{"aliases": []map[string]string{{"alias": "Mesoterapia", "language": "it"}}}, Headers: map[string]string{"If-Match": fmt.Sprintf(`"%v"`, meso["version"])}})
			if res.Status != 200 {
				t.Fatalf("PATCH therapy = %d %s", res.Status, res.Body)
			}
			if got := testenv.Count(e.t, e.st, "therapy_aliases", "therapy_id = ?", testenv.ID(meso)); got != 1 {
				t.Errorf("aliases after PATCH = %d, want 1", got)
			}
			catalogCheckProblem(t, e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/therapies/Mesotherapie"}), 404)
			if res := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/therapies/MESOTERAPIA"}); res.Status != 200 {
				t.Errorf("GET by the kept alias = %d, want 200", res.Status)
			}
		})
	})
}

// catalogFilterFixture makes five claims over two therapies, with links
// that give them different verdicts and flags, and returns their ids by
// letter.
func catalogFilterFixture(e *catalogEnv) map[string]int64 {
	e.t.Helper()
	e.mesotherapy()
	e.therapy("infusion-therapy", "Infusion therapy", "Infusionstherapie")
	ids := map[string]int64{
		"A": testenv.ID(e.claim(map[string]any{"therapy": "mesotherapy", "language": "de", "claim_type": "safety",
			"text": "Die Behandlung ist nahezu schmerzfrei.", "text_en": "The treatment is almost painless."})),
		"B": testenv.ID(e.claim(map[string]any{"therapy": "Mésothérapie", "language": "fr", "claim_type": "efficacy",
			"text": "La mésothérapie soulage la douleur dans 75% des cas.", "text_en": "Mesotherapy relieves pain in 75% of cases."})),
		"C": testenv.ID(e.claim(map[string]any{"therapy": "infusion-therapy", "language": "it", "claim_type": "comparative",
			"text": "L'infusione agisce più rapidamente dei farmaci orali.", "text_en": "Infusion acts faster than oral_medication."})),
		"D": testenv.ID(e.claim(map[string]any{"therapy": "Infusionstherapie", "language": "en", "claim_type": "safety",
			"text": "There is no risk of drug interaction."})),
		"E": testenv.ID(e.claim(map[string]any{"therapy": "Mesotherapie", "language": "de", "claim_type": "efficacy",
			"text": "Mesotherapie wirkt in 75 Prozent der Fälle."})),
	}
	rct := testenv.ID(e.source(map[string]any{"kind": "rct", "title": "RCT"}))
	rct2 := testenv.ID(e.source(map[string]any{"kind": "rct", "title": "RCT 2"}))
	cohort := testenv.ID(e.source(map[string]any{"kind": "cohort", "title": "Cohort"}))
	e.link(ids["B"], rct, "evidence", "supports")
	e.link(ids["C"], rct2, "evidence", "supports")
	e.link(ids["C"], cohort, "evidence", "refutes")
	e.link(ids["D"], cohort, "evidence", "refutes")
	return ids
}

func TestCatalogClaimFilters(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		ids := catalogFilterFixture(e)
		// Certainty comes only from a final grade (the grading workflow);
		// the filter reads the stored column, so set it directly.
		if err := st.DB().Table("claims").Where("id = ?", ids["A"]).Update("certainty", "low").Error; err != nil {
			t.Fatal(err)
		}
		q := url.QueryEscape
		tests := []struct {
			query string
			want  string // letters of the claims, in id order
		}{
			{"", "ABCDE"},
			{"therapy=mesotherapy", "ABE"},
			{"therapy=Mesotherapie", "ABE"},
			{"therapy=" + q("MÉSOTHÉRAPIE"), "ABE"},
			{"therapy=infusionstherapie", "CD"},
			{"therapy=homeopathy", ""},
			{"flag=ungraded", "ABCDE"},
			{"flag=unsupported", "ADE"},
			{"flag=contradicted", "CD"},
			{"flag=contradicted&flag=unsupported", "D"},
			{"flag=ungraded&flag=contradicted&flag=unsupported", "D"},
			{"flag=contradicted&flag=contradicted", "CD"},
			{"flag=stale_grade", ""},
			{"verdict=unsupported", "ADE"},
			{"verdict=ungraded", "BC"},
			{"verdict=supported", ""},
			{"certainty=low", "A"},
			{"certainty=high", ""},
			{"language=de", "AE"},
			{"language=fr", "B"},
			{"language=es", ""},
			{"claim_type=safety", "AD"},
			{"claim_type=efficacy", "BE"},
			{"claim_type=comparative", "C"},
			{"q=SCHMERZFREI", "A"},
			{"q=schmerzfrei", "A"},
			{"q=PAINLESS", "A"},
			{"q=" + q("MÉSO"), "BE"}, // accent-insensitive: finds "Meso…" too
			{"q=" + q("méso"), "BE"},
			{"q=MESO", "BE"},
			{"q=" + q("75%"), "B"},
			{"q=" + q("%"), "B"},
			{"q=" + q("_"), "C"},
			{"q=" + q("oral_medication"), "C"},
			{"q=" + q("oral medication"), ""},
			{"q=" + q("75 prozent"), "E"},
			{"q=75", "BE"},
			{"q=" + q(`\`), ""},
			{"q=" + q("'"), "C"},
			{"q=DRUG", "D"},
			{"q=" + q("FÄLLE"), "E"},
			{"therapy=Mesotherapie&claim_type=efficacy&q=75", "BE"},
			{"language=de&q=75", "E"},
			{"therapy=infusion-therapy&flag=contradicted&verdict=ungraded", "C"},
			{"therapy=mesotherapy&flag=contradicted", ""},
		}
		for _, tt := range tests {
			t.Run(tt.query, func(t *testing.T) {
				res := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?" + tt.query})
				if res.Status != 200 {
					t.Fatalf("GET /api/v1/claims?%s = %d %s", tt.query, res.Status, res.Body)
				}
				var want []int64
				for _, l := range tt.want {
					want = append(want, ids[string(l)])
				}
				got := testenv.ListIDs(t, res.Want(t, 200))
				if diff := cmp.Diff(want, got, catalogEmptyEqual); diff != "" {
					t.Errorf("GET /api/v1/claims?%s ids (-want +got):\n%s", tt.query, diff)
				}
			})
		}
		t.Run("LIKE escapes are literal", func(t *testing.T) {
			f := testenv.ID(e.claim(map[string]any{"text": `Pfad C:\Meso\100%_sicher`, "claim_type": "other"}))
			for _, tt := range []struct {
				q    string
				want []int64
			}{
				{`\`, []int64{f}},
				{`:\m`, []int64{f}},
				{`%_`, []int64{f}},
				{`\100%`, []int64{f}},
				{`\%`, nil},
				{`100_`, nil},
			} {
				got := testenv.ListIDs(t, e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?q=" + q(tt.q)}).Want(t, 200))
				if diff := cmp.Diff(tt.want, got, catalogEmptyEqual); diff != "" {
					t.Errorf("GET /api/v1/claims?q=%s (-want +got):\n%s", tt.q, diff)
				}
			}
		})
	})
}

// catalogEmptyEqual treats nil and empty slices alike.
var catalogEmptyEqual = cmp.FilterValues(func(a, b []int64) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())

func TestCatalogSources(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()

		t.Run("DOI and PMID validation", func(t *testing.T) {
			tests := []struct {
				doi, pmid string
				wantDOI   string // "" wants 422
				wantPMID  string
			}{
				{doi: "https://doi.org/10.1155/ABC", wantDOI: "10.1155/abc"},
				{doi: "http://dx.doi.org/10.1001/JAMA.2011.1", wantDOI: "10.1001/jama.2011.1"},
				{doi: "doi:10.1093/Brain/AWQ123", wantDOI: "10.1093/brain/awq123"},
				{doi: "  10.1016/J.PAIN.2010.01.001  ", wantDOI: "10.1016/j.pain.2010.01.001"},
				{pmid: "20953425", wantPMID: "20953425"},
				{doi: "10.1/abc"},
				{doi: "abc"},
				{doi: "https://example.org/10.1155/abc"},
				{doi: "10.1155/with space"},
				{pmid: "12a"},
				{pmid: "0123"},
				{pmid: "PMC1234"},
				{pmid: "1234567890"},
			}
			for i, tt := range tests {
				body := map[string]any{"kind": "rct", "title": fmt.Sprintf("Trial %d", i)}
				if tt.doi != "" {
					body["doi"] = tt.doi
				}
				if tt.pmid != "" {
					body["pmid"] = tt.pmid
				}
				before := testenv.Count(e.t, e.st, "sources", "")
				res := e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: body})
				if tt.wantDOI == "" && tt.wantPMID == "" {
					p := catalogCheckProblem(t, res, http.StatusUnprocessableEntity)
					field := map[bool]string{true: "doi", false: "pmid"}[tt.doi != ""]
					if diff := cmp.Diff([]string{field}, testenv.ProblemFields(p)); diff != "" {
						t.Errorf("POST source %v: error fields (-want +got):\n%s", body, diff)
					}
					if got := testenv.Count(e.t, e.st, "sources", ""); got != before {
						t.Errorf("POST source %v was refused but sources went from %d to %d", body, before, got)
					}
					continue
				}
				if res.Status != http.StatusCreated {
					t.Fatalf("POST source %v = %d %s", body, res.Status, res.Body)
				}
				m := res.JSON(t)
				var row struct {
					DOI  *string `gorm:"column:doi"`
					PMID *string `gorm:"column:pmid"`
				}
				st.DB().Table("sources").Select("doi, pmid").Where("id = ?", testenv.ID(m)).Scan(&row)
				if tt.wantDOI != "" && (m["doi"] != tt.wantDOI || row.DOI == nil || *row.DOI != tt.wantDOI) {
					t.Errorf("POST source doi %q: response doi %v, stored %v; want %s", tt.doi, m["doi"], row.DOI, tt.wantDOI)
				}
				if tt.wantPMID != "" && (m["pmid"] != tt.wantPMID || row.PMID == nil || *row.PMID != tt.wantPMID) {
					t.Errorf("POST source pmid %q: response pmid %v, stored %v; want %s", tt.pmid, m["pmid"], row.PMID, tt.wantPMID)
				}
			}
		})

		t.Run("filters", func(t *testing.T) {
			if err := st.DB().Exec("DELETE FROM audit_events").Error; err != nil {
				t.Fatal(err)
			}
			if err := st.DB().Exec("DELETE FROM sources").Error; err != nil {
				t.Fatal(err)
			}
			ids := map[string]int64{
				"rct": testenv.ID(e.source(map[string]any{"kind": "rct", "title": "Mesotherapy versus Systemic Therapy", "authors": "Costantino C",
					"doi": "https://doi.org/10.1155/2011/317183", "pmid": "20953425", "container": "Evidence-Based Complementary and Alternative Medicine"})),
				"cohort":    testenv.ID(e.source(map[string]any{"kind": "cohort", "title": "Infusions in a cohort of Übergewichtige", "authors": "Müller A"})),
				"retracted": testenv.ID(e.source(map[string]any{"kind": "rct", "title": "A retracted trial", "retracted": true, "retraction_note": "Data fabricated."})),
				"article":   testenv.ID(e.source(map[string]any{"kind": "web_article", "title": "Mesotherapie bei Rückenschmerzen", "url": "https://example.org/meso"})),
			}
			tests := []struct {
				query string
				want  []string
			}{
				{"kind=rct", []string{"rct", "retracted"}},
				{"kind=web_article", []string{"article"}},
				{"kind=meta_analysis", nil},
				{"q=MESOTHERAPY", []string{"rct"}},
				{"q=meso", []string{"rct", "article"}},
				{"q=costantino", []string{"rct"}},
				{"q=" + url.QueryEscape("MÜLLER"), []string{"cohort"}},
				{"q=" + url.QueryEscape("übergewichtige"), []string{"cohort"}},
				{"q=alternative", []string{"rct"}},
				{"q=" + url.QueryEscape("%"), nil},
				{"doi=10.1155/2011/317183", []string{"rct"}},
				{"doi=" + url.QueryEscape("HTTPS://DOI.ORG/10.1155/2011/317183"), []string{"rct"}},
				{"doi=" + url.QueryEscape("doi:10.1155/2011/317183"), []string{"rct"}},
				{"doi=10.1155/2011/999", nil},
				{"pmid=20953425", []string{"rct"}},
				{"pmid=1", nil},
				{"retracted=true", []string{"retracted"}},
				{"retracted=false", []string{"rct", "cohort", "article"}},
				{"retracted=false&kind=rct", []string{"rct"}},
				{"kind=rct&q=trial", []string{"retracted"}},
			}
			for _, tt := range tests {
				res := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/sources?" + tt.query})
				if res.Status != 200 {
					t.Fatalf("GET /api/v1/sources?%s = %d %s", tt.query, res.Status, res.Body)
				}
				var want []int64
				for _, k := range tt.want {
					want = append(want, ids[k])
				}
				if diff := cmp.Diff(want, testenv.ListIDs(t, res.Want(t, 200)), catalogEmptyEqual); diff != "" {
					t.Errorf("GET /api/v1/sources?%s (-want +got):\n%s", tt.query, diff)
				}
			}
		})

		t.Run("detail embeds the linked claims", func(t *testing.T) {
			src := testenv.ID(e.source(map[string]any{"kind": "systematic_review", "included_design": "randomised", "title": "Review of mesotherapy"}))
			web := testenv.ID(e.source(map[string]any{"kind": "news", "title": "News"}))
			c1 := testenv.ID(e.claim(map[string]any{"text": "Hilft bei Rückenschmerzen.", "claim_type": "efficacy"}))
			c2 := testenv.ID(e.claim(map[string]any{"text": "Ist sicher.", "claim_type": "safety"}))
			c3 := testenv.ID(e.claim(map[string]any{"text": "Wird archiviert.", "claim_type": "other"}))
			l1 := testenv.ID(e.link(c1, src, "evidence", "supports"))
			l2 := testenv.ID(e.link(c2, src, "evidence", "refutes"))
			e.link(c3, src, "evidence", "neutral")
			e.link(c1, web, "appearance", "")
			if res := e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d", c3), Role: "editor"}); res.Status != http.StatusNoContent {
				t.Fatalf("archive = %d %s", res.Status, res.Body)
			}
			res := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/sources/%d", src)})
			if res.Status != 200 {
				t.Fatalf("GET source = %d %s", res.Status, res.Body)
			}
			type embedded struct {
				LinkID int64   `json:"link_id"`
				Role   string  `json:"role"`
				Stance *string `json:"stance"`
				Claim  struct {
					ID      int64  `json:"id"`
					Therapy string `json:"therapy"`
					Verdict string `json:"verdict"`
				} `json:"claim"`
			}
			var body struct {
				Kind   string     `json:"kind"`
				Claims []embedded `json:"claims"`
			}
			res.Decode(t, &body)
			var got []string
			for _, c := range body.Claims {
				stance := "-"
				if c.Stance != nil {
					stance = *c.Stance
				}
				got = append(got, fmt.Sprintf("link %d %s %s claim %d %s %s", c.LinkID, c.Role, stance, c.Claim.ID, c.Claim.Therapy, c.Claim.Verdict))
			}
			want := []string{
				fmt.Sprintf("link %d evidence supports claim %d mesotherapy ungraded", l1, c1),
				fmt.Sprintf("link %d evidence refutes claim %d mesotherapy unsupported", l2, c2),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("GET source claims (-want +got):\n%s", diff)
			}
			if body.Kind != "systematic_review" {
				t.Errorf("kind = %q", body.Kind)
			}
		})
	})
}

func TestCatalogLinkRules(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		claim := testenv.ID(e.claim(nil))
		kinds := map[string]int64{}
		for _, k := range []string{"web_article", "news", "other", "rct", "guideline", "expert_opinion"} {
			kinds[k] = testenv.ID(e.source(map[string]any{"kind": k, "title": "A " + k}))
		}
		path := fmt.Sprintf("/api/v1/claims/%d/links", claim)
		tests := []struct {
			name   string
			body   map[string]any
			fields []string // nil: 201
		}{
			{"web_article as evidence", map[string]any{"source_id": kinds["web_article"], "role": "evidence", "stance": "supports"}, []string{"role"}},
			{"news as evidence", map[string]any{"source_id": kinds["news"], "role": "evidence", "stance": "refutes"}, []string{"role"}},
			{"other as evidence", map[string]any{"source_id": kinds["other"], "role": "evidence", "stance": "neutral"}, []string{"role"}},
			{"appearance with a stance", map[string]any{"source_id": kinds["web_article"], "role": "appearance", "stance": "supports"}, []string{"stance"}},
			{"appearance with a reported certainty", map[string]any{"source_id": kinds["news"], "role": "appearance", "reported_certainty": "high"}, []string{"reported_certainty"}},
			{"evidence without a stance", map[string]any{"source_id": kinds["rct"], "role": "evidence"}, []string{"stance"}},
			{"evidence with a blank stance", map[string]any{"source_id": kinds["rct"], "role": "evidence", "stance": " "}, []string{"stance"}},
			{"evidence with an unknown stance", map[string]any{"source_id": kinds["rct"], "role": "evidence", "stance": "agrees"}, []string{"stance"}},
			{"evidence with a bad reported certainty", map[string]any{"source_id": kinds["guideline"], "role": "evidence", "stance": "supports", "reported_certainty": "very-low"}, []string{"reported_certainty"}},
			{"news as evidence without a stance", map[string]any{"source_id": kinds["news"], "role": "evidence"}, []string{"stance", "role"}},
			{"missing source", map[string]any{"source_id": 999999, "role": "appearance"}, []string{"source_id"}},
			{"web_article as appearance", map[string]any{"source_id": kinds["web_article"], "role": "appearance", "excerpt": "nahezu schmerzfrei"}, nil},
			{"news as appearance", map[string]any{"source_id": kinds["news"], "role": "appearance"}, nil},
			{"other as appearance", map[string]any{"source_id": kinds["other"], "role": "appearance"}, nil},
			{"rct as appearance", map[string]any{"source_id": kinds["rct"], "role": "appearance"}, nil},
			{"rct as evidence too", map[string]any{"source_id": kinds["rct"], "role": "evidence", "stance": "mixed"}, nil},
			{"guideline with reported certainty", map[string]any{"source_id": kinds["guideline"], "role": "evidence", "stance": "supports", "reported_certainty": "low"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := testenv.Count(e.t, e.st, "links", "claim_id = ?", claim)
				res := e.s.Do(testenv.Request{Method: "POST", Path: path, Role: "editor", Body: tt.body})
				if tt.fields == nil {
					if res.Status != http.StatusCreated {
						t.Fatalf("POST link %v = %d %s, want 201", tt.body, res.Status, res.Body)
					}
					if got := testenv.Count(e.t, e.st, "links", "claim_id = ?", claim); got != before+1 {
						t.Errorf("links = %d, want %d", got, before+1)
					}
					return
				}
				p := catalogCheckProblem(t, res, http.StatusUnprocessableEntity)
				if diff := cmp.Diff(catalogSorted(tt.fields), catalogSorted(testenv.ProblemFields(p))); diff != "" {
					t.Errorf("POST link %v error fields (-want +got):\n%s", tt.body, diff)
				}
				if got := testenv.Count(e.t, e.st, "links", "claim_id = ?", claim); got != before {
					t.Errorf("refused link was stored: links %d -> %d", before, got)
				}
			})
		}
		t.Run("PATCH cannot clear an evidence stance", func(t *testing.T) {
			var l struct{ ID, Version int64 }
			st.DB().Table("links").Select("id, version").Where("claim_id = ? AND role = ? AND source_id = ?", claim, "evidence", kinds["rct"]).Scan(&l)
			res := e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("%s/%d", path, l.ID), Role: "editor", Body: map[string]any{"stance": ""}, Headers: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, l.Version)}})
			p := catalogCheckProblem(t, res, http.StatusUnprocessableEntity)
			if diff := cmp.Diff([]string{"stance"}, testenv.ProblemFields(p)); diff != "" {
				t.Errorf("error fields (-want +got):\n%s", diff)
			}
			if n := testenv.Count(e.t, e.st, "links", "id = ? AND stance = ?", l.ID, "mixed"); n != 1 {
				t.Errorf("stance in the DB changed after a refused PATCH")
			}
		})
		t.Run("an evidence source cannot become news", func(t *testing.T) {
			var v int64
			st.DB().Table("sources").Select("version").Where("id = ?", kinds["rct"]).Scan(&v)
			res := e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/sources/%d", kinds["rct"]), Role: "editor", Body: map[string]any{"kind": "news"}, Headers: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, v)}})
			p := catalogCheckProblem(t, res, http.StatusUnprocessableEntity)
			if diff := cmp.Diff([]string{"kind"}, testenv.ProblemFields(p)); diff != "" {
				t.Errorf("error fields (-want +got):\n%s", diff)
			}
			if n := testenv.Count(e.t, e.st, "sources", "id = ? AND kind = ?", kinds["rct"], "rct"); n != 1 {
				t.Errorf("kind changed after a refused PATCH")
			}
		})
	})
}

// catalogDerived is a claim's derived state.
type catalogDerived struct {
	Verdict                 string
	Support, Refute, Appear int
	Flags                   []string
}

func TestCatalogDerivedFields(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		claim := testenv.ID(e.claim(nil))
		web := testenv.ID(e.source(map[string]any{"kind": "web_article", "title": "Blog"}))
		rct := testenv.ID(e.source(map[string]any{"kind": "rct", "title": "RCT"}))
		cohort := testenv.ID(e.source(map[string]any{"kind": "cohort", "title": "Cohort"}))
		linkOf := func(source int64, role string) (id, version int64) {
			var l struct{ ID, Version int64 }
			st.DB().Table("links").Select("id, version").Where("claim_id = ? AND source_id = ? AND role = ?", claim, source, role).Scan(&l)
			return l.ID, l.Version
		}
		linkPath := func(id int64) string { return fmt.Sprintf("/api/v1/claims/%d/links/%d", claim, id) }
		patch := func(source int64, body map[string]any) (string, map[string]any, map[string]string) {
			id, v := linkOf(source, "evidence")
			return linkPath(id), body, map[string]string{"If-Match": fmt.Sprintf(`"%d"`, v)}
		}
		sourceVersion := func(id int64) string {
			var v int64
			st.DB().Table("sources").Select("version").Where("id = ?", id).Scan(&v)
			return fmt.Sprintf(`"%d"`, v)
		}

		steps := []struct {
			name   string
			act    func() *testenv.Response
			status int
			want   catalogDerived
		}{
			{"new claim", nil, 0, catalogDerived{"unsupported", 0, 0, 0, []string{"ungraded", "unsupported"}}},
			{"appearance added", func() *testenv.Response {
				return e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/links", claim), Role: "editor", Body: map[string]any{"source_id": web, "role": "appearance"}})
			}, 201, catalogDerived{"unsupported", 0, 0, 1, []string{"ungraded", "unsupported"}}},
			{"supporting evidence added", func() *testenv.Response {
				return e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/links", claim), Role: "editor", Body: map[string]any{"source_id": rct, "role": "evidence", "stance": "supports"}})
			}, 201, catalogDerived{"ungraded", 1, 0, 1, []string{"ungraded"}}},
			{"refuting evidence added", func() *testenv.Response {
				return e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/links", claim), Role: "editor", Body: map[string]any{"source_id": cohort, "role": "evidence", "stance": "refutes"}})
			}, 201, catalogDerived{"ungraded", 1, 1, 1, []string{"contradicted", "ungraded"}}},
			{"support becomes neutral", func() *testenv.Response {
				p, b, h := patch(rct, map[string]any{"stance": "neutral"})
				return e.s.Do(testenv.Request{Method: "PATCH", Path: p, Role: "editor", Body: b, Headers: h})
			}, 200, catalogDerived{"unsupported", 0, 1, 1, []string{"contradicted", "ungraded", "unsupported"}}},
			{"refutation removed", func() *testenv.Response {
				id, _ := linkOf(cohort, "evidence")
				return e.s.Do(testenv.Request{Method: "DELETE", Path: linkPath(id), Role: "editor"})
			}, 204, catalogDerived{"unsupported", 0, 0, 1, []string{"ungraded", "unsupported"}}},
			{"neutral becomes support", func() *testenv.Response {
				p, b, h := patch(rct, map[string]any{"stance": "supports"})
				return e.s.Do(testenv.Request{Method: "PATCH", Path: p, Role: "editor", Body: b, Headers: h})
			}, 200, catalogDerived{"ungraded", 1, 0, 1, []string{"ungraded"}}},
			{"excerpt change derives nothing new", func() *testenv.Response {
				p, b, h := patch(rct, map[string]any{"excerpt": "Pain fell in both arms."})
				return e.s.Do(testenv.Request{Method: "PATCH", Path: p, Role: "editor", Body: b, Headers: h})
			}, 200, catalogDerived{"ungraded", 1, 0, 1, []string{"ungraded"}}},
			{"supporting source retracted", func() *testenv.Response {
				return e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/sources/%d", rct), Role: "editor", Body: map[string]any{"retracted": true, "retraction_note": "Fabricated."}, Headers: map[string]string{"If-Match": sourceVersion(rct)}})
			}, 200, catalogDerived{"unsupported", 1, 0, 1, []string{"retracted_evidence", "ungraded", "unsupported"}}},
			{"source un-retracted", func() *testenv.Response {
				return e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/sources/%d", rct), Role: "editor", Body: map[string]any{"retracted": false}, Headers: map[string]string{"If-Match": sourceVersion(rct)}})
			}, 200, catalogDerived{"ungraded", 1, 0, 1, []string{"ungraded"}}},
			{"appearance removed", func() *testenv.Response {
				id, _ := linkOf(web, "appearance")
				return e.s.Do(testenv.Request{Method: "DELETE", Path: linkPath(id), Role: "editor"})
			}, 204, catalogDerived{"ungraded", 1, 0, 0, []string{"ungraded"}}},
		}
		var lastVersion float64
		for _, step := range steps {
			t.Run(step.name, func(t *testing.T) {
				if step.act != nil {
					if res := step.act(); res.Status != step.status {
						t.Fatalf("%s = %d %s, want %d", step.name, res.Status, res.Body, step.status)
					}
				}
				res := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", claim)})
				m := res.JSON(t)
				got := catalogDerived{Verdict: fmt.Sprint(m["verdict"]), Support: int(m["support_count"].(float64)),
					Refute: int(m["refute_count"].(float64)), Appear: int(m["appearance_count"].(float64))}
				for _, f := range m["flags"].([]any) {
					got.Flags = append(got.Flags, f.(string))
				}
				if diff := cmp.Diff(step.want, got); diff != "" {
					t.Errorf("GET claim after %s (-want +got):\n%s", step.name, diff)
				}
				// The stored row and flag table agree with the response.
				var row struct {
					Verdict                                    string
					SupportCount, RefuteCount, AppearanceCount int
				}
				st.DB().Table("claims").Select("verdict, support_count, refute_count, appearance_count").Where("id = ?", claim).Scan(&row)
				stored := catalogDerived{Verdict: row.Verdict, Support: row.SupportCount, Refute: row.RefuteCount, Appear: row.AppearanceCount}
				st.DB().Table("claim_flags").Where("claim_id = ?", claim).Order("flag").Pluck("flag", &stored.Flags)
				if diff := cmp.Diff(step.want, stored); diff != "" {
					t.Errorf("database after %s (-want +got):\n%s", step.name, diff)
				}
				if v := m["version"].(float64); v < lastVersion {
					t.Errorf("version went back from %v to %v", lastVersion, v)
				}
				lastVersion = m["version"].(float64)
			})
		}
		// Every derived change was recorded.
		if n := testenv.Count(e.t, e.st, "audit_events", "claim_id = ? AND action = ?", claim, "claim.flagged"); n < 6 {
			t.Errorf("claim.flagged audit events = %d, want one per flag change (>= 6)", n)
		}
	})
}

func TestCatalogArchive(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		keep := testenv.ID(e.claim(map[string]any{"text": "Bleibt."}))
		gone := testenv.ID(e.claim(map[string]any{"text": "Wird archiviert."}))
		src := testenv.ID(e.source(nil))
		link := testenv.ID(e.link(gone, src, "evidence", "supports"))
		auditBefore := testenv.Count(e.t, e.st, "audit_events", "claim_id = ?", gone)
		claimPath := fmt.Sprintf("/api/v1/claims/%d", gone)

		res := e.s.Do(testenv.Request{Method: "DELETE", Path: claimPath, Role: "editor"})
		if res.Status != http.StatusNoContent || len(res.Body) != 0 {
			t.Fatalf("DELETE claim = %d %q, want 204 with no body", res.Status, res.Body)
		}
		tests := []struct {
			name, method, path string
			role               string
			body               any
			headers            map[string]string
		}{
			{"GET", "GET", claimPath, "", nil, nil},
			{"GET links", "GET", claimPath + "/links", "", nil, nil},
			{"PATCH", "PATCH", claimPath, "editor", map[string]any{"text": "x y z"}, map[string]string{"If-Match": `"99"`}},
			{"DELETE again", "DELETE", claimPath, "editor", nil, nil},
			{"POST link", "POST", claimPath + "/links", "editor", map[string]any{"source_id": src, "role": "appearance"}, nil},
			{"DELETE link", "DELETE", fmt.Sprintf("%s/links/%d", claimPath, link), "editor", nil, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				catalogCheckProblem(t, e.s.Do(testenv.Request{Method: tt.method, Path: tt.path, Role: tt.role, Body: tt.body, Headers: tt.headers}), http.StatusGone)
			})
		}
		for _, q := range []string{"", "?flag=ungraded", "?therapy=mesotherapy", "?q=archiviert", "?verdict=ungraded"} {
			if ids := testenv.ListIDs(t, e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims" + q}).Want(t, 200)); slices.Contains(ids, gone) {
				t.Errorf("GET /api/v1/claims%s = %v lists the archived claim %d", q, ids, gone)
			}
		}
		if ids := testenv.ListIDs(t, e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims"}).Want(t, 200)); !slices.Equal(ids, []int64{keep}) {
			t.Errorf("GET /api/v1/claims = %v, want [%d]", ids, keep)
		}
		if claims := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/sources/%d", src)}).JSON(t)["claims"].([]any); len(claims) != 0 {
			t.Errorf("source still embeds the archived claim: %v", claims)
		}
		// History is kept: the row, its links and every audit event remain.
		if n := testenv.Count(e.t, e.st, "claims", "id = ? AND archived_at IS NOT NULL", gone); n != 1 {
			t.Errorf("archived claim rows = %d, want 1 with archived_at set", n)
		}
		if n := testenv.Count(e.t, e.st, "links", "claim_id = ?", gone); n != 1 {
			t.Errorf("links of the archived claim = %d, want 1", n)
		}
		if n := testenv.Count(e.t, e.st, "audit_events", "claim_id = ?", gone); n != auditBefore+1 {
			t.Errorf("audit events of the archived claim = %d, want %d (all earlier ones + claim.archived)", n, auditBefore+1)
		}
		if n := testenv.Count(e.t, e.st, "audit_events", "claim_id = ? AND action = ?", gone, "claim.archived"); n != 1 {
			t.Errorf("claim.archived events = %d, want 1", n)
		}
	})
}

func TestCatalogPatchClaim(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		e.therapy("infusion-therapy", "Infusion therapy", "Infusionstherapie")
		c := e.claim(map[string]any{"text_en": "The treatment is almost painless.", "condition": "low back pain", "outcome": "procedural pain"})
		path := fmt.Sprintf("/api/v1/claims/%d", testenv.ID(c))
		etag := fmt.Sprintf(`"%v"`, c["version"])

		type row struct {
			TherapyID         int64
			Text              string
			TextEn, Condition *string
			Outcome           *string
			SearchText        string
		}
		read := func() row {
			var r row
			st.DB().Table("claims").Select("therapy_id, text, text_en, condition, outcome, search_text").Where("id = ?", testenv.ID(c)).Scan(&r)
			return r
		}
		str := func(s string) *string { return &s }
		var infusionID int64
		st.DB().Table("therapies").Select("id").Where("slug = ?", "infusion-therapy").Scan(&infusionID)
		mesoID := read().TherapyID

		tests := []struct {
			name  string
			patch map[string]any
			want  row
			json  map[string]any // response fields
		}{
			{"clear text_en", map[string]any{"text_en": ""},
				row{mesoID, "Die Behandlung ist nahezu schmerzfrei.", nil, str("low back pain"), str("procedural pain"), "die behandlung ist nahezu schmerzfrei."},
				map[string]any{"text_en": nil, "condition": "low back pain"}},
			{"clear condition with blanks", map[string]any{"condition": "   "},
				row{mesoID, "Die Behandlung ist nahezu schmerzfrei.", nil, nil, str("procedural pain"), "die behandlung ist nahezu schmerzfrei."},
				map[string]any{"condition": nil, "outcome": "procedural pain"}},
			{"set text_en and text", map[string]any{"text": "  Fast schmerzfrei.  ", "text_en": "Almost PAINLESS."},
				row{mesoID, "Fast schmerzfrei.", str("Almost PAINLESS."), nil, str("procedural pain"), "fast schmerzfrei.\nalmost painless."},
				map[string]any{"text": "Fast schmerzfrei.", "text_en": "Almost PAINLESS."}},
			{"therapy by alias", map[string]any{"therapy": "INFUSIONSTHERAPIE"},
				row{infusionID, "Fast schmerzfrei.", str("Almost PAINLESS."), nil, str("procedural pain"), "fast schmerzfrei.\nalmost painless."},
				map[string]any{"therapy": "infusion-therapy"}},
			{"empty patch changes nothing but the version", map[string]any{},
				row{infusionID, "Fast schmerzfrei.", str("Almost PAINLESS."), nil, str("procedural pain"), "fast schmerzfrei.\nalmost painless."},
				map[string]any{"outcome": "procedural pain"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := e.s.Do(testenv.Request{Method: "PATCH", Path: path, Role: "editor", Body: tt.patch, Headers: map[string]string{"If-Match": etag}})
				if res.Status != 200 {
					t.Fatalf("PATCH %v = %d %s", tt.patch, res.Status, res.Body)
				}
				etag = res.Header.Get("ETag")
				m := res.JSON(t)
				for k, v := range tt.json {
					if m[k] != v {
						t.Errorf("PATCH %v: response %s = %v, want %v", tt.patch, k, m[k], v)
					}
				}
				if diff := cmp.Diff(tt.want, read()); diff != "" {
					t.Errorf("PATCH %v: stored claim (-want +got):\n%s", tt.patch, diff)
				}
			})
		}
		t.Run("search follows the cleared text", func(t *testing.T) {
			for q, want := range map[string]int{"painless": 1, "almost": 1, "treatment": 0, "nahezu": 0, "fast": 1} {
				if got := len(testenv.ListIDs(t, e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?q=" + q}).Want(t, 200))); got != want {
					t.Errorf("GET /api/v1/claims?q=%s found %d claims, want %d", q, got, want)
				}
			}
		})
		if n := testenv.Count(e.t, e.st, "audit_events", "claim_id = ? AND action = ?", testenv.ID(c), "claim.updated"); n != int64(len(tests)) {
			t.Errorf("claim.updated audit events = %d, want %d", n, len(tests))
		}
	})
}

// TestSourceYearClearable: PATCH tells a year left out (kept) from an
// explicit null (cleared) and a value (set).
func TestSourceYearClearable(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		src := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor",
			Body: map[string]any{"kind": "rct", "title": "A trial", "year": 2011}}).Want(t, 201)
		path := fmt.Sprintf("/api/v1/sources/%d", testenv.ID(src))
		patch := func(body map[string]any, version int) map[string]any {
			t.Helper()
			return s.Do(testenv.Request{Method: "PATCH", Path: path, Role: "editor", Body: body,
				Headers: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, version)}}).Want(t, 200)
		}
		if got := patch(map[string]any{"title": "A trial, renamed"}, 1)["year"]; got != float64(2011) {
			t.Errorf("year after a PATCH without it = %v, want 2011 (kept)", got)
		}
		if got := patch(map[string]any{"year": nil}, 2); got["year"] != nil {
			t.Errorf("year after PATCH {year: null} = %v, want null (cleared)", got["year"])
		}
		if got := patch(map[string]any{"year": 2012}, 3)["year"]; got != float64(2012) {
			t.Errorf("year after PATCH {year: 2012} = %v, want 2012", got)
		}
		var year *int
		if err := st.DB().Raw("SELECT year FROM sources WHERE id = ?", testenv.ID(src)).Scan(&year).Error; err != nil || year == nil || *year != 2012 {
			t.Errorf("stored year = %v, %v; want 2012", year, err)
		}
	})
}
