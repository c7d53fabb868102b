package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"gorm.io/gorm"

	"claimgrade/bulk"
	"claimgrade/grading"
	"claimgrade/models"
)

// exportPage is how many rows of a table the export reads per statement:
// the export holds one page (and what it embeds) in memory at a time,
// whatever the size of the catalogue.
const exportPage = 500

// ExportNDJSON writes the catalogue to w in the claimgrade-ndjson format
// (package bulk): the header, every therapy, source, question, finding and
// live claim in that order and by id, then the end line with the counts.
// Each table is read in keyset pages of exportPage rows (a constant number
// of statements per page), each page is written and flush is called after
// it, so memory stays constant however large the catalogue is. On
// PostgreSQL the whole export reads one REPEATABLE READ snapshot; on
// SQLite it reads without a transaction (a transaction there would take
// the write lock for the length of the download), so a write made while
// it runs may show in part.
func (s *Store) ExportNDJSON(ctx context.Context, w io.Writer, flush func()) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	x := exporter{enc: json.NewEncoder(bw), flush: func() error {
		if err := bw.Flush(); err != nil {
			return err
		}
		if flush != nil {
			flush()
		}
		return nil
	}}
	x.enc.SetEscapeHTML(false)
	run := func(db *gorm.DB) error {
		x.db = db
		if err := x.enc.Encode(bulk.Header{Type: bulk.TypeHeader, Format: bulk.Format, Version: bulk.Version}); err != nil {
			return err
		}
		for _, step := range []func() error{x.therapies, x.sources, x.questions, x.findings, x.claims} {
			if err := step(); err != nil {
				return err
			}
		}
		if err := x.enc.Encode(bulk.End{Type: bulk.TypeEnd, Counts: x.counts}); err != nil {
			return err
		}
		return x.flush()
	}
	db := s.db.WithContext(ctx)
	if s.dialect != Postgres || s.inTx {
		return run(db)
	}
	return db.Transaction(run, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
}

type exporter struct {
	db     *gorm.DB
	enc    *json.Encoder
	flush  func() error
	counts bulk.Counts
}

func (x *exporter) line(typ string, data any) error {
	if err := x.enc.Encode(bulk.Line[any]{Type: typ, Data: data}); err != nil {
		return fmt.Errorf("write %s line: %w", typ, err)
	}
	return nil
}

func utc(t time.Time) time.Time { return t.UTC() }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// judgementsOut is j with reasons never null, so that the file does not
// depend on how an empty map was stored.
func judgementsOut(j grading.DomainJudgements) grading.DomainJudgements {
	if j.Reasons == nil {
		j.Reasons = map[string]string{}
	}
	return j
}

func derivationOut(d grading.CertaintyDerivation) grading.CertaintyDerivation {
	d.LevelSetting, d.Overlapped, d.Context, d.Steps = nonNil(d.LevelSetting), nonNil(d.Overlapped), nonNil(d.Context), nonNil(d.Steps)
	return d
}

func (x *exporter) therapies() error {
	for after := int64(0); ; {
		var rows []models.Therapy
		if err := x.db.Preload("Aliases", orderID).Where("id > ?", after).Order("id").Limit(exportPage).Find(&rows).Error; err != nil {
			return fmt.Errorf("export therapies: %w", classify(err))
		}
		if len(rows) == 0 {
			return nil
		}
		for _, t := range rows {
			out := bulk.Therapy{Slug: t.Slug, Name: t.Name, Description: t.Description, Aliases: []bulk.Alias{}, CreatedAt: utc(t.CreatedAt)}
			for _, a := range t.Aliases {
				out.Aliases = append(out.Aliases, bulk.Alias{Alias: a.Alias, Language: a.Language})
			}
			if err := x.line(bulk.TypeTherapy, out); err != nil {
				return err
			}
			x.counts.Therapies++
		}
		after = rows[len(rows)-1].ID
		if err := x.flush(); err != nil {
			return err
		}
	}
}

func (x *exporter) sources() error {
	for after := int64(0); ; {
		var rows []models.Source
		if err := x.db.Preload("Includes").Where("id > ?", after).Order("id").Limit(exportPage).Find(&rows).Error; err != nil {
			return fmt.Errorf("export sources: %w", classify(err))
		}
		if len(rows) == 0 {
			return nil
		}
		for _, s := range rows {
			out := bulk.Source{ID: s.ID, Kind: s.Kind, Title: s.Title, Authors: s.Authors, Year: s.Year, Container: s.Container,
				DOI: s.DOI, PMID: s.PMID, URL: s.URL, Language: s.Language, IncludedDesign: s.IncludedDesign, Includes: s.IncludeIDs(),
				Retracted: s.Retracted, RetractionNote: s.RetractionNote, CreatedAt: utc(s.CreatedAt)}
			if err := x.line(bulk.TypeSource, out); err != nil {
				return err
			}
			x.counts.Sources++
		}
		after = rows[len(rows)-1].ID
		if err := x.flush(); err != nil {
			return err
		}
	}
}

func (x *exporter) questions() error {
	for after := int64(0); ; {
		var rows []models.Question
		if err := x.db.Preload("Therapy").Where("id > ?", after).Order("id").Limit(exportPage).Find(&rows).Error; err != nil {
			return fmt.Errorf("export questions: %w", classify(err))
		}
		if len(rows) == 0 {
			return nil
		}
		for _, q := range rows {
			out := bulk.Question{ID: q.ID, Therapy: q.Therapy.Slug, Population: q.Population, Intervention: q.Intervention,
				Comparator: q.Comparator, ComparatorKind: q.ComparatorKind, Outcome: q.Outcome, Timepoint: q.Timepoint,
				OutcomeKind: q.OutcomeKind, Direction: q.Direction, CreatedAt: utc(q.CreatedAt)}
			if err := x.line(bulk.TypeQuestion, out); err != nil {
				return err
			}
			x.counts.Questions++
		}
		after = rows[len(rows)-1].ID
		if err := x.flush(); err != nil {
			return err
		}
	}
}

// findings writes the findings page by page: per page one statement each
// for the findings, their sources, flags, grades, the submitted
// assessments of the graded ones and their first submissions, and the two
// of findingBodies (for the staleness of the grades).
func (x *exporter) findings() error {
	for after := int64(0); ; {
		var rows []models.Finding
		if err := x.db.Where("id > ?", after).Order("id").Limit(exportPage).Find(&rows).Error; err != nil {
			return fmt.Errorf("export findings: %w", classify(err))
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]int64, len(rows))
		var graded []int64
		for i, f := range rows {
			ids[i] = f.ID
			if f.GradeID != nil {
				graded = append(graded, f.ID)
			}
		}
		var sources []models.FindingSource
		if err := x.db.Where("finding_id IN ?", ids).Order("finding_id, id").Find(&sources).Error; err != nil {
			return fmt.Errorf("export finding sources: %w", classify(err))
		}
		var flags []models.FindingFlag
		if err := x.db.Where("finding_id IN ?", ids).Order("finding_id, flag").Find(&flags).Error; err != nil {
			return fmt.Errorf("export finding flags: %w", classify(err))
		}
		var grades []models.FindingGrade
		var assessments []models.FindingAssessment
		var firsts []models.FindingFirstSubmission
		bodies := map[int64]grading.Body{}
		if len(graded) > 0 {
			if err := x.db.Where("finding_id IN ?", graded).Order("finding_id, id").Find(&grades).Error; err != nil {
				return fmt.Errorf("export finding grades: %w", classify(err))
			}
			// Blinding: only a graded finding's assessments are shown,
			// and only submitted (or revised) ones.
			if err := x.db.Preload("Reviewer").Where("finding_id IN ? AND status IN ?", graded,
				[]grading.AssessmentStatus{grading.StatusSubmitted, grading.StatusRevised}).
				Order("finding_id, id").Find(&assessments).Error; err != nil {
				return fmt.Errorf("export finding assessments: %w", classify(err))
			}
			if len(assessments) > 0 {
				aids := make([]int64, len(assessments))
				for i, a := range assessments {
					aids[i] = a.ID
				}
				if err := x.db.Where("assessment_id IN ?", aids).Order("assessment_id, round").Find(&firsts).Error; err != nil {
					return fmt.Errorf("export first submissions: %w", classify(err))
				}
			}
			var err error
			if bodies, err = findingBodies(x.db, graded); err != nil {
				return err
			}
		}
		bySource := groupBy(sources, func(r models.FindingSource) int64 { return r.FindingID })
		byFlag := groupBy(flags, func(r models.FindingFlag) int64 { return r.FindingID })
		byGrade := groupBy(grades, func(r models.FindingGrade) int64 { return r.FindingID })
		byAssessment := groupBy(assessments, func(r models.FindingAssessment) int64 { return r.FindingID })
		byFirst := groupBy(firsts, func(r models.FindingFirstSubmission) int64 { return r.AssessmentID })
		for _, f := range rows {
			out := bulk.Finding{ID: f.ID, Question: f.QuestionID, Measure: f.Measure, Estimate: f.Estimate, CILow: f.CILow,
				CIHigh: f.CIHigh, Events: f.Events, Participants: f.Participants, Studies: f.Studies, Threshold: f.Threshold,
				ComparatorRisk: f.ComparatorRisk, Attribution: f.Attribution, Summary: f.Summary, CreatedAt: utc(f.CreatedAt),
				Sources: []bulk.FindingSource{}, Assessments: []bulk.Assessment{}, Grades: []bulk.Grade{},
				Derived: bulk.FindingDerived{Certainty: f.Certainty, OccurrenceCertainty: f.OccurrenceCertainty, Flags: []grading.Flag{}, Disagreements: nonNil(f.Disagreements)}}
			for _, fs := range bySource[f.ID] {
				out.Sources = append(out.Sources, bulk.FindingSource{Source: fs.SourceID, Excerpt: fs.Excerpt, Locator: fs.Locator,
					Note: fs.Note, ReportedCertainty: fs.ReportedCertainty, ReportedThreshold: fs.ReportedThreshold, DesignSubset: fs.DesignSubset})
			}
			for _, fl := range byFlag[f.ID] {
				out.Derived.Flags = append(out.Derived.Flags, fl.Flag)
			}
			slices.Sort(out.Derived.Flags)
			for _, a := range byAssessment[f.ID] {
				ba := bulk.Assessment{ID: a.ID, Reviewer: a.Reviewer.Name, Status: a.Status, Judgements: judgementsOut(a.Judgements),
					Rationale: a.Rationale, Certainty: a.Certainty, Derivation: derivationOut(a.Derivation),
					FirstSubmissions: []bulk.FirstSubmission{}}
				if a.SubmittedAt != nil {
					ba.SubmittedAt = a.SubmittedAt.UTC()
				}
				for _, fs := range byFirst[a.ID] {
					ba.FirstSubmissions = append(ba.FirstSubmissions, bulk.FirstSubmission{Round: fs.Round,
						Judgements: judgementsOut(fs.Judgements), Start: fs.Start, Certainty: fs.Certainty, SubmittedAt: utc(fs.SubmittedAt)})
				}
				out.Assessments = append(out.Assessments, ba)
			}
			for _, g := range byGrade[f.ID] {
				out.Grades = append(out.Grades, bulk.Grade{ID: g.ID, Certainty: g.Certainty, OccurrenceCertainty: g.OccurrenceCertainty,
					Attribution: g.Attribution, WithdrawnAt: utcPtr(g.WithdrawnAt), WithdrawnReason: g.WithdrawnReason, Judgements: judgementsOut(g.Judgements),
					Method: g.Method, Rationale: g.Rationale, DecidedBy: g.DecidedBy, DecidedAt: utc(g.DecidedAt),
					Assessments: nonNil(g.AssessmentIDs), Derivation: derivationOut(g.Derivation),
					Stale: grading.GradeIsStale(g.Fingerprint, bodies[f.ID])})
			}
			if err := x.line(bulk.TypeFinding, out); err != nil {
				return err
			}
			x.counts.Findings++
		}
		after = rows[len(rows)-1].ID
		if err := x.flush(); err != nil {
			return err
		}
	}
}

// claims writes the live claims page by page: per page one statement each
// for the claims, their therapies' slugs, appearances, finding links,
// flags, and evidence searches with the sources they led to (two).
func (x *exporter) claims() error {
	for after := int64(0); ; {
		var rows []models.Claim
		if err := x.db.Where("archived_at IS NULL AND id > ?", after).Order("id").Limit(exportPage).Find(&rows).Error; err != nil {
			return fmt.Errorf("export claims: %w", classify(err))
		}
		if len(rows) == 0 {
			return nil
		}
		var therapyIDs []int64
		for _, c := range rows {
			therapyIDs = append(therapyIDs, c.TherapyID)
		}
		slices.Sort(therapyIDs)
		var therapies []models.Therapy
		if err := x.db.Select("id", "slug").Where("id IN ?", slices.Compact(therapyIDs)).Find(&therapies).Error; err != nil {
			return fmt.Errorf("export claims' therapies: %w", classify(err))
		}
		slugs := make(map[int64]string, len(therapies))
		for _, t := range therapies {
			slugs[t.ID] = t.Slug
		}
		ids := make([]int64, len(rows))
		for i, c := range rows {
			ids[i] = c.ID
		}
		var links []models.Link
		if err := x.db.Where("claim_id IN ?", ids).Order("claim_id, id").Find(&links).Error; err != nil {
			return fmt.Errorf("export appearances: %w", classify(err))
		}
		var cfs []models.ClaimFinding
		if err := x.db.Where("claim_id IN ?", ids).Order("claim_id, finding_id").Find(&cfs).Error; err != nil {
			return fmt.Errorf("export claim findings: %w", classify(err))
		}
		var flags []models.ClaimFlag
		if err := x.db.Where("claim_id IN ?", ids).Order("claim_id, flag").Find(&flags).Error; err != nil {
			return fmt.Errorf("export claim flags: %w", classify(err))
		}
		var searches []models.EvidenceSearch
		if err := x.db.Preload("Sources", orderSourceID).Where("claim_id IN ?", ids).Order("claim_id, id").Find(&searches).Error; err != nil {
			return fmt.Errorf("export evidence searches: %w", classify(err))
		}
		bySearch := groupBy(searches, func(r models.EvidenceSearch) int64 { return r.ClaimID })
		byLink := groupBy(links, func(r models.Link) int64 { return r.ClaimID })
		byFinding := groupBy(cfs, func(r models.ClaimFinding) int64 { return r.ClaimID })
		byFlag := groupBy(flags, func(r models.ClaimFlag) int64 { return r.ClaimID })
		for _, c := range rows {
			out := bulk.Claim{ID: c.ID, Therapy: slugs[c.TherapyID], Text: c.Text, Language: c.Language, TextEn: c.TextEn, Summary: c.Summary,
				ClaimType: c.ClaimType, Assertion: c.Assertion, ClaimedValue: c.ClaimedValue, ClaimedBound: c.ClaimedBound, Hedge: c.Hedge,
				CreatedAt:   utc(c.CreatedAt),
				Appearances: []bulk.Appearance{}, Findings: []bulk.ClaimFinding{}, Searches: []bulk.Search{},
				Derived: bulk.ClaimDerived{Rating: c.Rating, RatingSource: c.RatingSource, RatingExplanation: c.RatingExplanation,
					RatingReason: grading.RatingRule(c.RatingReason), Certainty: c.Certainty, CertaintyBasis: c.CertaintyBasis, Flags: []grading.Flag{}, SupportCount: c.SupportCount, RefuteCount: c.RefuteCount,
					AppearanceCount: c.AppearanceCount}}
			if c.OverrideRating != nil {
				o := &bulk.Override{Rating: *c.OverrideRating, Rationale: deref(c.OverrideRationale), DecidedBy: deref(c.OverrideBy),
					Stale: deref(c.OverrideBasis) != c.EvidenceBasis}
				if c.OverrideAt != nil {
					o.DecidedAt = c.OverrideAt.UTC()
				}
				out.Override = o
			}
			for _, l := range byLink[c.ID] {
				out.Appearances = append(out.Appearances, bulk.Appearance{Source: l.SourceID, Excerpt: l.Excerpt, Locator: l.Locator,
					Note: l.Note, URL: l.URL, RetrievedAt: utcPtr(l.RetrievedAt)})
			}
			for _, cf := range byFinding[c.ID] {
				out.Findings = append(out.Findings, bulk.ClaimFinding{Finding: cf.FindingID, Stance: cf.Stance, Note: cf.Note})
			}
			for _, r := range bySearch[c.ID] {
				hits, screened := r.Hits, r.Screened
				out.Searches = append(out.Searches, bulk.Search{ID: r.ID, Database: r.Database, Query: r.Query,
					SearchedAt: utc(r.SearchedAt), Hits: &hits, Screened: &screened, Sources: r.SourceIDs(), Note: r.Note,
					Version: r.Version, CreatedBy: r.CreatedBy, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt)})
			}
			for _, fl := range byFlag[c.ID] {
				out.Derived.Flags = append(out.Derived.Flags, fl.Flag)
			}
			slices.Sort(out.Derived.Flags)
			if err := x.line(bulk.TypeClaim, out); err != nil {
				return err
			}
			x.counts.Claims++
		}
		after = rows[len(rows)-1].ID
		if err := x.flush(); err != nil {
			return err
		}
	}
}

// groupBy groups rows by key, keeping their order.
func groupBy[T any](rows []T, key func(T) int64) map[int64][]T {
	out := make(map[int64][]T)
	for _, r := range rows {
		k := key(r)
		out[k] = append(out[k], r)
	}
	return out
}
