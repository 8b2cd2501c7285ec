//! Staff roles and what each may see (DESIGN.md, security model: health information is shared
//! with police on a need-to-know basis).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a member of staff does in the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Healthcare practitioner: custody nurse or paramedic.
    Hcp,
    /// Custody sergeant.
    Sergeant,
    /// Detention officer.
    DetentionOfficer,
    /// Manages accounts and the suite's keys; sees no clinical detail.
    Admin,
    /// The suite's big screen: shows the board and emergencies only, opens no record, writes
    /// nothing (except acknowledging an emergency on itself), and never idle-locks.
    WallBoard,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Hcp,
        Role::Sergeant,
        Role::DetentionOfficer,
        Role::Admin,
        Role::WallBoard,
    ];

    /// The stable name stored in the database and typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Hcp => "hcp",
            Role::Sergeant => "sergeant",
            Role::DetentionOfficer => "detention_officer",
            Role::Admin => "admin",
            Role::WallBoard => "wall_board",
        }
    }

    /// A label for screens.
    pub fn label(self) -> &'static str {
        match self {
            Role::Hcp => "Healthcare practitioner",
            Role::Sergeant => "Custody sergeant",
            Role::DetentionOfficer => "Detention officer",
            Role::Admin => "Administrator",
            Role::WallBoard => "Wall board",
        }
    }

    /// Whether this role sees clinical notes, scores' detail and medication reasons without
    /// breaking glass.
    pub fn sees_clinical_detail(self) -> bool {
        matches!(self, Role::Hcp)
    }

    /// Whether this role records anything (every role but the wall board).
    pub fn writes_records(self) -> bool {
        !matches!(self, Role::WallBoard)
    }

    /// Whether this role opens a person's record (every role but the wall board).
    pub fn opens_records(self) -> bool {
        !matches!(self, Role::WallBoard)
    }

    /// Whether the terminal locks itself when idle (not the wall board, which shows no
    /// clinical detail and must stay up on the suite's big screen).
    pub fn idle_locks(self) -> bool {
        !matches!(self, Role::WallBoard)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`: use hcp, sergeant, detention_officer, admin or wall_board")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "hcp" => Ok(Role::Hcp),
            "sergeant" => Ok(Role::Sergeant),
            "detention_officer" | "officer" => Ok(Role::DetentionOfficer),
            "admin" => Ok(Role::Admin),
            "wall_board" | "wallboard" => Ok(Role::WallBoard),
            other => Err(UnknownRole(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip_and_unknown_is_refused() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        let err = "nurse".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("unknown role `nurse`"));
    }

    #[test]
    fn only_hcp_sees_clinical_detail() {
        assert!(Role::Hcp.sees_clinical_detail());
        assert!(!Role::Sergeant.sees_clinical_detail());
        assert!(!Role::DetentionOfficer.sees_clinical_detail());
        assert!(!Role::Admin.sees_clinical_detail());
    }
}
