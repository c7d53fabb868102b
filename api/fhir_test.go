package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"claimgrade/internal/fhircheck"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

func (e *reviewEnv) fhir(findingID int64, query string) *testenv.Response {
	e.t.Helper()
	return e.s.Do(testenv.Request{Method: "GET", Path: e.path(findingID, "/fhir"+query)})
}

// fhirJSON asserts a FHIR answer and decodes it.
func fhirJSON(t *testing.T, res *testenv.Response) map[string]any {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/fhir+json; fhirVersion=5.0" {
		t.Errorf("Content-Type = %q, want application/fhir+json; fhirVersion=5.0", ct)
	}
	return res.Want(t, 200)
}

func codingOf(v any) string {
	c := v.(map[string]any)["coding"].([]any)[0].(map[string]any)
	return fmt.Sprintf("%v|%v", c["system"], c["code"])
}

// entries lists a Bundle's resources by resourceType, checking that the
// fullUrls are unique and every reference resolves inside the Bundle.
func entries(t *testing.T, b map[string]any) map[string][]map[string]any {
	t.Helper()
	if b["resourceType"] != "Bundle" || b["type"] != "collection" {
		t.Fatalf("resourceType %v type %v", b["resourceType"], b["type"])
	}
	urls := map[string]bool{}
	out := map[string][]map[string]any{}
	for _, e := range b["entry"].([]any) {
		m := e.(map[string]any)
		u := m["fullUrl"].(string)
		if urls[u] || !strings.HasPrefix(u, "urn:uuid:") {
			t.Errorf("fullUrl %s repeated or not a urn:uuid", u)
		}
		urls[u] = true
		r := m["resource"].(map[string]any)
		out[r["resourceType"].(string)] = append(out[r["resourceType"].(string)], r)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["reference"].(string); ok && !urls[r] {
				t.Errorf("reference %s resolves to no entry", r)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(b)
	return out
}

func TestFindingFHIR(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newReviewEnv(t, st, 2)
		q := e.question(nil)
		f := id(e.finding(q, map[string]any{"measure": "mean_difference", "estimate": -1.2, "ci_low": -2.1, "ci_high": -0.3,
			"participants": 84, "studies": 1, "summary": "One small open-label trial: pain fell slightly more than with oral drugs."}))
		src := e.src(map[string]any{"title": "Mesotherapy versus systemic therapy in acute low back pain", "authors": "Costantino C, Marangio E",
			"year": 2011, "container": "Evid Based Complement Alternat Med", "doi": "10.1155/2011/317183", "pmid": "20953425"})
		e.attach(f, src, nil)

		// Errors are problems.
		e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/findings/999999/fhir"}).Problem(t, 404)
		e.fhir(f, "?format=xml").Problem(t, 400)
		e.fhir(f, "?_format=json").Problem(t, 400)

		// Ungraded: no certainty at all.
		ev := fhirJSON(t, e.fhir(f, ""))
		if ev["resourceType"] != "Evidence" || ev["status"] != "active" {
			t.Errorf("resourceType %v status %v", ev["resourceType"], ev["status"])
		}
		if c, ok := ev["certainty"]; ok {
			t.Errorf("an ungraded finding has certainty %v", c)
		}
		var roles []string
		for _, v := range ev["variableDefinition"].([]any) {
			roles = append(roles, codingOf(v.(map[string]any)["variableRole"]))
		}
		vr := "http://terminology.hl7.org/CodeSystem/variable-role|"
		if want := []string{vr + "population", vr + "exposure", vr + "referenceExposure", vr + "measuredVariable"}; !slices.Equal(roles, want) {
			t.Errorf("variable roles = %v, want %v", roles, want)
		}
		stat := ev["statistic"].([]any)[0].(map[string]any)
		if codingOf(stat["statisticType"]) != "http://terminology.hl7.org/CodeSystem/statistic-type|0000457" ||
			stat["quantity"].(map[string]any)["value"] != -1.2 ||
			codingOf(stat["attributeEstimate"].([]any)[0].(map[string]any)["type"]) != "http://terminology.hl7.org/CodeSystem/attribute-estimate-type|C53324" {
			t.Errorf("statistic = %v", stat)
		}
		ra := ev["relatedArtifact"].([]any)[0].(map[string]any)
		if ra["type"] != "citation" || ra["document"].(map[string]any)["url"] != "https://doi.org/10.1155/2011/317183" {
			t.Errorf("relatedArtifact = %v", ra)
		}

		// One submission, not yet graded: the bundle shows no assessment.
		e.put(f, "reviewer", seriousRoB, "").Want(t, 201)
		e.submit(f, "reviewer")
		if aas := entries(t, fhirJSON(t, e.fhir(f, "?format=bundle")))["ArtifactAssessment"]; len(aas) != 0 {
			t.Errorf("an ungraded finding's bundle shows %d assessment(s)", len(aas))
		}
		// An editor's draft stays a draft while two reviewers agree.
		e.put(f, "editor", merge(noConcerns, map[string]any{"rationale": "DRAFT-SECRET: still reading."}), "").Want(t, 201)
		e.put(f, e.r2, merge(seriousRoB, map[string]any{"reasons": map[string]any{"risk_of_bias": "No blinding."}}), "").Want(t, 201)
		if g := e.submit(f, e.r2)["grade"]; g == nil {
			t.Fatal("no consensus grade")
		}

		// Graded: Overall and the eight domains, with their exact codes.
		ev = fhirJSON(t, e.fhir(f, ""))
		c := ev["certainty"].([]any)
		if len(c) != 1 {
			t.Fatalf("certainty = %v", c)
		}
		overall := c[0].(map[string]any)
		ct, cr := "http://hl7.org/fhir/certainty-type|", "http://hl7.org/fhir/certainty-rating|"
		got := []string{codingOf(overall["type"]) + " " + codingOf(overall["rating"])}
		for _, s := range overall["subcomponent"].([]any) {
			m := s.(map[string]any)
			got = append(got, codingOf(m["type"])+" "+codingOf(m["rating"]))
		}
		want := []string{ct + "Overall " + cr + "moderate", ct + "RiskOfBias " + cr + "serious-concern", ct + "Inconsistency " + cr + "no-concern",
			ct + "Indirectness " + cr + "no-concern", ct + "Imprecision " + cr + "no-concern", ct + "PublicationBias " + cr + "no-concern",
			ct + "LargeEffect " + cr + "no-change", ct + "DoseResponseGradient " + cr + "no-change", ct + "PlausibleConfounding " + cr + "no-change"}
		if !slices.Equal(got, want) {
			t.Errorf("certainty entries:\n got %v\nwant %v", got, want)
		}
		rob := overall["subcomponent"].([]any)[0].(map[string]any)
		if note := rob["note"].([]any)[0].(map[string]any)["text"]; note != "Open label, self-reported pain.; No blinding." {
			t.Errorf("risk of bias note = %v", note)
		}
		if d := ev["description"].(string); !strings.Contains(d, "Start: high") {
			t.Errorf("description = %q, want the start", d)
		}

		// The bundle: the Evidence, its Citation, the two submissions by
		// pseudonym; never the draft, never a reviewer's name.
		res := e.fhir(f, "?format=bundle")
		bundle := fhirJSON(t, res)
		byType := entries(t, bundle)
		if n := []int{len(byType["Evidence"]), len(byType["Citation"]), len(byType["ArtifactAssessment"])}; !slices.Equal(n, []int{1, 1, 2}) {
			t.Errorf("Evidence, Citation, ArtifactAssessment = %v, want [1 1 2]", n)
		}
		var authors []string
		for _, aa := range byType["ArtifactAssessment"] {
			authors = append(authors, aa["content"].([]any)[0].(map[string]any)["author"].(map[string]any)["display"].(string))
		}
		if !slices.Equal(authors, []string{"Reviewer 1", "Reviewer 2"}) {
			t.Errorf("authors = %v", authors)
		}
		for _, leak := range []string{"DRAFT-SECRET", "reviewer-2", `"editor"`} {
			if strings.Contains(string(res.Body), leak) {
				t.Errorf("the bundle contains %q", leak)
			}
		}
		ids := byType["Citation"][0]["citedArtifact"].(map[string]any)["identifier"].([]any)
		if len(ids) != 2 || fmt.Sprint(ids[0]) != "map[system:https://doi.org value:10.1155/2011/317183]" ||
			fmt.Sprint(ids[1]) != "map[system:https://pubmed.ncbi.nlm.nih.gov value:20953425]" {
			t.Errorf("citation identifiers = %v", ids)
		}

		// A harm question without comparator: no referenceExposure.
		hq := e.question(map[string]any{"comparator": nil, "comparator_kind": "none", "outcome_kind": "harm", "direction": "lower_is_better", "outcome": "skin necrosis"})
		hf := id(e.finding(hq, map[string]any{"measure": "proportion", "estimate": 0, "ci_low": 0, "ci_high": 0.03, "events": 0, "participants": 120}))
		hev := fhirJSON(t, e.fhir(hf, ""))
		for _, v := range hev["variableDefinition"].([]any) {
			if r := codingOf(v.(map[string]any)["variableRole"]); strings.HasSuffix(r, "|referenceExposure") {
				t.Errorf("a question without comparator has a referenceExposure")
			}
		}

		// A claim linked to the graded finding: its Bundle holds the
		// Evidence, the Citations (the trial and the article), the two
		// assessments and the claim's rating on the article's Citation.
		claim := id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: map[string]any{"therapy": "mesotherapy",
			"text": "La mésothérapie soulage mieux que les comprimés.", "language": "fr", "claim_type": "comparative", "assertion": "effect"}}).Want(t, 201))
		claimFHIR := fmt.Sprintf("/api/v1/claims/%d/fhir", claim)
		if p := e.s.Do(testenv.Request{Method: "GET", Path: claimFHIR}).Problem(t, 404); !strings.Contains(fmt.Sprint(p["detail"]), "appears in no article") {
			t.Errorf("404 of a claim that appears nowhere: detail %q, want it to say why", p["detail"])
		}
		article := e.src(map[string]any{"kind": "web_article", "title": "La mésothérapie"})
		e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/appearances", claim), Role: "editor", Body: map[string]any{"source_id": article}}).Want(t, 201)
		e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/findings", claim), Role: "editor", Body: map[string]any{"finding_id": f, "stance": "supports"}}).Want(t, 201)
		cres := e.s.Do(testenv.Request{Method: "GET", Path: claimFHIR})
		cbundle := fhirJSON(t, cres)
		if tag := cres.Header.Get("ETag"); tag == "" {
			t.Error("claim bundle without an ETag")
		} else if res := e.s.Do(testenv.Request{Method: "GET", Path: claimFHIR, Headers: map[string]string{"If-None-Match": tag}}); res.Status != http.StatusNotModified {
			t.Errorf("claim bundle with If-None-Match %s: %d, want 304", tag, res.Status)
		}
		cby := entries(t, cbundle)
		if n := []int{len(cby["Evidence"]), len(cby["Citation"]), len(cby["ArtifactAssessment"])}; !slices.Equal(n, []int{1, 2, 3}) {
			t.Errorf("claim bundle: Evidence, Citation, ArtifactAssessment = %v, want [1 2 3]", n)
		}
		var rating map[string]any
		for _, aa := range cby["ArtifactAssessment"] {
			if strings.HasPrefix(fmt.Sprint(aa["id"]), "claim-") {
				rating = aa
			}
		}
		if rating == nil || !strings.Contains(string(cres.Body), "La mésothérapie soulage mieux que les comprimés.") ||
			!strings.Contains(string(cres.Body), "http://localhost:8080/fhir/CodeSystem/claim-rating") {
			t.Errorf("claim bundle lacks the rating on the article: %s", cres.Body)
		}
		if strings.Contains(string(cres.Body), "DRAFT-SECRET") {
			t.Errorf("the claim bundle contains a draft")
		}

		// What others wrote says it is R5: tsc against @types/fhir's fhir5.
		fhircheck.Valid(t, fhircheck.Doc{Name: "claim Bundle", Type: fhircheck.Bundle, JSON: cres.Body},
			fhircheck.Doc{Name: "graded Evidence", Type: fhircheck.Evidence, JSON: e.fhir(f, "").Body},
			fhircheck.Doc{Name: "graded finding Bundle", Type: fhircheck.Bundle, JSON: res.Body},
			fhircheck.Doc{Name: "event-rate Evidence", Type: fhircheck.Evidence, JSON: e.fhir(hf, "").Body},
			fhircheck.Doc{Name: "event-rate Bundle", Type: fhircheck.Bundle, JSON: e.fhir(hf, "?format=bundle").Body})
	})
}
