package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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

// catalogFilterFixture makes five claims over two therapies, rated by the
// rules from graded findings (or from none), and returns their ids by
// letter:
//   - A "almost painless": a frequency of at most 1%, on a graded finding
//     of 20 in 100: overstated (high certainty);
//   - B "relieves pain": an effect whose finding reaches the threshold at
//     high certainty: accurate;
//   - C "faster than oral medication": an effect against an active
//     comparator whose finding is below the threshold with a CI spanning no
//     effect, high certainty: false (contradicted);
//   - D "no risk of drug interaction": a literal absence, nothing linked;
//   - E "in 75 percent of cases": a frequency, nothing linked.
func catalogFilterFixture(e *catalogEnv) map[string]int64 {
	e.t.Helper()
	e.mesotherapy()
	e.therapy("infusion-therapy", "Infusion therapy", "Infusionstherapie")
	ids := map[string]int64{
		"A": testenv.ID(e.claim(map[string]any{"therapy": "mesotherapy", "language": "de", "claim_type": "safety",
			"text": "Die Behandlung ist nahezu schmerzfrei.", "text_en": "The treatment is almost painless.", "assertion": "frequency",
			"claimed_value": 0.01, "claimed_bound": "at_most"})),
		"B": testenv.ID(e.claim(map[string]any{"therapy": "Mésothérapie", "language": "fr", "claim_type": "efficacy",
			"text": "La mésothérapie soulage la douleur dans 75% des cas.", "text_en": "Mesotherapy relieves pain in 75% of cases.", "assertion": "effect"})),
		"C": testenv.ID(e.claim(map[string]any{"therapy": "infusion-therapy", "language": "it", "claim_type": "comparative",
			"text": "L'infusione agisce più rapidamente dei farmaci orali.", "text_en": "Infusion acts faster than oral_medication.", "assertion": "effect"})),
		"D": testenv.ID(e.claim(map[string]any{"therapy": "Infusionstherapie", "language": "en", "claim_type": "safety",
			"text": "There is no risk of drug interaction.", "assertion": "absence"})),
		"E": testenv.ID(e.claim(map[string]any{"therapy": "Mesotherapie", "language": "de", "claim_type": "efficacy",
			"text": "Mesotherapie wirkt in 75 Prozent der Fälle.", "assertion": "frequency", "claimed_value": 0.75, "claimed_bound": "point"})),
	}
	e.linkFinding(ids["A"], e.gradedFinding(map[string]any{"outcome": "pain during the injections", "outcome_kind": "harm", "direction": "lower_is_better",
		"comparator": nil, "comparator_kind": "none"}, map[string]any{"measure": "proportion", "estimate": 0.2, "events": 20, "participants": 100}), "supports")
	e.linkFinding(ids["B"], e.gradedFinding(nil, map[string]any{"measure": "mean_difference", "estimate": 2.0, "ci_low": 1.2, "ci_high": 2.8, "threshold": 1.0}), "supports")
	e.linkFinding(ids["C"], e.gradedFinding(map[string]any{"therapy": "infusion-therapy", "comparator": "oral analgesics", "comparator_kind": "active",
		"outcome": "time to pain relief"}, map[string]any{"measure": "mean_difference", "estimate": 0.1, "ci_low": -0.5, "ci_high": 0.7, "threshold": 1.0}), "refutes")
	return ids
}

func TestCatalogClaimFilters(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		ids := catalogFilterFixture(e)
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
			{"flag=ungraded", "DE"},
			{"flag=unsupported", "ACDE"},
			{"flag=contradicted", "C"},
			{"flag=inaccurate_wording", "AC"},
			{"flag=absolute_wording", "D"},
			{"flag=absolute_wording&flag=unsupported", "D"},
			{"flag=ungraded&flag=absolute_wording&flag=unsupported", "D"},
			{"flag=contradicted&flag=contradicted", "C"},
			{"flag=stale_grade", ""},
			{"rating=accurate", "B"},
			{"rating=false", "C"},
			{"rating=unproven", ""},
			{"rating=not_rated", "DE"},
			{"rating=overstated", "A"},
			{"assertion=absence", "D"},
			{"assertion=frequency", "AE"},
			{"assertion=frequency&rating=not_rated", "E"},
			{"certainty=high", "ABC"},
			{"certainty=low", ""},
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
			{"therapy=infusion-therapy&flag=contradicted&rating=false", "C"},
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

		t.Run("detail embeds the claims that appear in it", func(t *testing.T) {
			web := testenv.ID(e.source(map[string]any{"kind": "news", "title": "News about mesotherapy"}))
			c1 := testenv.ID(e.claim(map[string]any{"text": "Hilft bei Rückenschmerzen.", "claim_type": "efficacy"}))
			c2 := testenv.ID(e.claim(map[string]any{"text": "Ist sicher.", "claim_type": "safety"}))
			c3 := testenv.ID(e.claim(map[string]any{"text": "Wird archiviert.", "claim_type": "other"}))
			a1 := testenv.ID(e.appearance(c1, web))
			a2 := testenv.ID(e.appearance(c2, web))
			e.appearance(c3, web)
			if res := e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d", c3), Role: "editor"}); res.Status != http.StatusNoContent {
				t.Fatalf("archive = %d %s", res.Status, res.Body)
			}
			res := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/sources/%d", web)})
			if res.Status != 200 {
				t.Fatalf("GET source = %d %s", res.Status, res.Body)
			}
			type embedded struct {
				AppearanceID int64 `json:"appearance_id"`
				Claim        struct {
					ID      int64  `json:"id"`
					Therapy string `json:"therapy"`
					Rating  string `json:"rating"`
				} `json:"claim"`
			}
			var body struct {
				Kind   string     `json:"kind"`
				Claims []embedded `json:"claims"`
			}
			res.Decode(t, &body)
			var got []string
			for _, c := range body.Claims {
				got = append(got, fmt.Sprintf("appearance %d claim %d %s %s", c.AppearanceID, c.Claim.ID, c.Claim.Therapy, c.Claim.Rating))
			}
			want := []string{
				fmt.Sprintf("appearance %d claim %d mesotherapy not_rated", a1, c1),
				fmt.Sprintf("appearance %d claim %d mesotherapy not_rated", a2, c2),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("GET source claims (-want +got):\n%s", diff)
			}
			if body.Kind != "news" {
				t.Errorf("kind = %q", body.Kind)
			}
		})
	})
}

func TestCatalogAppearanceRules(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		claim := testenv.ID(e.claim(nil))
		kinds := map[string]int64{}
		for _, k := range []string{"web_article", "news", "other", "rct", "guideline", "expert_opinion"} {
			kinds[k] = testenv.ID(e.source(map[string]any{"kind": k, "title": "A " + k}))
		}
		path := fmt.Sprintf("/api/v1/claims/%d/appearances", claim)
		tests := []struct {
			name   string
			body   map[string]any
			fields []string // nil: 201
		}{
			{"an rct is evidence", map[string]any{"source_id": kinds["rct"]}, []string{"source_id"}},
			{"a guideline is evidence", map[string]any{"source_id": kinds["guideline"]}, []string{"source_id"}},
			{"expert opinion is evidence", map[string]any{"source_id": kinds["expert_opinion"]}, []string{"source_id"}},
			{"a relative url", map[string]any{"source_id": kinds["web_article"], "url": "/meso.html"}, []string{"url"}},
			{"a javascript url", map[string]any{"source_id": kinds["web_article"], "url": "javascript:alert(1)"}, []string{"url"}},
			{"retrieved in the future", map[string]any{"source_id": kinds["web_article"], "retrieved_at": "2999-01-01T00:00:00Z"}, []string{"retrieved_at"}},
			{"a stance (evidence is a finding)", map[string]any{"source_id": kinds["web_article"], "stance": "supports"}, nil},
			{"missing source", map[string]any{"source_id": 999999}, []string{"source_id"}},
			{"web_article", map[string]any{"source_id": kinds["web_article"], "excerpt": "nahezu schmerzfrei", "url": "https://example.org/meso",
				"retrieved_at": "2026-01-05T10:00:00Z", "locator": "paragraph 2"}, nil},
			{"news", map[string]any{"source_id": kinds["news"]}, nil},
			{"other", map[string]any{"source_id": kinds["other"]}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := testenv.Count(e.t, e.st, "links", "claim_id = ?", claim)
				res := e.s.Do(testenv.Request{Method: "POST", Path: path, Role: "editor", Body: tt.body})
				if _, ok := tt.body["stance"]; ok {
					catalogCheckProblem(t, res, http.StatusBadRequest) // an unknown member
					return
				}
				if tt.fields == nil {
					if res.Status != http.StatusCreated {
						t.Fatalf("POST appearance %v = %d %s, want 201", tt.body, res.Status, res.Body)
					}
					if got := testenv.Count(e.t, e.st, "links", "claim_id = ?", claim); got != before+1 {
						t.Errorf("appearances = %d, want %d", got, before+1)
					}
					return
				}
				p := catalogCheckProblem(t, res, http.StatusUnprocessableEntity)
				if diff := cmp.Diff(catalogSorted(tt.fields), catalogSorted(testenv.ProblemFields(p))); diff != "" {
					t.Errorf("POST appearance %v error fields (-want +got):\n%s", tt.body, diff)
				}
				if got := testenv.Count(e.t, e.st, "links", "claim_id = ?", claim); got != before {
					t.Errorf("refused appearance was stored: %d -> %d", before, got)
				}
			})
		}
		t.Run("a second appearance in the same source is a conflict", func(t *testing.T) {
			catalogCheckProblem(t, e.s.Do(testenv.Request{Method: "POST", Path: path, Role: "editor", Body: map[string]any{"source_id": kinds["news"]}}), http.StatusConflict)
		})
		t.Run("PATCH clears retrieved_at with null and keeps it when absent", func(t *testing.T) {
			var l struct{ ID, Version int64 }
			st.DB().Table("links").Select("id, version").Where("claim_id = ? AND source_id = ?", claim, kinds["web_article"]).Scan(&l)
			res := e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("%s/%d", path, l.ID), Role: "editor", Body: map[string]any{"note": "checked"},
				Headers: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, l.Version)}}).Want(t, 200)
			if res["retrieved_at"] == nil || res["note"] != "checked" {
				t.Errorf("PATCH without retrieved_at = %v", res)
			}
			res = e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("%s/%d", path, l.ID), Role: "editor", Body: map[string]any{"retrieved_at": nil},
				Headers: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, l.Version+1)}}).Want(t, 200)
			if res["retrieved_at"] != nil || res["url"] != "https://example.org/meso" {
				t.Errorf("PATCH retrieved_at null = %v", res)
			}
		})
		t.Run("a source where a claim appears cannot become evidence", func(t *testing.T) {
			var v int64
			st.DB().Table("sources").Select("version").Where("id = ?", kinds["news"]).Scan(&v)
			res := e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/sources/%d", kinds["news"]), Role: "editor", Body: map[string]any{"kind": "rct"}, Headers: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, v)}})
			p := catalogCheckProblem(t, res, http.StatusUnprocessableEntity)
			if diff := cmp.Diff([]string{"kind"}, testenv.ProblemFields(p)); diff != "" {
				t.Errorf("error fields (-want +got):\n%s", diff)
			}
			if n := testenv.Count(e.t, e.st, "sources", "id = ? AND kind = ?", kinds["news"], "news"); n != 1 {
				t.Errorf("kind changed after a refused PATCH")
			}
		})
	})
}

// catalogDerived is a claim's derived state.
type catalogDerived struct {
	Rating, Certainty       string
	Support, Refute, Appear int
	Flags                   []string
}

// TestCatalogDerivedFields follows one effect claim ("relieves pain")
// through the changes that reach its rating: appearances, findings linked
// and re-linked, a retraction and its reversal, a threshold change. After
// each, the response and the stored row agree with what the rules say.
func TestCatalogDerivedFields(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		claim := testenv.ID(e.claim(map[string]any{"text": "Mesotherapie lindert Rückenschmerzen.", "claim_type": "efficacy", "assertion": "effect"}))
		web := testenv.ID(e.source(map[string]any{"kind": "web_article", "title": "Blog"}))
		works := e.gradedFinding(nil, map[string]any{"measure": "mean_difference", "estimate": 2.0, "ci_low": 1.2, "ci_high": 2.8, "threshold": 1.0})
		null := e.gradedFinding(nil, map[string]any{"measure": "mean_difference", "estimate": 0.1, "ci_low": -0.5, "ci_high": 0.7, "threshold": 1.0})
		var rct int64
		st.DB().Table("finding_sources").Select("source_id").Where("finding_id = ?", works).Scan(&rct)
		version := func(table string, id int64) string {
			var v int64
			st.DB().Table(table).Select("version").Where("id = ?", id).Scan(&v)
			return fmt.Sprintf(`"%d"`, v)
		}
		var appearance int64
		steps := []struct {
			name   string
			act    func() *testenv.Response
			status int
			want   catalogDerived
		}{
			{"new claim", nil, 0, catalogDerived{"not_rated", "", 0, 0, 0, []string{"ungraded", "unsupported"}}},
			{"appearance added", func() *testenv.Response {
				res := e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/appearances", claim), Role: "editor", Body: map[string]any{"source_id": web}})
				appearance = testenv.ID(res.JSON(t))
				return res
			}, 201, catalogDerived{"not_rated", "", 0, 0, 1, []string{"ungraded", "unsupported"}}},
			{"a finding that reaches the threshold, high certainty", func() *testenv.Response {
				return e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/findings", claim), Role: "editor", Body: map[string]any{"finding_id": works, "stance": "supports"}})
			}, 201, catalogDerived{"accurate", "high", 1, 0, 1, nil}},
			{"a null finding of equal certainty refutes it: the most critical verdict wins", func() *testenv.Response {
				return e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/findings", claim), Role: "editor", Body: map[string]any{"finding_id": null, "stance": "refutes"}})
			}, 201, catalogDerived{"false", "high", 1, 1, 1, []string{"contradicted", "inaccurate_wording", "unsupported"}}},
			{"the null finding relinked as neutral: context only", func() *testenv.Response {
				var v int64
				st.DB().Table("claim_findings").Select("version").Where("claim_id = ? AND finding_id = ?", claim, null).Scan(&v)
				return e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/claims/%d/findings/%d", claim, null), Role: "editor",
					Body: map[string]any{"stance": "neutral"}, Headers: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, v)}})
			}, 200, catalogDerived{"accurate", "high", 1, 0, 1, nil}},
			// Issue 18: retracted evidence kept rating ("accurate, high",
			// merely flagged). The trial was the only level-setting source:
			// the grade is withdrawn and the claim is no longer rated on it.
			{"the supporting trial retracted: the grade is withdrawn, the claim not rated on it", func() *testenv.Response {
				return e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/sources/%d", rct), Role: "editor", Body: map[string]any{"retracted": true, "retraction_note": "Fabricated."}, Headers: map[string]string{"If-Match": version("sources", rct)}})
			}, 200, catalogDerived{"not_rated", "", 1, 0, 1, []string{"retracted_evidence", "ungraded", "unsupported"}}},
			{"retraction reversed: the withdrawal is cleared, the grade stands again", func() *testenv.Response {
				return e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/sources/%d", rct), Role: "editor", Body: map[string]any{"retracted": false}, Headers: map[string]string{"If-Match": version("sources", rct)}})
			}, 200, catalogDerived{"accurate", "high", 1, 0, 1, nil}},
			{"a higher threshold: the effect is smaller than what matters", func() *testenv.Response {
				return e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/findings/%d", works), Role: "editor", Body: map[string]any{"threshold": 3.0}, Headers: map[string]string{"If-Match": version("findings", works)}})
			}, 200, catalogDerived{"overstated", "high", 1, 0, 1, []string{"inaccurate_wording", "stale_grade", "unsupported"}}},
			{"appearance removed", func() *testenv.Response {
				return e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d/appearances/%d", claim, appearance), Role: "editor"})
			}, 204, catalogDerived{"overstated", "high", 1, 0, 0, []string{"inaccurate_wording", "stale_grade", "unsupported"}}},
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
				got := catalogDerived{Rating: fmt.Sprint(m["rating"]), Support: int(m["support_count"].(float64)),
					Refute: int(m["refute_count"].(float64)), Appear: int(m["appearance_count"].(float64))}
				if m["certainty"] != nil {
					got.Certainty = m["certainty"].(string)
				}
				for _, f := range m["flags"].([]any) {
					got.Flags = append(got.Flags, f.(string))
				}
				if diff := cmp.Diff(step.want, got); diff != "" {
					t.Errorf("GET claim after %s (-want +got):\n%s\nexplanation: %v", step.name, diff, m["rating_explanation"])
				}
				if m["rating_explanation"] == "" || m["rating_source"] != "rule" {
					t.Errorf("rating_explanation %q, rating_source %v", m["rating_explanation"], m["rating_source"])
				}
				// The stored row and flag table agree with the response.
				var row struct {
					Rating                                     string
					Certainty                                  *string
					SupportCount, RefuteCount, AppearanceCount int
				}
				st.DB().Table("claims").Select("rating, certainty, support_count, refute_count, appearance_count").Where("id = ?", claim).Scan(&row)
				stored := catalogDerived{Rating: row.Rating, Support: row.SupportCount, Refute: row.RefuteCount, Appear: row.AppearanceCount}
				if row.Certainty != nil {
					stored.Certainty = *row.Certainty
				}
				st.DB().Table("claim_flags").Where("claim_id = ?", claim).Order("flag").Pluck("flag", &stored.Flags)
				if diff := cmp.Diff(step.want, stored, cmpopts.EquateEmpty()); diff != "" {
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
		if n := testenv.Count(e.t, e.st, "audit_events", "claim_id = ? AND action = ?", claim, "claim.rated"); n != 6 {
			t.Errorf("claim.rated audit events = %d, want 6 (accurate, false, accurate, not_rated, accurate, overstated: one per change of rating)", n)
		}
	})
}

func TestCatalogArchive(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		keep := testenv.ID(e.claim(map[string]any{"text": "Bleibt."}))
		gone := testenv.ID(e.claim(map[string]any{"text": "Wird archiviert."}))
		src := testenv.ID(e.source(map[string]any{"kind": "news"}))
		link := testenv.ID(e.appearance(gone, src))
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
			{"GET appearances", "GET", claimPath + "/appearances", "", nil, nil},
			{"PATCH", "PATCH", claimPath, "editor", map[string]any{"text": "x y z"}, map[string]string{"If-Match": `"99"`}},
			{"DELETE again", "DELETE", claimPath, "editor", nil, nil},
			{"POST appearance", "POST", claimPath + "/appearances", "editor", map[string]any{"source_id": src}, nil},
			{"DELETE appearance", "DELETE", fmt.Sprintf("%s/appearances/%d", claimPath, link), "editor", nil, nil},
			{"PUT rating", "PUT", claimPath + "/rating", "editor", map[string]any{"rating": "false", "rationale": "x"}, map[string]string{"If-Match": `"99"`}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				catalogCheckProblem(t, e.s.Do(testenv.Request{Method: tt.method, Path: tt.path, Role: tt.role, Body: tt.body, Headers: tt.headers}), http.StatusGone)
			})
		}
		for _, q := range []string{"", "?flag=ungraded", "?therapy=mesotherapy", "?q=archiviert", "?rating=not_rated"} {
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
		c := e.claim(map[string]any{"text_en": "The treatment is almost painless.", "summary": "Injections barely hurt",
			"assertion": "frequency", "claimed_value": 0.1, "claimed_bound": "at_most"})
		path := fmt.Sprintf("/api/v1/claims/%d", testenv.ID(c))
		etag := fmt.Sprintf(`"%v"`, c["version"])

		type row struct {
			TherapyID    int64
			Text         string
			TextEn       *string
			Summary      string
			Assertion    string
			ClaimedValue *float64
			Hedge        string
			SearchText   string
		}
		read := func() row {
			var r row
			st.DB().Table("claims").Select("therapy_id, text, text_en, summary, assertion, claimed_value, hedge, search_text").Where("id = ?", testenv.ID(c)).Scan(&r)
			return r
		}
		str := func(s string) *string { return &s }
		num := func(f float64) *float64 { return &f }
		var infusionID int64
		st.DB().Table("therapies").Select("id").Where("slug = ?", "infusion-therapy").Scan(&infusionID)
		mesoID := read().TherapyID
		text := "Die Behandlung ist nahezu schmerzfrei."

		tests := []struct {
			name  string
			patch map[string]any
			want  row
			json  map[string]any // response fields
		}{
			{"clear text_en", map[string]any{"text_en": ""},
				row{mesoID, text, nil, "Injections barely hurt", "frequency", num(0.1), "none", "die behandlung ist nahezu schmerzfrei.\ninjections barely hurt"},
				map[string]any{"text_en": nil, "summary": "Injections barely hurt"}},
			{"clear summary with blanks", map[string]any{"summary": "   "},
				row{mesoID, text, nil, "", "frequency", num(0.1), "none", "die behandlung ist nahezu schmerzfrei."},
				map[string]any{"summary": "", "claimed_value": 0.1}},
			{"set text_en and text", map[string]any{"text": "  Fast schmerzfrei.  ", "text_en": "Almost PAINLESS."},
				row{mesoID, "Fast schmerzfrei.", str("Almost PAINLESS."), "", "frequency", num(0.1), "none", "fast schmerzfrei.\nalmost painless."},
				map[string]any{"text": "Fast schmerzfrei.", "text_en": "Almost PAINLESS."}},
			{"claimed_value null clears it, absent keeps it", map[string]any{"claimed_value": nil, "claimed_bound": nil, "hedge": "likely"},
				row{mesoID, "Fast schmerzfrei.", str("Almost PAINLESS."), "", "frequency", nil, "likely", "fast schmerzfrei.\nalmost painless."},
				map[string]any{"claimed_value": nil, "claimed_bound": nil, "hedge": "likely"}},
			{"assertion and therapy by alias", map[string]any{"therapy": "INFUSIONSTHERAPIE", "assertion": "absence", "hedge": "none"},
				row{infusionID, "Fast schmerzfrei.", str("Almost PAINLESS."), "", "absence", nil, "none", "fast schmerzfrei.\nalmost painless."},
				map[string]any{"therapy": "infusion-therapy", "assertion": "absence"}},
			{"empty patch changes nothing but the version", map[string]any{},
				row{infusionID, "Fast schmerzfrei.", str("Almost PAINLESS."), "", "absence", nil, "none", "fast schmerzfrei.\nalmost painless."},
				map[string]any{"hedge": "none"}},
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
		t.Run("the wording's own rules refuse a value its assertion does not allow", func(t *testing.T) {
			for _, body := range []map[string]any{
				{"assertion": "effect", "claimed_value": 0.5},
				{"assertion": "frequency", "claimed_value": 1.5},
				{"claimed_value": 0.01},                          // a bounded absence is a frequency with claimed_bound at_most
				{"claimed_bound": "at_most"},                     // an absence states no bound
				{"assertion": "frequency", "claimed_value": 0.5}, // a frequency's value needs its bound
				{"summary": strings.Repeat("x", 75)},
				{"hedge": "maybe"},
			} {
				before := read()
				res := e.s.Do(testenv.Request{Method: "PATCH", Path: path, Role: "editor", Body: body, Headers: map[string]string{"If-Match": etag}})
				catalogCheckProblem(t, res, http.StatusUnprocessableEntity)
				if diff := cmp.Diff(before, read()); diff != "" {
					t.Errorf("refused PATCH %v changed the claim (-before +after):\n%s", body, diff)
				}
			}
		})
		t.Run("search follows the cleared text", func(t *testing.T) {
			for q, want := range map[string]int{"painless": 1, "almost": 1, "treatment": 0, "nahezu": 0, "fast": 1, "barely": 0} {
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
