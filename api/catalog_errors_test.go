package api_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// catalogProblemTypes is the problem type each status answers with.
var catalogProblemTypes = map[int]string{
	400: "/problems/malformed-request",
	404: "/problems/not-found",
	405: "/problems/method-not-allowed",
	409: "/problems/conflict",
	410: "/problems/gone",
	412: "/problems/precondition-failed",
	413: "/problems/request-too-large",
	415: "/problems/unsupported-media-type",
	422: "/problems/validation",
	428: "/problems/precondition-required",
}

// catalogCheckProblem asserts the parts every problem shares: status, type,
// request id (body = header), and no internals in the detail.
func catalogCheckProblem(t *testing.T, res *testenv.Response, status int) map[string]any {
	t.Helper()
	p := res.Problem(t, status)
	if want, ok := catalogProblemTypes[status]; ok && p["type"] != want {
		t.Errorf("problem type = %v, want %s", p["type"], want)
	}
	if rid := res.Header.Get("X-Request-ID"); rid == "" || p["request_id"] != rid {
		t.Errorf("problem request_id = %v, X-Request-ID = %q; want equal and set", p["request_id"], rid)
	}
	detail := strings.ToLower(fmt.Sprint(p["detail"]))
	for _, leak := range []string{"gorm", "sqlstate", "select ", "insert ", "goroutine", ".go:"} {
		if strings.Contains(detail, leak) {
			t.Errorf("problem detail leaks internals (%q): %s", leak, p["detail"])
		}
	}
	return p
}

// catalogProblemCase is one request that must be refused.
type catalogProblemCase struct {
	name       string
	method     string
	path       string
	role       string
	body       any
	headers    map[string]string // name, value, name, value...
	status     int
	fields     []string // fields named in errors, in any order
	existingID int64
	allow      []string // for 405, sorted
	etag       string   // for 412: the ETag of the current version
}

func TestCatalogProblems(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		meso := e.mesotherapy()
		infusion := e.therapy("infusion-therapy", "Infusion therapy", "Infusionstherapie")
		claim := e.claim(nil)
		other := e.claim(map[string]any{"text": "Infusionen wirken schneller als Tabletten.", "therapy": "Infusionstherapie", "claim_type": "comparative"})
		rct := e.source(map[string]any{"doi": "10.1155/2011/317183", "pmid": "20953425", "title": "Mesotherapy versus Systemic Therapy"})
		second := e.source(map[string]any{"kind": "cohort", "title": "A cohort", "doi": "10.1000/other", "pmid": "123"})
		article := e.source(map[string]any{"kind": "web_article", "title": "Mesotherapie bei Rückenschmerzen"})
		link := e.appearance(testenv.ID(claim), testenv.ID(article))

		c, o, r, s2, l := testenv.ID(claim), testenv.ID(other), testenv.ID(rct), testenv.ID(second), testenv.ID(link)
		claimPath := fmt.Sprintf("/api/v1/claims/%d", c)
		linkPath := fmt.Sprintf("/api/v1/claims/%d/appearances/%d", c, l)
		badCursor := base64.RawURLEncoding.EncodeToString([]byte("k2:5"))
		zeroCursor := base64.RawURLEncoding.EncodeToString([]byte("k1:0"))
		current := func(id int64, table string) string {
			var v int64
			if err := st.DB().Table(table).Select("version").Where("id = ?", id).Scan(&v).Error; err != nil {
				t.Fatalf("read version of %s %d: %v", table, id, err)
			}
			return fmt.Sprintf(`"%d"`, v)
		}

		tests := []catalogProblemCase{
			{name: "malformed JSON", method: "POST", path: "/api/v1/claims", role: "editor", body: `{"therapy": "mesotherapy",`, status: 400},
			{name: "malformed JSON syntax", method: "POST", path: "/api/v1/claims", role: "editor", body: `{"therapy": mesotherapy}`, status: 400},
			{name: "trailing data after the object", method: "POST", path: "/api/v1/claims", role: "editor", body: `{"text": "a"} {"text": "b"}`, status: 400},
			{name: "body is an array", method: "POST", path: "/api/v1/sources", role: "editor", body: `[1, 2]`, status: 400},
			{name: "empty body", method: "POST", path: "/api/v1/sources", role: "editor", body: ` `, status: 400},
			{name: "unknown field", method: "POST", path: "/api/v1/claims", role: "editor",
				body: map[string]any{"therapy": "mesotherapy", "text": "x y z", "language": "de", "claim_type": "safety", "colour": "red"}, status: 400, fields: []string{"colour"}},
			{name: "unknown field on source", method: "POST", path: "/api/v1/sources", role: "editor",
				body: map[string]any{"kind": "rct", "title": "T", "journal": "J"}, status: 400, fields: []string{"journal"}},
			{name: "wrong type", method: "POST", path: "/api/v1/claims", role: "editor",
				body: map[string]any{"therapy": "mesotherapy", "text": 5, "language": "de", "claim_type": "safety"}, status: 400, fields: []string{"text"}},
			{name: "wrong type for year", method: "POST", path: "/api/v1/sources", role: "editor",
				body: map[string]any{"kind": "rct", "title": "T", "year": "2011"}, status: 400, fields: []string{"year"}},

			{name: "PATCH wrong content type", method: "PATCH", path: claimPath, role: "editor", body: `text=x`,
				headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "If-Match": current(c, "claims")}, status: 415},
			{name: "POST text/plain", method: "POST", path: "/api/v1/sources", role: "editor", body: `{"kind":"rct","title":"T"}`,
				headers: map[string]string{"Content-Type": "text/plain"}, status: 415},

			{name: "bad cursor", method: "GET", path: "/api/v1/claims?cursor=bogus!", status: 400, fields: []string{"cursor"}},
			{name: "foreign cursor", method: "GET", path: "/api/v1/claims?cursor=" + badCursor, status: 400, fields: []string{"cursor"}},
			{name: "cursor for id 0", method: "GET", path: "/api/v1/sources?cursor=" + zeroCursor, status: 400, fields: []string{"cursor"}},
			{name: "limit=0", method: "GET", path: "/api/v1/claims?limit=0", status: 400, fields: []string{"limit"}},
			{name: "limit=201", method: "GET", path: "/api/v1/claims?limit=201", status: 400, fields: []string{"limit"}},
			{name: "limit=abc", method: "GET", path: "/api/v1/claims?limit=abc", status: 400, fields: []string{"limit"}},
			{name: "limit=-1 on sources", method: "GET", path: "/api/v1/sources?limit=-1", status: 400, fields: []string{"limit"}},
			{name: "limit=201 on therapies", method: "GET", path: "/api/v1/therapies?limit=201", status: 400, fields: []string{"limit"}},
			{name: "limit=0 on links", method: "GET", path: claimPath + "/appearances?limit=0", status: 400, fields: []string{"limit"}},
			{name: "unknown query parameter", method: "GET", path: "/api/v1/claims?colour=red", status: 400, fields: []string{"colour"}},
			{name: "claim filter on sources", method: "GET", path: "/api/v1/sources?rating=accurate", status: 400, fields: []string{"rating"}},
			{name: "query parameter on therapies", method: "GET", path: "/api/v1/therapies?q=meso", status: 400, fields: []string{"q"}},
			{name: "invalid rating filter", method: "GET", path: "/api/v1/claims?rating=true", status: 400, fields: []string{"rating"}},
			{name: "invalid assertion filter", method: "GET", path: "/api/v1/claims?assertion=claim", status: 400, fields: []string{"assertion"}},
			{name: "the retired verdict filter", method: "GET", path: "/api/v1/claims?verdict=supported", status: 400, fields: []string{"verdict"}},
			{name: "invalid flag filter", method: "GET", path: "/api/v1/claims?flag=ungraded&flag=dubious", status: 400, fields: []string{"flag"}},
			{name: "invalid certainty filter", method: "GET", path: "/api/v1/claims?certainty=very-low", status: 400, fields: []string{"certainty"}},
			{name: "invalid claim_type filter", method: "GET", path: "/api/v1/claims?claim_type=miracle", status: 400, fields: []string{"claim_type"}},
			{name: "every invalid filter at once", method: "GET", path: "/api/v1/claims?rating=x&certainty=y&claim_type=z&assertion=w", status: 400, fields: []string{"rating", "certainty", "claim_type", "assertion"}},
			{name: "invalid kind filter", method: "GET", path: "/api/v1/sources?kind=blog", status: 400, fields: []string{"kind"}},
			{name: "invalid retracted filter", method: "GET", path: "/api/v1/sources?retracted=maybe", status: 400, fields: []string{"retracted"}},

			{name: "unknown route", method: "GET", path: "/api/v1/nope", status: 404},
			{name: "unknown API version", method: "GET", path: "/api/v2/claims", status: 404},
			{name: "unknown top-level route", method: "GET", path: "/nope", status: 404},
			{name: "trailing slash", method: "GET", path: "/api/v1/claims/", status: 404},
			{name: "missing claim", method: "GET", path: "/api/v1/claims/999999", status: 404},
			{name: "missing claim PATCH", method: "PATCH", path: "/api/v1/claims/999999", role: "editor", body: map[string]any{"text": "x y z"}, headers: map[string]string{"If-Match": `"1"`}, status: 404},
			{name: "missing claim DELETE", method: "DELETE", path: "/api/v1/claims/999999", role: "editor", status: 404},
			{name: "links of a missing claim", method: "GET", path: "/api/v1/claims/999999/appearances", status: 404},
			{name: "link to a missing claim", method: "POST", path: "/api/v1/claims/999999/appearances", role: "editor", body: map[string]any{"source_id": testenv.ID(article)}, status: 404},
			{name: "missing source", method: "GET", path: "/api/v1/sources/999999", status: 404},
			{name: "missing source PATCH", method: "PATCH", path: "/api/v1/sources/999999", role: "editor", body: map[string]any{"title": "x"}, headers: map[string]string{"If-Match": `"1"`}, status: 404},
			{name: "missing therapy", method: "GET", path: "/api/v1/therapies/homeopathy", status: 404},
			{name: "missing therapy PATCH", method: "PATCH", path: "/api/v1/therapies/homeopathy", role: "editor", body: map[string]any{"name": "x"}, headers: map[string]string{"If-Match": `"1"`}, status: 404},
			{name: "missing link PATCH", method: "PATCH", path: claimPath + "/appearances/999999", role: "editor", body: map[string]any{"locator": "paragraph 3"}, headers: map[string]string{"If-Match": `"1"`}, status: 404},
			{name: "missing link DELETE", method: "DELETE", path: claimPath + "/appearances/999999", role: "editor", status: 404},
			{name: "link of another claim", method: "PATCH", path: fmt.Sprintf("/api/v1/claims/%d/appearances/%d", o, l), role: "editor", body: map[string]any{"locator": "paragraph 3"}, headers: map[string]string{"If-Match": `"1"`}, status: 404},
			{name: "link of another claim DELETE", method: "DELETE", path: fmt.Sprintf("/api/v1/claims/%d/appearances/%d", o, l), role: "editor", status: 404},
			{name: "non-numeric claim id", method: "GET", path: "/api/v1/claims/abc", status: 404},
			{name: "zero claim id", method: "GET", path: "/api/v1/claims/0", status: 404},
			{name: "negative claim id", method: "GET", path: "/api/v1/claims/-3", status: 404},
			{name: "huge claim id", method: "GET", path: "/api/v1/claims/99999999999999999999", status: 404},
			{name: "links of a non-numeric claim id", method: "GET", path: "/api/v1/claims/abc/appearances", status: 404},
			{name: "non-numeric source id", method: "GET", path: "/api/v1/sources/1e3", status: 404},
			{name: "non-numeric link id", method: "PATCH", path: claimPath + "/appearances/first", role: "editor", body: map[string]any{"locator": "paragraph 3"}, headers: map[string]string{"If-Match": `"1"`}, status: 404},

			{name: "PUT claims", method: "PUT", path: "/api/v1/claims", role: "editor", body: map[string]any{}, status: 405, allow: []string{"GET", "POST"}},
			{name: "DELETE source", method: "DELETE", path: fmt.Sprintf("/api/v1/sources/%d", r), role: "editor", status: 405, allow: []string{"GET", "PATCH"}},
			{name: "POST claim", method: "POST", path: claimPath, role: "editor", body: map[string]any{}, status: 405, allow: []string{"DELETE", "GET", "PATCH"}},
			{name: "DELETE therapies", method: "DELETE", path: "/api/v1/therapies", role: "editor", status: 405, allow: []string{"GET", "POST"}},
			{name: "GET link", method: "GET", path: linkPath, status: 405, allow: []string{"DELETE", "PATCH"}},

			{name: "duplicate DOI as given", method: "POST", path: "/api/v1/sources", role: "editor", body: map[string]any{"kind": "rct", "title": "Copy", "doi": "10.1155/2011/317183"}, status: 409, existingID: r},
			{name: "duplicate DOI with resolver prefix", method: "POST", path: "/api/v1/sources", role: "editor", body: map[string]any{"kind": "rct", "title": "Copy", "doi": "https://doi.org/10.1155/2011/317183"}, status: 409, existingID: r},
			{name: "duplicate DOI in another case", method: "POST", path: "/api/v1/sources", role: "editor", body: map[string]any{"kind": "rct", "title": "Copy", "doi": "DOI:10.1155/2011/317183"}, status: 409, existingID: r},
			{name: "duplicate DOI in upper case with dx prefix", method: "POST", path: "/api/v1/sources", role: "editor", body: map[string]any{"kind": "rct", "title": "Copy", "doi": "HTTPS://DX.DOI.ORG/10.1155/2011/317183"}, status: 409, existingID: r},
			{name: "duplicate PMID", method: "POST", path: "/api/v1/sources", role: "editor", body: map[string]any{"kind": "rct", "title": "Copy", "pmid": "20953425"}, status: 409, existingID: r},
			{name: "duplicate DOI by PATCH", method: "PATCH", path: fmt.Sprintf("/api/v1/sources/%d", s2), role: "editor", body: map[string]any{"doi": "https://doi.org/10.1155/2011/317183"},
				headers: map[string]string{"If-Match": current(s2, "sources")}, status: 409, existingID: r},
			{name: "duplicate PMID by PATCH", method: "PATCH", path: fmt.Sprintf("/api/v1/sources/%d", s2), role: "editor", body: map[string]any{"pmid": "20953425"},
				headers: map[string]string{"If-Match": current(s2, "sources")}, status: 409, existingID: r},
			{name: "duplicate link", method: "POST", path: claimPath + "/appearances", role: "editor", body: map[string]any{"source_id": testenv.ID(article)}, status: 409, existingID: l},
			{name: "therapy alias taken", method: "POST", path: "/api/v1/therapies", role: "editor",
				body: map[string]any{"slug": "meso-two", "name": "Meso 2", "aliases": []map[string]string{{"alias": "MESOTHERAPIE"}}}, status: 409, existingID: testenv.ID(meso)},
			{name: "therapy slug is another's alias", method: "POST", path: "/api/v1/therapies", role: "editor",
				body: map[string]any{"slug": "mesoterapia", "name": "Mesoterapia"}, status: 409, existingID: testenv.ID(meso)},
			{name: "therapy alias is another's slug", method: "POST", path: "/api/v1/therapies", role: "editor",
				body: map[string]any{"slug": "meso-three", "name": "Meso 3", "aliases": []map[string]string{{"alias": "Infusion-Therapy"}}}, status: 409, existingID: testenv.ID(infusion)},
			{name: "therapy slug taken", method: "POST", path: "/api/v1/therapies", role: "editor",
				body: map[string]any{"slug": "mesotherapy", "name": "Again"}, status: 409, existingID: testenv.ID(meso)},
			{name: "therapy alias taken by PATCH", method: "PATCH", path: "/api/v1/therapies/infusion-therapy", role: "editor",
				body: map[string]any{"aliases": []map[string]string{{"alias": "Infusionstherapie"}, {"alias": "Mésothérapie"}}}, headers: map[string]string{"If-Match": current(testenv.ID(infusion), "therapies")}, status: 409, existingID: testenv.ID(meso)},

			{name: "stale If-Match on claim", method: "PATCH", path: claimPath, role: "editor", body: map[string]any{"text": "Neu formuliert."}, headers: map[string]string{"If-Match": `"99"`}, status: 412, etag: current(c, "claims")},
			{name: "weak stale If-Match on claim", method: "PATCH", path: claimPath, role: "editor", body: map[string]any{"text": "Neu formuliert."}, headers: map[string]string{"If-Match": `W/"99"`}, status: 412, etag: current(c, "claims")},
			{name: "If-Match that is no version", method: "PATCH", path: claimPath, role: "editor", body: map[string]any{"text": "Neu formuliert."}, headers: map[string]string{"If-Match": `"abc"`}, status: 412},
			{name: "stale If-Match on source", method: "PATCH", path: fmt.Sprintf("/api/v1/sources/%d", r), role: "editor", body: map[string]any{"title": "New"}, headers: map[string]string{"If-Match": `"42"`}, status: 412, etag: current(r, "sources")},
			{name: "stale If-Match on link", method: "PATCH", path: linkPath, role: "editor", body: map[string]any{"locator": "paragraph 3"}, headers: map[string]string{"If-Match": `"42"`}, status: 412, etag: current(l, "links")},
			{name: "stale If-Match on therapy", method: "PATCH", path: "/api/v1/therapies/mesotherapy", role: "editor", body: map[string]any{"name": "New"}, headers: map[string]string{"If-Match": `"42"`}, status: 412, etag: current(testenv.ID(meso), "therapies")},
			{name: "stale If-Match on archive", method: "DELETE", path: claimPath, role: "editor", headers: map[string]string{"If-Match": `"42"`}, status: 412, etag: current(c, "claims")},
			{name: "stale If-Match on link delete", method: "DELETE", path: linkPath, role: "editor", headers: map[string]string{"If-Match": `"42"`}, status: 412, etag: current(l, "links")},
			{name: "claim PATCH without If-Match", method: "PATCH", path: claimPath, role: "editor", body: map[string]any{"text": "Neu formuliert."}, status: 428},
			{name: "claim PATCH with If-Match *", method: "PATCH", path: claimPath, role: "editor", body: map[string]any{"text": "Neu formuliert."}, headers: map[string]string{"If-Match": "*"}, status: 428},
			{name: "source PATCH without If-Match", method: "PATCH", path: fmt.Sprintf("/api/v1/sources/%d", r), role: "editor", body: map[string]any{"title": "New"}, status: 428},
			{name: "link PATCH without If-Match", method: "PATCH", path: linkPath, role: "editor", body: map[string]any{"locator": "paragraph 3"}, status: 428},
			{name: "therapy PATCH without If-Match", method: "PATCH", path: "/api/v1/therapies/mesotherapy", role: "editor", body: map[string]any{"name": "New"}, status: 428},

			{name: "every invalid source field at once", method: "POST", path: "/api/v1/sources", role: "editor",
				body:   map[string]any{"kind": "blog", "title": "T", "doi": "not-a-doi", "pmid": "PMC123", "url": "javascript:alert(1)", "year": 1200},
				status: 422, fields: []string{"kind", "doi", "pmid", "url", "year"}},
			{name: "every invalid claim field at once", method: "POST", path: "/api/v1/claims", role: "editor",
				body:   map[string]any{"therapy": "homeopathy", "text": "  ", "language": "German", "claim_type": "miracle"},
				status: 422, fields: []string{"therapy", "text", "language", "claim_type"}},
			{name: "claim without therapy", method: "POST", path: "/api/v1/claims", role: "editor",
				body: map[string]any{"text": "Hilft immer.", "language": "de", "claim_type": "efficacy"}, status: 422, fields: []string{"therapy"}},
			{name: "invalid claim PATCH", method: "PATCH", path: claimPath, role: "editor", body: map[string]any{"language": "Deutsch", "claim_type": "miracle", "therapy": "nope"},
				headers: map[string]string{"If-Match": current(c, "claims")}, status: 422, fields: []string{"therapy", "language", "claim_type"}},
			{name: "invalid source PATCH", method: "PATCH", path: fmt.Sprintf("/api/v1/sources/%d", r), role: "editor", body: map[string]any{"doi": "11.1/x", "year": 3000},
				headers: map[string]string{"If-Match": current(r, "sources")}, status: 422, fields: []string{"doi", "year"}},
			{name: "invalid link fields at once", method: "POST", path: claimPath + "/appearances", role: "editor",
				body: map[string]any{"source_id": 999999, "url": "ftp://example.org/x"}, status: 422, fields: []string{"source_id", "url"}},
			{name: "invalid therapy", method: "POST", path: "/api/v1/therapies", role: "editor",
				body: map[string]any{"slug": "Meso Therapy", "name": " ", "aliases": []map[string]string{{"alias": "x", "language": "French"}}}, status: 422, fields: []string{"slug", "name", "aliases[0].language"}},
			{name: "alias repeated in another case", method: "POST", path: "/api/v1/therapies", role: "editor",
				body: map[string]any{"slug": "cupping", "name": "Cupping", "aliases": []map[string]string{{"alias": "Schröpfen"}, {"alias": "SCHRÖPFEN"}}}, status: 422, fields: []string{"aliases[1].alias"}},
			{name: "an rct as an appearance", method: "POST", path: claimPath + "/appearances", role: "editor",
				body: map[string]any{"source_id": r}, status: 422, fields: []string{"source_id"}},
			{name: "an override without its rationale", method: "PUT", path: claimPath + "/rating", role: "editor",
				body: map[string]any{"rating": "accurate"}, headers: map[string]string{"If-Match": current(c, "claims")}, status: 422, fields: []string{"rationale"}},
			{name: "an override with an unknown rating", method: "PUT", path: claimPath + "/rating", role: "editor",
				body: map[string]any{"rating": "true", "rationale": "x"}, headers: map[string]string{"If-Match": current(c, "claims")}, status: 422, fields: []string{"rating"}},
			{name: "an override without If-Match", method: "PUT", path: claimPath + "/rating", role: "editor",
				body: map[string]any{"rating": "false", "rationale": "x"}, status: 428},
			{name: "no override to remove", method: "DELETE", path: claimPath + "/rating", role: "editor",
				headers: map[string]string{"If-Match": current(c, "claims")}, status: 404},
		}
		for _, field := range []string{"rating", "rating_source", "rating_explanation", "certainty", "flags", "support_count", "refute_count", "appearance_count", "version", "id"} {
			var value any = "accurate"
			switch field {
			case "flags":
				value = []string{}
			case "support_count", "refute_count", "appearance_count", "version", "id":
				value = 3
			case "certainty":
				value = "high"
			}
			tests = append(tests,
				catalogProblemCase{name: "derived field " + field + " on POST", method: "POST", path: "/api/v1/claims", role: "editor",
					body:   map[string]any{"therapy": "mesotherapy", "text": "Hilft bei 75% der Fälle.", "language": "de", "claim_type": "efficacy", field: value},
					status: 400, fields: []string{field}},
				catalogProblemCase{name: "derived field " + field + " on PATCH", method: "PATCH", path: claimPath, role: "editor",
					body: map[string]any{"text": "Neu formuliert.", field: value}, headers: map[string]string{"If-Match": current(c, "claims")},
					status: 400, fields: []string{field}},
			)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := e.dbState()
				res := e.s.Do(testenv.Request{Method: tt.method, Path: tt.path, Role: tt.role, Body: tt.body, Headers: tt.headers})
				p := catalogCheckProblem(t, res, tt.status)
				if tt.fields != nil {
					got := testenv.ProblemFields(p)
					if diff := cmp.Diff(catalogSorted(tt.fields), catalogSorted(got)); diff != "" {
						t.Errorf("%s %s: error fields (-want +got):\n%s\nbody: %s", tt.method, tt.path, diff, res.Body)
					}
				}
				if tt.existingID != 0 {
					if got, _ := p["existing_id"].(float64); int64(got) != tt.existingID {
						t.Errorf("%s %s: existing_id = %v, want %d; body: %s", tt.method, tt.path, p["existing_id"], tt.existingID, res.Body)
					}
				}
				if tt.allow != nil {
					got := strings.Split(strings.ReplaceAll(res.Header.Get("Allow"), " ", ""), ",")
					if diff := cmp.Diff(tt.allow, catalogSorted(got)); diff != "" {
						t.Errorf("%s %s: Allow (-want +got):\n%s", tt.method, tt.path, diff)
					}
				}
				if tt.etag != "" {
					if got := res.Header.Get("ETag"); got != tt.etag {
						t.Errorf("%s %s: 412 ETag = %q, want the current version %s", tt.method, tt.path, got, tt.etag)
					}
				}
				if diff := cmp.Diff(before, e.dbState()); diff != "" {
					t.Errorf("%s %s answered %d but changed the database (-before +after):\n%s", tt.method, tt.path, res.Status, diff)
				}
			})
		}
	})
}

func catalogSorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestCatalogBodyLimit sends bodies over a small cap, with a declared
// length (refused before reading) and without one (refused while reading).
func TestCatalogBodyLimit(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st, func(c *api.Config) { c.MaxBodyBytes = 256 })
		e.mesotherapy()
		big := map[string]any{"therapy": "mesotherapy", "text": strings.Repeat("schmerzfrei ", 100), "language": "de", "claim_type": "safety"}
		small := map[string]any{"therapy": "mesotherapy", "text": "kurz", "language": "de", "claim_type": "safety"}

		before := testenv.Count(e.t, e.st, "claims", "")
		res := e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: big})
		catalogCheckProblem(t, res, http.StatusRequestEntityTooLarge)

		// No Content-Length: the cap is enforced while the body is read.
		raw := []byte(`{"therapy":"mesotherapy","language":"de","claim_type":"safety","text":"` + strings.Repeat("x", 1000) + `"}`)
		chunked := e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: raw, Chunked: true})
		if ct := chunked.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("chunked over-size body: Content-Type = %q, want application/problem+json", ct)
		}
		catalogCheckProblem(t, chunked, http.StatusRequestEntityTooLarge)

		if got := testenv.Count(e.t, e.st, "claims", ""); got != before {
			t.Errorf("claims after over-size bodies = %d, want %d", got, before)
		}
		if res := e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: small}); res.Status != http.StatusCreated {
			t.Errorf("POST under the cap = %d %s, want 201", res.Status, res.Body)
		}
	})
}
