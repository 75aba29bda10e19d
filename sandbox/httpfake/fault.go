package httpfake

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Fault describes a misbehaviour injected into the next Times API requests
// whose method and path match. Faults never apply to /_sandbox/ control
// endpoints. Several effects combine: Delay happens first, then the first of
// AfterApply, Drop, Malformed, Status applies.
//
// JSON form (POST /_sandbox/faults):
//
//	{"method":"PUT","path_prefix":"/api/v2/admin/orders/shipping","times":1,
//	 "status":500,"body":"…","headers":{"Retry-After":"2"},"delay_ms":1500,
//	 "drop":false,"malformed":false,"after_apply":true}
type Fault struct {
	// Method matches the request method; empty matches any method.
	Method string `json:"method,omitempty"`
	// PathPrefix matches the start of the request path (a ".json" suffix is
	// ignored on both sides); empty matches every API path.
	PathPrefix string `json:"path_prefix,omitempty"`
	// Times is how many matching requests are affected: 0 means 1, a
	// negative value means every matching request until the fault is cleared.
	Times int `json:"times,omitempty"`
	// Status, when non-zero, answers with this status instead of the real
	// response (or, with AfterApply, after performing the real request).
	Status int `json:"status,omitempty"`
	// Body is the response body for Status; empty picks the API's usual body
	// for that status (e.g. ecforce 500 → AOR9999, 429 → "Retry later").
	Body string `json:"body,omitempty"`
	// Headers are added to the response (e.g. Retry-After, X-RateLimit-*).
	Headers map[string]string `json:"headers,omitempty"`
	// Delay is slept before anything else (cut short if the client gives up).
	Delay time.Duration `json:"-"`
	// Drop hijacks the connection and closes it without an answer.
	Drop bool `json:"drop,omitempty"`
	// Malformed serves the real response with its body cut in half, so the
	// JSON is truncated.
	Malformed bool `json:"malformed,omitempty"`
	// AfterApply performs the real request (its write happens), discards the
	// real answer and replies with Status (default 500), or drops the
	// connection when Drop is also set. Proves clients do not write twice.
	AfterApply bool `json:"after_apply,omitempty"`
	// Probability, between 0 and 1 exclusive, affects each matching
	// request only with this chance (Times then counts the affected ones):
	// faults spread at random over a long run, as in `make chaos`.
	Probability float64 `json:"probability,omitempty"`
	// Kind names the fault in FaultCounts; empty derives it from the
	// effects ("after_apply 500", "drop", "malformed", "status 429",
	// "slow").
	Kind string `json:"kind,omitempty"`
}

// kind is what FaultCounts counts f under.
func (f *Fault) kind() string {
	switch {
	case f.Kind != "":
		return f.Kind
	case f.AfterApply && f.Drop:
		return "after_apply drop"
	case f.AfterApply:
		status := f.Status
		if status == 0 {
			status = 500
		}
		return "after_apply " + strconv.Itoa(status)
	case f.Drop:
		return "drop"
	case f.Malformed:
		return "malformed"
	case f.Status != 0:
		return "status " + strconv.Itoa(f.Status)
	}
	return "slow"
}

type faultJSON struct {
	faultAlias
	DelayMS int64 `json:"delay_ms,omitempty"`
}

type faultAlias Fault

// MarshalJSON encodes Delay as delay_ms.
func (f Fault) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultJSON{faultAlias: faultAlias(f), DelayMS: f.Delay.Milliseconds()})
}

// UnmarshalJSON decodes delay_ms into Delay.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Fault(j.faultAlias)
	f.Delay = time.Duration(j.DelayMS) * time.Millisecond
	return nil
}

func (f *Fault) matches(method, path string) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, method) {
		return false
	}
	return strings.HasPrefix(path, strings.TrimSuffix(f.PathPrefix, ".json"))
}
