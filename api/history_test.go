package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// storageKeys are members of the gorm rows that history snapshots must
// never show.
var storageKeys = []string{"therapy_id", "evidence_revision", "archived_at", "reviewer_id", "decided_by_id", "search_text"}

// historyByAction reads a claim's whole history as role, validated against
// the OpenAPI document by the testenv client, newest first per action.
func historyByAction(e *catalogEnv, claimID int64, role string) map[string][]map[string]any {
	e.t.Helper()
	body := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/history?limit=200", claimID), Role: role}).Want(e.t, 200)
	out := map[string][]map[string]any{}
	for _, ev := range body["data"].([]any) {
		m := ev.(map[string]any)
		out[m["action"].(string)] = append(out[m["action"].(string)], m)
	}
	return out
}

func snap(t *testing.T, ev map[string]any, side string) map[string]any {
	t.Helper()
	if ev == nil {
		t.Fatalf("no event")
	}
	m, _ := ev[side].(map[string]any)
	if m == nil {
		t.Fatalf("%s of %v %v is %v, want a snapshot", side, ev["action"], ev["entity_id"], ev[side])
	}
	return m
}

func TestHistorySnapshotShapes(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		e.therapy("infusion-therapy", "Infusion therapy", "Infusionstherapie")
		claimID := testenv.ID(e.claim(map[string]any{"text": "Lindert Schmerzen.", "claim_type": "efficacy", "assertion": "effect"}))
		res := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", claimID)})
		res.Want(t, 200)
		e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/claims/%d", claimID), Role: "editor",
			Body:    map[string]any{"text": "Nahezu schmerzfrei.", "therapy": "Infusionstherapie"},
			Headers: map[string]string{"If-Match": res.Header.Get("ETag")}}).Want(t, 200)
		article := testenv.ID(e.source(map[string]any{"kind": "news", "title": "News"}))
		appearance := testenv.ID(e.appearance(claimID, article))
		e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/claims/%d/appearances/%d", claimID, appearance), Role: "editor",
			Body: map[string]any{"excerpt": "fast schmerzfrei"}, Headers: map[string]string{"If-Match": `"1"`}}).Want(t, 200)
		e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d/appearances/%d", claimID, appearance), Role: "editor"}).Want(t, 204)
		finding := e.gradedFinding(map[string]any{"therapy": "infusion-therapy"}, map[string]any{"measure": "mean_difference", "estimate": 2.0, "ci_low": 1.2, "ci_high": 2.8, "threshold": 1.0})
		e.linkFinding(claimID, finding, "supports")
		cur := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", claimID)})
		cur.Want(t, 200)
		over := e.s.Do(testenv.Request{Method: "PUT", Path: fmt.Sprintf("/api/v1/claims/%d/rating", claimID), Role: "editor",
			Body:    map[string]any{"rating": "overstated", "rationale": "The trial measured another population."},
			Headers: map[string]string{"If-Match": cur.Header.Get("ETag")}})
		over.Want(t, 200)
		e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d/rating", claimID), Role: "editor",
			Headers: map[string]string{"If-Match": over.Header.Get("ETag")}}).Want(t, 200)
		e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d", claimID), Role: "editor"}).Want(t, 204)

		h := historyByAction(e, claimID, "editor")
		for _, action := range []string{"claim.created", "claim.updated", "claim.archived", "claim.flagged", "claim.rated", "appearance.created",
			"appearance.updated", "appearance.deleted", "claim_finding.created", "claim.override_set", "claim.override_removed"} {
			if len(h[action]) == 0 {
				t.Errorf("history has no %s event", action)
			}
		}
		for action, evs := range h {
			for _, ev := range evs {
				for _, side := range []string{"before", "after"} {
					m, _ := ev[side].(map[string]any)
					for _, k := range storageKeys {
						if _, ok := m[k]; ok && !(action == "claim.archived" && k == "archived_at") {
							t.Errorf("%s %s has the storage member %s: %v", action, side, k, m)
						}
					}
				}
			}
		}
		first := func(action string) map[string]any { // the oldest event of an action
			if evs := h[action]; len(evs) > 0 {
				return evs[len(evs)-1]
			}
			return nil
		}
		created := first("claim.created")
		if c := snap(t, created, "after"); c["therapy"] != "mesotherapy" || testenv.ID(c) != claimID || created["before"] != nil || c["rating"] != "not_rated" {
			t.Errorf("claim.created = %v, want the claim with therapy mesotherapy, not rated", created)
		}
		updated := first("claim.updated")
		if b, a := snap(t, updated, "before"), snap(t, updated, "after"); b["therapy"] != "mesotherapy" || a["therapy"] != "infusion-therapy" ||
			a["text"] != "Nahezu schmerzfrei." || !slices.Contains(b["flags"].([]any), any("ungraded")) {
			t.Errorf("claim.updated before %v after %v", b, a)
		}
		if a := snap(t, first("claim.archived"), "after"); a["archived_at"] == nil || len(a) != 1 {
			t.Errorf("claim.archived after = %v", a)
		}
		if a := snap(t, first("claim.flagged"), "after"); a["cause"] != "claim.created" {
			t.Errorf("first claim.flagged after = %v, want cause claim.created", a)
		}
		rated := first("claim.rated")
		if b, a := snap(t, rated, "before"), snap(t, rated, "after"); b["rating"] != "not_rated" || a["rating"] != "accurate" ||
			a["rating_source"] != "rule" || a["cause"] != "claim_finding.created" || a["certainty"] != "high" || a["rating_explanation"] == "" {
			t.Errorf("claim.rated before %v after %v", b, a)
		}
		if a := snap(t, first("claim.override_set"), "after"); a["override"] == nil || a["override"].(map[string]any)["rationale"] != "The trial measured another population." {
			t.Errorf("claim.override_set after = %v", a)
		}
		if b, a := snap(t, first("claim.override_removed"), "before"), snap(t, first("claim.override_removed"), "after"); b["rating"] != "overstated" ||
			b["rating_source"] != "editor" || a["override"] != nil {
			t.Errorf("claim.override_removed before %v after %v", b, a)
		}
		if len(h["claim.rated"]) != 3 { // accurate by the rules, overstated by the editor, accurate again
			t.Errorf("claim.rated events = %d, want 3", len(h["claim.rated"]))
		}
		if l := snap(t, first("appearance.created"), "after"); testenv.ID(l["source"].(map[string]any)) != article || l["url"] != nil {
			t.Errorf("appearance.created after = %v", l)
		}
		if b, a := snap(t, first("appearance.updated"), "before"), snap(t, first("appearance.updated"), "after"); b["excerpt"] != nil || a["excerpt"] != "fast schmerzfrei" {
			t.Errorf("appearance.updated before %v after %v", b, a)
		}
		if ev := first("appearance.deleted"); testenv.ID(snap(t, ev, "before")) != appearance || ev["after"] != nil {
			t.Errorf("appearance.deleted = %v", ev)
		}
		if cf := snap(t, first("claim_finding.created"), "after"); cf["stance"] != "supports" || int64(cf["finding_id"].(float64)) != finding {
			t.Errorf("claim_finding.created after = %v", cf)
		}
	})
}

// TestHistoryLegacyRows: events recorded before snapshots had the API's
// shapes (JSON-encoded gorm rows) are converted when read; events of the
// retired claim-level review are kept in the table but not served.
func TestHistoryLegacyRows(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		claimID := testenv.ID(e.claim(nil))
		sourceID := testenv.ID(e.source(map[string]any{"kind": "web_article", "title": "Blog"}))
		linkID := testenv.ID(e.appearance(claimID, sourceID))
		var c models.Claim
		var l models.Link
		db := st.DB()
		if err := db.Take(&c, claimID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Take(&l, linkID).Error; err != nil {
			t.Fatal(err)
		}
		row := func(v any) *string {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			return &s
		}
		old := `{"id":4,"claim_id":1,"reviewer_id":2,"verdict":"supported"}`
		for _, ev := range []models.AuditEvent{
			{Action: "claim.updated", Entity: "claim", EntityID: claimID, Before: row(c), After: row(c)},
			{Action: "link.updated", Entity: "link", EntityID: linkID, Before: row(l), After: row(l)},
			{Action: "assessment.updated", Entity: "assessment", EntityID: 4, Before: &old, After: &old},
			{Action: "grade.adjudicated", Entity: "grade", EntityID: 77, After: &old},
		} {
			ev.ActorName, ev.ClaimID, ev.CreatedAt = "legacy", &claimID, time.Now().UTC()
			if err := db.Create(&ev).Error; err != nil {
				t.Fatalf("plant %s: %v", ev.Action, err)
			}
		}
		h := historyByAction(e, claimID, "editor")
		if c := snap(t, h["claim.updated"][0], "after"); c["therapy"] != "mesotherapy" || c["text"] == "" {
			t.Errorf("legacy claim.updated after = %v", c)
		}
		if l := snap(t, h["link.updated"][0], "before"); testenv.ID(l["source"].(map[string]any)) != sourceID {
			t.Errorf("legacy link.updated before = %v", l)
		}
		if len(h["assessment.updated"])+len(h["grade.adjudicated"]) != 0 {
			t.Errorf("the retired claim-level review is served: %v %v", h["assessment.updated"], h["grade.adjudicated"])
		}
		if n := testenv.Count(t, st, "audit_events", "claim_id = ? AND entity IN ('assessment', 'grade')", claimID); n != 2 {
			t.Errorf("retired events in the table = %d, want 2 (kept)", n)
		}
	})
}

// TestHistorySchemaRejectsStorageRows: the served document types before
// and after precisely enough that a storage row fails validation, and a
// snapshot passes.
func TestHistorySchemaRejectsStorageRows(t *testing.T) {
	doc, _ := testenv.Spec(t)
	ev := doc.Components.Schemas["HistoryEvent"]
	if ev == nil {
		t.Fatal("no HistoryEvent schema")
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	claim := models.Claim{ID: 5, TherapyID: 1, Text: "x", Language: "de", ClaimType: grading.ClaimType("safety"), Assertion: grading.AssertAbsence,
		Hedge: grading.HedgeNone, Rating: grading.RatingNotRated, RatingSource: grading.SourceRule, Version: 1, CreatedAt: at, UpdatedAt: at}
	link := models.Link{ID: 9, ClaimID: 5, SourceID: 3, Role: grading.RoleAppearance, Version: 1, CreatedAt: at, UpdatedAt: at,
		Source: models.Source{ID: 3, Kind: grading.SourceKind("news"), Title: "T", Version: 1, CreatedAt: at, UpdatedAt: at}}
	note := "Nothing includable."
	search := models.EvidenceSearch{ID: 4, ClaimID: 5, Database: grading.DatabasePubMed, Query: "q", SearchedAt: at, Hits: 1, Screened: 1,
		Note: &note, Version: 1, CreatedBy: "erin", CreatedAt: at, UpdatedAt: at, Sources: []models.EvidenceSearchSource{{SearchID: 4, SourceID: 3}}}
	by, why := "editor", "Misleading."
	overridden := claim
	falseRating := grading.RatingFalse
	overridden.OverrideRating, overridden.OverrideRationale, overridden.OverrideBy, overridden.OverrideAt = &falseRating, &why, &by, &at
	event := func(entity string, after any) map[string]any {
		b, err := json.Marshal(after)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		return map[string]any{"id": 1.0, "action": entity + ".updated", "entity": entity, "entity_id": 5.0, "actor": "editor",
			"request_id": nil, "created_at": at.Format(time.RFC3339), "before": nil, "after": v}
	}
	for _, tt := range []struct {
		name   string
		entity string
		after  any
		valid  bool
	}{
		{"claim row", "claim", claim, false},
		{"claim snapshot", "claim", models.SnapshotOfClaim(claim, "mesotherapy", nil), true},
		{"link row", "appearance", link, false},
		{"appearance snapshot", "appearance", models.SnapshotOfAppearance(link), true},
		{"search row", "evidence_search", search, false},
		{"search snapshot", "evidence_search", models.SnapshotOfEvidenceSearch(search), true},
		{"search snapshot with a storage member", "evidence_search", map[string]any{"id": 4, "claim_id": 5, "database": "pubmed",
			"query": "q", "searched_at": at, "hits": 1, "screened": 1, "source_ids": []int64{}, "note": nil, "version": 1,
			"created_by": "erin", "created_at": at, "updated_at": at, "query_text": "q"}, false},
		{"rating", "claim", models.SnapshotOfRating(claim), true},
		{"rating with an override", "claim", models.SnapshotOfRating(overridden), true},
		{"rating with a storage member", "claim", map[string]any{"rating": "false", "rating_source": "rule", "certainty": nil,
			"rating_explanation": "x", "override": nil, "override_basis": "abc"}, false},
		{"flags", "claim", models.FlagsSnapshot{Flags: []grading.Flag{grading.FlagUngraded}, Cause: "claim.created"}, true},
		{"archive", "claim", models.ArchiveSnapshot{ArchivedAt: at}, true},
		{"archive with a storage member", "claim", map[string]any{"archived_at": at, "claim_id": 5}, false},
		{"any object", "claim", map[string]any{"value": "x"}, false},
	} {
		err := ev.Value.VisitJSON(event(tt.entity, tt.after))
		if tt.valid && err != nil {
			t.Errorf("%s: rejected by the schema: %v", tt.name, err)
		}
		if !tt.valid && err == nil {
			t.Errorf("%s: accepted by the schema, want rejected", tt.name)
		}
	}
}
