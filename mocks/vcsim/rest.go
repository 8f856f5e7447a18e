package main

// The stock vAPI simulator (/rest) accepts ANY non-empty basic-auth pair on
// POST /rest/com/vmware/cis/session. We put a handler on that exact path in the
// service's mux (longest pattern wins over vapi's "/rest/") that rejects wrong
// credentials with 401 like vCenter, then forwards to the vapi handler.

import (
	"net/http"
	"net/url"

	"github.com/vmware/govmomi/simulator"
)

var primaryUser, primaryPassword string

// credentialsOK decides REST logins. authz.go may replace it to admit the
// extra users of -users FILE (SOAP Login is decided by the simulator's
// SessionManager against Service.Listen.User; see main.go).
var credentialsOK = func(user, pass string) bool {
	return user == primaryUser && pass == primaryPassword
}

const restSessionPath = "/rest/com/vmware/cis/session"

func guardRESTLogin(svc *simulator.Service) {
	if svc.ServeMux == nil {
		svc.ServeMux = http.NewServeMux()
	}
	mux := svc.ServeMux
	mux.HandleFunc(restSessionPath, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Query().Get("~action") == "" {
			if u, p, ok := r.BasicAuth(); ok && !credentialsOK(u, p) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"type":"com.vmware.vapi.std.errors.unauthenticated","value":{"messages":[{"args":[],"default_message":"Authentication required.","id":"com.vmware.vapi.endpoint.method.authentication.required"}]}}`))
				return
			}
		}
		// The vapi handler is registered (at "/rest/") only when the server
		// starts, so look it up per request.
		h, _ := mux.Handler(&http.Request{Method: r.Method, URL: &url.URL{Path: "/rest/"}})
		h.ServeHTTP(w, r)
	})
}
