package models

import "time"

// IdempotencyRecord remembers the response to a POST sent with an
// Idempotency-Key, per API key, so that a retry replays it instead of
// writing again. The record is written in the transaction of the write it
// protects (store.RecordIdempotentResponse); Status is nil only in rows left
// by earlier versions, which recorded a pending key before the write.
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
