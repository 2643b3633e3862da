// Package api serves the order API over net/http. Each handler runs under
// r.Context(), which ends when the client goes away: such a request is
// answered 499, not 500, and not logged as a failure.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"strconv"
	"time"

	"github.com/cancelcheck/cancelcheck/examples/orders/inventory"
	"github.com/cancelcheck/cancelcheck/examples/orders/store"
)

// StatusClientClosedRequest is nginx's status for a request whose client
// went away.
const StatusClientClosedRequest = 499

// API holds the handlers' dependencies.
type API struct {
	Orders    *store.Store
	Inventory *inventory.Client
}

// Routes registers the handlers.
func (a *API) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /orders/{id}", a.GetOrder)
	mux.HandleFunc("POST /orders", a.PostOrder)
	mux.HandleFunc("GET /customers/{name}/orders", a.GetCustomerOrders)
	a.badRoutes(mux)
}

// GetOrder answers one order.
func (a *API) GetOrder(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad order id", http.StatusBadRequest)
		return
	}
	o, err := a.Orders.Order(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, o)
}

// PostOrder reserves the stock and stores the order.
func (a *API) PostOrder(w http.ResponseWriter, r *http.Request) {
	var o store.Order
	if err := json.NewDecoder(r.Body).Decode(&o); err != nil {
		http.Error(w, "bad order", http.StatusBadRequest)
		return
	}
	if err := a.Inventory.Reserve(r.Context(), o.SKU, o.Quantity); err != nil {
		writeError(w, err)
		return
	}
	id, err := a.Orders.Insert(r.Context(), &o)
	if err != nil {
		writeError(w, err)
		return
	}
	// The audit record is written after the answer, so not under the
	// request's context, which ends when this handler returns.
	go a.audit(context.WithoutCancel(r.Context()), "created", id)
	writeJSON(w, map[string]int64{"id": id})
}

// audit records an event in the audit log, with a time limit of its own:
// it runs in the background, after the handler has answered.
func (a *API) audit(ctx context.Context, kind string, id int64) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := a.Orders.RecordEvent(ctx, kind, id); err != nil {
		log.Printf("audit: %v", err)
	}
}

// GetCustomerOrders answers a customer's orders.
func (a *API) GetCustomerOrders(w http.ResponseWriter, r *http.Request) {
	orders, err := a.Orders.Customer(r.Context(), r.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, orders)
}

// writeError answers an error: 499 for a cancelled request, whatever
// wraps the cancellation, 404 for a missing order, 500 otherwise.
func writeError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, context.Canceled):
		w.WriteHeader(StatusClientClosedRequest)
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, err.Error(), http.StatusNotFound)
	default:
		log.Printf("internal error: %v", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("writing response: %v", err)
	}
}
