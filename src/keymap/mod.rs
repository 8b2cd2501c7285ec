//! Keymaps as data: parse, merge and validate; resolve a key to an Action per context.
//!
//! A keymap is a TOML file with one table per [`Context`] mapping key strings to action
//! names from [`Action`]:
//!
//! ```toml
//! preset = "vim"        # optional, user files only: which preset to start from
//!
//! [board]
//! "ctrl-l" = "lock"
//! "q" = "noop"          # "noop" unbinds the key
//! ```
//!
//! Two presets are embedded (`keymaps/default.toml`, `keymaps/vim.toml`). A person's own
//! file (`$XDG_CONFIG_HOME/sonar/keymap.toml`) overrides its preset key by key. A user file
//! with any problem at all is ignored as a whole and the default preset used, and the
//! problems are handed back so the interface says so: a half-applied keymap would leave keys
//! doing things nobody chose, which on a custody suite terminal is worse than the defaults.
//!
//! Resolving a key in a context looks at the context's own table, then (in contexts that
//! accept text) types a plain character, then looks at `[global]`.
//!
//! # Shadowing
//!
//! A key bound in a context table hides the same key in `[global]` there. That is reported
//! as a problem:
//! - in the presets, always (a test keeps them clean), and
//! - in a user file, when the file binds a key in a context table to an action other than
//!   the one the merged `[global]` (the preset's, overridden by the file's own) binds it to.
//!   Binding a key to the *same* action, or to `"noop"`, is not shadowing. To give a key a
//!   different meaning on one screen, unbind it in `[global]` with `"noop"` and bind it in
//!   each context where it is wanted: the file then says plainly what the key does where.
//!
//! A global key the user binds that a preset context already binds to something else is
//! *not* reported: the context keeps its meaning there, the help screen for that context
//! shows it, and reporting it would make "everywhere except this screen" impossible to say.
//!
//! A plain character in `[global]` is always a problem, because the typing contexts (login,
//! form, dialog, filter) would type it instead of obeying it; such keys belong in the
//! non-typing contexts' tables.

mod chord;
mod context;
mod parse;
mod problem;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crossterm::event::{KeyEvent, KeyEventKind};

pub use self::chord::{ChordParseError, KeyChord};
pub use self::context::Context;
pub use self::problem::{KeymapProblem, ProblemKind};

use self::parse::{FileKind, ParsedFile, parse_file};
use crate::app::action::Action;

/// The action name that unbinds a key instead of binding it.
pub const NOOP: &str = "noop";

/// The file name of a person's keymap inside the `sonar` configuration directory.
pub const USER_FILE_NAME: &str = "keymap.toml";

/// Ranks order the keys of one action (the first is the one hints show). Preset bindings
/// rank in file order from 0; a user's bindings rank before every preset binding, because a
/// key someone added on purpose is the one they expect to be reminded of.
const USER_RANK_START: i64 = -1_000_000_000;

/// A keymap embedded in the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// Arrow keys, Enter, Esc and the usual PC keys.
    Default,
    /// The same, plus vi-style letters (`j`/`k`, `g`/`G`, `h`/`l`, Ctrl-D/Ctrl-U).
    Vim,
}

impl Preset {
    /// Every preset.
    pub const ALL: &'static [Preset] = &[Preset::Default, Preset::Vim];

    /// The name used in `preset = "…"`.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Default => "default",
            Preset::Vim => "vim",
        }
    }

    /// Looks a preset up by name.
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// Where the preset lives in the source tree; problems in it name this file.
    pub fn file(self) -> &'static Path {
        match self {
            Preset::Default => Path::new("keymaps/default.toml"),
            Preset::Vim => Path::new("keymaps/vim.toml"),
        }
    }

    /// The preset's TOML text, embedded at build time so the program never depends on
    /// files beside it.
    pub fn source(self) -> &'static str {
        match self {
            Preset::Default => include_str!("../../keymaps/default.toml"),
            Preset::Vim => include_str!("../../keymaps/vim.toml"),
        }
    }

    /// Every problem in the embedded preset: syntax, unknown names, duplicate keys and
    /// shadowing. Always empty in a correct build; tests assert it.
    pub fn problems(self) -> Vec<KeymapProblem> {
        let (_, problems) = Keymap::build_preset(self);
        problems
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a key press means in a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// Perform this action.
    Action(Action),
    /// Type this character into the field that has focus.
    Text(char),
    /// The key does nothing here.
    Unbound,
}

/// One key's entry in one context table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    /// `None` when the key is explicitly unbound with `noop`: it then does nothing in this
    /// context, and the global binding of the same key does not apply here either.
    action: Option<Action>,
    rank: i64,
}

/// The bindings in effect: a preset with a person's overrides applied.
#[derive(Debug, Clone)]
pub struct Keymap {
    preset: Preset,
    tables: BTreeMap<Context, HashMap<KeyChord, Slot>>,
}

/// Where the keymap in use came from, so the interface can say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeymapSource {
    /// No user file exists (or there is no configuration directory): the default preset.
    Builtin {
        /// The path that was looked at, if any.
        looked_for: Option<PathBuf>,
    },
    /// The user's file, applied over the preset it names.
    User {
        /// The file.
        path: PathBuf,
        /// The preset it starts from.
        preset: Preset,
    },
    /// The user's file had problems and was ignored: the default preset is in use.
    Ignored {
        /// The file.
        path: PathBuf,
    },
}

/// The result of loading a person's keymap: always a usable keymap, plus any problems that
/// made the program fall back to the defaults.
#[derive(Debug, Clone)]
pub struct LoadedKeymap {
    /// The keymap to use.
    pub keymap: Keymap,
    /// Problems in the user file, in line order; non-empty exactly when `source` is
    /// [`KeymapSource::Ignored`].
    pub problems: Vec<KeymapProblem>,
    /// Where `keymap` came from.
    pub source: KeymapSource,
}

/// What `sonar keymap check` reports about a file with no problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeymapSummary {
    /// The file checked.
    pub path: PathBuf,
    /// The preset it starts from.
    pub preset: Preset,
    /// How many keys it binds to an action.
    pub bound: usize,
    /// How many keys it unbinds with `noop`.
    pub unbound: usize,
}

impl fmt::Display for KeymapSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: no problems; {} key{} bound and {} unbound over the {} preset",
            self.path.display(),
            self.bound,
            if self.bound == 1 { "" } else { "s" },
            self.unbound,
            self.preset
        )
    }
}

impl Default for Keymap {
    /// The default preset.
    fn default() -> Self {
        Keymap::preset(Preset::Default)
    }
}

impl Keymap {
    /// The bindings of an embedded preset.
    pub fn preset(preset: Preset) -> Keymap {
        // Built once per process: every user keymap is applied over a copy, and parsing the
        // embedded TOML each time was most of what reading a keymap cost.
        static BUILT: [OnceLock<Keymap>; 2] = [OnceLock::new(), OnceLock::new()];
        let slot = match preset {
            Preset::Default => &BUILT[0],
            Preset::Vim => &BUILT[1],
        };
        slot.get_or_init(|| {
            let (keymap, problems) = Keymap::build_preset(preset);
            // Tests keep the presets clean; should one ever ship broken, its valid bindings
            // are still used and the breakage goes to the log rather than being swallowed.
            for problem in &problems {
                tracing::error!(%problem, "problem in embedded keymap preset");
            }
            keymap
        })
        .clone()
    }

    /// The bindings of the embedded preset called `name`, if there is one.
    pub fn preset_named(name: &str) -> Option<Keymap> {
        Preset::from_name(name).map(Keymap::preset)
    }

    /// The preset this keymap starts from.
    pub fn base_preset(&self) -> Preset {
        self.preset
    }

    /// Reads a user keymap from `text` (the contents of `file`, named in problems) and
    /// applies it over the preset it names, or the default one. Any problem rejects the
    /// whole file.
    pub fn parse_user(file: &Path, text: &str) -> Result<Keymap, Vec<KeymapProblem>> {
        let parsed = parse_file(file, text, FileKind::User);
        let mut keymap = Keymap::preset(parsed.preset.unwrap_or(Preset::Default));
        keymap.apply(&parsed, USER_RANK_START);
        let mut problems = parsed.problems.clone();
        problems.extend(shadowing_problems(file, &parsed, &keymap));
        if problems.is_empty() {
            Ok(keymap)
        } else {
            sort_problems(&mut problems);
            Err(problems)
        }
    }

    /// Loads the person's keymap from `path`, or from [`default_user_path`] when `path` is
    /// `None`. A missing file means the defaults, with no problem; a file with any problem
    /// means the defaults *and* the problems, so the interface can say the file was ignored
    /// and why.
    pub fn load_user(path: Option<&Path>) -> LoadedKeymap {
        let path = match path {
            Some(path) => Some(path.to_path_buf()),
            None => default_user_path(),
        };
        let Some(path) = path else {
            return LoadedKeymap::builtin(None);
        };
        let text = match read_keymap(&path) {
            Ok(text) => text,
            Err(error) if error.is_not_found() => {
                return LoadedKeymap::builtin(Some(path));
            }
            Err(error) => {
                let problems = vec![unreadable(&path, &error)];
                return LoadedKeymap::ignored(path, problems);
            }
        };
        match Keymap::parse_user(&path, &text) {
            Ok(keymap) => LoadedKeymap {
                source: KeymapSource::User {
                    path,
                    preset: keymap.preset,
                },
                keymap,
                problems: Vec::new(),
            },
            Err(problems) => LoadedKeymap::ignored(path, problems),
        }
    }

    /// What a key event means in `ctx`. Key releases (reported on Windows and with the
    /// kitty keyboard protocol) mean nothing, so one press never acts twice; repeats act
    /// like presses so holding an arrow key scrolls.
    pub fn resolve(&self, ctx: Context, event: &KeyEvent) -> Resolved {
        if event.kind == KeyEventKind::Release {
            return Resolved::Unbound;
        }
        self.resolve_chord(ctx, KeyChord::from_event(event))
    }

    /// What a chord means in `ctx`: the context's own table, then typing (in contexts that
    /// accept text, for a plain printable character), then `[global]`.
    pub fn resolve_chord(&self, ctx: Context, chord: KeyChord) -> Resolved {
        let typed = chord.plain_char().filter(|_| ctx.accepts_text());
        if let Some(slot) = self.slot(ctx, chord) {
            return match (slot.action, typed) {
                (Some(action), _) => Resolved::Action(action),
                (None, Some(c)) => Resolved::Text(c),
                (None, None) => Resolved::Unbound,
            };
        }
        if let Some(c) = typed {
            return Resolved::Text(c);
        }
        match self
            .slot(Context::Global, chord)
            .and_then(|slot| slot.action)
        {
            Some(action) if ctx != Context::Global => Resolved::Action(action),
            _ => Resolved::Unbound,
        }
    }

    /// Every key that does something in `ctx`, for the help screen: the context's own
    /// bindings, then the global ones it does not hide. Each group is ordered by action (in
    /// vocabulary order) and, within one action, with the key hints show first.
    pub fn bindings(&self, ctx: Context) -> Vec<(KeyChord, Action)> {
        let mut bindings = self.own_bindings(ctx);
        if ctx == Context::Global {
            return bindings;
        }
        let own = self.tables.get(&ctx);
        bindings.extend(
            self.own_bindings(Context::Global)
                .into_iter()
                .filter(|(chord, _)| !own.is_some_and(|table| table.contains_key(chord)))
                .filter(|(chord, _)| !(ctx.accepts_text() && chord.plain_char().is_some())),
        );
        bindings
    }

    /// The keys that perform `action` in `ctx`, the one to show in a hint first. Empty when
    /// the action has no key there.
    pub fn keys_for(&self, ctx: Context, action: Action) -> Vec<KeyChord> {
        self.bindings(ctx)
            .into_iter()
            .filter(|(_, a)| *a == action)
            .map(|(chord, _)| chord)
            .collect()
    }

    /// The key to name in an instruction ("press f8 to save"): the first bound to `action` in
    /// `ctx`, or the action's name when it has no key there.
    pub fn key_name(&self, ctx: Context, action: Action) -> String {
        self.keys_for(ctx, action)
            .into_iter()
            .next()
            .map_or_else(|| action.name().to_string(), |k| k.to_string())
    }

    /// The bindings in effect as a keymap file, every context included, that loads back as
    /// this same keymap: the starting point for a person's own file.
    pub fn print(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# SONAR Custody keymap: the bindings in effect, as printed by `sonar keymap print`.\n\
             # Save as $XDG_CONFIG_HOME/sonar/keymap.toml (usually ~/.config/sonar/keymap.toml),\n\
             # keep only the lines you change, and check it with `sonar keymap check`.\n\
             # Each table is a context; each line binds a key to an action; \"noop\" unbinds a key.\n\
             # [global] applies on every screen unless the screen's own table binds the key.\n",
        );
        let _ = writeln!(out, "preset = {}", toml_string(self.preset.name()));
        for &ctx in Context::ALL {
            let _ = write!(out, "\n# {}\n[{}]\n", ctx.description(), ctx.name());
            for (chord, action) in self.own_bindings(ctx) {
                let key = toml_string(&chord.to_string());
                let name = toml_string(action.name());
                let _ = writeln!(out, "{key:<16} = {name:<16} # {}", action.description());
            }
            let mut unbound: Vec<KeyChord> = self
                .tables
                .get(&ctx)
                .into_iter()
                .flatten()
                .filter(|(_, slot)| slot.action.is_none())
                .map(|(chord, _)| *chord)
                .collect();
            unbound.sort();
            for chord in unbound {
                let key = toml_string(&chord.to_string());
                let _ = writeln!(out, "{key:<16} = {:<16} # Unbound here", toml_string(NOOP));
            }
        }
        out
    }

    /// Builds a preset from its embedded text, with every problem found in it.
    fn build_preset(preset: Preset) -> (Keymap, Vec<KeymapProblem>) {
        Keymap::build_preset_from(preset, preset.file(), preset.source())
    }

    /// Builds a preset from `text`, checked by the stricter preset rules. Separate from
    /// [`Keymap::build_preset`] so tests can show those rules catch a broken preset.
    fn build_preset_from(preset: Preset, file: &Path, text: &str) -> (Keymap, Vec<KeymapProblem>) {
        let parsed = parse_file(file, text, FileKind::Preset);
        let mut keymap = Keymap {
            preset,
            tables: BTreeMap::new(),
        };
        keymap.apply(&parsed, 0);
        let mut problems = parsed.problems.clone();
        problems.extend(shadowing_problems(file, &parsed, &keymap));
        sort_problems(&mut problems);
        (keymap, problems)
    }

    /// Overrides this keymap with a file's bindings, key by key, ranking them from
    /// `first_rank` in file order.
    fn apply(&mut self, parsed: &ParsedFile, first_rank: i64) {
        let mut rank = first_rank;
        for (ctx, bindings) in &parsed.tables {
            let table = self.tables.entry(*ctx).or_default();
            for binding in bindings {
                table.insert(
                    binding.chord,
                    Slot {
                        action: binding.action,
                        rank,
                    },
                );
                rank += 1;
            }
        }
    }

    fn slot(&self, ctx: Context, chord: KeyChord) -> Option<Slot> {
        self.tables.get(&ctx)?.get(&chord).copied()
    }

    /// The keys `ctx`'s own table binds to an action, ordered by action then rank.
    fn own_bindings(&self, ctx: Context) -> Vec<(KeyChord, Action)> {
        let mut bindings: Vec<(Action, i64, KeyChord)> = self
            .tables
            .get(&ctx)
            .into_iter()
            .flatten()
            .filter_map(|(chord, slot)| slot.action.map(|action| (action, slot.rank, *chord)))
            .collect();
        bindings.sort();
        bindings
            .into_iter()
            .map(|(action, _, chord)| (chord, action))
            .collect()
    }
}

impl LoadedKeymap {
    fn builtin(looked_for: Option<PathBuf>) -> LoadedKeymap {
        LoadedKeymap {
            keymap: Keymap::default(),
            problems: Vec::new(),
            source: KeymapSource::Builtin { looked_for },
        }
    }

    fn ignored(path: PathBuf, problems: Vec<KeymapProblem>) -> LoadedKeymap {
        LoadedKeymap {
            keymap: Keymap::default(),
            problems,
            source: KeymapSource::Ignored { path },
        }
    }
}

/// Checks a keymap file for `sonar keymap check FILE`. Unlike loading, a missing file is a
/// problem here: the person named it.
pub fn check_file(path: &Path) -> Result<KeymapSummary, Vec<KeymapProblem>> {
    let text = read_keymap(path).map_err(|error| vec![unreadable(path, &error)])?;
    let keymap = Keymap::parse_user(path, &text)?;
    let parsed = parse_file(path, &text, FileKind::User);
    let (unbound, bound): (Vec<_>, Vec<_>) = parsed
        .tables
        .values()
        .flatten()
        .partition(|binding| binding.action.is_none());
    Ok(KeymapSummary {
        path: path.to_path_buf(),
        preset: keymap.preset,
        bound: bound.len(),
        unbound: unbound.len(),
    })
}

/// Where a person's keymap lives: `$XDG_CONFIG_HOME/sonar/keymap.toml` when that variable
/// holds an absolute path (the XDG rule, honoured on every platform so suite servers can
/// set it), otherwise the platform's configuration directory for `sonar`
/// (`~/.config/sonar/keymap.toml` on Linux). `None` when there is no home directory.
pub fn default_user_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
    {
        return Some(dir.join("sonar").join(USER_FILE_NAME));
    }
    directories::ProjectDirs::from("", "", "sonar")
        .map(|dirs| dirs.config_dir().join(USER_FILE_NAME))
}

/// The shadowing problems of a file (see the module documentation), judged against
/// `merged`: the keymap with the file applied.
fn shadowing_problems(file: &Path, parsed: &ParsedFile, merged: &Keymap) -> Vec<KeymapProblem> {
    let mut problems = Vec::new();
    for (ctx, bindings) in &parsed.tables {
        for binding in bindings {
            let Some(action) = binding.action else {
                continue;
            };
            let problem = |kind, message| KeymapProblem {
                file: file.to_path_buf(),
                line: Some(binding.line),
                context: Some(ctx.name().to_owned()),
                key: Some(binding.key.clone()),
                message,
                kind,
            };
            if *ctx == Context::Global {
                if binding.chord.plain_char().is_some() {
                    problems.push(problem(
                        ProblemKind::GlobalCharacter,
                        "a plain character cannot be global, because [login], [form], [dialog] and [filter] type it; bind it in [board], [record] or [help] instead".to_owned(),
                    ));
                }
                continue;
            }
            if let Some(global) = merged
                .slot(Context::Global, binding.chord)
                .and_then(|slot| slot.action)
                && global != action
            {
                problems.push(problem(
                    ProblemKind::Shadowed,
                    format!(
                        "shadows the global binding to {:?}; bind it to {:?} here too, or unbind it in [global] with \"noop\" first",
                        global.name(),
                        global.name()
                    ),
                ));
            }
        }
    }
    problems
}

/// The largest keymap file read: every binding of every context is a few KiB.
pub const MAX_KEYMAP_BYTES: u64 = 256 * 1024;

/// A keymap file's text, refusing a device (`/dev/zero`, or a link to it), a pipe, a directory
/// or anything over [`MAX_KEYMAP_BYTES`] before reading it.
fn read_keymap(path: &Path) -> Result<String, crate::limited_file::ReadError> {
    crate::limited_file::read_text(path, MAX_KEYMAP_BYTES, "a keymap")
}

fn unreadable(path: &Path, error: &crate::limited_file::ReadError) -> KeymapProblem {
    use crate::limited_file::ReadError;
    let message = match error {
        ReadError::NotFound { .. } => "no such file".to_owned(),
        ReadError::NotText { .. } => "not UTF-8 text".to_owned(),
        ReadError::NotAFile { .. } => {
            "not a regular file (a device, a directory or a pipe); a keymap must be a file"
                .to_owned()
        }
        ReadError::TooLarge { size, limit, .. } => format!(
            "{}, more than the {} a keymap may be, so it was not read",
            crate::domain::text::size_words(*size),
            crate::domain::text::size_words(*limit)
        ),
        ReadError::Io { source, .. } => format!("cannot be read: {source}"),
    };
    KeymapProblem {
        file: path.to_path_buf(),
        line: None,
        context: None,
        key: None,
        message,
        kind: ProblemKind::Unreadable,
    }
}

/// Problems in line order, so a person can work down the file.
fn sort_problems(problems: &mut [KeymapProblem]) {
    problems.sort_by_key(|problem| problem.line);
}

/// A TOML basic string: keys such as `"` and `\` need escaping to stay valid.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn chord(text: &str) -> KeyChord {
        KeyChord::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn preset_problems(text: &str) -> Vec<KeymapProblem> {
        Keymap::build_preset_from(Preset::Default, Path::new("test.toml"), text).1
    }

    #[test]
    fn embedded_presets_have_no_problems() {
        for &preset in Preset::ALL {
            let problems = preset.problems();
            assert!(
                problems.is_empty(),
                "{preset} preset has problems:\n{}",
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }

    #[test]
    fn preset_rules_catch_shadowing_duplicates_and_global_characters() {
        let problems = preset_problems(
            "[global]\n\"ctrl-q\" = \"quit\"\n\"x\" = \"lock\"\n[board]\n\"ctrl-q\" = \"back\"\n\"A\" = \"first\"\n\"shift-a\" = \"last\"\n",
        );
        let found: Vec<(Option<usize>, ProblemKind)> =
            problems.iter().map(|p| (p.line, p.kind)).collect();
        assert_eq!(
            found,
            [
                (Some(3), ProblemKind::GlobalCharacter),
                (Some(5), ProblemKind::Shadowed),
                (Some(7), ProblemKind::Duplicate),
            ]
        );
        assert_eq!(
            problems[1].to_string(),
            "test.toml:5: key \"ctrl-q\" in [board]: shadows the global binding to \"quit\"; bind it to \"quit\" here too, or unbind it in [global] with \"noop\" first"
        );
        // A preset may not pick a preset.
        let problems = preset_problems("preset = \"vim\"\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, ProblemKind::UnknownPreset);
    }

    #[test]
    fn every_action_has_a_key_in_every_preset() {
        for &preset in Preset::ALL {
            let keymap = Keymap::preset(preset);
            for &action in Action::ALL {
                let reachable = Context::ALL
                    .iter()
                    .any(|&ctx| !keymap.keys_for(ctx, action).is_empty());
                assert!(reachable, "{action} has no key in the {preset} preset");
            }
        }
    }

    #[test]
    fn global_keys_work_in_every_context_of_the_default_preset() {
        let keymap = Keymap::default();
        for &ctx in Context::ALL {
            assert_eq!(
                keymap.resolve(ctx, &press(KeyCode::Char('q'), KeyModifiers::CONTROL)),
                Resolved::Action(Action::Quit),
                "ctrl-q in {ctx}"
            );
            assert_eq!(
                keymap.resolve(ctx, &press(KeyCode::F(1), KeyModifiers::NONE)),
                Resolved::Action(Action::Help),
                "f1 in {ctx}"
            );
            assert_eq!(keymap.keys_for(ctx, Action::Lock), [chord("ctrl-l")]);
        }
    }

    #[test]
    fn typing_contexts_type_plain_characters_and_others_do_not() {
        let keymap = Keymap::default();
        let question = press(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(
            keymap.resolve(Context::Board, &question),
            Resolved::Action(Action::Help)
        );
        assert_eq!(
            keymap.resolve(Context::Filter, &question),
            Resolved::Text('?')
        );
        let capital = press(KeyCode::Char('Q'), KeyModifiers::SHIFT);
        assert_eq!(
            keymap.resolve(Context::Login, &capital),
            Resolved::Text('Q')
        );
        assert_eq!(keymap.resolve(Context::Board, &capital), Resolved::Unbound);
        let space = press(KeyCode::Char(' '), KeyModifiers::NONE);
        assert_eq!(keymap.resolve(Context::Dialog, &space), Resolved::Text(' '));
        // Alt and Ctrl chords never type.
        let alt = press(KeyCode::Char('x'), KeyModifiers::ALT);
        assert_eq!(keymap.resolve(Context::Form, &alt), Resolved::Unbound);
    }

    #[test]
    fn key_releases_do_nothing() {
        let keymap = Keymap::default();
        let mut event = press(KeyCode::Enter, KeyModifiers::NONE);
        event.kind = KeyEventKind::Release;
        assert_eq!(keymap.resolve(Context::Board, &event), Resolved::Unbound);
        event.kind = KeyEventKind::Repeat;
        assert_eq!(
            keymap.resolve(Context::Board, &event),
            Resolved::Action(Action::Confirm)
        );
    }

    #[test]
    fn bindings_list_own_then_unshadowed_global_in_action_order() {
        let keymap = Keymap::default();
        let board = keymap.bindings(Context::Board);
        let shown: Vec<String> = board
            .iter()
            .map(|(chord, action)| format!("{chord}={action}"))
            .collect();
        assert_eq!(
            shown,
            [
                "q=quit",
                "?=help",
                "enter=confirm",
                "up=move_up",
                "down=move_down",
                "pageup=page_up",
                "pagedown=page_down",
                "home=first",
                "end=last",
                "/=filter",
                "esc=clear_filter",
                "c=record_check",
                "r=record_pace",
                "p=set_care_plan",
                "b=book_in",
                "i=import_bundle",
                "!=raise_emergency",
                "e=show_emergencies",
                "F=show_report",
                "H=request_hcp",
                "w=hcp_queue",
                "W=withdraw_hcp_request",
                "A=acknowledge_direction",
                "f=add_risk_flag",
                "L=change_level",
                "B=continue_booking",
                "N=defer_health_screen",
                "D=appropriate_adult",
                "I=interpreter",
                "S=show_shift_handover",
                "ctrl-q=quit",
                "ctrl-l=lock",
                "f1=help",
            ]
        );
        // The vim preset lists the letter first, as the file does.
        let vim = Keymap::preset(Preset::Vim);
        assert_eq!(
            vim.keys_for(Context::Board, Action::MoveDown),
            [chord("j"), chord("down")]
        );
        assert_eq!(
            vim.keys_for(Context::Board, Action::Last),
            [chord("G"), chord("end")]
        );
    }

    #[test]
    fn print_loads_back_as_the_same_keymap() {
        let user = Keymap::parse_user(
            Path::new("user.toml"),
            "preset = \"vim\"\n[board]\n\"x\" = \"break_glass\"\n\"q\" = \"noop\"\n\"\\\\\" = \"filter\"\n[global]\n\"ctrl-q\" = \"noop\"\n\"f10\" = \"quit\"\n",
        );
        let user = user.unwrap_or_else(|p| panic!("{p:?}"));
        for keymap in [Keymap::default(), Keymap::preset(Preset::Vim), user] {
            let printed = keymap.print();
            let reloaded = Keymap::parse_user(Path::new("printed.toml"), &printed)
                .unwrap_or_else(|p| panic!("{p:?}\n{printed}"));
            assert_eq!(reloaded.print(), printed);
            assert_eq!(reloaded.base_preset(), keymap.base_preset());
            for &ctx in Context::ALL {
                assert_eq!(reloaded.bindings(ctx), keymap.bindings(ctx), "{ctx}");
            }
        }
    }

    #[test]
    fn print_names_every_context_and_action() {
        let printed = Keymap::default().print();
        for &ctx in Context::ALL {
            assert!(printed.contains(&format!("\n[{}]\n", ctx.name())), "{ctx}");
        }
        for &action in Action::ALL {
            assert!(
                printed.contains(&format!("\"{}\"", action.name())),
                "{action}"
            );
        }
        assert!(printed.contains("preset = \"default\"\n"));
    }

    #[test]
    fn xdg_config_home_decides_the_user_path() {
        // Only the variable's effect is checked, through the same rule the function uses,
        // because tests run in parallel and must not change the process environment.
        let path = default_user_path();
        if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from)
            && dir.is_absolute()
        {
            assert_eq!(path, Some(dir.join("sonar").join("keymap.toml")));
        } else if let Some(path) = path {
            assert!(path.ends_with("keymap.toml"));
        }
    }
}
