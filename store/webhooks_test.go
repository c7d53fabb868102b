package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
	"claimgrade/webhook"
)

// loopback lets tests register receivers on 127.0.0.1.
var loopback = webhook.Policy{AllowPrivate: true}

func createWebhook(t *testing.T, st *store.Store, url string, types ...webhook.EventType) models.Webhook {
	t.Helper()
	w, err := st.CreateWebhook(context.Background(), store.System("test"), store.WebhookInput{URL: url, EventTypes: types}, loopback)
	if err != nil {
		t.Fatalf("CreateWebhook(%s, %v) = %v", url, types, err)
	}
	return w
}

// deliveries lists what the outbox holds, oldest first.
func deliveries(t *testing.T, st *store.Store) []models.WebhookDelivery {
	t.Helper()
	var rows []models.WebhookDelivery
	if err := st.DB().Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestOutboxTriggerMatchesEventOf: the trigger on audit_events enqueues a
// delivery for exactly the audit actions webhook.EventOf maps, with the
// event type it maps them to, once per webhook subscribed to that type and
// for no other webhook. Every action the code audits is tried, so the SQL
// table and the Go table cannot drift apart unnoticed.
func TestOutboxTriggerMatchesEventOf(t *testing.T) {
	// Every audit action written by store/ and review/ (grep "audit(",
	// "auditOutcome(", "Audit(", "AuditFinding(" and the flag events), and
	// claim.rated, which rating changes write.
	all := []string{"claim.created", "claim.updated", "claim.archived", "claim.flagged", "claim.rated",
		"link.created", "link.updated", "link.deleted", "claim_finding.created", "claim_finding.updated", "claim_finding.deleted",
		"finding.created", "finding.updated", "finding.flagged", "finding_source.created", "finding_source.updated", "finding_source.deleted",
		"finding_assessment.created", "finding_assessment.updated", "finding_assessment.submitted", "finding_assessment.revised",
		"finding_assessment.reopened", "finding_grade.decided", "finding_grade.adjudicated", "finding_grade.withdrawn", "finding_grade.reinstated", "assessment.created", "assessment.updated",
		"assessment.submitted", "grade.decided", "grade.adjudicated", "question.created", "question.updated", "source.created",
		"source.updated", "source.retracted", "source.unretracted", "therapy.created", "therapy.updated", "user.created",
		"key.created", "key.revoked", "webhook.created", "webhook.deleted", "dataset.loaded"}
	for _, a := range webhook.Actions() {
		if !slices.Contains(all, a) {
			t.Fatalf("webhook.Actions() has %q, which this test does not try", a)
		}
	}
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		every := createWebhook(t, st, "http://127.0.0.1:9/every", webhook.EventTypes()...)
		retractions := createWebhook(t, st, "http://127.0.0.1:9/retractions", webhook.SourceRetracted)
		for i, action := range all {
			before := len(deliveries(t, st))
			if err := st.RecordEvent(ctx, store.System("test"), action, "test", int64(i+1), map[string]any{"n": i}); err != nil {
				t.Fatal(err)
			}
			got := deliveries(t, st)[before:]
			var want []int64
			event, raises := webhook.EventOf(action)
			if raises {
				want = append(want, every.ID)
				if event == webhook.SourceRetracted {
					want = append(want, retractions.ID)
				}
			}
			var gotIDs []int64
			for _, d := range got {
				gotIDs = append(gotIDs, d.WebhookID)
				if d.EventType != event || d.State != webhook.Pending || d.AttemptCount != 0 || d.NextAttemptAt == nil || d.Lease != nil {
					t.Errorf("audit %s enqueued %+v, want a pending %s delivery, due now", action, d, event)
				}
				if got, want := (webhook.Subject{Entity: d.SubjectEntity, ID: d.SubjectID}), webhook.SubjectOf("test", int64(i+1), nil); got != want {
					t.Errorf("audit %s enqueued a delivery about %+v, want %+v", action, got, want)
				}
			}
			if !slices.Equal(gotIDs, want) {
				t.Errorf("audit %s enqueued deliveries for webhooks %v, want %v", action, gotIDs, want)
			}
		}
		// A finding's grade is about its finding (webhook.SubjectOf), as the
		// review workflow audits it: entity finding_grade, the grade's id, and
		// the finding in finding_id.
		findingID := int64(5)
		for _, action := range []string{"finding_grade.decided", "finding_grade.adjudicated"} {
			before := len(deliveries(t, st))
			err := st.Review(ctx, func(tx *store.ReviewTx) error {
				return tx.AuditFinding(store.System("test"), action, "finding_grade", 77, findingID, nil, map[string]any{"method": "consensus"})
			})
			if err != nil {
				t.Fatal(err)
			}
			got := deliveries(t, st)[before:]
			want := webhook.SubjectOf("finding_grade", 77, &findingID)
			if len(got) != 1 || got[0].SubjectEntity != want.Entity || got[0].SubjectID != want.ID || want != (webhook.Subject{Entity: "finding", ID: 5}) {
				t.Errorf("audit %s of finding 5 enqueued %+v, want one delivery about %+v", action, got, want)
			}
		}
	})
}

// TestOutboxRollback: deliveries are written in the transaction of the
// change, so a change that rolls back leaves none, and one that commits
// leaves its delivery (here through UpdateSource, a real audited change).
func TestOutboxRollback(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		createWebhook(t, st, "http://127.0.0.1:9/", webhook.SourceRetracted)
		src, err := st.CreateSource(ctx, store.System("test"), store.SourceInput{Kind: grading.KindRCT, Title: "A trial"})
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		boom := errors.New("boom")
		err = st.InTx(ctx, func(tx *store.Store) error {
			if _, err := tx.UpdateSource(ctx, store.System("test"), src.ID, src.Version, store.SourcePatch{Retracted: &yes}); err != nil {
				return err
			}
			var n int64
			if err := tx.DB().Model(&models.WebhookDelivery{}).Count(&n).Error; err != nil || n != 1 {
				t.Errorf("inside the transaction: %d deliveries (%v), want 1", n, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		if n := testenv.Count(t, st, "webhook_deliveries", ""); n != 0 {
			t.Fatalf("after the rollback: %d deliveries, want 0", n)
		}
		if _, err := st.UpdateSource(ctx, store.System("test"), src.ID, src.Version, store.SourcePatch{Retracted: &yes}); err != nil {
			t.Fatal(err)
		}
		got := deliveries(t, st)
		if len(got) != 1 || got[0].EventType != webhook.SourceRetracted {
			t.Fatalf("after the commit: %+v, want one source.retracted delivery", got)
		}
	})
}

// TestOutboxClaim: a claimed delivery is invisible to other claims until
// its lease runs out; only the lease holder can finish it; a finished
// delivery records its attempt; and the payload is the audit event's.
func TestOutboxClaim(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := createWebhook(t, st, "http://127.0.0.1:9/", webhook.ClaimRated)
		after := map[string]any{"rating": "overstated"}
		if err := st.RecordEvent(ctx, store.System("test"), "claim.rated", "claim", 42, after); err != nil {
			t.Fatal(err)
		}
		out := st.Outbox()
		now := time.Now()
		jobs, err := out.Claim(ctx, now, 10, "lease-a", now.Add(time.Minute))
		if err != nil || len(jobs) != 1 {
			t.Fatalf("Claim = %v, %v; want one job", jobs, err)
		}
		j := jobs[0]
		if j.WebhookID != w.ID || j.URL != w.URL || j.Secret != w.Secret || j.Attempts != 0 || j.Event.Type != webhook.ClaimRated ||
			j.Event.Data.Entity != "claim" || j.Event.Data.ID != 42 || j.Event.Data.Action != "claim.rated" ||
			j.Event.Data.Seq == nil || string(j.Event.Data.After) != `{"rating":"overstated"}` || string(j.Event.Data.Before) != "null" {
			t.Errorf("job = %+v", j)
		}
		var seq int64
		st.DB().Raw("SELECT seq FROM changes WHERE audit_id = ?", j.Event.Data.AuditID).Scan(&seq)
		if j.Event.Data.Seq == nil || *j.Event.Data.Seq != seq {
			t.Errorf("job seq = %v, want the feed's %d", j.Event.Data.Seq, seq)
		}
		if again, err := out.Claim(ctx, now.Add(59*time.Second), 10, "lease-b", now.Add(2*time.Minute)); err != nil || len(again) != 0 {
			t.Errorf("claim during the lease = %v, %v; want nothing", again, err)
		}
		o := webhook.Outcome{DeliveryID: j.DeliveryID, At: now, StatusCode: 204, Duration: 12 * time.Millisecond, State: webhook.Delivered}
		if err := out.Finish(ctx, "lease-b", o); !errors.Is(err, webhook.ErrLeaseLost) {
			t.Errorf("Finish with another lease = %v, want ErrLeaseLost", err)
		}
		// The lease runs out: another dispatcher takes the delivery, and the
		// first can no longer finish it.
		jobs, err = out.Claim(ctx, now.Add(61*time.Second), 10, "lease-b", now.Add(2*time.Minute))
		if err != nil || len(jobs) != 1 || jobs[0].DeliveryID != j.DeliveryID {
			t.Fatalf("claim after the lease = %v, %v; want the delivery again", jobs, err)
		}
		if err := out.Finish(ctx, "lease-a", o); !errors.Is(err, webhook.ErrLeaseLost) {
			t.Errorf("Finish with the expired lease = %v, want ErrLeaseLost", err)
		}
		if err := out.Finish(ctx, "lease-b", o); err != nil {
			t.Fatal(err)
		}
		got, _, err := st.ListDeliveries(ctx, w.ID, store.Page{})
		if err != nil || len(got) != 1 {
			t.Fatalf("ListDeliveries = %v, %v", got, err)
		}
		d := got[0]
		if d.State != webhook.Delivered || d.AttemptCount != 1 || d.NextAttemptAt != nil || d.Lease != nil || len(d.Attempts) != 1 ||
			d.Attempts[0].StatusCode == nil || *d.Attempts[0].StatusCode != 204 || d.Attempts[0].DurationMS != 12 || d.Attempts[0].Error != nil {
			t.Errorf("delivery after Finish = %+v", d)
		}
		if jobs, _ := out.Claim(ctx, now.Add(time.Hour), 10, "lease-c", now.Add(2*time.Hour)); len(jobs) != 0 {
			t.Errorf("a delivered delivery was claimed again: %v", jobs)
		}
	})
}
