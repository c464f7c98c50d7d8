package config

import (
	"strings"
	"testing"
	"time"
)

func TestKeyUseInterval(t *testing.T) {
	tests := []struct {
		value   string
		want    time.Duration
		wantErr bool
	}{
		{"", time.Minute, false},
		{"5s", 5 * time.Second, false},
		{"1s", time.Second, false},
		{"10m", 10 * time.Minute, false},
		{"999ms", 0, true},
		{"0s", 0, true},
		{"-1m", 0, true},
		{"often", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			c, err := Load(env(map[string]string{"LATCHKEY_KEY_USE_INTERVAL": tc.value}))
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "LATCHKEY_KEY_USE_INTERVAL") {
					t.Fatalf("Load(LATCHKEY_KEY_USE_INTERVAL=%q) = %v; want an error naming it", tc.value, err)
				}
				return
			}
			if err != nil || c.KeyUseInterval != tc.want {
				t.Fatalf("Load(LATCHKEY_KEY_USE_INTERVAL=%q) = %v, %v; want %v", tc.value, c.KeyUseInterval, err, tc.want)
			}
		})
	}
}
