package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

const redacted = "[redacted]"

// maxSecretFileSize bounds how much of a secret file is read.
const maxSecretFileSize = 64 << 10

// Secret is a credential: a token, a password, an OAuth client secret.
// Every way of printing, logging or marshalling it yields "[redacted]";
// Reveal is the only way to read it. The zero Secret is empty.
//
// The value sits behind a pointer, so even reflection-based printing of a
// struct holding a Secret in an unexported field shows an address, not the
// value.
type Secret struct {
	v *string
}

// NewSecret wraps a credential.
func NewSecret(value string) Secret { return Secret{v: &value} }

// Reveal returns the credential. Call it only where it is sent to its API.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

// String returns "[redacted]".
func (s Secret) String() string { return redacted }

// GoString returns "[redacted]", for %#v.
func (s Secret) GoString() string { return redacted }

// Format writes "[redacted]" whatever the verb, flags or width.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// MarshalJSON returns the JSON string "[redacted]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText returns "[redacted]" (used by YAML, slog handlers, encoders).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue returns "[redacted]" for slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// SecretRef says where a secret is kept: in an environment variable
// ({env: NAME}) or in a file ({file: PATH}, relative paths being resolved
// against the shops file's directory). A literal value in its place is
// rejected when the shops file is loaded, and never kept.
type SecretRef struct {
	// Env names the environment variable holding the secret.
	Env string `yaml:"env,omitempty" json:"env,omitempty"`
	// File is the path of a file holding the secret; surrounding white
	// space (the final newline) is trimmed.
	File string `yaml:"file,omitempty" json:"file,omitempty"`

	problem string // why the YAML was not a reference; never holds a value
	value   Secret // resolved by LoadShops
	// live re-reads a {file: …} secret when the file changes (Current);
	// shared by every copy of the reference.
	live *liveFile
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

const useRef = "use {env: NAME} or {file: PATH}"

// UnmarshalYAML reads {env: NAME} or {file: PATH}. Anything else (a literal
// string, a list, other keys) is remembered as a problem for validation to
// report with the shop and field; the offending text is dropped unread.
func (r *SecretRef) UnmarshalYAML(n *yaml.Node) error {
	*r = SecretRef{}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return nil // not set
	case n.Kind == yaml.ScalarNode:
		r.problem = "secrets must not be written in the shops file; " + useRef
		return nil
	case n.Kind != yaml.MappingNode:
		r.problem = "must be a secret reference; " + useRef
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		var dst *string
		switch {
		case k.Kind == yaml.ScalarNode && k.Value == "env":
			dst = &r.Env
		case k.Kind == yaml.ScalarNode && k.Value == "file":
			dst = &r.File
		default:
			// The key is not echoed: in `{s3cr3t}` the key is the secret.
			*r = SecretRef{problem: "a secret reference takes only the keys env and file; " + useRef}
			return nil
		}
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || strings.TrimSpace(v.Value) == "" {
			*r = SecretRef{problem: fmt.Sprintf("%s: must name %s", k.Value, map[string]string{"env": "an environment variable", "file": "a file"}[k.Value])}
			return nil
		}
		*dst = strings.TrimSpace(v.Value)
	}
	return nil
}

// IsSet reports whether the reference was given at all (even wrongly).
func (r SecretRef) IsSet() bool { return r.Env != "" || r.File != "" || r.problem != "" }

// check returns what is wrong with the reference itself, or "".
func (r SecretRef) check() string {
	switch {
	case r.problem != "":
		return r.problem
	case r.Env != "" && r.File != "":
		return "set either env or file, not both"
	case r.Env != "" && !envNameRE.MatchString(r.Env):
		return fmt.Sprintf("env: %q is not an environment variable name", r.Env)
	}
	return ""
}

// Resolve reads the secret from its environment variable (looked up with
// env; nil means os.LookupEnv) or file. The error names the variable or file,
// never the value.
func (r SecretRef) Resolve(env func(string) (string, bool)) (Secret, error) {
	if msg := r.check(); msg != "" {
		return Secret{}, errors.New(msg)
	}
	switch {
	case r.Env != "":
		if env == nil {
			env = os.LookupEnv
		}
		v, ok := env(r.Env)
		if !ok {
			return Secret{}, fmt.Errorf("environment variable %s is not set", r.Env)
		}
		if v = strings.TrimSpace(v); v == "" {
			return Secret{}, fmt.Errorf("environment variable %s is empty", r.Env)
		}
		return NewSecret(v), nil
	case r.File != "":
		v, err := readSecretFile(r.File)
		if err != nil {
			return Secret{}, err
		}
		return NewSecret(v), nil
	}
	return Secret{}, errors.New("not set; " + useRef)
}

// readSecretFile reads a small regular file (refusing devices and pipes,
// which could block or never end).
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("secret file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("secret file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("secret file %s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFileSize+1))
	if err != nil {
		return "", fmt.Errorf("secret file: read %s: %w", path, err)
	}
	if len(data) > maxSecretFileSize {
		return "", fmt.Errorf("secret file %s is larger than %d bytes", path, maxSecretFileSize)
	}
	v := strings.TrimSpace(string(data))
	if v == "" {
		return "", fmt.Errorf("secret file %s is empty", path)
	}
	return v, nil
}

// Secret returns the secret resolved when the shops file was loaded; the
// zero Secret if the reference is unset or was not resolved.
func (r SecretRef) Secret() Secret { return r.value }

// Current returns the secret as it is now. A {file: …} secret is read again
// when its file was replaced or changed since the last read (one stat per
// call: size, modification time and file identity), so a rotated
// credential is picked up without a restart; while the file cannot be read
// (a rotation half done), the last value read stays in use. An {env: …}
// secret is the value read at start: the environment of a running process
// does not change, so rotating it needs a restart.
func (r SecretRef) Current() Secret {
	if r.live == nil {
		return r.value
	}
	return r.live.current()
}

// liveFile is the last read of a {file: …} secret.
type liveFile struct {
	path string

	mu    sync.Mutex
	info  os.FileInfo // of the last successful read
	value Secret
}

func newLiveFile(path string, value Secret) *liveFile {
	info, _ := os.Stat(path)
	return &liveFile{path: path, info: info, value: value}
}

func (l *liveFile) current() Secret {
	l.mu.Lock()
	defer l.mu.Unlock()
	info, err := os.Stat(l.path)
	if err != nil {
		return l.value
	}
	if l.info != nil && os.SameFile(info, l.info) && info.Size() == l.info.Size() && info.ModTime().Equal(l.info.ModTime()) {
		return l.value
	}
	v, err := readSecretFile(l.path)
	if err != nil {
		return l.value
	}
	l.info, l.value = info, NewSecret(v)
	return l.value
}

// String describes the reference ("env DEMO_TOKEN", "file /run/secrets/x",
// "unset"), never the secret.
func (r SecretRef) String() string {
	switch {
	case r.Env != "" && r.File == "":
		return "env " + r.Env
	case r.File != "" && r.Env == "":
		return "file " + r.File
	case r.IsSet():
		return "invalid"
	}
	return "unset"
}

// GoString is String, for %#v.
func (r SecretRef) GoString() string { return "config.SecretRef(" + r.String() + ")" }

// Format prints String (GoString for %#v) whatever the verb, so no verb can
// reach the resolved value.
func (r SecretRef) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, r.GoString())
		return
	}
	_, _ = io.WriteString(f, r.String())
}
