package api

import (
	"context"
	"encoding/json"
	"log"
	"net/http"
	"strconv"
	"strings"

	"github.com/cancelcheck/cancelcheck/examples/orders/store"
)

// badRoutes registers, under /bad/, versions of the handlers over the
// hazardous functions of the other packages, and with hazards of their own.
func (a *API) badRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /bad/orders/{id}", a.GetOrderEquals)
	mux.HandleFunc("GET /bad/stock/{sku}", a.GetStock)
	mux.HandleFunc("POST /bad/orders", a.PostOrderAudited)
	mux.HandleFunc("POST /bad/orders/{id}/shipped", a.ShipOrder)
}

// GetOrderEquals is GetOrder testing for a cancelled client with ==.
// Hazard (ctxerrcompare): the store wraps the cancellation with %w, so
// err == context.Canceled is false for it, and the client that went away
// is answered 500.
func (a *API) GetOrderEquals(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad order id", http.StatusBadRequest)
		return
	}
	o, err := a.Orders.Order(r.Context(), id)
	if err == context.Canceled {
		w.WriteHeader(StatusClientClosedRequest)
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, o)
}

// GetStock answers the stock of an item, and tells a timeout by its
// message.
// Hazard (ctxerrcompare).
func (a *API) GetStock(w http.ResponseWriter, r *http.Request) {
	n, err := a.Inventory.Stock(r.Context(), r.PathValue("sku"))
	if err != nil && strings.Contains(err.Error(), "context deadline exceeded") {
		http.Error(w, "inventory timed out", http.StatusGatewayTimeout)
		return
	}
	if err != nil {
		log.Printf("stock: %v", err)
		writeError(w, err)
		return
	}
	writeJSON(w, map[string]int{"quantity": n})
}

// PostOrderAudited is PostOrder writing its audit record in the
// background under the request's context.
// Hazard (ctxbackground): net/http cancels r.Context() when the handler
// returns, right after it answers, so the audit write fails with "context
// canceled" for most orders, and nobody hears of it.
func (a *API) PostOrderAudited(w http.ResponseWriter, r *http.Request) {
	var o store.Order
	if err := json.NewDecoder(r.Body).Decode(&o); err != nil {
		http.Error(w, "bad order", http.StatusBadRequest)
		return
	}
	id, err := a.Orders.Insert(r.Context(), &o)
	if err != nil {
		writeError(w, err)
		return
	}
	go a.audit(r.Context(), "created", id)
	writeJSON(w, map[string]int64{"id": id})
}

// ShipOrder marks an order shipped, through a helper that audits in the
// background.
// Hazard (ctxbackground, through a call): auditLater starts the audit
// under the context it is given, and this handler gives it the request's.
func (a *API) ShipOrder(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad order id", http.StatusBadRequest)
		return
	}
	a.auditLater(r.Context(), "shipped", id)
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) auditLater(ctx context.Context, kind string, id int64) {
	go a.audit(ctx, kind, id)
}
