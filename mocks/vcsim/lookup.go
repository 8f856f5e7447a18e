package main

// The Lookup Service (/lookupservice/sdk, SOAP namespace urn:lookup, version
// 2.0), as vCenter serves it to anonymous clients: how vSphere clients find
// the STS and the SSO admin service, whose paths carry the SSO system domain
// (the tenant, here vsphere.local) whatever the domain of the user.
//
// Written here rather than taken from govmomi 0.24's lookup/simulator: that
// one registers only the STS (from the OptionManager's
// config.vpxd.sso.sts.uri), not the admin service, and cannot name the host a
// client reached (a relay in front of the simulator, benches/wan.sh).
//
//   RetrieveServiceContent(_this LookupServiceInstance:ServiceInstance):
//     lookupService, serviceRegistration (LookupServiceRegistration:
//     ServiceRegistration), deploymentInformationService, l10n.
//   List(_this ServiceRegistration, filterCriteria): the registrations that
//     match serviceType {product, type} and, if given, whose endpoints match
//     endpointType {protocol, type} (only those endpoints kept); no
//     filterCriteria: a LookupFaultServiceFault, as a real PSC answers.
//     Registrations (vCenter 6.5+ and their legacy twins):
//       com.vmware.cis/cs.identity: wsTrust com.vmware.cis.cs.identity.sso
//         https://HOST/sts/STSService/vsphere.local; vmomi
//         com.vmware.cis.cs.identity.admin and ...groupcheck
//         https://HOST/sso-adminserver/sdk/vsphere.local
//       com.vmware.cis/sso:sts and sso:admin: the same endpoints
//       com.vmware.cis/vcenterserver: vmomi com.vmware.vim https://HOST/sdk
//     HOST is the Host header the client sent (the vCenter's name as the
//     client reached it: on a real vCenter, its PNID), or -lookup-sso-host.
//
// -lookup-off removes the service (HTTP 404), as an old or stripped vCenter;
// -lookup-sso-host HOST:PORT names another host for every SSO endpoint, as a
// registration pointing elsewhere (an external PSC, a stale PNID).
//
// GET /vcsim/sso-stats answers, as JSON, how many requests reached the STS
// and the Lookup Service (the tests count round trips with it), and the
// SHA-256 (hex) of the password the last SOAP Login and the last STS request
// carried, as the server decoded them ("" before any): a test compares what
// each received without the password ever being printed.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/vmware/govmomi/simulator"
)

var (
	lookupOff     bool
	lookupSSOHost string
)

var ssoStats struct {
	stsRequests, lookupContent, lookupList atomic.Int64
	// SHA-256 hex of the last password received, never the password.
	loginPassword, stsPassword atomic.Value
}

// notePassword keeps the digest of a received password in into.
func notePassword(into *atomic.Value, password string) {
	sum := sha256.Sum256([]byte(password))
	into.Store(hex.EncodeToString(sum[:]))
}

func digestOf(v *atomic.Value) string {
	s, _ := v.Load().(string)
	return s
}

type lookupEndpoint struct{ url, protocol, kind string }

type lookupRegistration struct {
	serviceType string
	endpoints   []lookupEndpoint
}

func lookupRegistrations(host string) []lookupRegistration {
	ssoHost := host
	if lookupSSOHost != "" {
		ssoHost = lookupSSOHost
	}
	sts := lookupEndpoint{"https://" + ssoHost + "/sts/STSService/" + ssoSystemDomain, "wsTrust", "com.vmware.cis.cs.identity.sso"}
	admin := lookupEndpoint{"https://" + ssoHost + "/sso-adminserver/sdk/" + ssoSystemDomain, "vmomi", "com.vmware.cis.cs.identity.admin"}
	groupcheck := lookupEndpoint{admin.url, "vmomi", "com.vmware.cis.cs.identity.groupcheck"}
	return []lookupRegistration{
		{"cs.identity", []lookupEndpoint{sts, admin, groupcheck}},
		{"sso:sts", []lookupEndpoint{sts}},
		{"sso:admin", []lookupEndpoint{admin}},
		{"vcenterserver", []lookupEndpoint{{"https://" + host + "/sdk", "vmomi", "com.vmware.vim"}}},
	}
}

func lookupAnswer(w http.ResponseWriter, method, inner string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><%sResponse xmlns="urn:lookup">%s</%sResponse></soapenv:Body></soapenv:Envelope>`, method, inner, method)
}

// textIn finds the text of the first <inner> inside the first <outer>.
func textIn(body []byte, outer, inner string) string {
	s := string(body)
	i := strings.Index(s, "<"+outer+">")
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], "</"+outer+">")
	if j < 0 {
		return ""
	}
	v, _ := textOf([]byte(s[i:i+j+len(outer)+3]), inner)
	return strings.TrimSpace(v)
}

func lookupService(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body := readBody(r)
	this, _ := textOf(body, "_this")
	switch {
	case strings.Contains(string(body), "RetrieveServiceContent"):
		ssoStats.lookupContent.Add(1)
		lookupAnswer(w, "RetrieveServiceContent", `<returnval><lookupService type="LookupLookupService">lookupService</lookupService><serviceRegistration type="LookupServiceRegistration">ServiceRegistration</serviceRegistration><deploymentInformationService type="LookupDeploymentInformationService">deploymentInformationService</deploymentInformationService><l10n type="LookupL10n">l10n</l10n></returnval>`)
	case strings.Contains(string(body), "List") && this == "ServiceRegistration":
		ssoStats.lookupList.Add(1)
		if !strings.Contains(string(body), "filterCriteria") {
			soapFault(w, "ServerFaultCode", "LookupFaultServiceFault: Invalid fault")
			return
		}
		product, kind := textIn(body, "serviceType", "product"), textIn(body, "serviceType", "type")
		protocol, epKind := textIn(body, "endpointType", "protocol"), textIn(body, "endpointType", "type")
		var out strings.Builder
		for _, reg := range lookupRegistrations(r.Host) {
			if (product != "" && product != "com.vmware.cis") || (kind != "" && kind != reg.serviceType) {
				continue
			}
			var eps strings.Builder
			for _, e := range reg.endpoints {
				if (protocol != "" && protocol != e.protocol) || (epKind != "" && epKind != e.kind) {
					continue
				}
				fmt.Fprintf(&eps, `<serviceEndpoints><url>%s</url><endpointType><protocol>%s</protocol><type>%s</type></endpointType></serviceEndpoints>`, html.EscapeString(e.url), e.protocol, e.kind)
			}
			if eps.Len() == 0 {
				continue
			}
			fmt.Fprintf(&out, `<returnval><serviceVersion>2.0</serviceVersion>%s<ownerId>vcsim-arc@%s</ownerId><serviceType><product>com.vmware.cis</product><type>%s</type></serviceType><nodeId>vcsim-arc-node</nodeId><serviceId>vcsim-arc:%s</serviceId><siteId>default-site</siteId></returnval>`, eps.String(), ssoSystemDomain, reg.serviceType, reg.serviceType)
		}
		lookupAnswer(w, "List", out.String())
	default:
		soapFault(w, "ServerFaultCode", "method not implemented by vcsim-arc's Lookup Service")
	}
}

func serveSSOStats(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"sts_requests":          ssoStats.stsRequests.Load(),
		"lookup_content":        ssoStats.lookupContent.Load(),
		"lookup_list":           ssoStats.lookupList.Load(),
		"login_password_sha256": digestOf(&ssoStats.loginPassword),
		"sts_password_sha256":   digestOf(&ssoStats.stsPassword),
	})
}

// installLookup puts the Lookup Service and the stats on the service's mux.
func installLookup(svc *simulator.Service) {
	if svc.ServeMux == nil {
		svc.ServeMux = http.NewServeMux()
	}
	svc.ServeMux.HandleFunc("/vcsim/sso-stats", serveSSOStats)
	if !lookupOff {
		svc.ServeMux.HandleFunc("/lookupservice/sdk", lookupService)
	}
}
