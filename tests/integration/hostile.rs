//! Hostile input: the SOAP page decoder, the Arc config reader and the
//! privilege manifest parser never panic on arbitrary input (proptest), and
//! the classic attacks (entity expansion, external entities, deep nesting,
//! huge values and bodies, invalid UTF-8, alias bombs) end in a definite
//! outcome within bounded time and memory.
//!
//! Memory is measured per thread by a counting allocator (tests run in
//! parallel threads; each measurement only counts its own thread's
//! allocations). Time is bounded generously (debug builds): a run that does
//! not finish in `LIMIT` fails instead of hanging the suite.
//!
//! `PROPTEST_CASES=100000 cargo test --release --test integration hostile::` runs the
//! property tests longer (default: 256 cases each).

use crate::wire;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::{Index, select};
use vaudit::vsphere::{Page, Value, decode_page};
use wiremock::{MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------
// Per-thread allocation accounting
// ---------------------------------------------------------------------------

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn track(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now);
            }
        });
    });
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// accounting only touches const-initialised thread-locals without
// destructors, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            track(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            track(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        track(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            track(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// How long any one hostile input may take (debug build, loaded machine).
const LIMIT: Duration = Duration::from_secs(60);

const MIB: usize = 1 << 20;

struct Measured<T> {
    value: T,
    /// Peak bytes allocated by the closure above what was live before it.
    peak: usize,
    elapsed: Duration,
}

/// Runs `f` on its own thread, failing the test if it takes longer than
/// `limit`; reports its result, peak extra heap use and time.
/// A one-line outcome, for the log the table of docs/design.md ("What was
/// tried, and what held") is taken from.
trait Outcome {
    fn outcome(&self) -> String;
}

impl Outcome for Result<Page, String> {
    fn outcome(&self) -> String {
        match self {
            Ok(p) => format!("Ok({} objects)", p.objects.len()),
            Err(e) => format!("Err({e:?})"),
        }
    }
}

impl Outcome for Result<(), String> {
    fn outcome(&self) -> String {
        match self {
            Ok(()) => "Ok".into(),
            Err(e) => format!("Err({:?})", e.chars().take(160).collect::<String>()),
        }
    }
}

fn bounded<T: Outcome + Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Measured<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(what.to_string())
        .spawn(move || {
            let base = LIVE.with(Cell::get);
            PEAK.with(|p| p.set(base));
            let started = Instant::now();
            let value = f();
            let elapsed = started.elapsed();
            let peak = (PEAK.with(Cell::get) - base).max(0) as usize;
            let _ = tx.send(Measured {
                value,
                peak,
                elapsed,
            });
        })
        .expect("spawn the measured thread");
    match rx.recv_timeout(limit) {
        Ok(m) => {
            eprintln!(
                "{what}: {:.3} s, peak heap {:.1} MiB, {}",
                m.elapsed.as_secs_f64(),
                m.peak as f64 / MIB as f64,
                m.value.outcome()
            );
            m
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: did not finish within {limit:?}")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: the decoder panicked"),
    }
}

/// `decode_page` on `body` (built outside the measurement), bounded.
fn decode(what: &str, body: Vec<u8>) -> Measured<Result<Page, String>> {
    // The body is allocated on this thread, so only the decoder's own
    // allocations count towards the peak.
    bounded(what, LIMIT, move || decode_page(&body).map_err(|e| e.0))
}

fn expect_err(m: &Measured<Result<Page, String>>, needle: &str) {
    match &m.value {
        Err(e) => assert!(
            e.contains(needle),
            "expected an error with {needle:?}, got {e:?}"
        ),
        Ok(p) => panic!(
            "expected an error with {needle:?}, got a page of {} objects",
            p.objects.len()
        ),
    }
}

// ---------------------------------------------------------------------------
// SOAP pages
// ---------------------------------------------------------------------------

const ENV_OPEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>"#;
const ENV_CLOSE: &str =
    "</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>";

fn page(inner: &str) -> Vec<u8> {
    format!("{ENV_OPEN}{inner}{ENV_CLOSE}").into_bytes()
}

/// A page shaped like vCenter's, with every value kind the decoder knows.
const VALID_PAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>
<token>tok-1</token>
<objects><obj type="VirtualMachine">vm-42</obj>
 <propSet><name>name</name><val xsi:type="xsd:string">web &amp; db&#33;</val></propSet>
 <propSet><name>config.template</name><val xsi:type="xsd:boolean">true</val></propSet>
 <propSet><name>parent</name><val type="Folder" xsi:type="ManagedObjectReference">group-v3</val></propSet>
 <propSet><name>config.createDate</name><val xsi:type="xsd:dateTime">2024-01-02T03:04:05Z</val></propSet>
 <propSet><name>summary.storage.committed</name><val xsi:type="xsd:long">123</val></propSet>
 <propSet><name>runtime</name><val xsi:type="VirtualMachineRuntimeInfo"><powerState>poweredOff</powerState><device><runtimeState xsi:type="VirtualMachineDeviceRuntimeInfoVirtualEthernetCardRuntimeState"/></device></val></propSet>
</objects>
<objects><obj type="Folder">group-v3</obj>
 <propSet><name>childType</name><val xsi:type="ArrayOfString"><string>Folder</string><string>VirtualMachine</string></val></propSet>
 <propSet><name>childEntity</name><val xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="VirtualMachine">vm-42</ManagedObjectReference></val></propSet>
 <missingSet><path>configStatus</path><fault><fault xsi:type="NoPermission"><object type="Folder">group-v3</object><privilegeId>System.Read</privilegeId></fault><localizedMessage></localizedMessage></fault></missingSet>
</objects>
</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;

const FAULT_PAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The session is not authenticated.</faultstring><detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"><object type="Folder">group-d1</object><privilegeId>System.View</privilegeId></NotAuthenticatedFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;

#[test]
fn the_seed_page_decodes() {
    let p = decode_page(VALID_PAGE.as_bytes()).expect("the seed page is valid");
    assert_eq!(p.objects.len(), 2);
    assert_eq!(p.token.as_deref(), Some("tok-1"));
    assert_eq!(
        p.objects[0].get("name"),
        Some(&Value::String("web & db!".into()))
    );
}

fn seeds() -> Vec<Vec<u8>> {
    vec![
        VALID_PAGE.as_bytes().to_vec(),
        FAULT_PAGE.as_bytes().to_vec(),
        page(""),
        page("<token>t</token>"),
    ]
}

/// One edit of a seed: overwrite, insert, delete, duplicate a span, or cut.
#[derive(Debug, Clone)]
enum Edit {
    Overwrite(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Duplicate(Index, usize),
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    let interesting = select(
        [
            &b"<"[..],
            b">",
            b"/>",
            b"</",
            b"&",
            b"&amp;",
            b"&#0;",
            b"&#xD800;",
            b"&lol;",
            b"<![CDATA[",
            b"]]>",
            b"<!DOCTYPE x [<!ENTITY a \"b\">]>",
            b"<!--",
            b"xsi:type=\"ManagedObjectReference\"",
            b"xsi:type=\"xsd:boolean\"",
            b"xsi:type=\"ArrayOfString\"",
            b"<objects>",
            b"</objects>",
            b"<val>",
            b"\xff\xfe",
            b"\xc3",
            b"\0",
        ]
        .to_vec(),
    )
    .prop_map(<[u8]>::to_vec);
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Overwrite(i, b)),
        (
            any::<Index>(),
            prop_oneof![interesting, prop::collection::vec(any::<u8>(), 1..8)]
        )
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<Index>(), 1usize..64).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<Index>(), 1usize..200).prop_map(|(i, n)| Edit::Duplicate(i, n)),
        any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut body: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        if body.is_empty() {
            break;
        }
        match e {
            Edit::Overwrite(i, b) => {
                let at = i.index(body.len());
                body[at] = *b;
            }
            Edit::Insert(i, bytes) => {
                let at = i.index(body.len() + 1);
                body.splice(at..at, bytes.iter().copied());
            }
            Edit::Delete(i, n) => {
                let at = i.index(body.len());
                let end = (at + n).min(body.len());
                body.drain(at..end);
            }
            Edit::Duplicate(i, n) => {
                let at = i.index(body.len());
                let end = (at + n).min(body.len());
                let span = body[at..end].to_vec();
                body.splice(end..end, span);
            }
            Edit::Truncate(i) => {
                let at = i.index(body.len());
                body.truncate(at);
            }
        }
    }
    body
}

/// Elements from the vim25 vocabulary, nested at random, with the typed
/// values the decoder interprets (and wrong ones).
fn soup_element() -> impl Strategy<Value = String> {
    let text = prop_oneof![
        select(
            [
                "",
                "true",
                "false",
                "maybe",
                "0",
                "-1",
                "99999999999999999999999",
                "vm-1",
                "group-d1",
                "tok-2",
                "&amp;",
                "&lt;x&gt;",
                "&#33;",
                "&#0;",
                "&#x110000;",
                "&nope;",
                "<![CDATA[<raw>]]>",
                "<!-- c -->",
                " \n ",
            ]
            .to_vec()
        )
        .prop_map(str::to_string),
        "[a-zA-Z0-9 ._-]{0,12}",
    ];
    let leaf = text.clone();
    leaf.prop_recursive(6, 96, 6, move |inner| {
        (
            select(
                [
                    "objects",
                    "obj",
                    "propSet",
                    "name",
                    "val",
                    "token",
                    "missingSet",
                    "path",
                    "fault",
                    "string",
                    "ManagedObjectReference",
                    "returnval",
                    "Body",
                    "x:val",
                ]
                .to_vec(),
            ),
            prop::option::of(select(
                [
                    "xsd:string",
                    "xsd:boolean",
                    "xsd:int",
                    "xsd:long",
                    "xsd:dateTime",
                    "ManagedObjectReference",
                    "ArrayOfString",
                    "ArrayOfManagedObjectReference",
                    "NotAuthenticated",
                    "NoPermission",
                    "Unknown",
                    "",
                    ":",
                ]
                .to_vec(),
            )),
            prop::option::of(select(["Folder", "VirtualMachine", "", "&amp;"].to_vec())),
            prop::collection::vec(prop_oneof![inner, text.clone()], 0..6),
        )
            .prop_map(|(name, ty, moref, kids)| {
                let mut s = format!("<{name}");
                if let Some(t) = ty {
                    s.push_str(&format!(" xsi:type=\"{t}\""));
                }
                if let Some(k) = moref {
                    s.push_str(&format!(" type=\"{k}\""));
                }
                s.push('>');
                for k in kids {
                    s.push_str(&k);
                }
                s.push_str(&format!("</{name}>"));
                s
            })
    })
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Arbitrary bytes: Ok or Err, never a panic.
    #[test]
    fn decode_page_survives_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = decode_page(&body);
    }

    /// Arbitrary bytes after a valid envelope prefix, so the decoder gets
    /// past the Envelope and Body before the garbage.
    #[test]
    fn decode_page_survives_garbage_inside_a_page(garbage in prop::collection::vec(any::<u8>(), 0..2048)) {
        let mut body = ENV_OPEN.as_bytes().to_vec();
        body.extend_from_slice(&garbage);
        let _ = decode_page(&body);
        body.extend_from_slice(ENV_CLOSE.as_bytes());
        let _ = decode_page(&body);
    }

    /// Valid pages with up to 8 random edits each.
    #[test]
    fn decode_page_survives_mutated_pages(
        seed in select(seeds()),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let body = apply(seed, &edits);
        let _ = decode_page(&body);
    }

    /// Well-formed pages of vim25 elements in random shapes: a decoded
    /// page always has a reference on every object.
    #[test]
    fn decode_page_survives_element_soup(kids in prop::collection::vec(soup_element(), 0..6)) {
        let body = page(&kids.concat());
        if let Ok(p) = decode_page(&body) {
            for o in &p.objects {
                prop_assert!(o.obj.kind.len() <= MIB && o.obj.value.len() <= MIB);
            }
        }
    }

    /// YAML-ish text into the Arc config reader (an appliance file that may
    /// name an infra file, itself random): Ok or Err, never a panic.
    #[test]
    fn config_load_survives_yamlish_text(
        appliance in yamlish(),
        infra in yamlish(),
        raw in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("infra.yaml"), &infra).unwrap();
        let app = dir.path().join("appliance.yaml");
        std::fs::write(&app, &appliance).unwrap();
        let _ = vaudit::config::load(&app);
        let _ = vaudit::config::load(&dir.path().join("infra.yaml"));
        std::fs::write(&app, &raw).unwrap();
        let _ = vaudit::config::load(&app);
    }

    /// TOML-ish text into the manifest parser: Ok or Err, never a panic.
    #[test]
    fn manifest_parse_survives_tomlish_text(text in tomlish(), raw in ".{0,256}") {
        let _ = vaudit::manifest::parse(&text, "fuzz.toml");
        let _ = vaudit::manifest::parse(&raw, "fuzz.toml");
    }
}

fn yamlish() -> impl Strategy<Value = String> {
    let token = select(
        [
            "vsphereprovider:",
            "credentials:",
            "address:",
            "username:",
            "password:",
            "datacenter:",
            "datastore:",
            "folder:",
            "resourcepool:",
            "network:",
            "segment:",
            "dnsservers:",
            "gateway:",
            "ipaddressprefix:",
            "k8snodeippoolstart:",
            "k8snodeippoolend:",
            "appliancevm:",
            "vmtemplate:",
            "applianceClusterConfig:",
            "controlPlaneEndpoint:",
            "networking:",
            "proxy:",
            "http:",
            "https:",
            "infrastructureConfigPath:",
            "infra.yaml",
            "missing.yaml",
            ".",
            "10.0.0.1",
            "DC0",
            "/DC0/vm/Arc",
            "- ",
            "[",
            "]",
            "{",
            "}",
            ",",
            ": ",
            "&a",
            "*a",
            "<<: *a",
            "!!binary",
            "!!str",
            "~",
            "null",
            "true",
            "0x1F",
            "'q'",
            "\"q\\u0000\"",
            "|",
            ">",
            "---",
            "...",
            "%YAML 1.2",
            "#",
            "?",
            "\t",
            "\n",
            "\n  ",
            "\n    ",
            " ",
        ]
        .to_vec(),
    );
    prop::collection::vec(token, 0..64).prop_map(|t| t.concat())
}

fn tomlish() -> impl Strategy<Value = String> {
    let token = select(
        [
            "name = ",
            "description = ",
            "[[privilege]]",
            "[privilege]",
            "id = ",
            "group = ",
            "label = ",
            "level = ",
            "on = ",
            "\"required\"",
            "\"recommended\"",
            "\"optional\"",
            "\"VirtualMachine.Inventory.Create\"",
            "\"System.View\"",
            "\"\"",
            "\"folder\"",
            "\"pool\"",
            "\"datastore\"",
            "'lit'",
            "\"\"\"multi\"\"\"",
            "\"\\u0000\"",
            "\"\\uD800\"",
            "[",
            "]",
            "{",
            "}",
            ",",
            "=",
            ".",
            "1",
            "1e400",
            "1979-05-27T07:32:00Z",
            "true",
            "#",
            "\n",
            " ",
        ]
        .to_vec(),
    );
    prop::collection::vec(token, 0..64).prop_map(|t| t.concat())
}

// ---------------------------------------------------------------------------
// Hostile XML, each with its outcome
// ---------------------------------------------------------------------------

#[test]
fn billion_laughs_is_refused_before_any_expansion() {
    let mut dtd = String::from(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#);
    dtd.push_str(r#"<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">"#);
    for i in 2..=9 {
        let prev = format!("&lol{};", i - 1).repeat(10);
        dtd.push_str(&format!(r#"<!ENTITY lol{i} "{prev}">"#));
    }
    dtd.push_str("]>");
    let body = format!(
        "{dtd}{}",
        String::from_utf8(page(
            r#"<objects><obj type="Folder">&lol9;</obj></objects>"#
        ))
        .unwrap()
        .replacen(r#"<?xml version="1.0" encoding="UTF-8"?>"#, "", 1)
    );
    let m = decode("billion laughs", body.into_bytes());
    expect_err(&m, "DOCTYPE");
    assert!(m.peak < MIB, "peak {} bytes", m.peak);
}

#[test]
fn external_entity_is_refused() {
    let body = format!(
        r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>{}"#,
        String::from_utf8(page(r#"<objects><obj type="Folder">&x;</obj></objects>"#))
            .unwrap()
            .replacen(r#"<?xml version="1.0" encoding="UTF-8"?>"#, "", 1)
    );
    let m = decode("external entity", body.into_bytes());
    expect_err(&m, "DOCTYPE");
    // Without a DOCTYPE, the reference is an undeclared entity, not a file.
    let m = decode(
        "undeclared entity",
        page(r#"<objects><obj type="Folder">&x;</obj></objects>"#),
    );
    expect_err(&m, "undeclared entity &x;");
    // In an attribute value too.
    let m = decode(
        "undeclared entity in an attribute",
        page(r#"<objects><obj type="&x;">group-1</obj></objects>"#),
    );
    expect_err(&m, "malformed attribute value");
}

#[test]
fn deep_nesting_is_refused_at_depth_128() {
    for (what, depth) in [
        ("10,000-deep nesting", 10_000usize),
        ("1,000,000-deep nesting", 1_000_000),
    ] {
        // Inside an unknown property value: the path that skips whole trees.
        let inner = format!(
            r#"<objects><obj type="Folder">g</obj><propSet><name>n</name><val xsi:type="Zzz">{}{}</val></propSet></objects>"#,
            "<a>".repeat(depth),
            "</a>".repeat(depth)
        );
        let m = decode(what, page(&inner));
        expect_err(&m, "nested deeper than 128 elements");
        assert!(m.peak < MIB, "{what}: peak {} bytes", m.peak);
    }
    // Exactly at the limit is fine: depth 128 counts every element from
    // the Envelope (5 above `objects`' children here).
    let ok = format!(
        r#"<objects><obj type="Folder">g</obj><propSet><name>n</name><val xsi:type="Zzz">{}{}</val></propSet></objects>"#,
        "<a>".repeat(128 - 7),
        "</a>".repeat(128 - 7)
    );
    let m = decode("nesting at the limit", page(&ok));
    assert_eq!(m.value.expect("depth 128 decodes").objects.len(), 1);
}

#[test]
fn attribute_values_are_bounded_at_one_mib() {
    // 1 MB (10^6 bytes) is under the 1 MiB bound: decoded, kept whole.
    let mb = "F".repeat(1_000_000);
    let m = decode(
        "1 MB attribute value",
        page(&format!(
            r#"<objects><obj type="{mb}">group-1</obj></objects>"#
        )),
    );
    let p = m.value.expect("a 1 MB attribute is within bounds");
    assert_eq!(p.objects[0].obj.kind.len(), 1_000_000);
    assert!(m.peak < 8 * MIB, "peak {} bytes", m.peak);
    // Over 1 MiB, on any element, is refused.
    let big = "F".repeat(MIB + 1);
    let m = decode(
        "1 MiB + 1 attribute value",
        page(&format!(
            r#"<objects><obj type="Folder">g</obj><propSet><name>n</name><val xsi:type="Zzz"><deep junk="{big}"/></val></propSet></objects>"#
        )),
    );
    expect_err(&m, "an attribute value longer than 1 MiB");
    assert!(m.peak < MIB, "peak {} bytes", m.peak);
}

#[test]
fn text_values_are_bounded_at_one_mib() {
    let two_mb = "x".repeat(2_000_000);
    let m = decode(
        "2 MB text value",
        page(&format!(
            r#"<objects><obj type="Folder">g</obj><propSet><name>name</name><val xsi:type="xsd:string">{two_mb}</val></propSet></objects>"#
        )),
    );
    expect_err(&m, "a text value longer than 1 MiB");
    assert!(m.peak < MIB, "peak {} bytes", m.peak);

    // The same length split by entity references: refused while it is
    // accumulated, not after.
    let pieces = "xxxxxxx&amp;".repeat(2_000_000 / 8);
    let m = decode(
        "2 MB text value in entity-split pieces",
        page(&format!(
            r#"<objects><obj type="Folder">g</obj><propSet><name>name</name><val xsi:type="xsd:string">{pieces}</val></propSet></objects>"#
        )),
    );
    expect_err(&m, "a text value longer than 1 MiB");
    assert!(m.peak < 4 * MIB, "peak {} bytes", m.peak);

    let m = decode(
        "2 MB CDATA value",
        page(&format!(
            r#"<objects><obj type="Folder">g</obj><propSet><name>name</name><val xsi:type="xsd:string"><![CDATA[{two_mb}]]></val></propSet></objects>"#
        )),
    );
    expect_err(&m, "a text value longer than 1 MiB");
}

#[test]
fn a_100_mb_body_is_decided_in_bounded_time_and_memory() {
    // One 100 MB text run: refused at the first event.
    let text = "x".repeat(100 * 1_000_000);
    let m = decode(
        "100 MB body, one text value",
        page(&format!(
            r#"<objects><obj type="Folder">g</obj><propSet><name>name</name><val xsi:type="xsd:string">{text}</val></propSet></objects>"#
        )),
    );
    drop(text);
    expect_err(&m, "a text value longer than 1 MiB");
    assert!(m.peak < MIB, "peak {} bytes", m.peak);

    // 100 MB of 1 KB values in elements the decoder skips: streamed,
    // nothing kept.
    let skipped = format!("<x>{}</x>", "v".repeat(1000)).repeat(100_000);
    let m = decode("100 MB body, 100,000 skipped 1 KB elements", page(&skipped));
    drop(skipped);
    let p = m.value.expect("skipped elements decode to an empty page");
    assert!(p.objects.is_empty() && p.token.is_none());
    assert!(m.peak < MIB, "peak {} bytes", m.peak);
}

/// The worst case per byte: 64 MiB (the transport's cap, the most the
/// decoder is ever given) of the smallest elements, 9.6 million of them.
/// About 3 s unoptimised, so every `cargo test` runs it.
#[test]
fn a_64_mib_body_of_tiny_elements_is_decided_in_bounded_time_and_memory() {
    let skipped = "<x></x>".repeat((64 << 20) / 7);
    let m = decode("64 MiB body, 9.6 million skipped elements", page(&skipped));
    drop(skipped);
    let p = m.value.expect("skipped elements decode to an empty page");
    assert!(p.objects.is_empty());
    assert!(m.peak < MIB, "peak {} bytes", m.peak);
}

#[test]
fn invalid_utf8_in_a_value_is_an_error() {
    let mut body = page(
        r#"<objects><obj type="Folder">g</obj><propSet><name>name</name><val xsi:type="xsd:string">ab@@cd</val></propSet></objects>"#,
    );
    let at = body.windows(2).position(|w| w == b"@@").unwrap();
    body[at] = 0xff;
    body[at + 1] = 0xfe;
    let m = decode("invalid UTF-8 in a value", body);
    expect_err(&m, "UTF-8");

    // A lone continuation byte in an attribute value.
    let mut body = page(r#"<objects><obj type="Fo@der">g</obj></objects>"#);
    let at = body.iter().position(|&b| b == b'@').unwrap();
    body[at] = 0x80;
    let m = decode("invalid UTF-8 in an attribute", body);
    expect_err(&m, "UTF-8");
}

#[test]
fn bad_character_references_are_errors() {
    for r in [
        "&#0;",
        "&#xD800;",
        "&#x110000;",
        "&#99999999999999999999;",
        "&#x;",
    ] {
        let m = decode(
            r,
            page(&format!(
                r#"<objects><obj type="Folder">g{r}</obj></objects>"#
            )),
        );
        expect_err(&m, "character reference");
    }
}

#[test]
fn a_million_objects_decode_or_fail_in_bounded_time() {
    // Empty `objects`: refused at the first, without a reference.
    let m = decode(
        "1,000,000 empty objects",
        page(&"<objects></objects>".repeat(1_000_000)),
    );
    expect_err(&m, "an object without its reference");
}

/// A million objects with references (52 MB): all decoded, memory in
/// proportion to what is kept. About 2 s unoptimised.
#[test]
fn a_million_objects_with_references_decode_in_bounded_time() {
    let m = decode(
        "1,000,000 objects with references",
        page(&r#"<objects><obj type="Folder">group-1</obj></objects>"#.repeat(1_000_000)),
    );
    let p = m.value.expect("a million small objects decode");
    assert_eq!(p.objects.len(), 1_000_000);
    assert!(m.peak < 512 * MIB, "peak {} bytes", m.peak);
}

/// Namespace prefixes are resolved by a linear scan of the bindings in
/// scope, for every prefixed attribute: N declarations and M prefixed
/// attributes would cost N×M. The decoder refuses more than 128 bindings in
/// scope, so a 7 MB body of 100,000 declarations is refused at once.
#[test]
fn many_namespace_bindings_are_refused() {
    let decls: String = (0..100_000)
        .map(|i| format!(r#" xmlns:p{i}="u""#))
        .collect();
    let attrs = r#"<x q:type="a"></x>"#.repeat(300_000);
    let body = format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"{decls}><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>{attrs}</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#
    );
    let m = decode(
        "100,000 namespace bindings, 300,000 prefixed attributes",
        body.into_bytes(),
    );
    expect_err(&m, "more than 128 namespace bindings");

    // 120 bindings (under the cap) and 30,000 prefixed attributes: each
    // attribute scans the 120 bindings, linear in the body.
    let attrs = r#"<x q:type="a"></x>"#.repeat(30_000);
    let decls: String = (0..120).map(|i| format!(r#" xmlns:p{i}="u""#)).collect();
    let body = format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"{decls}><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>{attrs}</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#
    );
    let m = decode(
        "120 namespace bindings, 30,000 prefixed attributes",
        body.into_bytes(),
    );
    assert!(
        m.value
            .expect("unknown prefixes are not errors")
            .objects
            .is_empty()
    );
}

// ---------------------------------------------------------------------------
// Through the binary: the transport's 64 MiB cap
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_100_mb_answer_is_cut_at_64_mib_through_the_binary() {
    let server = MockServer::start().await;
    let body = page(&"<x></x>".repeat(100 * 1_000_000 / 7));
    wire::soap("RetrieveServiceContent")
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/xml; charset=utf-8"))
        .mount(&server)
        .await;
    let run = wire::vaudit(
        vec![
            "folders".into(),
            "--url".into(),
            wire::https_uri(&server),
            "-u".into(),
            wire::USER.into(),
            "-o".into(),
            "json".into(),
            "--timeout".into(),
            // Room to stream 64 MiB on a loaded machine (or under Wine).
            "120".into(),
        ],
        &[],
    )
    .await;
    run.assert_exit(2)
        .assert_stderr_has("larger than 64 MiB")
        .assert_stderr_lacks("panicked");
    assert!(
        run.stdout.is_empty(),
        "no report on a failed run: {}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_billion_laughs_answer_fails_closed_through_the_binary() {
    let server = MockServer::start().await;
    let body = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrieveServiceContentResponse xmlns="urn:vim25"><returnval>&lol2;</returnval></RetrieveServiceContentResponse></soapenv:Body></soapenv:Envelope>"#;
    wire::soap("RetrieveServiceContent")
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/xml; charset=utf-8"))
        .mount(&server)
        .await;
    let run = wire::vaudit(
        vec![
            "about".into(),
            "--url".into(),
            wire::https_uri(&server),
            "-u".into(),
            wire::USER.into(),
            "-o".into(),
            "json".into(),
        ],
        &[],
    )
    .await;
    run.assert_exit(2).assert_stderr_has("DOCTYPE");
}

// ---------------------------------------------------------------------------
// Hostile YAML and TOML
// ---------------------------------------------------------------------------

fn load_yaml(what: &str, text: String) -> Measured<Result<(), String>> {
    bounded(what, LIMIT, move || {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("hostile-infra.yaml");
        std::fs::write(&p, &text).unwrap();
        drop(text);
        vaudit::config::load(Path::new(&p))
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
}

fn yaml_laughs(levels: usize, fanout: usize) -> String {
    let mut y = String::from("vsphereprovider:\n  datacenter: DC0\n");
    y.push_str(&format!(
        "l0: &l0 [{}]\n",
        vec!["\"lol\""; fanout].join(", ")
    ));
    for i in 1..levels {
        y.push_str(&format!(
            "l{i}: &l{i} [{}]\n",
            vec![format!("*l{}", i - 1); fanout].join(", ")
        ));
    }
    y
}

#[test]
fn yaml_alias_bomb_is_refused_with_bounded_memory() {
    // 9 levels of 9 aliases each: 9^9 (387 million) strings if expanded.
    let m = load_yaml("YAML billion laughs (9^9)", yaml_laughs(9, 9));
    let err = m.value.expect_err("the alias bomb is refused");
    assert!(err.contains("repetition limit exceeded"), "{err}");
    assert!(m.peak < 64 * MIB, "peak {} bytes", m.peak);
    assert!(m.elapsed < Duration::from_secs(5), "took {:?}", m.elapsed);
}

#[test]
fn yaml_alias_bomb_under_the_bound_key() {
    // The same bomb as the value of a key the reader deserializes.
    let mut y = yaml_laughs(9, 9).replace("vsphereprovider:\n  datacenter: DC0\n", "");
    y.push_str("vsphereprovider:\n  dnsservers: *l8\n  network:\n    dnsservers: *l8\n");
    let m = load_yaml("YAML billion laughs as a value", y);
    let err = m.value.expect_err("the alias bomb is refused");
    assert!(err.contains("repetition limit exceeded"), "{err}");
    assert!(m.peak < 64 * MIB, "peak {} bytes", m.peak);
}

#[test]
fn yaml_deep_nesting_is_refused() {
    let y = format!(
        "vsphereprovider:\n  datacenter: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let m = load_yaml("YAML 10,000-deep flow sequence", y);
    let err = m.value.expect_err("deep nesting is refused");
    assert!(err.contains("recursion limit exceeded"), "{err}");
}

#[test]
fn yaml_external_tags_and_large_scalars_are_plain_data() {
    // YAML has no external entities: a URL is a string, never read.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("url-infra.yaml");
    std::fs::write(
        &p,
        "vsphereprovider:\n  datacenter: DC0\n  folder: file:///etc/passwd\n",
    )
    .unwrap();
    let cfg = vaudit::config::load(&p).expect("a URL is plain data");
    assert_eq!(cfg.folder.as_deref(), Some("file:///etc/passwd"));
    // A !!binary tag where a string belongs is a typed error, not a read.
    let m = load_yaml(
        "YAML with a !!binary tag",
        "vsphereprovider:\n  datacenter: !!binary ZmlsZTovLy9ldGMvcGFzc3dk\n".to_string(),
    );
    if let Ok(()) = m.value {
        // serde_norway may accept it as a string; it must not be the file.
        let p2 = dir.path().join("bin-infra.yaml");
        std::fs::write(
            &p2,
            "vsphereprovider:\n  datacenter: !!binary ZmlsZTovLy9ldGMvcGFzc3dk\n",
        )
        .unwrap();
        let cfg = vaudit::config::load(&p2).unwrap();
        assert!(!cfg.datacenter.unwrap_or_default().contains("root:"));
    }
    // A 900 kB scalar: read, held once or twice.
    let m = load_yaml(
        "YAML 900 kB scalar",
        format!("vsphereprovider:\n  datacenter: {}\n", "d".repeat(900_000)),
    );
    m.value.expect("a long scalar is data");
    assert!(m.peak < 64 * MIB, "peak {} bytes", m.peak);
    // Past 1 MiB the file is refused before parsing.
    let m = load_yaml(
        "YAML 2 MB scalar",
        format!(
            "vsphereprovider:\n  datacenter: {}\n",
            "d".repeat(2_000_000)
        ),
    );
    let err = m.value.expect_err("a config file over 1 MiB is refused");
    assert!(err.contains("larger than 1 MiB"), "{err}");
}

fn parse_toml(what: &str, text: String) -> Measured<Result<(), String>> {
    bounded(what, LIMIT, move || {
        vaudit::manifest::parse(&text, "hostile.toml")
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
}

#[test]
fn toml_deep_nesting_is_refused() {
    for (what, text) in [
        (
            "TOML 10,000-deep arrays",
            format!("name = {}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
        ),
        (
            "TOML 10,000-deep inline tables",
            format!("name = {}{}\n", "{a=".repeat(10_000), "}".repeat(10_000)),
        ),
        (
            "TOML 10,000-deep dotted key",
            format!("{} = 1\n", vec!["a"; 10_000].join(".")),
        ),
    ] {
        let m = parse_toml(what, text);
        let err = m.value.expect_err("refused");
        assert!(!err.is_empty());
        assert!(m.peak < 256 * MIB, "{what}: peak {} bytes", m.peak);
    }
}

#[test]
fn toml_large_values_are_decided() {
    let m = parse_toml(
        "TOML 2 MB string",
        format!(
            "name = \"{}\"\n[[privilege]]\nid = \"System.Anonymous\"\ngroup = \"g\"\nlabel = \"l\"\nlevel = \"required\"\n",
            "n".repeat(2_000_000)
        ),
    );
    // Parsed in bounded time, then refused for its implied privilege.
    let err = m.value.expect_err("an implied privilege is refused");
    assert!(err.contains("System.Anonymous"), "{err}");
    let m = parse_toml(
        "TOML 10,000 privileges",
        (0..10_000)
            .map(|i| format!("[[privilege]]\nid = \"A.B{i}\"\ngroup = \"g\"\nlabel = \"l\"\nlevel = \"required\"\n"))
            .collect::<String>(),
    );
    assert!(m.value.is_err(), "no name: refused");
}
