//! The PerformanceManager: which counter measures datastore write latency
//! on this vCenter (counter ids differ between vCenters, names do not),
//! whether statistics are collected, and one batched `QueryPerf` for the
//! hosts that mount a datastore.

use serde::{Deserialize, Serialize};

use super::envelope::Request;
use super::error::Error;
use super::session::Client;
use super::types::MoRef;
use super::xml::Node;

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
    /// vCenter's clock). A host without samples has no series. Asked in
    /// batches of `PERF_HOSTS`, all at once: a datastore mounted on the
    /// hosts of a vCenter at its maximum (2,500) answers more elements in
    /// one call than an answer may hold, and batches one after the other
    /// would make the round trips grow with the hosts.
    pub async fn query_host_latency(
        &self,
        counter: i32,
        hosts: &[MoRef],
        instance: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<HostSeries>, Error> {
        self.query_split(counter, hosts, instance, start, end).await
    }

    fn query_split<'a>(
        &'a self,
        counter: i32,
        hosts: &'a [MoRef],
        instance: &'a str,
        start: &'a str,
        end: &'a str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Vec<HostSeries>, Error>> + 'a>> {
        Box::pin(async move {
            if hosts.len() <= PERF_HOSTS {
                return self.query_batch(counter, hosts, instance, start, end).await;
            }
            let (a, b) = hosts.split_at(hosts.len() / 2);
            let (a, b) = tokio::join!(
                self.query_split(counter, a, instance, start, end),
                self.query_split(counter, b, instance, start, end)
            );
            let mut all = a?;
            all.extend(b?);
            Ok(all)
        })
    }

    async fn query_batch(
        &self,
        counter: i32,
        hosts: &[MoRef],
        instance: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<HostSeries>, Error> {
        if hosts.is_empty() {
            return Ok(vec![]);
        }
        let pm = self.perf_manager()?;
        let mut req = Request::new("QueryPerf", &pm);
        // PerfQuerySpec fields in WSDL order.
        for h in hosts {
            req.open("querySpec")
                .moref("entity", h)
                .text("startTime", start)
                .text("endTime", end);
            req.open("metricId")
                .text("counterId", &counter.to_string())
                .text("instance", instance)
                .close("metricId");
            req.text("intervalId", &REALTIME_INTERVAL.to_string())
                .close("querySpec");
        }
        let body = self.transport.call(req).await?;
        let node = self.transport.decode_tree("QueryPerf", &body)?;
        Ok(decode_series(&node, counter))
    }
}

/// Hosts per `QueryPerf`: a quarter-hour of real-time samples is a few
/// hundred elements a host, so a batch stays well inside the element bound
/// of one answer.
const PERF_HOSTS: usize = 200;

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

fn decode_series(node: &Node, counter: i32) -> Vec<HostSeries> {
    let mut out = Vec::new();
    for rv in node.children_named("returnval") {
        let Some(e) = rv.child("entity") else {
            continue;
        };
        let host = MoRef::new(e.attr("type").unwrap_or("HostSystem"), e.text.trim());
        let mut samples = Vec::new();
        for v in rv.children_named("value") {
            let id = v.child("id").and_then(|i| i.text_of("counterId"));
            if id.and_then(|i| i.parse::<i32>().ok()) != Some(counter) {
                continue;
            }
            samples.extend(
                v.children_named("value")
                    .filter_map(|s| s.text.trim().parse::<i64>().ok())
                    .filter(|s| *s >= 0),
            );
        }
        if !samples.is_empty() {
            out.push(HostSeries { host, samples });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vsphere::xml::Cursor;

    fn tree(xml: &str) -> Node {
        let mut cur = Cursor::new(xml.as_bytes());
        let tag = cur.enter_body().unwrap();
        Node::read(&mut cur, tag).unwrap()
    }

    const ENV: &str = r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>"#;

    #[test]
    fn series_keep_only_the_counter_and_drop_missing_values() {
        let xml = format!(
            r#"{ENV}<QueryPerfResponse xmlns="urn:vim25"><returnval xsi:type="PerfEntityMetric"><entity type="HostSystem">host-1</entity>
<value xsi:type="PerfMetricIntSeries"><id><counterId>183</counterId><instance>u</instance></id><value>15</value><value>-1</value><value>25</value></value>
<value xsi:type="PerfMetricIntSeries"><id><counterId>182</counterId><instance>u</instance></id><value>99</value></value></returnval>
<returnval xsi:type="PerfEntityMetric"><entity type="HostSystem">host-2</entity></returnval></QueryPerfResponse></soapenv:Body></soapenv:Envelope>"#
        );
        let s = decode_series(&tree(&xml), 183);
        assert_eq!(s.len(), 1, "a host without samples has no series");
        assert_eq!(s[0].host, MoRef::new("HostSystem", "host-1"));
        assert_eq!(s[0].samples, vec![15, 25]);
    }
}
