//! `datastore-latency`: the target datastore's write latency over the last
//! hour, from the real-time counters of the hosts that mount it. etcd, which
//! the appliance's Kubernetes control plane runs on, needs 10 ms or less.

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use crate::inventory::appliance::DatastoreLatency;
use crate::inventory::{Entity, MoRef, Snapshot};

pub const CHECK: &str = "datastore-latency";
/// Over this a warning (etcd's recommendation).
pub const WARN_MS: f64 = 10.0;
/// Over this an error.
pub const ERROR_MS: f64 = 20.0;

const REMEDY: &str = "move the appliance to a faster datastore (flash or hybrid storage) or reduce the load on this one; etcd, which the bridge's control plane runs on, needs 10 ms or less";

/// The numbers a verdict rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// (host moref value, its average, its peak), worst average first.
    pub hosts: Vec<(String, f64, i64)>,
    pub average: f64,
}

pub fn summarize(l: &DatastoreLatency) -> Option<Summary> {
    let mut hosts: Vec<(String, f64, i64)> = l
        .series
        .iter()
        .filter(|s| !s.samples.is_empty())
        .map(|s| {
            let avg = s.samples.iter().sum::<i64>() as f64 / s.samples.len() as f64;
            let peak = s.samples.iter().copied().max().unwrap_or(0);
            (s.host.value.clone(), avg, peak)
        })
        .collect();
    if hosts.is_empty() {
        return None;
    }
    hosts.sort_by(|a, b| b.1.total_cmp(&a.1));
    let all: Vec<i64> = l
        .series
        .iter()
        .flat_map(|s| s.samples.iter().copied())
        .collect();
    let average = all.iter().sum::<i64>() as f64 / all.len() as f64;
    Some(Summary { hosts, average })
}

/// By the snapshot's index: a scan per host made 2,500 silent hosts cost
/// millions of comparisons.
fn host_name(snap: &Snapshot, value: &str) -> String {
    snap.get(&MoRef::new("HostSystem", value))
        .map(|h| h.name.clone())
        .unwrap_or_else(|| value.to_string())
}

/// Judges `ds` on its samples, or says why it cannot.
pub fn check(snap: &Snapshot, ds: &Entity, l: &DatastoreLatency) -> Outcome {
    if l.datastore != ds.moref {
        return Outcome::not_verified(format!(
            "the latency samples are of another datastore ({}); run again with this target",
            l.datastore
        ));
    }
    if l.counter.is_none() {
        return Outcome::not_verified(
            "this vCenter has no datastore.totalWriteLatency.average performance counter, so the latency cannot be read",
        );
    }
    if l.hosts.is_empty() {
        return Outcome::not_verified(format!(
            "no connected host mounts {} (see the placement check), so no host reports its latency",
            ds.name
        ));
    }
    let Some(sum) = summarize(l) else {
        let off = !l.intervals.is_empty() && l.intervals.iter().all(|i| !i.enabled);
        let why = if off {
            "statistics collection is turned off on this vCenter"
        } else {
            "the hosts kept no samples of the counter"
        };
        return Outcome::not_verified(format!(
            "none of the {} hosts mounting {} reported write-latency samples for the last hour: {why}; turn statistics on (vCenter > Configure > Settings > General > Statistics, level 1 or higher) and run again",
            l.hosts.len(),
            ds.name
        ));
    };
    let (worst, worst_avg, worst_peak) = &sum.hosts[0];
    let severity = if *worst_avg > ERROR_MS {
        Some(Severity::Error)
    } else if *worst_avg > WARN_MS {
        Some(Severity::Warning)
    } else {
        None
    };
    let mut findings = Vec::new();
    if let Some(severity) = severity {
        findings.push(Finding::new(
            CHECK,
            severity,
            "datastore-latency",
            Some(ds),
            format!(
                "{}'s write latency over the last hour: {} averaged {worst_avg:.1} ms (peak {worst_peak} ms), {:.1} ms across its {} hosts; over {} ms",
                ds.name,
                host_name(snap, worst),
                sum.average,
                sum.hosts.len(),
                if severity == Severity::Error { ERROR_MS } else { WARN_MS },
            ),
            REMEDY.into(),
        ));
    }
    let sampled: std::collections::HashSet<&str> =
        sum.hosts.iter().map(|(v, ..)| v.as_str()).collect();
    let silent: Vec<String> = l
        .hosts
        .iter()
        .filter(|h| !sampled.contains(h.value.as_str()))
        .map(|h| host_name(snap, &h.value))
        .collect();
    if !silent.is_empty() {
        // A host that kept no samples may be the slow one: say so rather
        // than let the others speak for it.
        findings.push(Finding::new(
            CHECK,
            Severity::Warning,
            "datastore-latency",
            Some(ds),
            format!(
                "{} of the hosts mounting {} reported no write-latency samples for the last hour: {}",
                silent.len(),
                ds.name,
                silent.join(", ")
            ),
            "check that these hosts are connected and that statistics are collected".into(),
        ));
    }
    Outcome::Verified(findings)
}

pub fn run(f: &Facts<'_>) -> Outcome {
    let (Some(snap), Some(ds)) = (f.snapshot(), f.targets.datastore) else {
        return Outcome::not_verified("no datastore to judge");
    };
    match &snap.datastore_latency {
        Some(l) => check(snap, ds, l),
        None => Outcome::not_verified(
            "the snapshot holds no latency samples: save it again with the datastore-latency check selected",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::MoRef;
    use crate::inventory::fixture::datacenter;
    use crate::vsphere::{HostSeries, StatsInterval};

    fn latency(ds: &MoRef, series: &[(&str, &[i64])]) -> DatastoreLatency {
        DatastoreLatency {
            datastore: ds.clone(),
            instance: "uuid".into(),
            counter: Some(183),
            intervals: vec![],
            hosts: series
                .iter()
                .map(|(h, _)| MoRef::new("HostSystem", *h))
                .collect(),
            series: series
                .iter()
                .filter(|(_, s)| !s.is_empty())
                .map(|(h, s)| HostSeries {
                    host: MoRef::new("HostSystem", *h),
                    samples: s.to_vec(),
                })
                .collect(),
            start: String::new(),
            end: String::new(),
        }
    }

    fn judge(series: &[(&str, &[i64])]) -> Outcome {
        judge_with_hosts(&[], series)
    }

    /// Judges LocalDS_0 in a snapshot holding these hosts (value, name)
    /// in cluster C0.
    fn judge_with_hosts(hosts: &[(&str, &str)], series: &[(&str, &[i64])]) -> Outcome {
        let mut d = datacenter();
        let cluster = MoRef::new("ClusterComputeResource", "domain-c8");
        for (value, name) in hosts {
            d.b.add("HostSystem", value, name, &cluster);
        }
        let ds = d.b.add(
            "Datastore",
            "datastore-1",
            "LocalDS_0",
            &d.datastore.clone(),
        );
        let snap = d.b.build();
        let e = snap.get(&ds).unwrap().clone();
        check(&snap, &e, &latency(&ds, series))
    }

    fn severities(o: &Outcome) -> Vec<Severity> {
        o.findings().iter().map(|f| f.severity).collect()
    }

    #[test]
    fn under_10_ms_passes() {
        let o = judge(&[("host-1", &[2, 3, 10]), ("host-2", &[10])]);
        assert_eq!(o, Outcome::Verified(vec![]));
    }

    #[test]
    fn the_worst_host_decides() {
        let o = judge(&[("host-1", &[2]), ("host-2", &[15])]);
        assert_eq!(severities(&o), [Severity::Warning]);
        let o = judge(&[("host-1", &[2]), ("host-2", &[25])]);
        assert_eq!(severities(&o), [Severity::Error]);
        assert!(o.findings()[0].message.contains("host-2 averaged 25.0 ms"));
    }

    #[test]
    fn no_samples_is_not_verified_and_says_statistics_are_off() {
        let mut l = latency(&MoRef::new("Datastore", "datastore-1"), &[("host-1", &[])]);
        l.intervals = vec![StatsInterval {
            name: "Past day".into(),
            period_secs: 300,
            level: 1,
            enabled: false,
        }];
        let mut d = datacenter();
        let ds = d.b.add(
            "Datastore",
            "datastore-1",
            "LocalDS_0",
            &d.datastore.clone(),
        );
        let snap = d.b.build();
        let o = check(&snap, snap.get(&ds).unwrap(), &l);
        let Outcome::NotVerified { reason, .. } = o else {
            panic!("{o:?}")
        };
        assert!(
            reason.contains("statistics collection is turned off"),
            "{reason}"
        );
    }

    #[test]
    fn a_silent_host_is_a_warning_not_a_pass() {
        let o = judge(&[("host-1", &[2]), ("host-2", &[])]);
        assert_eq!(severities(&o), [Severity::Warning]);
    }

    #[test]
    fn hosts_are_named_as_the_inventory_names_them() {
        let o = judge_with_hosts(
            &[("host-1", "esx-slow.lab"), ("host-2", "esx-quiet.lab")],
            &[("host-1", &[30]), ("host-2", &[]), ("host-9", &[])],
        );
        let messages: Vec<&str> = o.findings().iter().map(|f| f.message.as_str()).collect();
        assert!(
            messages[0].contains("esx-slow.lab averaged 30.0 ms"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("esx-quiet.lab, host-9"),
            "{messages:?}"
        );
    }
}
