package store

import (
	"context"

	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"claimgrade/models"
	"claimgrade/webhook"
)

// MaxWebhookDescription caps a webhook's description.
const MaxWebhookDescription = 500

// WebhookInput registers a webhook.
type WebhookInput struct {
	URL         string
	EventTypes  []webhook.EventType
	Description string
}

// CreateWebhook registers a webhook with a new signing secret, which the
// returned webhook carries (the caller shows it once). The URL must pass
// policy, which resolves its host.
func (s *Store) CreateWebhook(ctx context.Context, a Actor, in WebhookInput, policy webhook.Policy) (models.Webhook, error) {
	var p problems
	if err := policy.CheckURL(ctx, in.URL); err != nil {
		p.add("url", "%s", err.Error())
	}
	var types []webhook.EventType
	if len(in.EventTypes) == 0 {
		p.add("event_types", "must name at least one event type")
	}
	for i, e := range in.EventTypes {
		if err := e.Validate(); err != nil {
			p.validate(fmt.Sprintf("event_types[%d]", i), e)
			continue
		}
		if !slices.Contains(types, e) {
			types = append(types, e)
		}
	}
	slices.Sort(types)
	checkText(&p, "description", in.Description, false, MaxWebhookDescription)
	if err := p.err(); err != nil {
		return models.Webhook{}, err
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return models.Webhook{}, err
	}
	w := models.Webhook{URL: in.URL, Description: in.Description, Secret: secret, CreatedAt: now()}
	for _, e := range types {
		w.EventTypes = append(w.EventTypes, models.WebhookEventType{EventType: e})
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&w).Error; err != nil {
			return fmt.Errorf("create webhook: %w", classify(err))
		}
		return audit(tx, a, "webhook.created", "webhook", w.ID, nil, nil, models.SnapshotOfWebhook(w))
	})
	if err != nil {
		return models.Webhook{}, err
	}
	return w, nil
}

func preloadEventTypes(db *gorm.DB) *gorm.DB {
	return db.Preload("EventTypes", func(db *gorm.DB) *gorm.DB { return db.Order("event_type") })
}

// ListWebhooks lists webhooks by id with their event types.
func (s *Store) ListWebhooks(ctx context.Context, p Page) ([]models.Webhook, string, error) {
	q := preloadEventTypes(s.db.WithContext(ctx))
	if p.After > 0 {
		q = q.Where("id > ?", p.After)
	}
	var rows []models.Webhook
	if err := q.Order("id").Limit(p.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list webhooks: %w", classify(err))
	}
	rows, cursor := trim(rows, p, func(w models.Webhook) int64 { return w.ID })
	return rows, cursor, nil
}

// GetWebhook finds a webhook with its event types.
func (s *Store) GetWebhook(ctx context.Context, id int64) (models.Webhook, error) {
	var w models.Webhook
	err := preloadEventTypes(s.db.WithContext(ctx)).Take(&w, id).Error
	if isNotFound(err) {
		return w, notFound("webhook", id)
	}
	if err != nil {
		return w, fmt.Errorf("find webhook %d: %w", id, classify(err))
	}
	return w, nil
}

// DeleteWebhook removes a webhook with its deliveries: nothing more is
// sent to it (an attempt in flight finishes, and its outcome is dropped).
func (s *Store) DeleteWebhook(ctx context.Context, a Actor, id int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var w models.Webhook
		if err := preloadEventTypes(s.forUpdate(tx)).Take(&w, id).Error; err != nil {
			if isNotFound(err) {
				return notFound("webhook", id)
			}
			return fmt.Errorf("find webhook %d: %w", id, classify(err))
		}
		// The cascades remove its event types, deliveries and attempts.
		if err := tx.Delete(&models.Webhook{}, id).Error; err != nil {
			return fmt.Errorf("delete webhook %d: %w", id, classify(err))
		}
		return audit(tx, a, "webhook.deleted", "webhook", id, nil, models.SnapshotOfWebhook(w), nil)
	})
}

// ListDeliveries lists a webhook's deliveries, newest first, each with its
// attempts in order (two queries a page).
func (s *Store) ListDeliveries(ctx context.Context, webhookID int64, p Page) ([]models.WebhookDelivery, string, error) {
	db := s.db.WithContext(ctx)
	var n int64
	if err := db.Model(&models.Webhook{}).Where("id = ?", webhookID).Count(&n).Error; err != nil {
		return nil, "", fmt.Errorf("find webhook %d: %w", webhookID, classify(err))
	}
	if n == 0 {
		return nil, "", notFound("webhook", webhookID)
	}
	q := db.Preload("Attempts", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).Where("webhook_id = ?", webhookID)
	if p.After > 0 {
		q = q.Where("id < ?", p.After)
	}
	var rows []models.WebhookDelivery
	if err := q.Order("id DESC").Limit(p.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list deliveries of webhook %d: %w", webhookID, classify(err))
	}
	rows, cursor := trim(rows, p, func(d models.WebhookDelivery) int64 { return d.ID })
	return rows, cursor, nil
}

// Outbox is the store as the dispatcher's queue of deliveries.
func (s *Store) Outbox() webhook.Outbox { return outbox{s} }

type outbox struct{ s *Store }

// Claim implements webhook.Outbox. A delivery is claimed when it is
// pending and due, and no delivery to the same webhook about the same
// subject (webhook.SubjectOf) with a smaller seq is still pending, whether
// waiting, retrying or in flight under another lease: per webhook and
// subject, deliveries are sent one at a time in seq order (commit order),
// and a later one waits until the earlier one is delivered or failed.
// Deliveries about other subjects do not wait. The condition stays true
// once true (a delivered or failed delivery never becomes pending again,
// and a delivery committed later has a larger seq), so a claim that read
// it from a slightly older snapshot is still right.
//
// On PostgreSQL the due rows are locked with FOR UPDATE SKIP LOCKED, so
// concurrent dispatchers (one per replica) claim disjoint sets without
// waiting for each other; the claim moves the rows' next attempt to the
// end of the lease, so once it commits no other dispatcher finds them due
// until the lease runs out, and while it holds them they are pending, so
// no dispatcher claims a later delivery of theirs. SQLite has one writer
// at a time (immediate transactions), so the single UPDATE is the claim
// there.
func (o outbox) Claim(ctx context.Context, now time.Time, limit int, lease string, leaseUntil time.Time) ([]webhook.Job, error) {
	s := o.s
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE OF d SKIP LOCKED"
	}
	// The seq of a delivery is its audit event's in the changes feed
	// (changes_audit_id); the earlier unfinished deliveries of a subject are
	// found through webhook_deliveries_subject (00016_webhook_order).
	var ids []int64
	err := s.db.WithContext(ctx).Raw(`UPDATE webhook_deliveries SET lease = ?, next_attempt_at = ?, updated_at = ?
		WHERE id IN (SELECT d.id FROM webhook_deliveries d LEFT JOIN changes dc ON dc.audit_id = d.audit_id
			WHERE d.state = ? AND d.next_attempt_at <= ?
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e JOIN changes ce ON ce.audit_id = e.audit_id
				WHERE e.webhook_id = d.webhook_id AND e.subject_entity = d.subject_entity AND e.subject_id = d.subject_id
				AND e.state = ? AND e.id <> d.id AND ce.seq < dc.seq)
			ORDER BY d.next_attempt_at, d.id LIMIT ?`+lock+`)
		RETURNING id`, lease, micro(leaseUntil), micro(now), webhook.Pending, micro(now), webhook.Pending, limit).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", classify(err))
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []struct {
		ID        int64
		WebhookID int64
		Attempts  int
		EventType webhook.EventType
		URL       string
		Secret    string
		Action    string
		Entity    string
		EntityID  int64
		AuditID   int64
		ClaimID   *int64
		FindingID *int64
		Before    *string
		After     *string
		At        time.Time
		Seq       *int64
	}
	err = s.db.WithContext(ctx).Raw(`SELECT d.id, d.webhook_id, d.attempt_count AS attempts, d.event_type, w.url, w.secret,
			a.action, a.entity, a.entity_id, a.id AS audit_id, a.claim_id, a.finding_id, a.before, a.after, a.created_at AS at,
			(SELECT MIN(c.seq) FROM changes c WHERE c.audit_id = a.id) AS seq
		FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN audit_events a ON a.id = d.audit_id
		WHERE d.id IN ? AND d.lease = ? ORDER BY d.id`, ids, lease).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read claimed deliveries: %w", classify(err))
	}
	jobs := make([]webhook.Job, len(rows))
	for i, r := range rows {
		jobs[i] = webhook.Job{DeliveryID: r.ID, WebhookID: r.WebhookID, URL: r.URL, Secret: r.Secret, Attempts: r.Attempts,
			Event: webhook.Event{Type: r.EventType, Timestamp: r.At.UTC(), Data: webhook.EventData{
				Entity: r.Entity, ID: r.EntityID, Action: r.Action, AuditID: r.AuditID, Seq: r.Seq,
				ClaimID: r.ClaimID, FindingID: r.FindingID, Before: webhook.Snapshot(r.Before), After: webhook.Snapshot(r.After)}}}
	}
	return jobs, nil
}

// Finish implements webhook.Outbox: the attempt and the delivery's new
// state are written together, only while the lease still holds.
func (o outbox) Finish(ctx context.Context, lease string, out webhook.Outcome) error {
	s := o.s
	return s.tx(ctx, func(tx *gorm.DB) error {
		var next *time.Time
		if out.NextAttemptAt != nil {
			t := micro(*out.NextAttemptAt)
			next = &t
		}
		res := tx.Exec(`UPDATE webhook_deliveries SET state = ?, attempt_count = attempt_count + 1, next_attempt_at = ?,
			lease = NULL, updated_at = ? WHERE id = ? AND lease = ?`, out.State, next, now(), out.DeliveryID, lease)
		if res.Error != nil {
			return fmt.Errorf("finish delivery %d: %w", out.DeliveryID, classify(res.Error))
		}
		if res.RowsAffected == 0 {
			return webhook.ErrLeaseLost
		}
		at := models.WebhookAttempt{DeliveryID: out.DeliveryID, At: micro(out.At), DurationMS: out.Duration.Milliseconds()}
		if out.StatusCode != 0 {
			code := out.StatusCode
			at.StatusCode = &code
		}
		if out.Error != "" {
			msg := out.Error
			if len(msg) > 1000 {
				msg = strings.ToValidUTF8(msg[:1000], "")
			}
			at.Error = &msg
		}
		if err := tx.Create(&at).Error; err != nil {
			return fmt.Errorf("record attempt of delivery %d: %w", out.DeliveryID, classify(err))
		}
		return nil
	})
}

// micro is t as the database keeps it: UTC, to the microsecond.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
