package api_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// Who may call an operation: the weakest role that may, or public for the
// reads that need no key while PUBLIC_READ is true (any key with
// PUBLIC_READ=false). Every operation of the OpenAPI document must be here,
// so that a new route without a rule fails TestRoleMatrix.
const (
	secPublic   = "public"
	secReader   = "reader"
	secReviewer = "reviewer"
	secEditor   = "editor"
	secAdmin    = "admin"
)

var secOperationRoles = map[string]string{
	"getMe": secReader,

	"listTherapies": secPublic, "getTherapy": secPublic,
	"createTherapy": secEditor, "patchTherapy": secEditor,

	"listClaims": secPublic, "getClaim": secPublic,
	"createClaim": secEditor, "patchClaim": secEditor, "archiveClaim": secEditor,

	"listAppearances":  secPublic,
	"createAppearance": secEditor, "patchAppearance": secEditor, "deleteAppearance": secEditor,
	"listSearches": secPublic, "getSearch": secPublic,
	"createSearch": secEditor, "patchSearch": secEditor, "deleteSearch": secEditor,
	"putClaimRating": secEditor, "deleteClaimRating": secEditor,
	"getClaimFhir": secPublic, "getFindingFhir": secPublic,
	"getClaimReview": secPublic, "listClaimReviews": secPublic,
	"exportCatalogue": secPublic, "importCatalogue": secEditor,

	"claimHistory": secPublic, "flagCounts": secPublic, "getAgreement": secPublic,

	"linkClaimFinding": secEditor, "patchClaimFinding": secEditor, "unlinkClaimFinding": secEditor,

	"listQuestions": secPublic, "getQuestion": secPublic, "getQuestionSummary": secPublic,
	"createQuestion": secEditor, "patchQuestion": secEditor,

	"listFindings": secPublic, "getFinding": secPublic, "findingHistory": secPublic,
	"createFinding": secEditor, "patchFinding": secEditor,
	"attachFindingSource": secEditor, "patchFindingSource": secEditor, "detachFindingSource": secEditor,
	"listFindingAssessments": secReviewer, "putMyFindingAssessment": secReviewer, "submitMyFindingAssessment": secReviewer,
	"adjudicateFinding": secEditor,

	"listSources": secPublic, "getSource": secPublic,
	"createSource": secEditor, "patchSource": secEditor,

	"listChanges": secPublic,

	"listKeys": secAdmin, "getKey": secAdmin, "createKey": secAdmin, "revokeKey": secAdmin,
	"listWebhooks": secAdmin, "getWebhook": secAdmin, "createWebhook": secAdmin, "deleteWebhook": secAdmin,
	"listWebhookDeliveries": secAdmin,
}

var secRank = map[string]int{"": 0, secReader: 1, secReviewer: 2, secEditor: 3, secAdmin: 4}

// secCallers are the matrix's columns: anonymous, then one key per role.
var secCallers = []string{"", secReader, secReviewer, secEditor, secAdmin}

// secWant is the status class a caller must get: 401, 403, or "ok" (any
// other status below 500: the request got past authorisation).
func secWant(minRole, caller string, publicRead bool) string {
	if minRole == secPublic {
		if publicRead {
			return "ok"
		}
		minRole = secReader
	}
	switch {
	case caller == "":
		return "401"
	case secRank[caller] < secRank[minRole]:
		return "403"
	}
	return "ok"
}

func secClass(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "401"
	case status == http.StatusForbidden:
		return "403"
	case status >= 500:
		return fmt.Sprint(status)
	}
	return "ok"
}

type secOperation struct {
	id, method, path string
	hasBody          bool
	secured          bool
}

// secOperations lists the /api/v1 operations of the served OpenAPI
// document, sorted.
func secOperations(t *testing.T) []secOperation {
	t.Helper()
	doc, _ := testenv.Spec(t)
	var ops []secOperation
	for path, item := range doc.Paths.Map() {
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		for method, op := range item.Operations() {
			o := secOperation{id: op.OperationID, method: method, path: path, hasBody: op.RequestBody != nil}
			if op.Security != nil {
				for _, req := range *op.Security {
					if _, ok := req["ApiKeyAuth"]; ok {
						o.secured = true
					}
				}
			} else if doc.Security != nil {
				o.secured = len(doc.Security) > 0
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

// secURL fills the path parameters with values that name nothing, so that
// no request of the matrix changes anything: a caller who gets past the
// role check meets a 404 (or a 400/422 for its empty body) instead.
func secURL(path string) string {
	return strings.NewReplacer("{id}", "999999", "{link_id}", "999998", "{slug}", "no-such-therapy").Replace(path)
}

func TestRoleMatrix(t *testing.T) {
	ops := secOperations(t)
	seen := map[string]bool{}
	for _, op := range ops {
		if op.id == "" {
			t.Errorf("%s %s has no operation id (@ID)", op.method, op.path)
			continue
		}
		if seen[op.id] {
			t.Errorf("operation id %s is used twice", op.id)
		}
		seen[op.id] = true
		minRole, ok := secOperationRoles[op.id]
		if !ok {
			t.Errorf("operation %s (%s %s) has no rule in secOperationRoles: say which role it needs", op.id, op.method, op.path)
			continue
		}
		// Swagger UI's Authorize button sends the key only to operations
		// that declare the security scheme.
		if minRole != secPublic && !op.secured {
			t.Errorf("operation %s needs a key but declares no @Security ApiKeyAuth", op.id)
		}
	}
	for id := range secOperationRoles {
		if !seen[id] {
			t.Errorf("secOperationRoles names %s, which the OpenAPI document does not have", id)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	for _, publicRead := range []bool{true, false} {
		t.Run(fmt.Sprintf("PUBLIC_READ=%v", publicRead), func(t *testing.T) {
			testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
				s := testenv.NewServer(t, st, func(c *api.Config) { c.PublicRead = publicRead })
				checked := 0
				for _, op := range ops {
					for _, caller := range secCallers {
						req := testenv.Request{Method: op.method, Path: secURL(op.path), Role: caller,
							Headers: map[string]string{"If-Match": `"1"`}}
						if op.hasBody {
							req.Body = map[string]any{}
						}
						res := s.Do(req)
						want := secWant(secOperationRoles[op.id], caller, publicRead)
						if got := secClass(res.Status); got != want {
							who := caller
							if who == "" {
								who = "anonymous"
							}
							t.Errorf("%s (%s %s) as %s: status %d, want %s; body: %s", op.id, op.method, op.path, who, res.Status, want, res.Body)
						}
						checked++
					}
				}
				t.Logf("role matrix: %d operations × %d callers = %d requests", len(ops), len(secCallers), checked)
			})
		})
	}
}

// TestInventory (OWASP API9): every route the server serves under /api/v1
// is in the OpenAPI document and every operation of the document is
// served. Nothing undocumented, nothing documented that is not there.
func TestInventory(t *testing.T) {
	st := testenv.Open(t, testenv.Backends()[0])
	s := testenv.NewServer(t, st)
	engine, ok := s.Handler.(*gin.Engine)
	if !ok {
		t.Fatalf("the handler is a %T, not a *gin.Engine", s.Handler)
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	var served []string
	for _, r := range engine.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") {
			served = append(served, r.Method+" "+param.ReplaceAllString(r.Path, "{$1}"))
		}
	}
	var documented []string
	for _, op := range secOperations(t) {
		documented = append(documented, op.method+" "+op.path)
	}
	sort.Strings(served)
	sort.Strings(documented)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("%s is served but not in the OpenAPI document (run make docs, or document it)", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(served, d) {
			t.Errorf("%s is in the OpenAPI document but not served", d)
		}
	}
	if len(served) < len(secOperationRoles) {
		t.Errorf("only %d routes served under /api/v1, want at least %d", len(served), len(secOperationRoles))
	}
}

// TestAuditTrail: every write records who (actor id and name), what
// (action, entity, before and after) and in which request (the
// X-Request-ID the client sent); a refused write records nothing.
func TestAuditTrail(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		claimID := secSeedClaim(t, s)
		event := func(requestID string) models.AuditEvent {
			t.Helper()
			var evs []models.AuditEvent
			if err := st.DB().Where("request_id = ?", requestID).Order("id").Find(&evs).Error; err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				t.Fatalf("no audit event with request id %s", requestID)
			}
			return evs[0]
		}
		user := func(name string) int64 {
			t.Helper()
			u, err := st.UserByName(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			return u.ID
		}

		res := s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", claimID)})
		etag := res.Header.Get("ETag")
		res = s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/claims/%d", claimID), Role: "editor",
			Body: map[string]any{"summary": "Infusions relieve pain sooner than tablets"}, Headers: map[string]string{"If-Match": etag, "X-Request-ID": "audit-patch-1"}})
		res.Want(t, http.StatusOK)
		ev := event("audit-patch-1")
		if ev.Action != "claim.updated" || ev.Entity != "claim" || ev.EntityID != claimID || ev.ActorName != "editor" ||
			ev.ActorID == nil || *ev.ActorID != user("editor") || ev.Before == nil || ev.After == nil ||
			!strings.Contains(*ev.Before, "Infusions work faster than tablets") || !strings.Contains(*ev.After, "Infusions relieve pain sooner than tablets") {
			t.Errorf("PATCH event = %+v", ev)
		}
		if time.Since(ev.CreatedAt) > time.Minute || time.Since(ev.CreatedAt) < 0 {
			t.Errorf("event time %v is not now", ev.CreatedAt)
		}

		res = s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor",
			Body: map[string]any{"kind": "cohort", "title": "Audit me"}, Headers: map[string]string{"X-Request-ID": "audit-create-1"}})
		src := res.Want(t, http.StatusCreated)
		ev = event("audit-create-1")
		if ev.Action != "source.created" || ev.EntityID != testenv.ID(src) || ev.ActorName != "editor" || ev.Before != nil ||
			ev.After == nil || !strings.Contains(*ev.After, "Audit me") {
			t.Errorf("POST event = %+v", ev)
		}

		res = s.Do(testenv.Request{Method: "POST", Path: "/api/v1/keys", Role: "admin",
			Body: map[string]any{"name": "audited", "role": "reviewer"}, Headers: map[string]string{"X-Request-ID": "audit-key-1"}})
		key := res.Want(t, http.StatusCreated)
		ev = event("audit-key-1") // user.created, then key.created
		if ev.Action != "user.created" || ev.ActorName != "admin" || ev.ActorID == nil || *ev.ActorID != user("admin") {
			t.Errorf("key issue event = %+v", ev)
		}
		var keyEvents int64
		st.DB().Model(&models.AuditEvent{}).Where("request_id = ? AND action = ? AND entity_id = ?", "audit-key-1", "key.created", testenv.ID(key)).Count(&keyEvents)
		if keyEvents != 1 {
			t.Errorf("%d key.created events for the new key, want 1", keyEvents)
		}
		res = s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/keys/%d", testenv.ID(key)), Role: "admin",
			Headers: map[string]string{"X-Request-ID": "audit-revoke-1"}})
		res.Want(t, http.StatusNoContent)
		ev = event("audit-revoke-1")
		if ev.Action != "key.revoked" || ev.Before == nil || ev.After == nil || !strings.Contains(*ev.Before, `"revoked_at":null`) ||
			strings.Contains(*ev.After, `"revoked_at":null`) {
			t.Errorf("revoke event = %+v", ev)
		}

		// A refused write leaves no trace.
		s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{"kind": "nonsense"},
			Headers: map[string]string{"X-Request-ID": "audit-refused-1"}}).Problem(t, http.StatusUnprocessableEntity)
		s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "reader", Body: map[string]any{"kind": "rct", "title": "T"},
			Headers: map[string]string{"X-Request-ID": "audit-refused-2"}}).Problem(t, http.StatusForbidden)
		var n int64
		st.DB().Model(&models.AuditEvent{}).Where("request_id IN ?", []string{"audit-refused-1", "audit-refused-2"}).Count(&n)
		if n != 0 {
			t.Errorf("%d audit events for refused writes", n)
		}
	})
}
