//! Items and tables: the stored state of one menu.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One item of a menu (or the single object of a settings menu): CLI-form values by property name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: u32,
    pub props: BTreeMap<String, String>,
}

impl Item {
    pub fn new(id: u32, props: &[(&str, &str)]) -> Item {
        Item {
            id,
            props: props
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub fn get(&self, prop: &str) -> Option<&str> {
        self.props.get(prop).map(String::as_str)
    }

    /// Whether a boolean property is `yes`.
    pub fn is(&self, prop: &str) -> bool {
        self.get(prop) == Some("yes")
    }

    pub fn set(&mut self, prop: &str, value: &str) {
        self.props.insert(prop.to_string(), value.to_string());
    }
}

/// The items of one menu in order, and the next `.id` to hand out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub items: Vec<Item>,
    pub next_id: u32,
}

impl Table {
    pub fn new(items: Vec<Item>) -> Table {
        let next_id = items.iter().map(|i| i.id + 1).max().unwrap_or(1);
        Table { items, next_id }
    }

    pub fn by_id(&self, id: u32) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    pub fn by_id_mut(&mut self, id: u32) -> Option<&mut Item> {
        self.items.iter_mut().find(|i| i.id == id)
    }

    pub fn position(&self, id: u32) -> Option<usize> {
        self.items.iter().position(|i| i.id == id)
    }

    pub fn alloc_id(&mut self) -> u32 {
        let id = self.next_id.max(1);
        self.next_id = id + 1;
        id
    }
}

/// `*1`, `*A`, `*1A`: RouterOS's `.id` text.
pub fn format_id(id: u32) -> String {
    format!("*{id:X}")
}

/// Parses `*1A` into 26.
pub fn parse_id(s: &str) -> Option<u32> {
    let hex = s.strip_prefix('*')?;
    if hex.is_empty() || hex.len() > 8 {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        assert_eq!(format_id(0), "*0");
        assert_eq!(format_id(10), "*A");
        assert_eq!(format_id(26), "*1A");
        assert_eq!(parse_id("*1A"), Some(26));
        assert_eq!(parse_id("1A"), None);
        assert_eq!(parse_id("*"), None);
        assert_eq!(parse_id("*zz"), None);
    }
}
