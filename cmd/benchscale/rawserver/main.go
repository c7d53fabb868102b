// Command rawserver is the scale benchmark's floor: net/http and pgx, no
// framework, no ORM, answering the benchmarked claimgrade requests (a page
// of claims with limit, flag, q and cursor; a claim document with its
// findings, graded or not) with one statement and one round trip each and
// the same JSON bytes. The benchmark checks the bytes are equal before it
// measures. It imports only claimgrade's grading package, to decode a
// grade's stored judgements and derivation and to write the derivation's
// summary, and its readertext package, to write the claim's verdict
// sentence (rating_summary) from the stored rule and facts.
//
// VARIANT says how statements reach PostgreSQL (plan_cache_mode auto,
// PostgreSQL's default, in both):
//
//   - prepared (the default): a statement whose plan does not depend on its
//     values (a page with no filter or with one flag, the flag and the LIMIT
//     written as literals; a claim document by id) is a named prepared
//     statement of pgx's statement cache, whose generic plan PostgreSQL
//     reuses; a page with q or several flags is pgx's unnamed statement
//     (QueryExecModeCacheDescribe), planned for its values every time;
//   - simple: every statement in the simple protocol (the values quoted
//     into the SQL by pgx; one Query message; planned every time; rows in
//     text), as behind a connection pooler that keeps no prepared
//     statements.
//
// The benchmark runs both and compares claimgrade with the faster, per
// endpoint.
//
//	DATABASE_URL=postgres://... ADDR=127.0.0.1:9090 [VARIANT=simple] rawserver
//	DATABASE_URL=postgres://... MODES=1 rawserver   # times each statement in each mode (modes.go)
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"claimgrade/grading"
	"claimgrade/readertext"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	ctx := context.Background()
	u, err := url.Parse(os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	if os.Getenv("MODES") == "1" {
		return timeModes(ctx, u)
	}
	q := u.Query()
	q.Set("plan_cache_mode", "auto")
	q.Set("pool_max_conns", "20")
	u.RawQuery = q.Encode()
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		return err
	}
	defer pool.Close()
	s := &server{db: pool, cached: pgx.QueryExecModeCacheStatement, perValue: pgx.QueryExecModeCacheDescribe}
	switch v := os.Getenv("VARIANT"); v {
	case "", "prepared":
	case "simple":
		s.cached, s.perValue = pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeSimpleProtocol
	default:
		return fmt.Errorf("VARIANT=%q: want prepared or simple", v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/claims", s.list)
	mux.HandleFunc("GET /api/v1/claims/{id}", s.detail)
	return http.ListenAndServe(os.Getenv("ADDR"), mux)
}

// server answers the requests; cached and perValue are how pgx runs a
// statement whose plan may be cached and one planned for its values.
type server struct {
	db               *pgxpool.Pool
	cached, perValue pgx.QueryExecMode
}

type claim struct {
	ID              int64     `json:"id"`
	Therapy         string    `json:"therapy"`
	Text            string    `json:"text"`
	Language        string    `json:"language"`
	TextEn          *string   `json:"text_en"`
	Summary         string    `json:"summary"`
	ClaimType       string    `json:"claim_type"`
	Assertion       string    `json:"assertion"`
	ClaimedValue    *float64  `json:"claimed_value"`
	ClaimedBound    *string   `json:"claimed_bound"`
	Hedge           string    `json:"hedge"`
	Rating          string    `json:"rating"`
	RatingSource    string    `json:"rating_source"`
	Certainty       *string   `json:"certainty"`
	CertaintyBasis  *string   `json:"certainty_basis"`
	Flags           []string  `json:"flags"`
	SupportCount    int       `json:"support_count"`
	RefuteCount     int       `json:"refute_count"`
	AppearanceCount int       `json:"appearance_count"`
	Version         int64     `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

const claimColumns = `c.id, t.slug, c.text, c.language, c.text_en, c.summary, c.claim_type, c.assertion, c.claimed_value, c.claimed_bound,
	c.hedge, c.rating, c.rating_source, c.certainty, c.certainty_basis, c.support_count, c.refute_count, c.appearance_count, c.version, c.created_at, c.updated_at,
	(SELECT string_agg(cf.flag, ',') FROM claim_flags cf WHERE cf.claim_id = c.id)`

func (c *claim) dest(flags **string) []any {
	return []any{&c.ID, &c.Therapy, &c.Text, &c.Language, &c.TextEn, &c.Summary, &c.ClaimType, &c.Assertion, &c.ClaimedValue,
		&c.ClaimedBound, &c.Hedge, &c.Rating, &c.RatingSource, &c.Certainty, &c.CertaintyBasis, &c.SupportCount, &c.RefuteCount, &c.AppearanceCount, &c.Version,
		&c.CreatedAt, &c.UpdatedAt, flags}
}

func splitFlags(s *string) []string {
	if s == nil || *s == "" {
		return []string{}
	}
	out := strings.Split(*s, ",")
	slices.Sort(out)
	return out
}

type list struct {
	Data       []claim `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// fold is claimgrade's search fold, written again: NFD, combining marks
// removed, NFC, lower-cased, a few letters spelled out.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.NewReplacer("ß", "ss", "æ", "ae", "œ", "oe", "ø", "o", "đ", "d", "ł", "l", "ı", "i").Replace(strings.ToLower(out))
}

func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(fold(q)) + "%"
}

// listSQL is a page's statement and its arguments: each flag written into
// the SQL when flagWords (and it is a word of the vocabulary), the LIMIT
// (limit is 1 to 200) a literal unless limitParam.
func listSQL(flags []string, q string, after int64, limit int, flagWords, limitParam bool) (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	for _, f := range flags {
		value := ""
		if _, err := grading.ParseFlag(f); err == nil && flagWords {
			value = "'" + f + "'"
		} else {
			value = arg(f)
		}
		if after > 0 {
			where = append(where, "c.id IN (SELECT ff.claim_id FROM claim_flags ff WHERE ff.flag = "+value+" AND ff.claim_id > "+arg(after)+")")
		} else {
			where = append(where, "c.id IN (SELECT ff.claim_id FROM claim_flags ff WHERE ff.flag = "+value+")")
		}
	}
	if q != "" {
		where = append(where, `c.search_text LIKE `+arg(likePattern(q))+` ESCAPE '\'`)
	}
	if after > 0 {
		where = append(where, "c.id > "+arg(after))
	}
	sql := "SELECT " + claimColumns + " FROM claims c JOIN therapies t ON t.id = c.therapy_id WHERE c.archived_at IS NULL"
	for _, w := range where {
		sql += " AND " + w
	}
	// The LIMIT as a literal: a plan cached for a LIMIT parameter is made
	// for no particular page size.
	if limitParam {
		return sql + " ORDER BY c.id LIMIT " + arg(limit+1), args
	}
	return sql + " ORDER BY c.id LIMIT " + strconv.Itoa(limit+1), args
}

func (s *server) list(w http.ResponseWriter, r *http.Request) {
	qs := r.URL.Query()
	limit := 50
	if v := qs.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			http.Error(w, "limit", http.StatusBadRequest)
			return
		}
		limit = n
	}
	var after int64
	if v := qs.Get("cursor"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		if err == nil && strings.HasPrefix(string(raw), "k1:") {
			after, err = strconv.ParseInt(string(raw[3:]), 10, 64)
		}
		if err != nil || after <= 0 {
			http.Error(w, "cursor", http.StatusBadRequest)
			return
		}
	}
	// One flag and no q: the plan is the flag's own, cached (the flag, a
	// word of the vocabulary, written into the SQL); otherwise planned for
	// the values.
	mode := s.cached
	if len(qs["flag"]) > 1 || qs.Get("q") != "" {
		mode = s.perValue
	}
	sql, args := listSQL(qs["flag"], qs.Get("q"), after, limit, mode == s.cached, false)
	rows, err := s.db.Query(r.Context(), sql, append([]any{mode}, args...)...)
	if err != nil {
		fail(w, err)
		return
	}
	body := list{Data: make([]claim, 0, limit+1)}
	for rows.Next() {
		var c claim
		var flags *string
		if err := rows.Scan(c.dest(&flags)...); err != nil {
			fail(w, err)
			return
		}
		c.Flags = splitFlags(flags)
		body.Data = append(body.Data, c)
	}
	if err := rows.Err(); err != nil {
		fail(w, err)
		return
	}
	if len(body.Data) > limit {
		body.Data = body.Data[:limit]
		next := base64.RawURLEncoding.EncodeToString([]byte("k1:" + strconv.FormatInt(body.Data[limit-1].ID, 10)))
		body.NextCursor = &next
	}
	write(w, body)
}

type source struct {
	ID             int64     `json:"id"`
	Kind           string    `json:"kind"`
	Title          string    `json:"title"`
	Authors        *string   `json:"authors"`
	Year           *int      `json:"year"`
	Container      *string   `json:"container"`
	DOI            *string   `json:"doi"`
	PMID           *string   `json:"pmid"`
	URL            *string   `json:"url"`
	Language       *string   `json:"language"`
	IncludedDesign *string   `json:"included_design"`
	Includes       []int64   `json:"includes"`
	Retracted      bool      `json:"retracted"`
	RetractionNote *string   `json:"retraction_note"`
	Version        int64     `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

type appearance struct {
	ID          int64      `json:"id"`
	ClaimID     int64      `json:"claim_id"`
	SourceID    int64      `json:"source_id"`
	Excerpt     *string    `json:"excerpt"`
	Locator     *string    `json:"locator"`
	URL         *string    `json:"url"`
	RetrievedAt *time.Time `json:"retrieved_at"`
	Note        *string    `json:"note"`
	Version     int64      `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	Source      source     `json:"source"`
}

type question struct {
	ID             int64     `json:"id"`
	Therapy        string    `json:"therapy"`
	Population     string    `json:"population"`
	Intervention   string    `json:"intervention"`
	Comparator     *string   `json:"comparator"`
	ComparatorKind string    `json:"comparator_kind"`
	Outcome        string    `json:"outcome"`
	Timepoint      string    `json:"timepoint"`
	OutcomeKind    string    `json:"outcome_kind"`
	Direction      string    `json:"direction"`
	Version        int64     `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

type findingSource struct {
	ID                int64     `json:"id"`
	FindingID         int64     `json:"finding_id"`
	SourceID          int64     `json:"source_id"`
	Excerpt           *string   `json:"excerpt"`
	Locator           *string   `json:"locator"`
	Note              *string   `json:"note"`
	ReportedCertainty *string   `json:"reported_certainty"`
	ReportedThreshold *float64  `json:"reported_threshold"`
	DesignSubset      *string   `json:"design_subset"`
	Version           int64     `json:"version"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	Source            source    `json:"source"`
}

type finding struct {
	ID             int64           `json:"id"`
	Question       question        `json:"question"`
	Sources        []findingSource `json:"sources"`
	Measure        *string         `json:"measure"`
	Estimate       *float64        `json:"estimate"`
	CILow          *float64        `json:"ci_low"`
	CIHigh         *float64        `json:"ci_high"`
	Events         *int64          `json:"events"`
	Participants   *int64          `json:"participants"`
	Studies        *int64          `json:"studies"`
	Threshold      *float64        `json:"threshold"`
	ComparatorRisk *float64        `json:"comparator_risk"`
	Attribution    *string         `json:"attribution"`
	Summary        string          `json:"summary"`
	Certainty      *string         `json:"certainty"`
	Occurrence     *string         `json:"occurrence_certainty"`
	Flags          []string        `json:"flags"`
	Disagreements  []string        `json:"disagreements"`
	Grade          *grade          `json:"grade"`
	Derivation     *derivation     `json:"derivation"`
	Version        int64           `json:"version"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

type claimFinding struct {
	ID        int64     `json:"id"`
	ClaimID   int64     `json:"claim_id"`
	FindingID int64     `json:"finding_id"`
	Stance    string    `json:"stance"`
	Note      *string   `json:"note"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Finding   finding   `json:"finding"`
}

type override struct {
	Rating    string    `json:"rating"`
	Rationale string    `json:"rationale"`
	DecidedBy string    `json:"decided_by"`
	DecidedAt time.Time `json:"decided_at"`
	Stale     bool      `json:"stale"`
}

// search is claimgrade's EvidenceSearch response shape.
type search struct {
	ID         int64     `json:"id"`
	ClaimID    int64     `json:"claim_id"`
	Database   string    `json:"database"`
	Query      string    `json:"query"`
	SearchedAt time.Time `json:"searched_at"`
	Hits       int64     `json:"hits"`
	Screened   int64     `json:"screened"`
	SourceIDs  []int64   `json:"source_ids"`
	Note       *string   `json:"note"`
	Version    int64     `json:"version"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

type detail struct {
	claim
	RatingExplanation string         `json:"rating_explanation"`
	RatingReason      string         `json:"rating_reason"`
	RatingSummary     string         `json:"rating_summary"`
	RatingOverride    *override      `json:"rating_override"`
	Appearances       []appearance   `json:"appearances"`
	Findings          []claimFinding `json:"findings"`
	Searches          []search       `json:"searches"`
}

// judgements, grade, step, contextSource and derivation are claimgrade's
// FindingGrade and CertaintyDerivation response shapes.
type judgements struct {
	RiskOfBias           *string  `json:"risk_of_bias"`
	Inconsistency        *string  `json:"inconsistency"`
	Indirectness         string   `json:"indirectness"`
	Imprecision          *string  `json:"imprecision"`
	PublicationBias      *string  `json:"publication_bias"`
	LargeEffect          *string  `json:"large_effect"`
	DoseResponse         *bool    `json:"dose_response"`
	PlausibleConfounding *bool    `json:"plausible_confounding"`
	RobTool              *string  `json:"rob_tool"`
	Sample               *string  `json:"sample"`
	RelativeEffect       *float64 `json:"relative_effect"`
	Attribution          *string  `json:"attribution"`
}

type grade struct {
	Certainty           *string           `json:"certainty"`
	OccurrenceCertainty *string           `json:"occurrence_certainty"`
	Attribution         *string           `json:"attribution"`
	WithdrawnAt         *time.Time        `json:"withdrawn_at"`
	WithdrawnReason     *string           `json:"withdrawn_reason"`
	Judgements          judgements        `json:"judgements"`
	Reasons             map[string]string `json:"reasons"`
	Method              string            `json:"method"`
	Rationale           string            `json:"rationale"`
	DecidedBy           string            `json:"decided_by"`
	DecidedAt           time.Time         `json:"decided_at"`
	AssessmentIDs       []int64           `json:"assessment_ids"`
}

type step struct {
	Domain    string `json:"domain"`
	Judgement string `json:"judgement"`
	Change    int    `json:"change"`
	After     string `json:"after"`
	Reason    string `json:"reason,omitempty"`
	FHIRType  string `json:"fhir_type"`
}

type contextSource struct {
	SourceID int64  `json:"source_id"`
	Why      string `json:"why"`
}

type derivation struct {
	Start          string          `json:"start"`
	StartReason    string          `json:"start_reason"`
	DesignClass    string          `json:"design_class,omitempty"`
	EventRate      bool            `json:"event_rate"`
	RobTool        string          `json:"rob_tool,omitempty"`
	Sample         string          `json:"sample,omitempty"`
	CaseEvidence   bool            `json:"case_evidence,omitempty"`
	Attribution    string          `json:"attribution,omitempty"`
	RelativeEffect *float64        `json:"relative_effect,omitempty"`
	ReportedBy     int64           `json:"reported_by,omitempty"`
	LevelSetting   []int64         `json:"level_setting"`
	Overlapped     []int64         `json:"overlapped"`
	Context        []contextSource `json:"context"`
	Steps          []step          `json:"steps"`
	Total          int             `json:"total"`
	Result         string          `json:"result"`
	Clamped        bool            `json:"clamped"`
	Summary        string          `json:"summary"`
	AdjudicatedBy  string          `json:"adjudicated_by,omitempty"`
	Rationale      string          `json:"rationale,omitempty"`
}

// gradeRow is a finding_grades row in the detail statement's JSON; the
// judgements, assessment ids and derivation are JSON text columns.
type gradeRow struct {
	Certainty           *string    `json:"certainty"`
	OccurrenceCertainty *string    `json:"occurrence_certainty"`
	Attribution         *string    `json:"attribution"`
	WithdrawnAt         *time.Time `json:"withdrawn_at"`
	WithdrawnReason     *string    `json:"withdrawn_reason"`
	Judgements          string     `json:"judgements"`
	Method              string     `json:"method"`
	Rationale           string     `json:"rationale"`
	DecidedBy           string     `json:"decided_by"`
	DecidedAt           time.Time  `json:"decided_at"`
	AssessmentIDs       string     `json:"assessment_ids"`
	Derivation          string     `json:"derivation"`
}

// render is the grade and derivation as claimgrade writes them.
func (g gradeRow) render() (*grade, *derivation, error) {
	var j grading.DomainJudgements
	var d grading.CertaintyDerivation
	out := &grade{Certainty: g.Certainty, OccurrenceCertainty: g.OccurrenceCertainty, Attribution: g.Attribution,
		WithdrawnReason: g.WithdrawnReason, Method: g.Method, Rationale: g.Rationale, DecidedBy: g.DecidedBy, DecidedAt: g.DecidedAt.Local()}
	if g.WithdrawnAt != nil {
		t := g.WithdrawnAt.Local()
		out.WithdrawnAt = &t
	}
	if err := json.Unmarshal([]byte(g.Judgements), &j); err != nil {
		return nil, nil, err
	}
	if err := json.Unmarshal([]byte(g.AssessmentIDs), &out.AssessmentIDs); err != nil {
		return nil, nil, err
	}
	if err := json.Unmarshal([]byte(g.Derivation), &d); err != nil {
		return nil, nil, err
	}
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	out.Judgements = judgements{RiskOfBias: opt(string(j.RiskOfBias)), Inconsistency: opt(string(j.Inconsistency)), Indirectness: string(j.Indirectness),
		Imprecision: opt(string(j.Imprecision)), PublicationBias: opt(string(j.PublicationBias)), LargeEffect: opt(string(j.LargeEffect)),
		RobTool: opt(string(j.RobTool)), Sample: opt(string(j.Sample)), RelativeEffect: j.RelativeEffect, Attribution: opt(string(j.Attribution))}
	if j.Attribution == "" { // case evidence judges no upgrade
		out.Judgements.DoseResponse, out.Judgements.PlausibleConfounding = &j.DoseResponse, &j.PlausibleConfounding
	}
	out.Reasons = j.Reasons
	if out.Reasons == nil {
		out.Reasons = map[string]string{}
	}
	if out.AssessmentIDs == nil {
		out.AssessmentIDs = []int64{}
	}
	r := &derivation{Start: string(d.Start), StartReason: d.StartReason, DesignClass: string(d.DesignClass), EventRate: d.EventRate,
		RobTool: string(d.RobTool), Sample: string(d.Sample), CaseEvidence: d.CaseEvidence, Attribution: string(d.Attribution),
		RelativeEffect: d.RelativeEffect, ReportedBy: d.ReportedBy, LevelSetting: nonNil(d.LevelSetting), Overlapped: nonNil(d.Overlapped),
		Context: []contextSource{}, Steps: []step{}, Total: d.Total, Result: string(d.Result), Clamped: d.Clamped, Summary: d.Summary(),
		AdjudicatedBy: d.AdjudicatedBy, Rationale: d.Rationale}
	for _, c := range d.Context {
		r.Context = append(r.Context, contextSource{SourceID: c.SourceID, Why: c.Why})
	}
	for _, s := range d.Steps {
		r.Steps = append(r.Steps, step{Domain: s.Domain, Judgement: s.Judgement, Change: s.Change, After: string(s.After), Reason: s.Reason, FHIRType: s.FHIRType})
	}
	return out, r, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Rows of the detail statement's JSON aggregates.
type findingRow struct {
	finding
	GradeRow      *gradeRow `json:"grade_row"`
	FlagText      *string   `json:"flag_text"`
	Disagreements *string   `json:"disagreements_text"`
}

const sourceObject = `json_build_object('id', %[1]s.id, 'kind', %[1]s.kind, 'title', %[1]s.title, 'authors', %[1]s.authors,
	'year', %[1]s.year, 'container', %[1]s.container, 'doi', %[1]s.doi, 'pmid', %[1]s.pmid, 'url', %[1]s.url,
	'language', %[1]s.language, 'included_design', %[1]s.included_design, 'retracted', %[1]s.retracted,
	'retraction_note', %[1]s.retraction_note, 'version', %[1]s.version, 'created_at', %[1]s.created_at, 'updated_at', %[1]s.updated_at,
	'includes', (SELECT json_agg(si.source_id ORDER BY si.source_id) FROM source_includes si WHERE si.review_id = %[1]s.id))`

var detailSQL = `SELECT ` + claimColumns + `, c.rating_explanation, c.rating_reason, c.rating_facts, c.override_rating, c.override_rationale, c.override_by, c.override_at,
	c.override_basis, c.evidence_basis, c.archived_at,
	(SELECT json_agg(json_build_object('id', l.id, 'claim_id', l.claim_id, 'source_id', l.source_id, 'excerpt', l.excerpt,
		'locator', l.locator, 'url', l.url, 'retrieved_at', l.retrieved_at, 'note', l.note, 'version', l.version,
		'created_at', l.created_at, 'updated_at', l.updated_at, 'source', ` + fmt.Sprintf(sourceObject, "s") + `) ORDER BY l.id)
		FROM links l JOIN sources s ON s.id = l.source_id WHERE l.claim_id = c.id),
	(SELECT json_agg(json_build_object('id', cf.id, 'claim_id', cf.claim_id, 'finding_id', cf.finding_id, 'stance', cf.stance,
		'note', cf.note, 'version', cf.version, 'created_at', cf.created_at, 'updated_at', cf.updated_at,
		'finding', json_build_object('id', f.id, 'measure', f.measure, 'estimate', f.estimate, 'ci_low', f.ci_low, 'ci_high', f.ci_high,
			'events', f.events, 'participants', f.participants, 'studies', f.studies, 'threshold', f.threshold,
			'comparator_risk', f.comparator_risk, 'attribution', f.attribution, 'summary', f.summary, 'certainty', f.certainty,
			'occurrence_certainty', f.occurrence_certainty,
			'grade_row', CASE WHEN g.id IS NULL THEN NULL ELSE json_build_object('certainty', g.certainty,
				'occurrence_certainty', g.occurrence_certainty, 'attribution', g.attribution, 'withdrawn_at', g.withdrawn_at,
				'withdrawn_reason', g.withdrawn_reason, 'judgements', g.judgements,
				'method', g.method, 'rationale', g.rationale, 'decided_by', g.decided_by, 'decided_at', g.decided_at,
				'assessment_ids', g.assessment_ids, 'derivation', g.derivation) END,
			'disagreements_text', f.disagreements, 'version', f.version, 'created_at', f.created_at, 'updated_at', f.updated_at,
			'flag_text', (SELECT string_agg(ff.flag, ',') FROM finding_flags ff WHERE ff.finding_id = f.id),
			'question', json_build_object('id', q.id, 'therapy', qt.slug, 'population', q.population, 'intervention', q.intervention,
				'comparator', q.comparator, 'comparator_kind', q.comparator_kind, 'outcome', q.outcome, 'timepoint', q.timepoint,
				'outcome_kind', q.outcome_kind, 'direction', q.direction, 'version', q.version, 'created_at', q.created_at, 'updated_at', q.updated_at),
			'sources', (SELECT json_agg(json_build_object('id', fs.id, 'finding_id', fs.finding_id, 'source_id', fs.source_id,
				'excerpt', fs.excerpt, 'locator', fs.locator, 'note', fs.note, 'reported_certainty', fs.reported_certainty,
				'reported_threshold', fs.reported_threshold, 'design_subset', fs.design_subset, 'version', fs.version,
				'created_at', fs.created_at, 'updated_at', fs.updated_at, 'source', ` + fmt.Sprintf(sourceObject, "fsrc") + `) ORDER BY fs.id)
				FROM finding_sources fs JOIN sources fsrc ON fsrc.id = fs.source_id WHERE fs.finding_id = f.id))) ORDER BY cf.id)
		FROM claim_findings cf JOIN findings f ON f.id = cf.finding_id JOIN questions q ON q.id = f.question_id
		JOIN therapies qt ON qt.id = q.therapy_id LEFT JOIN finding_grades g ON g.id = f.grade_id WHERE cf.claim_id = c.id),
	(SELECT json_agg(json_build_object('id', es.id, 'claim_id', es.claim_id, 'database', es.database_name, 'query', es.query_text,
		'searched_at', es.searched_at, 'hits', es.hits, 'screened', es.screened, 'note', es.note, 'version', es.version,
		'created_by', es.created_by, 'created_at', es.created_at, 'updated_at', es.updated_at,
		'source_ids', (SELECT json_agg(ess.source_id ORDER BY ess.source_id) FROM evidence_search_sources ess WHERE ess.search_id = es.id))
		ORDER BY es.searched_at DESC, es.id DESC)
		FROM evidence_searches es WHERE es.claim_id = c.id)
	FROM claims c JOIN therapies t ON t.id = c.therapy_id WHERE c.id = $1`

func (s *server) detail(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "id", http.StatusBadRequest)
		return
	}
	var d detail
	var flags, facts, oRating, oRationale, oBy, oBasis *string
	var oAt, archived *time.Time
	var basis string
	var apps []appearance
	var cfs []struct {
		claimFinding
		Finding findingRow `json:"finding"`
	}
	var searches []search
	dest := append(d.claim.dest(&flags), &d.RatingExplanation, &d.RatingReason, &facts, &oRating, &oRationale, &oBy, &oAt, &oBasis, &basis, &archived, &apps, &cfs, &searches)
	if err := s.db.QueryRow(r.Context(), detailSQL, s.cached, id).Scan(dest...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		fail(w, err)
		return
	}
	if archived != nil {
		http.Error(w, "gone", http.StatusGone)
		return
	}
	d.Flags = splitFlags(flags)
	if oRating != nil {
		d.RatingOverride = &override{Rating: *oRating, Stale: oBasis == nil || *oBasis != basis}
		d.RatingOverride.Rationale, d.RatingOverride.DecidedBy = deref(oRationale), deref(oBy)
		if oAt != nil {
			d.RatingOverride.DecidedAt = *oAt
		}
	}
	d.RatingSummary = ratingSummary(d, facts)
	d.Appearances = make([]appearance, len(apps))
	for i, a := range apps {
		a.CreatedAt, a.UpdatedAt, a.Source = a.CreatedAt.Local(), a.UpdatedAt.Local(), localSource(a.Source)
		if a.RetrievedAt != nil {
			t := a.RetrievedAt.Local()
			a.RetrievedAt = &t
		}
		d.Appearances[i] = a
	}
	d.Findings = make([]claimFinding, len(cfs))
	for i, cf := range cfs {
		f := cf.Finding
		if f.GradeRow != nil {
			if f.finding.Grade, f.finding.Derivation, err = f.GradeRow.render(); err != nil {
				fail(w, fmt.Errorf("finding %d: grade: %w", f.ID, err))
				return
			}
		}
		f.finding.Flags = splitFlags(f.FlagText)
		f.finding.Disagreements = []string{}
		if f.Disagreements != nil && *f.Disagreements != "" {
			if err := json.Unmarshal([]byte(*f.Disagreements), &f.finding.Disagreements); err != nil {
				fail(w, err)
				return
			}
			if f.finding.Disagreements == nil {
				f.finding.Disagreements = []string{}
			}
		}
		if f.finding.Sources == nil {
			f.finding.Sources = []findingSource{}
		}
		for j := range f.finding.Sources {
			fs := &f.finding.Sources[j]
			fs.CreatedAt, fs.UpdatedAt, fs.Source = fs.CreatedAt.Local(), fs.UpdatedAt.Local(), localSource(fs.Source)
		}
		q := &f.finding.Question
		q.CreatedAt, q.UpdatedAt = q.CreatedAt.Local(), q.UpdatedAt.Local()
		f.finding.CreatedAt, f.finding.UpdatedAt = f.finding.CreatedAt.Local(), f.finding.UpdatedAt.Local()
		cf.claimFinding.Finding = f.finding
		cf.claimFinding.CreatedAt, cf.claimFinding.UpdatedAt = cf.claimFinding.CreatedAt.Local(), cf.claimFinding.UpdatedAt.Local()
		d.Findings[i] = cf.claimFinding
	}
	d.Searches = make([]search, len(searches))
	for i, sr := range searches {
		sr.SearchedAt, sr.CreatedAt, sr.UpdatedAt = sr.SearchedAt.UTC(), sr.CreatedAt.Local(), sr.UpdatedAt.Local()
		if sr.SourceIDs == nil {
			sr.SourceIDs = []int64{}
		}
		d.Searches[i] = sr
	}
	write(w, d)
}

// localSource puts a source's times in the local zone (as pgx scans them)
// and makes its includes a list.
func localSource(s source) source {
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.Local(), s.UpdatedAt.Local()
	if s.Includes == nil {
		s.Includes = []int64{}
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func write(w http.ResponseWriter, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(b)
}

func fail(w http.ResponseWriter, err error) {
	log.Print(err)
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

// ratingSummary is the claim's verdict sentence in its language, as
// claimgrade writes it (handlers.verdictOf): the stored rule and facts, or
// under an editor's override the editor's rationale.
func ratingSummary(d detail, facts *string) string {
	v := readertext.Verdict{Rating: grading.Rating(d.Rating), Rule: grading.RatingRule(d.RatingReason)}
	if facts != nil {
		if f, err := grading.ParseVerdictFacts([]byte(*facts)); err == nil {
			v.Facts = f
		}
	}
	if v.Facts.Format == 0 {
		v.Facts = grading.VerdictFacts{Format: grading.VerdictFactsFormat, Certainty: grading.Certainty(deref(d.Certainty)),
			Basis: grading.CertaintyBasis(deref(d.CertaintyBasis))}
	}
	if d.RatingSource == string(grading.SourceEditor) && d.RatingOverride != nil {
		v.Rule, v.Rationale, v.OverrideStale = grading.RuleEditorOverride, d.RatingOverride.Rationale, d.RatingOverride.Stale
	}
	return readertext.ForTag(d.Language).Verdict(v)
}
