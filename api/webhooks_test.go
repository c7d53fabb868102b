package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/store"
	"claimgrade/webhook"
)

// TestWebhooksAPI: registration (validation with SSRF refusals, the secret
// shown once), get, list, delete, and the admin-only guard.
func TestWebhooksAPI(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		post := func(body any) *testenv.Response {
			return s.Do(testenv.Request{Method: "POST", Path: "/api/v1/webhooks", Role: "admin", Body: body})
		}

		// Refused addresses and schemes: 422 naming url, nothing stored.
		refused := []struct{ url, why string }{
			{"http://93.184.215.14/hook", "must use https"},
			{"https://127.0.0.1/hook", "loopback"},
			{"https://localhost:8443/hook", "loopback"},
			{"https://[::1]/hook", "loopback"},
			{"https://[::ffff:127.0.0.1]/hook", "loopback"},
			{"https://10.0.0.5/hook", "private"},
			{"https://192.168.1.20/hook", "private"},
			{"https://169.254.169.254/latest/meta-data/", "link-local"},
			{"https://0.0.0.0/hook", "unspecified"},
			{"https://nonexistent.invalid/hook", "does not resolve"},
			{"ftp://93.184.215.14/hook", "absolute https URL"},
			{"https://user:secret@93.184.215.14/hook", "user name or password"},
			{"/relative", "absolute https URL"},
		}
		for _, tt := range refused {
			p := post(map[string]any{"url": tt.url, "event_types": []string{"claim.rated"}}).Problem(t, http.StatusUnprocessableEntity)
			errs, _ := p["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["field"] != "url" || !strings.Contains(errs[0].(map[string]any)["message"].(string), tt.why) {
				t.Errorf("url %s: errors = %v, want one url error saying %q", tt.url, p["errors"], tt.why)
			}
		}
		// Every problem at once.
		p := post(map[string]any{"url": "https://127.0.0.1/", "event_types": []string{"claim.rated", "claim.deleted"},
			"description": strings.Repeat("d", 501)}).Problem(t, http.StatusUnprocessableEntity)
		if got := testenv.ProblemFields(p); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"description", "event_types[1]", "url"}) {
			t.Errorf("fields = %v, want description, event_types[1], url", got)
		}
		p = post(map[string]any{"url": "https://93.184.215.14/hook", "event_types": []string{}}).Problem(t, http.StatusUnprocessableEntity)
		if got := testenv.ProblemFields(p); !slices.Equal(got, []string{"event_types"}) {
			t.Errorf("no event types: fields = %v", got)
		}
		post(map[string]any{"url": "https://93.184.215.14/hook", "event_types": []string{"claim.rated"}, "secret": "mine"}).Problem(t, http.StatusBadRequest)
		if n := testenv.Count(t, st, "webhooks", ""); n != 0 {
			t.Fatalf("refused registrations stored %d webhooks", n)
		}

		// Roles: only admins.
		for role, status := range map[string]int{"": 401, "reader": 403, "editor": 403} {
			s.Do(testenv.Request{Method: "POST", Path: "/api/v1/webhooks", Role: role,
				Body: map[string]any{"url": "https://93.184.215.14/hook", "event_types": []string{"claim.rated"}}}).Problem(t, status)
			s.Do(testenv.Request{Method: "GET", Path: "/api/v1/webhooks", Role: role}).Problem(t, status)
		}

		// Register: 201, the secret once, duplicates in event_types dropped.
		res := post(map[string]any{"url": "https://93.184.215.14/hook?desk=1", "description": "Fact-check desk",
			"event_types": []string{"source.retracted", "claim.rated", "claim.rated"}})
		created := res.Want(t, http.StatusCreated)
		secret, _ := created["secret"].(string)
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		if !strings.HasPrefix(secret, "whsec_") || err != nil || len(key) < 24 {
			t.Errorf("secret %q is not whsec_ and base64 of 24+ bytes", secret)
		}
		if got := testenv.Strings(created["event_types"]); !slices.Equal(got, []string{"claim.rated", "source.retracted"}) {
			t.Errorf("event_types = %v", got)
		}
		if created["url"] != "https://93.184.215.14/hook?desk=1" || created["description"] != "Fact-check desk" {
			t.Errorf("created = %v", created)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q", res.Header.Get("Cache-Control"))
		}
		id := testenv.ID(created)
		if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/webhooks/%d", id) {
			t.Errorf("Location = %q", loc)
		}
		got := s.Do(testenv.Request{Method: "GET", Path: res.Header.Get("Location"), Role: "admin"}).Want(t, http.StatusOK)
		if _, ok := got["secret"]; ok || got["url"] != created["url"] {
			t.Errorf("GET = %v: the secret is shown once only", got)
		}
		second := testenv.ID(post(map[string]any{"url": "https://93.184.215.14/other", "event_types": []string{"finding.graded"}}).Want(t, http.StatusCreated))

		// List: paged, never a secret.
		page := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/webhooks?limit=1", Role: "admin"})
		body := page.Want(t, http.StatusOK)
		if ids := testenv.ListIDs(t, body); !slices.Equal(ids, []int64{id}) || body["next_cursor"] == nil || page.Header.Get("Link") == "" {
			t.Errorf("first page = %v", body)
		}
		body = s.Do(testenv.Request{Method: "GET", Path: "/api/v1/webhooks?limit=1&cursor=" + body["next_cursor"].(string), Role: "admin"}).Want(t, http.StatusOK)
		if ids := testenv.ListIDs(t, body); !slices.Equal(ids, []int64{second}) || body["next_cursor"] != nil {
			t.Errorf("second page = %v", body)
		}
		if strings.Contains(string(s.Do(testenv.Request{Method: "GET", Path: "/api/v1/webhooks", Role: "admin"}).Body), "whsec_") {
			t.Errorf("the list shows a secret")
		}
		s.Do(testenv.Request{Method: "GET", Path: "/api/v1/webhooks?state=x", Role: "admin"}).Problem(t, http.StatusBadRequest)

		// Webhook registration is audited, and stays out of the public feed.
		if n := testenv.Count(t, st, "audit_events", "action = 'webhook.created'"); n != 2 {
			t.Errorf("%d webhook.created events, want 2", n)
		}
		if feed := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/changes"}).Want(t, http.StatusOK); strings.Contains(fmt.Sprint(feed), "webhook") {
			t.Errorf("the changes feed shows webhooks: %v", feed)
		}
		var afters []string
		st.DB().Raw("SELECT after FROM audit_events WHERE entity = 'webhook'").Scan(&afters)
		for _, a := range afters {
			if strings.Contains(a, "whsec_") {
				t.Errorf("audit snapshot %s holds the secret", a)
			}
		}

		// Delete: 204, then gone with its deliveries; unknown ids 404.
		s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/webhooks/%d", id), Role: "admin"}).Want(t, http.StatusNoContent)
		s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/webhooks/%d", id), Role: "admin"}).Problem(t, http.StatusNotFound)
		s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/webhooks/%d/deliveries", id), Role: "admin"}).Problem(t, http.StatusNotFound)
		s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/webhooks/%d", id), Role: "admin"}).Problem(t, http.StatusNotFound)
		s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/webhooks/%d", second), Role: "editor"}).Problem(t, http.StatusForbidden)
		s.Do(testenv.Request{Method: "GET", Path: "/api/v1/webhooks/01", Role: "admin"}).Problem(t, http.StatusNotFound)
		if n := testenv.Count(t, st, "webhooks", ""); n != 1 {
			t.Errorf("%d webhooks left, want 1", n)
		}
	})
}

// TestWebhookDeliveriesAPI: with WEBHOOK_ALLOW_PRIVATE, a receiver on
// 127.0.0.1 is registered over HTTP; retracting a source through the API
// enqueues a delivery in the request's transaction (listed as pending, due
// now), a refused request enqueues nothing, and after the dispatcher's
// attempts the list shows each attempt's status code, then the delivered
// state.
func TestWebhookDeliveriesAPI(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st, func(c *api.Config) { c.WebhookAllowPrivate = true })
		status := http.StatusServiceUnavailable
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
		defer rcv.Close()
		wh := testenv.ID(s.Do(testenv.Request{Method: "POST", Path: "/api/v1/webhooks", Role: "admin",
			Body: map[string]any{"url": rcv.URL + "/events", "event_types": []string{"source.retracted"}}}).Want(t, http.StatusCreated))
		deliveries := func() map[string]any {
			return s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/webhooks/%d/deliveries", wh), Role: "admin"}).Want(t, http.StatusOK)
		}

		created := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{"kind": "rct", "title": "A trial"}})
		src := testenv.ID(created.Want(t, http.StatusCreated))
		path := fmt.Sprintf("/api/v1/sources/%d", src)
		// A refused retraction (stale If-Match) rolls back: no delivery.
		s.Do(testenv.Request{Method: "PATCH", Path: path, Role: "editor", Body: map[string]any{"retracted": true},
			Headers: map[string]string{"If-Match": `"99"`}}).Problem(t, http.StatusPreconditionFailed)
		if d := deliveries()["data"].([]any); len(d) != 0 {
			t.Fatalf("a refused retraction enqueued %v", d)
		}
		s.Do(testenv.Request{Method: "PATCH", Path: path, Role: "editor", Body: map[string]any{"retracted": true, "retraction_note": "Fabricated."},
			Headers: map[string]string{"If-Match": created.Header.Get("ETag")}}).Want(t, http.StatusOK)
		list := deliveries()["data"].([]any)
		if len(list) != 1 {
			t.Fatalf("deliveries = %v, want one", list)
		}
		d := list[0].(map[string]any)
		if d["event_type"] != "source.retracted" || d["state"] != "pending" || d["next_attempt_at"] == nil || len(d["attempts"].([]any)) != 0 ||
			d["message_id"] != fmt.Sprintf("msg_%d", testenv.ID(d)) {
			t.Errorf("delivery = %v", d)
		}

		disp := webhook.NewDispatcher(st.Outbox(), webhook.Options{Policy: s.Config.WebhookPolicy()}, nil)
		if n, err := disp.Poll(context.Background()); n != 1 || err != nil {
			t.Fatalf("Poll = %d, %v", n, err)
		}
		d = deliveries()["data"].([]any)[0].(map[string]any)
		attempts := d["attempts"].([]any)
		if d["state"] != "pending" || d["next_attempt_at"] == nil || len(attempts) != 1 || attempts[0].(map[string]any)["status_code"] != float64(503) ||
			attempts[0].(map[string]any)["error"] != nil {
			t.Errorf("after a 503: %v", d)
		}
		// Due again now (the test moves the delivery's time instead of waiting).
		st.DB().Exec("UPDATE webhook_deliveries SET next_attempt_at = created_at")
		status = http.StatusOK
		if n, err := disp.Poll(context.Background()); n != 1 || err != nil {
			t.Fatalf("Poll = %d, %v", n, err)
		}
		d = deliveries()["data"].([]any)[0].(map[string]any)
		attempts = d["attempts"].([]any)
		if d["state"] != "delivered" || d["next_attempt_at"] != nil || len(attempts) != 2 || attempts[1].(map[string]any)["status_code"] != float64(200) {
			t.Errorf("after a 200: %v", d)
		}
		s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/webhooks/%d/deliveries?limit=0", wh), Role: "admin"}).Problem(t, http.StatusBadRequest)
		s.Do(testenv.Request{Method: "GET", Path: "/api/v1/webhooks/999999/deliveries", Role: "admin"}).Problem(t, http.StatusNotFound)
	})
}

// TestWebhookDeliveriesPaging: deliveries page newest first by cursor.
func TestWebhookDeliveriesPaging(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st, func(c *api.Config) { c.WebhookAllowPrivate = true })
		wh := testenv.ID(s.Do(testenv.Request{Method: "POST", Path: "/api/v1/webhooks", Role: "admin",
			Body: map[string]any{"url": "http://127.0.0.1:9/", "event_types": []string{"claim.rated"}}}).Want(t, http.StatusCreated))
		for i := range 5 {
			if err := st.RecordEvent(context.Background(), store.System("test"), "claim.rated", "claim", int64(i+1), nil); err != nil {
				t.Fatal(err)
			}
		}
		var ids []int64
		for cursor := ""; ; {
			path := fmt.Sprintf("/api/v1/webhooks/%d/deliveries?limit=2", wh)
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			body := s.Do(testenv.Request{Method: "GET", Path: path, Role: "admin"}).Want(t, http.StatusOK)
			ids = append(ids, testenv.ListIDs(t, body)...)
			next, _ := body["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		if len(ids) != 5 || !slices.IsSortedFunc(ids, func(a, b int64) int { return int(b - a) }) {
			t.Errorf("paged ids = %v, want 5 newest first", ids)
		}
	})
}
