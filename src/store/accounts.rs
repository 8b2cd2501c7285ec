//! Account administration on an open session: passwords, adding, disabling and resetting
//! accounts. Each change is a row in the staff table and the audit, then the keyslot file.

use chrono::{DateTime, Utc};

use super::StoreError;
use super::audit::{self, AuditAction};
use super::keyslots::{RECOVERY_SLOT, SlotKind};
use super::session::{Store, validate_new_password, with_keyslots};
use super::staff::{self, AccountStatus, StaffAccount};
use crate::domain::authority::Duty;
use crate::domain::role::Role;

impl Store {
    /// Replaces the logged-in person's password (and clears a temporary one).
    pub fn change_password(
        &mut self,
        new_password: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let username = self.identity().username.clone();
        if username == RECOVERY_SLOT {
            return Err(StoreError::Invalid(
                "the recovery key cannot be changed; run `sonar rekey` to issue a new one".into(),
            ));
        }
        validate_new_password(&username, new_password)?;
        let key = self.master_key().clone();
        with_keyslots(self.db_path(), |slots| {
            slots.add_slot(
                &username,
                SlotKind::Staff,
                new_password.as_bytes(),
                &key,
                false,
                now,
            )?;
            Ok(((), true))
        })?;
        self.audit(now, AuditAction::PasswordChanged, &username, "")
    }

    /// Adds an account with a temporary password the person must change at first login.
    pub fn add_user(
        &mut self,
        username: &str,
        display_name: &str,
        role: Role,
        temporary_password: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.add_user_with(username, display_name, role, temporary_password, true, now)
    }

    /// Adds an account; `must_change` false is for demo accounts whose password is published.
    pub fn add_user_with(
        &mut self,
        username: &str,
        display_name: &str,
        role: Role,
        password: &str,
        must_change: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        staff::validate_username(username)?;
        let actor = self.identity().username.clone();
        // The slot is written after the row commits: a crash between leaves an account that
        // cannot log in yet (fixed by `user reset`), never a slot with no account.
        self.write(Duty::ManageAccounts, now, |tx| {
            staff::insert(tx, username, display_name, role, now)?;
            audit::append(
                tx,
                now,
                &actor,
                AuditAction::UserAdded,
                username,
                role.as_str(),
            )?;
            Ok(())
        })?;
        self.replace_slot(username, password, must_change, now)
    }

    /// Gives `username` one slot, under `password`, in place of any it had.
    fn replace_slot(
        &self,
        username: &str,
        password: &str,
        must_change: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = self.master_key().clone();
        with_keyslots(self.db_path(), |slots| {
            slots.remove_slots(username);
            slots.add_slot(
                username,
                SlotKind::Staff,
                password.as_bytes(),
                &key,
                must_change,
                now,
            )?;
            Ok(((), true))
        })
    }

    /// Disables an account and removes its keyslot, so its password opens nothing.
    pub fn disable_user(&mut self, username: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        if username == self.identity().username {
            return Err(StoreError::Invalid(
                "you cannot disable the account you are logged in with".into(),
            ));
        }
        let actor = self.identity().username.clone();
        let db = self.db_path().to_path_buf();
        self.write(Duty::ManageAccounts, now, |tx| {
            let account = existing(tx, username)?;
            if account.role == Role::Admin && staff::active_admins(tx)? <= 1 {
                return Err(StoreError::Invalid(
                    "this is the last active administrator; add another before disabling it".into(),
                ));
            }
            staff::set_status(tx, username, AccountStatus::Disabled, now)?;
            audit::append(tx, now, &actor, AuditAction::UserDisabled, username, "")?;
            Ok(())
        })?;
        // Only once the refusal checks have passed and the account is marked disabled: the
        // password then opens nothing here. An old copy of the keyslot file still would, until
        // the master key is replaced, so the file says a rekey is owed until one runs.
        with_keyslots(&db, |slots| {
            slots.remove_slots(username);
            slots.rekey_needed.push(format!(
                "`{username}` was disabled at {}",
                crate::domain::observation::to_london_with_day(now)
            ));
            Ok(((), true))
        })
    }

    /// Gives an account a new temporary password (and re-enables it).
    pub fn reset_user(
        &mut self,
        username: &str,
        temporary_password: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let actor = self.identity().username.clone();
        self.write(Duty::ManageAccounts, now, |tx| {
            existing(tx, username)?;
            staff::set_status(tx, username, AccountStatus::Active, now)?;
            audit::append(tx, now, &actor, AuditAction::UserReset, username, "")?;
            Ok(())
        })?;
        self.replace_slot(username, temporary_password, true, now)
    }

    pub fn list_users(&self) -> Result<Vec<StaffAccount>, StoreError> {
        staff::list(self.conn())
    }
}

/// The account called `username`, or the sentence saying there is none.
fn existing(tx: &rusqlite::Connection, username: &str) -> Result<StaffAccount, StoreError> {
    staff::find(tx, username)?
        .ok_or_else(|| StoreError::Invalid(format!("there is no account called `{username}`")))
}
