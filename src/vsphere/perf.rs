//! The PerformanceManager: which counter measures datastore write latency
//! on this vCenter (counter ids differ between vCenters, names do not),
//! whether statistics are collected, and one `QueryPerf` for the hosts that
//! mount a datastore, decoded as it arrives.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::envelope::Request;
use super::error::Error;
use super::runs::Runs;
use super::session::Client;
use super::transport::BodySink;
use super::types::MoRef;
use super::xml::{Cursor, Node, Result as XmlResult, XmlError};

/// `datastore.totalWriteLatency.average`: milliseconds, per host and
/// datastore (instance = the datastore's volume UUID).
pub const WRITE_LATENCY: (&str, &str, &str) = ("datastore", "totalWriteLatency", "average");

/// The real-time interval: 20-second samples a host keeps for an hour, so
/// "the last hour" needs no statistics level beyond what every host keeps.
pub const REALTIME_INTERVAL: u32 = 20;

/// One `historicalInterval` of the vCenter's statistics settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsInterval {
    pub name: String,
    pub period_secs: i64,
    pub level: i64,
    pub enabled: bool,
}

/// What the PerformanceManager says about itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PerfCatalog {
    /// The id of `datastore.totalWriteLatency.average`, when the vCenter
    /// has that counter.
    pub write_latency_counter: Option<i32>,
    pub intervals: Vec<StatsInterval>,
}

/// One host's samples of one counter instance, oldest first; the API's
/// "no value" (-1) is left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostSeries {
    pub host: MoRef,
    pub samples: Vec<i64>,
}

impl Client {
    fn perf_manager(&self) -> Result<MoRef, Error> {
        self.require("PerformanceManager", &self.content().perf_manager)
    }

    /// The counter list and the statistics intervals, in one read.
    pub async fn perf_catalog(&self) -> Result<PerfCatalog, Error> {
        let pm = self.perf_manager()?;
        let pc = self.content().property_collector.clone();
        let mut req = Request::new("RetrievePropertiesEx", &pc);
        req.open("specSet").open("propSet").text("type", &pm.kind);
        req.text("pathSet", "perfCounter")
            .text("pathSet", "historicalInterval");
        req.close("propSet");
        req.open("objectSet")
            .moref("obj", &pm)
            .close("objectSet")
            .close("specSet");
        req.open("options").close("options");
        let step = "RetrievePropertiesEx";
        let body = self.transport.call(req).await?;
        let node = self.transport.decode_tree(step, &body)?;
        let mut catalog = PerfCatalog::default();
        let objects = node
            .children_named("returnval")
            .flat_map(|r| r.children_named("objects"));
        for o in objects {
            for m in o.children_named("missingSet") {
                if m.child("fault").and_then(|f| f.xsi_type.as_deref()) == Some("NotAuthenticated")
                {
                    return Err(Client::not_authenticated(step));
                }
            }
            for p in o.children_named("propSet") {
                let Some(val) = p.child("val") else { continue };
                match p.text_of("name") {
                    Some("perfCounter") => {
                        catalog.write_latency_counter = val
                            .children
                            .iter()
                            .find(|c| counter_is(c, WRITE_LATENCY))
                            .and_then(|c| c.text_of("key")?.parse().ok());
                    }
                    Some("historicalInterval") => {
                        catalog.intervals = val.children.iter().map(interval).collect();
                    }
                    _ => {}
                }
            }
        }
        Ok(catalog)
    }

    /// `QueryPerf` for every host: `counter` on the datastore `instance`
    /// (its volume UUID), real-time samples in `(start, end]` (RFC 3339, the
    /// vCenter's clock). A host without samples has no series. One call
    /// for every host, in CSV (`format=csv`: a sample is a few bytes, not
    /// an element), decoded host by host as the answer arrives
    /// (`PerfStream`), so its round trips do not grow with the hosts and
    /// its text is never held. An answer past the byte bound is asked
    /// again in halves, side by side, never dropped.
    pub async fn query_host_latency(
        &self,
        counter: i32,
        hosts: &[MoRef],
        instance: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<HostSeries>, Error> {
        let q = Query {
            counter,
            instance,
            start,
            end,
        };
        self.query_split(&q, hosts, MAX_SPLITS).await
    }

    fn query_split<'a>(
        &'a self,
        q: &'a Query<'a>,
        hosts: &'a [MoRef],
        splits: usize,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Vec<HostSeries>, Error>> + 'a>> {
        Box::pin(async move {
            match self.query_hosts(q, hosts).await {
                // Cut after at least one host's answer: a host's answer is
                // smaller than the bound, so halves fit sooner or later.
                Err((_, Some(arrived))) if arrived > 0 && splits > 0 && hosts.len() > 1 => {
                    tracing::debug!(
                        hosts = hosts.len(),
                        arrived,
                        "a QueryPerf answer passed the byte bound: asked again in halves"
                    );
                    let (a, b) = hosts.split_at(hosts.len() / 2);
                    let (a, b) = tokio::join!(
                        self.query_split(q, a, splits - 1),
                        self.query_split(q, b, splits - 1)
                    );
                    let mut all = a?;
                    all.extend(b?);
                    Ok(all)
                }
                Err((err, _)) => Err(err),
                Ok(series) => Ok(series),
            }
        })
    }

    /// One `QueryPerf` for `hosts`; a failure says how many hosts' answers
    /// had arrived when the answer passed the byte bound.
    async fn query_hosts(
        &self,
        q: &Query<'_>,
        hosts: &[MoRef],
    ) -> Result<Vec<HostSeries>, (Error, Option<usize>)> {
        if hosts.is_empty() {
            return Ok(vec![]);
        }
        let pm = self.perf_manager().map_err(|e| (e, None))?;
        let mut req = Request::new("QueryPerf", &pm);
        let (counter, interval) = (q.counter.to_string(), REALTIME_INTERVAL.to_string());
        // PerfQuerySpec fields in WSDL order.
        for h in hosts {
            req.open("querySpec")
                .moref("entity", h)
                .text("startTime", q.start)
                .text("endTime", q.end);
            req.open("metricId")
                .text("counterId", &counter)
                .text("instance", q.instance)
                .close("metricId");
            req.text("intervalId", &interval)
                .text("format", "csv")
                .close("querySpec");
        }
        let mut stream = PerfStream::new(q.counter, hosts);
        match self.transport.call_into(req, &mut stream).await {
            Ok(()) => Ok(stream.got.series),
            Err(e) => Err((e, stream.cut.then_some(stream.got.arrived))),
        }
    }
}

/// What one latency question asks of every host.
struct Query<'a> {
    counter: i32,
    instance: &'a str,
    start: &'a str,
    end: &'a str,
}

/// How many times an answer past the byte bound is halved: 16 calls at
/// most, so a server that answers too much to every question is stopped
/// within 31 answers. At 64 MiB one answer holds an hour of CSV samples
/// for more than 10,000 hosts, four times vCenter's maximum.
const MAX_SPLITS: usize = 4;

/// The most bytes one host's answer may take: an hour of 20-second samples
/// in CSV is under 6 KB. A server that sends more for one host is stopped
/// there, not at the bound of the whole answer.
const MAX_ENTITY: usize = 1 << 20;

/// The most samples one host's series may hold: an hour of real-time
/// samples is 180.
const MAX_SAMPLES: usize = 3_600;

/// A `QueryPerf` answer decoded host by host as it arrives (`Runs` of
/// whole `returnval` elements behind the answer's start): the series kept,
/// the text dropped.
struct PerfStream<'a> {
    got: Series<'a>,
    runs: Runs,
    /// Decoding in runs stopped (boundaries not where their bytes made
    /// them look): the rest is decoded whole at the end.
    whole: bool,
    /// The transport stopped the answer at its byte bound.
    cut: bool,
}

/// The series decoded so far. An answer for a host not asked about, or a
/// second one for a host, is an error: it answers another question.
struct Series<'a> {
    counter: i32,
    /// The hosts asked about, and whether their answer came.
    asked: HashMap<&'a MoRef, bool>,
    series: Vec<HostSeries>,
    /// Hosts whose answer was decoded.
    arrived: usize,
}

impl<'a> PerfStream<'a> {
    fn new(counter: i32, hosts: &'a [MoRef]) -> Self {
        PerfStream {
            got: Series {
                counter,
                asked: hosts.iter().map(|h| (h, false)).collect(),
                series: Vec::new(),
                arrived: 0,
            },
            runs: Runs::new(b"<returnval", b"</returnval>"),
            whole: false,
            cut: false,
        }
    }
}

impl Series<'_> {
    /// Keeps the hosts' series of one run (or of the rest, read whole).
    fn accept(&mut self, run: Vec<(MoRef, Vec<i64>)>) -> XmlResult<()> {
        for (host, samples) in run {
            match self.asked.get_mut(&host) {
                None => return Err(XmlError(format!("{host} was sent, and not asked for"))),
                Some(true) => return Err(XmlError(format!("{host} was sent twice"))),
                Some(seen) => *seen = true,
            }
            self.arrived += 1;
            if !samples.is_empty() {
                self.series.push(HostSeries { host, samples });
            }
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.asked.values_mut().for_each(|seen| *seen = false);
        self.series.clear();
        self.arrived = 0;
    }
}

/// Decodes the hosts' metrics in `body` (with `partial`, the answer's
/// start and whole `returnval` elements only): each host with its samples
/// of `counter`.
fn decode_metrics(body: &[u8], counter: i32, partial: bool) -> XmlResult<Vec<(MoRef, Vec<i64>)>> {
    let mut cur = Cursor::new(body);
    let resp = cur.enter_body()?;
    if resp.is("Fault") {
        return Err(XmlError("a SOAP fault in a successful answer".into()));
    }
    let mut out = Vec::new();
    loop {
        if partial && cur.at_end_of_input() {
            return Ok(out);
        }
        let Some(rv) = cur.next_child()? else { break };
        if rv.is("returnval") {
            out.push(entity_metric(&mut cur, counter)?);
        } else {
            cur.skip()?;
        }
    }
    if partial {
        return Err(XmlError(
            "the hosts' metrics are not where an answer holds them".into(),
        ));
    }
    Ok(out)
}

impl BodySink for PerfStream<'_> {
    fn feed(&mut self, chunk: &[u8]) -> XmlResult<()> {
        self.runs.push(chunk);
        if self.whole {
            return Ok(());
        }
        if let Some(run) = self.runs.ready() {
            match decode_metrics(run, self.got.counter, true) {
                Ok(metrics) => {
                    self.runs.consume();
                    self.got.accept(metrics)?;
                }
                // Read whole at the end, the runs decoded so far kept.
                Err(_) => {
                    self.whole = true;
                    return Ok(());
                }
            }
        }
        if self.runs.pending() > MAX_ENTITY {
            return Err(XmlError(format!(
                "one host's metrics take more than {} MiB",
                MAX_ENTITY >> 20
            )));
        }
        Ok(())
    }

    fn finish(&mut self) -> XmlResult<()> {
        let rest = self.runs.take();
        let metrics = decode_metrics(&rest, self.got.counter, false)?;
        self.got.accept(metrics)
    }

    fn cut(&mut self) {
        self.cut = true;
    }

    fn reset(&mut self) {
        self.got.clear();
        self.runs.take();
        self.whole = false;
        self.cut = false;
    }
}

/// One `PerfEntityMetricCSV` (or `PerfEntityMetric`, from a server that
/// answers in the normal format whatever is asked): its host and the
/// samples of `counter`, the API's "no value" (-1) left out.
fn entity_metric(cur: &mut Cursor<'_>, counter: i32) -> XmlResult<(MoRef, Vec<i64>)> {
    let mut host = None;
    let mut samples = Vec::new();
    while let Some(tag) = cur.next_child()? {
        if tag.is("entity") {
            let kind = tag.attr("type")?.unwrap_or(Cow::Borrowed("HostSystem"));
            host = Some(MoRef::new(&*kind, cur.text()?.trim_ascii()));
        } else if tag.is("value") {
            let (id, values) = metric_series(cur)?;
            if id == Some(counter) {
                samples.extend(values.into_iter().filter(|s| *s >= 0));
            }
        } else {
            cur.skip()?;
        }
    }
    let host = host.ok_or_else(|| XmlError("a host's metrics without the host".into()))?;
    if samples.len() > MAX_SAMPLES {
        return Err(XmlError(format!(
            "more than {MAX_SAMPLES} samples for {host} in an hour"
        )));
    }
    Ok((host, samples))
}

/// One series: its counter id and its values, `15,-1,25` in CSV, one
/// `value` element each in the normal format.
fn metric_series(cur: &mut Cursor<'_>) -> XmlResult<(Option<i32>, Vec<i64>)> {
    let mut id = None;
    let mut values = Vec::new();
    while let Some(t) = cur.next_child()? {
        if t.is("id") {
            while let Some(i) = cur.next_child()? {
                if i.is("counterId") {
                    id = cur.text()?.trim_ascii().parse::<i32>().ok();
                } else {
                    cur.skip()?;
                }
            }
        } else if t.is("value") {
            for v in cur.text()?.split(',').map(str::trim_ascii) {
                if v.is_empty() {
                    continue;
                }
                if values.len() == MAX_SAMPLES {
                    return Err(XmlError(format!(
                        "more than {MAX_SAMPLES} samples in one series of an hour"
                    )));
                }
                values.push(
                    v.parse()
                        .map_err(|_| XmlError(format!("{v:?} is not a valid sample")))?,
                );
            }
        } else {
            cur.skip()?;
        }
    }
    Ok((id, values))
}

fn counter_is(c: &Node, (group, name, rollup): (&str, &str, &str)) -> bool {
    let key_of = |n: &str| c.child(n).and_then(|e| e.text_of("key"));
    key_of("groupInfo") == Some(group)
        && key_of("nameInfo") == Some(name)
        && c.text_of("rollupType") == Some(rollup)
}

fn interval(n: &Node) -> StatsInterval {
    let int = |k: &str| n.text_of(k).and_then(|v| v.parse().ok()).unwrap_or(0);
    StatsInterval {
        name: n.text_of("name").unwrap_or_default().to_string(),
        period_secs: int("samplingPeriod"),
        level: int("level"),
        enabled: n.text_of("enabled") == Some("true"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENV: &str = r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><QueryPerfResponse xmlns="urn:vim25">"#;
    const END: &str = "</QueryPerfResponse></soapenv:Body></soapenv:Envelope>";

    fn hosts(n: usize) -> Vec<MoRef> {
        (1..=n)
            .map(|i| MoRef::new("HostSystem", format!("host-{i}")))
            .collect()
    }

    fn csv(host: &str, values: &str) -> String {
        format!(
            r#"<returnval xsi:type="PerfEntityMetricCSV"><entity type="HostSystem">{host}</entity><sampleInfoCSV>20,2026-12-06T07:00:00Z,20,2026-12-06T07:00:20Z</sampleInfoCSV><value><id><counterId>183</counterId><instance>u</instance></id><value>{values}</value></value></returnval>"#
        )
    }

    /// Feeds `body` in chunks of `chunk` bytes, as the transport does.
    fn streamed(hosts: &[MoRef], body: &str, chunk: usize) -> XmlResult<Vec<HostSeries>> {
        let mut s = PerfStream::new(183, hosts);
        for c in body.as_bytes().chunks(chunk) {
            s.feed(c)?;
        }
        s.finish()?;
        Ok(s.got.series)
    }

    #[test]
    fn series_keep_only_the_counter_and_drop_missing_values() {
        let xml = format!(
            r#"{ENV}<returnval xsi:type="PerfEntityMetric"><entity type="HostSystem">host-1</entity>
<value xsi:type="PerfMetricIntSeries"><id><counterId>183</counterId><instance>u</instance></id><value>15</value><value>-1</value><value>25</value></value>
<value xsi:type="PerfMetricIntSeries"><id><counterId>182</counterId><instance>u</instance></id><value>99</value></value></returnval>
<returnval xsi:type="PerfEntityMetric"><entity type="HostSystem">host-2</entity></returnval>{END}"#
        );
        let s = streamed(&hosts(2), &xml, 1 << 16).unwrap();
        assert_eq!(s.len(), 1, "a host without samples has no series");
        assert_eq!(s[0].host, MoRef::new("HostSystem", "host-1"));
        assert_eq!(s[0].samples, vec![15, 25]);
    }

    #[test]
    fn csv_series_read_as_the_normal_format_does() {
        let xml = format!(
            "{ENV}{}{}{END}",
            csv("host-1", "15,-1,25"),
            csv("host-2", "")
        );
        let s = streamed(&hosts(2), &xml, 1 << 16).unwrap();
        assert_eq!(
            s,
            [HostSeries {
                host: MoRef::new("HostSystem", "host-1"),
                samples: vec![15, 25]
            }]
        );
    }

    #[test]
    fn an_answer_decoded_as_it_arrives_is_the_answer_decoded_whole() {
        let hs = hosts(50);
        let body: String = hs
            .iter()
            .enumerate()
            .map(|(i, h)| csv(&h.value, &format!("{i},{}", i + 1)))
            .collect();
        let xml = format!("{ENV}{body}{END}");
        let whole = streamed(&hs, &xml, xml.len()).unwrap();
        assert_eq!(whole.len(), 50);
        for chunk in [1, 7, 100, 333] {
            assert_eq!(
                streamed(&hs, &xml, chunk).unwrap(),
                whole,
                "chunks of {chunk}"
            );
        }
    }

    #[test]
    fn a_host_not_asked_about_fails_the_answer() {
        let xml = format!("{ENV}{}{END}", csv("host-9", "1"));
        let err = streamed(&hosts(2), &xml, 64).unwrap_err();
        assert!(
            err.0.contains("host-9 was sent, and not asked for"),
            "{err}"
        );
    }

    #[test]
    fn a_host_answered_twice_fails_the_answer() {
        let xml = format!("{ENV}{}{}{END}", csv("host-1", "1"), csv("host-1", "2"));
        let err = streamed(&hosts(2), &xml, 64).unwrap_err();
        assert!(err.0.contains("was sent twice"), "{err}");
    }

    #[test]
    fn more_samples_than_an_hour_could_hold_fail_the_answer() {
        let many = vec!["1"; MAX_SAMPLES + 1].join(",");
        let xml = format!("{ENV}{}{END}", csv("host-1", &many));
        let err = streamed(&hosts(1), &xml, 1 << 16).unwrap_err();
        assert!(err.0.contains("more than 3600 samples"), "{err}");
    }

    #[test]
    fn one_host_larger_than_its_bound_is_stopped_before_the_answer_ends() {
        let mut s = PerfStream::new(183, &[]);
        s.feed(format!("{ENV}<returnval><entity>host-1</entity><value><value>").as_bytes())
            .unwrap();
        let endless = "1,".repeat(1 << 12);
        let stopped = (0..1024).find_map(|_| s.feed(endless.as_bytes()).err());
        let err = stopped.expect("stopped within 8 MiB");
        assert!(
            err.0.contains("one host's metrics take more than 1 MiB"),
            "{err}"
        );
    }
}
