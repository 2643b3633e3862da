package store

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"
)

// OrderFormatted is Order with the error formatted with %v: the chain is
// cut, and the caller's errors.Is(err, context.Canceled) fails.
// Hazard (ctxerrwrap).
func (s *Store) OrderFormatted(ctx context.Context, id int64) (*Order, error) {
	o := &Order{ID: id}
	err := s.DB.QueryRowContext(ctx, "select customer, sku, quantity from orders where id = $1", id).
		Scan(&o.Customer, &o.SKU, &o.Quantity)
	if err != nil {
		return nil, fmt.Errorf("order %d: %v", id, err)
	}
	return o, nil
}

// CustomerPartial is Customer returning what it read when the request is
// cancelled, as if the list were complete.
// Hazard (ctxswallow).
func (s *Store) CustomerPartial(ctx context.Context, customer string) ([]*Order, error) {
	rows, err := s.DB.QueryContext(ctx, "select id, sku, quantity from orders where customer = $1", customer)
	if err != nil {
		return nil, fmt.Errorf("orders of %s: %w", customer, err)
	}
	defer rows.Close()
	var orders []*Order
	for rows.Next() {
		o := &Order{Customer: customer}
		if err := rows.Scan(&o.ID, &o.SKU, &o.Quantity); err != nil {
			return nil, fmt.Errorf("orders of %s: %w", customer, err)
		}
		orders = append(orders, o)
	}
	if err := rows.Err(); errors.Is(err, context.Canceled) {
		return orders, nil
	}
	return orders, rows.Err()
}

// MultiError is a batch failure without Unwrap: the cancellations inside
// it are lost to errors.Is.
type MultiError []error

func (m MultiError) Error() string {
	msgs := make([]string, len(m))
	for i, err := range m {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

// CancelAll is Cancel with its failures in a MultiError.
// Hazard (ctxerrwrap).
func (s *Store) CancelAll(ctx context.Context, ids []int64) error {
	var failed MultiError
	for _, id := range ids {
		if _, err := s.DB.ExecContext(ctx, "update orders set cancelled = true where id = $1", id); err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		return failed
	}
	return nil
}

// Archive retries the archiving query until it works, with no look at the
// context: once the request is cancelled every round fails at once.
// Hazard (ctxswallow).
func (s *Store) Archive(ctx context.Context, before time.Time) {
	for {
		_, err := s.DB.ExecContext(ctx, "insert into archive select * from orders where created < $1", before)
		if err != nil {
			log.Printf("archive: %v", err)
			time.Sleep(time.Second)
			continue
		}
		return
	}
}
