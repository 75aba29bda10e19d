package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The activity option presets of every flow, in one place so that their
// timeouts and retries can be compared and read together.

// lostWorkerHeartbeat is the heartbeat timeout of the steps that call the
// APIs: they beat at least every 5 s while alive (httpapi's wait beat, also
// while a request is in flight), so the work of a killed worker is retried
// on another one within this plus the first retry interval (5 s): about
// 25 s. 売上処理 keeps 30 s (it beats at every read, up to 15 s apart).
const lostWorkerHeartbeat = 20 * time.Second

// listingActivityOptions are those of a discovery's listing activity: it
// pages through an API with heartbeats, and a listing that keeps failing
// fails the run after five attempts, since the next scheduled run starts
// over anyway.
var listingActivityOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Minute,
	HeartbeatTimeout:    lostWorkerHeartbeat,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    5 * time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    2 * time.Minute,
		MaximumAttempts:    5,
	},
}

// orderStepOptions are those of the steps of one order's workflow (an
// import or a shipment notification): API calls take seconds, but a step
// may wait minutes for its turn in the API budget behind a backlog. It
// heartbeats at every request attempt and every 5 s while it waits or a
// request is in flight (activities' priority helpers, httpapi's wait
// beat), so a lost worker is noticed within the heartbeat timeout while a
// waiting step is never timed out. An outage of either API
// keeps the order pending (and visible) for up to a day before it fails and
// is picked up again by a later discovery.
var orderStepOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    15 * time.Minute,
	HeartbeatTimeout:       lostWorkerHeartbeat,
	ScheduleToCloseTimeout: 24 * time.Hour,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    5 * time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    10 * time.Minute,
	},
}

// captureActivityOptions: CaptureSales waits for ecforce's asynchronous
// capture (seconds to minutes; it re-sends a request that never showed
// after the shop's capture_grace and gives up after
// activities.DefaultCaptureSettleTimeout), heartbeating at every read (at
// most 15 s apart) so a lost worker is noticed within 30 s. Its retries
// receive the heartbeat details that say which requests were sent.
var captureActivityOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    45 * time.Minute,
	HeartbeatTimeout:       30 * time.Second,
	ScheduleToCloseTimeout: 24 * time.Hour,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    5 * time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    10 * time.Minute,
	},
}

// workerStateOptions are those of the steps that touch only the worker's
// own settings, mapping table and state files (ShopSwitches, PlanStockSync,
// RecordStockSync): they take milliseconds; retry briefly, then fail the
// run (a later run reads again).
var workerStateOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 20 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    30 * time.Second,
		MaximumAttempts:    5,
	},
}

// stockPageOptions: a page is about 20–30 requests at the APIs' 1 request per
// second. It heartbeats its cursor after every request and every 5 s while
// it waits, so a worker that dies is noticed within the heartbeat timeout
// and the retry resumes where it stopped. An API outage keeps retrying for up to two hours; then the run
// fails, the watermark stays where it was, and the next scheduled run
// picks up everything since.
var stockPageOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    30 * time.Minute,
	HeartbeatTimeout:       lostWorkerHeartbeat,
	ScheduleToCloseTimeout: 2 * time.Hour,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    10 * time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    5 * time.Minute,
	},
}
