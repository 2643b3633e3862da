// Package store keeps orders in a SQL database.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrNotFound says that no order has the ID asked for.
var ErrNotFound = errors.New("order not found")

// An Order is one customer order.
type Order struct {
	ID       int64
	Customer string
	SKU      string
	Quantity int
}

// Store is the order table.
type Store struct {
	DB *sql.DB
}

// Order loads one order. A cancelled request's error comes back wrapped,
// with %w: callers recognise it with errors.Is.
func (s *Store) Order(ctx context.Context, id int64) (*Order, error) {
	o := &Order{ID: id}
	err := s.DB.QueryRowContext(ctx, "select customer, sku, quantity from orders where id = $1", id).
		Scan(&o.Customer, &o.SKU, &o.Quantity)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("order %d: %w", id, err)
	}
	return o, nil
}

// Insert stores a new order and returns its ID.
func (s *Store) Insert(ctx context.Context, o *Order) (int64, error) {
	var id int64
	err := s.DB.QueryRowContext(ctx, "insert into orders (customer, sku, quantity) values ($1, $2, $3) returning id",
		o.Customer, o.SKU, o.Quantity).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("inserting order: %w", err)
	}
	return id, nil
}

// Customer lists a customer's orders. A cancellation in the middle of the
// rows is an error, not a shorter list.
func (s *Store) Customer(ctx context.Context, customer string) ([]*Order, error) {
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("orders of %s: %w", customer, err)
	}
	return orders, nil
}

// BatchError holds the failures of a batch, one per order, and keeps each
// in its chain (Unwrap() []error): a cancelled batch is a cancellation.
type BatchError struct {
	Errs []error
}

func (e *BatchError) Error() string   { return fmt.Sprintf("%d orders failed", len(e.Errs)) }
func (e *BatchError) Unwrap() []error { return e.Errs }

// Cancel marks orders cancelled, and reports every failure.
func (s *Store) Cancel(ctx context.Context, ids []int64) error {
	var failed []error
	for _, id := range ids {
		if _, err := s.DB.ExecContext(ctx, "update orders set cancelled = true where id = $1", id); err != nil {
			failed = append(failed, fmt.Errorf("order %d: %w", id, err))
		}
	}
	if len(failed) > 0 {
		return &BatchError{Errs: failed}
	}
	return nil
}

// RecordEvent appends an event about an order to the audit log.
func (s *Store) RecordEvent(ctx context.Context, kind string, id int64) error {
	if _, err := s.DB.ExecContext(ctx, "insert into audit (kind, order_id) values ($1, $2)", kind, id); err != nil {
		return fmt.Errorf("audit %s of order %d: %w", kind, id, err)
	}
	return nil
}
