package grading

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Evidence bodies used across the assess tests.
var (
	rctSupports    = Evidence{LinkID: 1, SourceID: 12, Kind: "rct", Stance: Supports}
	cohortSupports = Evidence{LinkID: 2, SourceID: 21, Kind: "cohort", Stance: Supports}
	seriesSupports = Evidence{LinkID: 3, SourceID: 31, Kind: "case_series", Stance: Supports}
	reviewModerate = Evidence{LinkID: 4, SourceID: 41, Kind: "systematic_review", Stance: Supports, ReportedCertainty: Moderate}
	rctRefutes     = Evidence{LinkID: 5, SourceID: 51, Kind: "rct", Stance: Refutes}
)

// plain returns a judgement that changes nothing, with the given verdict.
func plain(v Verdict) Judgement {
	return Judgement{
		RiskOfBias:      NotSerious,
		Inconsistency:   NotSerious,
		Indirectness:    NotSerious,
		Imprecision:     NotSerious,
		PublicationBias: NotSerious,
		LargeEffect:     NoLargeEffect,
		Verdict:         v,
	}
}

// with returns a supported judgement with a rationale, changed by set.
func with(set func(*Judgement)) Judgement {
	j := plain(Supported)
	j.Rationale = "reasons"
	set(&j)
	return j
}

// problemsOf returns the field problems of a *ValidationError, or nil.
func problemsOf(t *testing.T, err error) []FieldError {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	return ve.Problems
}

// fields returns the field names of problems, in order.
func fields(problems []FieldError) []string {
	var out []string
	for _, p := range problems {
		out = append(out, p.Field)
	}
	return out
}

func TestAssessDowngradeDomains(t *testing.T) {
	setters := []struct {
		domain string
		index  int
		set    func(*Judgement, Concern)
	}{
		{"risk_of_bias", 0, func(j *Judgement, c Concern) { j.RiskOfBias = c }},
		{"inconsistency", 1, func(j *Judgement, c Concern) { j.Inconsistency = c }},
		{"indirectness", 2, func(j *Judgement, c Concern) { j.Indirectness = c }},
		{"imprecision", 3, func(j *Judgement, c Concern) { j.Imprecision = c }},
		{"publication_bias", 4, func(j *Judgement, c Concern) { j.PublicationBias = c }},
	}
	values := []struct {
		concern Concern
		change  int
		want    Certainty
	}{
		{NotSerious, 0, High},
		{Serious, -1, Moderate},
		{VerySerious, -2, Low},
	}
	for _, s := range setters {
		for _, v := range values {
			j := with(func(j *Judgement) { s.set(j, v.concern) })
			d, err := Assess([]Evidence{rctSupports}, j)
			if err != nil {
				t.Errorf("Assess(rct, %s=%s) error = %v", s.domain, v.concern, err)
				continue
			}
			if d.Result != v.want {
				t.Errorf("Assess(rct, %s=%s).Result = %v, want %v", s.domain, v.concern, d.Result, v.want)
			}
			step := d.Steps[s.index]
			want := Step{Domain: s.domain, Judgement: string(v.concern), Change: v.change, After: v.want, FHIRType: step.FHIRType}
			if step != want {
				t.Errorf("Assess(rct, %s=%s).Steps[%d] = %+v, want %+v", s.domain, v.concern, s.index, step, want)
			}
		}
	}
}

func TestAssessInvalidDomainValues(t *testing.T) {
	tests := []struct {
		field   string
		set     func(*Judgement)
		message string
	}{
		{"risk_of_bias", func(j *Judgement) { j.RiskOfBias = "" }, "must be one of not_serious, serious, very_serious"},
		{"inconsistency", func(j *Judgement) { j.Inconsistency = "bad" }, "must be one of not_serious, serious, very_serious"},
		{"indirectness", func(j *Judgement) { j.Indirectness = "Serious" }, "must be one of not_serious, serious, very_serious"},
		{"imprecision", func(j *Judgement) { j.Imprecision = "very serious" }, "must be one of not_serious, serious, very_serious"},
		{"publication_bias", func(j *Judgement) { j.PublicationBias = "none" }, "must be one of not_serious, serious, very_serious"},
		{"large_effect", func(j *Judgement) { j.LargeEffect = "" }, "must be one of none, large, very_large"},
		{"large_effect", func(j *Judgement) { j.LargeEffect = "huge" }, "must be one of none, large, very_large"},
		{"verdict", func(j *Judgement) { j.Verdict = "" }, "must be one of supported, refuted, mixed, insufficient"},
		{"verdict", func(j *Judgement) { j.Verdict = Verdict(Unsupported) }, "must be one of supported, refuted, mixed, insufficient"},
	}
	for _, tt := range tests {
		_, err := Assess([]Evidence{cohortSupports}, with(tt.set))
		got := problemsOf(t, err)
		want := []FieldError{{Field: tt.field, Message: tt.message}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Assess with invalid %s: problems = %+v, want %+v", tt.field, got, want)
		}
	}
}

func TestAssessUpgradesAccepted(t *testing.T) {
	tests := []struct {
		name     string
		evidence Evidence
		set      func(*Judgement)
		want     Certainty
	}{
		{"low + large", cohortSupports, func(j *Judgement) { j.LargeEffect = Large }, Moderate},
		{"low + very large", cohortSupports, func(j *Judgement) { j.LargeEffect = VeryLarge }, High},
		{"low + dose response", cohortSupports, func(j *Judgement) { j.DoseResponse = true }, Moderate},
		{"low + plausible confounding", cohortSupports, func(j *Judgement) { j.PlausibleConfounding = true }, Moderate},
		{"low + none", cohortSupports, func(j *Judgement) { j.LargeEffect = NoLargeEffect }, Low},
		{"very low + large", seriesSupports, func(j *Judgement) { j.LargeEffect = Large }, Low},
		{"very low + very large", seriesSupports, func(j *Judgement) { j.LargeEffect = VeryLarge }, Moderate},
		{"very low + dose response", seriesSupports, func(j *Judgement) { j.DoseResponse = true }, Low},
		{"very low + plausible confounding", seriesSupports, func(j *Judgement) { j.PlausibleConfounding = true }, Low},
		{"reported low on an rct + large", Evidence{LinkID: 6, SourceID: 61, Kind: "rct", Stance: Supports, ReportedCertainty: Low},
			func(j *Judgement) { j.LargeEffect = Large }, Moderate},
	}
	for _, tt := range tests {
		d, err := Assess([]Evidence{tt.evidence}, with(tt.set))
		if err != nil {
			t.Errorf("%s: Assess error = %v", tt.name, err)
			continue
		}
		if d.Result != tt.want {
			t.Errorf("%s: Assess().Result = %v, want %v", tt.name, d.Result, tt.want)
		}
	}
}

func TestAssessUpgradesRefused(t *testing.T) {
	upgrades := []struct {
		field string
		set   func(*Judgement)
	}{
		{"large_effect", func(j *Judgement) { j.LargeEffect = Large }},
		{"large_effect", func(j *Judgement) { j.LargeEffect = VeryLarge }},
		{"dose_response", func(j *Judgement) { j.DoseResponse = true }},
		{"plausible_confounding", func(j *Judgement) { j.PlausibleConfounding = true }},
	}
	starts := []struct {
		name     string
		evidence []Evidence
		names    string
	}{
		{"high", []Evidence{rctSupports}, "start is high (rct)"},
		{"high from a guideline", []Evidence{cohortSupports, {LinkID: 7, SourceID: 71, Kind: "guideline", Stance: Neutral}}, "start is high (guideline)"},
		{"moderate", []Evidence{reviewModerate}, "start is moderate (stated by the systematic_review)"},
		{"moderate raised cohort", []Evidence{{LinkID: 8, SourceID: 81, Kind: "cohort", Stance: Supports, ReportedCertainty: Moderate}}, "start is moderate (stated by the cohort)"},
	}
	for _, s := range starts {
		for _, u := range upgrades {
			_, err := Assess(s.evidence, with(u.set))
			got := problemsOf(t, err)
			if len(got) != 1 || got[0].Field != u.field {
				t.Errorf("Assess(%s start, upgrade %s) problems = %+v, want one on %s", s.name, u.field, got, u.field)
				continue
			}
			msg := got[0].Message
			if !strings.Contains(msg, "upgrades apply only to observational evidence starting low or very low") ||
				!strings.Contains(msg, s.names) {
				t.Errorf("Assess(%s start, upgrade %s) message = %q, want it to explain the rule and name %q", s.name, u.field, msg, s.names)
			}
		}
	}
}

func TestAssessAllUpgradesRefusedTogether(t *testing.T) {
	j := with(func(j *Judgement) {
		j.LargeEffect = VeryLarge
		j.DoseResponse = true
		j.PlausibleConfounding = true
	})
	_, err := Assess([]Evidence{rctSupports}, j)
	got := fields(problemsOf(t, err))
	want := []string{"large_effect", "dose_response", "plausible_confounding"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Assess(rct, every upgrade) problem fields = %v, want %v", got, want)
	}
}

func TestAssessClamping(t *testing.T) {
	tests := []struct {
		name        string
		evidence    Evidence
		set         func(*Judgement)
		want        Certainty
		wantClamped bool
	}{
		{"high with three very serious", rctSupports, func(j *Judgement) {
			j.RiskOfBias, j.Inconsistency, j.Imprecision = VerySerious, VerySerious, VerySerious
		}, VeryLow, true},
		{"high with every domain very serious", rctSupports, func(j *Judgement) {
			j.RiskOfBias, j.Inconsistency, j.Indirectness, j.Imprecision, j.PublicationBias =
				VerySerious, VerySerious, VerySerious, VerySerious, VerySerious
		}, VeryLow, true},
		{"high down exactly to very low", rctSupports, func(j *Judgement) {
			j.RiskOfBias, j.Imprecision = VerySerious, Serious
		}, VeryLow, false},
		{"very low with serious", seriesSupports, func(j *Judgement) { j.Indirectness = Serious }, VeryLow, true},
		{"very low + very large + dose response reaches high", seriesSupports, func(j *Judgement) {
			j.LargeEffect, j.DoseResponse = VeryLarge, true
		}, High, false},
		{"very low + every upgrade", seriesSupports, func(j *Judgement) {
			j.LargeEffect, j.DoseResponse, j.PlausibleConfounding = VeryLarge, true, true
		}, High, true},
		{"low + every upgrade", cohortSupports, func(j *Judgement) {
			j.LargeEffect, j.DoseResponse, j.PlausibleConfounding = VeryLarge, true, true
		}, High, true},
		{"low down and up by two is the raw sum", cohortSupports, func(j *Judgement) {
			j.RiskOfBias, j.LargeEffect = VerySerious, VeryLarge
		}, Low, false},
		{"very low down two, up three is the raw sum", seriesSupports, func(j *Judgement) {
			j.Imprecision, j.LargeEffect, j.DoseResponse = VerySerious, VeryLarge, true
		}, Low, false},
	}
	for _, tt := range tests {
		d, err := Assess([]Evidence{tt.evidence}, with(tt.set))
		if err != nil {
			t.Errorf("%s: Assess error = %v", tt.name, err)
			continue
		}
		if d.Result != tt.want || d.Clamped != tt.wantClamped {
			t.Errorf("%s: Assess() = result %v, clamped %v, want %v, %v", tt.name, d.Result, d.Clamped, tt.want, tt.wantClamped)
		}
		if last := d.Steps[len(d.Steps)-1].After; last != d.Result {
			t.Errorf("%s: last step After = %v, want the result %v", tt.name, last, d.Result)
		}
	}
}

func TestAssessRunningLevels(t *testing.T) {
	// Start low, -2 risk of bias (raw 0, shown very low), +2 large effect
	// (raw 2, low): each After is the clamped running raw sum.
	j := with(func(j *Judgement) { j.RiskOfBias, j.LargeEffect = VerySerious, VeryLarge })
	d, err := Assess([]Evidence{cohortSupports}, j)
	if err != nil {
		t.Fatalf("Assess error = %v", err)
	}
	var got []Certainty
	for _, s := range d.Steps {
		got = append(got, s.After)
	}
	want := []Certainty{VeryLow, VeryLow, VeryLow, VeryLow, VeryLow, Low, Low, Low}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Assess(cohort, -2, +2) step levels = %v, want %v", got, want)
	}
}

func TestAssessHandbookExamples(t *testing.T) {
	tests := []struct {
		name     string
		evidence Evidence
		set      func(*Judgement)
		want     Certainty
	}{
		{"RCT + serious risk of bias", rctSupports, func(j *Judgement) { j.RiskOfBias = Serious }, Moderate},
		{"cohort + large effect", cohortSupports, func(j *Judgement) { j.LargeEffect = Large }, Moderate},
		{"cohort + serious imprecision", cohortSupports, func(j *Judgement) { j.Imprecision = Serious }, VeryLow},
		{"RCT, nothing serious", rctSupports, func(j *Judgement) {}, High},
		{"RCT + serious indirectness + serious imprecision", rctSupports, func(j *Judgement) {
			j.Indirectness, j.Imprecision = Serious, Serious
		}, Low},
	}
	for _, tt := range tests {
		d, err := Assess([]Evidence{tt.evidence}, with(tt.set))
		if err != nil {
			t.Errorf("%s: Assess error = %v", tt.name, err)
			continue
		}
		if d.Result != tt.want {
			t.Errorf("%s: Assess().Result = %v, want %v", tt.name, d.Result, tt.want)
		}
	}
}

func TestAssessRationale(t *testing.T) {
	tests := []struct {
		name      string
		evidence  []Evidence
		set       func(*Judgement)
		rationale string
		wantErr   bool
	}{
		{"nothing changed, no rationale", []Evidence{rctSupports}, func(j *Judgement) {}, "", false},
		{"downgrade with rationale", []Evidence{rctSupports}, func(j *Judgement) { j.RiskOfBias = Serious }, "unblinded", false},
		{"downgrade without rationale", []Evidence{rctSupports}, func(j *Judgement) { j.RiskOfBias = Serious }, "", true},
		{"downgrade with blank rationale", []Evidence{rctSupports}, func(j *Judgement) { j.PublicationBias = VerySerious }, " \t\n", true},
		{"large effect without rationale", []Evidence{cohortSupports}, func(j *Judgement) { j.LargeEffect = Large }, "", true},
		{"dose response without rationale", []Evidence{cohortSupports}, func(j *Judgement) { j.DoseResponse = true }, "", true},
		{"confounding without rationale", []Evidence{cohortSupports}, func(j *Judgement) { j.PlausibleConfounding = true }, "", true},
		{"upgrade with rationale", []Evidence{cohortSupports}, func(j *Judgement) { j.DoseResponse = true }, "gradient seen", false},
		{"changes cancel out, still needs rationale", []Evidence{cohortSupports}, func(j *Judgement) {
			j.Imprecision, j.LargeEffect = Serious, Large
		}, "", true},
		{"clamped downgrade still needs rationale", []Evidence{seriesSupports}, func(j *Judgement) { j.Imprecision = Serious }, "", true},
	}
	for _, tt := range tests {
		j := with(tt.set)
		j.Rationale = tt.rationale
		_, err := Assess(tt.evidence, j)
		got := problemsOf(t, err)
		var want []FieldError
		if tt.wantErr {
			want = []FieldError{{Field: "rationale", Message: "required when any domain is downgraded or upgraded"}}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Assess problems = %+v, want %+v", tt.name, got, want)
		}
	}
}

func TestAssessVerdict(t *testing.T) {
	retractedSupport := Evidence{LinkID: 9, SourceID: 91, Kind: "rct", Stance: Supports, Retracted: true}
	retractedRefute := Evidence{LinkID: 10, SourceID: 101, Kind: "rct", Stance: Refutes, Retracted: true}
	neutral := Evidence{LinkID: 11, SourceID: 111, Kind: "cohort", Stance: Neutral}
	mixed := Evidence{LinkID: 12, SourceID: 121, Kind: "cohort", Stance: MixedStance}
	tests := []struct {
		name     string
		evidence []Evidence
		verdict  Verdict
		wantErr  string // substring of the verdict problem; "" for none
	}{
		{"supported with support", []Evidence{rctSupports}, Supported, ""},
		{"supported with support and refute", []Evidence{rctSupports, rctRefutes}, Supported, ""},
		{"supported with only refute", []Evidence{rctRefutes}, Supported, "supported needs at least one evidence link with stance supports"},
		{"supported with only neutral and mixed", []Evidence{neutral, mixed}, Supported, "supported needs"},
		{"supported with retracted support", []Evidence{retractedSupport, neutral}, Supported, "retracted sources do not count"},
		{"refuted with refute", []Evidence{rctRefutes}, Refuted, ""},
		{"refuted with only support", []Evidence{rctSupports}, Refuted, "refuted needs at least one evidence link with stance refutes"},
		{"refuted with retracted refute", []Evidence{retractedRefute, rctSupports}, Refuted, "refuted needs"},
		{"mixed with only support", []Evidence{rctSupports}, Mixed, ""},
		{"mixed with neutral", []Evidence{neutral}, Mixed, ""},
		{"insufficient with support", []Evidence{rctSupports}, Insufficient, ""},
		{"no evidence, insufficient", nil, Insufficient, ""},
		{"no evidence, supported", nil, Supported, "no usable evidence is linked, so the verdict must be insufficient"},
		{"no evidence, refuted", nil, Refuted, "must be insufficient"},
		{"no evidence, mixed", nil, Mixed, "must be insufficient"},
		{"only retracted evidence, supported", []Evidence{retractedSupport}, Supported, "must be insufficient"},
		{"only retracted evidence, insufficient", []Evidence{retractedSupport, retractedRefute}, Insufficient, ""},
	}
	for _, tt := range tests {
		_, err := Assess(tt.evidence, plain(tt.verdict))
		got := problemsOf(t, err)
		switch {
		case tt.wantErr == "" && got != nil:
			t.Errorf("%s: Assess problems = %+v, want none", tt.name, got)
		case tt.wantErr != "" && (len(got) != 1 || got[0].Field != "verdict" || !strings.Contains(got[0].Message, tt.wantErr)):
			t.Errorf("%s: Assess problems = %+v, want one on verdict containing %q", tt.name, got, tt.wantErr)
		}
	}
}

func TestAssessNoEvidence(t *testing.T) {
	// Without usable evidence the domains are ignored: no upgrade refusal,
	// no rationale needed, every step None.
	j := Judgement{
		RiskOfBias:           VerySerious,
		Inconsistency:        NotSerious,
		Indirectness:         Serious,
		Imprecision:          NotSerious,
		PublicationBias:      NotSerious,
		LargeEffect:          Large,
		DoseResponse:         true,
		PlausibleConfounding: false,
		Verdict:              Insufficient,
	}
	for _, evidence := range [][]Evidence{nil, {{LinkID: 1, SourceID: 2, Kind: "news", Stance: Supports}}} {
		got, err := Assess(evidence, j)
		if err != nil {
			t.Fatalf("Assess(%+v, no-evidence judgement) error = %v", evidence, err)
		}
		want := Derivation{
			Format:      DerivationFormat,
			Start:       None,
			StartReason: "no usable evidence linked",
			Steps: []Step{
				{"risk_of_bias", "very_serious", 0, None, "RiskOfBias"},
				{"inconsistency", "not_serious", 0, None, "Inconsistency"},
				{"indirectness", "serious", 0, None, "Indirectness"},
				{"imprecision", "not_serious", 0, None, "Imprecision"},
				{"publication_bias", "not_serious", 0, None, "PublicationBias"},
				{"large_effect", "large", 0, None, "LargeEffect"},
				{"dose_response", "true", 0, None, "DoseResponseGradient"},
				{"plausible_confounding", "false", 0, None, "PlausibleConfounding"},
			},
			Result: None,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Assess(%+v, no-evidence judgement) =\n%+v\nwant\n%+v", evidence, got, want)
		}
	}
}

func TestAssessNoEvidenceStillRejectsInvalidValues(t *testing.T) {
	j := plain(Supported)
	j.Imprecision = "bad"
	_, err := Assess(nil, j)
	got := fields(problemsOf(t, err))
	want := []string{"imprecision", "verdict"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Assess(nil, invalid imprecision, supported) problem fields = %v, want %v", got, want)
	}
}

func TestAssessReportsAllProblemsTogether(t *testing.T) {
	tests := []struct {
		name     string
		evidence []Evidence
		j        Judgement
		want     []FieldError
	}{
		{
			name:     "every value invalid",
			evidence: []Evidence{rctSupports},
			j:        Judgement{},
			want: []FieldError{
				{"risk_of_bias", "must be one of not_serious, serious, very_serious"},
				{"inconsistency", "must be one of not_serious, serious, very_serious"},
				{"indirectness", "must be one of not_serious, serious, very_serious"},
				{"imprecision", "must be one of not_serious, serious, very_serious"},
				{"publication_bias", "must be one of not_serious, serious, very_serious"},
				{"large_effect", "must be one of none, large, very_large"},
				{"verdict", "must be one of supported, refuted, mixed, insufficient"},
			},
		},
		{
			name:     "invalid value, refused upgrades, verdict and rationale",
			evidence: []Evidence{rctSupports},
			j: Judgement{
				RiskOfBias:           Serious,
				Inconsistency:        "sometimes",
				Indirectness:         NotSerious,
				Imprecision:          NotSerious,
				PublicationBias:      NotSerious,
				LargeEffect:          Large,
				DoseResponse:         true,
				PlausibleConfounding: true,
				Verdict:              Refuted,
			},
			want: []FieldError{
				{"inconsistency", "must be one of not_serious, serious, very_serious"},
				{"large_effect", "upgrades apply only to observational evidence starting low or very low; start is high (rct)"},
				{"dose_response", "upgrades apply only to observational evidence starting low or very low; start is high (rct)"},
				{"plausible_confounding", "upgrades apply only to observational evidence starting low or very low; start is high (rct)"},
				{"verdict", "refuted needs at least one evidence link with stance refutes (retracted sources do not count)"},
				{"rationale", "required when any domain is downgraded or upgraded"},
			},
		},
	}
	for _, tt := range tests {
		d, err := Assess(tt.evidence, tt.j)
		if got := problemsOf(t, err); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Assess problems =\n%+v\nwant\n%+v", tt.name, got, tt.want)
		}
		if !reflect.DeepEqual(d, Derivation{}) {
			t.Errorf("%s: Assess derivation on error = %+v, want the zero value", tt.name, d)
		}
	}
}

func TestAssessDerivation(t *testing.T) {
	evidence := []Evidence{seriesSupports, rctRefutes, rctSupports}
	j := with(func(j *Judgement) {
		j.RiskOfBias = Serious
		j.Imprecision = VerySerious
		j.Verdict = Mixed
	})
	got, err := Assess(evidence, j)
	if err != nil {
		t.Fatalf("Assess error = %v", err)
	}
	want := Derivation{
		Format:        DerivationFormat,
		Start:         High,
		StartSourceID: 51,
		StartLinkID:   5,
		StartReason:   "rct (design level high)",
		StartKind:     "rct",
		Steps: []Step{
			{Domain: "risk_of_bias", Judgement: "serious", Change: -1, After: Moderate, FHIRType: "RiskOfBias"},
			{Domain: "inconsistency", Judgement: "not_serious", Change: 0, After: Moderate, FHIRType: "Inconsistency"},
			{Domain: "indirectness", Judgement: "not_serious", Change: 0, After: Moderate, FHIRType: "Indirectness"},
			{Domain: "imprecision", Judgement: "very_serious", Change: -2, After: VeryLow, FHIRType: "Imprecision"},
			{Domain: "publication_bias", Judgement: "not_serious", Change: 0, After: VeryLow, FHIRType: "PublicationBias"},
			{Domain: "large_effect", Judgement: "none", Change: 0, After: VeryLow, FHIRType: "LargeEffect"},
			{Domain: "dose_response", Judgement: "false", Change: 0, After: VeryLow, FHIRType: "DoseResponseGradient"},
			{Domain: "plausible_confounding", Judgement: "false", Change: 0, After: VeryLow, FHIRType: "PlausibleConfounding"},
		},
		Result: VeryLow,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Assess derivation =\n%+v\nwant\n%+v", got, want)
	}
	var order []string
	for _, s := range got.Steps {
		order = append(order, s.Domain)
	}
	if !reflect.DeepEqual(order, Domains()) {
		t.Errorf("step order = %v, want %v", order, Domains())
	}
}

func TestAssessStartReason(t *testing.T) {
	tests := []struct {
		name         string
		evidence     []Evidence
		want         string
		wantReported bool
	}{
		{"design level high", []Evidence{rctSupports}, "rct (design level high)", false},
		{"design level low", []Evidence{cohortSupports}, "cohort (design level low)", false},
		{"design level very low", []Evidence{seriesSupports}, "case_series (design level very low)", false},
		{"reported moderate", []Evidence{reviewModerate}, "reported certainty moderate (stated by the source)", true},
		{"reported very low", []Evidence{{LinkID: 1, SourceID: 2, Kind: "rct", ReportedCertainty: VeryLow}}, "reported certainty very low (stated by the source)", true},
		{"reported equal to design", []Evidence{{LinkID: 1, SourceID: 2, Kind: "rct", ReportedCertainty: High}}, "reported certainty high (stated by the source)", true},
		{"no evidence", nil, "no usable evidence linked", false},
	}
	for _, tt := range tests {
		d, err := Assess(tt.evidence, plain(Insufficient))
		if err != nil {
			t.Errorf("%s: Assess error = %v", tt.name, err)
			continue
		}
		if d.StartReason != tt.want || d.StartReported != tt.wantReported {
			t.Errorf("%s: StartReason, StartReported = %q, %v, want %q, %v", tt.name, d.StartReason, d.StartReported, tt.want, tt.wantReported)
		}
	}
}

func TestDerivationSummary(t *testing.T) {
	tests := []struct {
		name     string
		evidence []Evidence
		set      func(*Judgement)
		want     string
	}{
		{"example from the design", []Evidence{rctSupports}, func(j *Judgement) { j.RiskOfBias = Serious },
			"high (rct, source 12) -1 risk of bias (serious) = moderate"},
		{"no changes", []Evidence{rctSupports}, func(j *Judgement) {},
			"high (rct, source 12) = high"},
		{"upgrades", []Evidence{cohortSupports}, func(j *Judgement) {
			j.LargeEffect, j.DoseResponse, j.PlausibleConfounding = VeryLarge, true, true
		}, "low (cohort, source 21) +2 large effect (very large) +1 dose response +1 plausible confounding = high (clamped)"},
		{"several downgrades", []Evidence{rctSupports}, func(j *Judgement) {
			j.Inconsistency, j.Indirectness, j.PublicationBias = Serious, Serious, VerySerious
		}, "high (rct, source 12) -1 inconsistency (serious) -1 indirectness (serious) -2 publication bias (very serious) = very low (clamped)"},
		{"reported start", []Evidence{reviewModerate}, func(j *Judgement) { j.Imprecision = Serious },
			"moderate (stated by the systematic_review, source 41) -1 imprecision (serious) = low"},
		{"no evidence", nil, func(j *Judgement) { j.Verdict = Insufficient },
			"no certainty (no usable evidence linked)"},
	}
	for _, tt := range tests {
		d, err := Assess(tt.evidence, with(tt.set))
		if err != nil {
			t.Errorf("%s: Assess error = %v", tt.name, err)
			continue
		}
		if got := d.Summary(); got != tt.want {
			t.Errorf("%s: Summary() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestValidationErrorError(t *testing.T) {
	tests := []struct {
		err  *ValidationError
		want string
	}{
		{&ValidationError{Problems: []FieldError{{"verdict", "bad"}}}, "validation failed: verdict: bad"},
		{&ValidationError{Problems: []FieldError{{"a", "x"}, {"b", "y"}}}, "validation failed: a: x; b: y"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("(%+v).Error() = %q, want %q", tt.err, got, tt.want)
		}
	}
}
