package logiless

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/jsonlenient"
)

// This file holds the lenient decoding of LOGILESS answers. The wire types
// are unexported so that the exported result types keep a plain JSON form
// (they travel through Temporal payloads).

const (
	timeLayout = "2006-01-02 15:04:05" // LOGILESS "Y-m-d H:i:s", JST
	dateLayout = "2006-01-02"          // "Y-m-d"
)

// formatTime writes t as LOGILESS expects it: Y-m-d H:i:s in JST.
func formatTime(t time.Time) string { return t.In(jst).Format(timeLayout) }

// wireTime is a LOGILESS timestamp: "Y-m-d H:i:s" in JST, also accepted
// as RFC 3339, a bare date, null, "" or PHP's zero date.
type wireTime time.Time

func (w *wireTime) UnmarshalJSON(data []byte) error {
	var s jsonlenient.String
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("time: %w", err)
	}
	t, err := parseTime(string(s))
	if err != nil {
		return err
	}
	*w = wireTime(t)
	return nil
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "0000-00-00") {
		return time.Time{}, nil
	}
	for _, layout := range []string{timeLayout, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006/01/02 15:04:05", dateLayout} {
		if t, err := time.ParseInLocation(layout, s, jst); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.In(jst), nil
		}
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return time.Time{}, fmt.Errorf("time %q is not in LOGILESS's Y-m-d H:i:s form", s)
}

// wireRef is a reference that LOGILESS sends either as an object
// ({"id":…,"code":…,"name":…}) or as a bare id.
type wireRef struct {
	ID   int64
	Code string
	Name string
}

func (r *wireRef) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		var obj struct {
			ID   jsonlenient.Int    `json:"id"`
			Code jsonlenient.String `json:"code"`
			Name jsonlenient.String `json:"name"`
		}
		if err := json.Unmarshal(data, &obj); err != nil {
			return err
		}
		*r = wireRef{ID: int64(obj.ID), Code: string(obj.Code), Name: string(obj.Name)}
		return nil
	}
	var id jsonlenient.Int
	if err := json.Unmarshal(data, &id); err != nil {
		return err
	}
	*r = wireRef{ID: int64(id)}
	return nil
}

// wireCodeRef is an article reference sent as a code string or as an
// article object.
type wireCodeRef string

func (r *wireCodeRef) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		var obj struct {
			Code jsonlenient.String `json:"code"`
		}
		if err := json.Unmarshal(data, &obj); err != nil {
			return err
		}
		*r = wireCodeRef(obj.Code)
		return nil
	}
	var s jsonlenient.String
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	*r = wireCodeRef(s)
	return nil
}

// wireOptInt is a lenient integer that remembers whether it was set
// (null and "" are unset).
type wireOptInt struct {
	set bool
	v   int64
}

func (o *wireOptInt) UnmarshalJSON(data []byte) error {
	trimmed := bytes.TrimSpace(data)
	if string(trimmed) == "null" || string(trimmed) == `""` {
		*o = wireOptInt{}
		return nil
	}
	n, err := jsonlenient.ParseInt(data)
	if err != nil {
		return err
	}
	*o = wireOptInt{set: true, v: n}
	return nil
}

func (o wireOptInt) ptr() *int64 {
	if !o.set {
		return nil
	}
	v := o.v
	return &v
}

// wireStrings is a list of strings that may arrive as an array (of strings
// or numbers), a single string, a comma-separated string, or null.
type wireStrings []string

func (w *wireStrings) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var items []jsonlenient.String
		if err := json.Unmarshal(data, &items); err != nil {
			return err
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			if s := strings.TrimSpace(string(it)); s != "" {
				out = append(out, s)
			}
		}
		*w = out
		return nil
	}
	var s jsonlenient.String
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	var out []string
	for _, part := range strings.Split(string(s), ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	*w = out
	return nil
}

// wirePage is the envelope of list answers.
type wirePage[T any] struct {
	Data        []T              `json:"data"`
	CurrentPage jsonlenient.Int  `json:"current_page"`
	Limit       jsonlenient.Int  `json:"limit"`
	TotalCount  *jsonlenient.Int `json:"total_count"`
}

// decodeList reads the "data" array of a search answer; a bare array is
// accepted too.
func decodeList[T any](body []byte) ([]T, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var items []T
		err := json.Unmarshal(trimmed, &items)
		return items, err
	}
	var env struct {
		Data []T `json:"data"`
	}
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return nil, err
	}
	return env.Data, nil
}

// decodeOne reads a single record, unwrapping {"<key>":{…}} or
// {"data":{…}} when LOGILESS wraps it.
func decodeOne[T any](body []byte, key string) (T, error) {
	var zero T
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return zero, err
	}
	if _, hasID := probe["id"]; !hasID {
		for _, k := range []string{key, "data"} {
			if raw, ok := probe[k]; ok && len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] == '{' {
				body = raw
				break
			}
		}
	}
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		return zero, err
	}
	return v, nil
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
