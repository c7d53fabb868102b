package api_test

import (
	"strings"
	"testing"

	"claimgrade/api"
)

func TestLoadConfigRequiredReviews(t *testing.T) {
	tests := []struct {
		value   string
		want    int
		wantErr bool
	}{
		{"", 2, false}, // DESIGN.md and the README document 2
		{"1", 1, false},
		{"3", 3, false},
		{"0", 0, true},
		{"-2", 0, true},
		{"two", 0, true},
	}
	for _, tt := range tests {
		cfg, err := api.LoadConfig(func(k string) string {
			if k == "REQUIRED_REVIEWS" {
				return tt.value
			}
			return ""
		})
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), `REQUIRED_REVIEWS="`+tt.value+`": want an integer >= 1`) {
				t.Errorf("LoadConfig(REQUIRED_REVIEWS=%q) error = %v, want one naming the variable and the floor 1", tt.value, err)
			}
			continue
		}
		if err != nil || cfg.RequiredReviews != tt.want {
			t.Errorf("LoadConfig(REQUIRED_REVIEWS=%q) = %d, %v; want %d", tt.value, cfg.RequiredReviews, err, tt.want)
		}
	}
}
