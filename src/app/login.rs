//! The login screen (also the lock screen) and choosing a new password after logging in with a
//! temporary one.

use zeroize::Zeroizing;

use super::{Action, App, Screen, checkpoint, open_board, sentence};
use crate::store::{Store, StoreError};

/// Which field of a two-field form has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    First,
    Second,
}

impl Field {
    fn other(self) -> Field {
        match self {
            Field::First => Field::Second,
            Field::Second => Field::First,
        }
    }
}

/// The login screen (also the lock screen).
#[derive(Debug, Default)]
pub struct LoginState {
    pub username: String,
    pub password: Zeroizing<String>,
    pub focus: Option<Field>,
    pub error: Option<String>,
    /// Why the screen is showing, e.g. "Locked after 5 minutes idle".
    pub info: Option<String>,
}

/// Choosing a new password after logging in with a temporary one.
#[derive(Debug)]
pub struct ChangePasswordState {
    pub new: Zeroizing<String>,
    pub repeat: Zeroizing<String>,
    pub focus: Field,
    pub error: Option<String>,
}

pub(super) fn login_action(app: &mut App, mut s: LoginState, action: Action) -> Screen {
    let focus = s.focus.unwrap_or(Field::First);
    match action {
        Action::NextField | Action::PrevField => s.focus = Some(focus.other()),
        Action::DeleteBack => {
            match focus {
                Field::First => s.username.pop(),
                Field::Second => s.password.pop(),
            };
        }
        Action::ClearField => match focus {
            Field::First => s.username.clear(),
            Field::Second => s.password.clear(),
        },
        Action::Submit | Action::Confirm => {
            if focus == Field::First && s.password.is_empty() {
                s.focus = Some(Field::Second);
                return Screen::Login(s);
            }
            let username = s.username.trim().to_string();
            if username.is_empty() {
                s.error = Some("Type your username first.".into());
                s.focus = Some(Field::First);
                return Screen::Login(s);
            }
            match Store::unlock(&app.config.db_path, &username, &s.password, app.now) {
                Ok(unlocked) => {
                    let must_change = unlocked.must_change_password;
                    app.session = Some(unlocked.store);
                    if must_change {
                        return Screen::ChangePassword(ChangePasswordState {
                            new: Zeroizing::new(String::new()),
                            repeat: Zeroizing::new(String::new()),
                            focus: Field::First,
                            error: None,
                        });
                    }
                    let board = open_board(app);
                    checkpoint::after_login(app);
                    return board;
                }
                Err(e) => {
                    s.password.clear();
                    s.focus = Some(Field::Second);
                    s.error = Some(login_error_sentence(&e));
                }
            }
        }
        _ => {}
    }
    Screen::Login(s)
}

fn login_error_sentence(e: &StoreError) -> String {
    sentence(e.to_string())
}

pub(super) fn change_password_action(
    app: &mut App,
    mut s: ChangePasswordState,
    action: Action,
) -> Screen {
    match action {
        Action::NextField | Action::PrevField => s.focus = s.focus.other(),
        Action::DeleteBack => {
            match s.focus {
                Field::First => s.new.pop(),
                Field::Second => s.repeat.pop(),
            };
        }
        Action::ClearField => match s.focus {
            Field::First => s.new.clear(),
            Field::Second => s.repeat.clear(),
        },
        Action::Back => {
            app.lock("Signed out without changing the temporary password.");
            return std::mem::replace(&mut app.screen, Screen::Login(LoginState::default()));
        }
        Action::Submit | Action::Confirm => {
            if s.focus == Field::First {
                s.focus = Field::Second;
                return Screen::ChangePassword(s);
            }
            if *s.new != *s.repeat {
                s.error = Some("The two passwords are not the same; type them again.".into());
                s.new.clear();
                s.repeat.clear();
                s.focus = Field::First;
                return Screen::ChangePassword(s);
            }
            let now = app.now;
            let result = match app.session.as_mut() {
                Some(store) => store.change_password(&s.new, now),
                None => return Screen::Login(LoginState::default()),
            };
            match result {
                Ok(()) => {
                    app.set_info("Your password was changed.");
                    return open_board(app);
                }
                Err(e) => {
                    s.error = Some(login_error_sentence(&e));
                    s.new.clear();
                    s.repeat.clear();
                    s.focus = Field::First;
                }
            }
        }
        _ => {}
    }
    Screen::ChangePassword(s)
}
