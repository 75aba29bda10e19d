package ecforce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ecforce-logiless/connector/jsonlenient"
)

// BulkResult is ecforce's per-record answer to a bulk write (shipping update,
// stock update). A bulk call answers 200 even when records fail, so callers
// must look at Failure and Errors.
//
// Ids are normalised to strings: an order id ("88111"), an order id with its
// shipping address id ("88111-120", for orders with several destinations),
// or for stock updates the SKU.
type BulkResult struct {
	Success []string
	Failure []string
	Errors  []BulkError
}

// BulkError explains why one record of a bulk write failed.
type BulkError struct {
	ID      string
	Code    string // e.g. "AOR0000" (the bulk wrapper)
	Message string
	Details []ErrorDetail // the specific reasons, e.g. AOR2001 orderが見つかりません。
}

// ErrorDetail is one reason inside a BulkError.
type ErrorDetail struct {
	Code    string
	Message string
}

// Error describes the failure for logs and workflow errors.
func (e BulkError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "record %s: %s", e.ID, e.Code)
	if e.Message != "" {
		b.WriteString(" " + e.Message)
	}
	for _, d := range e.Details {
		fmt.Fprintf(&b, "; %s %s", d.Code, d.Message)
	}
	return b.String()
}

// ErrorFor returns the error reported for id, if any.
func (r BulkResult) ErrorFor(id string) (BulkError, bool) {
	for _, e := range r.Errors {
		if e.ID == id {
			return e, true
		}
	}
	return BulkError{}, false
}

// Succeeded reports whether id is listed as a success.
func (r BulkResult) Succeeded(id string) bool {
	for _, s := range r.Success {
		if s == id {
			return true
		}
	}
	return false
}

// bulkID is a record id that arrives as a number, a string or (stock
// updates) an object such as {"variant_sku":…,"stock_location_code":…,"stock":…}.
type bulkID string

func (b *bulkID) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		var obj struct {
			ID         jsonlenient.String `json:"id"`
			VariantSKU jsonlenient.String `json:"variant_sku"`
		}
		if err := json.Unmarshal(data, &obj); err != nil {
			return fmt.Errorf("bulk record: %w", err)
		}
		switch {
		case obj.ID != "":
			*b = bulkID(obj.ID)
		case obj.VariantSKU != "":
			*b = bulkID(obj.VariantSKU)
		default:
			return fmt.Errorf("bulk record object has neither id nor variant_sku")
		}
		return nil
	}
	var s jsonlenient.String
	if err := s.UnmarshalJSON(data); err != nil {
		return fmt.Errorf("bulk record id: %w", err)
	}
	*b = bulkID(s)
	return nil
}

type bulkErrorJSON struct {
	ID      bulkID             `json:"id"`
	Code    jsonlenient.String `json:"code"`
	Message jsonlenient.String `json:"message"`
	Errors  []struct {
		Code    jsonlenient.String `json:"code"`
		Message jsonlenient.String `json:"message"`
	} `json:"errors"`
}

// doBulk sends a bulk write and decodes its per-record answer; an answer
// that is not one is malformed.
func (c *Client) doBulk(ctx context.Context, cl call) (BulkResult, error) {
	body, err := c.do(ctx, cl)
	if err != nil {
		return BulkResult{}, err
	}
	res, err := decodeBulkResult(body)
	if err != nil {
		return BulkResult{}, c.malformed(cl, err)
	}
	return res, nil
}

// decodeBulkResult parses {"success":[…],"failure":[…],"errors":[…]}.
func decodeBulkResult(body []byte) (BulkResult, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return BulkResult{}, fmt.Errorf("the body is not a JSON object")
	}
	var raw struct {
		Success []bulkID        `json:"success"`
		Failure []bulkID        `json:"failure"`
		Errors  []bulkErrorJSON `json:"errors"`
	}
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		return BulkResult{}, err
	}
	res := BulkResult{}
	for _, id := range raw.Success {
		res.Success = append(res.Success, string(id))
	}
	for _, id := range raw.Failure {
		res.Failure = append(res.Failure, string(id))
	}
	for _, e := range raw.Errors {
		be := BulkError{ID: string(e.ID), Code: string(e.Code), Message: string(e.Message)}
		for _, d := range e.Errors {
			be.Details = append(be.Details, ErrorDetail{Code: string(d.Code), Message: string(d.Message)})
		}
		res.Errors = append(res.Errors, be)
	}
	return res, nil
}

// For returns the part of the result about record id: its success, failure
// and errors entries (empty when the answer does not name it). A batching
// caller hands each record's part to the one who asked for it.
func (r BulkResult) For(id string) BulkResult {
	var out BulkResult
	for _, s := range r.Success {
		if s == id {
			out.Success = append(out.Success, s)
		}
	}
	for _, f := range r.Failure {
		if f == id {
			out.Failure = append(out.Failure, f)
		}
	}
	for _, e := range r.Errors {
		if e.ID == id {
			out.Errors = append(out.Errors, e)
		}
	}
	return out
}
