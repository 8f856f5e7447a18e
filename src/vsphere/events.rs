//! The event history: which VMs were deployed or cloned from which template,
//! and which of them were removed again.

use serde::{Deserialize, Serialize};

use super::envelope::Request;
use super::error::Error;
use super::session::Client;
use super::types::MoRef;
use super::xml::Node;

/// vCenter answers at most 1000 events per `QueryEvents`; the filter keeps
/// only the event types asked for, so this bounds the read, not the history
/// an ordinary vCenter holds for them.
pub const MAX_EVENTS: u32 = 1000;

/// One VM lifecycle event, reduced to what the template audit needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VmEvent {
    pub key: i64,
    /// The event type: `VmDeployedEvent`, `VmClonedEvent`, `VmRemovedEvent`, …
    pub kind: String,
    pub created: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// The VM the event is about.
    pub vm: Option<MoRef>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vm_name: String,
    /// The template (deploy) or VM (clone) it was made from.
    pub source: Option<MoRef>,
}

impl Client {
    /// A server that ignores `maxCount` is not read past it: it is not
    /// answering the question asked.
    fn at_most_max_events(&self, node: &Node) -> Result<(), Error> {
        if node
            .children_named("returnval")
            .nth(MAX_EVENTS as usize)
            .is_some()
        {
            return Err(Error::TooLarge {
                endpoint: self.transport.endpoint().to_string(),
                what: "events",
                limit: MAX_EVENTS as usize,
                during: "in answer to QueryEvents (maxCount)".into(),
            });
        }
        Ok(())
    }

    /// Events of the given types, oldest first.
    pub async fn query_vm_events(&self, kinds: &[&str]) -> Result<Vec<VmEvent>, Error> {
        let em = self.require("EventManager", &self.content().event_manager)?;
        let mut req = Request::new("QueryEvents", &em);
        // EventFilterSpec fields in WSDL order: vCenter rejects others.
        req.open("filter");
        for k in kinds {
            req.text("eventTypeId", k);
        }
        req.text("maxCount", &MAX_EVENTS.to_string());
        req.close("filter");
        let body = self.transport.call(req).await?;
        let node = self.transport.decode_tree("QueryEvents", &body)?;
        self.at_most_max_events(&node)?;
        let mut events: Vec<VmEvent> = node
            .children_named("returnval")
            .map(decode_event)
            .collect::<Result<_, String>>()
            .map_err(|e| self.transport.decode_err("QueryEvents", e))?;
        // vcsim returns matches out of order; vCenter newest first.
        events.sort_by_key(|e| e.key);
        Ok(events)
    }
}

fn vm_argument(n: Option<&Node>) -> (Option<MoRef>, String) {
    match n {
        None => (None, String::new()),
        Some(arg) => (
            arg.child("vm")
                .map(|m| MoRef::new(m.attr("type").unwrap_or("VirtualMachine"), m.text.trim())),
            arg.text_of("name").unwrap_or_default().to_string(),
        ),
    }
}

fn decode_event(n: &Node) -> Result<VmEvent, String> {
    let kind = n.xsi_type.clone().unwrap_or_else(|| "Event".into());
    let key = n
        .text_of("key")
        .ok_or_else(|| format!("a {kind} without a key"))?
        .parse()
        .map_err(|_| format!("a {kind} with a non-numeric key"))?;
    let (vm, vm_name) = vm_argument(n.child("vm"));
    let (source, _) = vm_argument(n.child("srcTemplate").or_else(|| n.child("sourceVm")));
    Ok(VmEvent {
        key,
        kind,
        created: n.text_of("createdTime").unwrap_or_default().to_string(),
        user: n.text_of("userName").unwrap_or_default().to_string(),
        vm,
        vm_name,
        source,
    })
}

/// Any event, reduced to what a diagnosis prints: who, from where, about
/// which VM, and vCenter's own sentence for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub key: i64,
    pub kind: String,
    pub created: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// Session events: the client's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm: Option<MoRef>,
    /// `fullFormattedMessage`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl Client {
    /// Events of the given types, about `entity` alone when given, oldest
    /// first (at most `MAX_EVENTS`).
    pub async fn query_events(
        &self,
        kinds: &[&str],
        entity: Option<&MoRef>,
    ) -> Result<Vec<Event>, Error> {
        let em = self.require("EventManager", &self.content().event_manager)?;
        let mut req = Request::new("QueryEvents", &em);
        // EventFilterSpec fields in WSDL order: entity, …, eventTypeId, maxCount.
        req.open("filter");
        if let Some(e) = entity {
            req.open("entity")
                .moref("entity", e)
                .text("recursion", "self")
                .close("entity");
        }
        for k in kinds {
            req.text("eventTypeId", k);
        }
        req.text("maxCount", &MAX_EVENTS.to_string());
        req.close("filter");
        let body = self.transport.call(req).await?;
        let node = self.transport.decode_tree("QueryEvents", &body)?;
        self.at_most_max_events(&node)?;
        let mut events: Vec<Event> = node
            .children_named("returnval")
            .map(|n| {
                let vm = decode_event(n).ok().and_then(|e| e.vm);
                Event {
                    key: n.text_of("key").and_then(|k| k.parse().ok()).unwrap_or(0),
                    kind: n.xsi_type.clone().unwrap_or_else(|| "Event".into()),
                    created: n.text_of("createdTime").unwrap_or_default().to_string(),
                    user: n.text_of("userName").unwrap_or_default().to_string(),
                    ip_address: n.text_of("ipAddress").map(str::to_string),
                    vm,
                    message: n
                        .text_of("fullFormattedMessage")
                        .unwrap_or_default()
                        .to_string(),
                }
            })
            .collect();
        // vcsim ignores the entity filter: keep only what was asked for.
        if let Some(e) = entity {
            events.retain(|ev| ev.vm.as_ref() == Some(e));
        }
        events.sort_by_key(|e| e.key);
        Ok(events)
    }
}
