// Package httpfake is the HTTP layer the sandbox's two fake APIs share.
//
// It owns the [FrontDoor] every request enters by: requests under /_sandbox/
// go to the control endpoints; every other request is counted per endpoint,
// may meet a queued [Fault], passes the token-bucket [RateLimit] (burst 1 by
// default; the [DoorConfig] LimitedPaths, /api/ unless set) and is logged on its way to the API's own handler. It also owns
// the control endpoints both servers answer (state, request counts, faults,
// rate limit, reset and the index), the plumbing of the control endpoints
// each server adds ([ControlMux], [ForEachInBody]), and the encoding both APIs
// share: JSON bodies, loosely typed request values, JST times and random
// tokens. What differs between the APIs (their error bodies, rate-limit
// headers, the ".json" suffix) is set in [DoorConfig].
package httpfake
