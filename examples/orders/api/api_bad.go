package api

import (
	"context"
	"log"
	"net/http"
	"strconv"
	"strings"
)

// badRoutes registers, under /bad/, versions of the handlers over the
// hazardous functions of the other packages, and with hazards of their own.
func (a *API) badRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /bad/orders/{id}", a.GetOrderEquals)
	mux.HandleFunc("GET /bad/stock/{sku}", a.GetStock)
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
