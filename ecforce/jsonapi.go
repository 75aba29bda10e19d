package ecforce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode"

	"github.com/ecforce-logiless/connector/jsonlenient"
)

// document is a decoded JSON:API-style response:
// {data (object|array|null), included[], meta{...}, links{...}}.
type document struct {
	// data holds the primary resources; a single object becomes one element.
	data []resource
	// single reports that data was an object rather than an array.
	single   bool
	included []resource
	meta     pageMeta
	// byID indexes included resources by id for relationship resolution.
	byID map[string][]int
}

// pageMeta is the pagination block of a list response. Zero means absent.
type pageMeta struct {
	TotalCount jsonlenient.Int `json:"total_count"`
	Page       jsonlenient.Int `json:"page"`
	Per        jsonlenient.Int `json:"per"`
	Count      jsonlenient.Int `json:"count"`
	TotalPages jsonlenient.Int `json:"total_pages"`
}

// resource is one JSON:API resource object.
type resource struct {
	ID            jsonlenient.String      `json:"id"`
	Type          jsonlenient.String      `json:"type"`
	Attributes    json.RawMessage         `json:"attributes"`
	Relationships map[string]relationship `json:"relationships"`
}

// relationship is {data: object|array|null}; refs holds the linkage.
type relationship struct {
	refs []resourceRef
}

type resourceRef struct {
	ID   jsonlenient.String `json:"id"`
	Type jsonlenient.String `json:"type"`
}

// UnmarshalJSON accepts data as an object, an array of objects, null or absent.
func (r *relationship) UnmarshalJSON(b []byte) error {
	var raw struct {
		Data json.RawMessage `json:"data"`
	}
	if isNull(b) {
		return nil
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("relationship: %w", err)
	}
	refs, err := decodeOneOrMany[resourceRef](raw.Data)
	if err != nil {
		return fmt.Errorf("relationship data: %w", err)
	}
	r.refs = refs
	return nil
}

// decodeDocument parses a response body. It fails when the body is not a JSON
// object or has no "data" member; it does not check relationships (see find).
func decodeDocument(body []byte) (*document, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, errors.New("the body is not a JSON object")
	}
	var raw struct {
		Data     json.RawMessage `json:"data"`
		Included []resource      `json:"included"`
		Meta     *pageMeta       `json:"meta"`
		Links    json.RawMessage `json:"links"`
	}
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		return nil, err
	}
	if raw.Data == nil {
		return nil, errors.New(`the document has no "data" member`)
	}
	doc := &document{included: raw.Included}
	if raw.Meta != nil {
		doc.meta = *raw.Meta
	}
	d := bytes.TrimSpace(raw.Data)
	doc.single = len(d) > 0 && d[0] == '{'
	data, err := decodeOneOrMany[resource](d)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	doc.data = data
	doc.byID = make(map[string][]int, len(doc.included))
	for i, inc := range doc.included {
		id := strings.TrimSpace(string(inc.ID))
		doc.byID[id] = append(doc.byID[id], i)
	}
	return doc, nil
}

// decodeOneOrMany decodes null (nothing), one object or an array of objects.
func decodeOneOrMany[T any](b json.RawMessage) ([]T, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || isNull(b) {
		return nil, nil
	}
	switch b[0] {
	case '{':
		var one T
		if err := json.Unmarshal(b, &one); err != nil {
			return nil, err
		}
		return []T{one}, nil
	case '[':
		var many []T
		if err := json.Unmarshal(b, &many); err != nil {
			return nil, err
		}
		return many, nil
	}
	return nil, fmt.Errorf("expected an object, an array or null, got %s", clip(string(b), 20))
}

func isNull(b []byte) bool { return string(bytes.TrimSpace(b)) == "null" }

// decodeAttributes decodes a resource's attributes into v; absent or null
// attributes leave v at its zero value.
func (r *resource) decodeAttributes(v any) error {
	if len(bytes.TrimSpace(r.Attributes)) == 0 || isNull(r.Attributes) {
		return nil
	}
	err := json.Unmarshal(r.Attributes, v)
	if err == nil {
		return nil
	}
	// Name the attribute that failed: encoding/json does not for a
	// value's own UnmarshalJSON (e.g. "abc" where a number is expected).
	var fields map[string]json.RawMessage
	if json.Unmarshal(r.Attributes, &fields) != nil {
		return err
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		one, _ := json.Marshal(map[string]json.RawMessage{k: fields[k]})
		if json.Unmarshal(one, reflect.New(reflect.TypeOf(v).Elem()).Interface()) != nil {
			return fmt.Errorf("attribute %s: %w", k, err)
		}
	}
	return err
}

// rel returns the linkage of the named relationship, matching the name
// exactly first and then ignoring case, hyphens and camelCase ("orderItems",
// "order-items" for "order_items"). ok is false when there is no such key.
func (r *resource) rel(name string) (refs []resourceRef, ok bool) {
	if rel, found := r.Relationships[name]; found {
		return rel.refs, true
	}
	want := snake(name)
	for k, rel := range r.Relationships {
		if snake(k) == want {
			return rel.refs, true
		}
	}
	return nil, false
}

// find resolves a relationship reference against the included resources:
// same id, and a type that matches exactly after normalisation, else
// leniently (see typesMatch). wantType is used when the reference carries
// no type.
func (d *document) find(ref resourceRef, wantType string) (*resource, bool) {
	typ := string(ref.Type)
	if strings.TrimSpace(typ) == "" {
		typ = wantType
	}
	candidates := d.byID[strings.TrimSpace(string(ref.ID))]
	for _, i := range candidates {
		if normType(string(d.included[i].Type)) == normType(typ) {
			return &d.included[i], true
		}
	}
	for _, i := range candidates {
		if typesMatch(string(d.included[i].Type), typ) {
			return &d.included[i], true
		}
	}
	return nil, false
}

// typesMatch compares resource types leniently: case, hyphens, camelCase and
// plurals are ignored ("order_item", "order_items", "order-item", "OrderItem"),
// and a qualified type matches its base ("shipping_address" and "address").
// An empty type matches anything.
func typesMatch(a, b string) bool {
	na, nb := normType(a), normType(b)
	if na == "" || nb == "" || na == nb {
		return true
	}
	return strings.HasSuffix(na, "_"+nb) || strings.HasSuffix(nb, "_"+na)
}

// normType is snake(t) with the last word made singular.
func normType(t string) string { return singular(snake(t)) }

// snake lower-cases s, turns hyphens and spaces into underscores and splits
// camelCase words with underscores.
func snake(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(s) + 4)
	prevLower := false
	for _, r := range s {
		switch {
		case r == '-' || r == ' ' || r == '.':
			b.WriteByte('_')
			prevLower = false
		case unicode.IsUpper(r):
			if prevLower {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			prevLower = false
		default:
			b.WriteRune(r)
			prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		}
	}
	return b.String()
}

// singular undoes English plurals well enough for API type names.
func singular(w string) string {
	switch {
	case strings.HasSuffix(w, "sses"):
		return w[:len(w)-2] // addresses → address
	case strings.HasSuffix(w, "ies") && len(w) > 3:
		return w[:len(w)-3] + "y" // deliveries → delivery
	case strings.HasSuffix(w, "ss"):
		return w // address
	case strings.HasSuffix(w, "s") && len(w) > 1:
		return w[:len(w)-1] // order_items → order_item
	}
	return w
}
