package webhook

import (
	"encoding/json"
	"time"
)

// Event is the body of a delivery, shaped as the Standard Webhooks
// specification recommends: the type, when the change happened, and data.
// It is built from the audit event that raised it, which is never changed,
// so every attempt of a delivery sends the same bytes.
type Event struct {
	Type      EventType `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      EventData `json:"data"`
}

// EventData says what changed: the audited entity and action, the audit
// event's id and its seq in the changes feed (GET /api/v1/changes), the
// claim or finding it belongs to, and the entity before and after the change
// in the API's snapshot shapes (as GET .../history shows them).
type EventData struct {
	Entity    string          `json:"entity"`
	ID        int64           `json:"id"`
	Action    string          `json:"action"`
	AuditID   int64           `json:"audit_id"`
	Seq       *int64          `json:"seq"`
	ClaimID   *int64          `json:"claim_id,omitempty"`
	FindingID *int64          `json:"finding_id,omitempty"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
}

// Snapshot turns a stored snapshot (JSON text, or NULL) into the raw JSON
// of a payload: null for none, a JSON string for text that is not JSON.
func Snapshot(stored *string) json.RawMessage {
	if stored == nil {
		return json.RawMessage("null")
	}
	if json.Valid([]byte(*stored)) {
		return json.RawMessage(*stored)
	}
	b, _ := json.Marshal(*stored)
	return b
}

// Body is the JSON body of the event.
func (e Event) Body() ([]byte, error) {
	e.Timestamp = e.Timestamp.UTC()
	return json.Marshal(e)
}
