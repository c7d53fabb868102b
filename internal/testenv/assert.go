package testenv

import (
	"fmt"
	"sync"
	"testing"

	"claimgrade/store"
)

// Want fails the test unless the response has status, and returns its
// JSON object (nil for an empty body).
func (r *Response) Want(t testing.TB, status int) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.JSON(t)
}

// ID reads the "id" of a decoded resource; a resource without a numeric
// id panics, failing the test.
func ID(m map[string]any) int64 {
	v, ok := m["id"].(float64)
	if !ok {
		panic(fmt.Sprintf("resource without a numeric id: %v", m))
	}
	return int64(v)
}

// ListIDs reads the ids of a list body's data, failing the test when it
// has no data array.
func ListIDs(t testing.TB, body map[string]any) []int64 {
	t.Helper()
	data, ok := body["data"].([]any)
	if !ok {
		t.Fatalf("list body has no data array: %v", body)
	}
	ids := make([]int64, len(data))
	for i, d := range data {
		m, _ := d.(map[string]any)
		ids[i] = ID(m)
	}
	return ids
}

// ProblemFields lists the fields a problem's errors name, in order.
func ProblemFields(p map[string]any) []string {
	var out []string
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			out = append(out, fmt.Sprint(m["field"]))
		}
	}
	return out
}

// Strings reads a decoded JSON array of strings (such as "flags"), failing
// loudly on anything else.
func Strings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// Count counts the rows of table matching where ("" matches all).
func Count(t testing.TB, st *store.Store, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := st.DB().Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatalf("count %s where %q: %v", table, where, err)
	}
	return n
}

// Race sends n requests at once (made by req) and returns their responses
// in order.
func (s *Server) Race(n int, req func(i int) Request) []*Response {
	s.T.Helper()
	out := make([]*Response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = s.Do(req(i))
		}()
	}
	close(start)
	wg.Wait()
	return out
}
