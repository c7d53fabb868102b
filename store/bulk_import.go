package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"claimgrade/bulk"
	"claimgrade/grading"
	"claimgrade/models"
)

// MaxImportProblems caps the problems an import reports; ImportError says
// when more were found.
const MaxImportProblems = 100

// MaxImportLine is the longest line an import reads.
const MaxImportLine = 16 << 20

// importBatch is how many claims an import derives at once, and how many
// rows of a table it writes per statement on PostgreSQL (sqliteInsertRows
// on SQLite).
const importBatch = 1000

// ImportOptions tune ImportNDJSON.
type ImportOptions struct {
	// DryRun validates everything (the file, and its writes inside a
	// transaction that is rolled back) and keeps nothing.
	DryRun bool
}

// ImportCount counts the records of one type an import created and the
// ones it matched to records already in the catalogue.
type ImportCount struct {
	Created int
	Matched int
}

// ImportResult is what an import did (or, for a dry run, would do).
type ImportResult struct {
	DryRun bool
	// Restore is true when the catalogue was empty: the file's ids were
	// kept. Otherwise new ids were assigned and references remapped.
	Restore                                         bool
	Therapies, Sources, Questions, Findings, Claims ImportCount
}

// LineProblem is one problem of an import: the line (1-based) and the
// field inside it (e.g. data.kind).
type LineProblem struct {
	Line    int
	Field   string
	Message string
}

// ImportError refuses an import: nothing was written. Conflict is set when
// the file's records already exist (a 409); otherwise the file is invalid
// (a 422). Truncated says that more than MaxImportProblems were found.
type ImportError struct {
	Conflict  bool
	Problems  []LineProblem
	Truncated bool
}

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "import refused: %d problems", len(e.Problems))
	for i, p := range e.Problems {
		if i == 3 {
			b.WriteString("; ...")
			break
		}
		fmt.Fprintf(&b, "; line %d %s: %s", p.Line, p.Field, p.Message)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrConflict) or ErrInvalid hold.
func (e *ImportError) Is(target error) bool {
	if e.Conflict {
		return target == ErrConflict
	}
	return target == ErrInvalid
}

type lineProblems struct {
	list      []LineProblem
	truncated bool
}

func (p *lineProblems) add(line int, field, format string, args ...any) {
	if len(p.list) >= MaxImportProblems {
		p.truncated = true
		return
	}
	p.list = append(p.list, LineProblem{Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

// addErr adds a store validation error's field problems under prefix.
func (p *lineProblems) addErr(line int, prefix string, err error) {
	var ve *ValidationError
	if errors.As(err, &ve) {
		for _, fe := range ve.Problems {
			p.add(line, prefix+fe.Field, "%s", fe.Message)
		}
		return
	}
	if err != nil {
		p.add(line, strings.TrimSuffix(prefix, "."), "%s", err.Error())
	}
}

func (p *lineProblems) err(conflict bool) error {
	if len(p.list) == 0 && !p.truncated {
		return nil
	}
	return &ImportError{Conflict: conflict, Problems: p.list, Truncated: p.truncated}
}

type item[T any] struct {
	line int
	data T
}

// importFile is a validated file. The therapy, source, question and
// finding lines (the catalogue's small part, which every claim refers to)
// are held in memory, in file order; the claim lines (the bulk of a
// catalogue) are not: pass 1 (parseImport) validates each and keeps only
// what a later check needs, and eachClaim reads them again from the
// spooled file, which the writes consume a batch at a time.
type importFile struct {
	therapies []item[bulk.Therapy]
	sources   []item[bulk.Source]
	questions []item[bulk.Question]
	findings  []item[bulk.Finding]
	// Models built and validated from the lines, by file id.
	sourceModel   map[int64]*models.Source
	questionModel map[int64]*models.Question
	findingModel  map[int64]*models.Finding
	therapySlugs  map[string]bool
	// claims counts the claim lines.
	claims int
	// claimTherapies lists, by slug, the lines of claims whose therapy no
	// therapy line of the file has (it must be in the catalogue): at most
	// MaxImportProblems+1 lines a slug, enough to report the first
	// problems and whether there were more.
	claimTherapies map[string][]int
	// searchLines maps the id of each evidence search of the claim lines
	// to its line: an id is unique in the file.
	searchLines map[int64]int
	// spool holds the file from offset start on, read again by eachClaim.
	spool io.ReadSeeker
	start int64
}

// ImportNDJSON reads a claimgrade-ndjson file (package bulk) from r and
// adds its records to the catalogue, all or nothing. r is read twice: when
// it is not an io.ReadSeeker (read from its current offset), it is first
// copied to a file of the temporary directory, removed on return. The
// whole file is validated first (every problem reported with its line and
// field, up to MaxImportProblems), then written inside one transaction (a
// savepoint when s is bound to one) in batches of importBatch rows, and any
// error rolls everything back. Into an empty catalogue the file's ids are
// kept; otherwise new ids are assigned. A source whose DOI or PMID is in
// the catalogue is matched, not created; a therapy whose slug exists is
// matched. A question with the same PICO as an existing one of its
// therapy, or a live claim with the same therapy, language, text and
// text_en as an existing one, is a conflict (409): importing the same file
// twice never doubles the catalogue. Derived fields are derived again
// (refreshFindingFlags for the findings, rederive once per batch of
// claims), never read from the file. Each imported therapy, source,
// question, finding and claim is recorded as an <entity>.imported audit
// event (so that the changes feed lists them), and the import as one
// catalogue.imported event with the counts; and it starts a new epoch of
// the changes feed (StartFeedEpoch). With opts.DryRun the writes
// are rolled back after they succeeded and the result says what they
// would have done.
func (s *Store) ImportNDJSON(ctx context.Context, a Actor, r io.Reader, opts ImportOptions) (ImportResult, error) {
	res := ImportResult{DryRun: opts.DryRun}
	file, ok := r.(io.ReadSeeker) // e.g. a request body the API spooled already
	if !ok {
		spool, err := spoolImport(r)
		if err != nil {
			return res, err
		}
		defer spool.remove()
		file = spool.f
	}
	f, err := parseImport(file)
	if err != nil {
		return res, err
	}
	errDryRun := errors.New("dry run: roll back")
	err = s.InTx(ctx, func(tx *Store) error {
		restore, err := tx.genericPlans()
		if err != nil {
			return err
		}
		w := importWriter{s: tx, db: tx.db, a: a, f: f, res: &res, sources: map[int64]int64{}, questions: map[int64]int64{},
			findings: map[int64]int64{}, therapies: map[string]int64{}}
		if err := w.run(); err != nil {
			return err
		}
		// Positions in the changes feed no longer describe the catalogue:
		// partners resynchronise from an export (issue 21).
		if _, err := tx.StartFeedEpoch(ctx, models.EpochImport); err != nil {
			return err
		}
		if err := restore(); err != nil {
			return err
		}
		if opts.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return ImportResult{DryRun: opts.DryRun}, err
	}
	return res, nil
}

// importSpool is the body of an import copied to a temporary file: the
// body is read once, and the file twice (validation, then the writes of
// the claims), so that memory holds a batch of claims, not all of them.
type importSpool struct{ f *os.File }

// spoolImport copies r to a new file of the temporary directory
// (os.TempDir: $TMPDIR, else /tmp). An error reading r (e.g. a body over
// IMPORT_MAX_BYTES) is returned as it is.
func spoolImport(r io.Reader) (*importSpool, error) {
	f, err := os.CreateTemp("", "claimgrade-import-*.ndjson")
	if err != nil {
		return nil, fmt.Errorf("spool the import: %w", err)
	}
	s := &importSpool{f: f}
	if _, err := io.Copy(f, r); err != nil {
		s.remove()
		var we *fs.PathError
		if errors.As(err, &we) && we.Path == f.Name() {
			return nil, fmt.Errorf("spool the import: %w", err)
		}
		return nil, err // the body could not be read (e.g. over the size limit)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		s.remove()
		return nil, fmt.Errorf("spool the import: %w", err)
	}
	return s, nil
}

func (s *importSpool) remove() {
	_ = s.f.Close()
	_ = os.Remove(s.f.Name())
}

// genericPlans lets PostgreSQL reuse the plans of the import's statements
// (plan_cache_mode auto, its default) until restore is called or the
// transaction or savepoint ends; SQLite has nothing to do. The store
// forces custom plans (see parseURL: a generic plan of search_text LIKE
// ignores the trigram index), but a custom plan is made at every run of a
// statement, and an import runs a few statement texts (multi-row INSERTs
// of up to importBatch rows, and lookups by id or key) many times: planning
// VALUES lists of thousands of parameters again each time took ~35% of a
// 10,000-claim import (BenchmarkImport: 2.5 s with force_custom_plan, 1.6 s
// with auto).
func (s *Store) genericPlans() (restore func() error, err error) {
	if s.dialect != Postgres {
		return func() error { return nil }, nil
	}
	var prev string
	if err := s.db.Raw("SELECT current_setting('plan_cache_mode')").Scan(&prev).Error; err != nil {
		return nil, fmt.Errorf("read plan_cache_mode: %w", classify(err))
	}
	if err := s.db.Exec("SELECT set_config('plan_cache_mode', 'auto', true)").Error; err != nil {
		return nil, fmt.Errorf("set plan_cache_mode: %w", classify(err))
	}
	return func() error {
		// SET LOCAL lasts until the end of the transaction: when the import
		// runs in a savepoint of a longer one, the rest gets the mode back.
		if err := s.db.Exec("SELECT set_config('plan_cache_mode', ?, true)", prev).Error; err != nil {
			return fmt.Errorf("restore plan_cache_mode: %w", classify(err))
		}
		return nil
	}, nil
}

// decodeStrict decodes raw into v, refusing unknown fields, and names the
// field a type error is about under prefix.
func decodeStrict(raw []byte, v any, prefix string) (field, msg string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() {
			return prefix, "holds more than one JSON value", false
		}
		return "", "", true
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		f := prefix
		if te.Field != "" {
			f = prefix + "." + te.Field
		}
		return f, fmt.Sprintf("must be %s, not %s", jsonKind(te.Type.Kind().String()), te.Value), false
	}
	if m := strings.TrimPrefix(err.Error(), "json: unknown field "); m != err.Error() {
		return prefix + "." + strings.Trim(m, `"`), "is not a field of this line type", false
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return prefix, "a time is not RFC 3339: " + pe.Value, false
	}
	return prefix, "is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: "), false
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr":
		return "a value or null"
	}
	return "a number"
}

// parseImport reads and validates the whole file without the database
// (pass 1). eachClaim reads r again.
func parseImport(r io.ReadSeeker) (*importFile, error) {
	f := &importFile{sourceModel: map[int64]*models.Source{}, questionModel: map[int64]*models.Question{},
		findingModel: map[int64]*models.Finding{}, therapySlugs: map[string]bool{}, claimTherapies: map[string][]int{},
		searchLines: map[int64]int{}, spool: r}
	start, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("read the import: %w", err)
	}
	f.start = start
	var p lineProblems
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxImportLine)
	n, lastType := 0, -1
	var end *bulk.Counts
	counts := bulk.Counts{}
	for sc.Scan() {
		n++
		raw := bytes.TrimSpace(sc.Bytes())
		if end != nil {
			if len(raw) > 0 {
				p.add(n, "type", "nothing may follow the end line")
			}
			continue
		}
		if n == 1 {
			var h bulk.Header
			if field, msg, ok := decodeStrict(raw, &h, ""); !ok {
				p.add(n, strings.TrimPrefix(field, "."), "the first line must be the header %s: %s", headerExample, msg)
				return nil, p.err(false)
			}
			switch {
			case h.Type != bulk.TypeHeader:
				p.add(n, "type", "the first line must be the header %s", headerExample)
			case h.Format != bulk.Format:
				p.add(n, "format", "must be %q", bulk.Format)
			case h.Version == 1:
				p.add(n, "version", "version 1 is not supported: it predates questions' direction and frequency claims' claimed_bound "+
					"(estimates and bounded absences were stored differently); export the catalogue again from a server of this version (%d)", bulk.Version)
			case h.Version != bulk.Version:
				p.add(n, "version", "version %d is not supported (this server reads version %d)", h.Version, bulk.Version)
			}
			if len(p.list) > 0 {
				return nil, p.err(false)
			}
			continue
		}
		if len(raw) == 0 {
			p.add(n, "", "is empty: every line holds one JSON object")
			continue
		}
		if bytes.Contains(raw, []byte(`\u0000`)) {
			p.add(n, "data", "holds a NUL character (\\u0000), which no text field may contain")
			continue
		}
		var env struct {
			Type   string          `json:"type"`
			Data   json.RawMessage `json:"data"`
			Counts *bulk.Counts    `json:"counts"`
		}
		if field, msg, ok := decodeStrict(raw, &env, ""); !ok {
			p.add(n, strings.TrimPrefix(field, "."), "%s", msg)
			continue
		}
		if env.Type == bulk.TypeEnd {
			if env.Counts == nil {
				p.add(n, "counts", "is required on the end line")
				continue
			}
			end = env.Counts
			continue
		}
		idx := slices.Index(bulk.Order, env.Type)
		switch {
		case idx < 0:
			p.add(n, "type", "must be one of %s (or end)", strings.Join(bulk.Order, ", "))
			continue
		case idx < lastType:
			p.add(n, "type", "a %s line must come before every %s line (order: %s)", env.Type, bulk.Order[lastType], strings.Join(bulk.Order, ", "))
			continue
		case env.Counts != nil:
			p.add(n, "counts", "is only for the end line")
		case len(env.Data) == 0 || string(env.Data) == "null":
			p.add(n, "data", "is required")
			continue
		}
		lastType = idx
		switch env.Type {
		case bulk.TypeTherapy:
			var t bulk.Therapy
			if field, msg, ok := decodeStrict(env.Data, &t, "data"); !ok {
				p.add(n, field, "%s", msg)
				continue
			}
			f.therapy(&p, n, t)
			counts.Therapies++
		case bulk.TypeSource:
			var s bulk.Source
			if field, msg, ok := decodeStrict(env.Data, &s, "data"); !ok {
				p.add(n, field, "%s", msg)
				continue
			}
			f.source(&p, n, s)
			counts.Sources++
		case bulk.TypeQuestion:
			var q bulk.Question
			if field, msg, ok := decodeStrict(env.Data, &q, "data"); !ok {
				p.add(n, field, "%s", msg)
				continue
			}
			f.question(&p, n, q)
			counts.Questions++
		case bulk.TypeFinding:
			var fi bulk.Finding
			if field, msg, ok := decodeStrict(env.Data, &fi, "data"); !ok {
				p.add(n, field, "%s", msg)
				continue
			}
			f.finding(&p, n, fi)
			counts.Findings++
		case bulk.TypeClaim:
			var c bulk.Claim
			if field, msg, ok := decodeStrict(env.Data, &c, "data"); !ok {
				p.add(n, field, "%s", msg)
				continue
			}
			f.claim(&p, n, c)
			counts.Claims++
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			p.add(n+1, "", "is longer than %d bytes", MaxImportLine)
			return nil, p.err(false)
		}
		return nil, err // the body could not be read (e.g. over the size limit)
	}
	switch {
	case n == 0:
		p.add(1, "", "the file is empty: it starts with the header %s", headerExample)
	case end == nil:
		p.add(n, "", "the file has no end line {\"type\":\"end\",\"counts\":{...}}: it may be truncated")
	case *end != counts:
		p.add(n, "counts", "say %+v, but the file holds %+v: it may be truncated or edited", *end, counts)
	}
	// A review may include a source listed after it.
	for _, it := range f.sources {
		for i, id := range it.data.Includes {
			inc, ok := f.sourceModel[id]
			switch {
			case !ok:
				p.add(it.line, fmt.Sprintf("data.includes[%d]", i), "no source line has id %d", id)
			case id == it.data.ID:
				p.add(it.line, fmt.Sprintf("data.includes[%d]", i), "a source cannot include itself")
			case !grading.EvidenceAllowed(inc.Kind):
				p.add(it.line, fmt.Sprintf("data.includes[%d]", i), "source %d is a %s, which a review cannot pool", id, inc.Kind)
			}
		}
	}
	if err := p.err(false); err != nil {
		return nil, err
	}
	return f, nil
}

var headerExample = fmt.Sprintf(`{"type":"header","format":%q,"version":%d}`, bulk.Format, bulk.Version)

func (f *importFile) therapy(p *lineProblems, n int, t bulk.Therapy) {
	aliases := make([]AliasInput, len(t.Aliases))
	for i, a := range t.Aliases {
		aliases[i] = AliasInput{Alias: a.Alias, Language: a.Language}
	}
	p.addErr(n, "data.", validateTherapy(t.Slug, t.Name, t.Description, aliases))
	if f.therapySlugs[t.Slug] {
		p.add(n, "data.slug", "repeats the therapy %q of an earlier line", t.Slug)
	}
	f.therapySlugs[t.Slug] = true
	f.therapies = append(f.therapies, item[bulk.Therapy]{n, t})
}

func (f *importFile) source(p *lineProblems, n int, s bulk.Source) {
	m := &models.Source{Kind: s.Kind, Title: s.Title, Authors: s.Authors, Year: s.Year, Container: s.Container, DOI: s.DOI,
		PMID: s.PMID, URL: s.URL, Language: s.Language, Retracted: s.Retracted, RetractionNote: s.RetractionNote,
		IncludedDesign: s.IncludedDesign, Version: 1, CreatedAt: s.CreatedAt.UTC()}
	p.addErr(n, "data.", normalizeSource(m))
	if len(s.Includes) > 0 && !grading.IsReview(s.Kind) {
		p.add(n, "data.includes", "only a systematic_review or meta_analysis includes other sources; this source is a %s", s.Kind)
	}
	if len(s.Includes) > MaxIncludes {
		p.add(n, "data.includes", "may list at most %d sources", MaxIncludes)
	}
	if s.ID <= 0 {
		p.add(n, "data.id", "must be a positive integer")
	} else if _, dup := f.sourceModel[s.ID]; dup {
		p.add(n, "data.id", "repeats the id of an earlier source line")
	}
	for _, it := range f.sources {
		o := f.sourceModel[it.data.ID]
		if m.DOI != nil && o.DOI != nil && *m.DOI == *o.DOI {
			p.add(n, "data.doi", "repeats the DOI of source %d (line %d)", it.data.ID, it.line)
		}
		if m.PMID != nil && o.PMID != nil && *m.PMID == *o.PMID {
			p.add(n, "data.pmid", "repeats the PMID of source %d (line %d)", it.data.ID, it.line)
		}
	}
	s.Includes = slices.Compact(slices.Sorted(slices.Values(s.Includes)))
	f.sourceModel[s.ID] = m
	f.sources = append(f.sources, item[bulk.Source]{n, s})
}

func (f *importFile) question(p *lineProblems, n int, q bulk.Question) {
	m := &models.Question{Population: q.Population, Intervention: q.Intervention, Comparator: q.Comparator,
		ComparatorKind: q.ComparatorKind, Outcome: q.Outcome, Timepoint: q.Timepoint, OutcomeKind: q.OutcomeKind,
		Direction: q.Direction, Version: 1,
		CreatedAt: q.CreatedAt.UTC()}
	p.addErr(n, "data.", validateQuestion(m))
	if strings.TrimSpace(q.Therapy) == "" {
		p.add(n, "data.therapy", "is required (a therapy slug)")
	}
	m.Therapy.Slug = q.Therapy
	if q.ID <= 0 {
		p.add(n, "data.id", "must be a positive integer")
	} else if _, dup := f.questionModel[q.ID]; dup {
		p.add(n, "data.id", "repeats the id of an earlier question line")
	}
	f.questionModel[q.ID] = m
	f.questions = append(f.questions, item[bulk.Question]{n, q})
}

func (f *importFile) finding(p *lineProblems, n int, fi bulk.Finding) {
	m := &models.Finding{Measure: fi.Measure, Estimate: fi.Estimate, CILow: fi.CILow, CIHigh: fi.CIHigh, Events: fi.Events,
		Participants: fi.Participants, Studies: fi.Studies, Threshold: fi.Threshold, ComparatorRisk: fi.ComparatorRisk,
		Attribution: fi.Attribution, Summary: fi.Summary, Version: 1, CreatedAt: fi.CreatedAt.UTC()}
	q, ok := f.questionModel[fi.Question]
	if !ok {
		p.add(n, "data.question", "no question line above has id %d", fi.Question)
		q = &models.Question{}
	}
	seen := map[int64]bool{}
	for i, fs := range fi.Sources {
		prefix := fmt.Sprintf("data.sources[%d].", i)
		src, ok := f.sourceModel[fs.Source]
		if !ok {
			p.add(n, prefix+"source", "no source line above has id %d", fs.Source)
			continue
		}
		if seen[fs.Source] {
			p.add(n, prefix+"source", "repeats source %d of this finding", fs.Source)
		}
		seen[fs.Source] = true
		row := models.FindingSource{SourceID: fs.Source, Excerpt: fs.Excerpt, Locator: fs.Locator, Note: fs.Note,
			ReportedCertainty: fs.ReportedCertainty, ReportedThreshold: fs.ReportedThreshold, DesignSubset: fs.DesignSubset, Version: 1}
		p.addErr(n, prefix, validateFindingSource(&row, src, fi.Measure))
		m.Sources = append(m.Sources, row)
	}
	p.addErr(n, "data.", validateFinding(m, *q))
	assessments := map[int64]bool{}
	for i, as := range fi.Assessments {
		prefix := fmt.Sprintf("data.assessments[%d].", i)
		if as.ID <= 0 || assessments[as.ID] {
			p.add(n, prefix+"id", "must be a positive integer, unique in the finding")
		}
		assessments[as.ID] = true
		if strings.TrimSpace(as.Reviewer) == "" || len(as.Reviewer) > 200 {
			p.add(n, prefix+"reviewer", "is required (the reviewer's name, at most 200 characters)")
		}
		if as.Status != grading.StatusSubmitted && as.Status != grading.StatusRevised {
			p.add(n, prefix+"status", "must be submitted or revised: drafts are never imported")
		}
		if err := as.Judgements.Validate(); err != nil {
			p.add(n, prefix+"judgements", "%s", err.Error())
		}
		if as.Certainty != nil && as.Certainty.Validate() != nil {
			p.validateLine(n, prefix+"certainty", *as.Certainty)
		}
		if as.SubmittedAt.IsZero() {
			p.add(n, prefix+"submitted_at", "is required")
		}
		for j, fs := range as.FirstSubmissions {
			fp := fmt.Sprintf("%sfirst_submissions[%d].", prefix, j)
			if fs.Round < 1 {
				p.add(n, fp+"round", "must be at least 1")
			}
			if err := fs.Judgements.Validate(); err != nil {
				p.add(n, fp+"judgements", "%s", err.Error())
			}
			p.validateLine(n, fp+"start", fs.Start)
			p.validateLine(n, fp+"certainty", fs.Certainty)
		}
	}
	for i, g := range fi.Grades {
		prefix := fmt.Sprintf("data.grades[%d].", i)
		if g.ID <= 0 {
			p.add(n, prefix+"id", "must be a positive integer")
		}
		switch {
		case (g.Certainty == nil) == (g.OccurrenceCertainty == nil):
			p.add(n, prefix+"certainty", "exactly one of certainty and occurrence_certainty (a grade of case evidence) is required")
		case g.Certainty != nil:
			p.validateLine(n, prefix+"certainty", *g.Certainty)
		default:
			p.validateLine(n, prefix+"occurrence_certainty", *g.OccurrenceCertainty)
		}
		switch {
		case (g.Attribution == nil) != (g.OccurrenceCertainty == nil):
			p.add(n, prefix+"attribution", "is the agreed attribution of a case-evidence grade: given exactly when occurrence_certainty is")
		case g.Attribution != nil && !slices.Contains(grading.AssessedAttributions(), *g.Attribution):
			p.add(n, prefix+"attribution", "must be one of %s", strings.Join(grading.Strings(grading.AssessedAttributions()), ", "))
		}
		if (g.WithdrawnAt == nil) != (g.WithdrawnReason == nil || strings.TrimSpace(*g.WithdrawnReason) == "") {
			p.add(n, prefix+"withdrawn_reason", "a withdrawn grade has both withdrawn_at and a withdrawn_reason; a standing grade neither")
		}
		p.validateLine(n, prefix+"method", g.Method)
		if err := g.Judgements.Validate(); err != nil {
			p.add(n, prefix+"judgements", "%s", err.Error())
		}
		if strings.TrimSpace(g.DecidedBy) == "" {
			p.add(n, prefix+"decided_by", "is required")
		}
		if g.DecidedAt.IsZero() {
			p.add(n, prefix+"decided_at", "is required")
		}
		for j, id := range g.Assessments {
			if !assessments[id] {
				p.add(n, fmt.Sprintf("%sassessments[%d]", prefix, j), "no assessment of this finding has id %d", id)
			}
		}
	}
	if fi.ID <= 0 {
		p.add(n, "data.id", "must be a positive integer")
	} else if _, dup := f.findingModel[fi.ID]; dup {
		p.add(n, "data.id", "repeats the id of an earlier finding line")
	}
	f.findingModel[fi.ID] = m
	f.findings = append(f.findings, item[bulk.Finding]{n, fi})
}

func (p *lineProblems) validateLine(n int, field string, v interface{ Validate() error }) {
	if err := v.Validate(); err != nil {
		p.add(n, field, "%s", err.Error())
	}
}

// claimModel builds the claim of a claim line, normalized, and its
// validation error.
func claimModel(c bulk.Claim) (models.Claim, error) {
	m := models.Claim{Text: c.Text, Language: c.Language, TextEn: c.TextEn, Summary: c.Summary, ClaimType: c.ClaimType,
		Assertion: c.Assertion, ClaimedValue: c.ClaimedValue, ClaimedBound: c.ClaimedBound, Hedge: c.Hedge}
	err := validateClaim(&m)
	m.Therapy.Slug = c.Therapy
	return m, err
}

func (f *importFile) claim(p *lineProblems, n int, c bulk.Claim) {
	_, err := claimModel(c)
	p.addErr(n, "data.", err)
	if strings.TrimSpace(c.Therapy) == "" {
		p.add(n, "data.therapy", "is required (a therapy slug)")
	} else if !f.therapySlugs[c.Therapy] && len(f.claimTherapies[c.Therapy]) <= MaxImportProblems {
		// Therapy lines come first: this one must be in the catalogue.
		f.claimTherapies[c.Therapy] = append(f.claimTherapies[c.Therapy], n)
	}
	if c.ID <= 0 {
		p.add(n, "data.id", "must be a positive integer")
	}
	if o := c.Override; o != nil {
		p.validateLine(n, "data.override.rating", o.Rating)
		if o.Rating == grading.RatingNotRated {
			p.add(n, "data.override.rating", "an override rates the claim: not not_rated")
		}
		if strings.TrimSpace(o.Rationale) == "" {
			p.add(n, "data.override.rationale", "is required")
		}
		if strings.TrimSpace(o.DecidedBy) == "" {
			p.add(n, "data.override.decided_by", "is required")
		}
	}
	sources := map[int64]bool{}
	for i, a := range c.Appearances {
		prefix := fmt.Sprintf("data.appearances[%d].", i)
		src, ok := f.sourceModel[a.Source]
		if !ok {
			p.add(n, prefix+"source", "no source line above has id %d", a.Source)
			continue
		}
		if sources[a.Source] {
			p.add(n, prefix+"source", "repeats source %d of this claim's appearances", a.Source)
		}
		sources[a.Source] = true
		l := models.Link{Excerpt: a.Excerpt, Locator: a.Locator, Note: a.Note, URL: a.URL, RetrievedAt: a.RetrievedAt}
		src.ID = a.Source // validateAppearance checks the kind of a stored source
		p.addErr(n, prefix, validateAppearance(&l, src))
		src.ID = 0
	}
	findings := map[int64]bool{}
	for i, cf := range c.Findings {
		prefix := fmt.Sprintf("data.findings[%d].", i)
		if _, ok := f.findingModel[cf.Finding]; !ok {
			p.add(n, prefix+"finding", "no finding line above has id %d", cf.Finding)
		}
		if findings[cf.Finding] {
			p.add(n, prefix+"finding", "repeats finding %d of this claim", cf.Finding)
		}
		findings[cf.Finding] = true
		row := models.ClaimFinding{Stance: cf.Stance, Note: cf.Note}
		p.addErr(n, prefix, validateClaimFinding(&row))
	}
	if len(c.Searches) > MaxSearchesPerClaim {
		p.add(n, "data.searches", "may list at most %d searches", MaxSearchesPerClaim)
	}
	for i, sr := range c.Searches {
		prefix := fmt.Sprintf("data.searches[%d].", i)
		m, missing := searchModel(sr)
		p.addErr(n, prefix, validateSearch(&m, sr.Sources, "sources", func(id int64) bool { _, ok := f.sourceModel[id]; return ok }, missing))
		switch prev, dup := f.searchLines[sr.ID]; {
		case sr.ID <= 0:
			p.add(n, prefix+"id", "must be a positive integer")
		case dup:
			p.add(n, prefix+"id", "repeats the id of a search on line %d: an id appears once in a file", prev)
		default:
			f.searchLines[sr.ID] = n
		}
		if sr.Version < 1 {
			p.add(n, prefix+"version", "must be a positive integer")
		}
		if strings.TrimSpace(sr.CreatedBy) == "" || len([]rune(sr.CreatedBy)) > 200 {
			p.add(n, prefix+"created_by", "is required (the name of who recorded the search, at most 200 characters)")
		}
		if sr.CreatedAt.IsZero() {
			p.add(n, prefix+"created_at", "is required")
		}
		if sr.UpdatedAt.IsZero() {
			p.add(n, prefix+"updated_at", "is required")
		}
	}
	f.claims++
}

// searchModel builds the search of a search in a claim line (its claim and
// sources left out) and the required fields the line leaves out.
func searchModel(sr bulk.Search) (models.EvidenceSearch, map[string]bool) {
	m := models.EvidenceSearch{Database: sr.Database, Query: sr.Query, SearchedAt: sr.SearchedAt, Note: sr.Note,
		Version: sr.Version, CreatedBy: strings.TrimSpace(sr.CreatedBy), CreatedAt: sr.CreatedAt.UTC(), UpdatedAt: sr.UpdatedAt.UTC()}
	if sr.Hits != nil {
		m.Hits = *sr.Hits
	}
	if sr.Screened != nil {
		m.Screened = *sr.Screened
	}
	return m, map[string]bool{"searched_at": sr.SearchedAt.IsZero(), "hits": sr.Hits == nil, "screened": sr.Screened == nil}
}

// claimLine is a claim line read again: its line number, its data and
// its normalized model.
type claimLine struct {
	line int
	data bulk.Claim
	m    models.Claim
}

// eachClaim reads the validated file again (pass 2) and calls fn with its
// claim lines, in file order, at most size at a time; fn may keep nothing
// of the slice, which is reused.
func (f *importFile) eachClaim(size int, fn func([]claimLine) error) error {
	if _, err := f.spool.Seek(f.start, io.SeekStart); err != nil {
		return fmt.Errorf("read the spooled import: %w", err)
	}
	sc := bufio.NewScanner(f.spool)
	sc.Buffer(make([]byte, 64<<10), MaxImportLine)
	part := make([]claimLine, 0, size)
	n := 0
	for sc.Scan() {
		n++
		raw := sc.Bytes()
		// Claim lines are the last data lines: skip the others cheaply.
		if !bytes.Contains(raw, []byte(`"claim"`)) {
			continue
		}
		var env struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			return fmt.Errorf("read the spooled import, line %d: %w", n, err)
		}
		if env.Type != bulk.TypeClaim {
			continue
		}
		var c bulk.Claim
		if err := json.Unmarshal(env.Data, &c); err != nil {
			return fmt.Errorf("read the spooled import, line %d: %w", n, err)
		}
		m, _ := claimModel(c) // validated by parseImport
		part = append(part, claimLine{line: n, data: c, m: m})
		if len(part) == size {
			if err := fn(part); err != nil {
				return err
			}
			part = part[:0]
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read the spooled import: %w", err)
	}
	if len(part) > 0 {
		return fn(part)
	}
	return nil
}
