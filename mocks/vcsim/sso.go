package main

// SSO for the simulator (issue 13, groups): an STS that issues each user its
// own SAML token carrying that user's groups, and the SSO admin methods vaudit
// uses. Debian's govmomi 0.24 STS simulator hands out one fixed Administrator
// token whatever the credentials, and there is no SSO admin simulator.
//
// STS (WS-Trust 1.3 Issue, as vCenter's /sts/STSService/vsphere.local):
//   POST /sts/STSService[/vsphere.local] (the tenant is the SSO system
//   domain, whatever the user's: another tenant is HTTP 404) with a SOAP envelope whose WS-Security header
//   holds a UsernameToken (Username, Password). Wrong credentials: a SOAP fault
//   wst:FailedAuthentication with HTTP 500. Right ones: a
//   RequestSecurityTokenResponseCollection holding an unsigned SAML 2.0
//   Assertion (ID "_sim-N") whose Subject NameID is the user (UPN form) and
//   whose AttributeStatement has the attribute
//   http://rsa.com/schemas/attr-names/2009/01/GroupIdentity with one value per
//   group, written DOMAIN\name as vCenter writes them, plus
//   vsphere.local\Everyone (every SSO user is in it). The primary user is in
//   vsphere.local\Administrators.
//
// SSO admin (SOAP, namespace urn:sso, POST /sso-adminserver/sdk[/vsphere.local]):
//   the caller's token goes in the WS-Security header (the Assertion as the
//   STS issued it, looked up by its ID: a token this STS did not issue is a
//   fault). Methods, on _this type SsoAdminPrincipalDiscoveryService:
//   - FindUser(userId {name, domain}): the user, or no returnval when the
//     directory does not know it.
//   - FindAllParentGroups(userId): every group the user is in, directly or
//     through nested groups (this directory has no nesting), as PrincipalId
//     {name, domain}; a fault for an unknown user.
//   Only a member of Administrators may call them for another user, as the
//   SSO admin service requires an administrator.
//   Password expiry (issue 16), as vCenter's SSO admin answers it:
//   - GetDaysRemainingUntilPasswordExpiration(userId) on
//     SsoAdminPrincipalManagementService: the SSO Administrator role only
//     (a fault SsoFaultNoPermission otherwise, for one's own account too);
//     the days from the user's "password_expires_in_days" in the -users file
//     (absent: -1, never expires); a fault SsoFaultInvalidPrincipal for a
//     user the directory does not know or one outside the system domain
//     vsphere.local (an Active Directory-style CORP\svc), whose password
//     SSO does not keep.
//   - GetLocalPasswordPolicy() on SsoAdminPasswordPolicyService: any caller
//     with a token; passwordLifetimeDays from -sso-password-lifetime-days
//     (omitted when 0: local passwords never expire).
//   - GetSystemDomainName() on SsoAdminDomainManagementService: any caller;
//     "vsphere.local".
//
// -sso-off removes both endpoints (HTTP 404), as a vCenter whose STS cannot be
// reached from where vaudit runs.

import (
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
)

var ssoOff bool

// stsTokenLifetime is how long the tokens the STS issues are honoured
// (Conditions/@NotOnOrAfter), whatever lifetime the request asks.
var stsTokenLifetime = 30 * time.Minute

// ssoPasswordLifetime is the local password policy's lifetime in days.
var ssoPasswordLifetime int

// ssoSystemDomain is the SSO domain whose users' passwords SSO keeps, and
// the tenant SSO answers under (-sso-domain).
var ssoSystemDomain = "vsphere.local"

const groupIdentity = "http://rsa.com/schemas/attr-names/2009/01/GroupIdentity"

type ssoState struct {
	store  *authzStore
	mu     sync.Mutex
	next   int
	tokens map[string]string    // assertion ID -> canonical user
	expiry map[string]time.Time // assertion ID -> NotOnOrAfter
}

var sso *ssoState

// ssoGroups answers the groups of a canonical user, DOMAIN\name, with
// Everyone, and Administrators for the primary user.
func (s *ssoState) ssoGroups(user string) []string {
	var out []string
	u := s.store.users[user]
	if u == nil {
		return nil
	}
	if canonicalPrincipal(primaryUser) == user {
		out = append(out, `vsphere.local\Administrators`)
	}
	for _, g := range u.groups {
		name, domain := splitUPN(g)
		out = append(out, domain+`\`+name)
	}
	return append(out, `vsphere.local\Everyone`)
}

func splitUPN(p string) (name, domain string) {
	if i := strings.LastIndexByte(p, '@'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return p, ""
}

// ssoFault answers an SSO admin fault with its typed detail (SsoFault…),
// as the SSO admin service writes them.
func ssoFault(w http.ResponseWriter, kind, text string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault><faultcode>S:Server</faultcode><faultstring>%s</faultstring><detail><%sFault xmlns="urn:sso"/></detail></S:Fault></S:Body></S:Envelope>`, html.EscapeString(text), kind)
}

func soapFault(w http.ResponseWriter, code, text string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault><faultcode xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512">%s</faultcode><faultstring>%s</faultstring></S:Fault></S:Body></S:Envelope>`, code, html.EscapeString(text))
}

// textOf finds the text of the first element with this local name.
func textOf(body []byte, local string) (string, bool) {
	dec := xml.NewDecoder(strings.NewReader(string(body)))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == local {
			var s string
			if err := dec.DecodeElement(&s, &se); err != nil {
				return "", false
			}
			return s, true
		}
	}
}

// attrOf finds an attribute of the first element with this local name.
func attrOf(body []byte, local, attr string) (string, bool) {
	dec := xml.NewDecoder(strings.NewReader(string(body)))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == local {
			for _, a := range se.Attr {
				if a.Name.Local == attr {
					return a.Value, true
				}
			}
			return "", false
		}
	}
}

func readBody(r *http.Request) []byte {
	b := make([]byte, 0, 4096)
	tmp := make([]byte, 4096)
	for len(b) < 1<<20 {
		n, err := r.Body.Read(tmp)
		b = append(b, tmp[:n]...)
		if err != nil {
			break
		}
	}
	return b
}

// systemTenant answers whether the path names no tenant or the system
// domain: vCenter serves SSO under the system domain's tenant only
// (/sts/STSService/vsphere.local), whatever the domain of the user.
func systemTenant(w http.ResponseWriter, r *http.Request, prefix string) bool {
	tenant := strings.Trim(strings.TrimPrefix(r.URL.Path, prefix), "/")
	if tenant == "" || strings.EqualFold(tenant, ssoSystemDomain) {
		return true
	}
	http.Error(w, "no SSO tenant "+tenant, http.StatusNotFound)
	return false
}

func (s *ssoState) issue(w http.ResponseWriter, r *http.Request) {
	ssoStats.stsRequests.Add(1)
	if !systemTenant(w, r, "/sts/STSService") {
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body := readBody(r)
	user, _ := textOf(body, "Username")
	pass, _ := textOf(body, "Password")
	notePassword(&ssoStats.stsPassword, pass) // lookup.go
	if !s.store.checkPassword(user, pass) {
		soapFault(w, "wst:FailedAuthentication", "Authentication failed: invalid credentials")
		return
	}
	key := canonicalPrincipal(user)
	s.mu.Lock()
	s.next++
	id := fmt.Sprintf("_sim-%d", s.next)
	now := time.Now().UTC()
	s.tokens[id] = key
	s.expiry[id] = now.Add(stsTokenLifetime)
	s.mu.Unlock()
	var attrs strings.Builder
	for _, g := range s.ssoGroups(key) {
		fmt.Fprintf(&attrs, `<saml2:AttributeValue xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" xsi:type="xs:string">%s</saml2:AttributeValue>`, html.EscapeString(g))
	}
	name, domain := splitUPN(key)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><wst:RequestSecurityTokenResponseCollection xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wst:RequestSecurityTokenResponse><wst:RequestedSecurityToken><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="%s" IssueInstant="%s" Version="2.0"><saml2:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">https://vcsim-arc/websso/SAML2/Metadata/vsphere.local</saml2:Issuer><saml2:Subject><saml2:NameID Format="http://schemas.xmlsoap.org/claims/UPN">%s@%s</saml2:NameID></saml2:Subject><saml2:Conditions NotBefore="%s" NotOnOrAfter="%s"/><saml2:AttributeStatement><saml2:Attribute FriendlyName="Groups" Name="%s" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">%s</saml2:Attribute></saml2:AttributeStatement></saml2:Assertion></wst:RequestedSecurityToken></wst:RequestSecurityTokenResponse></wst:RequestSecurityTokenResponseCollection></S:Body></S:Envelope>`,
		id, now.Format(time.RFC3339), html.EscapeString(name), html.EscapeString(domain),
		now.Format(time.RFC3339), now.Add(stsTokenLifetime).Format(time.RFC3339), groupIdentity, attrs.String())
}

func (s *ssoState) admin(w http.ResponseWriter, r *http.Request) {
	if !systemTenant(w, r, "/sso-adminserver/sdk") {
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body := readBody(r)
	id, ok := attrOf(body, "Assertion", "ID")
	s.mu.Lock()
	caller := s.tokens[id]
	expired := time.Now().After(s.expiry[id])
	s.mu.Unlock()
	if !ok || caller == "" {
		soapFault(w, "ServerFaultCode", "InvalidCredentials: the request carries no token this STS issued")
		return
	}
	if expired {
		soapFault(w, "ServerFaultCode", "InvalidCredentials: the token has expired")
		return
	}
	var method string
	for _, m := range []string{"FindAllParentGroups", "FindUser", "GetDaysRemainingUntilPasswordExpiration", "GetLocalPasswordPolicy", "GetSystemDomainName"} {
		if strings.Contains(string(body), "<"+m) || strings.Contains(string(body), ":"+m) {
			method = m
		}
	}
	if method == "" {
		soapFault(w, "ServerFaultCode", "method not implemented by vcsim-arc's SSO admin")
		return
	}
	isAdmin := false
	for _, g := range s.ssoGroups(caller) {
		if strings.EqualFold(g, `vsphere.local\Administrators`) {
			isAdmin = true
		}
	}
	switch method {
	case "GetLocalPasswordPolicy":
		lifetime := ""
		if ssoPasswordLifetime > 0 {
			lifetime = fmt.Sprintf("<passwordLifetimeDays>%d</passwordLifetimeDays>", ssoPasswordLifetime)
		}
		ssoAnswer(w, method, `<returnval><description>vcsim-arc local password policy</description><prohibitedPreviousPasswordsCount>5</prohibitedPreviousPasswordsCount><passwordFormat><lengthRestriction><minLength>8</minLength><maxLength>20</maxLength></lengthRestriction><alphabeticRestriction><minAlphabeticCount>2</minAlphabeticCount><minUppercaseCount>1</minUppercaseCount><minLowercaseCount>1</minLowercaseCount></alphabeticRestriction><minNumericCount>1</minNumericCount><minSpecialCharCount>1</minSpecialCharCount><maxIdenticalAdjacentCharacters>3</maxIdenticalAdjacentCharacters></passwordFormat>`+lifetime+`</returnval>`)
		return
	case "GetSystemDomainName":
		ssoAnswer(w, method, "<returnval>"+ssoSystemDomain+"</returnval>")
		return
	}
	name, _ := textOf(body, "name")
	domain, _ := textOf(body, "domain")
	target := canonicalPrincipal(name + "@" + domain)
	if method == "GetDaysRemainingUntilPasswordExpiration" {
		u := s.store.users[target]
		_, d := splitUPN(target)
		switch {
		case !isAdmin:
			ssoFault(w, "SsoFaultNoPermission", "NoPermission: GetDaysRemainingUntilPasswordExpiration needs the SSO Administrator role")
		case u == nil || d != ssoSystemDomain:
			ssoFault(w, "SsoFaultInvalidPrincipal", "InvalidPrincipal: "+target+" is not a person user of the system domain")
		case u.expiresIn == nil:
			ssoAnswer(w, method, "<returnval>-1</returnval>")
		default:
			ssoAnswer(w, method, fmt.Sprintf("<returnval>%d</returnval>", *u.expiresIn))
		}
		return
	}
	if target != caller && !isAdmin {
		soapFault(w, "ServerFaultCode", "NoPermission: only an SSO administrator may look up other principals")
		return
	}
	u := s.store.users[target]
	var res strings.Builder
	switch {
	case method == "FindUser" && u != nil:
		fmt.Fprintf(&res, `<returnval><id><name>%s</name><domain>%s</domain></id><kind>person</kind></returnval>`, html.EscapeString(name), html.EscapeString(domain))
	case method == "FindUser":
	case u == nil:
		soapFault(w, "ServerFaultCode", "InvalidPrincipal: "+target)
		return
	default:
		for _, g := range s.ssoGroups(target) {
			parts := strings.SplitN(g, `\`, 2)
			fmt.Fprintf(&res, `<returnval><name>%s</name><domain>%s</domain></returnval>`, html.EscapeString(parts[1]), html.EscapeString(parts[0]))
		}
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><%sResponse xmlns="urn:sso">%s</%sResponse></S:Body></S:Envelope>`, method, res.String(), method)
}

func ssoAnswer(w http.ResponseWriter, method, inner string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><%sResponse xmlns="urn:sso">%s</%sResponse></S:Body></S:Envelope>`, method, inner, method)
}

// installSSO puts the STS and the SSO admin endpoints on the service's mux.
func installSSO(svc *simulator.Service, store *authzStore) {
	if ssoOff || store == nil {
		return
	}
	if svc.ServeMux == nil {
		svc.ServeMux = http.NewServeMux()
	}
	sso = &ssoState{store: store, tokens: map[string]string{}, expiry: map[string]time.Time{}}
	for _, p := range []string{"/sts/STSService", "/sts/STSService/"} {
		svc.ServeMux.HandleFunc(p, sso.issue)
	}
	for _, p := range []string{"/sso-adminserver/sdk", "/sso-adminserver/sdk/"} {
		svc.ServeMux.HandleFunc(p, sso.admin)
	}
}
