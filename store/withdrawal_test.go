package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"claimgrade/bulk"
	"claimgrade/dataset"
	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// demoSource is the demo source with this key, found by its title.
func demoSource(t *testing.T, st *store.Store, key string) models.Source {
	t.Helper()
	d, err := dataset.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Sources {
		if s.Key == key {
			var src models.Source
			if err := st.DB().Where("title = ?", s.Title).Take(&src).Error; err != nil {
				t.Fatalf("source %s: %v", key, err)
			}
			return src
		}
	}
	t.Fatalf("the demo has no source %s", key)
	return models.Source{}
}

// retract retracts (or un-retracts) a source through the store.
func retract(t *testing.T, st *store.Store, src models.Source, retracted bool) models.Source {
	t.Helper()
	note := "Retracted by the journal."
	patch := store.SourcePatch{Retracted: &retracted}
	if retracted {
		patch.RetractionNote = &note
	}
	out, err := st.UpdateSource(context.Background(), store.System("test"), src.ID, src.Version, patch)
	if err != nil {
		t.Fatalf("UpdateSource: %v", err)
	}
	return out
}

// TestWithdrawnGradeRoundTrip: a grade withdrawn because its only trial was
// retracted, and the demo's case-evidence grades, survive export → import
// into an empty catalogue byte for byte; into a catalogue that holds data
// (new ids) the withdrawal names the importing catalogue's source id.
func TestWithdrawnGradeRoundTrip(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			src := testenv.Open(t, b)
			seedDemo(t, src)
			trial := retract(t, src, demoSource(t, src, "costantino-2011"), true)
			first := exportBytes(t, src)
			var withdrawn, caseEvidence int
			for _, line := range bytes.Split(first, []byte("\n")) {
				var l struct {
					Type string       `json:"type"`
					Data bulk.Finding `json:"data"`
				}
				if json.Unmarshal(line, &l) != nil || l.Type != bulk.TypeFinding {
					continue
				}
				for _, g := range l.Data.Grades {
					if g.WithdrawnAt != nil {
						withdrawn++
						if g.WithdrawnReason == nil || !strings.Contains(*g.WithdrawnReason, "every level-setting source is retracted: source") {
							t.Errorf("withdrawn reason %v", g.WithdrawnReason)
						}
					}
					if g.OccurrenceCertainty != nil {
						caseEvidence++
						if g.Certainty != nil || g.Attribution == nil {
							t.Errorf("case-evidence grade %+v", g)
						}
					}
				}
			}
			if want := demoCaseEvidence(t); withdrawn != 1 || caseEvidence != want {
				t.Fatalf("export holds %d withdrawn and %d case-evidence grades, want 1 and %d", withdrawn, caseEvidence, want)
			}
			dst := testenv.Open(t, b)
			if _, err := dst.ImportNDJSON(ctx, store.System("import"), bytes.NewReader(first), store.ImportOptions{}); err != nil {
				t.Fatalf("ImportNDJSON: %v", err)
			}
			if second := exportBytes(t, dst); !bytes.Equal(first, second) {
				t.Fatal("the export of the restored catalogue differs from the file imported")
			}
			// Into a catalogue that holds data: ids move.
			other := testenv.Open(t, b)
			if _, err := other.CreateSource(ctx, store.System("test"), store.SourceInput{Kind: grading.KindRCT, Title: "Another trial"}); err != nil {
				t.Fatal(err)
			}
			if _, err := other.ImportNDJSON(ctx, store.System("import"), bytes.NewReader(first), store.ImportOptions{}); err != nil {
				t.Fatalf("ImportNDJSON into a catalogue with data: %v", err)
			}
			var g models.FindingGrade
			if err := other.DB().Where("withdrawn_at IS NOT NULL").Take(&g).Error; err != nil {
				t.Fatalf("withdrawn grade after the import: %v", err)
			}
			var moved models.Source
			other.DB().Where("title = ?", trial.Title).Take(&moved)
			if moved.ID == trial.ID || g.WithdrawnReason == nil ||
				*g.WithdrawnReason != "every level-setting source is retracted: source "+itoa(moved.ID)+" (rct)" {
				t.Errorf("withdrawn reason %v, want it to name source %d (was %d)", g.WithdrawnReason, moved.ID, trial.ID)
			}
		})
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestLinkedFindingsWithdrawnAndCaseEvidence: the claim-rating engine is
// told, per linked finding, that its grade is withdrawn, that it is case
// evidence, its occurrence certainty and the agreed attribution; neither
// has a GRADE certainty, so no rule rates them as if they had one.
func TestLinkedFindingsWithdrawnAndCaseEvidence(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedDemo(t, st)
		retract(t, st, demoSource(t, st, "costantino-2011"), true)
		var claimIDs []int64
		st.DB().Table("claims").Order("id").Pluck("id", &claimIDs)
		linked, err := store.LinkedFindingsOf(ctx, st, claimIDs)
		if err != nil {
			t.Fatal(err)
		}
		var withdrawn, caseEvidence int
		for _, fs := range linked {
			for _, f := range fs {
				if f.Withdrawn {
					withdrawn++
					if f.Certainty != nil || f.OccurrenceCertainty != nil || !f.Retracted {
						t.Errorf("withdrawn finding %d: certainty %v occurrence %v retracted %v", f.FindingID, f.Certainty, f.OccurrenceCertainty, f.Retracted)
					}
				}
				if f.CaseEvidence {
					caseEvidence++
					if f.Certainty != nil || grading.Deref(f.OccurrenceCertainty) != grading.Low || f.GradeAttribution != grading.AttributionProbable {
						t.Errorf("case evidence %d: certainty %v occurrence %v attribution %q", f.FindingID, f.Certainty, f.OccurrenceCertainty, f.GradeAttribution)
					}
				} else if f.OccurrenceCertainty != nil || f.GradeAttribution != "" {
					t.Errorf("finding %d is not case evidence but has occurrence %v attribution %q", f.FindingID, f.OccurrenceCertainty, f.GradeAttribution)
				}
			}
		}
		if withdrawn == 0 || caseEvidence == 0 {
			t.Errorf("%d withdrawn and %d case-evidence links, want some of each", withdrawn, caseEvidence)
		}
		// The store's derivation agrees with what it stored.
		if bad, err := st.VerifyDerived(ctx, claimIDs); err != nil || len(bad) != 0 {
			t.Errorf("VerifyDerived = %v, %v", bad, err)
		}
	})
}

// demoCaseEvidence counts the demo's case-evidence reviews (those that judge
// attribution): each makes one case-evidence grade.
func demoCaseEvidence(t *testing.T) int {
	t.Helper()
	d, err := dataset.Load()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range d.Reviews {
		if r.Assessments[0].Attribution != nil {
			n++
		}
	}
	if n == 0 {
		t.Fatal("the demo has no case-evidence review")
	}
	return n
}
