//! The router's file store: `/file` items (`name`, `type`, `size`, `creation-time`) that also hold
//! their `contents`. The FTP front end stores and reads them; `/import` runs them. They live in the
//! `file` table, so they survive in the state file like the configuration.

use super::log;
use super::menu::Item;
use super::state::State;

/// Largest file the store takes (the simulator keeps files in its state; ASSUMPTION, RouterOS's
/// limit is the disk).
pub const MAX_FILE: usize = 4 * 1024 * 1024;

/// `type` of a file by its name's end, as `/file print` shows it (ASSUMPTION but `package`,
/// captured in `file_print_and_reboot__v7.9.txt`).
pub(crate) fn file_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("rsc") => "script",
        Some("backup") => "backup",
        Some("npk") => "package",
        _ => "file",
    }
}

/// `size` as the terminal prints it: bytes below 1 KiB, then KiB and MiB with one decimal
/// (`13.0MiB` captured; the KiB and byte forms ASSUMPTION).
pub(crate) fn size_shown(v: &str) -> String {
    match v.parse::<u64>() {
        Ok(n) if n < 1024 => n.to_string(),
        Ok(n) if n < 1024 * 1024 => format!("{:.1}KiB", n as f64 / 1024.0),
        Ok(n) => format!("{:.1}MiB", n as f64 / 1_048_576.0),
        Err(_) => v.to_string(),
    }
}

impl State {
    /// Stores `contents` as file `name` (replacing a file of that name), as an upload does.
    pub fn put_file(&mut self, name: &str, contents: &str) -> Result<(), String> {
        if name.is_empty() || name.contains("..") {
            return Err(format!("bad file name {name:?}"));
        }
        if contents.len() > MAX_FILE {
            return Err("not enough space".into());
        }
        let created = log::full_date(self.ver, self.now());
        let table = self.tables.entry("file".to_string()).or_default();
        let size = contents.len().to_string();
        if let Some(item) = table.items.iter_mut().find(|i| i.get("name") == Some(name)) {
            item.set("contents", contents);
            item.set("size", &size);
        } else {
            let mut item = Item::new(0, &[]);
            item.set("name", name);
            item.set("type", file_type(name));
            item.set("size", &size);
            item.set("creation-time", &created);
            item.set("contents", contents);
            item.id = table.alloc_id();
            table.items.push(item);
        }
        self.dirty = true;
        Ok(())
    }

    /// The contents of file `name`, if the store has it.
    pub fn file_contents(&self, name: &str) -> Option<String> {
        let name = name.trim_start_matches('/');
        self.items("file")
            .into_iter()
            .find(|i| i.get("name") == Some(name))
            .map(|i| i.get("contents").unwrap_or("").to_string())
    }

    /// Names and sizes of the stored files, in `/file` order.
    pub fn file_list(&self) -> Vec<(String, usize)> {
        self.items("file")
            .into_iter()
            .filter(|i| i.get("type") != Some("directory"))
            .map(|i| {
                let name = i.get("name").unwrap_or("").to_string();
                let size = i.get("contents").map_or(0, str::len);
                (name, size)
            })
            .collect()
    }

    /// `type`, `size` and `creation-time` of a file `/file add` made (v7).
    pub(super) fn file_derived(&self, item: &mut Item) {
        let name = item.get("name").unwrap_or("").to_string();
        let size = item.get("contents").map_or(0, str::len).to_string();
        item.set("type", file_type(&name));
        item.set("size", &size);
        if item.get("creation-time").is_none() {
            item.set("creation-time", &log::full_date(self.ver, self.now()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_the_terminal_units() {
        assert_eq!(size_shown("1023"), "1023");
        assert_eq!(size_shown("1536"), "1.5KiB");
        assert_eq!(size_shown("13631488"), "13.0MiB");
    }

    #[test]
    fn types_by_name() {
        assert_eq!(file_type("hardening.rsc"), "script");
        assert_eq!(file_type("routeros-7.9-arm.npk"), "package");
        assert_eq!(file_type("notes"), "file");
    }
}
