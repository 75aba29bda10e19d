package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// LoadShops reads, defaults and validates the shops file at path, and
// resolves the secrets it references, looking environment variables up with
// env (nil means os.LookupEnv). Relative paths in the file are resolved
// against its directory. Every problem found is returned together, as a
// *ValidationError.
func LoadShops(path string, env func(string) (string, bool)) (*ShopsFile, error) {
	return loadShops(path, env, true)
}

// LoadShopSettings is LoadShops for a process that never sends a secret,
// such as the starter's commands that only start runs or read Temporal: it
// reads, defaults and validates the shops file, checking that every secret
// reference is well formed, but reads no secret, so that someone who does
// not hold the shop's secrets can use it. Every SecretRef's Secret() is the
// zero Secret.
func LoadShopSettings(path string) (*ShopsFile, error) {
	return loadShops(path, nil, false)
}

func loadShops(path string, env func(string) (string, bool), resolve bool) (*ShopsFile, error) {
	data, err := readShopsFile(path)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("shops file %s: %w", path, err)
	}
	f, err := parseShops(data, dir, env, resolve)
	if err != nil {
		var verr *ValidationError
		if errors.As(err, &verr) {
			verr.Source = "shops file " + path
		}
		return nil, err
	}
	f.Path = path
	return f, nil
}

func readShopsFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open shops file: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxShopsFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read shops file %s: %w", path, err)
	}
	if len(data) > maxShopsFileSize {
		return nil, fmt.Errorf("shops file %s is larger than %d bytes", path, maxShopsFileSize)
	}
	return data, nil
}

// ParseShops is LoadShops on the file's content: relative paths are resolved
// against dir ("" leaves them relative to the working directory).
func ParseShops(data []byte, dir string, env func(string) (string, bool)) (*ShopsFile, error) {
	return parseShops(data, dir, env, true)
}

func parseShops(data []byte, dir string, env func(string) (string, bool), resolve bool) (*ShopsFile, error) {
	var probs problems
	var f ShopsFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&f)
	var terr *yaml.TypeError
	switch {
	case err == io.EOF:
		probs.add("the file is empty; list the shops under shops:")
		return nil, probs.err("")
	case errors.As(err, &terr):
		// Fields that did decode are still validated below, so that one
		// pass shows every problem.
		where := shopLines(data)
		for _, msg := range terr.Errors {
			probs = append(probs, where.explain(msg))
		}
	case err != nil:
		probs.add("%v", err)
		return nil, probs.err("")
	}
	if err == nil || terr != nil {
		if dec.Decode(new(yaml.Node)) != io.EOF {
			probs.add("the file holds more than one YAML document; list every shop under one shops:")
		}
	}
	if len(f.Shops) == 0 {
		probs.add("no shops: list at least one shop under shops:")
	}

	codes := make(map[string]int)    // code → index
	stores := make(map[[2]int64]int) // merchant, store → index
	for i := range f.Shops {
		s := &f.Shops[i]
		s.ApplyDefaults()
		s.resolvePaths(dir)
		label := shopLabel(s.Code, i)
		probs = append(probs, s.problems(label)...)
		if s.Code != "" {
			if prev, dup := codes[s.Code]; dup {
				probs.add("%s: code: used by shop #%d too; codes must be unique", label, prev+1)
			} else {
				codes[s.Code] = i
			}
		}
		if key := [2]int64{s.Logiless.MerchantID, s.Logiless.StoreID}; key[0] > 0 && key[1] > 0 {
			if prev, dup := stores[key]; dup {
				probs.add("%s: logiless.store_id: store %d of merchant %d is already used by %s; each ecforce shop needs its own LOGILESS store",
					label, key[1], key[0], shopLabel(f.Shops[prev].Code, prev))
			} else {
				stores[key] = i
			}
		}
		if resolve {
			s.resolveSecrets(label, env, &probs)
		}
	}
	probs = append(probs, codeCollisions(f.Shops)...)
	if err := probs.err(""); err != nil {
		return nil, err
	}
	return &f, nil
}

// shopLabel names a shop in messages: its code, or its position.
func shopLabel(code string, i int) string {
	if code == "" {
		return fmt.Sprintf("shop #%d", i+1)
	}
	return fmt.Sprintf("shop %q", code)
}

// shopStarts records where each shop of a shops file starts, to name the
// shop in the YAML decoder's line-numbered messages.
type shopStarts []struct {
	line  int
	label string
}

func shopLines(data []byte) shopStarts {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil
	}
	var starts shopStarts
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "shops" || root.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for j, item := range root.Content[i+1].Content {
			code := ""
			for k := 0; item.Kind == yaml.MappingNode && k+1 < len(item.Content); k += 2 {
				if item.Content[k].Value == "code" && item.Content[k+1].Kind == yaml.ScalarNode {
					code = item.Content[k+1].Value
				}
			}
			starts = append(starts, struct {
				line  int
				label string
			}{item.Line, shopLabel(code, j)})
		}
	}
	return starts
}

var (
	yamlLineRE     = regexp.MustCompile(`^line (\d+): `)
	yamlNotFoundRE = regexp.MustCompile(`field (\S+) not found in type config\.(\w+)`)
	yamlTypePaths  = map[string]string{
		"ShopsFile":              "the top level (only shops: is allowed)",
		"Shop":                   "a shop",
		"EcforceSettings":        "ecforce",
		"LogilessSettings":       "logiless",
		"OrderImportSettings":    "order_import",
		"ShipmentSettings":       "shipment_notification",
		"StockSyncSettings":      "stock_sync",
		"MappingRefreshSettings": "mapping_refresh",
	}
)

// explain rewrites a YAML decoder message in the shops file's terms and
// prefixes the shop it concerns.
func (s shopStarts) explain(msg string) string {
	msg = yamlNotFoundRE.ReplaceAllStringFunc(msg, func(m string) string {
		sub := yamlNotFoundRE.FindStringSubmatch(m)
		if path, ok := yamlTypePaths[sub[2]]; ok {
			return fmt.Sprintf("unknown setting %s in %s", sub[1], path)
		}
		return m
	})
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	line, _ := strconv.Atoi(m[1])
	label := ""
	for _, st := range s {
		if st.line <= line {
			label = st.label
		}
	}
	if label == "" {
		return msg
	}
	return label + ": " + msg
}
