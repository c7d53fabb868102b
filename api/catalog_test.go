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
		"text_en": "The treatment is almost painless.", "summary": "Mesotherapy is almost painless", "claim_type": "safety",
		"assertion": "frequency"}})
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
		if c["rating"] != "not_rated" || c["therapy"] != "mesotherapy" || c["assertion"] != "frequency" || c["hedge"] != "none" {
			t.Errorf("new claim = rating %v therapy %v assertion %v hedge %v, want not_rated mesotherapy frequency none", c["rating"], c["therapy"], c["assertion"], c["hedge"])
		}
		res = s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/appearances", claimID), Role: "editor",
			Body: map[string]any{"source_id": rctID}})
		res.Problem(t, http.StatusUnprocessableEntity)
		res = s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/appearances", claimID), Role: "editor",
			Body: map[string]any{"source_id": articleID, "excerpt": "nahezu schmerzfrei"}})
		if res.Status != 201 {
			t.Fatalf("appearance: %d %s", res.Status, res.Body)
		}
		res = s.Do(testenv.Request{Method: "POST", Path: "/api/v1/questions", Role: "editor", Body: map[string]any{"therapy": "mesotherapy",
			"population": "adults with low back pain", "intervention": "mesotherapy", "outcome": "pain during the injections",
			"timepoint": "during the sessions", "comparator_kind": "none", "outcome_kind": "harm", "direction": "lower_is_better"}})
		question := testenv.ID(res.Want(t, 201))
		finding := testenv.ID(s.Do(testenv.Request{Method: "POST", Path: "/api/v1/findings", Role: "editor", Body: map[string]any{"question_id": question,
			"summary": "Pain during the injections was reported.", "measure": "proportion", "estimate": 0.2, "events": 16, "participants": 80}}).Want(t, 201))
		s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/findings/%d/sources", finding), Role: "editor", Body: map[string]any{"source_id": rctID}}).Want(t, 201)
		res = s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/findings", claimID), Role: "editor",
			Body: map[string]any{"finding_id": finding, "stance": "supports"}})
		if res.Status != 201 {
			t.Fatalf("finding link: %d %s", res.Status, res.Body)
		}
		res = s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", claimID)})
		c = res.JSON(t)
		if c["rating"] != "not_rated" || c["support_count"].(float64) != 1 || c["appearance_count"].(float64) != 1 {
			t.Errorf("claim after links = %v", c)
		}
		// The finding is not graded yet: the rules rate nothing.
		if got := fmt.Sprint(c["flags"]); got != "[ungraded unsupported]" {
			t.Errorf("flags = %s, want [ungraded unsupported]", got)
		}
		res = s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?flag=ungraded&therapy=Mesotherapie"})
		if n := len(res.JSON(t)["data"].([]any)); n != 1 {
			t.Errorf("filtered list has %d claims, want 1", n)
		}
	})
}
