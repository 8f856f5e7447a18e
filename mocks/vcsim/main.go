// Command vcsim-arc is the vCenter simulator used by vaudit's tests: govmomi's
// vcsim (Debian's 0.24) plus the vCenter behaviour an Arc resource bridge
// auditor relies on (paging, createDate, templates, deploy events, a TLS
// certificate rustls accepts). See README.md.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator" // REST (/rest/...) endpoints
)

type options struct {
	stateDir, listen, username, usersFile, scenario string
	exitOnStdinEOF                                  bool

	datacenter, cluster, clusterHost, standalone, pool, app, vm int
	folder, folderDepth, template, templateDeploys              int
	datastore, portgroup                                        int
	datastoreFreeGiB, certDays                                  int

	placement                                placementConfig
	standaloneOnlyDS, hostNames, esxiVersion string
	vcVersion, vcAPIVersion                  string
	perf                                     perfConfig
	latency, badLogins                       string
}

func parseFlags() *options {
	o := &options{}
	flag.StringVar(&o.stateDir, "state-dir", "", "directory for state.json and ca.pem (required)")
	flag.StringVar(&o.listen, "listen", "127.0.0.1:0", "listen address (port 0 = any free port)")
	flag.StringVar(&o.username, "username", "administrator@vsphere.local", "primary user; password from env VCSIM_PASSWORD")
	flag.StringVar(&o.usersFile, "users", "", "extra users/privileges file (see authz.go)")
	flag.StringVar(&o.scenario, "scenario", "clean", "inventory preset: clean | demo")
	flag.BoolVar(&o.exitOnStdinEOF, "exit-on-stdin-eof", false, "exit when stdin reaches EOF (parent died)")
	flag.IntVar(&o.datacenter, "datacenter", 1, "datacenters")
	flag.IntVar(&o.cluster, "cluster", 1, "clusters per datacenter")
	flag.IntVar(&o.clusterHost, "cluster-host", 3, "hosts per cluster")
	flag.IntVar(&o.standalone, "standalone", 1, "standalone hosts per datacenter")
	flag.IntVar(&o.pool, "pool", 1, "child resource pools per cluster")
	flag.IntVar(&o.app, "app", 0, "vApps per cluster")
	flag.IntVar(&o.vm, "vm", 2, "VMs per resource pool (cluster root, standalone host, vApp)")
	flag.IntVar(&o.folder, "folder", 0, "extra VM folders per datacenter (also adds HostFolder0/StorageFolder0/NetFolder0)")
	flag.IntVar(&o.folderDepth, "folder-depth", 1, "nesting depth of each extra VM folder")
	flag.IntVar(&o.template, "template", 0, "templates per datacenter (arc-template-N in folder Arc)")
	flag.IntVar(&o.templateDeploys, "template-deploys", 0, "appliance deploy/delete cycles from arc-template-0")
	flag.IntVar(&o.datastore, "datastore", 1, "local datastores per datacenter")
	flag.IntVar(&o.portgroup, "portgroup", 1, "distributed portgroups per datacenter")
	flag.IntVar(&o.certDays, "cert-days", 365, "days the generated TLS certificate stays valid")
	flag.IntVar(&o.datastoreFreeGiB, "datastore-free-gib", 500, "free space every datastore reports, in GiB (capacity 2048)")
	flag.BoolVar(&o.placement.ha, "ha", true, "clusters report vSphere HA enabled (configurationEx and configuration dasConfig.enabled)")
	flag.StringVar(&o.standaloneOnlyDS, "datastore-standalone-only", "", "comma list of datastores mounted only on standalone hosts (e.g. LocalDS_1)")
	flag.StringVar(&o.hostNames, "host-names", "", "comma list of host names applied in creation order, or OLD=NEW entries (e.g. 127.0.0.5,127.0.0.6)")
	flag.StringVar(&o.esxiVersion, "esxi-version", "8.0.2", "ESXi version of every host, and/or HOST=VERSION entries (stock host names)")
	flag.StringVar(&o.vcVersion, "vc-version", "8.0.2", "vCenter version (about.version)")
	flag.StringVar(&o.vcAPIVersion, "vc-api-version", "", "vCenter about.apiVersion (default derived from -vc-version)")
	flag.IntVar(&o.placement.hostMemGiB, "host-memory-gib", 64, "memory of every host, GiB")
	flag.IntVar(&o.placement.hostCPUCores, "host-cpu-cores", 16, "CPU cores of every host (2294 MHz each)")
	flag.Int64Var(&o.placement.poolReservationMiB, "pool-reservation-mib", 0, "memory reservation of each -pool child pool, MiB")
	flag.Int64Var(&o.placement.poolReservationMHz, "pool-reservation-mhz", 0, "CPU reservation of each -pool child pool, MHz")
	flag.BoolVar(&o.placement.poolExpandable, "pool-expandable", true, "the -pool child pools have expandable reservations")
	flag.BoolVar(&o.perf.stats, "perf-stats", true, "performance statistics collected (false: QueryPerf/QueryAvailablePerfMetric empty for hosts and datastores)")
	flag.Int64Var(&o.perf.defaultMs, "datastore-latency-default-ms", 2, "datastore read/write latency of every host and datastore not named in -datastore-latency-ms")
	flag.StringVar(&o.latency, "datastore-latency-ms", "", "comma list of DS=MS (every host mounting DS) or HOST/DS=MS (one host)")
	flag.StringVar(&o.badLogins, "bad-logins", "", "BadUsernameSessionEvents posted at start: IP=N or USER@IP=N, comma separated")
	flag.IntVar(&ssoPasswordLifetime, "sso-password-lifetime-days", 90, "the local SSO password policy's maximum lifetime (GetLocalPasswordPolicy; 0: passwords never expire)")
	flag.DurationVar(&stsTokenLifetime, "sts-token-lifetime", stsTokenLifetime, "how long the STS's tokens are honoured (their NotOnOrAfter), whatever the request asks")
	flag.BoolVar(&ssoOff, "sso-off", false, "no STS and no SSO admin endpoint (HTTP 404), as a vCenter whose SSO cannot be reached")
	flag.IntVar(&restPageSize, "rest-page-size", 100, "items per page of the /api permission list (vCenter 9 mode)")
	flag.IntVar(&authzPagePad, "authz-page-pad-bytes", 0, "pad every page of the /api permission list with this many bytes (a hostile server, vCenter 9 mode)")
	flag.BoolVar(&authzEndless, "authz-endless", false, "the /api permission list never ends: a fresh marker on every page (a hostile server, vCenter 9 mode)")
	flag.StringVar(&authzListPrivilege, "authz-list-privilege", "System.Read", "the privilege on the root folder the /api permission list requires (vCenter 9 mode)")
	flag.StringVar(&ssoSystemDomain, "sso-domain", ssoSystemDomain, "the SSO system domain: the tenant the STS and SSO admin service answer under (/sts/STSService/DOMAIN), which the Lookup Service lists")
	flag.BoolVar(&lookupOff, "lookup-off", false, "no Lookup Service (/lookupservice/sdk answers HTTP 404)")
	flag.StringVar(&lookupSSOHost, "lookup-sso-host", "", "HOST:PORT the Lookup Service names for the STS and the SSO admin service (default: the host the client reached)")
	flag.StringVar(&templateFlip, "template-flip", "", "NAME=gone|vm: after the first inventory read of config.template, the template NAME is deleted or made a plain VM (a -vanish rule, vanish.go)")
	flag.Var(&vanish, "vanish", "NAME[=gone|vm]@[after:]METHOD[+TEXT...]: the object NAME is deleted (or made a plain VM) when the first METHOD request whose body holds every TEXT arrives, or with after: once it is answered; repeatable (vanish.go)")
	flag.IntVar(&failAuthzChange, "fail-authz-change", 0, "the N-th authorization change (role add/update/remove, permission set/remove, REST create/delete) fails with SystemError; 0: none")
	flag.BoolVar(&filterView, "filter-view", false, "PropertyCollector and SearchIndex show a user only what it holds System.View on (and the ancestors)")
	flag.IntVar(&pageDefault, "page-default", pageDefault, "objects in a RetrievePropertiesEx page when the request sets no maxObjects, as real vCenters do (0: all)")
	flag.IntVar(&pageMax, "page-max", pageMax, "the most objects a RetrievePropertiesEx page holds, whatever maxObjects asks (0: no cap)")
	flag.Parse()
	o.perf.specs = splitList(o.latency)
	o.placement.standaloneOnlyDS = splitList(o.standaloneOnlyDS)
	o.placement.hostNames = splitList(o.hostNames)
	o.placement.esxiVersions = splitList(o.esxiVersion)
	return o
}

// applyScenario presets inventory options; flags given explicitly win.
// Extend the switch for new scenarios.
func applyScenario(o *options, inv *inventoryConfig) error {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	preset := func(name string, dst *int, v int) {
		if !set[name] {
			*dst = v
		}
	}

	switch o.scenario {
	case "", "clean":
	case "demo":
		preset("standalone", &o.standalone, 1)
		preset("template", &o.template, 2)
		preset("template-deploys", &o.templateDeploys, 2)
		inv.storageFolder = true
	default:
		return fmt.Errorf("unknown -scenario %q (want clean or demo)", o.scenario)
	}
	return nil
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("vcsim-arc: ")
	o := parseFlags()

	// The password never travels in argv.
	password := os.Getenv("VCSIM_PASSWORD")
	if password == "" {
		fmt.Fprintln(os.Stderr, "vcsim-arc: env VCSIM_PASSWORD must be set (the password is never a flag)")
		os.Exit(2)
	}
	if o.stateDir == "" {
		fmt.Fprintln(os.Stderr, "vcsim-arc: -state-dir is required")
		os.Exit(2)
	}
	inv := inventoryConfig{user: o.username}
	if err := applyScenario(o, &inv); err != nil {
		fmt.Fprintln(os.Stderr, "vcsim-arc:", err)
		os.Exit(2)
	}
	inv.folders, inv.folderDepth = o.folder, o.folderDepth
	inv.nonVMFolders = o.folder > 0
	inv.templates, inv.templateDeploys = o.template, o.templateDeploys
	if inv.templateDeploys > 0 && inv.templates == 0 {
		log.Fatal("-template-deploys needs -template >= 1")
	}

	stateDir, err := filepath.Abs(o.stateDir)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		log.Fatal(err)
	}
	st := &stateFiles{dir: stateDir}

	// Model.Create puts each datastore (and so every VM file) in
	// ioutil.TempDir("", ...), i.e. under $TMPDIR: point it at a private dir we
	// remove on exit.
	dataDir, err := os.MkdirTemp(stateDir, "data-")
	if err != nil {
		log.Fatal(err)
	}
	st.dataDir = dataDir
	os.Setenv("TMPDIR", dataDir)

	m := simulator.VPX()
	m.Datacenter = o.datacenter
	m.Cluster = o.cluster
	m.ClusterHost = o.clusterHost
	m.Host = o.standalone
	m.Pool = o.pool
	m.App = o.app
	m.Machine = o.vm
	m.Datastore = o.datastore
	m.Portgroup = o.portgroup
	// Note: stock Model.Folder means "put datacenters in folders"; our -folder
	// flag means VM folders and is handled by buildInventory.

	if err := presentAsVCenter(m, o.vcVersion, o.vcAPIVersion); err != nil {
		st.remove()
		fmt.Fprintln(os.Stderr, "vcsim-arc:", err)
		os.Exit(2)
	}
	if err := m.Create(); err != nil {
		st.remove()
		log.Fatal("model: ", err)
	}
	if err := applyPlacement(o.placement); err != nil {
		m.Remove()
		st.remove()
		fmt.Fprintln(os.Stderr, "vcsim-arc:", err)
		os.Exit(2)
	}
	if err := installPerf(m, o.perf); err != nil {
		m.Remove()
		st.remove()
		fmt.Fprintln(os.Stderr, "vcsim-arc:", err)
		os.Exit(2)
	}
	installPaging(m)
	installHook()
	if err := installVanish(m); err != nil {
		m.Remove()
		st.remove()
		fmt.Fprintln(os.Stderr, "vcsim-arc:", err)
		os.Exit(2)
	}
	installSearchIndex(m)
	if err := buildInventory(m, inv); err != nil {
		m.Remove()
		st.remove()
		log.Fatal("inventory: ", err)
	}
	if err := postBadLogins(splitList(o.badLogins), o.username); err != nil {
		m.Remove()
		st.remove()
		fmt.Fprintln(os.Stderr, "vcsim-arc:", err)
		os.Exit(2)
	}
	fixDatastoreSpace(int64(o.datastoreFreeGiB), 2048)
	vAppMembersOutOfFolders()
	if err := installAuthz(m, o.usersFile, o.username); err != nil {
		m.Remove()
		st.remove()
		log.Fatal(err)
	}

	tlsConfig, caPEM, err := serverTLS(o.certDays)
	if err != nil {
		log.Fatal(err)
	}
	m.Service.TLS = tlsConfig
	m.Service.RegisterEndpoints = true
	// Where Login auth is decided: simulator.SessionManager.validLogin accepts
	// exactly Listen.User's name/password (anything else gets InvalidLogin).
	// authz.go may override SessionManager.Login for extra users; REST session
	// logins go through credentialsOK (rest.go), which authz.go may replace.
	m.Service.Listen = &url.URL{Host: o.listen, User: url.UserPassword(o.username, password)}
	primaryUser, primaryPassword = o.username, password
	guardRESTLogin(m.Service)
	// The /api surface (restapi.go): the session and tagging from 7.0 U2,
	// the authorization API from 9.
	if versionAtLeast(o.vcVersion, 7, 0, 2) {
		installRESTAPI(m.Service, authzStoreInstalled, *m.ServiceContent.AuthorizationManager,
			versionAtLeast(o.vcVersion, 9, 0, 0))
	}
	installSSO(m.Service, authzStoreInstalled)
	installLookup(m.Service)

	srv, err := startServer(m)
	if err != nil {
		m.Remove()
		st.remove()
		log.Fatal(err)
	}
	addr := srv.Listener.Addr().String()
	if err := waitAccepting(addr, caPEM); err != nil {
		log.Fatal(err)
	}

	if err := st.write("ca.pem", caPEM, 0o644); err != nil {
		log.Fatal(err)
	}
	state, _ := json.MarshalIndent(map[string]interface{}{
		"url":      "https://" + addr + "/sdk",
		"ca_file":  filepath.Join(stateDir, "ca.pem"),
		"pid":      os.Getpid(),
		"username": o.username,
	}, "", "  ")
	// state.json last: its presence means "ready".
	if err := st.write("state.json", append(state, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on https://%s/sdk (state in %s)", addr, stateDir)

	waitForExit(o.exitOnStdinEOF)

	log.Print("shutting down")
	st.removeState() // first, so nobody connects to a dying server
	closeWithTimeout(srv, 3*time.Second)
	m.Remove()
	st.remove()
	os.Exit(0)
}

// startServer starts the HTTPS server. internal.NewUnstartedServer panics on a
// busy port; turn that into an error.
func startServer(m *simulator.Model) (srv *simulator.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("listen %s: %v", m.Service.Listen.Host, r)
		}
	}()
	return m.Service.NewServer(), nil
}

// waitAccepting completes a TLS handshake against addr, verifying the server
// certificate with the PEM we are about to publish (a self-check, and no
// "handshake error" noise in the log as a bare TCP probe would cause).
func waitAccepting(addr string, caPEM []byte) error {
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	cfg := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
	var err error
	for i := 0; i < 50; i++ {
		var c *tls.Conn
		d := &net.Dialer{Timeout: time.Second}
		if c, err = tls.DialWithDialer(d, "tcp", addr, cfg); err == nil {
			return c.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("server not accepting on %s: %w", addr, err)
}

// waitForExit blocks until SIGTERM/SIGINT, or stdin EOF when asked (the test
// harness holds our stdin pipe; if the test process dies we must go too).
func waitForExit(onStdinEOF bool) {
	done := make(chan string, 2)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() { done <- (<-sig).String() }()
	if onStdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
			done <- "stdin EOF"
		}()
	}
	log.Printf("exit on %s", <-done)
}

// closeWithTimeout closes the server, but does not wait forever for hung
// requests (e.g. a WaitForUpdatesEx long poll).
func closeWithTimeout(srv *simulator.Server, d time.Duration) {
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(d):
		log.Print("server close timed out; exiting anyway")
	}
}

// stateFiles tracks what we wrote in the state dir, to remove it on exit.
type stateFiles struct {
	dir, dataDir string
	written      []string
}

// write writes name atomically (temp file + rename).
func (s *stateFiles) write(name string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(s.dir, "."+name+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	path := filepath.Join(s.dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	s.written = append(s.written, path)
	return nil
}

func (s *stateFiles) removeState() {
	_ = os.Remove(filepath.Join(s.dir, "state.json"))
}

func (s *stateFiles) remove() {
	// state.json first, so readers stop trusting the rest.
	for i := len(s.written) - 1; i >= 0; i-- {
		_ = os.Remove(s.written[i])
	}
	if s.dataDir != "" {
		_ = os.RemoveAll(s.dataDir)
	}
}

// versionAtLeast reports whether the dotted version v ("8.0.2") is at least
// major.minor.patch; missing or unparsable parts count as 0.
func versionAtLeast(v string, want ...int) bool {
	parts := strings.Split(v, ".")
	for i, w := range want {
		n := 0
		if i < len(parts) {
			n, _ = strconv.Atoi(parts[i])
		}
		if n != w {
			return n > w
		}
	}
	return true
}
