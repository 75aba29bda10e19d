package ecforceapi

import (
	"errors"
	"fmt"
	"regexp"
)

// ErrNotFound is returned (wrapped) by Go methods given an unknown order id.
var ErrNotFound = errors.New("not found")

// OrderState is one 対応状況: a machine key and its label.
type OrderState struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// AddOrderState adds (or relabels) a 対応状況.
func (e *Server) AddOrderState(key, label string) error {
	if !stateKeyRE.MatchString(key) {
		return fmt.Errorf("state key %q: want lowercase letters, digits and underscores", key)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.states {
		if e.states[i].Key == key {
			e.states[i].Label = label
			return nil
		}
	}
	e.states = append(e.states, OrderState{Key: key, Label: label})
	return nil
}

var stateKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func (e *Server) stateLabelLocked(key string) (string, bool) {
	for _, s := range e.states {
		if s.Key == key {
			return s.Label, true
		}
	}
	return "", false
}

// CancelOrder moves the order to キャンセル (state canceled), as a shop
// operator does in the admin; updated_at moves. Like ecforce, it does not
// void the payment.
func (e *Server) CancelOrder(id int64) (Order, error) {
	return e.changeOrder(id, "cancel order", func(o *Order) error {
		o.State = "canceled"
		return nil
	})
}

// CompletePayment records that the order's payment arrived (a bank
// transfer or convenience-store payment made after the order): its
// payment_state becomes state ("paid" when empty), updated_at moves.
func (e *Server) CompletePayment(id int64, state string) (Order, error) {
	if state == "" {
		state = "paid"
	}
	return e.changeOrder(id, "complete payment", func(o *Order) error {
		if o.State == "canceled" {
			return fmt.Errorf("order %d is canceled", id)
		}
		o.PaymentState = state
		return nil
	})
}

func (e *Server) changeOrder(id int64, action string, change func(*Order) error) (Order, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.ordersByID[id]
	if o == nil {
		return Order{}, fmt.Errorf("%s %d: %w", action, id, ErrNotFound)
	}
	before := o.State
	if err := change(o); err != nil {
		return Order{}, fmt.Errorf("%s: %w", action, err)
	}
	o.UpdatedAt = e.clock()
	e.webhookEventsLocked(false, before, o)
	return cloneOrder(o), nil
}
