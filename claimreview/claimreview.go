// Package claimreview maps a rated claim to schema.org ClaimReview
// (DESIGN "Partners"; the table is docs/claimreview.md). It is pure: the
// input structs below carry what the mapping needs, read by the caller.
// What the review says in words (reviewRating's alternateName and
// description) is the verdict in the claim's language (readertext), never
// the rules' English explanation.
package claimreview

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"claimgrade/grading"
	"claimgrade/readertext"
)

// ErrNotRated is returned for a claim whose rating is not_rated: such
// claims are not exported.
var ErrNotRated = errors.New("the claim is not rated, so there is no review to export")

// Publisher is the fact-checking organisation (PUBLISHER_NAME, PUBLISHER_URL).
type Publisher struct {
	Name string
	URL  string
}

// Appearance is an article the claim appears in.
type Appearance struct {
	URL       string // the appearance's URL, else the source's
	Headline  string // the source's title
	Year      int    // the source's year, 0 if unknown
	Container string // the site or journal that published it, "" if unknown
}

// Source is a study cited as evidence.
type Source struct {
	Title string
	DOI   string
	URL   string
}

// Claim is a claim with its rating, appearances and the sources of its
// linked findings.
type Claim struct {
	ID        int64
	Text      string
	Summary   string
	Language  string
	Rating    grading.Rating
	Certainty grading.Certainty // the certainty behind the rating, "" if none
	// Basis says what Certainty is about (evidence, or occurrence for case
	// evidence).
	Basis grading.CertaintyBasis
	// Verdict is what the verdict sentence (reviewRating.description) is
	// written from: the rule, its facts, an editor's rationale.
	Verdict     readertext.Verdict
	CreatedAt   time.Time
	RatedAt     *time.Time
	Appearances []Appearance // first appearance first
	Citations   []Source
}

// The schema.org types below are written as the exports' JSON-LD, and
// they are the API's description of it: swag reads them (the @name after a
// type is its schema's name in the OpenAPI documents), so that a client
// generated from /openapi.json decodes every property the API emits.

// Organization is a schema.org Organization.
type Organization struct {
	Type string `json:"@type" enums:"Organization" example:"Organization"`
	Name string `json:"name" example:"Faktencheck"`
	URL  string `json:"url,omitempty" example:"https://fc.example.org"`
} //	@name	SchemaOrgOrganization

// CreativeWork is an appearance of the claim.
type CreativeWork struct {
	Type     string `json:"@type" enums:"CreativeWork" example:"CreativeWork"`
	URL      string `json:"url,omitempty" example:"https://www.example.de/mesotherapie"`
	Headline string `json:"headline,omitempty"`
	// The year of publication ("2019").
	DatePublished string `json:"datePublished,omitempty" example:"2019"`
	// The language of the claim's wording (BCP 47).
	InLanguage string `json:"inLanguage,omitempty" example:"de"`
	// The site or journal that published it.
	Author *Organization `json:"author,omitempty"`
} //	@name	SchemaOrgCreativeWork

// ItemClaim is the reviewed schema.org Claim.
type ItemClaim struct {
	Type string `json:"@type" enums:"Claim" example:"Claim"`
	// The publisher of the article the claim appears in first, where known.
	Author *Organization `json:"author,omitempty"`
	// The year of the first appearance ("2019").
	DatePublished   string         `json:"datePublished,omitempty" example:"2019"`
	InLanguage      string         `json:"inLanguage,omitempty" example:"de"`
	Appearance      []CreativeWork `json:"appearance,omitempty"`
	FirstAppearance *CreativeWork  `json:"firstAppearance,omitempty"`
} //	@name	SchemaOrgClaim

// Rating is the schema.org Rating of the review.
type Rating struct {
	Type string `json:"@type" enums:"Rating" example:"Rating"`
	// accurate 5, overstated 3, false 1; absent for unproven.
	RatingValue *int `json:"ratingValue,omitempty" enums:"1,3,5" example:"3"`
	BestRating  *int `json:"bestRating,omitempty" enums:"5" example:"5"`
	WorstRating *int `json:"worstRating,omitempty" enums:"1" example:"1"`
	// The short verdict, e.g. "Overstated (low-certainty evidence)"; "Unproven" alone for unproven.
	AlternateName string `json:"alternateName" example:"Overstated (low-certainty evidence)"`
	// The rating's explanation (English).
	Description string `json:"description,omitempty"`
} //	@name	SchemaOrgRating

// ScholarlyArticle is a cited study.
type ScholarlyArticle struct {
	Type string `json:"@type" enums:"ScholarlyArticle" example:"ScholarlyArticle"`
	Name string `json:"name" example:"Mesotherapy versus Systemic Therapy in the Treatment of Acute Low Back Pain"`
	// https://doi.org/<doi>, where the study has a DOI.
	SameAs string `json:"sameAs,omitempty" example:"https://doi.org/10.1155/2011/317183"`
	URL    string `json:"url,omitempty"`
} //	@name	SchemaOrgScholarlyArticle

// ClaimReview is the schema.org ClaimReview. Context is set only on a
// top-level document (not on a feed's items).
type ClaimReview struct {
	// The JSON-LD context, on a document of its own (not on a feed's items).
	Context string `json:"@context,omitempty" enums:"https://schema.org" example:"https://schema.org"`
	Type    string `json:"@type" enums:"ClaimReview" example:"ClaimReview"`
	// The public fact-check page: {PUBLIC_BASE_URL}/claims/{id}.
	URL string `json:"url" example:"https://claims.example.org/claims/5"`
	// The claim's summary (under 75 characters), else its text.
	ClaimReviewed string `json:"claimReviewed" example:"Mesotherapy relieves back pain faster than pills"`
	// The day the claim was recorded.
	DatePublished string `json:"datePublished" format:"date" example:"2026-01-02"`
	// When the claim was last rated (RFC 3339).
	DateModified string             `json:"dateModified,omitempty" format:"date-time" example:"2026-01-02T15:04:05Z"`
	Author       Organization       `json:"author"`
	ReviewRating Rating             `json:"reviewRating"`
	ItemReviewed ItemClaim          `json:"itemReviewed"`
	Citation     []ScholarlyArticle `json:"citation,omitempty"`
} //	@name	ClaimReview

// DataFeedItem is one element of the feed.
type DataFeedItem struct {
	Type string `json:"@type" enums:"DataFeedItem" example:"DataFeedItem"`
	// When the claim was last rated (RFC 3339), else the day it was recorded.
	DateModified string `json:"dateModified" example:"2026-01-02T15:04:05Z"`
	// The claim's ClaimReview, without its own @context.
	Item ClaimReview `json:"item"`
} //	@name	ClaimReviewFeedItem

// DataFeed is the schema.org DataFeed of ClaimReviews.
type DataFeed struct {
	Context string `json:"@context" enums:"https://schema.org" example:"https://schema.org"`
	Type    string `json:"@type" enums:"DataFeed" example:"DataFeed"`
	Name    string `json:"name" example:"Faktencheck ClaimReview feed"`
	URL     string `json:"url,omitempty" example:"https://claims.example.org/api/v1/claimreview"`
	// The newest dateModified of the page's items; absent on an empty page.
	DateModified    string         `json:"dateModified,omitempty" example:"2026-01-02T15:04:05Z"`
	DataFeedElement []DataFeedItem `json:"dataFeedElement"`
} //	@name	ClaimReviewFeed

// Context is schema.org's JSON-LD context.
const Context = "https://schema.org"

// RatingValue is the number of each rating on the 1 (worst) to 5 (best)
// scale; unproven has none.
func RatingValue(r grading.Rating) (int, bool) {
	switch r {
	case grading.RatingAccurate:
		return 5, true
	case grading.RatingOverstated:
		return 3, true
	case grading.RatingFalse:
		return 1, true
	}
	return 0, false
}

// AlternateName is the short verdict in the claim's language, e.g.
// "Overstated (low-certainty evidence)", "Überzogen (geringe
// Vertrauenswürdigkeit der Evidenz)"; unproven is always its name alone
// ("Unproven", "Unbelegt").
func AlternateName(lang string, r grading.Rating, c grading.Certainty, basis grading.CertaintyBasis) string {
	return readertext.ForTag(lang).ShortVerdict(r, c, basis)
}

// exported reports whether a rating is exported (every rating but
// not_rated).
func exported(r grading.Rating) bool {
	return r == grading.RatingAccurate || r == grading.RatingOverstated || r == grading.RatingUnproven || r == grading.RatingFalse
}

func date(t time.Time) string { return t.UTC().Format("2006-01-02") }

// Review maps a claim to its ClaimReview; baseURL is PUBLIC_BASE_URL.
func Review(c Claim, baseURL string, pub Publisher) (ClaimReview, error) {
	if !exported(c.Rating) {
		if c.Rating == grading.RatingNotRated || c.Rating == "" {
			return ClaimReview{}, ErrNotRated
		}
		return ClaimReview{}, fmt.Errorf("claim %d: unknown rating %q", c.ID, c.Rating)
	}
	reviewed := c.Summary
	if reviewed == "" {
		reviewed = c.Text
	}
	r := ClaimReview{Context: Context, Type: "ClaimReview", URL: baseURL + "/claims/" + strconv.FormatInt(c.ID, 10),
		ClaimReviewed: reviewed, DatePublished: date(c.CreatedAt),
		Author:       Organization{Type: "Organization", Name: pub.Name, URL: pub.URL},
		ReviewRating: Rating{Type: "Rating", AlternateName: AlternateName(c.Language, c.Rating, c.Certainty, c.Basis)},
		ItemReviewed: ItemClaim{Type: "Claim", InLanguage: c.Language}}
	if c.Verdict.Rule != "" {
		v := c.Verdict
		v.Rating = c.Rating
		r.ReviewRating.Description = readertext.ForTag(c.Language).Verdict(v)
	}
	if c.RatedAt != nil {
		r.DateModified = c.RatedAt.UTC().Format(time.RFC3339)
	}
	if v, ok := RatingValue(c.Rating); ok {
		best, worst := 5, 1
		r.ReviewRating.RatingValue, r.ReviewRating.BestRating, r.ReviewRating.WorstRating = &v, &best, &worst
	}
	for i, a := range c.Appearances {
		w := CreativeWork{Type: "CreativeWork", URL: a.URL, Headline: a.Headline, InLanguage: c.Language}
		if a.Year > 0 {
			w.DatePublished = strconv.Itoa(a.Year)
		}
		if a.Container != "" {
			w.Author = &Organization{Type: "Organization", Name: a.Container}
		}
		r.ItemReviewed.Appearance = append(r.ItemReviewed.Appearance, w)
		if i == 0 {
			first := w
			r.ItemReviewed.FirstAppearance = &first
			r.ItemReviewed.Author, r.ItemReviewed.DatePublished = w.Author, w.DatePublished
		}
	}
	seen := map[string]bool{}
	for _, s := range c.Citations {
		key := s.DOI + "|" + s.Title
		if seen[key] {
			continue
		}
		seen[key] = true
		a := ScholarlyArticle{Type: "ScholarlyArticle", Name: s.Title, URL: s.URL}
		if s.DOI != "" {
			a.SameAs = "https://doi.org/" + s.DOI
		}
		r.Citation = append(r.Citation, a)
	}
	return r, nil
}

// Feed wraps reviews (without their own @context) in a DataFeed.
func Feed(reviews []ClaimReview, url string, pub Publisher) DataFeed {
	f := DataFeed{Context: Context, Type: "DataFeed", Name: pub.Name + " ClaimReview feed", URL: url, DataFeedElement: []DataFeedItem{}}
	for _, r := range reviews {
		r.Context = ""
		mod := r.DateModified
		if mod == "" {
			mod = r.DatePublished
		}
		if mod > f.DateModified {
			f.DateModified = mod
		}
		f.DataFeedElement = append(f.DataFeedElement, DataFeedItem{Type: "DataFeedItem", DateModified: mod, Item: r})
	}
	return f
}
