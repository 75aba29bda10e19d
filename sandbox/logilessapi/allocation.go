package logilessapi

// tryAllocateLocked allocates a whole order if every line's article has
// enough free stock (all or nothing).
func (l *Server) tryAllocateLocked(o *SalesOrder) bool {
	if o.WaitingForConfirmation || o.DocumentStatus != StatusWaitingForAllocation {
		return false
	}
	need := map[string]int{}
	for _, ln := range o.Lines {
		if !ln.IsParent && ln.Status == StatusWaitingForAllocation {
			need[ln.ArticleCode] += ln.Quantity
		}
	}
	for code, q := range need {
		inv := l.inv[code]
		if inv.available-inv.allocated < q {
			return false
		}
	}
	now := l.clock()
	for i := range o.Lines {
		ln := &o.Lines[i]
		if ln.Status != StatusWaitingForAllocation {
			continue
		}
		ln.Status = StatusAllocated
		if ln.IsParent {
			continue
		}
		inv := l.inv[ln.ArticleCode]
		inv.allocated += ln.Quantity
		inv.stockOut -= ln.Quantity
		inv.updatedAt = now
		ln.AllocatedQuantity = ln.Quantity
	}
	o.AllocationStatus = StatusAllocated
	o.DocumentStatus = StatusWaitingForShipment
	for i := range o.Deliveries {
		d := &o.Deliveries[i]
		if d.DocumentStatus != StatusCancel {
			d.AllocationStatus, d.DocumentStatus, d.UpdatedAt = StatusAllocated, StatusWaitingForShipment, now
		}
	}
	o.UpdatedAt = now
	return true
}

// allocatePendingLocked allocates waiting orders in id order while stock lasts.
func (l *Server) allocatePendingLocked() {
	for _, o := range l.orders {
		l.tryAllocateLocked(o)
	}
}
