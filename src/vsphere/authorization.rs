//! The AuthorizationManager: which privileges exist, which roles hold them,
//! which permissions sit on an entity, and which privileges a user holds on
//! entities. Element order in every request follows the WSDL: vCenter
//! rejects anything else.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::envelope::Request;
use super::error::Error;
use super::session::Client;
use super::types::MoRef;
use super::xml::Node;

/// The server's answer for one entity: each asked privilege, granted or not,
/// in the order asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityPrivilege {
    pub entity: MoRef,
    pub granted: Vec<(String, bool)>,
}

/// One permission: a principal (user or group) holding a role on an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    /// Where it is defined (the server fills it in answers; ignored when set).
    pub entity: Option<MoRef>,
    pub principal: String,
    pub group: bool,
    pub role_id: i32,
    pub propagate: bool,
}

/// A role and its privilege ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub id: i32,
    pub name: String,
    pub privileges: Vec<String>,
}

impl Client {
    fn authorization_manager(&self) -> Result<MoRef, Error> {
        self.require(
            "AuthorizationManager",
            &self.content().authorization_manager,
        )
    }

    /// One property of the AuthorizationManager, decoded as a tree (the
    /// stream decoder keeps complex arrays only by their type name).
    async fn authorization_property(&self, path: &str) -> Result<Option<Node>, Error> {
        let am = self.authorization_manager()?;
        let pc = self.content().property_collector.clone();
        let mut req = Request::new("RetrievePropertiesEx", &pc);
        req.open("specSet")
            .open("propSet")
            .text("type", &am.kind)
            .text("pathSet", path)
            .close("propSet");
        req.open("objectSet")
            .moref("obj", &am)
            .close("objectSet")
            .close("specSet");
        req.open("options").close("options");
        let body = self.transport.call(req).await?;
        let node = self.transport.decode_tree("RetrievePropertiesEx", &body)?;
        let Some(obj) = node.child("returnval").and_then(|r| r.child("objects")) else {
            return Ok(None);
        };
        for m in obj.children_named("missingSet") {
            let fault = m
                .child("fault")
                .and_then(|f| f.child("fault"))
                .and_then(|f| f.xsi_type.as_deref());
            if fault == Some("NotAuthenticated") {
                return Err(Client::not_authenticated("RetrievePropertiesEx"));
            }
        }
        Ok(obj
            .children_named("propSet")
            .find(|p| p.text_of("name") == Some(path))
            .and_then(|p| p.child("val"))
            .cloned())
    }

    /// Every privilege id the server knows (`AuthorizationManager.privilegeList`).
    pub async fn privilege_list(&self) -> Result<BTreeSet<String>, Error> {
        let val = self.authorization_property("privilegeList").await?;
        Ok(val
            .iter()
            .flat_map(|v| v.children_named("AuthorizationPrivilege"))
            .filter_map(|p| p.text_of("privId"))
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect())
    }

    /// Every role with its privileges (`AuthorizationManager.roleList`).
    pub async fn role_list(&self) -> Result<Vec<Role>, Error> {
        let val = self.authorization_property("roleList").await?;
        val.iter()
            .flat_map(|v| v.children_named("AuthorizationRole"))
            .map(|r| {
                let id = r
                    .text_of("roleId")
                    .and_then(|t| t.parse().ok())
                    .ok_or_else(|| {
                        self.transport
                            .decode_err("RetrievePropertiesEx", "a role without a numeric roleId")
                    })?;
                Ok(Role {
                    id,
                    name: r.text_of("name").unwrap_or_default().to_string(),
                    privileges: r
                        .children_named("privilege")
                        .map(|p| p.text.trim().to_string())
                        .collect(),
                })
            })
            .collect()
    }

    /// `HasPrivilegeOnEntities`: the privileges of the session `session_key`
    /// on every entity, in one call.
    pub async fn has_privilege_on_entities(
        &self,
        entities: &[MoRef],
        session_key: &str,
        privs: &[String],
    ) -> Result<Vec<EntityPrivilege>, Error> {
        let am = self.authorization_manager()?;
        let mut req = Request::new("HasPrivilegeOnEntities", &am);
        for e in entities {
            req.moref("entity", e);
        }
        // The session key is as good as the password while the session
        // lives: the body must not reach a -vv trace.
        req.secret = true;
        req.text("sessionId", session_key);
        for p in privs {
            req.text("privId", p);
        }
        self.entity_privileges("HasPrivilegeOnEntities", req).await
    }

    /// `HasUserPrivilegeOnEntities`: the privileges of another user (needs
    /// Authorization.ModifyPermissions on the root unless it is oneself).
    pub async fn has_user_privilege_on_entities(
        &self,
        entities: &[MoRef],
        user: &str,
        privs: &[String],
    ) -> Result<Vec<EntityPrivilege>, Error> {
        let am = self.authorization_manager()?;
        let mut req = Request::new("HasUserPrivilegeOnEntities", &am);
        for e in entities {
            req.moref("entities", e);
        }
        req.text("userName", user);
        for p in privs {
            req.text("privId", p);
        }
        self.entity_privileges("HasUserPrivilegeOnEntities", req)
            .await
    }

    async fn entity_privileges(
        &self,
        step: &'static str,
        req: Request,
    ) -> Result<Vec<EntityPrivilege>, Error> {
        let body = self.transport.call(req).await?;
        let node = self.transport.decode_tree(step, &body)?;
        node.children_named("returnval")
            .map(|rv| {
                let e = rv.child("entity").ok_or_else(|| {
                    self.transport
                        .decode_err(step, "a result without its entity")
                })?;
                Ok(EntityPrivilege {
                    entity: MoRef::new(e.attr("type").unwrap_or_default(), e.text.trim()),
                    granted: rv
                        .children_named("privAvailability")
                        .map(|a| {
                            (
                                a.text_of("privId").unwrap_or_default().to_string(),
                                a.text_of("isGranted") == Some("true"),
                            )
                        })
                        .collect(),
                })
            })
            .collect()
    }

    /// `RetrieveEntityPermissions`: the permissions defined on the entity,
    /// and with `inherited` those of ancestors that reach it.
    pub async fn retrieve_entity_permissions(
        &self,
        entity: &MoRef,
        inherited: bool,
    ) -> Result<Vec<Permission>, Error> {
        let am = self.authorization_manager()?;
        let mut req = Request::new("RetrieveEntityPermissions", &am);
        req.moref("entity", entity)
            .text("inherited", if inherited { "true" } else { "false" });
        let step = "RetrieveEntityPermissions";
        let body = self.transport.call(req).await?;
        let node = self.transport.decode_tree(step, &body)?;
        node.children_named("returnval")
            .map(|p| decode_permission(p).map_err(|e| self.transport.decode_err(step, e)))
            .collect()
    }

    /// `RetrieveAllPermissions`: every permission defined in the inventory
    /// (the principals it names are those known to hold any).
    pub async fn retrieve_all_permissions(&self) -> Result<Vec<Permission>, Error> {
        let am = self.authorization_manager()?;
        let req = Request::new("RetrieveAllPermissions", &am);
        let step = "RetrieveAllPermissions";
        let body = self.transport.call(req).await?;
        let node = self.transport.decode_tree(step, &body)?;
        node.children_named("returnval")
            .map(|p| decode_permission(p).map_err(|e| self.transport.decode_err(step, e)))
            .collect()
    }
}

/// The changes `vaudit grant` makes. Each is one call, never retried after
/// a transient failure (the first may have been applied), and each fault
/// the caller must tell apart comes back typed ([`super::FaultKind`]:
/// `AlreadyExists`, `InvalidName`, `InvalidArgument` for an entity vSphere
/// refuses a permission on, `AuthMinimumAdminPermission`).
impl Client {
    /// `AddAuthorizationRole`: a new role holding `privileges`; its id.
    pub async fn add_authorization_role(
        &self,
        name: &str,
        privileges: &[String],
    ) -> Result<i32, Error> {
        let am = self.authorization_manager()?;
        let mut req = Request::new("AddAuthorizationRole", &am);
        req.text("name", name);
        for p in privileges {
            req.text("privIds", p);
        }
        let step = "AddAuthorizationRole";
        let body = self.transport.call(req).await?;
        let node = self.transport.decode_tree(step, &body)?;
        node.text_of("returnval")
            .and_then(|t| t.trim().parse().ok())
            .ok_or_else(|| self.transport.decode_err(step, "no numeric role id"))
    }

    /// `UpdateAuthorizationRole`: the role's whole privilege set becomes
    /// `privileges` (vSphere replaces it: read, add, write back).
    pub async fn update_authorization_role(
        &self,
        id: i32,
        name: &str,
        privileges: &[String],
    ) -> Result<(), Error> {
        let am = self.authorization_manager()?;
        let mut req = Request::new("UpdateAuthorizationRole", &am);
        req.text("roleId", &id.to_string()).text("newName", name);
        for p in privileges {
            req.text("privIds", p);
        }
        self.transport.call(req).await.map(drop)
    }

    /// `RemoveAuthorizationRole` with `failIfUsed`: a role someone holds is
    /// never removed with its permissions.
    pub async fn remove_authorization_role(&self, id: i32) -> Result<(), Error> {
        let am = self.authorization_manager()?;
        let mut req = Request::new("RemoveAuthorizationRole", &am);
        req.text("roleId", &id.to_string())
            .text("failIfUsed", "true");
        self.transport.call(req).await.map(drop)
    }

    /// `SetEntityPermissions`: adds the permission, or replaces the one the
    /// same principal holds on the entity.
    pub async fn set_entity_permission(&self, entity: &MoRef, p: &Permission) -> Result<(), Error> {
        let am = self.authorization_manager()?;
        let mut req = Request::new("SetEntityPermissions", &am);
        req.moref("entity", entity)
            .open("permission")
            .text("principal", &p.principal)
            .text("group", if p.group { "true" } else { "false" })
            .text("roleId", &p.role_id.to_string())
            .text("propagate", if p.propagate { "true" } else { "false" })
            .close("permission");
        self.transport.call(req).await.map(drop)
    }

    /// `RemoveEntityPermission`: the principal's permission defined on the
    /// entity.
    pub async fn remove_entity_permission(
        &self,
        entity: &MoRef,
        principal: &str,
        group: bool,
    ) -> Result<(), Error> {
        let am = self.authorization_manager()?;
        let mut req = Request::new("RemoveEntityPermission", &am);
        req.moref("entity", entity)
            .text("user", principal)
            .text("isGroup", if group { "true" } else { "false" });
        self.transport.call(req).await.map(drop)
    }

    /// `RetrieveRolePermissions`: every permission that uses the role.
    pub async fn retrieve_role_permissions(&self, id: i32) -> Result<Vec<Permission>, Error> {
        let am = self.authorization_manager()?;
        let mut req = Request::new("RetrieveRolePermissions", &am);
        req.text("roleId", &id.to_string());
        let step = "RetrieveRolePermissions";
        let body = self.transport.call(req).await?;
        let node = self.transport.decode_tree(step, &body)?;
        node.children_named("returnval")
            .map(|p| decode_permission(p).map_err(|e| self.transport.decode_err(step, e)))
            .collect()
    }
}

fn decode_permission(p: &Node) -> Result<Permission, String> {
    let entity = p
        .child("entity")
        .map(|e| MoRef::new(e.attr("type").unwrap_or_default(), e.text.trim()));
    Ok(Permission {
        entity,
        principal: p
            .text_of("principal")
            .ok_or("a permission without a principal")?
            .to_string(),
        group: p.text_of("group") == Some("true"),
        role_id: p
            .text_of("roleId")
            .and_then(|t| t.parse().ok())
            .ok_or("a permission without a numeric roleId")?,
        propagate: p.text_of("propagate") == Some("true"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vsphere::xml::Cursor;

    fn tree(body: &str) -> Node {
        let mut cur = Cursor::new(body.as_bytes());
        let tag = cur.enter_body().unwrap();
        Node::read(&mut cur, tag).unwrap()
    }

    #[test]
    fn decodes_permissions() {
        let n = tree(
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrieveEntityPermissionsResponse xmlns="urn:vim25"><returnval><entity type="Folder">group-v3</entity><principal>VSPHERE.LOCAL\arc</principal><group>true</group><roleId>1001</roleId><propagate>false</propagate></returnval></RetrieveEntityPermissionsResponse></soapenv:Body></soapenv:Envelope>"#,
        );
        let p = decode_permission(n.child("returnval").unwrap()).unwrap();
        assert_eq!(
            p,
            Permission {
                entity: Some(MoRef::new("Folder", "group-v3")),
                principal: r"VSPHERE.LOCAL\arc".into(),
                group: true,
                role_id: 1001,
                propagate: false,
            }
        );
    }

    #[test]
    fn request_follows_wsdl_order() {
        let mut req = Request::new(
            "HasPrivilegeOnEntities",
            &MoRef::new("AuthorizationManager", "am"),
        );
        req.moref("entity", &MoRef::new("Folder", "f"));
        req.text("sessionId", "k");
        req.text("privId", "A.B");
        let body = req.body().unwrap();
        let e = body.find("<entity").unwrap();
        let s = body.find("<sessionId>").unwrap();
        let p = body.find("<privId>").unwrap();
        assert!(e < s && s < p, "{body}");
    }
}
