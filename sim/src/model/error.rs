//! Command errors, kept abstract so each front end renders them in its own words.

/// What went wrong, so each front end can render it (CLI text, API `!trap`, REST status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrKind {
    /// A number, name or `.id` that matches nothing.
    NoSuchItem,
    /// A parameter the command does not take.
    UnknownParam(String),
    /// A command or menu that does not exist.
    NoSuchCommand(String),
    /// A bad argument value (API category 1).
    Value,
    /// A refused operation (`failure: ...`).
    Failure,
    /// The user's group lacks a policy.
    Permission,
}

/// A command error with RouterOS's message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecError {
    pub kind: ErrKind,
    pub message: String,
}

impl ExecError {
    pub fn no_such_item() -> ExecError {
        ExecError {
            kind: ErrKind::NoSuchItem,
            message: "no such item".into(),
        }
    }

    pub fn unknown_param(name: &str) -> ExecError {
        ExecError {
            kind: ErrKind::UnknownParam(name.to_string()),
            message: format!("unknown parameter {name}"),
        }
    }

    pub fn no_such_command(name: &str) -> ExecError {
        ExecError {
            kind: ErrKind::NoSuchCommand(name.to_string()),
            message: "no such command".into(),
        }
    }

    pub fn arg(message: String) -> ExecError {
        ExecError {
            kind: ErrKind::Value,
            message,
        }
    }

    pub fn failure(message: &str) -> ExecError {
        ExecError {
            kind: ErrKind::Failure,
            message: format!("failure: {message}"),
        }
    }

    pub fn permission() -> ExecError {
        ExecError {
            kind: ErrKind::Permission,
            message: "not enough permissions (9)".into(),
        }
    }

    /// The API `=category=` for this error, when RouterOS sends one.
    pub fn api_category(&self) -> Option<u8> {
        match self.kind {
            ErrKind::NoSuchItem => Some(0),
            ErrKind::Value => Some(1),
            _ => None,
        }
    }
}
