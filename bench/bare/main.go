// Command bare is the benchmark's limit: a plain net/http server that checks
// the two credential headers of a wire call and answers a fixed JSON body.
// No routing, no store, no validation, no logging: whatever the mock does
// beyond this is its own cost.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	bodyFile := flag.String("body", "", "file holding the JSON body every authorized request gets")
	key := flag.String("api-key", "", "the accepted api key (Authorization: Bearer KEY)")
	integration := flag.String("integration-id", "", "the accepted Partly-Integration-ID")
	flag.Parse()
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(2)
	}
	auth := "Bearer " + *key
	srv := &http.Server{
		Addr:              *addr,
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != auth || r.Header.Get("Partly-Integration-ID") != *integration {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"type":"unauthorized"}`))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}),
	}
	fmt.Fprintln(os.Stderr, "bare: serving on", *addr)
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}
