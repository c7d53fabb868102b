package store

import (
	"testing"
	"time"
)

// TestDocTimeFastPath: PostgreSQL's JSON times, read directly, give the
// same time, zone and offset as the SQLite driver's layouts give them.
func TestDocTimeFastPath(t *testing.T) {
	for _, in := range []string{
		`"2026-12-07T23:32:37.591899+00:00"`,
		`"2026-12-07T23:32:37+00:00"`,
		`"2026-12-07T23:32:37.5+02:00"`,
		`"1999-01-31T01:02:03.000001-05:30"`,
		`"2026-12-07T23:32:37.591899Z"`,
		`"2026-12-07T23:32:37Z"`,
	} {
		var fast, slow docTime
		if err := fast.UnmarshalJSON([]byte(in)); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if err := slow.parseLayouts([]byte(in)); err != nil {
			t.Fatalf("%s by the layouts: %v", in, err)
		}
		_, fo := fast.Zone()
		_, so := slow.Zone()
		if !fast.Equal(slow.Time) || fo != so || fast.Location().String() != slow.Location().String() || fast.String() != slow.String() {
			t.Errorf("%s: read as %v (%s), the layouts read %v (%s)", in, fast.Time, fast.Location(), slow.Time, slow.Location())
		}
	}
	// Not PostgreSQL's form: the layouts read them.
	for _, in := range []string{`"2026-12-07 23:32:37.591899+00:00"`, `"2026-12-07T23:32:37"`, `"2026-12-07"`} {
		var v docTime
		if err := v.UnmarshalJSON([]byte(in)); err != nil || v.Year() != 2026 || v.Location() != time.UTC {
			t.Errorf("%s: %v (%s), %v", in, v.Time, v.Location(), err)
		}
	}
}
