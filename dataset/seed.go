package dataset

import (
	"context"
	"fmt"

	"claimgrade/models"
	"claimgrade/review"
	"claimgrade/store"
)

// Demo users: the reviewers and the editor named in the dataset's reviews
// act without API keys.
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
	Claims      int
	Links       int
	Assessments int
	Grades      int
}

func (s Summary) String() string {
	if !s.Loaded {
		return fmt.Sprintf("demo dataset v%d is already loaded; nothing changed", s.Version)
	}
	return fmt.Sprintf("loaded demo dataset v%d: %d therapies, %d sources, %d claims, %d links, %d assessments, %d grades",
		s.Version, s.Therapies, s.Sources, s.Claims, s.Links, s.Assessments, s.Grades)
}

// Seed loads the dataset through the store's own methods (the validation,
// derivation, grading and audit the API uses), in one transaction: it loads
// whole or not at all. It is idempotent: a dataset version that was loaded
// once is recorded in the audit trail and not loaded again.
// requiredReviews is the server's REQUIRED_REVIEWS.
func Seed(ctx context.Context, st *store.Store, d *Dataset, requiredReviews int) (Summary, error) {
	sum := Summary{Version: d.Version}
	if err := d.Validate(); err != nil {
		return sum, err
	}
	done, err := st.HasEvent(ctx, loadedAction, "dataset", int64(d.Version))
	if err != nil || done {
		return sum, err
	}
	sys := store.System(seedActor)
	err = st.InTx(ctx, func(tx *store.Store) error {
		sum = Summary{Version: d.Version}
		for _, t := range d.Therapies {
			aliases := make([]store.AliasInput, len(t.Aliases))
			for i, a := range t.Aliases {
				aliases[i] = store.AliasInput{Alias: a.Alias, Language: a.Language}
			}
			if _, err := tx.CreateTherapy(ctx, sys, store.TherapyInput{Slug: t.Slug, Name: t.Name, Description: t.Description, Aliases: aliases}); err != nil {
				return fmt.Errorf("therapy %s: %w", t.Slug, err)
			}
			sum.Therapies++
		}
		sourceIDs := map[string]int64{}
		for _, s := range d.Sources {
			src, err := tx.CreateSource(ctx, sys, store.SourceInput{Kind: s.Kind, Title: s.Title, Authors: s.Authors, Year: s.Year,
				Container: s.Container, DOI: s.DOI, PMID: s.PMID, URL: s.URL, Language: s.Language, IncludedDesign: s.IncludedDesign})
			if err != nil {
				return fmt.Errorf("source %s: %w", s.Key, err)
			}
			sourceIDs[s.Key] = src.ID
			sum.Sources++
		}
		claimIDs := map[string]int64{}
		for _, c := range d.Claims {
			claim, err := tx.CreateClaim(ctx, sys, store.ClaimInput{Therapy: c.Therapy, Text: c.Text, Language: c.Language,
				TextEn: c.TextEN, Condition: &c.Condition, Outcome: &c.Outcome, ClaimType: c.ClaimType})
			if err != nil {
				return fmt.Errorf("claim %s: %w", c.Key, err)
			}
			claimIDs[c.Key] = claim.ID
			sum.Claims++
			for _, l := range c.Links {
				if _, err := tx.CreateLink(ctx, sys, claim.ID, store.LinkInput{SourceID: sourceIDs[l.Source], Role: l.Role, Stance: l.Stance,
					Excerpt: l.Excerpt, Locator: l.Locator, ReportedCertainty: l.ReportedCertainty, Note: l.Note}); err != nil {
					return fmt.Errorf("claim %s: link to %s: %w", c.Key, l.Source, err)
				}
				sum.Links++
			}
		}
		for _, r := range d.Reviews {
			claimID := claimIDs[r.Claim]
			for _, a := range r.Assessments {
				u, err := tx.EnsureUser(ctx, sys, a.Reviewer, models.RoleReviewer)
				if err != nil {
					return fmt.Errorf("review of %s: %w", r.Claim, err)
				}
				reviewer := store.ActorFor(u, "")
				in := review.AssessmentInput{RiskOfBias: a.RiskOfBias, Inconsistency: a.Inconsistency, Indirectness: a.Indirectness,
					Imprecision: a.Imprecision, PublicationBias: a.PublicationBias, LargeEffect: a.LargeEffect,
					DoseResponse: a.DoseResponse, PlausibleConfounding: a.PlausibleConfounding, Verdict: a.Verdict, Rationale: a.Rationale}
				if _, _, err := review.New(tx).PutAssessment(ctx, reviewer, claimID, 0, in); err != nil {
					return fmt.Errorf("assessment of %s by %s: %w", r.Claim, a.Reviewer, err)
				}
				_, grade, err := review.New(tx).SubmitAssessment(ctx, reviewer, claimID, requiredReviews)
				if err != nil {
					return fmt.Errorf("submit assessment of %s by %s: %w", r.Claim, a.Reviewer, err)
				}
				sum.Assessments++
				if grade != nil {
					sum.Grades++
				}
			}
			if adj := r.Adjudication; adj != nil {
				u, err := tx.EnsureUser(ctx, sys, adj.Editor, models.RoleEditor)
				if err != nil {
					return fmt.Errorf("adjudication of %s: %w", r.Claim, err)
				}
				if _, err := review.New(tx).Adjudicate(ctx, store.ActorFor(u, ""), claimID, review.GradeInput{Certainty: adj.Certainty.Ptr(),
					Verdict: adj.Verdict, Rationale: adj.Rationale}); err != nil {
					return fmt.Errorf("adjudication of %s: %w", r.Claim, err)
				}
				sum.Grades++
			}
		}
		return tx.RecordEvent(ctx, sys, loadedAction, "dataset", int64(d.Version), map[string]any{
			"therapies": sum.Therapies, "sources": sum.Sources, "claims": sum.Claims, "links": sum.Links,
			"assessments": sum.Assessments, "grades": sum.Grades})
	})
	if err != nil {
		return Summary{Version: d.Version}, fmt.Errorf("load demo dataset: %w", err)
	}
	sum.Loaded = true
	return sum, nil
}
