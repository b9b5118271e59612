//! A YAML document as a tree whose every node remembers its line, built from yaml-rust2's
//! marked events: inventory errors name the line of the key or value at fault, which a plain
//! `serde` value cannot.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// One node and the line (1-based) it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) line: usize,
    pub(crate) value: Value,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A scalar: its text, its tag (`!vault` → `Some("!vault")`) and whether it was plain
    /// (unquoted: `~`, `null` and the empty scalar are null only then).
    Scalar {
        text: String,
        tag: Option<String>,
        plain: bool,
    },
    /// A mapping, keys in document order.
    Map(Vec<(Node, Node)>),
    /// A sequence.
    Seq(Vec<Node>),
}

impl Node {
    /// Whether this is YAML's null (`~`, `null`, or nothing after the colon).
    pub(crate) fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, tag: None, plain: true }
            if text.is_empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    }

    /// The scalar's text, if this is a scalar.
    pub(crate) fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The scalar's tag, if any.
    pub(crate) fn tag(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { tag, .. } => tag.as_deref(),
            _ => None,
        }
    }

    /// What kind of node this is, in words for an error message.
    pub(crate) fn kind(&self) -> &'static str {
        match &self.value {
            Value::Scalar { .. } if self.is_null() => "nothing",
            Value::Scalar { .. } => "a scalar",
            Value::Map(_) => "a mapping",
            Value::Seq(_) => "a list",
        }
    }
}

/// A YAML syntax error at a line and column (both 1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

/// Parses the first document of `text` (`None` for an empty stream).
pub(crate) fn parse(text: &str) -> Result<Option<Node>, SyntaxError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, false).map_err(|e| SyntaxError {
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: e.info().to_string(),
    })?;
    if let Some(e) = builder.error {
        return Err(e);
    }
    Ok(builder.done)
}

/// A container being filled: a mapping (with a key waiting for its value) or a sequence.
#[derive(Debug)]
enum Open {
    Map {
        line: usize,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
    Seq {
        line: usize,
        anchor: usize,
        items: Vec<Node>,
    },
}

#[derive(Debug, Default)]
struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    done: Option<Node>,
    error: Option<SyntaxError>,
}

impl Builder {
    fn push_node(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.done.is_none() {
                    self.done = Some(node);
                }
            }
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }

    fn anchored(&mut self, anchor: usize, node: Node) -> Node {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        node
    }
}

fn tag_text(tag: &Option<yaml_rust2::parser::Tag>) -> Option<String> {
    tag.as_ref().map(|t| format!("{}{}", t.handle, t.suffix))
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line();
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let node = Node {
                    line,
                    value: Value::Scalar {
                        text,
                        tag: tag_text(&tag),
                        plain: style == TScalarStyle::Plain,
                    },
                };
                let node = self.anchored(anchor, node);
                self.push_node(node);
            }
            Event::MappingStart(anchor, _) => self.stack.push(Open::Map {
                line,
                anchor,
                entries: Vec::new(),
                key: None,
            }),
            Event::SequenceStart(anchor, _) => self.stack.push(Open::Seq {
                line,
                anchor,
                items: Vec::new(),
            }),
            Event::MappingEnd | Event::SequenceEnd => {
                let node = match self.stack.pop() {
                    Some(Open::Map {
                        line,
                        anchor,
                        entries,
                        ..
                    }) => self.anchored(
                        anchor,
                        Node {
                            line,
                            value: Value::Map(entries),
                        },
                    ),
                    Some(Open::Seq {
                        line,
                        anchor,
                        items,
                    }) => self.anchored(
                        anchor,
                        Node {
                            line,
                            value: Value::Seq(items),
                        },
                    ),
                    None => return,
                };
                self.push_node(node);
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(node) => {
                    let node = node.clone();
                    self.push_node(node);
                }
                None => {
                    if self.error.is_none() {
                        self.error = Some(SyntaxError {
                            line,
                            column: mark.col() + 1,
                            message: "alias to an unknown anchor".into(),
                        });
                    }
                }
            },
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_know_their_lines_and_tags() {
        let doc = parse("all:\n  hosts:\n    r1:\n      ansible_password: !vault |\n        $ANSIBLE_VAULT;1.1\n    r2:\n").unwrap().unwrap();
        let Value::Map(top) = &doc.value else {
            panic!("{doc:?}")
        };
        assert_eq!(top[0].0.scalar(), Some("all"));
        assert_eq!(top[0].0.line, 1);
        let Value::Map(all) = &top[0].1.value else {
            panic!()
        };
        let Value::Map(hosts) = &all[0].1.value else {
            panic!()
        };
        assert_eq!(hosts[0].0.line, 3);
        let Value::Map(vars) = &hosts[0].1.value else {
            panic!()
        };
        assert_eq!(vars[0].0.line, 4);
        assert_eq!(vars[0].1.tag(), Some("!vault"));
        assert!(hosts[1].1.is_null(), "{:?}", hosts[1].1);
        let bad = parse("all:\n  hosts: [\n").unwrap_err();
        assert!(bad.line >= 2, "{bad:?}");
        assert_eq!(parse("").unwrap(), None);
        let quoted = parse("a: ''\n").unwrap().unwrap();
        let Value::Map(m) = &quoted.value else {
            panic!()
        };
        assert!(!m[0].1.is_null(), "a quoted empty string is a string");
    }
}
