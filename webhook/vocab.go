// Package webhook tells integration partners about changes as they happen:
// the vocabulary of event types and delivery states, the address policy that
// keeps deliveries off private networks (SSRF), Standard Webhooks signing,
// and the dispatcher that sends the deliveries of the outbox with retries.
//
// The outbox itself is in the database: a trigger on audit_events
// (migrations/*/00010_webhooks.sql, per statement on PostgreSQL since
// 00011_webhooks_per_statement.sql, with the grade withdrawal events since
// 00013_case_evidence.sql) writes one delivery per subscribed
// webhook in the transaction of the change. Like grading, this package
// imports no database code: the dispatcher reaches the outbox through the
// Outbox interface, which the store implements.
package webhook

import (
	"fmt"
	"slices"

	"claimgrade/grading"
)

// EventType is what a webhook subscribes to.
type EventType string

// The event types, in the design's order.
const (
	ClaimRated        EventType = "claim.rated"         // a claim's rating changed
	ClaimFlagsChanged EventType = "claim.flags_changed" // a claim's flags changed
	FindingGraded     EventType = "finding.graded"      // a finding's grade was decided, adjudicated, withdrawn or reinstated
	SourceRetracted   EventType = "source.retracted"    // a source was marked retracted
)

// EventTypes returns the four event types. Each call returns a new slice.
func EventTypes() []EventType {
	return []EventType{ClaimRated, ClaimFlagsChanged, FindingGraded, SourceRetracted}
}

// ParseEventType accepts exactly the four event types.
func ParseEventType(s string) (EventType, error) { return parse("event type", s, EventTypes()) }

// Validate reports a value outside the vocabulary.
func (e EventType) Validate() error { _, err := ParseEventType(string(e)); return err }

// Scan reads a stored event type (database/sql.Scanner).
func (e *EventType) Scan(src any) error { return scan(e, src, ParseEventType) }

// actions maps the audit actions that raise an event to its type. The
// trigger of migrations/*/00013_case_evidence.sql (before it 00010 and, on
// PostgreSQL, 00011) holds the same table in SQL
// (the database cannot call Go); store/webhooks_test.go proves that the two
// agree, action by action.
var actions = map[string]EventType{
	"claim.rated":               ClaimRated,
	"claim.flagged":             ClaimFlagsChanged,
	"finding_grade.decided":     FindingGraded,
	"finding_grade.adjudicated": FindingGraded,
	// A withdrawal (every level-setting source retracted) or its reversal
	// changes the finding's certainty like a new grade does.
	"finding_grade.withdrawn":  FindingGraded,
	"finding_grade.reinstated": FindingGraded,
	"source.retracted":         SourceRetracted,
}

// EventOf returns the event type an audit action raises, if any.
func EventOf(action string) (EventType, bool) {
	e, ok := actions[action]
	return e, ok
}

// Actions lists the audit actions that raise an event, sorted.
func Actions() []string {
	out := make([]string, 0, len(actions))
	for a := range actions {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// State is where a delivery stands.
type State string

// The delivery states.
const (
	Pending   State = "pending"   // not yet delivered; next_attempt_at says when it is tried
	Delivered State = "delivered" // the receiver answered 2xx
	Failed    State = "failed"    // every allowed attempt failed; no more are made
)

// States returns the three delivery states. Each call returns a new slice.
func States() []State { return []State{Pending, Delivered, Failed} }

// ParseState accepts exactly the three delivery states.
func ParseState(s string) (State, error) { return parse("delivery state", s, States()) }

// Validate reports a value outside the vocabulary.
func (s State) Validate() error { _, err := ParseState(string(s)); return err }

// Scan reads a stored delivery state (database/sql.Scanner).
func (s *State) Scan(src any) error { return scan(s, src, ParseState) }

func parse[T ~string](vocabulary, s string, values []T) (T, error) {
	if slices.Contains(values, T(s)) {
		return T(s), nil
	}
	return "", &grading.VocabularyError{Vocabulary: vocabulary, Value: s, Values: grading.Strings(values)}
}

func scan[T ~string](dst *T, src any, parse func(string) (T, error)) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		var zero T
		return fmt.Errorf("stored %T has type %T, want text", zero, src)
	}
	v, err := parse(s)
	if err != nil {
		return fmt.Errorf("stored value: %w", err)
	}
	*dst = v
	return nil
}

// Subject is the record a delivery is about: deliveries to one webhook
// about one subject are sent in seq order, one at a time (a later one waits
// while an earlier one is pending or retrying, until it is delivered or
// failed); deliveries about other subjects do not wait for them.
type Subject struct {
	Entity string
	ID     int64
}

// SubjectOf is the subject of an audited change: a finding's grade
// (finding_grade.decided, finding_grade.adjudicated: entity finding_grade,
// one row per grading round) is about its finding, so that the rounds of
// one finding keep their order; any other change is about the audited
// entity itself (claim.rated and claim.flagged about their claim,
// source.retracted about its source). The outbox trigger of
// migrations/*/00016_webhook_order.sql computes the same in SQL;
// store/webhooks_test.go checks that they agree.
func SubjectOf(entity string, id int64, findingID *int64) Subject {
	if entity == "finding_grade" && findingID != nil {
		return Subject{Entity: "finding", ID: *findingID}
	}
	return Subject{Entity: entity, ID: id}
}
