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

// TestLoadConfigPool checks that idle connections follow the open limit
// unless DB_MAX_IDLE_CONNS says otherwise.
func TestLoadConfigPool(t *testing.T) {
	tests := []struct {
		open, idle         string
		wantOpen, wantIdle int
	}{
		{"", "", 20, 20},
		{"40", "", 40, 40},
		{"40", "5", 40, 5},
		{"", "8", 20, 8},
	}
	for _, tt := range tests {
		cfg, err := api.LoadConfig(func(k string) string {
			return map[string]string{"DB_MAX_OPEN_CONNS": tt.open, "DB_MAX_IDLE_CONNS": tt.idle}[k]
		})
		if err != nil || cfg.DB.MaxOpenConns != tt.wantOpen || cfg.DB.MaxIdleConns != tt.wantIdle {
			t.Errorf("LoadConfig(DB_MAX_OPEN_CONNS=%q, DB_MAX_IDLE_CONNS=%q) = open %d, idle %d, %v; want %d, %d",
				tt.open, tt.idle, cfg.DB.MaxOpenConns, cfg.DB.MaxIdleConns, err, tt.wantOpen, tt.wantIdle)
		}
	}
}
