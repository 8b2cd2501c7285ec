//! The one terminal guard: raw mode, the alternate screen, bracketed paste and a hidden cursor
//! go on together and come off together — on normal exit, on error (Drop) and on panic (a
//! chained hook) — so quitting always leaves the terminal exactly as it was.
//!
//! Bracketed paste makes the terminal deliver a paste as one event (`Event::Paste`), typed into
//! the field with the cursor as text only (`app::paste`), instead of as key presses whose
//! Enter, Tab and letters would act on the screen.
//!
//! [`draw`] is the last step before the terminal: it renders the App and makes every cell
//! inert, so no character a terminal acts on reaches it, whatever text a screen was given.

use std::io::{self, Stdout, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::{cursor, execute, terminal};
use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::{Frame, Terminal};

use crate::app::App;
use crate::domain::text::acts_on_terminal;

/// Whether the modes are on, so restoring twice (Drop after the panic hook) is harmless.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Owns the terminal while the UI runs.
pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen, and installs the panic hook once.
    pub fn enter() -> io::Result<TerminalGuard> {
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                previous(info);
            }));
        });
        terminal::enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut stdout = io::stdout();
        if let Err(e) = execute!(
            stdout,
            terminal::EnterAlternateScreen,
            EnableBracketedPaste,
            cursor::Hide
        ) {
            restore();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Pops every mode `enter` pushed, in reverse order. Safe to call more than once.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut stdout = io::stdout();
        let _ = execute!(
            stdout,
            cursor::Show,
            DisableBracketedPaste,
            terminal::LeaveAlternateScreen
        );
        let _ = terminal::disable_raw_mode();
        let _ = stdout.flush();
    }
}

/// Draws the whole screen for `app` as the terminal will get it: [`crate::ui::render`], then
/// [`make_inert`]. The run loop and the UI tests draw through this one function.
pub fn draw(app: &App, frame: &mut Frame<'_>) {
    crate::ui::render(app, frame);
    make_inert(frame.buffer_mut());
}

/// Takes out of every cell each character a terminal would act on rather than show (control
/// characters, bidirectional marks and overrides). Ratatui drops control characters from what
/// it is given, but attaches a zero-width character (a bidirectional override) to the cell
/// before it, and the backend writes cells as they are. A cell left empty shows a space. The
/// screens escape stored text with `text::printable` (visible as `\u{1b}`); this is the catch
/// for whatever one does not.
pub fn make_inert(buffer: &mut Buffer) {
    for cell in &mut buffer.content {
        let symbol = cell.symbol();
        if symbol.chars().any(acts_on_terminal) {
            let kept: String = symbol.chars().filter(|c| !acts_on_terminal(*c)).collect();
            cell.set_symbol(if kept.is_empty() { " " } else { &kept });
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::text::Line;
    use ratatui::widgets::Widget;

    use super::make_inert;
    use crate::domain::text::acts_on_terminal;

    #[test]
    fn a_bidirectional_override_ratatui_keeps_is_taken_out_of_its_cell() {
        let area = Rect::new(0, 0, 30, 1);
        let mut buffer = Buffer::empty(area);
        // A line drawn as it is (a header, a table cell) keeps zero-width characters.
        Line::from("Smith\u{202e}nhoJ \u{2066}x\u{1b}[2K\u{7}").render(area, &mut buffer);
        let raw: String = buffer.content.iter().map(|c| c.symbol()).collect();
        assert!(
            raw.contains('\u{202e}'),
            "ratatui keeps the override: {raw:?}"
        );
        make_inert(&mut buffer);
        let shown: String = buffer.content.iter().map(|c| c.symbol()).collect();
        assert!(!shown.chars().any(acts_on_terminal), "{shown:?}");
        assert!(shown.starts_with("SmithnhoJ x[2K"), "{shown:?}");
    }
}
