package config

import (
	"errors"
	"strings"
	"testing"
)

func TestWebhookSecret(t *testing.T) {
	const good = "wh-0123456789abcdef0123456789abcdef"
	withSecret := func(t *testing.T, ref string) string {
		return edit(t, "    mapping_file: map.csv\n", "    mapping_file: map.csv\n    webhooks: {secret: "+ref+"}\n")
	}
	tests := []struct {
		name   string
		ref    string
		value  string
		want   string // the problem; "" = loads
		enable bool
	}{
		{name: "env", ref: "{env: HOOK}", value: good, enable: true},
		{name: "too short", ref: "{env: HOOK}", value: "short-secret-1234", want: `shop "demo": webhooks.secret: the secret has 17 characters; use 32 to 128`},
		{name: "not URL-safe", ref: "{env: HOOK}", value: good + "/x?y", want: `shop "demo": webhooks.secret: the secret may hold only A-Z, a-z, 0-9, - and _`},
		{name: "literal", ref: good, want: `shop "demo": webhooks.secret: secrets must not be written in the shops file`},
		{name: "env unset", ref: "{env: NOPE}", want: `shop "demo": webhooks.secret: environment variable NOPE is not set`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := fakeEnv(map[string]string{"TOKEN": "tok-XYZZY", "SECRET": "sec-PLUGH", "HOOK": tt.value})
			f, err := ParseShops([]byte(withSecret(t, tt.ref)), "", env)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				s := f.Shops[0]
				if s.Webhooks.Enabled() != tt.enable || s.Webhooks.Secret.Current().Reveal() != tt.value {
					t.Errorf("webhooks = %v enabled %t", s.Webhooks.Secret, s.Webhooks.Enabled())
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("err = %v; want a *ValidationError", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q\nlacks %q", msg, tt.want)
			}
			for _, v := range []string{good, tt.value} {
				if v != "" && strings.Contains(msg, v) {
					t.Errorf("error shows the secret: %s", msg)
				}
			}
		})
	}
	// No webhooks block: the shop takes none.
	f, err := ParseShops([]byte(baseYAML), "", baseEnv)
	if err != nil {
		t.Fatal(err)
	}
	if f.Shops[0].Webhooks.Enabled() {
		t.Error("webhooks on without a secret")
	}
}
