//! Throughput of the PropertyCollector page decoder (`vaudit::vsphere::decode_page`)
//! on a generated 10,000-VM `RetrievePropertiesExResponse`, in MB/s.
//!
//!     cargo bench --bench decode
//!
//! Two dialects of the same page: the one vCenter writes (`xsi:type`, the
//! namespace declared once on the envelope) and the one the bundled simulator
//! writes (govmomi's encoder: `xmlns:XMLSchema-instance` re-declared on every
//! `val`, about 60% more bytes). The bodies are generated here rather than
//! recorded: ~5 MB each would bloat the repository.
//!
//! Each page is decoded twice per run, side by side: by vaudit's own scanner
//! (`src/vsphere/xml/`) and by the same decoder on quick-xml's `Reader`
//! (`decode/quick_xml_page.rs`), both with the same bounds; docs/design.md's
//! choice between them is taken from this comparison.
//!
//! Under `cargo test --all-targets` (no `--bench` argument) criterion runs
//! each benchmark once to check it works; a 200-object page keeps that under
//! a second in a debug build.

use std::fmt::Write as _;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vaudit::vsphere::{Page, decode_page};

#[path = "decode/quick_xml_page.rs"]
mod quick_xml_page;

const OBJECTS: usize = 10_000;
/// The page size when run as a test (`cargo test`), not a benchmark.
const TEST_OBJECTS: usize = 200;

#[derive(Clone, Copy)]
enum Dialect {
    /// vCenter: `<val xsi:type="xsd:string">`.
    VCenter,
    /// govmomi's vcsim: a namespace declaration on every typed value.
    Vcsim,
}

fn page(n: usize, dialect: Dialect) -> String {
    let ty = |t: &str| match dialect {
        Dialect::VCenter => format!(r#"xsi:type="{t}""#),
        Dialect::Vcsim => format!(
            r#"xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="{t}""#
        ),
    };
    let (s, b, d, mor, ps) = (
        ty("xsd:string"),
        ty("xsd:boolean"),
        ty("xsd:dateTime"),
        ty("ManagedObjectReference"),
        ty("VirtualMachinePowerState"),
    );
    let mut x = String::with_capacity(n * 1200);
    x.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
        r#"<soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><token>1</token>"#
    ));
    for i in 0..n {
        let cluster = i % 2;
        let pool = i % 101;
        let name = format!("DC0_C{cluster}_RP{pool}_VM{i}");
        let template = i % 500 == 499;
        let _ = write!(
            x,
            concat!(
                r#"<objects><obj type="VirtualMachine">vm-{id}</obj>"#,
                r#"<propSet><name>name</name><val {s}>{name}</val></propSet>"#,
                r#"<propSet><name>parent</name><val {mor} type="Folder">group-v{folder}</val></propSet>"#,
                "{rp}",
                r#"<propSet><name>config.template</name><val {b}>{template}</val></propSet>"#,
                r#"<propSet><name>config.createDate</name><val {d}>2025-{month:02}-{day:02}T{hh:02}:{mm:02}:{ss:02}.{us:06}Z</val></propSet>"#,
                r#"<propSet><name>config.uuid</name><val {s}>{a:08x}-{b4:04x}-{c4:04x}-{d4:04x}-{e:012x}</val></propSet>"#,
                r#"<propSet><name>summary.config.vmPathName</name><val {s}>[LocalDS_{ds}] {name}/{name}.vmx</val></propSet>"#,
                r#"<propSet><name>runtime.powerState</name><val {ps}>{power}</val></propSet>"#,
                "</objects>"
            ),
            id = 1000 + i,
            s = s,
            b = b,
            d = d,
            mor = mor,
            ps = ps,
            name = name,
            folder = 10 + i % 300,
            rp = if template {
                String::new()
            } else {
                format!(
                    r#"<propSet><name>resourcePool</name><val {mor} type="ResourcePool">resgroup-{}</val></propSet>"#,
                    20 + pool
                )
            },
            template = template,
            month = 1 + i % 12,
            day = 1 + i % 28,
            hh = i % 24,
            mm = i % 60,
            ss = (i / 60) % 60,
            us = (i * 7919) % 1_000_000,
            a = (i as u64).wrapping_mul(2_654_435_761) & 0xffff_ffff,
            b4 = i % 0xffff,
            c4 = 0x4000 | (i % 0xfff),
            d4 = 0x8000 | (i % 0x3fff),
            e = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) & 0xffff_ffff_ffff,
            ds = i % 4,
            power = if i % 3 == 0 {
                "poweredOff"
            } else {
                "poweredOn"
            },
        );
    }
    x.push_str("</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>");
    x
}

fn bench_decode(c: &mut Criterion) {
    let n = if std::env::args().any(|a| a == "--bench") {
        OBJECTS
    } else {
        TEST_OBJECTS
    };
    let mut g = c.benchmark_group("decode_page");
    // Short runs: the machine's two cores are shared.
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    type Decoder = fn(&[u8]) -> Result<Page, String>;
    let scanner: Decoder = |b| decode_page(b).map_err(|e| e.to_string());
    let decoders: [(&str, Decoder); 2] = [
        ("scanner", scanner),
        ("quick_xml", quick_xml_page::decode_page),
    ];
    for (label, dialect) in [("vcenter", Dialect::VCenter), ("vcsim", Dialect::Vcsim)] {
        let body = page(n, dialect);
        // A wrong fixture would measure the error path: check it once, and
        // that both decoders read the same page.
        let p = decode_page(body.as_bytes()).expect("the generated page decodes");
        assert_eq!(p.objects.len(), n);
        assert_eq!(p.objects[0].props.len(), 8);
        let q = quick_xml_page::decode_page(body.as_bytes()).expect("quick-xml decodes it");
        assert!(p.objects == q.objects && p.token == q.token);
        g.throughput(Throughput::Bytes(body.len() as u64));
        for (decoder, decode) in decoders {
            let name = format!("{decoder}/{label}_{n}_vms_{}KiB", body.len() >> 10);
            // The decoder's own work: the page it returns lives on (as the
            // inventory snapshot) and is freed outside the timing.
            g.bench_function(&name, |bch| {
                bch.iter_with_large_drop(|| decode(std::hint::black_box(body.as_bytes())).unwrap())
            });
            // And with the page freed again inside the timing: the
            // allocator's share, reported next to it rather than hidden.
            g.bench_function(format!("{name}_and_free"), |bch| {
                bch.iter(|| decode(std::hint::black_box(body.as_bytes())).unwrap())
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);
