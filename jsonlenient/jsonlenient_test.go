package jsonlenient

import (
	"encoding/json"
	"testing"
)

func TestIntDecoding(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{`7621`, 7621, false},
		{`"7621"`, 7621, false},
		{`" 7621 "`, 7621, false},
		{`"1,000"`, 1000, false},
		{`12.0`, 12, false},
		{`"-3"`, -3, false},
		{`null`, 0, false},
		{`""`, 0, false},
		{`1e3`, 1000, false},
		{`12.5`, 0, true},
		{`"abc"`, 0, true},
		{`{}`, 0, true},
		{`[1]`, 0, true},
		{`true`, 0, true},
		{`"1e400"`, 0, true},
	}
	for _, tt := range tests {
		var got Int
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr {
			t.Errorf("Int(%s): err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && int64(got) != tt.want {
			t.Errorf("Int(%s) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestIntEncodesAsNumber(t *testing.T) {
	b, err := json.Marshal(struct{ N Int }{N: 42})
	if err != nil || string(b) != `{"N":42}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
}

func TestStringDecoding(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{`"96704"`, "96704", false},
		{`96704`, "96704", false},
		{`null`, "", false},
		{`"ヤマト"`, "ヤマト", false},
		{`{"a":1}`, "", true},
	}
	for _, tt := range tests {
		var got String
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr || (!tt.wantErr && string(got) != tt.want) {
			t.Errorf("String(%s) = %q, %v; want %q, wantErr %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestBoolDecoding(t *testing.T) {
	tests := []struct {
		in      string
		want    bool
		wantErr bool
	}{
		{`true`, true, false},
		{`false`, false, false},
		{`1`, true, false},
		{`0`, false, false},
		{`"1"`, true, false},
		{`"true"`, true, false},
		{`null`, false, false},
		{`"yes"`, false, true},
		{`2`, false, true},
	}
	for _, tt := range tests {
		var got Bool
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr || (!tt.wantErr && bool(got) != tt.want) {
			t.Errorf("Bool(%s) = %v, %v; want %v, wantErr %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzParseInt(f *testing.F) {
	for _, s := range []string{`1`, `"1,000"`, `null`, `1.5`, `"x"`, `-0`, `1e19`, `"  "`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ParseInt(data)
		if err != nil {
			return
		}
		// A successful parse must re-encode to a number that parses back to itself.
		b, merr := json.Marshal(Int(n))
		if merr != nil {
			t.Fatalf("marshal %d: %v", n, merr)
		}
		back, perr := ParseInt(b)
		if perr != nil || back != n {
			t.Fatalf("round trip %d -> %s -> %d, %v", n, b, back, perr)
		}
	})
}
