package logilessapi

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// ValidationError is a LOGILESS "Validation Failed" error: field → message.
// Over HTTP it is the 400 body {"code":400,"message":"Validation Failed","errors":{…}}.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "Validation Failed: " + strings.Join(parts, "; ")
}

// Validation messages (Symfony's Japanese translations, as a PHP backend
// would produce them; the exact real wording is not known).
const (
	msgBlank         = "値が空であってはなりません。"
	msgInvalidChoice = "選択した値は有効ではありません。"
	msgInvalidValue  = "この値は有効ではありません。"
	msgNotPositive   = "0より大きな値にしてください。"
	msgNegative      = "0以上の値にしてください。"
	msgBadDate       = "有効な日付ではありません。"
	msgBadDateTime   = "有効な日時ではありません。"
	msgDuplicateCode = "この受注コードは既に使用されています"
	msgBadOrderCode  = "受注コードは半角英数字とハイフンのみ、30文字以内で入力してください。"
	msgDuplicateArt  = "この商品コードは既に使用されています"
	msgUnknownArt    = "商品マスタがありません"
)

// fieldReader pulls loosely typed fields out of a JSON object and collects
// validation errors under prefix+name.
type fieldReader struct {
	raw    map[string]json.RawMessage
	prefix string
	errs   map[string]string
}

func (f *fieldReader) fail(name, msg string) {
	if _, dup := f.errs[f.prefix+name]; !dup {
		f.errs[f.prefix+name] = msg
	}
}

func (f *fieldReader) str(name string, required bool) string {
	s, ok, err := httpfake.LooseString(f.raw[name])
	switch {
	case err != nil:
		f.fail(name, msgInvalidValue)
	case required && (!ok || strings.TrimSpace(s) == ""):
		f.fail(name, msgBlank)
	}
	return s
}

func (f *fieldReader) integer(name string, required bool, def int64) int64 {
	n, ok, err := httpfake.LooseInt(f.raw[name])
	switch {
	case err != nil:
		f.fail(name, msgInvalidValue)
	case !ok && required:
		f.fail(name, msgBlank)
	case !ok:
		return def
	}
	return n
}

func (f *fieldReader) enum(name string, required bool, def string, allowed []string) string {
	s := f.str(name, required)
	if s == "" {
		return def
	}
	if !slices.Contains(allowed, s) {
		f.fail(name, msgInvalidChoice)
	}
	return s
}

func (f *fieldReader) date(name string) string {
	s := f.str(name, false)
	if s == "" {
		return ""
	}
	if _, err := time.ParseInLocation(dateLayout, s, httpfake.JST); err != nil {
		f.fail(name, msgBadDate)
	}
	return s
}

func (f *fieldReader) datetime(name string) time.Time {
	s := f.str(name, false)
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(timeLayout, s, httpfake.JST)
	if err != nil {
		f.fail(name, msgBadDateTime)
	}
	return t
}

// objects decodes an array of JSON objects; ok=false when absent or null.
func (f *fieldReader) objects(name string) ([]map[string]json.RawMessage, bool) {
	raw := f.raw[name]
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false
	}
	var out []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		f.fail(name, msgInvalidValue)
		return nil, false
	}
	return out, true
}
