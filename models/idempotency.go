package models

import "time"

// IdempotencyRecord remembers the response to a POST sent with an
// Idempotency-Key, per API key, so that a retry replays it instead of
// writing again. Status is nil while the first request is still running.
type IdempotencyRecord struct {
	ID          int64
	APIKeyID    int64 `gorm:"column:api_key_id"`
	IdemKey     string
	Fingerprint string
	Status      *int
	ContentType *string
	Location    *string
	ETag        *string `gorm:"column:etag"`
	Body        []byte
	CreatedAt   time.Time
	CompletedAt *time.Time
}

// TableName is the table of the records.
func (IdempotencyRecord) TableName() string { return "idempotency_keys" }
