package api_test

import (
	"strings"
	"testing"
	"time"

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

func TestLoadConfigWebhooks(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	cfg, err := api.LoadConfig(env(nil))
	if err != nil || cfg.WebhookAllowPrivate || cfg.WebhookMaxAttempts != 12 || cfg.WebhookPollInterval != 2*time.Second {
		t.Errorf("defaults = %v, %d, %v (%v); want false, 12, 2s (the README's)", cfg.WebhookAllowPrivate, cfg.WebhookMaxAttempts, cfg.WebhookPollInterval, err)
	}
	cfg, err = api.LoadConfig(env(map[string]string{"WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_MAX_ATTEMPTS": "3", "WEBHOOK_POLL_INTERVAL": "250ms"}))
	if err != nil || !cfg.WebhookAllowPrivate || !cfg.WebhookPolicy().AllowPrivate || cfg.WebhookMaxAttempts != 3 || cfg.WebhookPollInterval != 250*time.Millisecond {
		t.Errorf("set = %+v, %v", cfg, err)
	}
	_, err = api.LoadConfig(env(map[string]string{"WEBHOOK_ALLOW_PRIVATE": "yes please", "WEBHOOK_MAX_ATTEMPTS": "0", "WEBHOOK_POLL_INTERVAL": "-1s"}))
	for _, name := range []string{"WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_MAX_ATTEMPTS", "WEBHOOK_POLL_INTERVAL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("bad values: error %v does not name %s", err, name)
		}
	}
}

// TestLoadConfigPprof: profiles are off by default and served on loopback
// addresses only; any other address is refused, naming the variable.
func TestLoadConfigPprof(t *testing.T) {
	for _, tt := range []struct {
		value string
		ok    bool
	}{
		{"", true}, {"127.0.0.1:6060", true}, {"localhost:6060", true}, {"[::1]:6060", true},
		{":6060", false}, {"0.0.0.0:6060", false}, {"10.0.0.5:6060", false}, {"127.0.0.1", false}, {"example.org:6060", false},
	} {
		cfg, err := api.LoadConfig(func(k string) string {
			if k == "PPROF_ADDR" {
				return tt.value
			}
			return ""
		})
		switch {
		case tt.ok && (err != nil || cfg.PprofAddr != tt.value):
			t.Errorf("LoadConfig(PPROF_ADDR=%q) = %q, %v; want it accepted", tt.value, cfg.PprofAddr, err)
		case !tt.ok && (err == nil || !strings.Contains(err.Error(), `PPROF_ADDR="`+tt.value+`": want a loopback host:port`)):
			t.Errorf("LoadConfig(PPROF_ADDR=%q) error = %v, want one naming the variable", tt.value, err)
		}
	}
}
