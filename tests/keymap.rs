//! Keymap behaviour as a person sees it: which key does what where, what the help screen
//! and status bar list, and exactly which file, line and key a broken keymap is blamed on.

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sonar_custody::app::action::Action;
use sonar_custody::keymap::{
    Context, KeyChord, Keymap, KeymapProblem, KeymapSource, Preset, ProblemKind, Resolved,
    check_file,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keymaps")
        .join(name)
}

fn chord(text: &str) -> KeyChord {
    KeyChord::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn ch(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

/// Loads a fixture that must have no problems.
fn load_ok(name: &str) -> Keymap {
    let loaded = Keymap::load_user(Some(&fixture(name)));
    assert!(
        loaded.problems.is_empty(),
        "{name}: {:?}",
        loaded
            .problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    loaded.keymap
}

/// Loads a fixture that must have problems, checking the defaults are used instead.
fn load_problems(name: &str) -> Vec<KeymapProblem> {
    let path = fixture(name);
    let loaded = Keymap::load_user(Some(&path));
    assert_eq!(loaded.source, KeymapSource::Ignored { path: path.clone() });
    assert_eq!(loaded.keymap.print(), Keymap::default().print());
    // `sonar keymap check` reports the same problems.
    assert_eq!(check_file(&path), Err(loaded.problems.clone()));
    loaded.problems
}

/// The single problem of a fixture with exactly one.
fn only_problem(name: &str) -> KeymapProblem {
    let mut problems = load_problems(name);
    assert_eq!(problems.len(), 1, "{name}: {problems:?}");
    problems.remove(0)
}

#[test]
fn both_presets_load_with_no_problems() {
    for &preset in Preset::ALL {
        assert_eq!(preset.problems(), [], "{preset}");
        assert_eq!(Keymap::preset(preset).base_preset(), preset);
    }
    assert!(Keymap::preset_named("vim").is_some());
    assert!(Keymap::preset_named("emacs").is_none());
}

#[test]
fn presets_have_no_duplicate_or_shadowed_keys() {
    // Checked from the raw TOML, independently of the loader: within a table no two keys
    // are the same chord, and no context binds a key that [global] binds to another action.
    for &preset in Preset::ALL {
        let document: toml::Table =
            toml::from_str(preset.source()).unwrap_or_else(|e| panic!("{preset} is not TOML: {e}"));
        let table = |name: &str| -> Vec<(KeyChord, String)> {
            let Some(toml::Value::Table(table)) = document.get(name) else {
                return Vec::new();
            };
            table
                .iter()
                .map(|(k, v)| (chord(k), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        };
        let global = table("global");
        for &ctx in Context::ALL {
            let own = table(ctx.name());
            for (i, (key, action)) in own.iter().enumerate() {
                assert!(
                    own[i + 1..].iter().all(|(other, _)| other != key),
                    "{preset} [{ctx}]: {key} is written twice"
                );
                if ctx != Context::Global
                    && let Some((_, global_action)) = global.iter().find(|(g, _)| g == key)
                {
                    assert_eq!(
                        global_action, action,
                        "{preset} [{ctx}]: {key} shadows the global {global_action}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_action_is_reachable_in_the_default_preset() {
    let keymap = Keymap::default();
    let missing: Vec<&str> = Action::ALL
        .iter()
        .filter(|&&action| {
            Context::ALL
                .iter()
                .all(|&ctx| keymap.keys_for(ctx, action).is_empty())
        })
        .map(|action| action.name())
        .collect();
    assert!(missing.is_empty(), "actions with no key: {missing:?}");
}

#[test]
fn default_keys_do_what_the_design_says() {
    let keymap = Keymap::default();
    let cases: &[(Context, KeyEvent, Action)] = &[
        (Context::Board, ch('q'), Action::Quit),
        (Context::Board, ch('?'), Action::Help),
        (Context::Board, ch('/'), Action::Filter),
        (Context::Board, key(KeyCode::Down), Action::MoveDown),
        (Context::Board, key(KeyCode::Enter), Action::Confirm),
        (Context::Board, ctrl('l'), Action::Lock),
        (Context::Record, ch('b'), Action::BreakGlass),
        (Context::Record, ch(']'), Action::NextTab),
        (Context::Record, key(KeyCode::Left), Action::PrevTab),
        (Context::Record, key(KeyCode::Esc), Action::Back),
        (Context::Dialog, key(KeyCode::Enter), Action::Submit),
        (Context::Form, key(KeyCode::Enter), Action::Submit),
        (Context::Form, key(KeyCode::Tab), Action::NextField),
        (Context::Form, key(KeyCode::BackTab), Action::PrevField),
        (Context::Filter, key(KeyCode::Backspace), Action::DeleteBack),
        (Context::Filter, key(KeyCode::Esc), Action::ClearFilter),
        (Context::Login, key(KeyCode::F(1)), Action::Help),
    ];
    for (ctx, event, action) in cases {
        assert_eq!(
            keymap.resolve(*ctx, event),
            Resolved::Action(*action),
            "{event:?} in {ctx}"
        );
    }
}

#[test]
fn text_contexts_receive_characters() {
    let keymap = Keymap::default();
    for ctx in [
        Context::Login,
        Context::Filter,
        Context::Dialog,
        Context::Form,
    ] {
        // Keys that are actions on the board type themselves here.
        assert_eq!(keymap.resolve(ctx, &ch('q')), Resolved::Text('q'), "{ctx}");
        assert_eq!(keymap.resolve(ctx, &ch('?')), Resolved::Text('?'), "{ctx}");
        assert_eq!(keymap.resolve(ctx, &ch('b')), Resolved::Text('b'), "{ctx}");
        let capital = KeyEvent::new(KeyCode::Char('A'), KeyModifiers::SHIFT);
        assert_eq!(keymap.resolve(ctx, &capital), Resolved::Text('A'), "{ctx}");
        assert_eq!(keymap.resolve(ctx, &ch('é')), Resolved::Text('é'), "{ctx}");
    }
    for ctx in [Context::Board, Context::Record] {
        assert_eq!(keymap.resolve(ctx, &ch('z')), Resolved::Unbound, "{ctx}");
    }
    // The help screen filters by typing, but `?` still closes it.
    assert_eq!(keymap.resolve(Context::Help, &ch('z')), Resolved::Text('z'));
    assert_eq!(
        keymap.resolve(Context::Help, &ch('?')),
        Resolved::Action(Action::Back)
    );
}

#[test]
fn ctrl_chords_still_act_in_text_contexts() {
    let keymap = Keymap::default();
    for ctx in [
        Context::Login,
        Context::Filter,
        Context::Dialog,
        Context::Form,
    ] {
        assert_eq!(
            keymap.resolve(ctx, &ctrl('q')),
            Resolved::Action(Action::Quit),
            "{ctx}"
        );
        assert_eq!(
            keymap.resolve(ctx, &ctrl('l')),
            Resolved::Action(Action::Lock),
            "{ctx}"
        );
        assert_eq!(
            keymap.resolve(ctx, &ctrl('u')),
            Resolved::Action(Action::ClearField),
            "{ctx}"
        );
        // An unbound ctrl chord types nothing.
        assert_eq!(keymap.resolve(ctx, &ctrl('z')), Resolved::Unbound, "{ctx}");
    }
}

#[test]
fn help_for_a_text_context_does_not_list_keys_that_type() {
    let keymap = Keymap::default();
    let filter = keymap.bindings(Context::Filter);
    assert!(filter.iter().all(|(chord, _)| chord.plain_char().is_none()));
    assert!(filter.contains(&(chord("ctrl-q"), Action::Quit)));
    assert_eq!(
        keymap.keys_for(Context::Filter, Action::Help),
        [chord("f1")]
    );
    assert_eq!(
        keymap.keys_for(Context::Board, Action::Help),
        [chord("?"), chord("f1")]
    );
}

#[test]
fn a_user_file_rebinds_keys_for_hints_and_help() {
    let keymap = load_ok("rebind.toml");
    for ctx in Context::ALL {
        assert_eq!(
            keymap.keys_for(*ctx, Action::Lock),
            [chord("ctrl-k")],
            "{ctx}"
        );
        assert!(
            !keymap
                .bindings(*ctx)
                .contains(&(chord("ctrl-l"), Action::Lock)),
            "{ctx}"
        );
    }
    assert_eq!(
        keymap.resolve(Context::Board, &ctrl('l')),
        Resolved::Unbound
    );
    assert_eq!(
        keymap.resolve(Context::Board, &ctrl('k')),
        Resolved::Action(Action::Lock)
    );
    // The person's own key is shown first; the preset's still works.
    assert_eq!(
        keymap.keys_for(Context::Record, Action::BreakGlass),
        [chord("x"), chord("b")]
    );
    assert_eq!(
        keymap.resolve(Context::Record, &ch('x')),
        Resolved::Action(Action::BreakGlass)
    );
    // Everything the file does not mention is the default.
    assert_eq!(
        keymap.resolve(Context::Board, &ch('q')),
        Resolved::Action(Action::Quit)
    );
    assert_eq!(keymap.base_preset(), Preset::Default);
}

#[test]
fn noop_unbinds_a_key_in_its_context_only() {
    let keymap = load_ok("noop.toml");
    assert_eq!(keymap.resolve(Context::Board, &ch('q')), Resolved::Unbound);
    // noop in a context also stops the global binding of that key there...
    assert_eq!(
        keymap.resolve(Context::Board, &ctrl('q')),
        Resolved::Unbound
    );
    assert!(keymap.keys_for(Context::Board, Action::Quit).is_empty());
    // ...and nowhere else.
    assert_eq!(
        keymap.resolve(Context::Record, &ctrl('q')),
        Resolved::Action(Action::Quit)
    );
    assert_eq!(keymap.resolve(Context::Form, &ctrl('u')), Resolved::Unbound);
    assert_eq!(
        keymap.resolve(Context::Login, &ctrl('u')),
        Resolved::Action(Action::ClearField)
    );
    // The printed keymap keeps the unbinding.
    assert!(keymap.print().contains("\"ctrl-q\"         = \"noop\""));
}

#[test]
fn a_user_file_can_start_from_the_vim_preset() {
    let path = fixture("vim_over.toml");
    let loaded = Keymap::load_user(Some(&path));
    assert_eq!(loaded.problems, []);
    assert_eq!(
        loaded.source,
        KeymapSource::User {
            path,
            preset: Preset::Vim
        }
    );
    let keymap = loaded.keymap;
    assert_eq!(
        keymap.resolve(Context::Board, &ch('j')),
        Resolved::Action(Action::MoveDown)
    );
    let shifted_j = KeyEvent::new(KeyCode::Char('J'), KeyModifiers::SHIFT);
    assert_eq!(
        keymap.resolve(Context::Board, &shifted_j),
        Resolved::Action(Action::PageDown)
    );
    assert!(keymap.print().starts_with("# ") && keymap.print().contains("\npreset = \"vim\"\n"));
}

#[test]
fn a_missing_user_file_means_the_defaults_and_no_problem() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("keymap.toml");
    let loaded = Keymap::load_user(Some(&path));
    assert_eq!(loaded.problems, []);
    assert_eq!(
        loaded.source,
        KeymapSource::Builtin {
            looked_for: Some(path.clone())
        }
    );
    assert_eq!(loaded.keymap.print(), Keymap::default().print());
    // Checking a file that is not there is a problem: the person named it.
    let problems = check_file(&path).err().unwrap_or_default();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].kind, ProblemKind::Unreadable);
    assert_eq!(
        problems[0].to_string(),
        format!("{}: no such file", path.display())
    );
}

#[test]
fn a_file_that_is_not_text_is_reported_and_ignored() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("keymap.toml");
    std::fs::write(&path, b"[board]\n\"q\" = \"\xff\"\n").unwrap_or_else(|e| panic!("{e}"));
    let loaded = Keymap::load_user(Some(&path));
    assert_eq!(loaded.source, KeymapSource::Ignored { path: path.clone() });
    assert_eq!(loaded.problems.len(), 1);
    assert_eq!(
        loaded.problems[0].to_string(),
        format!("{}: not UTF-8 text", path.display())
    );
}

#[test]
fn check_file_summarises_a_good_file() {
    let path = fixture("rebind.toml");
    let summary = check_file(&path).unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!((summary.bound, summary.unbound), (3, 1));
    assert_eq!(summary.preset, Preset::Default);
    assert_eq!(
        summary.to_string(),
        format!(
            "{}: no problems; 3 keys bound and 1 unbound over the default preset",
            path.display()
        )
    );
}

/// Asserts one problem's kind and its whole sentence, which starts with the file and line.
fn assert_problem(problem: &KeymapProblem, name: &str, line: usize, kind: ProblemKind, rest: &str) {
    let path = fixture(name);
    assert_eq!(problem.file, path, "{problem}");
    assert_eq!(problem.line, Some(line), "{problem}");
    assert_eq!(problem.kind, kind, "{problem}");
    assert_eq!(
        problem.to_string(),
        format!("{}:{line}: {rest}", path.display())
    );
}

#[test]
fn a_toml_syntax_error_names_its_line() {
    let problem = only_problem("syntax.toml");
    assert_eq!(problem.file, fixture("syntax.toml"));
    assert_eq!(problem.line, Some(4));
    assert_eq!(problem.kind, ProblemKind::Syntax);
    assert!(
        problem.to_string().starts_with(&format!(
            "{}:4: not valid TOML: ",
            fixture("syntax.toml").display()
        )),
        "{problem}"
    );
    assert!(!problem.to_string().contains('\n'), "{problem}");
}

#[test]
fn an_unknown_context_names_its_table() {
    assert_problem(
        &only_problem("unknown_context.toml"),
        "unknown_context.toml",
        4,
        ProblemKind::UnknownContext,
        "unknown context [bored] (use [global], [login], [board], [record], [form], [dialog], [help], [filter], [emergency], [report], [hcp_queue], [shift_handover])",
    );
}

#[test]
fn a_key_that_does_not_parse_is_named() {
    assert_problem(
        &only_problem("bad_key.toml"),
        "bad_key.toml",
        3,
        ProblemKind::BadKey,
        "key \"ctrl-spaceship\" in [record]: unknown key name \"spaceship\" (use one character, or a name such as enter, esc, tab, up, pageup, f1 or space)",
    );
}

#[test]
fn an_unknown_action_is_named_with_file_line_and_key() {
    assert_problem(
        &only_problem("unknown_action.toml"),
        "unknown_action.toml",
        7,
        ProblemKind::UnknownAction,
        "key \"ctrl-z\" in [board]: unknown action \"explode\"",
    );
}

#[test]
fn two_spellings_of_one_key_are_a_duplicate() {
    assert_problem(
        &only_problem("duplicate.toml"),
        "duplicate.toml",
        5,
        ProblemKind::Duplicate,
        "key \"shift-a\" in [help]: same key as \"A\" on line 3",
    );
}

#[test]
fn a_context_key_hiding_a_global_one_is_shadowing() {
    assert_problem(
        &only_problem("shadow.toml"),
        "shadow.toml",
        3,
        ProblemKind::Shadowed,
        "key \"ctrl-l\" in [board]: shadows the global binding to \"lock\"; bind it to \"lock\" here too, or unbind it in [global] with \"noop\" first",
    );
}

#[test]
fn a_value_that_is_not_a_string_is_reported() {
    assert_problem(
        &only_problem("not_string.toml"),
        "not_string.toml",
        3,
        ProblemKind::NotAString,
        "key \"x\" in [board]: the action must be a name in quotes (such as \"quit\"), not an integer",
    );
}

#[test]
fn an_unknown_preset_is_reported() {
    assert_problem(
        &only_problem("unknown_preset.toml"),
        "unknown_preset.toml",
        1,
        ProblemKind::UnknownPreset,
        "unknown preset \"emacs\" (use \"default\" or \"vim\")",
    );
}

#[test]
fn a_plain_character_in_global_is_reported() {
    assert_problem(
        &only_problem("global_char.toml"),
        "global_char.toml",
        3,
        ProblemKind::GlobalCharacter,
        "key \"x\" in [global]: a plain character cannot be global, because [login], [form], [dialog] and [filter] type it; bind it in [board], [record] or [help] instead",
    );
}

#[test]
fn a_context_that_is_not_a_table_is_reported() {
    assert_problem(
        &only_problem("not_a_table.toml"),
        "not_a_table.toml",
        2,
        ProblemKind::NotATable,
        "[board]: must be a table of \"key\" = \"action\", not a string",
    );
}

#[test]
fn every_problem_in_a_file_is_reported_in_line_order() {
    let problems = load_problems("many.toml");
    let found: Vec<(Option<usize>, ProblemKind)> =
        problems.iter().map(|p| (p.line, p.kind)).collect();
    assert_eq!(
        found,
        [
            (Some(2), ProblemKind::UnknownContext),
            (Some(5), ProblemKind::UnknownAction),
            (Some(6), ProblemKind::Shadowed),
            (Some(9), ProblemKind::BadKey),
            (Some(10), ProblemKind::NotAString),
        ]
    );
    assert_eq!(
        problems[0].to_string(),
        format!(
            "{}:2: \"q\" is outside any table; bindings go in a context table such as [global] or [board]",
            fixture("many.toml").display()
        )
    );
}
