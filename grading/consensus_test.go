package grading

import "testing"

func TestConsensus(t *testing.T) {
	highSup := Outcome{Certainty: High, Verdict: Supported}
	modSup := Outcome{Certainty: Moderate, Verdict: Supported}
	highMix := Outcome{Certainty: High, Verdict: Mixed}
	tests := []struct {
		name             string
		submitted        []Outcome
		required         int
		wantDecided      *Outcome
		wantDisagreement bool
	}{
		{"none submitted", nil, 2, nil, false},
		{"pending, one of two", []Outcome{highSup}, 2, nil, false},
		{"two agree", []Outcome{highSup, highSup}, 2, &highSup, false},
		{"disagree on certainty", []Outcome{highSup, modSup}, 2, nil, true},
		{"disagree on verdict", []Outcome{highSup, highMix}, 2, nil, true},
		{"required 1, one submitted", []Outcome{modSup}, 1, &modSup, false},
		{"required 1, none submitted", nil, 1, nil, false},
		{"required 0 treated as 1", []Outcome{modSup}, 0, &modSup, false},
		{"required negative treated as 1", []Outcome{highMix}, -3, &highMix, false},
		{"required 0, none submitted", nil, 0, nil, false},
		{"required 3, two agree, pending", []Outcome{highSup, highSup}, 3, nil, false},
		{"required 3, two disagree, pending", []Outcome{highSup, modSup}, 3, nil, false},
		{"required 3, three agree", []Outcome{modSup, modSup, modSup}, 3, &modSup, false},
		{"required 3, third disagrees", []Outcome{modSup, modSup, highSup}, 3, nil, true},
		{"more than required, all agree", []Outcome{highSup, highSup, highSup}, 2, &highSup, false},
		{"more than required, last disagrees", []Outcome{highSup, highSup, highMix}, 2, nil, true},
		{"agree on no certainty", []Outcome{{None, Insufficient}, {None, Insufficient}}, 2, &Outcome{None, Insufficient}, false},
	}
	for _, tt := range tests {
		decided, disagreement := Consensus(tt.submitted, tt.required)
		if !sameOutcome(decided, tt.wantDecided) || disagreement != tt.wantDisagreement {
			t.Errorf("%s: Consensus(%v, %d) = %v, %v, want %v, %v",
				tt.name, tt.submitted, tt.required, show(decided), disagreement, show(tt.wantDecided), tt.wantDisagreement)
		}
	}
}

func TestConsensusReturnsACopy(t *testing.T) {
	submitted := []Outcome{{High, Supported}, {High, Supported}}
	decided, _ := Consensus(submitted, 2)
	decided.Certainty = Low
	if submitted[0].Certainty != High {
		t.Errorf("changing the decided outcome changed the input: %v", submitted)
	}
}

func sameOutcome(a, b *Outcome) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func show(o *Outcome) string {
	if o == nil {
		return "<nil>"
	}
	return "&{" + o.Certainty.String() + " " + string(o.Verdict) + "}"
}
