//! The config's DNS servers, asked directly for every name the appliance
//! must resolve: the guide's first cause of the "KVA timeout".

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use crate::probe::DnsServer;
use crate::probe::dns::Answer;

pub const CHECK: &str = "dns";

const KEY: &str = "vsphereprovider.network.dnsservers";

fn finding(code: &str, message: String, remedy: String) -> Finding {
    Finding::new(CHECK, Severity::Error, code, None, message, remedy)
}

pub fn run(f: &Facts<'_>) -> Outcome {
    let Some(net) = f.network else {
        return Outcome::not_verified("the network probes were not run");
    };
    if f.config.dns_servers.is_empty() {
        return Outcome::not_verified(format!(
            "{}: the DNS servers the appliance will use",
            f.config.why_missing(crate::config::keys::DNS_SERVERS)
        ));
    }
    Outcome::Verified(judge(&net.dns))
}

pub fn judge(servers: &[(String, DnsServer)]) -> Vec<Finding> {
    let here = super::FROM_HERE;
    let mut out = Vec::new();
    for (server, result) in servers {
        let answers = match result {
            DnsServer::NotAnAddress => {
                out.push(finding(
                    "dns-server-unreachable",
                    format!("the DNS server {server:?} ({KEY}) is not an IP address, so neither the appliance nor vaudit can ask it"),
                    format!("give {KEY} as IP addresses"),
                ));
                continue;
            }
            DnsServer::Asked(a) => a,
        };
        if !answers.is_empty()
            && answers
                .iter()
                .all(|(_, _, a)| matches!(a, Answer::NoAnswer(_)))
        {
            let why = match &answers[0].2 {
                Answer::NoAnswer(w) => w.as_str(),
                _ => "",
            };
            out.push(finding(
                "dns-server-unreachable",
                format!("the DNS server {server} did not answer on UDP or TCP port 53 ({why}); {here}"),
                format!("change {KEY} to DNS servers the appliance can reach on port 53, or open port 53 to {server}"),
            ));
            continue;
        }
        for (what, name, answer) in answers {
            let why = match answer {
                Answer::Resolved(_) => continue,
                Answer::NotFound(w) => format!("cannot resolve {name} ({what}): {w}"),
                Answer::NoAnswer(w) => format!("gave no answer for {name} ({what}): {w}"),
            };
            out.push(finding(
                "dns-unresolvable",
                format!("the DNS server {server} {why}; {here}"),
                format!("make {server} resolve {name} (internal and external names alike), or change {KEY} to servers that do"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(a: Vec<Answer>) -> DnsServer {
        DnsServer::Asked(
            a.into_iter()
                .enumerate()
                .map(|(i, a)| ("a required endpoint".into(), format!("n{i}.example"), a))
                .collect(),
        )
    }

    #[test]
    fn a_server_that_answers_nothing_is_unreachable_once() {
        let f = judge(&[(
            "127.0.0.9".into(),
            asked(vec![
                Answer::NoAnswer("UDP: refused; TCP: refused".into()),
                Answer::NoAnswer("UDP: refused; TCP: refused".into()),
            ]),
        )]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "dns-server-unreachable");
        assert!(f[0].message.contains("observed from this machine"));
    }

    #[test]
    fn each_name_it_cannot_resolve_is_named() {
        let f = judge(&[(
            "127.0.0.9".into(),
            asked(vec![
                Answer::Resolved(vec!["127.0.0.1".parse().unwrap()]),
                Answer::NotFound("NXDOMAIN: no such name".into()),
            ]),
        )]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "dns-unresolvable");
        assert!(f[0].message.contains("n1.example"), "{}", f[0].message);
    }
}
