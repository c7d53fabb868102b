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

// Organization is a schema.org Organization.
type Organization struct {
	Type string `json:"@type"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// CreativeWork is an appearance of the claim.
type CreativeWork struct {
	Type          string        `json:"@type"`
	URL           string        `json:"url,omitempty"`
	Headline      string        `json:"headline,omitempty"`
	DatePublished string        `json:"datePublished,omitempty"`
	InLanguage    string        `json:"inLanguage,omitempty"`
	Author        *Organization `json:"author,omitempty"`
}

// ItemClaim is the reviewed schema.org Claim.
type ItemClaim struct {
	Type            string         `json:"@type"`
	Author          *Organization  `json:"author,omitempty"`
	DatePublished   string         `json:"datePublished,omitempty"`
	InLanguage      string         `json:"inLanguage,omitempty"`
	Appearance      []CreativeWork `json:"appearance,omitempty"`
	FirstAppearance *CreativeWork  `json:"firstAppearance,omitempty"`
}

// Rating is the schema.org Rating of the review.
type Rating struct {
	Type          string `json:"@type"`
	RatingValue   *int   `json:"ratingValue,omitempty"`
	BestRating    *int   `json:"bestRating,omitempty"`
	WorstRating   *int   `json:"worstRating,omitempty"`
	AlternateName string `json:"alternateName"`
	Description   string `json:"description,omitempty"`
}

// ScholarlyArticle is a cited study.
type ScholarlyArticle struct {
	Type   string `json:"@type"`
	Name   string `json:"name"`
	SameAs string `json:"sameAs,omitempty"`
	URL    string `json:"url,omitempty"`
}

// ClaimReview is the schema.org ClaimReview. Context is set only on a
// top-level document (not on a feed's items).
type ClaimReview struct {
	Context       string             `json:"@context,omitempty"`
	Type          string             `json:"@type"`
	URL           string             `json:"url"`
	ClaimReviewed string             `json:"claimReviewed"`
	DatePublished string             `json:"datePublished"`
	DateModified  string             `json:"dateModified,omitempty"`
	Author        Organization       `json:"author"`
	ReviewRating  Rating             `json:"reviewRating"`
	ItemReviewed  ItemClaim          `json:"itemReviewed"`
	Citation      []ScholarlyArticle `json:"citation,omitempty"`
}

// DataFeedItem is one element of the feed.
type DataFeedItem struct {
	Type         string      `json:"@type"`
	DateModified string      `json:"dateModified"`
	Item         ClaimReview `json:"item"`
}

// DataFeed is the schema.org DataFeed of ClaimReviews.
type DataFeed struct {
	Context         string         `json:"@context"`
	Type            string         `json:"@type"`
	Name            string         `json:"name"`
	URL             string         `json:"url,omitempty"`
	DateModified    string         `json:"dateModified,omitempty"`
	DataFeedElement []DataFeedItem `json:"dataFeedElement"`
}

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
