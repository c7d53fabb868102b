package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// catalogEnv is the catalog tests' fixture: the real router over a fresh
// database, plus helpers that create resources through the API (failing
// the test when the API refuses) and read what the database holds.
// Its helpers are methods so that they cannot collide with the helpers of
// other test files in package api_test.
type catalogEnv struct {
	t  *testing.T
	s  *testenv.Server
	st *store.Store
}

func newCatalogEnv(t *testing.T, st *store.Store, configure ...func(*api.Config)) *catalogEnv {
	t.Helper()
	return &catalogEnv{t: t, s: testenv.NewServer(t, st, configure...), st: st}
}

// create POSTs body as the editor and returns the created resource.
func (e *catalogEnv) create(path string, body map[string]any) map[string]any {
	e.t.Helper()
	res := e.s.Do(testenv.Request{Method: "POST", Path: path, Role: "editor", Body: body})
	if res.Status != http.StatusCreated {
		e.t.Fatalf("POST %s %v = %d %s, want 201", path, body, res.Status, res.Body)
	}
	return res.JSON(e.t)
}

// therapy creates a therapy with aliases (language left empty).
func (e *catalogEnv) therapy(slug, name string, aliases ...string) map[string]any {
	e.t.Helper()
	al := []map[string]string{}
	for _, a := range aliases {
		al = append(al, map[string]string{"alias": a})
	}
	return e.create("/api/v1/therapies", map[string]any{"slug": slug, "name": name, "aliases": al})
}

// mesotherapy creates the mesotherapy therapy with a German and a French
// alias.
func (e *catalogEnv) mesotherapy() map[string]any {
	e.t.Helper()
	return e.create("/api/v1/therapies", map[string]any{"slug": "mesotherapy", "name": "Mesotherapy",
		"aliases": []map[string]string{{"alias": "Mesotherapie", "language": "de"}, {"alias": "mésothérapie", "language": "fr"}, {"alias": "mesoterapia", "language": "it"}}})
}

// claim creates a claim; fields override a default German safety claim
// about mesotherapy.
func (e *catalogEnv) claim(fields map[string]any) map[string]any {
	e.t.Helper()
	body := map[string]any{"therapy": "mesotherapy", "text": "Die Behandlung ist nahezu schmerzfrei.", "language": "de", "claim_type": "safety"}
	for k, v := range fields {
		body[k] = v
	}
	return e.create("/api/v1/claims", body)
}

// source creates a source; fields override an RCT without identifiers.
func (e *catalogEnv) source(fields map[string]any) map[string]any {
	e.t.Helper()
	body := map[string]any{"kind": "rct", "title": "A randomised trial"}
	for k, v := range fields {
		body[k] = v
	}
	return e.create("/api/v1/sources", body)
}

// link links a source to a claim.
func (e *catalogEnv) link(claimID, sourceID int64, role string, stance string) map[string]any {
	e.t.Helper()
	body := map[string]any{"source_id": sourceID, "role": role}
	if stance != "" {
		body["stance"] = stance
	}
	return e.create(fmt.Sprintf("/api/v1/claims/%d/links", claimID), body)
}

// catalogDBState is what the catalog tables hold, for asserting that a
// refused request changed nothing.
type catalogDBState struct {
	Therapies, Aliases, Claims, Flags, Sources, Links []map[string]any
	AuditEvents                                       int64
}

func (e *catalogEnv) dbState() catalogDBState {
	e.t.Helper()
	var s catalogDBState
	for _, q := range []struct {
		dst         *[]map[string]any
		table, cols string
		order       string
	}{
		{&s.Therapies, "therapies", "id, slug, name, description, version", "id"},
		{&s.Aliases, "therapy_aliases", "therapy_id, alias, alias_key", "id"},
		{&s.Claims, "claims", "id, therapy_id, text, language, text_en, claim_type, search_text, verdict, certainty, support_count, refute_count, appearance_count, version, archived_at", "id"},
		{&s.Flags, "claim_flags", "claim_id, flag", "claim_id, flag"},
		{&s.Sources, "sources", "id, kind, title, doi, pmid, url, year, retracted, version", "id"},
		{&s.Links, "links", "id, claim_id, source_id, role, stance, version", "id"},
	} {
		if err := e.st.DB().Table(q.table).Select(q.cols).Order(q.order).Find(q.dst).Error; err != nil {
			e.t.Fatalf("read %s: %v", q.table, err)
		}
	}
	s.AuditEvents = testenv.Count(e.t, e.st, "audit_events", "")
	return s
}
