//! The places a key can mean something different: one keymap table per context.

use std::fmt;

/// Where the person is when they press a key. Each context has its own table in a keymap
/// file, named by [`Context::name`]; `global` applies everywhere unless the context's own
/// table binds the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Bindings that work on every screen (quit, lock, help).
    Global,
    /// The login screen: user name and password fields.
    Login,
    /// The suite board: everyone in custody, their flags and when each check is due.
    Board,
    /// One detainee's record, in tabs.
    Record,
    /// A screening form or any other form being filled in.
    Form,
    /// A modal dialog: confirmation, or a short reason such as the break-glass reason.
    Dialog,
    /// The help screen listing every key of the screen underneath.
    Help,
    /// The filter line of the board, while typing a filter.
    Filter,
    /// The full-screen medical emergency: acknowledge, record calls, close.
    Emergency,
    /// The report screen: the suite's figures over a period.
    Report,
    /// The HCP's queue of people waiting to be seen.
    Queue,
    /// The shift handover: what happened since the last handover was taken.
    Shift,
}

impl Context {
    /// Every context, in the order tables appear in `sonar keymap print`.
    pub const ALL: &'static [Context] = &[
        Context::Global,
        Context::Login,
        Context::Board,
        Context::Record,
        Context::Form,
        Context::Dialog,
        Context::Help,
        Context::Filter,
        Context::Emergency,
        Context::Report,
        Context::Queue,
        Context::Shift,
    ];

    /// The stable snake_case name used as the table name in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Login => "login",
            Context::Board => "board",
            Context::Record => "record",
            Context::Form => "form",
            Context::Dialog => "dialog",
            Context::Help => "help",
            Context::Filter => "filter",
            Context::Emergency => "emergency",
            Context::Report => "report",
            Context::Queue => "hcp_queue",
            Context::Shift => "shift_handover",
        }
    }

    /// Looks a context up by its stable name (exact, lower case, as in the files).
    pub fn from_name(name: &str) -> Option<Context> {
        Context::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// One line saying where this context applies, used as the comment above each table in
    /// `sonar keymap print` and as the help screen's heading.
    pub fn description(self) -> &'static str {
        match self {
            Context::Global => "Every screen, unless the screen's own table binds the same key",
            Context::Login => "The login screen (typing: printable keys type into the field)",
            Context::Board => "The suite board of everyone in custody",
            Context::Record => "One detainee's record",
            Context::Form => "A form being filled in (typing: printable keys type an answer)",
            Context::Dialog => "A dialog or prompt (typing: printable keys type into it)",
            Context::Help => "The help screen",
            Context::Filter => "The board's filter line (typing: printable keys type the filter)",
            Context::Emergency => {
                "The full-screen medical emergency (every terminal shows it until acknowledged)"
            }
            Context::Report => "The report screen: the suite's figures over a period",
            Context::Queue => "The HCP's queue: everyone waiting to be seen, most overdue first",
            Context::Shift => "The shift handover: what happened since the last handover was taken",
        }
    }

    /// Whether a printable key with no Ctrl or Alt that this context does not bind types a
    /// character here. In these contexts a plain character never reaches the global table,
    /// which is why global bindings use Ctrl chords and function keys.
    pub fn accepts_text(self) -> bool {
        matches!(
            self,
            Context::Login | Context::Filter | Context::Dialog | Context::Form | Context::Help
        )
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_snake_case() {
        for &ctx in Context::ALL {
            assert_eq!(Context::from_name(ctx.name()), Some(ctx));
            assert!(
                ctx.name()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
            assert!(!ctx.description().is_empty());
        }
        assert_eq!(Context::from_name("Board"), None);
        assert_eq!(Context::from_name("bored"), None);
    }

    #[test]
    fn only_typing_contexts_accept_text() {
        let typing: Vec<_> = Context::ALL
            .iter()
            .copied()
            .filter(|c| c.accepts_text())
            .collect();
        assert_eq!(
            typing,
            [
                Context::Login,
                Context::Form,
                Context::Dialog,
                Context::Help,
                Context::Filter
            ]
        );
    }
}
