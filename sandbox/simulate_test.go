package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

func TestSimulate(t *testing.T) {
	s, _ := startTest(t)
	if err := SeedDemo(s.Ecforce, s.Logiless); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Logiless.SeedSalesOrder(sandboxtest.ValidSalesOrder("SIM-1", map[string]any{"article_code": "MUG-BLU", "article_name": "マグ", "quantity": 1})); err != nil {
		t.Fatal(err)
	}
	before := len(s.Ecforce.Orders())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Simulate(ctx, s.Ecforce, s.Logiless, SimulateConfig{Interval: 5 * time.Millisecond, MaxOrders: 3, Seed: 42, Logger: sandboxtest.QuietLogger})
	}()
	deadline := time.Now().Add(3 * time.Second)
	for {
		o, _ := s.Logiless.SalesOrder("SIM-1")
		if o.DocumentStatus == logilessapi.StatusShipped && len(s.Ecforce.Orders()) == before+3 {
			if o.DeliveryTrackingNumber == "" {
				t.Error("shipped without a tracking number")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("simulation did not ship/create in time: %s, %d orders", o.DocumentStatus, len(s.Ecforce.Orders()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond) // more ticks: the order cap must hold
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Second):
		t.Fatal("Simulate did not stop on cancel")
	}
	if n := len(s.Ecforce.Orders()); n != before+3 {
		t.Errorf("MaxOrders not respected: %d new orders", n-before)
	}
}
