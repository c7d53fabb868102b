package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// seedCatalog creates a therapy, a claim, a web article and an RCT, and
// returns their ids.
func seedCatalog(t *testing.T, s *testenv.Server) (claimID, articleID, rctID int64) {
	t.Helper()
	res := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: map[string]any{
		"slug": "mesotherapy", "name": "Mesotherapy", "description": "Intradermal micro-injections.",
		"aliases": []map[string]string{{"alias": "Mesotherapie", "language": "de"}, {"alias": "mésothérapie", "language": "fr"}}}})
	if res.Status != http.StatusCreated {
		t.Fatalf("create therapy: %d %s", res.Status, res.Body)
	}
	res = s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: map[string]any{
		"therapy": "Mésothérapie", "text": "Die Behandlung ist nahezu schmerzfrei.", "language": "de",
		"text_en": "The treatment is almost painless.", "condition": "low back pain", "outcome": "procedural pain", "claim_type": "safety"}})
	if res.Status != http.StatusCreated {
		t.Fatalf("create claim: %d %s", res.Status, res.Body)
	}
	claimID = int64(res.JSON(t)["id"].(float64))
	res = s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{
		"kind": "web_article", "title": "Mesotherapie bei Rückenschmerzen", "language": "de"}})
	if res.Status != http.StatusCreated {
		t.Fatalf("create article: %d %s", res.Status, res.Body)
	}
	articleID = int64(res.JSON(t)["id"].(float64))
	res = s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{
		"kind": "rct", "title": "Mesotherapy versus Systemic Therapy", "doi": "https://doi.org/10.1155/2011/317183", "pmid": "20953425", "year": 2011}})
	if res.Status != http.StatusCreated {
		t.Fatalf("create rct: %d %s", res.Status, res.Body)
	}
	rctID = int64(res.JSON(t)["id"].(float64))
	return claimID, articleID, rctID
}

func TestCatalogFlow(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		claimID, articleID, rctID := seedCatalog(t, s)

		res := s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", claimID)})
		if res.Status != 200 {
			t.Fatalf("get claim: %d %s", res.Status, res.Body)
		}
		c := res.JSON(t)
		if c["verdict"] != "unsupported" || c["therapy"] != "mesotherapy" {
			t.Errorf("new claim = verdict %v therapy %v, want unsupported mesotherapy", c["verdict"], c["therapy"])
		}
		res = s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/links", claimID), Role: "editor",
			Body: map[string]any{"source_id": articleID, "role": "evidence", "stance": "supports"}})
		res.Problem(t, http.StatusUnprocessableEntity)
		res = s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/links", claimID), Role: "editor",
			Body: map[string]any{"source_id": articleID, "role": "appearance", "excerpt": "nahezu schmerzfrei"}})
		if res.Status != 201 {
			t.Fatalf("appearance: %d %s", res.Status, res.Body)
		}
		res = s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/links", claimID), Role: "editor",
			Body: map[string]any{"source_id": rctID, "role": "evidence", "stance": "supports"}})
		if res.Status != 201 {
			t.Fatalf("evidence: %d %s", res.Status, res.Body)
		}
		res = s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", claimID)})
		c = res.JSON(t)
		if c["verdict"] != "ungraded" || c["support_count"].(float64) != 1 || c["appearance_count"].(float64) != 1 {
			t.Errorf("claim after links = %v", c)
		}
		if got := fmt.Sprint(c["flags"]); got != "[ungraded]" {
			t.Errorf("flags = %s, want [ungraded]", got)
		}
		res = s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?flag=ungraded&therapy=Mesotherapie"})
		if n := len(res.JSON(t)["data"].([]any)); n != 1 {
			t.Errorf("filtered list has %d claims, want 1", n)
		}
	})
}
