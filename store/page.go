package store

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// Page limits.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Page asks for one keyset page: rows after the row with id After (before
// it for newest-first lists), at most Limit of them. After 0 starts at the
// beginning.
type Page struct {
	Limit int
	After int64
}

// limit is the effective page size.
func (p Page) limit() int {
	if p.Limit <= 0 {
		return DefaultLimit
	}
	return min(p.Limit, MaxLimit)
}

// fetchSizes are the page sizes a list statement asks for (without the one
// more row that tells whether a next page exists). The LIMIT is written
// into the SQL as a literal (a plan cached for a LIMIT parameter would be
// made for no particular page size), and a few fixed sizes keep the
// statements, and so the plans each connection caches, few.
var fetchSizes = [...]int{10, 25, 50, 100, MaxLimit}

// fetchSize is the LIMIT of a page of limit rows (1 to MaxLimit): the
// smallest of fetchSizes that holds the page, plus one row. trim cuts the
// rows to the page.
func fetchSize(limit int) int {
	for _, n := range fetchSizes {
		if limit <= n {
			return n + 1
		}
	}
	return MaxLimit + 1
}

// ErrBadCursor is returned by DecodeCursor for a cursor this server did not
// issue.
var ErrBadCursor = errors.New("invalid cursor")

const cursorPrefix = "k1:"

// EncodeCursor makes the opaque cursor that continues after id.
func EncodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

// DecodeCursor reads a cursor made by EncodeCursor.
func DecodeCursor(s string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) {
		return 0, ErrBadCursor
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(string(raw), cursorPrefix), 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrBadCursor
	}
	return id, nil
}

// trim cuts a fetched slice of limit+1 rows down to the page and returns
// the cursor that continues after it (empty on the last page).
func trim[T any](rows []T, p Page, id func(T) int64) ([]T, string) {
	if len(rows) <= p.limit() {
		return rows, ""
	}
	rows = rows[:p.limit()]
	return rows, EncodeCursor(id(rows[len(rows)-1]))
}
