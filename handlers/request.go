package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/store"
)

// Context keys shared with the middleware in package api.
const (
	RequestIDKey = "request_id"
	principalKey = "principal"
	storeKey     = "store"
)

// SetStore binds the request to st: the api's write transaction sets the
// store of that transaction, so that everything a handler writes and reads
// commits (or rolls back) with the request.
func SetStore(c *gin.Context, st *store.Store) { c.Set(storeKey, st) }

// storeFor is the store a handler uses for this request: the request's
// transaction when it has one (every write), else the shared store.
func (h *Handler) storeFor(c *gin.Context) *store.Store {
	if v, ok := c.Get(storeKey); ok {
		if st, ok := v.(*store.Store); ok {
			return st
		}
	}
	return h.root
}

// Principal is the authenticated caller of a request.
type Principal struct {
	User  models.User
	KeyID int64
}

// SetPrincipal records the authenticated caller (used by the auth
// middleware).
func SetPrincipal(c *gin.Context, p Principal) { c.Set(principalKey, p) }

// CurrentPrincipal returns the caller, if the request carried a valid key.
func CurrentPrincipal(c *gin.Context) (Principal, bool) {
	v, ok := c.Get(principalKey)
	if !ok {
		return Principal{}, false
	}
	p, ok := v.(Principal)
	return p, ok
}

// actor is who the store records as making this request's changes.
func actor(c *gin.Context) store.Actor {
	a := store.Actor{Name: "anonymous", RequestID: c.GetString(RequestIDKey)}
	if p, ok := CurrentPrincipal(c); ok {
		a.UserID, a.Name, a.Role = p.User.ID, p.User.Name, p.User.Role
	}
	return a
}

// derivedFields are read-only: writing one is a 400 that says so.
var derivedFields = map[string]bool{
	"id": true, "verdict": true, "certainty": true, "flags": true, "support_count": true, "refute_count": true,
	"appearance_count": true, "version": true, "created_at": true, "updated_at": true, "status": true,
	"submitted_at": true, "reviewer": true, "claim_id": true, "links": true, "grade": true, "derivation": true,
	"source": true, "method": true, "decided_by": true, "decided_at": true,
	"question": true, "sources": true, "finding": true, "findings": true, "finding_id": true, "created_by": true,
}

// bindJSON decodes the body strictly into dst: one JSON object, no unknown
// or read-only fields, no trailing data, no control characters in text
// other than tab and newline (422, nul.go). On failure it has written the
// problem and returns false.
func bindJSON(c *gin.Context, dst any) bool {
	if ct := c.ContentType(); ct != "application/json" && !strings.HasSuffix(ct, "+json") {
		Fail(c, http.StatusUnsupportedMediaType, TypeMediaType, "send the body as Content-Type: application/json")
		return false
	}
	if err := c.ShouldBindWith(dst, strictJSON{}); err != nil {
		writeDecodeError(c, err)
		return false
	}
	if f, msg := controlField(dst); f != "" {
		writeValidation(c, []FieldProblem{{Field: f, Message: msg}})
		return false
	}
	return true
}

// strictJSON is a gin binding that rejects unknown fields.
type strictJSON struct{}

func (strictJSON) Name() string { return "strict-json" }

// Bind reads one JSON value, checks its member names against dst's json
// tags (unknownMembers), then decodes it into dst. The member check does
// not lean on encoding/json's error text, and it is exact where
// encoding/json matches names case-insensitively ("Text" is not "text").
func (strictJSON) Bind(req *http.Request, obj any) error {
	if req.Body == nil {
		return errEmptyBody
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errEmptyBody
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailing
	}
	if unknown := unknownMembers(doc, reflect.TypeOf(obj), ""); len(unknown) > 0 {
		return unknown
	}
	return json.Unmarshal(body, obj)
}

var (
	errEmptyBody = errors.New("the request body is empty: send a JSON object")
	errTrailing  = errors.New("the body holds data after the JSON object")
)

// unknownFieldsError lists the members of a body that no field takes, by
// path (aliases[0].lang for a nested one).
type unknownFieldsError []string

func (e unknownFieldsError) Error() string { return "unknown fields: " + strings.Join(e, ", ") }

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// unknownMembers walks a decoded JSON value beside the Go type it is
// decoded into and returns the paths of object members that no exported
// field's json name takes, sorted. Types that decode themselves
// (json.Unmarshaler), maps and interfaces take any member.
func unknownMembers(v any, t reflect.Type, path string) unknownFieldsError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	var out unknownFieldsError
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil // a type error, reported by the decoder
		}
		fields := jsonFields(t)
		for name, member := range obj {
			p := name
			if path != "" {
				p = path + "." + name
			}
			ft, ok := fields[name]
			if !ok {
				out = append(out, p)
				continue
			}
			out = append(out, unknownMembers(member, ft, p)...)
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		for i, elem := range arr {
			out = append(out, unknownMembers(elem, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	slices.Sort(out)
	return out
}

// jsonFields maps the json names of t's exported fields (embedded structs'
// fields promoted) to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous && f.Type.Kind() == reflect.Struct {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func writeDecodeError(c *gin.Context, err error) {
	var (
		syntaxErr  *json.SyntaxError
		typeErr    *json.UnmarshalTypeError
		unknownErr unknownFieldsError
	)
	switch {
	case errors.As(err, &syntaxErr):
		badRequest(c, fmt.Sprintf("malformed JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error()))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			badRequest(c, fmt.Sprintf("the body must be a JSON object, not %s", typeErr.Value))
			return
		}
		badRequest(c, "a field has the wrong type", FieldProblem{Field: field, Message: fmt.Sprintf("must be %s, not %s", jsonType(typeErr.Type.String()), typeErr.Value)})
	case errors.As(err, &unknownErr):
		fp := make([]FieldProblem, len(unknownErr))
		for i, path := range unknownErr {
			name := path[strings.LastIndexAny(path, ".]")+1:]
			switch {
			case name == "":
				fp[i] = FieldProblem{Field: "body", Message: `has a member named "" (no field has an empty name)`}
			case derivedFields[name]:
				fp[i] = FieldProblem{Field: path, Message: "is set by the server and cannot be written"}
			default:
				fp[i] = FieldProblem{Field: path, Message: "is not a field of this resource"}
			}
		}
		detail := fmt.Sprintf("unknown or read-only field %q", unknownErr[0])
		if len(fp) > 1 {
			detail = fmt.Sprintf("%d unknown or read-only fields", len(fp))
		}
		badRequest(c, detail, fp...)
	case errors.Is(err, io.ErrUnexpectedEOF):
		badRequest(c, "malformed JSON: the body ends early")
	case errors.Is(err, errEmptyBody), errors.Is(err, errTrailing):
		badRequest(c, err.Error())
	default:
		if _, known := lookupError(err); known { // the body limit
			writeError(c, nil, err)
			return
		}
		badRequest(c, "the request body could not be read")
	}
}

func jsonType(goType string) string {
	switch {
	case strings.Contains(goType, "int"), strings.Contains(goType, "float"):
		return "a number"
	case strings.Contains(goType, "bool"):
		return "true or false"
	case strings.Contains(goType, "string"):
		return "a string"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	}
	return "an object"
}

// pathID reads a positive integer path parameter written as an id is
// written: decimal digits only, without a sign or leading zeros, so that one
// resource has one URL (strconv.ParseInt alone takes "+1" and "007"). It
// writes a 404 and returns false otherwise (no such resource can exist).
func pathID(c *gin.Context, name string) (int64, bool) {
	id, ok := ParseID(c.Param(name))
	if !ok {
		Fail(c, http.StatusNotFound, TypeNotFound, fmt.Sprintf("%s %q is not an id: ids are positive integers written in decimal digits", name, c.Param(name)))
		return 0, false
	}
	return id, true
}

// ParseID parses an id: decimal digits only, no sign, no leading zero,
// greater than zero and within int64.
func ParseID(s string) (int64, bool) {
	id, ok := parseDecimal(s)
	return id, ok && id > 0
}

// parseDecimal parses a whole number of 0 or more written as one is written
// in a URL: decimal digits only, without a sign, spaces or leading zeros
// (0 itself excepted), within int64. strconv.ParseInt alone takes "+1" and
// "007", so that two spellings would mean one value.
func parseDecimal(s string) (int64, bool) {
	if s == "" || len(s) > 19 || s[0] == '0' && len(s) > 1 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// queryInt reads the integer query parameter name, from min to max
// (parseDecimal's spelling; given empty, it is no integer either). set is
// false when the parameter is absent. On a bad value it has written a 400
// naming the parameter, with msg as the rule, and ok is false.
func queryInt(c *gin.Context, name string, min, max int64, msg string) (n int64, set, ok bool) {
	v, set := c.GetQuery(name)
	if !set {
		return 0, false, true
	}
	n, valid := parseDecimal(v)
	if !valid || n < min || n > max {
		badRequest(c, "invalid "+name, FieldProblem{Field: name, Message: msg})
		return 0, true, false
	}
	return n, true, true
}

// queryBool reads the boolean query parameter name: true or false, nothing
// else (strconv.ParseBool would also take 1, t, T, TRUE...). set is false
// when it is absent; on a bad value it has written a 400 and ok is false.
func queryBool(c *gin.Context, name string) (b, set, ok bool) {
	v, set := c.GetQuery(name)
	switch {
	case !set:
		return false, false, true
	case v == "true" || v == "false":
		return v == "true", true, true
	}
	badRequest(c, fmt.Sprintf("%s=%q is not a boolean", name, v), FieldProblem{Field: name, Message: "must be true or false"})
	return false, true, false
}

// parsePage reads limit and cursor.
func parsePage(c *gin.Context) (store.Page, bool) {
	var p store.Page
	n, set, ok := queryInt(c, "limit", 1, store.MaxLimit, fmt.Sprintf("must be an integer from 1 to %d, in decimal digits", store.MaxLimit))
	if !ok {
		return p, false
	}
	if set {
		p.Limit = int(n)
	}
	if v := c.Query("cursor"); v != "" {
		id, err := store.DecodeCursor(v)
		if err != nil {
			badRequest(c, "invalid cursor", FieldProblem{Field: "cursor", Message: "is not a cursor this API issued: use next_cursor from a previous page"})
			return p, false
		}
		p.After = id
	}
	return p, true
}

// onlyQuery rejects query parameters the endpoint does not know, so that
// a misspelt filter is an error rather than a silently unfiltered answer.
func onlyQuery(c *gin.Context, known ...string) bool {
	for k := range c.Request.URL.Query() {
		if k != "" && !slices.Contains(known, k) { // a nameless "=x" says nothing
			msg := "this endpoint takes no query parameters"
			if len(known) > 0 {
				msg = "is not a parameter of this endpoint; known: " + strings.Join(known, ", ")
			}
			badRequest(c, fmt.Sprintf("unknown query parameter %q", k), FieldProblem{Field: k, Message: msg})
			return false
		}
	}
	return true
}

// checkQuery is onlyQuery for lists, which also take limit and cursor.
func checkQuery(c *gin.Context, filters ...string) bool {
	return onlyQuery(c, append(filters, "limit", "cursor")...)
}

// writeList writes a page and, when there is a next page, a Link header
// pointing at it.
func writeList(c *gin.Context, body any, next string) {
	if next != "" {
		u := url.URL{Path: c.Request.URL.Path}
		q := c.Request.URL.Query()
		q.Set("cursor", next)
		u.RawQuery = q.Encode()
		c.Header("Link", fmt.Sprintf(`<%s>; rel="next"`, u.String()))
	}
	c.JSON(http.StatusOK, body)
}

func cursorPtr(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}

// etag is the entity tag of a resource version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// writeResource writes a single resource with its ETag, or 304 when the
// client's If-None-Match already names this version.
func writeResource(c *gin.Context, status int, version int64, body any) {
	writeTagged(c, status, etag(version), body)
}

// writeTagged is writeResource with the ETag given (a document's).
func writeTagged(c *gin.Context, status int, tag string, body any) {
	c.Header("ETag", tag)
	if status == http.StatusOK && c.Request.Method == http.MethodGet && matchesETag(c.GetHeader("If-None-Match"), tag) {
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		c.Abort()
		return
	}
	c.JSON(status, body)
}

// writeBodyTagged writes an encoded document whose ETag is a digest of its
// bytes: for exports (FHIR, JSON-LD) that are built from many records and
// written whole, the body itself is the most direct validator. A GET whose
// If-None-Match names it gets 304.
func writeBodyTagged(c *gin.Context, contentType string, body []byte) {
	sum := sha256.Sum256(body)
	tag := `"` + hex.EncodeToString(sum[:digestLength]) + `"`
	c.Header("ETag", tag)
	if c.Request.Method == http.MethodGet && matchesETag(c.GetHeader("If-None-Match"), tag) {
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		c.Abort()
		return
	}
	c.Data(http.StatusOK, contentType, body)
}

func matchesETag(header, tag string) bool {
	for _, part := range strings.Split(header, ",") {
		p := strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if p == "*" || p == tag {
			return true
		}
	}
	return false
}

// ifMatch reads the version an update is based on from If-Match. It writes
// 428 when the header is missing and 412 when it names no version.
func ifMatch(c *gin.Context) (int64, bool) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		Fail(c, http.StatusPreconditionRequired, TypeIfMatchRequired,
			"send If-Match with the ETag you last read, so that a concurrent change is never overwritten")
		return 0, false
	}
	tag := strings.TrimPrefix(strings.Split(h, ",")[0], "W/")
	v, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(tag), `"`), 10, 64)
	if err != nil || v <= 0 {
		Fail(c, http.StatusPreconditionFailed, TypePrecondition, fmt.Sprintf("If-Match %s names no version of this resource", h))
		return 0, false
	}
	return v, true
}

// optionalIfMatch is ifMatch for DELETE: absent means any version.
func optionalIfMatch(c *gin.Context) (int64, bool) {
	if strings.TrimSpace(c.GetHeader("If-Match")) == "" {
		return 0, true
	}
	return ifMatch(c)
}

// appendVocabProblem adds a field problem for a value outside its
// vocabulary (err from a grading.ParseX); nil err adds nothing. The
// message names the value and every allowed one.
func appendVocabProblem(fp []FieldProblem, field string, err error) []FieldProblem {
	var ve *grading.VocabularyError
	switch {
	case err == nil:
		return fp
	case errors.As(err, &ve):
		return append(fp, FieldProblem{Field: field, Message: fmt.Sprintf("%q is not valid: %s", ve.Value, ve.Message())})
	default:
		return append(fp, FieldProblem{Field: field, Message: err.Error()})
	}
}

// parseFilter reads an optional query filter of a vocabulary type into dst;
// an absent or empty parameter leaves dst zero.
func parseFilter[T ~string](c *gin.Context, fp []FieldProblem, name string, parse func(string) (T, error), dst *T) []FieldProblem {
	raw := c.Query(name)
	if raw == "" {
		return fp
	}
	v, err := parse(raw)
	*dst = v
	return appendVocabProblem(fp, name, err)
}

// Nullable is a PATCH field that tells a member left out (Set false: keep
// the value) from an explicit null (Set, Value nil: clear it) and a value.
type Nullable[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON records that the member was present.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(bytes.TrimSpace(b)) == "null" {
		n.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}
