package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"claimgrade/bulk"
	"claimgrade/grading"
	"claimgrade/models"
)

// staleAtImport is the fingerprint (and override basis) an import stores
// for a grade or an override that was stale in the file: it matches no
// body of evidence, so it stays stale, as it was.
const staleAtImport = "stale-at-import"

// importWriter writes a parsed file inside one transaction: first every
// check that needs the database (so that a refusal lists all its
// problems and writes nothing), then the writes, table by table, in
// batches.
type importWriter struct {
	s   *Store
	db  *gorm.DB
	a   Actor
	f   *importFile
	res *ImportResult
	// File id (or slug) -> database id.
	therapies                    map[string]int64
	sources, questions, findings map[int64]int64
	matchedSources               map[int64]bool
	users                        map[string]int64
	events                       []models.AuditEvent
	t                            time.Time
	// rows is how many rows one INSERT writes: importBatch on PostgreSQL,
	// sqliteInsertRows on SQLite.
	rows int
}

// sqliteInsertRows is how many rows one INSERT writes on SQLite. Its
// driver (glebarez/go-sqlite) binds each parameter by searching the
// arguments for it, a time quadratic in the parameters of a statement: a
// 1,000-claim INSERT (27,000 parameters) spent ~75% of an import in that
// search. Statements are cheap in-process, so small ones cost nothing.
const sqliteInsertRows = 50

func (w *importWriter) run() error {
	w.t = now()
	w.rows = importBatch
	if w.s.dialect == SQLite {
		w.rows = sqliteInsertRows
	}
	var n int64
	if err := w.db.Raw(`SELECT (SELECT COUNT(*) FROM therapies) + (SELECT COUNT(*) FROM sources) + (SELECT COUNT(*) FROM questions)
		+ (SELECT COUNT(*) FROM findings) + (SELECT COUNT(*) FROM claims)`).Scan(&n).Error; err != nil {
		return fmt.Errorf("count the catalogue: %w", classify(err))
	}
	w.res.Restore = n == 0
	if err := w.check(); err != nil {
		return err
	}
	for _, step := range []func() error{w.writeTherapies, w.writeUsers, w.writeSources, w.writeQuestions, w.writeFindings, w.writeClaims} {
		if err := step(); err != nil {
			return err
		}
	}
	if w.res.Restore && w.s.dialect == Postgres {
		// The file's ids were inserted explicitly: move the sequences past them.
		for _, table := range []string{"therapies", "therapy_aliases", "sources", "questions", "findings", "finding_sources",
			"finding_assessments", "finding_first_submissions", "finding_grades", "claims", "links", "claim_findings",
			"evidence_searches"} {
			if err := w.db.Exec(fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), m) FROM (SELECT MAX(id) AS m FROM %[1]s) t WHERE m IS NOT NULL`, table)).Error; err != nil {
				return fmt.Errorf("move the id sequence of %s: %w", table, classify(err))
			}
		}
	}
	r := w.res
	summary := map[string]any{"restore": r.Restore, "therapies": countMap(r.Therapies), "sources": countMap(r.Sources),
		"questions": countMap(r.Questions), "findings": countMap(r.Findings), "claims": countMap(r.Claims)}
	ev := actorEvent(w.a, "catalogue.imported", "catalogue", 0, w.t)
	ev.After = snapshot(summary)
	w.events = append(w.events, ev)
	return w.flushEvents()
}

func countMap(c ImportCount) map[string]int {
	return map[string]int{"created": c.Created, "matched": c.Matched}
}

func (w *importWriter) flushEvents() error {
	if len(w.events) == 0 {
		return nil
	}
	if err := w.db.CreateInBatches(w.events, w.rows).Error; err != nil {
		return fmt.Errorf("record import events: %w", classify(err))
	}
	w.events = w.events[:0]
	return nil
}

func (w *importWriter) event(action, entity string, id int64, claimID, findingID *int64, after any) {
	ev := actorEvent(w.a, action, entity, id, w.t)
	ev.ClaimID, ev.FindingID, ev.After = claimID, findingID, snapshot(after)
	w.events = append(w.events, ev)
}

// chunks calls fn with consecutive slices of at most size items.
func chunks[T any](all []T, size int, fn func([]T) error) error {
	for len(all) > 0 {
		n := min(len(all), size)
		if err := fn(all[:n]); err != nil {
			return err
		}
		all = all[n:]
	}
	return nil
}

// check runs every check that needs the database: therapies named by
// questions and claims exist (in the file or the catalogue), new aliases
// are free, sources are matched by DOI or PMID, and no question or claim
// of the file is already in the catalogue.
func (w *importWriter) check() error {
	var p lineProblems
	f := w.f
	// Therapies: the file's slugs, and the existing ones (matched).
	var slugs []string
	for _, it := range f.therapies {
		slugs = append(slugs, it.data.Slug)
	}
	for _, it := range f.questions {
		slugs = append(slugs, it.data.Therapy)
	}
	for slug := range f.claimTherapies {
		slugs = append(slugs, slug)
	}
	slices.Sort(slugs)
	slugs = slices.Compact(slugs)
	if err := chunks(slugs, 500, func(part []string) error {
		var rows []models.Therapy
		if err := w.db.Select("id", "slug").Where("slug IN ?", part).Find(&rows).Error; err != nil {
			return fmt.Errorf("find therapies: %w", classify(err))
		}
		for _, t := range rows {
			w.therapies[t.Slug] = t.ID
		}
		return nil
	}); err != nil {
		return err
	}
	var aliasKeys []string
	aliasLine := map[string]int{}
	for _, it := range f.therapies {
		if _, ok := w.therapies[it.data.Slug]; ok {
			continue
		}
		for i, a := range it.data.Aliases {
			key := strings.ToLower(strings.TrimSpace(a.Alias))
			if key == it.data.Slug {
				continue
			}
			if prev, ok := aliasLine[key]; ok {
				p.add(it.line, fmt.Sprintf("data.aliases[%d].alias", i), "is also an alias on line %d", prev)
			}
			aliasLine[key] = it.line
			aliasKeys = append(aliasKeys, key)
		}
	}
	if err := chunks(aliasKeys, 500, func(part []string) error {
		var taken []string
		if err := w.db.Model(&models.TherapyAlias{}).Where("alias_key IN ?", part).Pluck("alias_key", &taken).Error; err != nil {
			return fmt.Errorf("find aliases: %w", classify(err))
		}
		var slugTaken []string
		if err := w.db.Model(&models.Therapy{}).Where("slug IN ?", part).Pluck("slug", &slugTaken).Error; err != nil {
			return fmt.Errorf("find therapies: %w", classify(err))
		}
		for _, k := range append(taken, slugTaken...) {
			p.add(aliasLine[k], "data.aliases", "the alias %q already names a therapy in the catalogue", k)
		}
		return nil
	}); err != nil {
		return err
	}
	known := func(slug string) bool { _, ok := w.therapies[slug]; return ok || f.therapySlugs[slug] }
	for _, it := range f.questions {
		if !known(it.data.Therapy) {
			p.add(it.line, "data.therapy", "no therapy line and no therapy in the catalogue has the slug %q", it.data.Therapy)
		}
	}
	type claimTherapy struct {
		line int
		slug string
	}
	var unknown []claimTherapy
	for slug, lines := range f.claimTherapies {
		if !known(slug) {
			for _, n := range lines {
				unknown = append(unknown, claimTherapy{n, slug})
			}
		}
	}
	slices.SortFunc(unknown, func(a, b claimTherapy) int { return cmp.Compare(a.line, b.line) })
	for _, u := range unknown {
		p.add(u.line, "data.therapy", "no therapy line and no therapy in the catalogue has the slug %q", u.slug)
	}
	if err := p.err(false); err != nil {
		return err
	}
	w.matchedSources = map[int64]bool{}
	if w.res.Restore {
		return nil
	}
	// Sources already catalogued under their DOI or PMID map to that row.
	var dois, pmids []string
	for _, it := range f.sources {
		m := f.sourceModel[it.data.ID]
		if m.DOI != nil {
			dois = append(dois, *m.DOI)
		}
		if m.PMID != nil {
			pmids = append(pmids, *m.PMID)
		}
	}
	byDOI, byPMID := map[string]int64{}, map[string]int64{}
	for _, by := range []struct {
		col  string
		vals []string
	}{{"doi", dois}, {"pmid", pmids}} {
		col := by.col
		if err := chunks(by.vals, 500, func(vals []string) error {
			var rows []models.Source
			if err := w.db.Select("id", "doi", "pmid").Where(col+" IN ?", vals).Find(&rows).Error; err != nil {
				return fmt.Errorf("match sources: %w", classify(err))
			}
			for _, r := range rows {
				if r.DOI != nil {
					byDOI[*r.DOI] = r.ID
				}
				if r.PMID != nil {
					byPMID[*r.PMID] = r.ID
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	for _, it := range f.sources {
		m := f.sourceModel[it.data.ID]
		if m.DOI != nil {
			if id, ok := byDOI[*m.DOI]; ok {
				w.sources[it.data.ID], w.matchedSources[it.data.ID] = id, true
				continue
			}
		}
		if m.PMID != nil {
			if id, ok := byPMID[*m.PMID]; ok {
				w.sources[it.data.ID], w.matchedSources[it.data.ID] = id, true
			}
		}
	}
	// Questions and claims already in the catalogue are conflicts.
	if err := w.checkQuestions(&p); err != nil {
		return err
	}
	if err := w.checkClaims(&p); err != nil {
		return err
	}
	return p.err(true)
}

func (w *importWriter) checkQuestions(p *lineProblems) error {
	type key struct {
		therapy                                       string
		population, intervention, comparator, outcome string
		timepoint                                     string
		ck                                            grading.ComparatorKind
		ok                                            grading.OutcomeKind
	}
	mine := map[key]int{}
	var outcomes []string
	for _, it := range w.f.questions {
		m := w.f.questionModel[it.data.ID]
		mine[key{it.data.Therapy, m.Population, m.Intervention, deref(m.Comparator), m.Outcome, m.Timepoint, m.ComparatorKind, m.OutcomeKind}] = it.line
		outcomes = append(outcomes, m.Outcome)
	}
	slices.Sort(outcomes)
	return chunks(slices.Compact(outcomes), 500, func(part []string) error {
		var rows []models.Question
		if err := w.db.Preload("Therapy").Where("outcome IN ?", part).Find(&rows).Error; err != nil {
			return fmt.Errorf("find questions: %w", classify(err))
		}
		for _, q := range rows {
			k := key{q.Therapy.Slug, q.Population, q.Intervention, deref(q.Comparator), q.Outcome, q.Timepoint, q.ComparatorKind, q.OutcomeKind}
			if line, ok := mine[k]; ok {
				p.add(line, "data", "question %d of the catalogue asks the same (therapy, PICO, timepoint, outcome kind): it is already imported", q.ID)
			}
		}
		return nil
	})
}

// checkClaims reads the file's claims again, 500 at a time, and looks
// each batch's texts up among the live claims of the catalogue.
func (w *importWriter) checkClaims(p *lineProblems) error {
	type key struct{ therapy, language, text, textEn string }
	return w.f.eachClaim(500, func(part []claimLine) error {
		mine := make(map[key]int, len(part))
		texts := make([]string, 0, len(part))
		for _, it := range part {
			mine[key{it.data.Therapy, it.m.Language, it.m.Text, deref(it.m.TextEn)}] = it.line
			texts = append(texts, it.m.Text)
		}
		slices.Sort(texts)
		var rows []models.Claim
		if err := w.db.Preload("Therapy").Select("id", "therapy_id", "language", "text", "text_en").
			Where("archived_at IS NULL AND text IN ?", slices.Compact(texts)).Find(&rows).Error; err != nil {
			return fmt.Errorf("find claims: %w", classify(err))
		}
		for _, c := range rows {
			if line, ok := mine[key{c.Therapy.Slug, c.Language, c.Text, deref(c.TextEn)}]; ok {
				p.add(line, "data.text", "claim %d of the catalogue has the same therapy, language, text and text_en: it is already imported", c.ID)
			}
		}
		return nil
	})
}

func (w *importWriter) writeTherapies() error {
	var rows []models.Therapy
	var lines []bulk.Therapy
	for _, it := range w.f.therapies {
		if _, ok := w.therapies[it.data.Slug]; ok {
			w.res.Therapies.Matched++
			continue
		}
		rows = append(rows, models.Therapy{Slug: it.data.Slug, Name: strings.TrimSpace(it.data.Name), Description: it.data.Description,
			Version: 1, CreatedAt: it.data.CreatedAt.UTC(), UpdatedAt: w.t})
		lines = append(lines, it.data)
	}
	if len(rows) == 0 {
		return nil
	}
	if err := w.db.Omit("Aliases").CreateInBatches(rows, w.rows).Error; err != nil {
		return fmt.Errorf("import therapies: %w", classify(err))
	}
	var aliases []models.TherapyAlias
	for i, t := range rows {
		w.therapies[t.Slug] = t.ID
		in := make([]AliasInput, len(lines[i].Aliases))
		for j, a := range lines[i].Aliases {
			in[j] = AliasInput{Alias: a.Alias, Language: a.Language}
		}
		aliases = append(aliases, aliasRows(t.ID, t.Slug, in)...)
		w.res.Therapies.Created++
	}
	if len(aliases) > 0 {
		if err := w.db.CreateInBatches(aliases, w.rows).Error; err != nil {
			return fmt.Errorf("import therapy aliases: %w", classify(err))
		}
	}
	for _, t := range rows {
		w.event("therapy.imported", "therapy", t.ID, nil, nil, t)
	}
	return w.flushEvents()
}

// writeUsers finds or creates the reviewers and deciders the file names:
// an existing user of that name is used whatever its role; a new one is a
// reviewer (an editor for an adjudication), without API keys.
func (w *importWriter) writeUsers() error {
	w.users = map[string]int64{}
	roles := map[string]models.Role{}
	var names []string
	for _, it := range w.f.findings {
		for _, a := range it.data.Assessments {
			if _, ok := roles[a.Reviewer]; !ok {
				roles[a.Reviewer] = models.RoleReviewer
				names = append(names, a.Reviewer)
			}
		}
		for _, g := range it.data.Grades {
			if g.Method == grading.MethodAdjudicated {
				if _, ok := roles[g.DecidedBy]; !ok {
					names = append(names, g.DecidedBy)
				}
				roles[g.DecidedBy] = models.RoleEditor
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	if err := chunks(names, 500, func(part []string) error {
		var rows []models.User
		if err := w.db.Where("name IN ?", part).Find(&rows).Error; err != nil {
			return fmt.Errorf("find users: %w", classify(err))
		}
		for _, u := range rows {
			w.users[u.Name] = u.ID
		}
		return nil
	}); err != nil {
		return err
	}
	for _, name := range names {
		if _, ok := w.users[name]; ok {
			continue
		}
		u := models.User{Name: name, Role: roles[name], CreatedAt: w.t}
		if err := w.db.Create(&u).Error; err != nil {
			return fmt.Errorf("create user %q: %w", name, classify(err))
		}
		w.users[name] = u.ID
		w.event("user.created", "user", u.ID, nil, nil, u)
	}
	return w.flushEvents()
}

func (w *importWriter) writeSources() error {
	var created []*models.Source
	var fileIDs []int64
	var fileIncludes [][]int64
	for _, it := range w.f.sources {
		if w.matchedSources[it.data.ID] {
			w.res.Sources.Matched++
			continue
		}
		m := w.f.sourceModel[it.data.ID]
		m.ID = 0
		if w.res.Restore {
			m.ID = it.data.ID
		}
		m.UpdatedAt = w.t
		created = append(created, m)
		fileIDs = append(fileIDs, it.data.ID)
		fileIncludes = append(fileIncludes, it.data.Includes)
	}
	err := chunks(created, importBatch, func(part []*models.Source) error {
		if err := w.db.Omit("Includes").CreateInBatches(part, w.rows).Error; err != nil {
			return fmt.Errorf("import sources: %w", classify(err))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, m := range created {
		w.sources[fileIDs[i]] = m.ID
		w.res.Sources.Created++
	}
	// Includes of the created reviews, remapped.
	var includes []models.SourceInclude
	for _, it := range w.f.sources {
		if w.matchedSources[it.data.ID] {
			continue
		}
		for _, inc := range it.data.Includes {
			includes = append(includes, models.SourceInclude{ReviewID: w.sources[it.data.ID], SourceID: w.sources[inc]})
		}
	}
	if len(includes) > 0 {
		if err := w.db.CreateInBatches(includes, w.rows).Error; err != nil {
			return fmt.Errorf("import source includes: %w", classify(err))
		}
	}
	for i, m := range created {
		src := *m
		for _, inc := range fileIncludes[i] {
			src.Includes = append(src.Includes, models.SourceInclude{ReviewID: src.ID, SourceID: w.sources[inc]})
		}
		w.event("source.imported", "source", src.ID, nil, nil, models.SnapshotOfSource(src))
		if len(w.events) >= importBatch {
			if err := w.flushEvents(); err != nil {
				return err
			}
		}
	}
	return w.flushEvents()
}

func (w *importWriter) writeQuestions() error {
	var rows []*models.Question
	for _, it := range w.f.questions {
		m := w.f.questionModel[it.data.ID]
		m.ID = 0
		if w.res.Restore {
			m.ID = it.data.ID
		}
		m.TherapyID = w.therapies[it.data.Therapy]
		m.Therapy = models.Therapy{ID: m.TherapyID, Slug: it.data.Therapy}
		m.UpdatedAt = w.t
		rows = append(rows, m)
	}
	if err := chunks(rows, importBatch, func(part []*models.Question) error {
		if err := w.db.Omit("Therapy").CreateInBatches(part, w.rows).Error; err != nil {
			return fmt.Errorf("import questions: %w", classify(err))
		}
		return nil
	}); err != nil {
		return err
	}
	for i, it := range w.f.questions {
		w.questions[it.data.ID] = rows[i].ID
		w.res.Questions.Created++
		w.event("question.imported", "question", rows[i].ID, nil, nil, models.SnapshotOfQuestion(*rows[i]))
	}
	return w.flushEvents()
}

// remapDerivation rewrites the source ids of a derivation from the file's
// to the database's.
func (w *importWriter) remapDerivation(d grading.CertaintyDerivation) grading.CertaintyDerivation {
	if w.res.Restore {
		return d
	}
	m := func(id int64) int64 {
		if n, ok := w.sources[id]; ok {
			return n
		}
		return id
	}
	if d.ReportedBy != 0 {
		d.ReportedBy = m(d.ReportedBy)
	}
	d.LevelSetting = slices.Clone(d.LevelSetting)
	for i := range d.LevelSetting {
		d.LevelSetting[i] = m(d.LevelSetting[i])
	}
	d.Overlapped = slices.Clone(d.Overlapped)
	for i := range d.Overlapped {
		d.Overlapped[i] = m(d.Overlapped[i])
	}
	d.Context = slices.Clone(d.Context)
	for i := range d.Context {
		d.Context[i].SourceID = m(d.Context[i].SourceID)
	}
	return d
}

// writeFindings writes the findings in batches: the findings, their
// sources, their assessments and first submissions, and their grades (the
// fingerprint of a grade that was not stale is the imported body's, so it
// stays fresh; a stale one stays stale), then points each graded finding
// at its newest grade. Finally refreshFindingFlags derives their
// certainty, disagreements and flags.
func (w *importWriter) writeFindings() error {
	err := chunks(w.f.findings, importBatch, func(part []item[bulk.Finding]) error {
		rows := make([]*models.Finding, len(part))
		for i, it := range part {
			m := w.f.findingModel[it.data.ID]
			m.ID = 0
			if w.res.Restore {
				m.ID = it.data.ID
			}
			m.QuestionID = w.questions[it.data.Question]
			m.UpdatedAt = w.t
			rows[i] = m
		}
		if err := w.db.Omit("Question", "Flags", "Sources", "Grade").CreateInBatches(rows, w.rows).Error; err != nil {
			return fmt.Errorf("import findings: %w", classify(err))
		}
		var fsRows []models.FindingSource
		ids := make([]int64, len(part))
		for i, it := range part {
			w.findings[it.data.ID] = rows[i].ID
			ids[i] = rows[i].ID
			for _, fs := range rows[i].Sources {
				fs.FindingID, fs.SourceID = rows[i].ID, w.sources[fs.SourceID]
				fs.CreatedAt, fs.UpdatedAt = w.t, w.t
				fsRows = append(fsRows, fs)
			}
		}
		if len(fsRows) > 0 {
			if err := w.db.Omit("Source").CreateInBatches(fsRows, w.rows).Error; err != nil {
				return fmt.Errorf("import finding sources: %w", classify(err))
			}
		}
		bodies, err := findingBodies(w.db, ids)
		if err != nil {
			return err
		}
		var assessments []*models.FindingAssessment
		var firsts []func() models.FindingFirstSubmission
		var grades []*models.FindingGrade
		current := map[int64]*models.FindingGrade{}
		for i, it := range part {
			fid := rows[i].ID
			aids := map[int64]int{} // file id -> index in assessments
			for _, a := range it.data.Assessments {
				sub := a.SubmittedAt.UTC()
				as := &models.FindingAssessment{FindingID: fid, ReviewerID: w.users[a.Reviewer], Judgements: a.Judgements,
					Rationale: a.Rationale, Status: a.Status, Certainty: a.Certainty, Derivation: w.remapDerivation(a.Derivation),
					Version: 1, SubmittedAt: &sub, CreatedAt: sub, UpdatedAt: w.t}
				if w.res.Restore {
					as.ID = a.ID
				}
				aids[a.ID] = len(assessments)
				assessments = append(assessments, as)
				for _, fs := range a.FirstSubmissions {
					fs := fs
					firsts = append(firsts, func() models.FindingFirstSubmission {
						return models.FindingFirstSubmission{FindingID: fid, AssessmentID: as.ID, Round: fs.Round, Judgements: fs.Judgements,
							Start: fs.Start, Certainty: fs.Certainty, SubmittedAt: fs.SubmittedAt.UTC()}
					})
				}
			}
			for _, g := range it.data.Grades {
				fp := staleAtImport
				if !g.Stale {
					fp = bodies[fid].Fingerprint()
				}
				gr := &models.FindingGrade{FindingID: fid, Certainty: g.Certainty, OccurrenceCertainty: g.OccurrenceCertainty,
					Attribution: g.Attribution, Judgements: g.Judgements, Method: g.Method,
					Rationale: g.Rationale, DecidedBy: g.DecidedBy, DecidedAt: g.DecidedAt.UTC(), Fingerprint: fp,
					Derivation: w.remapDerivation(g.Derivation)}
				if g.WithdrawnAt != nil {
					// The reason names source ids: into a catalogue that holds
					// data they were remapped, so it is said again with the new
					// ids (refreshFindingFlags then keeps or reinstates it).
					at, reason := g.WithdrawnAt.UTC(), g.WithdrawnReason
					if ok, r := grading.GradeWithdrawal(gr.Derivation, bodies[fid]); ok && !w.res.Restore {
						reason = &r
					}
					gr.WithdrawnAt, gr.WithdrawnReason = &at, reason
				}
				if g.Method == grading.MethodAdjudicated {
					if uid, ok := w.users[g.DecidedBy]; ok {
						gr.DecidedByID = &uid
					}
				}
				if w.res.Restore {
					gr.ID = g.ID
				}
				// Assessment ids are remapped once the assessments are written.
				gr.AssessmentIDs = slices.Clone(g.Assessments)
				grades = append(grades, gr)
				current[fid] = gr
				for j, id := range gr.AssessmentIDs {
					gr.AssessmentIDs[j] = -1 - int64(aids[id]) // resolved below
				}
			}
		}
		if len(assessments) > 0 {
			if err := w.db.Omit("Reviewer").CreateInBatches(assessments, w.rows).Error; err != nil {
				return fmt.Errorf("import finding assessments: %w", classify(err))
			}
		}
		if len(firsts) > 0 {
			rows := make([]models.FindingFirstSubmission, len(firsts))
			for i, mk := range firsts {
				rows[i] = mk()
			}
			if err := w.db.CreateInBatches(rows, w.rows).Error; err != nil {
				return fmt.Errorf("import first submissions: %w", classify(err))
			}
		}
		for _, g := range grades {
			for j, id := range g.AssessmentIDs {
				if id < 0 {
					g.AssessmentIDs[j] = assessments[-1-id].ID
				}
			}
		}
		if len(grades) > 0 {
			if err := w.db.CreateInBatches(grades, w.rows).Error; err != nil {
				return fmt.Errorf("import finding grades: %w", classify(err))
			}
			// Each graded finding points at its newest grade: one UPDATE for
			// the batch.
			var graded []int64
			var when strings.Builder
			var args []any
			for _, fid := range ids {
				if g, ok := current[fid]; ok {
					graded = append(graded, fid)
					when.WriteString(" WHEN ? THEN CAST(? AS BIGINT)")
					args = append(args, fid, g.ID)
				}
			}
			if err := w.db.Model(&models.Finding{}).Where("id IN ?", graded).
				Update("grade_id", gorm.Expr("CASE id"+when.String()+" END", args...)).Error; err != nil {
				return fmt.Errorf("set the grades of findings %v: %w", graded, classify(err))
			}
		}
		for i, it := range part {
			f := *rows[i]
			f.Question = *w.f.questionModel[it.data.Question]
			f.Sources = slices.Clone(f.Sources)
			for j := range f.Sources {
				f.Sources[j].FindingID, f.Sources[j].SourceID = f.ID, w.sources[f.Sources[j].SourceID]
				if src := w.f.sourceModel[it.data.Sources[j].Source]; src != nil {
					f.Sources[j].Source = *src
					f.Sources[j].Source.ID = f.Sources[j].SourceID
				}
			}
			f.Grade = current[f.ID]
			w.event("finding.imported", "finding", f.ID, nil, &f.ID, models.SnapshotOfFinding(f))
			w.res.Findings.Created++
		}
		return w.flushEvents()
	})
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(w.findings))
	for _, id := range w.findings {
		ids = append(ids, id)
	}
	return w.s.refreshFindingFlags(w.db, w.a, ids, "catalogue.imported")
}

// writeClaims writes the claims in batches of importBatch, read again from
// the spooled file (eachClaim): a batch's models are built from its lines
// and dropped once it is written. Each claim is
// derived before it is written, by the derivation rederive runs
// (deriveClaimChange over the findings as they are stored now, the
// claim's appearances and the basis of an override that was not stale),
// and inserted with its derived fields, flags and events as rederive
// would leave them: one INSERT per table and batch, and no second write of
// any claim row. Its audit events are those of an insert followed by
// rederive: claim.imported (the claim as the file gives it), then
// claim.flagged and claim.rated.
func (w *importWriter) writeClaims() error {
	ids := make([]int64, 0, len(w.findings))
	for _, id := range w.findings {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	stored, err := findingsAsLinked(w.db, ids)
	if err != nil {
		return err
	}
	return w.f.eachClaim(importBatch, func(part []claimLine) error {
		t := now()
		rows := make([]*models.Claim, len(part))
		imported := make([]models.Claim, len(part))
		changes := make([]claimChange, len(part))
		searches := make([][]models.EvidenceSearch, len(part))
		for i, it := range part {
			var engine []grading.EvidenceSearch
			for _, sr := range it.data.Searches {
				m, _ := searchModel(sr) // validated by parseImport
				normalizeSearch(&m)
				if w.res.Restore {
					m.ID = sr.ID
				}
				for _, id := range slices.Sorted(slices.Values(sr.Sources)) {
					m.Sources = append(m.Sources, models.EvidenceSearchSource{SourceID: w.sources[id]})
				}
				searches[i] = append(searches[i], m)
				engine = append(engine, m.Engine())
			}
			m := it.m
			if w.res.Restore {
				m.ID = it.data.ID
			}
			m.TherapyID = w.therapies[it.data.Therapy]
			m.Rating, m.RatingSource, m.Version = grading.RatingNotRated, grading.SourceRule, 1
			m.CreatedAt, m.UpdatedAt = it.data.CreatedAt.UTC(), w.t
			linked := make([]linkedFindingRow, len(it.data.Findings))
			for j, fl := range it.data.Findings {
				linked[j] = stored[w.findings[fl.Finding]]
				linked[j].Stance = fl.Stance
			}
			slices.SortFunc(linked, func(a, b linkedFindingRow) int { return cmp.Compare(a.FindingID, b.FindingID) })
			if o := it.data.Override; o != nil {
				r, rationale, by, at := o.Rating, o.Rationale, o.DecidedBy, o.DecidedAt.UTC()
				m.OverrideRating, m.OverrideRationale, m.OverrideBy, m.OverrideAt = &r, &rationale, &by, &at
				basis := staleAtImport
				if !o.Stale {
					// The basis the claim's evidence has now, so that
					// the override stays fresh.
					plain := m
					plain.OverrideRating = nil
					d, err := grading.DeriveClaim(claimState(plain, claimInputs{findings: linked, searches: engine}))
					if err != nil {
						return fmt.Errorf("derive claim %d: %w", it.data.ID, err)
					}
					basis = d.Basis
				}
				m.OverrideBasis = &basis
			}
			imported[i] = m
			ch, err := deriveClaimChange(m, claimInputs{findings: linked, appearances: len(it.data.Appearances), searches: engine,
				at: t, staleAfter: w.s.SearchStaleAfter()}, nil)
			if err != nil {
				return err
			}
			ch.apply(&m, t)
			changes[i] = ch
			rows[i] = &m
		}
		if err := w.db.Omit("Therapy", "Flags").CreateInBatches(rows, w.rows).Error; err != nil {
			return fmt.Errorf("import claims: %w", classify(err))
		}
		var links []models.Link
		var cfs []models.ClaimFinding
		var flags []models.ClaimFlag
		for i, it := range part {
			c := rows[i]
			for _, a := range it.data.Appearances {
				l := models.Link{ClaimID: c.ID, SourceID: w.sources[a.Source], Role: grading.RoleAppearance, Excerpt: optional(a.Excerpt),
					Locator: optional(a.Locator), Note: optional(a.Note), URL: optional(a.URL), RetrievedAt: utcPtr(a.RetrievedAt),
					Version: 1, CreatedAt: w.t, UpdatedAt: w.t}
				links = append(links, l)
			}
			for _, fl := range it.data.Findings {
				cfs = append(cfs, models.ClaimFinding{ClaimID: c.ID, FindingID: w.findings[fl.Finding], Stance: fl.Stance,
					Note: optional(fl.Note), Version: 1, CreatedAt: w.t, UpdatedAt: w.t})
			}
			for _, f := range changes[i].flags {
				flags = append(flags, models.ClaimFlag{Flag: f, ClaimID: c.ID})
			}
			imported[i].ID = c.ID
			w.event("claim.imported", "claim", c.ID, &c.ID, nil, models.SnapshotOfClaim(imported[i], it.data.Therapy, nil))
			for j := range searches[i] {
				searches[i][j].ClaimID = c.ID
			}
		}
		if err := w.writeSearches(searches); err != nil {
			return err
		}
		for i, c := range rows {
			w.events = append(w.events, changes[i].events(w.a, c.ID, "catalogue.imported", t)...)
		}
		if len(links) > 0 {
			if err := w.db.Omit("Source").CreateInBatches(links, w.rows).Error; err != nil {
				return fmt.Errorf("import appearances: %w", classify(err))
			}
		}
		if len(cfs) > 0 {
			if err := w.db.Omit("Finding").CreateInBatches(cfs, w.rows).Error; err != nil {
				return fmt.Errorf("import claim findings: %w", classify(err))
			}
		}
		if len(flags) > 0 {
			if err := w.db.CreateInBatches(flags, w.rows).Error; err != nil {
				return fmt.Errorf("import claim flags: %w", classify(err))
			}
		}
		if err := w.flushEvents(); err != nil {
			return err
		}
		w.res.Claims.Created += len(part)
		return nil
	})
}

// writeSearches inserts the evidence searches of a batch of claims (their
// claims inserted, ClaimID set; ids kept on a restore) with the sources
// they led to, exactly as the file gives them (version, created_by,
// created_at, updated_at), and records an evidence_search.imported event
// for each.
func (w *importWriter) writeSearches(byClaim [][]models.EvidenceSearch) error {
	var rows []*models.EvidenceSearch
	for i := range byClaim {
		for j := range byClaim[i] {
			rows = append(rows, &byClaim[i][j])
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := w.db.Omit("Sources").CreateInBatches(rows, w.rows).Error; err != nil {
		return fmt.Errorf("import evidence searches: %w", classify(err))
	}
	var sources []models.EvidenceSearchSource
	for _, r := range rows {
		for k := range r.Sources {
			r.Sources[k].SearchID = r.ID
		}
		sources = append(sources, r.Sources...)
		claimID := r.ClaimID
		w.event("evidence_search.imported", "evidence_search", r.ID, &claimID, nil, models.SnapshotOfEvidenceSearch(*r))
	}
	if len(sources) > 0 {
		if err := w.db.CreateInBatches(sources, w.rows).Error; err != nil {
			return fmt.Errorf("import the sources of evidence searches: %w", classify(err))
		}
	}
	return nil
}
