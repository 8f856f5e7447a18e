package main

// Failed logins in the event history (issue 16: stale credentials stored in the
// appliance show up as BadUsernameSessionEvent from the appliance's address).
//
// vCenter posts a BadUsernameSessionEvent (userName = the name tried,
// ipAddress = the client's address) for every failed login; stock vcsim posts
// nothing. Here every failed SOAP Login posts one (authz.go's Login calls
// postBadLogin), with the client's source address, so a test can produce them
// from a chosen loopback address (bind the client socket to 127.0.0.30).
// -bad-logins posts some at start-up: "127.0.0.30=3" (3 events, userName = the
// primary user) or "arc@vsphere.local@127.0.0.30=3".
//
// The stock PostEvent SOAP method also works for them, but it overwrites
// userName with the caller's session user.

import (
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// clientIP is the request's source address. simulator.Context keeps the
// *http.Request in an unexported field; read it by reflection.
func clientIP(ctx *simulator.Context) string {
	if ctx == nil {
		return ""
	}
	f := reflect.ValueOf(ctx).Elem().FieldByName("req")
	if !f.IsValid() || f.Kind() != reflect.Ptr || f.IsNil() {
		return ""
	}
	req := (*http.Request)(unsafe.Pointer(f.Pointer()))
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		return req.RemoteAddr
	}
	return host
}

func badLoginEvent(user, ip string) *types.BadUsernameSessionEvent {
	return &types.BadUsernameSessionEvent{
		SessionEvent: types.SessionEvent{Event: types.Event{
			FullFormattedMessage: fmt.Sprintf("Cannot login %s@%s", user, ip),
		}},
		IpAddress: ip,
	}
}

// postBadLogin records a failed login attempt of user from the request's client.
func postBadLogin(ctx *simulator.Context, user string) {
	postEvents(user, badLoginEvent(user, clientIP(ctx)))
}

// postBadLogins posts the -bad-logins events.
func postBadLogins(specs []string, primary string) error {
	for _, s := range specs {
		i := strings.LastIndexByte(s, '=')
		if i < 0 {
			return fmt.Errorf("-bad-logins %q: want IP=N or USER@IP=N", s)
		}
		n, err := strconv.Atoi(s[i+1:])
		if err != nil || n < 1 {
			return fmt.Errorf("-bad-logins %q: %q is not a positive count", s, s[i+1:])
		}
		user, ip := primary, s[:i]
		if j := strings.LastIndexByte(ip, '@'); j >= 0 {
			user, ip = ip[:j], ip[j+1:]
		}
		if net.ParseIP(ip) == nil {
			return fmt.Errorf("-bad-logins %q: %q is not an IP address", s, ip)
		}
		for k := 0; k < n; k++ {
			postEvents(user, badLoginEvent(user, ip))
		}
	}
	return nil
}
