package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// Documents in one statement.
//
// A claim document (the claim, its flags, its appearances with their
// sources, its finding links with each finding's question, flags, grade
// and sources, its evidence searches with the ids of the sources they led
// to) and a finding document are each read in one statement: the
// root row's columns flat, everything it embeds aggregated into JSON in
// correlated subqueries (json_build_object/json_agg on PostgreSQL,
// json_object/json_group_array on SQLite), decoded into the flat doc types
// below and converted to models. The read is one round trip whatever the
// number of links, and selects only the columns the documents show.
//
// Values decode as the drivers would scan them: times are parsed from the
// JSON text (PostgreSQL's ISO form, SQLite's stored text, as the SQLite
// driver parses it) and, on PostgreSQL, put in the local zone like pgx;
// booleans come as true/false or 1/0; the JSON-serialised columns arrive as
// text and are unmarshalled like gorm's JSON serializer; every vocabulary
// value is validated like the types' Scan.

// docSQL writes the dialect's JSON functions.
type docSQL struct{ postgres bool }

// object is a JSON object of the key/expression pairs.
func (d docSQL) object(pairs ...string) string {
	var b strings.Builder
	if d.postgres {
		b.WriteString("json_build_object(")
	} else {
		b.WriteString("json_object(")
	}
	for i := 0; i < len(pairs); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "'%s', %s", pairs[i], pairs[i+1])
	}
	b.WriteString(")")
	return b.String()
}

// array aggregates expr into a JSON array ordered by order.
func (d docSQL) array(expr, order string) string {
	if d.postgres {
		return "json_agg(" + expr + " ORDER BY " + order + ")"
	}
	return "json_group_array(" + expr + " ORDER BY " + order + ")"
}

// nested embeds the JSON result of a scalar subquery as JSON (SQLite drops
// the JSON subtype at a subquery's boundary; json() restores it).
func (d docSQL) nested(subquery string) string {
	if d.postgres {
		return "(" + subquery + ")"
	}
	return "json((" + subquery + "))"
}

// words aggregates a text column into one comma-joined string.
func (d docSQL) words(col string) string {
	if d.postgres {
		return "string_agg(" + col + ", ',')"
	}
	return "group_concat(" + col + ", ',')"
}

// source is the object of source s (alias), includes embedded.
func (d docSQL) source(s string) string {
	return d.object("id", s+".id", "kind", s+".kind", "title", s+".title", "authors", s+".authors", "year", s+".year",
		"container", s+".container", "doi", s+".doi", "pmid", s+".pmid", "url", s+".url", "language", s+".language",
		"retracted", s+".retracted", "retraction_note", s+".retraction_note", "included_design", s+".included_design",
		"version", s+".version", "created_at", s+".created_at", "updated_at", s+".updated_at",
		"includes", d.nested("SELECT "+d.array("si.source_id", "si.source_id")+" FROM source_includes si WHERE si.review_id = "+s+".id"))
}

// finding is the object of finding f joined with its question q, the
// question's therapy qt and its current grade g (LEFT JOIN).
func (d docSQL) finding() string {
	grade := "CASE WHEN g.id IS NULL THEN NULL ELSE " + d.object("id", "g.id", "certainty", "g.certainty",
		"occurrence_certainty", "g.occurrence_certainty", "attribution", "g.attribution",
		"withdrawn_at", "g.withdrawn_at", "withdrawn_reason", "g.withdrawn_reason",
		"judgements", "g.judgements", "method", "g.method", "rationale", "g.rationale", "decided_by", "g.decided_by",
		"decided_at", "g.decided_at", "assessment_ids", "g.assessment_ids", "derivation", "g.derivation") + " END"
	if !d.postgres {
		grade = "json(" + grade + ")"
	}
	sources := "SELECT " + d.array(d.object("id", "fs.id", "source_id", "fs.source_id", "excerpt", "fs.excerpt",
		"locator", "fs.locator", "note", "fs.note", "reported_certainty", "fs.reported_certainty",
		"reported_threshold", "fs.reported_threshold", "design_subset", "fs.design_subset", "version", "fs.version",
		"created_at", "fs.created_at", "updated_at", "fs.updated_at", "source", d.source("fsrc")), "fs.id") +
		" FROM finding_sources fs JOIN sources fsrc ON fsrc.id = fs.source_id WHERE fs.finding_id = f.id"
	return d.object("id", "f.id", "measure", "f.measure", "estimate", "f.estimate", "ci_low", "f.ci_low",
		"ci_high", "f.ci_high", "events", "f.events", "participants", "f.participants", "studies", "f.studies",
		"threshold", "f.threshold", "comparator_risk", "f.comparator_risk", "attribution", "f.attribution", "summary", "f.summary", "certainty", "f.certainty",
		"occurrence_certainty", "f.occurrence_certainty", "grade_id", "f.grade_id", "disagreements", "f.disagreements", "version", "f.version",
		"created_at", "f.created_at", "updated_at", "f.updated_at",
		"flags", "(SELECT "+d.words("ff.flag")+" FROM finding_flags ff WHERE ff.finding_id = f.id)",
		"question", d.object("id", "q.id", "therapy_id", "q.therapy_id", "therapy", "qt.slug", "population", "q.population",
			"intervention", "q.intervention", "comparator", "q.comparator", "comparator_kind", "q.comparator_kind",
			"outcome", "q.outcome", "timepoint", "q.timepoint", "outcome_kind", "q.outcome_kind", "direction", "q.direction", "version", "q.version",
			"created_at", "q.created_at", "updated_at", "q.updated_at"),
		"grade", grade,
		"sources", d.nested(sources))
}

// findingJoins joins a finding f to what finding() reads.
const findingJoins = " JOIN questions q ON q.id = f.question_id JOIN therapies qt ON qt.id = q.therapy_id" +
	" LEFT JOIN finding_grades g ON g.id = f.grade_id"

// claimDocumentSQL reads claim ? as its document shows it.
func claimDocumentSQL(d docSQL) string {
	appearances := "SELECT " + d.array(d.object("id", "l.id", "source_id", "l.source_id", "excerpt", "l.excerpt",
		"locator", "l.locator", "note", "l.note", "url", "l.url", "retrieved_at", "l.retrieved_at", "version", "l.version",
		"created_at", "l.created_at", "updated_at", "l.updated_at", "source", d.source("s")), "l.id") +
		" FROM links l JOIN sources s ON s.id = l.source_id WHERE l.claim_id = c.id"
	findings := "SELECT " + d.array(d.object("id", "cf.id", "finding_id", "cf.finding_id", "stance", "cf.stance",
		"note", "cf.note", "version", "cf.version", "created_at", "cf.created_at", "updated_at", "cf.updated_at",
		"finding", d.finding()), "cf.id") +
		" FROM claim_findings cf JOIN findings f ON f.id = cf.finding_id" + findingJoins + " WHERE cf.claim_id = c.id"
	searches := "SELECT " + d.array(d.object("id", "es.id", "database", "es.database_name", "query", "es.query_text",
		"searched_at", "es.searched_at", "hits", "es.hits", "screened", "es.screened", "note", "es.note", "version", "es.version",
		"created_by", "es.created_by", "created_at", "es.created_at", "updated_at", "es.updated_at",
		"source_ids", d.nested("SELECT "+d.array("ess.source_id", "ess.source_id")+" FROM evidence_search_sources ess WHERE ess.search_id = es.id")),
		"es.searched_at DESC, es.id DESC") +
		" FROM evidence_searches es WHERE es.claim_id = c.id"
	return "SELECT c.id, c.therapy_id, t.slug AS therapy_slug, c.text, c.language, c.text_en, c.summary, c.claim_type, " +
		"c.assertion, c.claimed_value, c.claimed_bound, c.hedge, c.rating, c.rating_source, c.rating_explanation, c.rating_reason, " +
		"c.rating_facts, c.rated_at, c.certainty, c.certainty_basis, " +
		"c.support_count, c.refute_count, c.appearance_count, c.override_rating, c.override_rationale, c.override_by, " +
		"c.override_at, c.override_basis, c.evidence_basis, c.version, c.archived_at, c.created_at, c.updated_at, " +
		"(SELECT " + d.words("cfl.flag") + " FROM claim_flags cfl WHERE cfl.claim_id = c.id) AS flags, " +
		"(" + appearances + ") AS appearances, (" + findings + ") AS findings, (" + searches + ") AS searches " +
		"FROM claims c JOIN therapies t ON t.id = c.therapy_id WHERE c.id = ?"
}

// findingDocumentSQL reads finding ? as its document shows it, as one JSON
// value.
func findingDocumentSQL(d docSQL) string {
	return "SELECT " + d.finding() + " AS doc FROM findings f" + findingJoins + " WHERE f.id = ?"
}

// The documents' statements per dialect (index: postgres), written once
// and with the dialect's placeholder (rawStatement): building the claim
// document's 6 kB of SQL took about 6% of a claim request's CPU when it
// was built for each request.
var (
	claimDocumentSQLs   = [2]string{claimDocumentSQL(docSQL{postgres: false}), dollarOne(claimDocumentSQL(docSQL{postgres: true}))}
	findingDocumentSQLs = [2]string{findingDocumentSQL(docSQL{postgres: false}), dollarOne(findingDocumentSQL(docSQL{postgres: true}))}
)

// dollarOne writes the one ? placeholder of a statement as PostgreSQL's $1.
func dollarOne(sql string) string {
	if strings.Count(sql, "?") != 1 {
		panic("store: a document statement has one placeholder")
	}
	return strings.Replace(sql, "?", "$1", 1)
}

// dialectIndex is 1 on PostgreSQL, 0 on SQLite: the index of a statement
// written for each.
func (s *Store) dialectIndex() int {
	if s.dialect == Postgres {
		return 1
	}
	return 0
}

// claimDocumentRow is the claim document's one row.
type claimDocumentRow struct {
	ID                int64
	TherapyID         int64
	TherapySlug       string
	Text              string
	Language          string
	TextEn            *string
	Summary           string
	ClaimType         grading.ClaimType
	Assertion         grading.Assertion
	ClaimedValue      *float64
	ClaimedBound      *grading.ClaimedBound
	Hedge             grading.Hedge
	Rating            grading.Rating
	RatingSource      grading.RatingSource
	RatingExplanation string
	RatingReason      string
	RatingFacts       *string
	RatedAt           *time.Time
	Certainty         *grading.Certainty
	CertaintyBasis    *grading.CertaintyBasis
	SupportCount      int
	RefuteCount       int
	AppearanceCount   int
	OverrideRating    *grading.Rating
	OverrideRationale *string
	OverrideBy        *string
	OverrideAt        *time.Time
	OverrideBasis     *string
	EvidenceBasis     string
	Version           int64
	ArchivedAt        *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Flags             *string
	Appearances       *string
	Findings          *string
	Searches          *string
}

// docTime is a time in a JSON document, as the database wrote it.
type docTime struct{ time.Time }

// sqliteTimeFormats are the layouts the SQLite driver (glebarez/go-sqlite)
// parses a DATETIME column with, in its order; PostgreSQL's ISO 8601 form
// is the second.
var sqliteTimeFormats = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

func (t *docTime) UnmarshalJSON(b []byte) error {
	// PostgreSQL's JSON form (2006-01-02T15:04:05.999999+00:00), quoted
	// without escapes, is read directly: as the layouts below read it (in
	// UTC unless it has an offset), without decoding the string first or
	// trying the layouts before it (they were about a tenth of a claim
	// request's CPU).
	if n := len(b); n > 12 && b[0] == '"' && b[n-1] == '"' && b[11] == 'T' && bytes.IndexByte(b, '\\') < 0 {
		if v, err := time.ParseInLocation(time.RFC3339Nano, string(b[1:n-1]), time.UTC); err == nil {
			t.Time = v
			return nil
		}
	}
	return t.parseLayouts(b)
}

// parseLayouts reads a stored time in the layouts the SQLite driver
// parses, after the form of time.Time.String().
func (t *docTime) parseLayouts(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("stored time %s: %w", b, err)
	}
	// The driver's first try: the form of time.Time.String().
	if x := strings.Index(s, "m="); x > 0 {
		if v, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", strings.TrimSpace(s[:x])); err == nil {
			t.Time = v
			return nil
		}
	}
	if v, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", strings.TrimSpace(s)); err == nil {
		t.Time = v
		return nil
	}
	ts := strings.TrimSuffix(s, "Z")
	for _, f := range sqliteTimeFormats {
		if v, err := time.ParseInLocation(f, ts, time.UTC); err == nil {
			t.Time = v
			return nil
		}
	}
	return fmt.Errorf("stored time %q is in no known layout", s)
}

// docBool is a boolean as PostgreSQL (true/false) or SQLite (1/0) writes it.
type docBool bool

func (v *docBool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true", "1":
		*v = true
	case "false", "0":
		*v = false
	default:
		return fmt.Errorf("stored boolean %s is neither true/false nor 1/0", b)
	}
	return nil
}

type sourceDoc struct {
	ID             int64                   `json:"id"`
	Kind           grading.SourceKind      `json:"kind"`
	Title          string                  `json:"title"`
	Authors        *string                 `json:"authors"`
	Year           *int                    `json:"year"`
	Container      *string                 `json:"container"`
	DOI            *string                 `json:"doi"`
	PMID           *string                 `json:"pmid"`
	URL            *string                 `json:"url"`
	Language       *string                 `json:"language"`
	Retracted      docBool                 `json:"retracted"`
	RetractionNote *string                 `json:"retraction_note"`
	IncludedDesign *grading.IncludedDesign `json:"included_design"`
	Version        int64                   `json:"version"`
	CreatedAt      docTime                 `json:"created_at"`
	UpdatedAt      docTime                 `json:"updated_at"`
	Includes       []int64                 `json:"includes"`
}

type appearanceDoc struct {
	ID          int64     `json:"id"`
	SourceID    int64     `json:"source_id"`
	Excerpt     *string   `json:"excerpt"`
	Locator     *string   `json:"locator"`
	Note        *string   `json:"note"`
	URL         *string   `json:"url"`
	RetrievedAt *docTime  `json:"retrieved_at"`
	Version     int64     `json:"version"`
	CreatedAt   docTime   `json:"created_at"`
	UpdatedAt   docTime   `json:"updated_at"`
	Source      sourceDoc `json:"source"`
}

type searchDoc struct {
	ID         int64                  `json:"id"`
	Database   grading.SearchDatabase `json:"database"`
	Query      string                 `json:"query"`
	SearchedAt docTime                `json:"searched_at"`
	Hits       int64                  `json:"hits"`
	Screened   int64                  `json:"screened"`
	Note       *string                `json:"note"`
	Version    int64                  `json:"version"`
	CreatedBy  string                 `json:"created_by"`
	CreatedAt  docTime                `json:"created_at"`
	UpdatedAt  docTime                `json:"updated_at"`
	SourceIDs  []int64                `json:"source_ids"`
}

type questionDoc struct {
	ID             int64                  `json:"id"`
	TherapyID      int64                  `json:"therapy_id"`
	Therapy        string                 `json:"therapy"`
	Population     string                 `json:"population"`
	Intervention   string                 `json:"intervention"`
	Comparator     *string                `json:"comparator"`
	ComparatorKind grading.ComparatorKind `json:"comparator_kind"`
	Outcome        string                 `json:"outcome"`
	Timepoint      string                 `json:"timepoint"`
	OutcomeKind    grading.OutcomeKind    `json:"outcome_kind"`
	Direction      grading.Direction      `json:"direction"`
	Version        int64                  `json:"version"`
	CreatedAt      docTime                `json:"created_at"`
	UpdatedAt      docTime                `json:"updated_at"`
}

type gradeDoc struct {
	ID                  int64                `json:"id"`
	Certainty           *grading.Certainty   `json:"certainty"`
	OccurrenceCertainty *grading.Certainty   `json:"occurrence_certainty"`
	Attribution         *grading.Attribution `json:"attribution"`
	WithdrawnAt         *docTime             `json:"withdrawn_at"`
	WithdrawnReason     *string              `json:"withdrawn_reason"`
	Judgements          *string              `json:"judgements"`
	Method              grading.Method       `json:"method"`
	Rationale           string               `json:"rationale"`
	DecidedBy           string               `json:"decided_by"`
	DecidedAt           docTime              `json:"decided_at"`
	AssessmentIDs       *string              `json:"assessment_ids"`
	Derivation          *string              `json:"derivation"`
}

type findingSourceDoc struct {
	ID                int64                   `json:"id"`
	SourceID          int64                   `json:"source_id"`
	Excerpt           *string                 `json:"excerpt"`
	Locator           *string                 `json:"locator"`
	Note              *string                 `json:"note"`
	ReportedCertainty *grading.Certainty      `json:"reported_certainty"`
	ReportedThreshold *float64                `json:"reported_threshold"`
	DesignSubset      *grading.IncludedDesign `json:"design_subset"`
	Version           int64                   `json:"version"`
	CreatedAt         docTime                 `json:"created_at"`
	UpdatedAt         docTime                 `json:"updated_at"`
	Source            sourceDoc               `json:"source"`
}

type findingDoc struct {
	ID             int64                  `json:"id"`
	Measure        *grading.EffectMeasure `json:"measure"`
	Estimate       *float64               `json:"estimate"`
	CILow          *float64               `json:"ci_low"`
	CIHigh         *float64               `json:"ci_high"`
	Events         *int64                 `json:"events"`
	Participants   *int64                 `json:"participants"`
	Studies        *int64                 `json:"studies"`
	Threshold      *float64               `json:"threshold"`
	ComparatorRisk *float64               `json:"comparator_risk"`
	Attribution    *grading.Attribution   `json:"attribution"`
	Summary        string                 `json:"summary"`
	Certainty      *grading.Certainty     `json:"certainty"`
	Occurrence     *grading.Certainty     `json:"occurrence_certainty"`
	GradeID        *int64                 `json:"grade_id"`
	Disagreements  *string                `json:"disagreements"`
	Version        int64                  `json:"version"`
	CreatedAt      docTime                `json:"created_at"`
	UpdatedAt      docTime                `json:"updated_at"`
	Flags          *string                `json:"flags"`
	Question       questionDoc            `json:"question"`
	Grade          *gradeDoc              `json:"grade"`
	Sources        []findingSourceDoc     `json:"sources"`
}

type claimFindingDoc struct {
	ID        int64          `json:"id"`
	FindingID int64          `json:"finding_id"`
	Stance    grading.Stance `json:"stance"`
	Note      *string        `json:"note"`
	Version   int64          `json:"version"`
	CreatedAt docTime        `json:"created_at"`
	UpdatedAt docTime        `json:"updated_at"`
	Finding   findingDoc     `json:"finding"`
}

// docReader converts documents' values as the store's dialect scans them.
type docReader struct {
	postgres bool
	errs     []error
}

// at is a stored time as the driver scans it: pgx gives local times.
func (r *docReader) at(t docTime) time.Time {
	if r.postgres {
		return t.Local()
	}
	return t.Time
}

func (r *docReader) atPtr(t *docTime) *time.Time {
	if t == nil {
		return nil
	}
	v := r.at(*t)
	return &v
}

// word checks a stored vocabulary value, as the types' Scan does.
func (r *docReader) word(what string, v interface{ Validate() error }) {
	if err := v.Validate(); err != nil {
		r.errs = append(r.errs, fmt.Errorf("stored %s: %w", what, err))
	}
}

// serialized unmarshals a JSON-serialised column like gorm's JSON
// serializer: NULL or empty leaves the zero value.
func (r *docReader) serialized(what string, text *string, dst any) {
	if text == nil || *text == "" {
		return
	}
	if err := json.Unmarshal([]byte(*text), dst); err != nil {
		r.errs = append(r.errs, fmt.Errorf("stored %s: %w", what, err))
	}
}

func (r *docReader) err() error { return errors.Join(r.errs...) }

func (r *docReader) source(d sourceDoc) models.Source {
	r.word("source kind", d.Kind)
	if d.IncludedDesign != nil {
		r.word("included design", *d.IncludedDesign)
	}
	s := models.Source{ID: d.ID, Kind: d.Kind, Title: d.Title, Authors: d.Authors, Year: d.Year, Container: d.Container,
		DOI: d.DOI, PMID: d.PMID, URL: d.URL, Language: d.Language, Retracted: bool(d.Retracted),
		RetractionNote: d.RetractionNote, IncludedDesign: d.IncludedDesign, Version: d.Version,
		CreatedAt: r.at(d.CreatedAt), UpdatedAt: r.at(d.UpdatedAt)}
	for _, id := range d.Includes {
		s.Includes = append(s.Includes, models.SourceInclude{ReviewID: d.ID, SourceID: id})
	}
	return s
}

func (r *docReader) finding(d findingDoc) models.Finding {
	q := d.Question
	r.word("comparator kind", q.ComparatorKind)
	r.word("outcome kind", q.OutcomeKind)
	r.word("direction", q.Direction)
	f := models.Finding{ID: d.ID, QuestionID: q.ID, Measure: d.Measure, Estimate: d.Estimate, CILow: d.CILow,
		CIHigh: d.CIHigh, Events: d.Events, Participants: d.Participants, Studies: d.Studies, Threshold: d.Threshold, ComparatorRisk: d.ComparatorRisk,
		Attribution: d.Attribution, Summary: d.Summary, Certainty: d.Certainty, OccurrenceCertainty: d.Occurrence, GradeID: d.GradeID, Version: d.Version,
		CreatedAt: r.at(d.CreatedAt), UpdatedAt: r.at(d.UpdatedAt),
		Question: models.Question{ID: q.ID, TherapyID: q.TherapyID, Therapy: models.Therapy{ID: q.TherapyID, Slug: q.Therapy},
			Population: q.Population, Intervention: q.Intervention, Comparator: q.Comparator, ComparatorKind: q.ComparatorKind,
			Outcome: q.Outcome, Timepoint: q.Timepoint, OutcomeKind: q.OutcomeKind, Direction: q.Direction, Version: q.Version,
			CreatedAt: r.at(q.CreatedAt), UpdatedAt: r.at(q.UpdatedAt)}}
	if d.Measure != nil {
		r.word("effect measure", *d.Measure)
	}
	if d.Attribution != nil {
		r.word("attribution", *d.Attribution)
	}
	for _, c := range []*grading.Certainty{d.Certainty, d.Occurrence} {
		if c != nil {
			r.word("certainty", *c)
		}
	}
	r.serialized("disagreements", d.Disagreements, &f.Disagreements)
	for _, fl := range splitWords(d.Flags) {
		r.word("flag", grading.Flag(fl))
		f.Flags = append(f.Flags, models.FindingFlag{Flag: grading.Flag(fl), FindingID: d.ID})
	}
	if g := d.Grade; g != nil {
		for _, c := range []*grading.Certainty{g.Certainty, g.OccurrenceCertainty} {
			if c != nil {
				r.word("grade certainty", *c)
			}
		}
		if g.Attribution != nil {
			r.word("grade attribution", *g.Attribution)
		}
		r.word("grade method", g.Method)
		f.Grade = &models.FindingGrade{ID: g.ID, FindingID: d.ID, Certainty: g.Certainty, OccurrenceCertainty: g.OccurrenceCertainty,
			Attribution: g.Attribution, WithdrawnAt: r.atPtr(g.WithdrawnAt), WithdrawnReason: g.WithdrawnReason, Method: g.Method,
			Rationale: g.Rationale, DecidedBy: g.DecidedBy, DecidedAt: r.at(g.DecidedAt)}
		r.serialized("grade judgements", g.Judgements, &f.Grade.Judgements)
		r.serialized("grade assessment ids", g.AssessmentIDs, &f.Grade.AssessmentIDs)
		r.serialized("grade derivation", g.Derivation, &f.Grade.Derivation)
	}
	for _, fs := range d.Sources {
		if fs.ReportedCertainty != nil {
			r.word("reported certainty", *fs.ReportedCertainty)
		}
		if fs.DesignSubset != nil {
			r.word("design subset", *fs.DesignSubset)
		}
		f.Sources = append(f.Sources, models.FindingSource{ID: fs.ID, FindingID: d.ID, SourceID: fs.SourceID,
			Source: r.source(fs.Source), Excerpt: fs.Excerpt, Locator: fs.Locator, Note: fs.Note,
			ReportedCertainty: fs.ReportedCertainty, ReportedThreshold: fs.ReportedThreshold, DesignSubset: fs.DesignSubset,
			Version: fs.Version, CreatedAt: r.at(fs.CreatedAt), UpdatedAt: r.at(fs.UpdatedAt)})
	}
	return f
}

// splitWords splits a comma-joined aggregate, sorted.
func splitWords(s *string) []string {
	if s == nil || *s == "" {
		return nil
	}
	out := strings.Split(*s, ",")
	slices.Sort(out)
	return out
}

// claimDocument reads live claim id as its document shows it, in one
// statement.
func (s *Store) claimDocument(ctx context.Context, db *gorm.DB, id int64) (ClaimDetail, error) {
	var d ClaimDetail
	var row claimDocumentRow
	found := false
	// The plan of a document by its id does not depend on the id: cached.
	err := s.queryRows(ctx, rawStatement(db, claimDocumentSQLs[s.dialectIndex()], id), cachedPlan, func(rs rowScanner) error {
		found = true
		return rs.Scan(&row.ID, &row.TherapyID, &row.TherapySlug, &row.Text, &row.Language, &row.TextEn, &row.Summary,
			&row.ClaimType, &row.Assertion, &row.ClaimedValue, &row.ClaimedBound, &row.Hedge, &row.Rating, &row.RatingSource,
			&row.RatingExplanation, &row.RatingReason, &row.RatingFacts, &row.RatedAt, &row.Certainty, &row.CertaintyBasis,
			&row.SupportCount, &row.RefuteCount, &row.AppearanceCount,
			&row.OverrideRating, &row.OverrideRationale, &row.OverrideBy, &row.OverrideAt, &row.OverrideBasis,
			&row.EvidenceBasis, &row.Version, &row.ArchivedAt, &row.CreatedAt, &row.UpdatedAt, &row.Flags,
			&row.Appearances, &row.Findings, &row.Searches)
	})
	if err != nil {
		return d, fmt.Errorf("find claim %d: %w", id, classify(err))
	}
	if !found {
		return d, notFound("claim", id)
	}
	if row.ArchivedAt != nil {
		return d, fmt.Errorf("claim %d was archived on %s: %w", id, row.ArchivedAt.Format("2006-01-02"), ErrGone)
	}
	d.Claim = models.Claim{ID: row.ID, TherapyID: row.TherapyID, Therapy: models.Therapy{ID: row.TherapyID, Slug: row.TherapySlug},
		Text: row.Text, Language: row.Language, TextEn: row.TextEn, Summary: row.Summary, ClaimType: row.ClaimType,
		Assertion: row.Assertion, ClaimedValue: row.ClaimedValue, ClaimedBound: row.ClaimedBound, Hedge: row.Hedge, Rating: row.Rating,
		RatingSource: row.RatingSource, RatingExplanation: row.RatingExplanation, RatingReason: row.RatingReason,
		RatingFacts: row.RatingFacts, RatedAt: row.RatedAt, Certainty: row.Certainty, CertaintyBasis: row.CertaintyBasis, SupportCount: row.SupportCount, RefuteCount: row.RefuteCount,
		AppearanceCount: row.AppearanceCount, OverrideRating: row.OverrideRating, OverrideRationale: row.OverrideRationale,
		OverrideBy: row.OverrideBy, OverrideAt: row.OverrideAt, OverrideBasis: row.OverrideBasis,
		EvidenceBasis: row.EvidenceBasis, Version: row.Version, CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}
	r := &docReader{postgres: s.dialect == Postgres}
	r.word("rating reason", grading.RatingRule(row.RatingReason))
	for _, fl := range splitWords(row.Flags) {
		r.word("flag", grading.Flag(fl))
		d.Claim.Flags = append(d.Claim.Flags, models.ClaimFlag{Flag: grading.Flag(fl), ClaimID: id})
	}
	var apps []appearanceDoc
	var cfs []claimFindingDoc
	if err := decodeDoc(row.Appearances, &apps); err != nil {
		return d, fmt.Errorf("read appearances of claim %d: %w", id, err)
	}
	if err := decodeDoc(row.Findings, &cfs); err != nil {
		return d, fmt.Errorf("read findings of claim %d: %w", id, err)
	}
	var searches []searchDoc
	if err := decodeDoc(row.Searches, &searches); err != nil {
		return d, fmt.Errorf("read searches of claim %d: %w", id, err)
	}
	for _, sd := range searches {
		r.word("search database", sd.Database)
		es := models.EvidenceSearch{ID: sd.ID, ClaimID: id, Database: sd.Database, Query: sd.Query, SearchedAt: r.at(sd.SearchedAt),
			Hits: sd.Hits, Screened: sd.Screened, Note: sd.Note, Version: sd.Version, CreatedBy: sd.CreatedBy,
			CreatedAt: r.at(sd.CreatedAt), UpdatedAt: r.at(sd.UpdatedAt)}
		for _, src := range sd.SourceIDs {
			es.Sources = append(es.Sources, models.EvidenceSearchSource{SearchID: sd.ID, SourceID: src})
		}
		d.Searches = append(d.Searches, es)
	}
	for _, a := range apps {
		d.Appearances = append(d.Appearances, models.Link{ID: a.ID, ClaimID: id, SourceID: a.SourceID,
			Source: r.source(a.Source), Role: grading.RoleAppearance, Excerpt: a.Excerpt, Locator: a.Locator, Note: a.Note,
			URL: a.URL, RetrievedAt: r.atPtr(a.RetrievedAt), Version: a.Version, CreatedAt: r.at(a.CreatedAt),
			UpdatedAt: r.at(a.UpdatedAt)})
	}
	for _, cf := range cfs {
		r.word("stance", cf.Stance)
		d.Findings = append(d.Findings, models.ClaimFinding{ID: cf.ID, ClaimID: id, FindingID: cf.FindingID,
			Finding: r.finding(cf.Finding), Stance: cf.Stance, Note: cf.Note, Version: cf.Version,
			CreatedAt: r.at(cf.CreatedAt), UpdatedAt: r.at(cf.UpdatedAt)})
	}
	if err := r.err(); err != nil {
		return d, fmt.Errorf("read claim %d: %w", id, err)
	}
	return d, nil
}

// findingDocumentOne reads finding id as its document shows it, in one
// statement.
func (s *Store) findingDocumentOne(ctx context.Context, db *gorm.DB, id int64) (models.Finding, error) {
	var doc *string
	err := s.queryRows(ctx, rawStatement(db, findingDocumentSQLs[s.dialectIndex()], id), cachedPlan, func(rs rowScanner) error {
		return rs.Scan(&doc)
	})
	if err != nil {
		return models.Finding{}, fmt.Errorf("find finding %d: %w", id, classify(err))
	}
	if doc == nil {
		return models.Finding{}, notFound("finding", id)
	}
	var d findingDoc
	if err := json.Unmarshal([]byte(*doc), &d); err != nil {
		return models.Finding{}, fmt.Errorf("read finding %d: %w", id, err)
	}
	r := &docReader{postgres: s.dialect == Postgres}
	f := r.finding(d)
	if err := r.err(); err != nil {
		return f, fmt.Errorf("read finding %d: %w", id, err)
	}
	return f, nil
}

// decodeDoc decodes an aggregated JSON array; NULL (no rows on PostgreSQL)
// leaves dst empty.
func decodeDoc(text *string, dst any) error {
	if text == nil || *text == "" {
		return nil
	}
	return json.Unmarshal([]byte(*text), dst)
}
