package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadShops feeds arbitrary bytes to the shops file loader: it must
// never panic, must fail only with a *ValidationError that has problems,
// must never put a resolved secret in an error, and what it accepts must
// validate.
func FuzzLoadShops(f *testing.F) {
	demo, err := os.ReadFile(filepath.Join("testdata", "shops.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(demo), baseYAML, "", "shops: []", "shops:\n  - code: x\n", "extra: 1\n",
		"shops:\n  - code: a\n    ecforce: {api_token: literal}\n",
		"shops: &a [*a]\n", "shops:\n  - {code: a, logiless: {merchant_id: -1, client_secret: {file: /dev/null}}}\n",
		baseYAML + "---\n" + baseYAML,
	} {
		f.Add([]byte(seed))
	}
	const secret = "FUZZ-SECRET-VALUE"
	env := func(string) (string, bool) { return secret, true }
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseShops(data, "/nonexistent-dir", env)
		if err != nil {
			var verr *ValidationError
			if !errors.As(err, &verr) || len(verr.Problems) == 0 {
				t.Fatalf("error %T without problems: %v", err, err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error shows a secret: %v", err)
			}
			return
		}
		if len(file.Shops) == 0 {
			t.Fatal("accepted a file without shops")
		}
		for i := range file.Shops {
			if err := file.Shops[i].Validate(); err != nil {
				t.Fatalf("accepted shop does not validate: %v", err)
			}
		}
	})
}
