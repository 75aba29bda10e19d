package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const canary = "CANARY-s3cr3t-7f1e"

// holder puts secrets where careless code might print them from.
type holder struct {
	Exported Secret
	Ptr      *Secret
	hidden   Secret
	Ref      SecretRef
	hiddenRf SecretRef
	List     []Secret
	Map      map[string]Secret
}

func newHolder() holder {
	s := NewSecret(canary)
	ref := SecretRef{Env: "X", value: s}
	return holder{Exported: s, Ptr: &s, hidden: s, Ref: ref, hiddenRf: ref, List: []Secret{s}, Map: map[string]Secret{"k": s}}
}

func TestSecretReveal(t *testing.T) {
	if got := NewSecret(canary).Reveal(); got != canary {
		t.Errorf("Reveal = %q", got)
	}
	var zero Secret
	if zero.Reveal() != "" || !zero.IsZero() || NewSecret("x").IsZero() {
		t.Errorf("IsZero/Reveal wrong for the zero Secret")
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	s := NewSecret(canary)
	h := newHolder()
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%10.3s", "%p"} {
		outputs = append(outputs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, &s), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h))
	}
	outputs = append(outputs, fmt.Sprint(s, h), fmt.Sprintln(s, h), s.String(), s.GoString(), h.Ref.String(), h.Ref.GoString())

	for _, v := range []any{s, &s, h, &h} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		outputs = append(outputs, string(b))
		y, err := yaml.Marshal(v)
		if err != nil {
			t.Fatalf("yaml.Marshal: %v", err)
		}
		outputs = append(outputs, string(y))
	}
	text, _ := s.MarshalText()
	outputs = append(outputs, string(text))

	for _, newHandler := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		log := slog.New(newHandler(&buf))
		log.Info("msg", "secret", s, "ptr", &s, "holder", h, "holderPtr", &h, slog.Any("any", s), slog.Group("g", "s", s))
		log.Info(fmt.Sprint(s))
		outputs = append(outputs, buf.String())
	}

	for _, out := range outputs {
		if strings.Contains(out, canary) {
			t.Errorf("secret printed: %s", out)
		}
	}
	for _, out := range []string{fmt.Sprintf("%v", s), fmt.Sprintf("%#v", s), string(text)} {
		if out != "[redacted]" {
			t.Errorf("got %q, want [redacted]", out)
		}
	}
}

func TestLoadedShopNeverPrintsSecrets(t *testing.T) {
	env := fakeEnv(map[string]string{"TOKEN": canary + "-token", "SECRET": canary + "-secret"})
	f, err := ParseShops([]byte(baseYAML), "", env)
	if err != nil {
		t.Fatal(err)
	}
	shop := f.Shops[0]
	if shop.Ecforce.APIToken.Secret().Reveal() != canary+"-token" {
		t.Fatal("secret not resolved")
	}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		outputs = append(outputs, fmt.Sprintf(verb, shop), fmt.Sprintf(verb, f))
	}
	b, _ := json.Marshal(f)
	y, _ := yaml.Marshal(f)
	outputs = append(outputs, string(b), string(y))
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("loaded", "shop", shop, "file", f)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("loaded", "shop", shop, "file", f)
	outputs = append(outputs, buf.String())

	// A validation failure elsewhere in the shop must not show them either.
	bad := strings.Replace(baseYAML, "location_code: default", "location_code: \"\"", 1)
	_, err = ParseShops([]byte(bad), "", env)
	if err == nil {
		t.Fatal("want a validation error")
	}
	outputs = append(outputs, err.Error(), fmt.Sprintf("%+v", err))

	for _, out := range outputs {
		if strings.Contains(out, canary) {
			t.Errorf("secret printed: %s", out)
		}
	}
	if !strings.Contains(fmt.Sprintf("%+v", shop), "APIToken:env TOKEN") {
		t.Errorf("%%+v should describe the reference: %+v", shop)
	}
}

func TestSecretRefResolve(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good", "  value-from-file \n")
	empty := write("empty", "\n\t\n")
	big := write("big", strings.Repeat("x", maxSecretFileSize+1))
	env := fakeEnv(map[string]string{"SET": " value-from-env ", "BLANK": ""})

	tests := []struct {
		name    string
		ref     SecretRef
		want    string
		wantErr string
	}{
		{"env", SecretRef{Env: "SET"}, "value-from-env", ""},
		{"env unset", SecretRef{Env: "UNSET"}, "", "environment variable UNSET is not set"},
		{"env empty", SecretRef{Env: "BLANK"}, "", "environment variable BLANK is empty"},
		{"env bad name", SecretRef{Env: "A-B"}, "", `env: "A-B" is not an environment variable name`},
		{"file", SecretRef{File: good}, "value-from-file", ""},
		{"file missing", SecretRef{File: filepath.Join(dir, "none")}, "", "secret file: open " + filepath.Join(dir, "none") + ": no such file or directory"},
		{"file empty", SecretRef{File: empty}, "", "secret file " + empty + " is empty"},
		{"file too large", SecretRef{File: big}, "", fmt.Sprintf("secret file %s is larger than %d bytes", big, maxSecretFileSize)},
		{"directory", SecretRef{File: dir}, "", "secret file " + dir + " is not a regular file"},
		{"device", SecretRef{File: os.DevNull}, "", "secret file " + os.DevNull + " is not a regular file"},
		{"both", SecretRef{Env: "SET", File: good}, "", "set either env or file, not both"},
		{"neither", SecretRef{}, "", "not set; use {env: NAME} or {file: PATH}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.ref.Resolve(env)
			if errString(err) != tt.wantErr || got.Reveal() != tt.want {
				t.Errorf("Resolve = %q, %v; want %q, %q", got.Reveal(), err, tt.want, tt.wantErr)
			}
		})
	}

	t.Setenv("CONNECTOR_TEST_SECRET", "from-process-env")
	if got, err := (SecretRef{Env: "CONNECTOR_TEST_SECRET"}).Resolve(nil); err != nil || got.Reveal() != "from-process-env" {
		t.Errorf("Resolve(nil) = %q, %v", got.Reveal(), err)
	}
}

func TestSecretRefYAML(t *testing.T) {
	tests := []struct {
		yaml, want string
	}{
		{"{env: A_B}", "env A_B"},
		{"{file: /run/x}", "file /run/x"},
		{"\nenv: A\nfile: /x", "invalid"},
		{"~", "unset"},
		{"", "unset"},
		{"literal", "invalid"},
		{"123", "invalid"},
		{"[a]", "invalid"},
		{"{env: }", "invalid"},
		{"{env: [a]}", "invalid"},
		{"{other: x}", "invalid"},
	}
	for _, tt := range tests {
		var v struct {
			S SecretRef `yaml:"s"`
		}
		if err := yaml.Unmarshal([]byte("s: "+strings.ReplaceAll(tt.yaml, "\n", "\n  ")), &v); err != nil {
			t.Errorf("%q: %v", tt.yaml, err)
			continue
		}
		if got := v.S.String(); got != tt.want {
			t.Errorf("%q decodes to %s, want %s", tt.yaml, got, tt.want)
		}
	}
}

// LoadShopSettings loads a shops file whose secrets cannot be read (an
// unset variable, a missing file) without reading them, still rejects a
// malformed reference, and leaves every secret empty.
func TestLoadShopSettingsReadsNoSecret(t *testing.T) {
	dir := t.TempDir()
	unreadable := strings.Replace(baseYAML, "{env: SECRET}", "{file: no-such-secret-file}", 1)
	if unreadable == baseYAML {
		t.Fatal("baseYAML has no {env: SECRET} to replace")
	}
	path := filepath.Join(dir, "shops.yaml")
	if err := os.WriteFile(path, []byte(unreadable), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadShops(path, fakeEnv(nil)); err == nil || !strings.Contains(err.Error(), "TOKEN is not set") ||
		!strings.Contains(err.Error(), "no-such-secret-file") {
		t.Fatalf("LoadShops with unreadable secrets = %v, want both named", err)
	}
	t.Setenv("TOKEN", canary)
	f, err := LoadShopSettings(path)
	if err != nil {
		t.Fatalf("LoadShopSettings: %v", err)
	}
	if f.Path != path || len(f.Shops) != 1 {
		t.Fatalf("LoadShopSettings = %+v", f)
	}
	s := f.Shops[0]
	if !s.Ecforce.APIToken.Secret().IsZero() || !s.Logiless.ClientSecret.Secret().IsZero() {
		t.Error("LoadShopSettings read a secret")
	}
	if want := filepath.Join(dir, "no-such-secret-file"); s.Logiless.ClientSecret.File != want {
		t.Errorf("client_secret file = %q, want %q", s.Logiless.ClientSecret.File, want)
	}

	literal := strings.Replace(baseYAML, "{env: TOKEN}", "s3cr3t-literal", 1)
	if err := os.WriteFile(path, []byte(literal), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadShopSettings(path)
	if err == nil || !strings.Contains(err.Error(), "must not be written in the shops file") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("LoadShopSettings with a literal secret = %v", err)
	}
}

// A {file: …} secret is read again once its file changes; an {env: …}
// secret keeps its value from the start.
func TestSecretCurrentFollowsItsFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	if err := os.WriteFile(path, []byte("first-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := (SecretRef{File: path}).Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := SecretRef{File: path, value: v, live: newLiveFile(path, v)}
	copied := ref // copies share what was read
	if got := ref.Current().Reveal(); got != "first-token" {
		t.Fatalf("Current = %q", got)
	}
	// Replaced the way secret managers do: a new file renamed over the old.
	tmp := filepath.Join(dir, "token.new")
	if err := os.WriteFile(tmp, []byte("second-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if got := copied.Current().Reveal(); got != "second-token" {
		t.Errorf("after the file was replaced Current = %q, want second-token", got)
	}
	// Rewritten in place with the same length.
	if err := os.WriteFile(path, []byte("third--token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if got := ref.Current().Reveal(); got != "third--token" {
		t.Errorf("after an in-place rewrite Current = %q, want third--token", got)
	}
	// A rotation half done (file missing or empty) keeps the last value.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if got := ref.Current().Reveal(); got != "third--token" {
		t.Errorf("with the file missing Current = %q, want the last value", got)
	}
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := ref.Current().Reveal(); got != "third--token" {
		t.Errorf("with the file empty Current = %q, want the last value", got)
	}

	env := SecretRef{Env: "X", value: NewSecret("from-env")}
	if got := env.Current().Reveal(); got != "from-env" {
		t.Errorf("env Current = %q", got)
	}
}
