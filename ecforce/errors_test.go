package ecforce

import "testing"

func TestErrorBody(t *testing.T) {
	tests := []struct {
		name                string
		body                string
		wantCode, wantMsg   string
		wantField, wantFval string
	}{
		{"ecforce errors", `{"errors":[{"code":"AOR2001","message":"orderが見つかりません。"},{"code":"AOR3002","message":"x"}]}`, "AOR2001", "orderが見つかりません。; x", "", ""},
		{"strings", `{"errors":["a","b"]}`, "", "a; b", "", ""},
		{"field map", `{"errors":{"state":["is invalid"]}}`, "", "", "state", "is invalid"},
		{"error string", `{"error":"You need to sign in"}`, "", "You need to sign in", "", ""},
		{"plain text", "Retry later\n", "", "Retry later", "", ""},
		{"html", "<html><body>blocked</body></html>", "", "<html><body>blocked</body></html>", "", ""},
		{"unknown json", `{"foo":1}`, "", `{"foo":1}`, "", ""},
		{"empty", "", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg, fields := parseErrorBody([]byte(tt.body))
			if code != tt.wantCode || msg != tt.wantMsg {
				t.Errorf("parseErrorBody = %q, %q; want %q, %q", code, msg, tt.wantCode, tt.wantMsg)
			}
			if tt.wantField != "" && fields[tt.wantField] != tt.wantFval {
				t.Errorf("fields = %v", fields)
			}
		})
	}
}
