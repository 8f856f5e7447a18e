//! The rules (finding codes) each check of the registry can report, so a
//! report can list every rule of a check whether it passed or failed: a
//! JUnit testcase per rule keeps the same name across runs, and CI follows
//! it. Kept beside the registry rather than in its entries so that adding a
//! check never has to touch this list first; a test below names any check
//! of the registry left without rules.

use super::{
    capacity, connection, credential_expiry, dns, egress, endpoints, folders, ip_conflict, ip_plan,
    latency, network, placement, pools, privileges, proxy, support_matrix, tagging, targets,
    templates, upload_path, vcenter,
};

pub static RULES: &[(&str, &[&str])] = &[
    (endpoints::CHECK, &["local-domain-endpoint"]),
    (ip_plan::CHECK, &["ip-plan"]),
    (
        connection::CHECK,
        &[
            "endpoint-unreachable",
            "tls-untrusted",
            "login-failed",
            "connection-failed",
            "tls-not-verified",
            "tls-expiring",
        ],
    ),
    (
        tagging::CHECK,
        &["tagging-unavailable", "tag-privilege-not-global"],
    ),
    (
        support_matrix::CHECK,
        &["unsupported-version", "inventory-too-large"],
    ),
    (vcenter::CLOCK, &["clock-skew"]),
    (
        credential_expiry::CHECK,
        &["credential-expiry", "credential-expiry-unknown"],
    ),
    (
        targets::CHECK,
        &["target-not-found", "target-ambiguous", "inventory-filtered"],
    ),
    (
        privileges::CHECK,
        &[
            "missing-privilege",
            "missing-recommended-privilege",
            "unknown-privilege",
            "privilege-not-propagated",
            "tag-privilege-not-global",
            "unknown-principal",
        ],
    ),
    (folders::CHECK, &["non-vm-folder"]),
    (pools::CHECK, &["host-resource-pool"]),
    (templates::CHECK, &["stale-template", "duplicate-template"]),
    (placement::CHECK, &["datastore-not-on-pool-hosts"]),
    (capacity::CHECK, &["datastore-space", "pool-capacity"]),
    (network::CHECK, &["duplicate-network"]),
    (latency::CHECK, &["datastore-latency"]),
    (dns::CHECK, &["dns-unresolvable", "dns-server-unreachable"]),
    (
        proxy::CHECK,
        &[
            "proxy-unreachable",
            "proxy-tls-untrusted",
            "noproxy-missing",
            "proxy-malformed",
            "no-proxy",
        ],
    ),
    (egress::CHECK, &["egress-blocked", "egress-untested"]),
    (ip_conflict::CHECK, &["ip-in-use"]),
    (
        upload_path::CHECK,
        &["esxi-unresolvable", "esxi-unreachable"],
    ),
];

/// The rules of `check`; one named after the check itself when it has none
/// listed, so every check is at least one testcase.
pub fn of(check: &str) -> Vec<&str> {
    RULES
        .iter()
        .find(|(c, _)| *c == check)
        .map(|(_, r)| r.to_vec())
        .unwrap_or_else(|| vec![check])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_of_the_registry_lists_its_rules() {
        let missing: Vec<&str> = super::super::registry::CHECKS
            .iter()
            .map(|c| c.name)
            .filter(|n| !RULES.iter().any(|(c, _)| c == n))
            .collect();
        assert!(
            missing.is_empty(),
            "add the finding codes of {missing:?} to checks/rules.rs"
        );
    }

    #[test]
    fn no_rule_is_listed_twice_for_a_check() {
        for (c, rules) in RULES {
            let mut r = rules.to_vec();
            r.sort();
            r.dedup();
            assert_eq!(r.len(), rules.len(), "{c}");
        }
    }
}
