package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// The finding-level review workflow's loads, writes and locks (package
// review decides), and the recomputation of a finding's derived fields:
// certainty, grade, disagreements and flags (grading.FindingFlagsOf).

// SetRequiredReviews sets REQUIRED_REVIEWS, which the finding flag rules
// read (reviewer_disagreement is raised only once that many assessments are
// submitted); below 1 means the default, 2.
func (s *Store) SetRequiredReviews(n int) { s.requiredReviews = n }

// RequiredReviews is REQUIRED_REVIEWS (2 unless set).
func (s *Store) RequiredReviews() int {
	if s.requiredReviews < 1 {
		return 2
	}
	return s.requiredReviews
}

// findingBodies reads the bodies of evidence of findings as the engine
// sees them, in two queries: the effect with the question, then the
// sources with their includes. A missing finding has no entry.
func findingBodies(tx *gorm.DB, ids []int64) (map[int64]grading.Body, error) {
	out := map[int64]grading.Body{}
	if len(ids) == 0 {
		return out, nil
	}
	var heads []struct {
		ID             int64
		Measure        *grading.EffectMeasure
		Estimate       *float64
		CILow          *float64 `gorm:"column:ci_low"`
		CIHigh         *float64 `gorm:"column:ci_high"`
		Events         *int64
		Participants   *int64
		Studies        *int64
		Threshold      *float64
		Population     string
		Intervention   string
		Comparator     *string
		ComparatorKind grading.ComparatorKind
		Outcome        string
		Timepoint      string
		OutcomeKind    grading.OutcomeKind
		Direction      grading.Direction
	}
	if err := tx.Table("findings f").Select(`f.id, f.measure, f.estimate, f.ci_low, f.ci_high, f.events, f.participants, f.studies,
		f.threshold, q.population, q.intervention, q.comparator, q.comparator_kind, q.outcome, q.timepoint, q.outcome_kind, q.direction`).
		Joins("JOIN questions q ON q.id = f.question_id").Where("f.id IN ?", ids).Scan(&heads).Error; err != nil {
		return nil, fmt.Errorf("read finding bodies: %w", classify(err))
	}
	for _, h := range heads {
		b := grading.Body{Question: grading.Question{Population: h.Population, Intervention: h.Intervention, Comparator: h.Comparator,
			ComparatorKind: h.ComparatorKind, Outcome: h.Outcome, Timepoint: h.Timepoint, OutcomeKind: h.OutcomeKind, Direction: h.Direction},
			Effect: grading.EffectEstimate{Estimate: h.Estimate, CILow: h.CILow, CIHigh: h.CIHigh, Events: h.Events,
				Participants: h.Participants, Studies: h.Studies, Threshold: h.Threshold}}
		if h.Measure != nil {
			b.Effect.Measure = *h.Measure
		}
		out[h.ID] = b
	}
	var rows []struct {
		FindingID         int64
		SourceID          int64
		ReportedCertainty *grading.Certainty
		ReportedThreshold *float64
		DesignSubset      *grading.IncludedDesign
		Kind              grading.SourceKind
		Retracted         bool
		IncludedDesign    *grading.IncludedDesign
		IncludeID         *int64
		IncludeRetracted  *bool
	}
	if err := tx.Raw(`SELECT fs.finding_id, fs.source_id, fs.reported_certainty, fs.reported_threshold, fs.design_subset, s.kind, s.retracted,
			s.included_design, si.source_id AS include_id, t.retracted AS include_retracted
		FROM finding_sources fs JOIN sources s ON s.id = fs.source_id
		LEFT JOIN source_includes si ON si.review_id = s.id
		LEFT JOIN sources t ON t.id = si.source_id
		WHERE fs.finding_id IN ? ORDER BY fs.finding_id, fs.id, si.source_id`, ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read finding sources: %w", classify(err))
	}
	for i := 0; i < len(rows); {
		r := rows[i]
		bs := grading.BodySource{SourceID: r.SourceID, Kind: r.Kind, Retracted: r.Retracted,
			ReportedCertainty: grading.Deref(r.ReportedCertainty), ReportedThreshold: r.ReportedThreshold}
		if r.IncludedDesign != nil {
			bs.IncludedDesign = *r.IncludedDesign
		}
		if r.DesignSubset != nil {
			bs.DesignSubset = grading.DesignClass(*r.DesignSubset)
		}
		for ; i < len(rows) && rows[i].FindingID == r.FindingID && rows[i].SourceID == r.SourceID; i++ {
			if inc := rows[i].IncludeID; inc != nil {
				bs.Includes = append(bs.Includes, *inc)
				if rows[i].IncludeRetracted != nil && *rows[i].IncludeRetracted {
					bs.RetractedIncludes = append(bs.RetractedIncludes, *inc)
				}
			}
		}
		b := out[r.FindingID]
		b.Sources = append(b.Sources, bs)
		out[r.FindingID] = b
	}
	return out, nil
}

// countedSubmissions are the submitted (or revised) assessments that the
// consensus and flag rules count: all of them while the finding has no
// grade, else those submitted after its current grade was decided (a new
// round of review after the grade went stale).
func countedSubmissions(all []models.FindingAssessment, grade *models.FindingGrade) []models.FindingAssessment {
	var out []models.FindingAssessment
	for _, as := range all {
		if !as.Submitted() || as.SubmittedAt == nil {
			continue
		}
		if grade != nil && !as.SubmittedAt.After(grade.DecidedAt) {
			continue
		}
		out = append(out, as)
	}
	return out
}

// CountedSubmissions is countedSubmissions for package review.
func CountedSubmissions(all []models.FindingAssessment, grade *models.FindingGrade) []models.FindingAssessment {
	return countedSubmissions(all, grade)
}

// findingState is what the flag rules see of one finding.
func findingState(body grading.Body, grade *models.FindingGrade, counted []models.FindingAssessment, required int) grading.FindingState {
	st := grading.FindingState{Body: body, RequiredReviews: required}
	if grade != nil {
		st.Grade = &grading.FindingGrade{Certainty: grading.Deref(grade.Certainty), OccurrenceCertainty: grading.Deref(grade.OccurrenceCertainty),
			Fingerprint: grade.Fingerprint, DecidedAt: grade.DecidedAt, Withdrawn: grade.WithdrawnAt != nil}
	}
	for _, as := range counted {
		st.Submitted = append(st.Submitted, as.Review())
	}
	return st
}

// refreshFindingFlags recomputes the derived fields of findingIDs (flags
// by grading.FindingFlagsOf: low_certainty, ungraded, stale_grade,
// retracted_evidence, reviewer_disagreement; the certainty or occurrence
// certainty of the current grade; the open disagreements) inside the
// caller's transaction, in id order and chunks of rederiveChunk, set-based
// like rederive: each chunk is locked, then read in a constant number of
// queries, and only findings whose derived fields change are written
// (version bumped, a finding.flagged event recorded with cause when the
// flags change). The current grade is withdrawn when every source that set
// its level is retracted, and reinstated when that no longer holds
// (grading.GradeWithdrawal; finding_grade.withdrawn and
// finding_grade.reinstated events). Then the claims linking any of them are
// re-derived (rederive).
func (s *Store) refreshFindingFlags(tx *gorm.DB, a Actor, findingIDs []int64, cause string) error {
	ids := slices.Clone(findingIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for len(ids) > 0 {
		n := min(len(ids), rederiveChunk)
		if err := s.refreshFindingFlagsChunk(tx, a, ids[:n], cause); err != nil {
			return err
		}
		ids = ids[n:]
	}
	// Every change that reaches a finding's derived fields may change what
	// the claims linking it are rated (its effect, question, grade, flags).
	return s.rederiveClaimsOfFindings(tx, a, findingIDs, cause)
}

func (s *Store) refreshFindingFlagsChunk(tx *gorm.DB, a Actor, ids []int64, cause string) error {
	var findings []models.Finding
	if err := s.forUpdate(tx.Select("id", "certainty", "occurrence_certainty", "grade_id", "disagreements")).Where("id IN ?", ids).Order("id").
		Find(&findings).Error; err != nil {
		return fmt.Errorf("lock findings: %w", classify(err))
	}
	locked := make([]int64, len(findings))
	var gradeIDs []int64
	for i, f := range findings {
		locked[i] = f.ID
		if f.GradeID != nil {
			gradeIDs = append(gradeIDs, *f.GradeID)
		}
	}
	if len(locked) == 0 {
		return nil
	}
	bodies, err := findingBodies(tx, locked)
	if err != nil {
		return err
	}
	grades := map[int64]*models.FindingGrade{}
	if len(gradeIDs) > 0 {
		var rows []models.FindingGrade
		if err := tx.Where("id IN ?", gradeIDs).Find(&rows).Error; err != nil {
			return fmt.Errorf("read finding grades: %w", classify(err))
		}
		for i := range rows {
			grades[rows[i].FindingID] = &rows[i]
		}
	}
	var assessments []models.FindingAssessment
	if err := tx.Where("finding_id IN ? AND status IN ?", locked, []grading.AssessmentStatus{grading.StatusSubmitted, grading.StatusRevised}).
		Order("id").Find(&assessments).Error; err != nil {
		return fmt.Errorf("read submitted finding assessments: %w", classify(err))
	}
	submitted := map[int64][]models.FindingAssessment{}
	for _, as := range assessments {
		submitted[as.FindingID] = append(submitted[as.FindingID], as)
	}
	var oldFlags []models.FindingFlag
	if err := tx.Where("finding_id IN ?", locked).Find(&oldFlags).Error; err != nil {
		return fmt.Errorf("read finding flags: %w", classify(err))
	}
	had := map[int64][]grading.Flag{}
	for _, f := range oldFlags {
		had[f.FindingID] = append(had[f.FindingID], f.Flag)
	}
	t := now()
	// Retraction withdraws (DESIGN): the current grade of each finding is
	// withdrawn, or reinstated, as its level-setting sources are now.
	gradeEvents, err := withdrawGrades(tx, a, grades, bodies, t)
	if err != nil {
		return err
	}
	var flagChanged []int64
	var rows []models.FindingFlag
	events := gradeEvents
	// Findings whose derived fields change are updated by one statement
	// per distinct set of values (most share one: an import's ungraded
	// findings, the findings of one source).
	type findingDerived struct {
		certainty, occurrence grading.Certainty
		disagreements         string
	}
	changed := map[findingDerived][]int64{}
	var order []findingDerived
	for _, f := range findings {
		id := f.ID
		grade := grades[id]
		counted := countedSubmissions(submitted[id], grade)
		state := findingState(bodies[id], grade, counted, s.RequiredReviews())
		flags := grading.FindingFlagsOf(state)
		disagreements := []string{}
		if slices.Contains(flags, grading.FlagReviewerDisagreement) {
			disagreements = grading.Disagreements(state.Submitted)
		}
		var certainty, occurrence grading.Certainty
		if grade != nil && grade.WithdrawnAt == nil {
			certainty, occurrence = grading.Deref(grade.Certainty), grading.Deref(grade.OccurrenceCertainty)
		}
		old := had[id]
		slices.Sort(old)
		flagsChange := !slices.Equal(old, flags)
		derivedChange := certainty != grading.Deref(f.Certainty) || occurrence != grading.Deref(f.OccurrenceCertainty) ||
			!slices.Equal(nonNil(f.Disagreements), disagreements)
		if !flagsChange && !derivedChange {
			continue
		}
		k := findingDerived{certainty: certainty, occurrence: occurrence, disagreements: jsonList(disagreements)}
		if _, ok := changed[k]; !ok {
			order = append(order, k)
		}
		changed[k] = append(changed[k], id)
		if !flagsChange {
			continue
		}
		flagChanged = append(flagChanged, id)
		for _, fl := range flags {
			rows = append(rows, models.FindingFlag{Flag: fl, FindingID: id})
		}
		ev := actorEvent(a, "finding.flagged", "finding", id, t)
		fid := id
		ev.FindingID = &fid
		ev.Before = snapshot(models.FlagsSnapshot{Flags: nonNil(old)})
		ev.After = snapshot(models.FlagsSnapshot{Flags: flags, Cause: cause})
		events = append(events, ev)
	}
	for _, k := range order {
		if err := tx.Model(&models.Finding{}).Where("id IN ?", changed[k]).Updates(map[string]any{
			"certainty": k.certainty.Ptr(), "occurrence_certainty": k.occurrence.Ptr(), "disagreements": k.disagreements,
			"version": gorm.Expr("version + 1"), "updated_at": t}).Error; err != nil {
			return fmt.Errorf("update derived fields of findings %v: %w", changed[k], classify(err))
		}
	}
	if len(flagChanged) == 0 {
		if len(events) > 0 {
			if err := tx.CreateInBatches(events, 200).Error; err != nil {
				return fmt.Errorf("record finding grade events: %w", classify(err))
			}
		}
		return nil
	}
	if err := tx.Where("finding_id IN ?", flagChanged).Delete(&models.FindingFlag{}).Error; err != nil {
		return fmt.Errorf("clear finding flags: %w", classify(err))
	}
	if len(rows) > 0 {
		if err := tx.CreateInBatches(rows, 500).Error; err != nil {
			return fmt.Errorf("write finding flags: %w", classify(err))
		}
	}
	if err := tx.CreateInBatches(events, 200).Error; err != nil {
		return fmt.Errorf("record finding flag events: %w", classify(err))
	}
	return nil
}

// withdrawGrades withdraws the grades (current grades by finding id) whose
// level-setting sources are all retracted in the findings' bodies now, and
// reinstates withdrawn ones whose sources are no longer all retracted
// (grading.GradeWithdrawal): it writes withdrawn_at and withdrawn_reason
// (cleared on reinstatement), one statement per distinct reason (the
// findings that rested only on one retracted source share it), updates the
// grades in grades, and returns a finding_grade.withdrawn or
// finding_grade.reinstated audit event per change, in the finding's
// history (before and after: FindingGrade).
func withdrawGrades(tx *gorm.DB, a Actor, grades map[int64]*models.FindingGrade, bodies map[int64]grading.Body,
	t time.Time) ([]models.AuditEvent, error) {
	ids := make([]int64, 0, len(grades))
	for id := range grades {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var events []models.AuditEvent
	byReason := map[string][]int64{} // "" reinstates
	var reasons []string
	for _, findingID := range ids {
		g := grades[findingID]
		withdrawn, reason := grading.GradeWithdrawal(g.Derivation, bodies[findingID])
		if withdrawn == (g.WithdrawnAt != nil) {
			continue
		}
		before := *g
		action := "finding_grade.withdrawn"
		if withdrawn {
			at := t
			g.WithdrawnAt, g.WithdrawnReason = &at, &reason
		} else {
			g.WithdrawnAt, g.WithdrawnReason = nil, nil
			action = "finding_grade.reinstated"
		}
		if _, ok := byReason[reason]; !ok {
			reasons = append(reasons, reason)
		}
		byReason[reason] = append(byReason[reason], g.ID)
		ev := actorEvent(a, action, "finding_grade", g.ID, t)
		fid := findingID
		ev.FindingID = &fid
		ev.Before = snapshot(models.SnapshotOfFindingGrade(&before))
		ev.After = snapshot(models.SnapshotOfFindingGrade(g))
		events = append(events, ev)
	}
	for _, reason := range reasons {
		set := map[string]any{"withdrawn_at": nil, "withdrawn_reason": nil}
		if reason != "" {
			set = map[string]any{"withdrawn_at": t, "withdrawn_reason": reason}
		}
		if err := tx.Model(&models.FindingGrade{}).Where("id IN ?", byReason[reason]).Updates(set).Error; err != nil {
			return nil, fmt.Errorf("withdraw or reinstate grades %v: %w", byReason[reason], classify(err))
		}
	}
	return events, nil
}

// caseEvidenceMigration is 00013_case_evidence, which takes the
// fingerprint from grades decided before it on what is now case evidence.
const caseEvidenceMigration = 13

// refreshUnfingerprintedGrades recomputes, in one transaction, the derived
// fields and flags of the findings whose current grade has no fingerprint
// (so is stale: grading.GradeIsStale), and re-derives the claims linking
// them. Migration 00013 leaves the grades of what is now case evidence so
// (they rated it with GRADE's domains, not its attribution); SQL cannot run
// the rules, so MigrateUp calls this after applying it.
func (s *Store) refreshUnfingerprintedGrades(ctx context.Context) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var ids []int64
		if err := tx.Table("findings AS f").Joins("JOIN finding_grades g ON g.id = f.grade_id").Where("g.fingerprint = ''").
			Order("f.id").Pluck("f.id", &ids).Error; err != nil {
			return fmt.Errorf("find grades without a fingerprint: %w", classify(err))
		}
		if len(ids) == 0 {
			return nil
		}
		s.log.Info("grades of case evidence decided before 00013 are stale", "findings", len(ids))
		return s.refreshFindingFlags(tx, System("migration 00013_case_evidence"), ids, "migration.case_evidence")
	})
}

// jsonList is a list as the JSON text a serializer:json column holds.
func jsonList(v []string) string {
	b, _ := json.Marshal(nonNil(v))
	return string(b)
}

// findingsOfQuestion lists the findings that answer a question.
func findingsOfQuestion(tx *gorm.DB, questionID int64) ([]int64, error) {
	var ids []int64
	if err := tx.Model(&models.Finding{}).Where("question_id = ?", questionID).Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("find findings of question %d: %w", questionID, classify(err))
	}
	return ids, nil
}

// LockFinding locks a finding until the transaction ends and reads it as
// its document shows it.
func (t *ReviewTx) LockFinding(id int64) (models.Finding, error) {
	if _, err := t.s.lockFinding(t.db, id); err != nil {
		return models.Finding{}, err
	}
	return t.s.findingDocument(t.db, id)
}

// Finding reads a finding as its document shows it, without locking it.
func (t *ReviewTx) Finding(id int64) (models.Finding, error) { return t.s.findingDocument(t.db, id) }

// FindingBody reads a finding's body of evidence as the engine sees it.
func (t *ReviewTx) FindingBody(id int64) (grading.Body, error) {
	b, err := findingBodies(t.db, []int64{id})
	if err != nil {
		return grading.Body{}, err
	}
	body, ok := b[id]
	if !ok {
		return grading.Body{}, notFound("finding", id)
	}
	return body, nil
}

// OwnFindingAssessment reads reviewerID's assessment of a finding; nil
// when none.
func (t *ReviewTx) OwnFindingAssessment(findingID, reviewerID int64) (*models.FindingAssessment, error) {
	var rows []models.FindingAssessment
	if err := t.db.Preload("Reviewer").Where("finding_id = ? AND reviewer_id = ?", findingID, reviewerID).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("find assessment of user %d on finding %d: %w", reviewerID, findingID, classify(err))
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// AssessmentScope selects which of a finding's assessments
// FindingAssessments reads.
type AssessmentScope struct {
	All         bool  // every assessment, drafts included
	ReviewerID  int64 // else: this reviewer's own ...
	OrSubmitted bool  // ... and, if set, every submitted (or revised) one
}

// FindingAssessments reads a finding's assessments in scope by id,
// reviewers preloaded; never nil. OrSubmitted includes revised ones.
func (t *ReviewTx) FindingAssessments(findingID int64, sc AssessmentScope) ([]models.FindingAssessment, error) {
	q := t.db.Preload("Reviewer").Where("finding_id = ?", findingID)
	done := []grading.AssessmentStatus{grading.StatusSubmitted, grading.StatusRevised}
	switch {
	case sc.All:
	case sc.OrSubmitted:
		q = q.Where("reviewer_id = ? OR status IN ?", sc.ReviewerID, done)
	default:
		q = q.Where("reviewer_id = ?", sc.ReviewerID)
	}
	rows := []models.FindingAssessment{}
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list assessments of finding %d: %w", findingID, classify(err))
	}
	return rows, nil
}

// FindingAssessment reads one finding assessment, its reviewer preloaded.
func (t *ReviewTx) FindingAssessment(id int64) (models.FindingAssessment, error) {
	var out models.FindingAssessment
	if err := t.db.Preload("Reviewer").Take(&out, id).Error; err != nil {
		return out, fmt.Errorf("read finding assessment %d: %w", id, classify(err))
	}
	return out, nil
}

// InsertFindingAssessment creates as; a second assessment of the same
// reviewer on the finding is ErrConflict.
func (t *ReviewTx) InsertFindingAssessment(as *models.FindingAssessment) error {
	if err := t.db.Omit("Reviewer").Create(as).Error; err != nil {
		return fmt.Errorf("create finding assessment: %w", classify(err))
	}
	return nil
}

// UpdateFindingAssessment writes an assessment's judgements, rationale,
// status, certainty, derivation, version and times if its stored version
// is still version; false when it is not. First submissions are kept apart
// (RecordFirstSubmission) and never written here.
func (t *ReviewTx) UpdateFindingAssessment(as *models.FindingAssessment, version int64) (bool, error) {
	res := t.db.Model(&models.FindingAssessment{}).Where("id = ? AND version = ?", as.ID, version).
		Select("judgements", "rationale", "status", "certainty", "derivation", "version", "submitted_at", "updated_at").
		Updates(as)
	if res.Error != nil {
		return false, fmt.Errorf("update finding assessment %d: %w", as.ID, classify(res.Error))
	}
	return res.RowsAffected > 0, nil
}

// ReviewRound is the number of the round of review a finding is in: 1 + the
// grades it has had (each grade, by consensus or adjudication, settles a
// round; a new round begins when a grade goes stale and reviewers submit
// again).
func (t *ReviewTx) ReviewRound(findingID int64) (int, error) {
	var n int64
	if err := t.db.Model(&models.FindingGrade{}).Where("finding_id = ?", findingID).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count grades of finding %d: %w", findingID, classify(err))
	}
	return int(n) + 1, nil
}

// RecordFirstSubmission keeps an assessment's first submission in a round
// of review. It is written once: only inserted, never updated, and a second
// one for the same assessment and round is a *ConflictError (the unique
// key enforces it).
func (t *ReviewTx) RecordFirstSubmission(fs *models.FindingFirstSubmission) error {
	if err := t.db.Create(fs).Error; err != nil {
		err = classify(err)
		if errors.Is(err, ErrConflict) {
			return &ConflictError{Message: fmt.Sprintf("assessment %d already has its first submission of round %d", fs.AssessmentID, fs.Round),
				Resource: "assessment", ExistingID: fs.AssessmentID}
		}
		return fmt.Errorf("record the first submission of assessment %d: %w", fs.AssessmentID, err)
	}
	return nil
}

// InsertFindingGrade records a grade and makes it the finding's current
// one.
func (t *ReviewTx) InsertFindingGrade(g *models.FindingGrade) error {
	if err := t.db.Create(g).Error; err != nil {
		return fmt.Errorf("record %s grade of finding %d: %w", g.Method, g.FindingID, classify(err))
	}
	if err := t.db.Model(&models.Finding{}).Where("id = ?", g.FindingID).
		Updates(map[string]any{"grade_id": g.ID, "version": gorm.Expr("version + 1"), "updated_at": now()}).Error; err != nil {
		return fmt.Errorf("set the grade of finding %d: %w", g.FindingID, classify(err))
	}
	return nil
}

// CurrentFindingGrade reads a finding's current grade; nil when it has
// none.
func (t *ReviewTx) CurrentFindingGrade(f models.Finding) (*models.FindingGrade, error) {
	if f.GradeID == nil {
		return nil, nil
	}
	var g models.FindingGrade
	if err := t.db.Take(&g, *f.GradeID).Error; err != nil {
		return nil, fmt.Errorf("read grade %d: %w", *f.GradeID, classify(err))
	}
	return &g, nil
}

// AuditFinding records one write of the finding review workflow in the
// audit trail, in the finding's history.
func (t *ReviewTx) AuditFinding(a Actor, action, entity string, entityID, findingID int64, before, after any) error {
	return auditOutcome(t.db, a, action, entity, entityID, nil, &findingID, before, after)
}

// RefreshFinding recomputes a finding's certainty, disagreements and flags.
func (t *ReviewTx) RefreshFinding(a Actor, findingID int64, cause string) error {
	return t.s.refreshFindingFlags(t.db, a, []int64{findingID}, cause)
}
