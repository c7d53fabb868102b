package dataset

import (
	"context"
	"fmt"
	"time"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/review"
	"claimgrade/store"
)

// The seed actor loads the catalogue; the demo reviewers and the editor
// named in the dataset's reviews act as themselves, without API keys.
const (
	seedActor    = "seed"
	loadedAction = "dataset.loaded"
)

// Summary counts what a load wrote.
type Summary struct {
	Loaded      bool // false when this dataset version was already loaded
	Version     int
	Therapies   int
	Sources     int
	Questions   int
	Findings    int
	Claims      int
	Appearances int
	Links       int // claim-finding links
	Searches    int // evidence searches
	Assessments int
	Grades      int
	Overrides   int // editors' ratings
}

func (s Summary) String() string {
	if !s.Loaded {
		return fmt.Sprintf("demo dataset v%d is already loaded; nothing changed", s.Version)
	}
	return fmt.Sprintf("loaded demo dataset v%d: %d therapies, %d sources, %d questions, %d findings, %d claims, "+
		"%d appearances, %d claim-finding links, %d evidence searches, %d assessments, %d grades, %d editor ratings",
		s.Version, s.Therapies, s.Sources, s.Questions, s.Findings, s.Claims, s.Appearances, s.Links, s.Searches, s.Assessments, s.Grades,
		s.Overrides)
}

// Seed loads the dataset through the store's and the review workflow's own
// methods (the validation, grading, rating and audit the API uses), in one
// transaction: it loads whole or not at all. It is idempotent: a dataset
// version that was loaded once is recorded in the audit trail and not
// loaded again. The demo reviewers' assessments go through the finding
// review with requiredReviews (the server's REQUIRED_REVIEWS): with the
// default 2, agreeing reviewers make a consensus grade and the editor
// adjudicates where they differ; the claims are rated by the rules from the
// grades that result, and last the dataset's editor sets the few ratings the
// rules cannot express (each with its rationale; the rules' verdict stays
// beside it).
func Seed(ctx context.Context, st *store.Store, d *Dataset, requiredReviews int) (Summary, error) {
	sum := Summary{Version: d.Version}
	if err := d.Validate(nil); err != nil {
		return sum, err
	}
	done, err := st.HasEvent(ctx, loadedAction, "dataset", int64(d.Version))
	if err != nil || done {
		return sum, err
	}
	sys := store.System(seedActor)
	err = st.InTx(ctx, func(tx *store.Store) error {
		sum = Summary{Version: d.Version}
		l := loader{ctx: ctx, tx: tx, sys: sys, sum: &sum, sources: map[string]int64{}, questions: map[string]int64{}, findings: map[string]int64{},
			claimIDs: map[string]int64{}}
		for _, step := range []func(*Dataset) error{l.therapies, l.sourceRecords, l.questionRecords, l.findingRecords, l.claims} {
			if err := step(d); err != nil {
				return err
			}
		}
		if err := l.reviews(d, requiredReviews); err != nil {
			return err
		}
		if err := l.overrides(d); err != nil {
			return err
		}
		return tx.RecordEvent(ctx, sys, loadedAction, "dataset", int64(d.Version), map[string]any{
			"therapies": sum.Therapies, "sources": sum.Sources, "questions": sum.Questions, "findings": sum.Findings,
			"claims": sum.Claims, "appearances": sum.Appearances, "links": sum.Links, "searches": sum.Searches,
			"assessments": sum.Assessments, "grades": sum.Grades, "overrides": sum.Overrides})
	})
	if err != nil {
		return Summary{Version: d.Version}, fmt.Errorf("load demo dataset: %w", err)
	}
	sum.Loaded = true
	return sum, nil
}

// loader writes one dataset inside one transaction, keeping the ids of
// what it created by the dataset's keys.
type loader struct {
	ctx                          context.Context
	tx                           *store.Store
	sys                          store.Actor
	sum                          *Summary
	sources, questions, findings map[string]int64
	claimIDs                     map[string]int64
}

func (l loader) therapies(d *Dataset) error {
	for _, t := range d.Therapies {
		aliases := make([]store.AliasInput, len(t.Aliases))
		for i, a := range t.Aliases {
			aliases[i] = store.AliasInput{Alias: a.Alias, Language: a.Language}
		}
		if _, err := l.tx.CreateTherapy(l.ctx, l.sys, store.TherapyInput{Slug: t.Slug, Name: t.Name, Description: t.Description, Aliases: aliases}); err != nil {
			return fmt.Errorf("therapy %s: %w", t.Slug, err)
		}
		l.sum.Therapies++
	}
	return nil
}

// sourceRecords creates the sources, a review after the sources it
// includes.
func (l loader) sourceRecords(d *Dataset) error {
	pending := make([]Source, len(d.Sources))
	copy(pending, d.Sources)
	for len(pending) > 0 {
		var later []Source
		for _, s := range pending {
			includes := make([]int64, 0, len(s.Includes))
			for _, k := range s.Includes {
				if id, ok := l.sources[k]; ok {
					includes = append(includes, id)
				}
			}
			if len(includes) < len(s.Includes) {
				later = append(later, s)
				continue
			}
			src, err := l.tx.CreateSource(l.ctx, l.sys, store.SourceInput{Kind: s.Kind, Title: s.Title, Authors: s.Authors, Year: s.Year,
				Container: s.Container, DOI: s.DOI, PMID: s.PMID, URL: s.URL, Language: s.Language, IncludedDesign: s.IncludedDesign,
				Includes: includes})
			if err != nil {
				return fmt.Errorf("source %s: %w", s.Key, err)
			}
			l.sources[s.Key] = src.ID
			l.sum.Sources++
		}
		if len(later) == len(pending) {
			return fmt.Errorf("sources %s include sources that are not in the dataset", later[0].Key)
		}
		pending = later
	}
	return nil
}

func (l loader) questionRecords(d *Dataset) error {
	for _, q := range d.Questions {
		row, err := l.tx.CreateQuestion(l.ctx, l.sys, store.QuestionInput{Therapy: q.Therapy, Population: q.Population,
			Intervention: q.Intervention, Comparator: q.Comparator, ComparatorKind: q.ComparatorKind, Outcome: q.Outcome,
			Timepoint: q.Timepoint, OutcomeKind: q.OutcomeKind, Direction: q.Direction})
		if err != nil {
			return fmt.Errorf("question %s: %w", q.Key, err)
		}
		l.questions[q.Key] = row.ID
		l.sum.Questions++
	}
	return nil
}

func (l loader) findingRecords(d *Dataset) error {
	for _, f := range d.Findings {
		row, err := l.tx.CreateFinding(l.ctx, l.sys, store.FindingInput{QuestionID: l.questions[f.Question], Measure: f.Measure,
			Estimate: f.Estimate, CILow: f.CILow, CIHigh: f.CIHigh, Events: int64Ptr(f.Events), Participants: int64Ptr(f.Participants),
			Studies: int64Ptr(f.Studies), Threshold: f.Threshold, ComparatorRisk: f.ComparatorRisk, Attribution: f.Attribution,
			Summary: f.Summary})
		if err != nil {
			return fmt.Errorf("finding %s: %w", f.Key, err)
		}
		l.findings[f.Key] = row.ID
		l.sum.Findings++
		for _, fs := range f.Sources {
			in := store.FindingSourceInput{SourceID: l.sources[fs.Source], Excerpt: fs.Excerpt, Locator: fs.Locator,
				Note: &fs.Note, ReportedCertainty: fs.ReportedCertainty}
			if fs.DesignSubset != nil {
				ds := grading.IncludedDesign(*fs.DesignSubset)
				in.DesignSubset = &ds
			}
			if _, err := l.tx.AttachSource(l.ctx, l.sys, row.ID, in); err != nil {
				return fmt.Errorf("finding %s: source %s: %w", f.Key, fs.Source, err)
			}
		}
	}
	return nil
}

func (l loader) claims(d *Dataset) error {
	for _, c := range d.Claims {
		summary, textEn := c.Summary, c.TextEN
		claim, err := l.tx.CreateClaim(l.ctx, l.sys, store.ClaimInput{Therapy: c.Therapy, Text: c.Text, Language: c.Language,
			TextEn: &textEn, Summary: &summary, ClaimType: c.ClaimType, Assertion: c.Assertion, ClaimedValue: c.ClaimedValue,
			ClaimedBound: c.ClaimedBound, Hedge: c.Hedge})
		if err != nil {
			return fmt.Errorf("claim %s: %w", c.Key, err)
		}
		l.sum.Claims++
		l.claimIDs[c.Key] = claim.ID
		for _, a := range c.Appearances {
			excerpt, locator := a.Excerpt, a.Locator
			in := store.AppearanceInput{SourceID: l.sources[a.Source], Excerpt: &excerpt, Locator: &locator, URL: a.URL}
			if a.RetrievedAt != nil {
				t, err := time.Parse(time.RFC3339, *a.RetrievedAt)
				if err != nil {
					return fmt.Errorf("claim %s: appearance in %s: retrieved_at: %w", c.Key, a.Source, err)
				}
				in.RetrievedAt = &t
			}
			if _, err := l.tx.CreateAppearance(l.ctx, l.sys, claim.ID, in); err != nil {
				return fmt.Errorf("claim %s: appearance in %s: %w", c.Key, a.Source, err)
			}
			l.sum.Appearances++
		}
		for _, fl := range c.Findings {
			note := fl.Note
			if _, err := l.tx.LinkFinding(l.ctx, l.sys, claim.ID, store.ClaimFindingInput{FindingID: l.findings[fl.Finding],
				Stance: fl.Stance, Note: &note}); err != nil {
				return fmt.Errorf("claim %s: finding %s: %w", c.Key, fl.Finding, err)
			}
			l.sum.Links++
		}
		for i, sr := range c.Searches {
			at, err := time.Parse(time.RFC3339, sr.SearchedAt)
			if err != nil {
				return fmt.Errorf("claim %s: search %d: searched_at: %w", c.Key, i, err)
			}
			hits, screened := sr.Hits, sr.Screened
			in := store.SearchInput{Database: sr.Database, Query: sr.Query, SearchedAt: &at, Hits: &hits, Screened: &screened, Note: sr.Note}
			for _, k := range sr.Sources {
				in.SourceIDs = append(in.SourceIDs, l.sources[k])
			}
			if _, err := l.tx.CreateSearch(l.ctx, l.sys, claim.ID, in); err != nil {
				return fmt.Errorf("claim %s: search %d: %w", c.Key, i, err)
			}
			l.sum.Searches++
		}
	}
	return nil
}

// reviews runs the demo reviewers' assessments through the finding review:
// each reviewer drafts and submits; where the submissions leave the finding
// in reviewer_disagreement, the dataset's editor adjudicates under the
// finding's current version.
func (l loader) reviews(d *Dataset, required int) error {
	for _, r := range d.Reviews {
		findingID := l.findings[r.Finding]
		for _, a := range r.Assessments {
			u, err := l.tx.EnsureUser(l.ctx, l.sys, a.Reviewer, models.RoleReviewer)
			if err != nil {
				return fmt.Errorf("review of %s: %w", r.Finding, err)
			}
			reviewer := store.ActorFor(u, "")
			in := review.FindingAssessmentInput{Judgements: a.domain(), Rationale: a.Rationale}
			if _, _, err := review.New(l.tx).PutFindingAssessment(l.ctx, reviewer, findingID, 0, in, required); err != nil {
				return fmt.Errorf("assessment of %s by %s: %w", r.Finding, a.Reviewer, err)
			}
			_, grade, err := review.New(l.tx).SubmitFindingAssessment(l.ctx, reviewer, findingID, required)
			if err != nil {
				return fmt.Errorf("submit assessment of %s by %s: %w", r.Finding, a.Reviewer, err)
			}
			l.sum.Assessments++
			if grade != nil {
				l.sum.Grades++
			}
		}
		adj := r.Adjudication
		if adj == nil {
			continue
		}
		f, err := l.tx.GetFinding(l.ctx, findingID)
		if err != nil {
			return fmt.Errorf("adjudication of %s: %w", r.Finding, err)
		}
		if !hasFlag(f, grading.FlagReviewerDisagreement) {
			continue // e.g. REQUIRED_REVIEWS=1: the first submission made the grade
		}
		u, err := l.tx.EnsureUser(l.ctx, l.sys, adj.Editor, models.RoleEditor)
		if err != nil {
			return fmt.Errorf("adjudication of %s: %w", r.Finding, err)
		}
		in := review.FindingAssessmentInput{Judgements: adj.domain(), Rationale: adj.Rationale}
		if _, err := review.New(l.tx).AdjudicateFinding(l.ctx, store.ActorFor(u, ""), findingID, f.Version, in, required); err != nil {
			return fmt.Errorf("adjudication of %s: %w", r.Finding, err)
		}
		l.sum.Grades++
	}
	return nil
}

// overrides sets the editor's ratings, after the grades they are set
// against, under each claim's current version.
func (l loader) overrides(d *Dataset) error {
	for _, c := range d.Claims {
		o := c.Override
		if o == nil {
			continue
		}
		u, err := l.tx.EnsureUser(l.ctx, l.sys, o.Editor, models.RoleEditor)
		if err != nil {
			return fmt.Errorf("override of %s: %w", c.Key, err)
		}
		cur, err := l.tx.GetClaim(l.ctx, l.claimIDs[c.Key])
		if err != nil {
			return fmt.Errorf("override of %s: %w", c.Key, err)
		}
		if _, err := l.tx.SetRatingOverride(l.ctx, store.ActorFor(u, ""), cur.Claim.ID, cur.Claim.Version,
			store.RatingOverrideInput{Rating: o.Rating, Rationale: o.Rationale}); err != nil {
			return fmt.Errorf("override of %s: %w", c.Key, err)
		}
		l.sum.Overrides++
	}
	return nil
}

func hasFlag(f models.Finding, flag grading.Flag) bool {
	for _, fl := range f.Flags {
		if fl.Flag == flag {
			return true
		}
	}
	return false
}
