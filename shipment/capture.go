package shipment

import "time"

// The capture rule: 売上処理 exactly once, never zero, for settlements whose
// capture moves payment_state (Settlement.CaptureMovesPaymentState).
//
// ecforce's capture is an asynchronous job with no status endpoint, so the
// only sign that a request applied is payment_state leaving authed. What
// decides is therefore what ecforce shows, not whether an answer arrived:
//   - a request refused before anything happened (a 4xx answer, a
//     connection refused) did not apply: it is not counted, and is sent
//     again;
//   - a request that may have applied (a 5xx, a connection dropped after
//     sending, a timeout, a worker killed after recording it) gets a grace
//     period to show in payment_state; if the state has not moved when it
//     ends, the request is sent again;
//   - no two requests are ever sent within one grace period, even across
//     a worker that died after recording a request (AfterLostAttempt).
// A request sent again while a slow job is still running does no harm:
// ecforce captures an order once (a second job finds it completed).

// CaptureRequests is what one attempt of the capture step knows of the
// requests sent for one shipment, from the records its earlier attempts
// left.
type CaptureRequests struct {
	// First and Last are when the first and the latest request that may
	// have applied were recorded, just before sending; zero when none was.
	First, Last time.Time
	// Count counts the requests recorded.
	Count int
}

// Recorded returns r with one more request recorded at now.
func (r CaptureRequests) Recorded(now time.Time) CaptureRequests {
	if r.First.IsZero() {
		r.First = now
	}
	r.Last = now
	r.Count++
	return r
}

// AfterLostAttempt is what an attempt must assume when the previous one
// ended without leaving its record (its worker was killed, or its last
// record never reached the server): it may have sent a request after what
// r says, at the latest when this attempt started.
func (r CaptureRequests) AfterLostAttempt(started time.Time) CaptureRequests {
	if started.After(r.Last) {
		r.Last = started
	}
	if r.First.IsZero() {
		r.First = r.Last
	}
	return r
}

// CaptureAction is what the capture step does next.
type CaptureAction int

const (
	// CaptureSend: send the request now.
	CaptureSend CaptureAction = iota
	// CaptureWait: keep reading payment_state until the time returned.
	CaptureWait
	// CaptureGiveUp: requests have been sent for giveUpAfter and
	// payment_state never moved; an operator must look.
	CaptureGiveUp
)

// NextCapture decides, at now, for an order whose payment_state still
// waits for its capture (authed): send when nothing was sent; wait while
// the latest request is younger than grace; once grace has passed without
// the state moving, send again, or give up when the first request is
// older than giveUpAfter. It never returns CaptureSend within grace of the
// latest request.
func NextCapture(r CaptureRequests, now time.Time, grace, giveUpAfter time.Duration) (CaptureAction, time.Time) {
	if r.Last.IsZero() {
		return CaptureSend, now
	}
	if due := r.Last.Add(grace); now.Before(due) {
		return CaptureWait, due
	}
	if now.Sub(r.First) >= giveUpAfter {
		return CaptureGiveUp, now
	}
	return CaptureSend, now
}
