package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"claimgrade/grading"
)

// agreementStat is the agreement on one scale.
type agreementStat struct {
	// Subjects: settled rounds of review (a finding once per round) with at least two first submissions.
	N int `json:"n" example:"12"`
	// First submissions those rounds hold.
	Ratings int `json:"ratings" example:"24"`
	// Percentage of agreeing pairs of ratings (with two per round: of rounds rated alike); null when n is 0.
	PercentAgreement *float64 `json:"percent_agreement" extensions:"x-nullable" example:"83.3"`
	// Linearly weighted kappa: Cohen's when every round has two ratings (the first submitter as rater 1), Fleiss' (Gwet's weighted form) otherwise; null when undefined (n is 0, or every rating fell in one category).
	Kappa *float64 `json:"kappa" extensions:"x-nullable" example:"0.57"`
	// Which kappa: cohen_weighted_linear or fleiss_weighted_linear; absent when n is 0.
	Statistic string `json:"statistic,omitempty" enums:"cohen_weighted_linear,fleiss_weighted_linear" example:"cohen_weighted_linear"`
} //	@name	AgreementStat

// agreementDomains is the agreement on each GRADE domain, on its own scale,
// and on case evidence's attribution. Case evidence counts for attribution
// and indirectness only; every other round for every domain but
// attribution.
type agreementDomains struct {
	RiskOfBias           agreementStat `json:"risk_of_bias"`
	Inconsistency        agreementStat `json:"inconsistency"`
	Indirectness         agreementStat `json:"indirectness"`
	Imprecision          agreementStat `json:"imprecision"`
	PublicationBias      agreementStat `json:"publication_bias"`
	LargeEffect          agreementStat `json:"large_effect"`
	DoseResponse         agreementStat `json:"dose_response"`
	PlausibleConfounding agreementStat `json:"plausible_confounding"`
	// Case evidence: the WHO-UMC attribution on its four-point scale (unlikely, possible, probable, certain).
	Attribution agreementStat `json:"attribution"`
} //	@name	AgreementDomains

type agreementResponse struct {
	// The therapy's slug when the report is for one therapy; null for all findings.
	Therapy *string `json:"therapy" extensions:"x-nullable" example:"mesotherapy"`
	// Graded findings with at least one settled round of review holding two or more first submissions.
	Findings int `json:"findings" example:"11"`
	// Those rounds: the report's subjects (n); more than findings when a finding was re-graded by a new round after its grade went stale.
	Rounds    int              `json:"rounds" example:"12"`
	Domains   agreementDomains `json:"domains"`
	Start     agreementStat    `json:"start"`
	Certainty agreementStat    `json:"certainty"`
} //	@name	AgreementReport

func toAgreementStat(s grading.AgreementStat) agreementStat {
	return agreementStat{N: s.N, Ratings: s.Ratings, PercentAgreement: s.PercentAgreement, Kappa: s.Kappa, Statistic: s.Statistic}
}

func toAgreementResponse(r grading.AgreementReport, findings, rounds int) agreementResponse {
	d := func(domain grading.Domain) agreementStat { return toAgreementStat(r.Domains[string(domain)]) }
	return agreementResponse{Findings: findings, Rounds: rounds, Start: toAgreementStat(r.Start), Certainty: toAgreementStat(r.Certainty),
		Domains: agreementDomains{RiskOfBias: d(grading.DomainRiskOfBias), Inconsistency: d(grading.DomainInconsistency),
			Indirectness: d(grading.DomainIndirectness), Imprecision: d(grading.DomainImprecision),
			PublicationBias: d(grading.DomainPublicationBias), LargeEffect: d(grading.DomainLargeEffect),
			DoseResponse: d(grading.DomainDoseResponse), PlausibleConfounding: d(grading.DomainPlausibleConfounding),
			Attribution: d(grading.DomainAttribution)}}
}

// Agreement reports inter-reviewer agreement on findings.
//
//	@Summary		Inter-reviewer agreement
//	@Description	Agreement between reviewers' FIRST submissions of finding assessments, over every SETTLED round of review with at least two: per GRADE domain on the domain's ordinal scale (case evidence: on its WHO-UMC attribution and indirectness only), on the start and on the final certainty (four levels; case evidence, which has no design start and an occurrence certainty instead, is left out of both). A round is settled once a grade (by consensus or adjudication) was decided after its submissions; until then its assessments are blinded, so a finding whose review is pending (submitted assessments that disagree, or fewer than REQUIRED_REVIEWS) contributes nothing, and it counts once graded. First submissions are written once per round: a revision after unblinding does not replace one, drafts never count, and when a stale grade is re-graded by a new round each round counts as its own subject, none lost. Each scale has the percent agreement beside a linearly weighted kappa (Cohen's for two raters per round, Fleiss' when some round has more) and n; kappa is null (never 0) when undefined: n is 0, or every rating fell in one category. Read both: when nearly every judgement is the same, kappa is low or null although agreement is high (the kappa paradox). Only aggregates are shown, never an assessment. With therapy (a slug or any alias), only findings on that therapy's questions; an unknown therapy is a 404.
//	@ID				getAgreement
//	@Tags			findings
//	@Produce		json
//	@Param			therapy	query		string	false	"Therapy slug or alias"
//	@Success		200		{object}	agreementResponse
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Failure		503		{object}	Problem
//	@Header			all		{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all		{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all		{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/agreement [get]
func (h *Handler) Agreement(c *gin.Context) {
	if !onlyQuery(c, "therapy") {
		return
	}
	ctx := c.Request.Context()
	var slug *string
	var therapyID int64
	if key := c.Query("therapy"); key != "" {
		t, err := h.storeFor(c).GetTherapy(ctx, key)
		if err != nil {
			writeError(c, h.log, err)
			return
		}
		slug, therapyID = &t.Slug, t.ID
	}
	rounds, err := h.storeFor(c).SettledFirstSubmissions(ctx, therapyID)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	subjects := make([][]grading.FindingAssessment, len(rounds))
	findings := map[int64]bool{}
	for i, r := range rounds {
		subjects[i] = r.Submissions
		findings[r.FindingID] = true
	}
	body := toAgreementResponse(grading.AgreementOf(subjects), len(findings), len(rounds))
	body.Therapy = slug
	c.JSON(http.StatusOK, body)
}
