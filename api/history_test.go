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
func historyByAction(e *gradingEnv, claimID int64, role string) map[string][]map[string]any {
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
		e := newGradingEnv(t, st)
		claimID, sourceID, evidenceID := e.evidenceClaim("rct", "supports")
		res := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", claimID)})
		res.Want(t, 200)
		e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/claims/%d", claimID), Role: "editor",
			Body:    map[string]any{"text": "Nahezu schmerzfrei.", "therapy": "Infusionstherapie"},
			Headers: map[string]string{"If-Match": res.Header.Get("ETag")}}).Want(t, 200)
		article := e.source("news")
		appearance := testenv.ID(e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/links", claimID), Role: "editor",
			Body: map[string]any{"source_id": article, "role": "appearance"}}).Want(t, 201))
		e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/claims/%d/links/%d", claimID, appearance), Role: "editor",
			Body: map[string]any{"excerpt": "fast schmerzfrei"}, Headers: map[string]string{"If-Match": `"1"`}}).Want(t, 200)
		e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d/links/%d", claimID, appearance), Role: "editor"}).Want(t, 204)
		e.put(claimID, "reviewer", map[string]any{"verdict": "supported"}).Want(t, 201)
		e.putIfMatch(claimID, "reviewer", rob, `"1"`).Want(t, 200)
		e.submit(claimID, "reviewer").Want(t, 200)
		e.assess(claimID, e.r2, rob) // agrees: a consensus grade
		e.adjudicate(claimID, "editor", map[string]any{"certainty": "low", "verdict": "supported", "rationale": "Two levels down."}).Want(t, 200)
		e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d", claimID), Role: "editor"}).Want(t, 204)

		h := historyByAction(e, claimID, "editor")
		for _, action := range []string{"claim.created", "claim.updated", "claim.archived", "claim.flagged", "link.created", "link.updated",
			"link.deleted", "assessment.created", "assessment.updated", "assessment.submitted", "grade.decided", "grade.adjudicated"} {
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
		if c := snap(t, created, "after"); c["therapy"] != "mesotherapy" || testenv.ID(c) != claimID || created["before"] != nil {
			t.Errorf("claim.created = %v, want the claim with therapy mesotherapy", created)
		}
		updated := first("claim.updated")
		if b, a := snap(t, updated, "before"), snap(t, updated, "after"); b["therapy"] != "mesotherapy" || a["therapy"] != "infusion-therapy" ||
			a["text"] != "Nahezu schmerzfrei." || !slices.Contains(b["flags"].([]any), any("ungraded")) {
			t.Errorf("claim.updated before %v after %v", b, a)
		}
		if a := snap(t, first("claim.archived"), "after"); a["archived_at"] == nil || len(a) != 1 {
			t.Errorf("claim.archived after = %v", a)
		}
		if ev := h["claim.flagged"][0]; snap(t, ev, "after")["cause"] != "claim.archived" && snap(t, ev, "after")["cause"] != "grade.adjudicated" {
			t.Errorf("newest claim.flagged = %v", ev)
		}
		if a := snap(t, first("claim.flagged"), "after"); a["cause"] != "claim.created" {
			t.Errorf("first claim.flagged after = %v, want cause claim.created", a)
		}
		var evidence, app map[string]any
		for _, ev := range h["link.created"] {
			switch int64(ev["entity_id"].(float64)) {
			case evidenceID:
				evidence = ev
			case appearance:
				app = ev
			}
		}
		if l := snap(t, evidence, "after"); l["stance"] != "supports" || testenv.ID(l["source"].(map[string]any)) != sourceID ||
			l["source"].(map[string]any)["kind"] != "rct" {
			t.Errorf("evidence link.created after = %v", l)
		}
		if l := snap(t, app, "after"); l["role"] != "appearance" || l["source"].(map[string]any)["title"] == "" {
			t.Errorf("appearance link.created after = %v", l)
		}
		if b, a := snap(t, first("link.updated"), "before"), snap(t, first("link.updated"), "after"); b["excerpt"] != nil || a["excerpt"] != "fast schmerzfrei" {
			t.Errorf("link.updated before %v after %v", b, a)
		}
		if ev := first("link.deleted"); testenv.ID(snap(t, ev, "before")) != appearance || ev["after"] != nil {
			t.Errorf("link.deleted = %v", ev)
		}
		if a := snap(t, first("assessment.created"), "after"); a["reviewer"] != "reviewer" || a["status"] != "draft" || a["risk_of_bias"] != "not_serious" {
			t.Errorf("assessment.created after = %v", a)
		}
		if b, a := snap(t, first("assessment.updated"), "before"), snap(t, first("assessment.updated"), "after"); b["risk_of_bias"] != "not_serious" ||
			a["risk_of_bias"] != "serious" || a["certainty"] != "moderate" || a["derivation"].(map[string]any)["summary"] == "" {
			t.Errorf("assessment.updated before %v after %v", b, a)
		}
		if b, a := snap(t, first("assessment.submitted"), "before"), snap(t, first("assessment.submitted"), "after"); b["status"] != "draft" ||
			a["status"] != "submitted" || a["submitted_at"] == nil {
			t.Errorf("assessment.submitted before %v after %v", b, a)
		}
		decided := first("grade.decided")
		if g := snap(t, decided, "after"); g["method"] != "consensus" || g["certainty"] != "moderate" || len(g["assessment_ids"].([]any)) != 2 || decided["before"] != nil {
			t.Errorf("grade.decided = %v", decided)
		}
		adj := first("grade.adjudicated")
		if b, a := snap(t, adj, "before"), snap(t, adj, "after"); b["method"] != "consensus" || a["method"] != "adjudicated" ||
			a["certainty"] != "low" || a["decided_by"] != "editor" || a["rationale"] != "Two levels down." {
			t.Errorf("grade.adjudicated before %v after %v", b, a)
		}

		// Blinding: a reviewer reads who assessed, never what.
		for action, evs := range historyByAction(e, claimID, e.r3) {
			for _, ev := range evs {
				hidden := ev["before"] == nil && ev["after"] == nil
				if ev["entity"] == "assessment" && !hidden {
					t.Errorf("reviewer-3 reads the content of %s: %v", action, ev)
				}
				if action == "claim.created" && hidden {
					t.Errorf("reviewer-3 does not see the claim.created snapshot")
				}
			}
		}
	})
}

// TestHistoryLegacyRows: events recorded before snapshots had the API's
// shapes (JSON-encoded gorm rows) are converted when read.
func TestHistoryLegacyRows(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newGradingEnv(t, st)
		claimID, sourceID, linkID := e.evidenceClaim("rct", "supports")
		as := testenv.ID(e.assess(claimID, "reviewer", rob))
		var c models.Claim
		var l models.Link
		var a models.Assessment
		db := st.DB()
		if err := db.Take(&c, claimID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Take(&l, linkID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Take(&a, as).Error; err != nil {
			t.Fatal(err)
		}
		g := models.Grade{ID: 77, ClaimID: claimID, Certainty: grading.Moderate.Ptr(), Verdict: grading.Supported, Method: grading.MethodAdjudicated,
			Rationale: "Old.", DecidedBy: "editor", DecidedAt: time.Now().UTC(), EvidenceRevision: 1, AssessmentIDs: []int64{as}}
		row := func(v any) *string {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			return &s
		}
		for _, ev := range []models.AuditEvent{
			{Action: "claim.updated", Entity: "claim", EntityID: claimID, Before: row(c), After: row(c)},
			{Action: "link.updated", Entity: "link", EntityID: linkID, Before: row(l), After: row(l)},
			{Action: "assessment.updated", Entity: "assessment", EntityID: as, Before: row(a), After: row(a)},
			{Action: "grade.adjudicated", Entity: "grade", EntityID: 77, After: row(g)},
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
		if l := snap(t, h["link.updated"][0], "before"); testenv.ID(l["source"].(map[string]any)) != sourceID || l["stance"] != "supports" {
			t.Errorf("legacy link.updated before = %v", l)
		}
		if a := snap(t, h["assessment.updated"][0], "after"); a["reviewer"] != "reviewer" || a["risk_of_bias"] != "serious" {
			t.Errorf("legacy assessment.updated after = %v", a)
		}
		if g := snap(t, h["grade.adjudicated"][0], "after"); g["rationale"] != "Old." || g["method"] != "adjudicated" {
			t.Errorf("legacy grade.adjudicated after = %v", g)
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
	claim := models.Claim{ID: 5, TherapyID: 1, Text: "x", Language: "de", ClaimType: grading.ClaimType("safety"), Verdict: grading.Unsupported,
		EvidenceRevision: 2, Version: 1, CreatedAt: at, UpdatedAt: at}
	link := models.Link{ID: 9, ClaimID: 5, SourceID: 3, Role: grading.RoleEvidence, Version: 1, CreatedAt: at, UpdatedAt: at,
		Source: models.Source{ID: 3, Kind: grading.SourceKind("rct"), Title: "T", Version: 1, CreatedAt: at, UpdatedAt: at}}
	grade := models.Grade{ID: 7, ClaimID: 5, Verdict: grading.Supported, Method: grading.MethodConsensus, DecidedBy: "a", DecidedAt: at,
		EvidenceRevision: 2, AssessmentIDs: []int64{}}
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
		{"link row", "link", link, false},
		{"link snapshot", "link", models.SnapshotOfLink(link), true},
		{"grade row", "grade", grade, false},
		{"grade snapshot", "grade", models.SnapshotOfGrade(grade), true},
		{"assessment row", "assessment", models.Assessment{ID: 4, ClaimID: 5, ReviewerID: 2, Status: grading.StatusDraft, CreatedAt: at, UpdatedAt: at}, false},
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
