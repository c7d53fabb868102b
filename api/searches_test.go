package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// searchBody is a valid search of PubMed that found nothing includable,
// run at, with fields overriding.
func searchBody(at time.Time, fields map[string]any) map[string]any {
	b := map[string]any{"database": "pubmed", "query": `mesotherapy AND (asthma OR "cystic fibrosis")`,
		"searched_at": at.Format(time.RFC3339), "hits": 12, "screened": 3,
		"note": "Nothing on micro-vaccination in asthma or cystic fibrosis."}
	for k, v := range fields {
		if v == nil {
			delete(b, k)
			continue
		}
		b[k] = v
	}
	return b
}

// vaccinationClaim creates the claim that micro-vaccination helps asthma
// and cystic fibrosis: an indication with hedged effect wording, linked to
// no finding.
func (e *catalogEnv) vaccinationClaim() int64 {
	e.t.Helper()
	return testenv.ID(e.claim(map[string]any{"text": "Micro vaccination can be used in bronchial asthma or cystic fibrosis.",
		"language": "en", "claim_type": "indication", "assertion": "effect", "hedge": "may"}))
}

// TestSearchesAPI: every route of a claim's evidence searches through the
// router, on both databases: create, get, list, patch and delete with
// their ETags and If-Match (428, 412), 404s, strict input (400 for unknown
// or read-only members and query parameters), a 422 naming each bad field,
// roles, the idempotent replay of a POST, archived claims (410) and the
// cap of searches per claim (409).
func TestSearchesAPI(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		claimID := e.vaccinationClaim()
		other := e.vaccinationClaim()
		src := testenv.ID(e.source(map[string]any{"kind": "systematic_review", "included_design": "randomised", "title": "A review"}))
		base := fmt.Sprintf("/api/v1/claims/%d/searches", claimID)
		at := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
		do := func(r testenv.Request) *testenv.Response { return e.s.Do(r) }

		if ids := testenv.ListIDs(t, do(testenv.Request{Method: "GET", Path: base}).Want(t, 200)); len(ids) != 0 {
			t.Fatalf("a new claim lists searches %v", ids)
		}
		// Roles: anonymous 401, reader and reviewer 403; nothing stored.
		for role, status := range map[string]int{"": 401, "reader": 403, "reviewer": 403} {
			do(testenv.Request{Method: "POST", Path: base, Role: role, Body: searchBody(at, nil)}).Problem(t, status)
		}

		// Bad input: one problem per bad field, nothing written.
		auditBefore := testenv.Count(t, st, "audit_events", "")
		bad := []struct {
			name   string
			body   map[string]any
			fields []string
		}{
			{"database", searchBody(at, map[string]any{"database": "medline"}), []string{"database"}},
			{"missing database", searchBody(at, map[string]any{"database": nil}), []string{"database"}},
			{"empty query", searchBody(at, map[string]any{"query": " "}), []string{"query"}},
			{"long query", searchBody(at, map[string]any{"query": strings.Repeat("x", 10001)}), []string{"query"}},
			{"no date", searchBody(at, map[string]any{"searched_at": nil}), []string{"searched_at"}},
			{"a future date", searchBody(time.Now().Add(24*time.Hour), nil), []string{"searched_at"}},
			{"negative hits", searchBody(at, map[string]any{"hits": -1}), []string{"hits"}},
			{"no hits", searchBody(at, map[string]any{"hits": nil}), []string{"hits"}},
			{"too many hits", searchBody(at, map[string]any{"hits": 1000000001}), []string{"hits"}},
			{"screened above hits", searchBody(at, map[string]any{"screened": 13}), []string{"screened"}},
			{"no screened", searchBody(at, map[string]any{"screened": nil}), []string{"screened"}},
			{"unknown source", searchBody(at, map[string]any{"source_ids": []int64{src, 999999}}), []string{"source_ids[1]"}},
			{"repeated source", searchBody(at, map[string]any{"source_ids": []int64{src, src}}), []string{"source_ids[1]"}},
			{"no sources and no note", searchBody(at, map[string]any{"note": nil}), []string{"note"}},
			{"everything", map[string]any{"database": "x", "hits": 1, "screened": 2}, []string{"database", "query", "searched_at", "screened", "note"}},
		}
		for _, tt := range bad {
			p := do(testenv.Request{Method: "POST", Path: base, Role: "editor", Body: tt.body}).Problem(t, http.StatusUnprocessableEntity)
			if got := testenv.ProblemFields(p); !slices.Equal(got, tt.fields) {
				t.Errorf("%s: fields %v, want %v (%v)", tt.name, got, tt.fields, p["errors"])
			}
		}
		for _, tt := range []struct{ name, body string }{
			{"unknown member", `{"database":"pubmed","query":"q","searched_at":"2026-01-02T00:00:00Z","hits":1,"screened":1,"note":"n","engine":"x"}`},
			{"read-only member", `{"database":"pubmed","query":"q","searched_at":"2026-01-02T00:00:00Z","hits":1,"screened":1,"note":"n","created_by":"me"}`},
			{"a date that is no RFC 3339", `{"database":"pubmed","query":"q","searched_at":"03.11.2026","hits":1,"screened":1,"note":"n"}`},
			{"hits as text", `{"database":"pubmed","query":"q","searched_at":"2026-01-02T00:00:00Z","hits":"12","screened":1,"note":"n"}`},
		} {
			do(testenv.Request{Method: "POST", Path: base, Role: "editor", Body: tt.body}).Problem(t, http.StatusBadRequest)
		}
		if n := testenv.Count(t, st, "evidence_searches", ""); n != 0 {
			t.Fatalf("refused requests stored %d searches", n)
		}
		if n := testenv.Count(t, st, "audit_events", ""); n != auditBefore {
			t.Fatalf("refused requests recorded %d audit events", n-auditBefore)
		}

		// Create: 201 with Location and ETag; the body is the search as read.
		created := do(testenv.Request{Method: "POST", Path: base, Role: "editor",
			Body: searchBody(at, map[string]any{"source_ids": []int64{src}, "note": nil})})
		s := created.Want(t, http.StatusCreated)
		sid := testenv.ID(s)
		path := fmt.Sprintf("%s/%d", base, sid)
		if created.Header.Get("Location") != path || created.Header.Get("ETag") != `"1"` {
			t.Errorf("Location %q ETag %q, want %s and \"1\"", created.Header.Get("Location"), created.Header.Get("ETag"), path)
		}
		if s["claim_id"] != float64(claimID) || s["database"] != "pubmed" || s["searched_at"] != at.Format(time.RFC3339) || s["hits"] != 12.0 ||
			s["screened"] != 3.0 || fmt.Sprint(s["source_ids"]) != fmt.Sprintf("[%d]", src) || s["note"] != nil || s["version"] != 1.0 ||
			s["created_by"] != "editor" {
			t.Errorf("created search = %v", s)
		}
		got := do(testenv.Request{Method: "GET", Path: path})
		if !bytes.Equal(got.Body, created.Body) || got.Header.Get("ETag") != `"1"` {
			t.Errorf("GET = %s (ETag %s), want the created body %s", got.Body, got.Header.Get("ETag"), created.Body)
		}
		do(testenv.Request{Method: "GET", Path: path, Headers: map[string]string{"If-None-Match": `"1"`}}).Want(t, http.StatusNotModified)
		do(testenv.Request{Method: "GET", Path: path + "?verbose=1"}).Problem(t, http.StatusBadRequest)
		do(testenv.Request{Method: "GET", Path: base + "?database=pubmed"}).Problem(t, http.StatusBadRequest)
		// 404: another claim's search, a claim or search that does not exist,
		// a path id that is no id.
		do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/searches/%d", other, sid)}).Problem(t, http.StatusNotFound)
		do(testenv.Request{Method: "GET", Path: "/api/v1/claims/999999/searches"}).Problem(t, http.StatusNotFound)
		do(testenv.Request{Method: "GET", Path: base + "/999999"}).Problem(t, http.StatusNotFound)
		do(testenv.Request{Method: "GET", Path: base + "/01"}).Problem(t, http.StatusNotFound)
		do(testenv.Request{Method: "POST", Path: "/api/v1/claims/999999/searches", Role: "editor", Body: searchBody(at, nil)}).Problem(t, http.StatusNotFound)

		// Idempotency-Key: the same key and body replay the first response.
		key := map[string]string{"Idempotency-Key": "search-retry-1"}
		first := do(testenv.Request{Method: "POST", Path: base, Role: "editor", Body: searchBody(at.Add(-time.Hour), nil), Headers: key})
		first.Want(t, http.StatusCreated)
		again := do(testenv.Request{Method: "POST", Path: base, Role: "editor", Body: searchBody(at.Add(-time.Hour), nil), Headers: key})
		if again.Status != http.StatusCreated || again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.Body, first.Body) ||
			again.Header.Get("Location") != first.Header.Get("Location") {
			t.Errorf("replay = %d replayed %q %s, want the first response", again.Status, again.Header.Get("Idempotent-Replayed"), again.Body)
		}
		do(testenv.Request{Method: "POST", Path: base, Role: "editor", Body: searchBody(at, nil), Headers: key}).Problem(t, http.StatusUnprocessableEntity)
		if n := testenv.Count(t, st, "evidence_searches", "claim_id = ?", claimID); n != 2 {
			t.Errorf("%d searches after a create, a keyed create and its replay, want 2", n)
		}
		list := do(testenv.Request{Method: "GET", Path: base + "?limit=1"})
		page := list.Want(t, 200)
		if ids := testenv.ListIDs(t, page); len(ids) != 1 || ids[0] != sid || page["next_cursor"] == nil || !strings.Contains(list.Header.Get("Link"), `rel="next"`) {
			t.Errorf("first page of 1 = %v next %v Link %q", ids, page["next_cursor"], list.Header.Get("Link"))
		}

		// PATCH: If-Match required (428), a stale one is a 412, a good one
		// bumps the version; the result is checked as a whole.
		patch := func(body any, headers map[string]string) *testenv.Response {
			return do(testenv.Request{Method: "PATCH", Path: path, Role: "editor", Body: body, Headers: headers})
		}
		patch(map[string]any{"hits": 20}, nil).Problem(t, http.StatusPreconditionRequired)
		patch(map[string]any{"hits": 20}, map[string]string{"If-Match": `"7"`}).Problem(t, http.StatusPreconditionFailed)
		patch(map[string]any{"hits": 20}, map[string]string{"If-Match": "*"}).Problem(t, http.StatusPreconditionRequired)
		patch(map[string]any{"version": 3}, map[string]string{"If-Match": `"1"`}).Problem(t, http.StatusBadRequest)
		if got := testenv.ProblemFields(patch(map[string]any{"source_ids": []int64{}, "screened": 30},
			map[string]string{"If-Match": `"1"`}).Problem(t, http.StatusUnprocessableEntity)); !slices.Equal(got, []string{"screened", "note"}) {
			t.Errorf("PATCH emptying the sources without a note, screened above hits: fields %v", got)
		}
		for role, status := range map[string]int{"": 401, "reviewer": 403} {
			do(testenv.Request{Method: "PATCH", Path: path, Role: role, Body: map[string]any{"hits": 20},
				Headers: map[string]string{"If-Match": `"1"`}}).Problem(t, status)
		}
		patched := patch(map[string]any{"hits": 20, "database": "embase", "note": "Two reviews, neither on the route."}, map[string]string{"If-Match": `"1"`})
		p := patched.Want(t, 200)
		if p["version"] != 2.0 || p["hits"] != 20.0 || p["database"] != "embase" || p["query"] != s["query"] || patched.Header.Get("ETag") != `"2"` {
			t.Errorf("patched = %v ETag %s", p, patched.Header.Get("ETag"))
		}

		// DELETE: If-Match required, a stale one refused, then 204 and gone.
		del := func(headers map[string]string) *testenv.Response {
			return do(testenv.Request{Method: "DELETE", Path: path, Role: "editor", Headers: headers})
		}
		del(nil).Problem(t, http.StatusPreconditionRequired)
		del(map[string]string{"If-Match": `"1"`}).Problem(t, http.StatusPreconditionFailed)
		do(testenv.Request{Method: "DELETE", Path: path, Role: "reader", Headers: map[string]string{"If-Match": `"2"`}}).Problem(t, http.StatusForbidden)
		del(map[string]string{"If-Match": `"2"`}).Want(t, http.StatusNoContent)
		do(testenv.Request{Method: "GET", Path: path}).Problem(t, http.StatusNotFound)
		del(map[string]string{"If-Match": `"2"`}).Problem(t, http.StatusNotFound)

		// At most 100 searches a claim: the 101st is a 409.
		full := e.vaccinationClaim()
		for i := range 100 {
			if err := st.DB().Exec(`INSERT INTO evidence_searches (claim_id, database_name, query_text, searched_at, hits, screened,
				version, created_by, created_at, updated_at) VALUES (?, 'other', ?, ?, 0, 0, 1, 't', ?, ?)`, full, fmt.Sprint(i), at, at, at).Error; err != nil {
				t.Fatal(err)
			}
		}
		do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/searches", full), Role: "editor", Body: searchBody(at, nil)}).Problem(t, http.StatusConflict)

		// An archived claim's searches are gone with it (410), like its appearances.
		do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d", claimID), Role: "editor"}).Want(t, http.StatusNoContent)
		do(testenv.Request{Method: "GET", Path: base}).Problem(t, http.StatusGone)
		do(testenv.Request{Method: "POST", Path: base, Role: "editor", Body: searchBody(at, nil)}).Problem(t, http.StatusGone)
		do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/appearances", claimID)}).Problem(t, http.StatusGone)
	})
}

// TestSearchesChangeTheClaim: a search is part of the claim's document
// (embedded newest first, its ETag moves with every write of one), of its
// history (snapshots equal to the API's responses) and of the changes
// feed; the claim detail's If-Match with the old document ETag fails after
// a search changed.
func TestSearchesChangeTheClaim(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		claimID := e.vaccinationClaim()
		claimPath := fmt.Sprintf("/api/v1/claims/%d", claimID)
		base := claimPath + "/searches"
		etag := func() string {
			t.Helper()
			return e.s.Do(testenv.Request{Method: "GET", Path: claimPath}).Header.Get("ETag")
		}
		var changesBefore int64
		if err := st.DB().Raw("SELECT COALESCE(MAX(seq), 0) FROM changes").Scan(&changesBefore).Error; err != nil {
			t.Fatal(err)
		}
		tag0 := etag()
		older := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
		newer := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
		// Recorded newer first: the detail orders by searched_at, not by id.
		newest := e.create(base, searchBody(newer, nil))
		tag1 := etag()
		oldest := e.create(base, searchBody(older, map[string]any{"database": "cochrane_library", "query": "mesotherapy"}))
		tag2 := etag()
		detail := e.s.Do(testenv.Request{Method: "GET", Path: claimPath}).Want(t, 200)
		embedded, _ := detail["searches"].([]any)
		if len(embedded) != 2 || testenv.ID(embedded[0].(map[string]any)) != testenv.ID(newest) || testenv.ID(embedded[1].(map[string]any)) != testenv.ID(oldest) {
			t.Errorf("detail searches = %v, want the 2026-11-03 search before the 2026-10-01 one", embedded)
		}
		if b, _ := json.Marshal(embedded[0]); !jsonEqual(t, b, mustJSON(t, newest)) {
			t.Errorf("embedded search %s differs from the created one %s", b, mustJSON(t, newest))
		}
		sid := testenv.ID(oldest)
		path := fmt.Sprintf("%s/%d", base, sid)
		updated := e.s.Do(testenv.Request{Method: "PATCH", Path: path, Role: "editor", Body: map[string]any{"screened": 2, "hits": 2},
			Headers: map[string]string{"If-Match": `"1"`}}).Want(t, 200)
		tag3 := etag()
		// A stale document ETag no longer updates the claim.
		e.s.Do(testenv.Request{Method: "PATCH", Path: claimPath, Role: "editor", Body: map[string]any{"summary": "x"},
			Headers: map[string]string{"If-Match": tag2}}).Problem(t, http.StatusPreconditionFailed)
		e.s.Do(testenv.Request{Method: "DELETE", Path: path, Role: "editor", Headers: map[string]string{"If-Match": `"2"`}}).Want(t, http.StatusNoContent)
		tag4 := etag()
		// A new note changes nothing the rating reads: the claim's own
		// version stays, and only the digest of what it embeds moves.
		version := e.s.Do(testenv.Request{Method: "GET", Path: claimPath}).Want(t, 200)["version"]
		e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("%s/%d", base, testenv.ID(newest)), Role: "editor",
			Body: map[string]any{"note": "Rechecked: still nothing."}, Headers: map[string]string{"If-Match": `"1"`}}).Want(t, 200)
		tag5 := etag()
		if v := e.s.Do(testenv.Request{Method: "GET", Path: claimPath}).Want(t, 200)["version"]; v != version {
			t.Errorf("claim version %v after a note changed, want %v: the note is not rated", v, version)
		}
		tags := []string{tag0, tag1, tag2, tag3, tag4, tag5}
		if len(slices.Compact(slices.Sorted(slices.Values(tags)))) != len(tags) {
			t.Errorf("claim ETags over the search writes = %v, want all different", tags)
		}

		// History: the snapshots are the API's responses.
		h := historyByAction(e, claimID, "")
		firstOf := func(action string) map[string]any {
			evs := h[action]
			if len(evs) == 0 {
				t.Fatalf("history has no %s event", action)
			}
			return evs[len(evs)-1]
		}
		if ev := firstOf("evidence_search.created"); ev["entity"] != "evidence_search" || !jsonEqual(t, mustJSON(t, ev["after"]), mustJSON(t, newest)) || ev["before"] != nil {
			t.Errorf("evidence_search.created = %v, want the created search %v", ev, newest)
		}
		ev := firstOf("evidence_search.updated")
		if !jsonEqual(t, mustJSON(t, ev["before"]), mustJSON(t, oldest)) || !jsonEqual(t, mustJSON(t, ev["after"]), mustJSON(t, updated)) {
			t.Errorf("evidence_search.updated before %v after %v, want %v and %v", ev["before"], ev["after"], oldest, updated)
		}
		if ev := firstOf("evidence_search.deleted"); !jsonEqual(t, mustJSON(t, ev["before"]), mustJSON(t, updated)) || ev["after"] != nil {
			t.Errorf("evidence_search.deleted = %v, want the search as last read", ev)
		}
		if a := snap(t, firstOf("claim.rated"), "after"); a["rating"] != "unproven" || a["cause"] != "evidence_search.created" ||
			!strings.Contains(a["rating_explanation"].(string), "(no_evidence_found)") {
			t.Errorf("claim.rated after the first search = %v", a)
		}

		// The changes feed lists every write of a search, in order.
		res := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/changes?after=%d&limit=200", changesBefore)}).Want(t, 200)
		var actions []string
		for _, c := range res["data"].([]any) {
			m := c.(map[string]any)
			if m["entity"] == "evidence_search" {
				actions = append(actions, fmt.Sprintf("%s %d", m["action"], int64(m["id"].(float64))))
			}
		}
		want := []string{fmt.Sprintf("evidence_search.created %d", testenv.ID(newest)), fmt.Sprintf("evidence_search.created %d", sid),
			fmt.Sprintf("evidence_search.updated %d", sid), fmt.Sprintf("evidence_search.deleted %d", sid),
			fmt.Sprintf("evidence_search.updated %d", testenv.ID(newest))}
		if !slices.Equal(actions, want) {
			t.Errorf("changes of evidence searches = %v, want %v", actions, want)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonEqual compares two JSON documents as values.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(mustJSON(t, x), mustJSON(t, y))
}

// TestSearchRating is issue 18's "unproven and not rated mean the same
// today", through the API: a claim with no usable finding is not_rated
// (not_yet_searched); a documented search makes it unproven
// (no_evidence_found) with the databases and dates in its explanation, and
// raises claim.rated to webhooks; deleting the search makes it not_rated
// again. A graded finding still decides over a search.
func TestSearchRating(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st, func(c *api.Config) { c.WebhookAllowPrivate = true })
		e.mesotherapy()
		claimID := e.vaccinationClaim()
		claimPath := fmt.Sprintf("/api/v1/claims/%d", claimID)
		e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/webhooks", Role: "admin",
			Body: map[string]any{"url": "http://127.0.0.1:9/hook", "event_types": []string{"claim.rated"}}}).Want(t, http.StatusCreated)
		rating := func() map[string]any {
			t.Helper()
			return e.s.Do(testenv.Request{Method: "GET", Path: claimPath}).Want(t, 200)
		}
		c := rating()
		if c["rating"] != "not_rated" || !strings.Contains(c["rating_explanation"].(string), "not_rated (not_yet_searched)") {
			t.Fatalf("a claim nobody looked into = %v: %v", c["rating"], c["rating_explanation"])
		}
		deliveries := testenv.Count(t, st, "webhook_deliveries", "")
		res := e.s.Do(testenv.Request{Method: "POST", Path: claimPath + "/searches", Role: "editor",
			Body: searchBody(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), nil)})
		sid := testenv.ID(res.Want(t, http.StatusCreated))
		c = rating()
		expl := c["rating_explanation"].(string)
		if c["rating"] != "unproven" || c["certainty"] != nil || !strings.Contains(expl, "unproven (no_evidence_found)") ||
			!strings.Contains(expl, `PubMed on 2026-11-03 (query "mesotherapy AND (asthma OR \"cystic fibrosis\")", 12 hits, 3 screened)`) ||
			!strings.Contains(expl, "nothing includable was found") {
			t.Errorf("after a search = %v (certainty %v): %s", c["rating"], c["certainty"], expl)
		}
		if flags := testenv.Strings(c["flags"]); !slices.Contains(flags, "unsupported") || slices.Contains(flags, "stale_grade") {
			t.Errorf("flags after a recent search = %v", flags)
		}
		if n := testenv.Count(t, st, "webhook_deliveries", "event_type = 'claim.rated'"); n != deliveries+1 {
			t.Errorf("claim.rated deliveries = %d, want %d: the search's re-derivation raises it", n, deliveries+1)
		}
		e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("%s/searches/%d", claimPath, sid), Role: "editor",
			Headers: map[string]string{"If-Match": `"1"`}}).Want(t, http.StatusNoContent)
		if c = rating(); c["rating"] != "not_rated" || !strings.Contains(c["rating_explanation"].(string), "(not_yet_searched)") {
			t.Errorf("after the search was deleted = %v: %v", c["rating"], c["rating_explanation"])
		}

		// A graded finding decides; the search is context for the rules.
		works := testenv.ID(e.claim(map[string]any{"text": "Lindert Schmerzen.", "claim_type": "efficacy", "assertion": "effect"}))
		e.linkFinding(works, e.gradedFinding(nil, map[string]any{"measure": "mean_difference", "estimate": 2.0, "ci_low": 1.2,
			"ci_high": 2.8, "threshold": 1.0}), "supports")
		e.create(fmt.Sprintf("/api/v1/claims/%d/searches", works), searchBody(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), nil))
		if c := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", works)}).Want(t, 200); c["rating"] != "accurate" {
			t.Errorf("a claim on a graded finding, with a search = %v, want accurate: %v", c["rating"], c["rating_explanation"])
		}
	})
}

// TestSearchStaleness: a claim whose newest search is older than
// SEARCH_STALE_AFTER carries stale_grade as soon as the search is recorded
// (the sweep handles searches that age later), under the configured limit.
func TestSearchStaleness(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st, func(c *api.Config) { c.SearchStaleAfter = 30 * 24 * time.Hour })
		e.mesotherapy()
		claimID := e.vaccinationClaim()
		path := fmt.Sprintf("/api/v1/claims/%d", claimID)
		flags := func() []string {
			return testenv.Strings(e.s.Do(testenv.Request{Method: "GET", Path: path}).Want(t, 200)["flags"])
		}
		e.create(path+"/searches", searchBody(time.Now().Add(-40*24*time.Hour), nil))
		if f := flags(); !slices.Contains(f, "stale_grade") {
			t.Errorf("flags with a 40-day-old search and SEARCH_STALE_AFTER=30d = %v, want stale_grade", f)
		}
		e.create(path+"/searches", searchBody(time.Now().Add(-2*24*time.Hour), map[string]any{"database": "embase"}))
		if f := flags(); slices.Contains(f, "stale_grade") {
			t.Errorf("flags after a new search = %v, want no stale_grade: the newest search decides", f)
		}
	})
}

// TestLoadConfigSearchStaleAfter: SEARCH_STALE_AFTER takes days or a Go
// duration, defaults to two years, and refuses anything else at start.
func TestLoadConfigSearchStaleAfter(t *testing.T) {
	tests := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", 730 * 24 * time.Hour, true},
		{"365d", 365 * 24 * time.Hour, true},
		{"8760h", 8760 * time.Hour, true},
		{"1d", 24 * time.Hour, true},
		{"36500d", 36500 * 24 * time.Hour, true},
		{"0d", 0, false},
		{"-3d", 0, false},
		{"36501d", 0, false},
		{"2y", 0, false},
		{"1h", 0, false},
		{"1.5d", 0, false},
		{"abc", 0, false},
	}
	for _, tt := range tests {
		cfg, err := api.LoadConfig(func(k string) string {
			if k == "SEARCH_STALE_AFTER" {
				return tt.v
			}
			return ""
		})
		if (err == nil) != tt.ok || (tt.ok && cfg.SearchStaleAfter != tt.want) {
			t.Errorf("SEARCH_STALE_AFTER=%q: %v, %v; want %v ok %v", tt.v, cfg.SearchStaleAfter, err, tt.want, tt.ok)
		}
		if !tt.ok && (err == nil || !strings.Contains(err.Error(), "SEARCH_STALE_AFTER")) {
			t.Errorf("SEARCH_STALE_AFTER=%q: error %v does not name the variable", tt.v, err)
		}
	}
}
