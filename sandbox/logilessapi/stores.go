package logilessapi

import (
	"errors"
	"slices"
)

// Store is a store (店舗) of the merchant.
type Store struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// AddStore adds (or renames) a store.
func (l *Server) AddStore(s Store) error {
	if s.ID <= 0 || s.Name == "" {
		return errors.New("store needs a positive id and a name")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.stores {
		if l.stores[i].ID == s.ID {
			l.stores[i] = s
			return nil
		}
	}
	l.stores = append(l.stores, s)
	slices.SortFunc(l.stores, func(a, b Store) int { return int(a.ID - b.ID) })
	return nil
}

func (l *Server) storeLocked(id int64) (Store, bool) {
	for _, s := range l.stores {
		if s.ID == id {
			return s, true
		}
	}
	return Store{}, false
}
