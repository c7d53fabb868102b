package models

import (
	"time"

	"claimgrade/webhook"
)

// Webhook is a partner's registered receiver (migrations/*/00010_webhooks.sql).
type Webhook struct {
	ID          int64 `gorm:"primaryKey"`
	URL         string
	Description string
	// Secret signs every delivery; it is shown once, when created.
	Secret     string
	EventTypes []WebhookEventType `gorm:"foreignKey:WebhookID"`
	CreatedAt  time.Time
}

// Types lists the webhook's event types.
func (w Webhook) Types() []webhook.EventType {
	out := make([]webhook.EventType, len(w.EventTypes))
	for i, e := range w.EventTypes {
		out[i] = e.EventType
	}
	return out
}

// WebhookEventType is one event type a webhook subscribes to.
type WebhookEventType struct {
	WebhookID int64             `gorm:"primaryKey;autoIncrement:false"`
	EventType webhook.EventType `gorm:"primaryKey"`
}

// WebhookDelivery is one event for one webhook in the outbox, written by
// the trigger on audit_events, with its attempts.
type WebhookDelivery struct {
	ID            int64 `gorm:"primaryKey"`
	WebhookID     int64
	AuditID       int64
	EventType     webhook.EventType
	SubjectEntity string // the record it is about (webhook.SubjectOf): per webhook and
	SubjectID     int64  // subject, deliveries are sent in seq order, one at a time
	State         webhook.State
	AttemptCount  int
	NextAttemptAt *time.Time
	Lease         *string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Attempts      []WebhookAttempt `gorm:"foreignKey:DeliveryID"`
}

// WebhookAttempt is one try at sending a delivery.
type WebhookAttempt struct {
	ID         int64 `gorm:"primaryKey"`
	DeliveryID int64
	At         time.Time
	StatusCode *int
	Error      *string
	DurationMS int64 `gorm:"column:duration_ms"`
}

// WebhookSnapshot is a webhook in the audit trail: never its secret.
type WebhookSnapshot struct {
	ID          int64               `json:"id"`
	URL         string              `json:"url"`
	EventTypes  []webhook.EventType `json:"event_types"`
	Description string              `json:"description"`
	CreatedAt   time.Time           `json:"created_at"`
}

// SnapshotOfWebhook is w as the audit trail records it.
func SnapshotOfWebhook(w Webhook) WebhookSnapshot {
	return WebhookSnapshot{ID: w.ID, URL: w.URL, EventTypes: w.Types(), Description: w.Description, CreatedAt: w.CreatedAt}
}
