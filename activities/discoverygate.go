package activities

import (
	"context"
	"fmt"
	"time"
)

// SchedulePauses reads whether a Temporal Schedule is paused; a schedule
// that does not exist is not paused.
type SchedulePauses interface {
	SchedulePaused(ctx context.Context, scheduleID string) (bool, error)
}

// DiscoveryGateInput names the shop of a discovery loop and its flow's
// schedule.
type DiscoveryGateInput struct {
	Shop       string
	ScheduleID string
}

// DiscoveryGateResult is what a discovery loop checks before each
// discovery: the shop's switches, whether the flow's schedule is paused
// (in the Web UI or by the shops file), and the intervals the shops file
// sets now.
type DiscoveryGateResult struct {
	Switches                     ShopSwitchesResult
	SchedulePaused               bool
	OrderImportInterval          time.Duration
	ShipmentNotificationInterval time.Duration
}

// DiscoveryGate reads the shop's switches and intervals and the paused
// state of its flow's schedule.
//
// Idempotent: it only reads the worker's settings and the schedule.
func (a *Switches) DiscoveryGate(ctx context.Context, in DiscoveryGateInput) (DiscoveryGateResult, error) {
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return DiscoveryGateResult{}, err
	}
	s := shop.Settings
	res := DiscoveryGateResult{
		Switches:                     SwitchesOf(s),
		OrderImportInterval:          s.OrderImport.Interval,
		ShipmentNotificationInterval: s.ShipmentNotification.Interval,
	}
	if a.Schedules != nil && in.ScheduleID != "" {
		if res.SchedulePaused, err = a.Schedules.SchedulePaused(ctx, in.ScheduleID); err != nil {
			return res, fmt.Errorf("read whether schedule %s of shop %s is paused: %w; retry later", in.ScheduleID, in.Shop, err)
		}
	}
	return res, nil
}
