//! Inventory paths from parent links, in linear time: each entity's path is
//! computed once and reused by its children, however deep the tree.

use std::collections::HashMap;

use super::{Entity, MoRef};

/// Sets `path` on every entity. The root folder is `/`; an entity whose
/// parent is not visible to the user is placed under `/?/` so it still has a
/// unique, recognisable path.
pub fn assign_paths(entities: &mut [Entity], root: &MoRef) {
    let index: HashMap<&MoRef, usize> = entities
        .iter()
        .enumerate()
        .map(|(i, e)| (&e.moref, i))
        .collect();
    let mut paths: Vec<Option<String>> = vec![None; entities.len()];
    let mut chain = Vec::new();
    for start in 0..entities.len() {
        // Walk up until a known path, the root, or a gap; then fill the
        // chain back down. `chain.len()` bounds the walk against cycles.
        let mut cur = start;
        let base = loop {
            if let Some(p) = &paths[cur] {
                break p.clone();
            }
            chain.push(cur);
            match &entities[cur].parent {
                Some(p) if p == root => break String::new(),
                Some(p) => match index.get(p) {
                    Some(&i) if chain.len() <= entities.len() && !chain.contains(&i) => cur = i,
                    _ => break "/?".to_string(),
                },
                None => break "/?".to_string(),
            }
        };
        let mut path = base;
        while let Some(i) = chain.pop() {
            path = format!("{path}/{}", entities[i].name);
            paths[i] = Some(path.clone());
        }
    }
    for (e, p) in entities.iter_mut().zip(paths) {
        e.path = p.unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: &str, name: &str, parent: Option<&str>) -> Entity {
        Entity {
            moref: MoRef::new("Folder", id),
            name: name.into(),
            parent: parent.map(|p| MoRef::new("Folder", p)),
            ..Default::default()
        }
    }

    #[test]
    fn ten_deep_and_escaped_names() {
        let root = MoRef::new("Folder", "root");
        let mut v = vec![e("dc", "DC0", Some("root")), e("f0", "vm", Some("dc"))];
        for i in 1..=10 {
            v.push(e(
                &format!("f{i}"),
                &format!("L{i}"),
                Some(&format!("f{}", i - 1)),
            ));
        }
        // vCenter escapes '/' and '%' in names as %2f and %25.
        v.push(e("x", "a%2fb%25c", Some("f10")));
        v.reverse();
        assign_paths(&mut v, &root);
        let x = v.iter().find(|x| x.moref.value == "x").unwrap();
        assert_eq!(x.path, "/DC0/vm/L1/L2/L3/L4/L5/L6/L7/L8/L9/L10/a%2fb%25c");
    }

    #[test]
    fn invisible_parent_and_cycles_do_not_hang() {
        let root = MoRef::new("Folder", "root");
        let mut v = vec![
            e("a", "A", Some("hidden")),
            e("b", "B", Some("c")),
            e("c", "C", Some("b")),
        ];
        assign_paths(&mut v, &root);
        assert_eq!(v[0].path, "/?/A");
        assert!(v[1].path.starts_with("/?/"));
    }
}
