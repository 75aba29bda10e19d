package ecforceapi

import (
	"fmt"
	"regexp"
)

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
