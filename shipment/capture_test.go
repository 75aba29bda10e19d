package shipment

import (
	"testing"
	"time"
)

// TestNextCapture walks the cases of the capture rule: what one attempt
// of the capture step does, given what earlier attempts recorded.
func TestNextCapture(t *testing.T) {
	const grace, giveUp = 2 * time.Minute, 30 * time.Minute
	t0 := jstAt(1, 12)
	sentAt := func(d time.Duration) CaptureRequests { return CaptureRequests{}.Recorded(t0.Add(d)) }
	tests := []struct {
		name      string
		requests  CaptureRequests
		now       time.Time
		want      CaptureAction
		wantUntil time.Time
	}{
		{"nothing sent yet: send", CaptureRequests{}, t0, CaptureSend, t0},
		{"a request refused before it applied was not recorded: send again at once", CaptureRequests{}, t0.Add(time.Second), CaptureSend, t0.Add(time.Second)},
		{"a 5xx or a dropped answer: wait out the grace period", sentAt(0), t0.Add(10 * time.Second), CaptureWait, t0.Add(grace)},
		{"a slow job: still within grace, no second request", sentAt(0), t0.Add(grace - time.Second), CaptureWait, t0.Add(grace)},
		{"grace passed and payment_state never moved: send again", sentAt(0), t0.Add(grace), CaptureSend, t0.Add(grace)},
		{"grace passed after the second request too: send a third time", sentAt(0).Recorded(t0.Add(grace)), t0.Add(2 * grace), CaptureSend, t0.Add(2 * grace)},
		{"requests for giveUpAfter and nothing moved: give up", CaptureRequests{First: t0, Last: t0.Add(giveUp - grace), Count: 15}, t0.Add(giveUp), CaptureGiveUp, t0.Add(giveUp)},
		{"giving up waits for the last request's grace too", CaptureRequests{First: t0, Last: t0.Add(giveUp), Count: 16}, t0.Add(giveUp + time.Minute), CaptureWait, t0.Add(giveUp + grace)},
	}
	for _, tt := range tests {
		got, until := NextCapture(tt.requests, tt.now, grace, giveUp)
		if got != tt.want || !until.Equal(tt.wantUntil) {
			t.Errorf("%s: NextCapture = %v until %s, want %v until %s", tt.name, got, until.Format(time.TimeOnly), tt.want, tt.wantUntil.Format(time.TimeOnly))
		}
	}
}

// A worker killed between recording a request and sending it, or after
// sending it, leaves a record that may be older than what happened: the
// next attempt counts a request as late as its own start, so it neither
// leaves the capture unsent nor sends twice within grace.
func TestNextCaptureAfterALostAttempt(t *testing.T) {
	const grace, giveUp = 2 * time.Minute, 30 * time.Minute
	t0 := jstAt(1, 12)
	tests := []struct {
		name     string
		recorded CaptureRequests
		started  time.Time // the retry's start
		now      time.Time
		want     CaptureAction
	}{
		{"killed before its first record reached the server: waits grace from the retry's start",
			CaptureRequests{}, t0.Add(time.Minute), t0.Add(time.Minute + time.Second), CaptureWait},
		{"…and sends once grace has passed with nothing moved",
			CaptureRequests{}, t0.Add(time.Minute), t0.Add(time.Minute + grace), CaptureSend},
		{"killed between recording a second request and sending it: an older record does not allow an early send",
			CaptureRequests{}.Recorded(t0), t0.Add(grace + 10*time.Second), t0.Add(grace + 11*time.Second), CaptureWait},
		{"…and sends after grace from the retry's start",
			CaptureRequests{}.Recorded(t0), t0.Add(grace + 10*time.Second), t0.Add(2*grace + 10*time.Second), CaptureSend},
	}
	for _, tt := range tests {
		r := tt.recorded.AfterLostAttempt(tt.started)
		if got, _ := NextCapture(r, tt.now, grace, giveUp); got != tt.want {
			t.Errorf("%s: NextCapture = %v, want %v (requests %+v)", tt.name, got, tt.want, r)
		}
		if r.Last.Before(tt.started) || r.First.IsZero() {
			t.Errorf("%s: AfterLostAttempt = %+v; want the last request no earlier than the retry's start", tt.name, r)
		}
	}
}

// Whatever the order of records and retries, two sends are never closer
// than grace.
func TestNextCaptureNeverSendsTwiceWithinGrace(t *testing.T) {
	const grace, giveUp = 2 * time.Minute, time.Hour
	t0 := jstAt(1, 12)
	var r CaptureRequests
	var sends []time.Time
	for now := t0; now.Before(t0.Add(giveUp)); now = now.Add(7 * time.Second) {
		if now.Sub(t0)%(5*time.Minute) < 7*time.Second {
			r = r.AfterLostAttempt(now) // a retry after a lost attempt, now and then
		}
		if a, _ := NextCapture(r, now, grace, giveUp); a == CaptureSend {
			sends = append(sends, now)
			r = r.Recorded(now)
		}
	}
	if len(sends) == 0 {
		t.Fatal("never sent")
	}
	for i := 1; i < len(sends); i++ {
		if d := sends[i].Sub(sends[i-1]); d < grace {
			t.Errorf("sends at %s and %s are %s apart, less than grace %s", sends[i-1].Format(time.TimeOnly), sends[i].Format(time.TimeOnly), d, grace)
		}
	}
}
