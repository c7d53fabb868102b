package api_test

import (
	"strings"
	"testing"

	"claimgrade/internal/testenv"
)

func TestMetrics(t *testing.T) {
	st := testenv.Open(t, testenv.Backends()[0])
	s := testenv.NewServer(t, st)
	s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims"})
	s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims/12345"})
	res := s.Do(testenv.Request{Method: "GET", Path: "/metrics"})
	if res.Status != 200 {
		t.Fatalf("GET /metrics = %d, want 200", res.Status)
	}
	body := string(res.Body)
	for _, want := range []string{
		`claimgrade_http_requests_total{method="GET",route="/api/v1/claims",status="200"} 1`,
		`claimgrade_http_requests_total{method="GET",route="/api/v1/claims/:id",status="404"} 1`,
		`go_sql_max_open_connections{db_name="claimgrade"} 8`,
		`claimgrade_http_request_duration_seconds_bucket`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /metrics lacks %q", want)
		}
	}
}
