//! Cells: who is already in one, and what booking another person into it needs. Checks and
//! rousing are planned per person, not per cell, so a shared cell must be a decision with a
//! reason, never a typo (issue 12: two people were put in C4 without a word).

use serde::Serialize;

use super::board::cell_key;

/// How many words a reason for sharing a cell needs: enough to say why ("both asked to
/// share", "suite full, cellmates from the same address"), more than "ok".
pub const SHARED_REASON_MIN_WORDS: usize = 3;

/// A person in custody in a cell, as the booking screen names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Occupant {
    pub custody_no: String,
    pub surname: String,
    pub forenames: String,
    /// The cell as it was recorded for them (`c4 ` is the same cell as `C4`).
    pub cell: String,
}

impl Occupant {
    /// "Sean O'BRIEN (NG-26-000036)": the first forename and the surname, as a person is
    /// called out in a suite, and the custody number that tells two of the same name apart.
    pub fn named(&self) -> String {
        let first = self.forenames.split_whitespace().next().unwrap_or("");
        let surname = self.surname.to_uppercase();
        if first.is_empty() {
            format!("{surname} ({})", self.custody_no)
        } else {
            format!("{first} {surname} ({})", self.custody_no)
        }
    }
}

/// Whether `a` and `b` are the same cell, as the board counts them: an empty cell (none
/// allocated) is no one's.
pub fn same_cell(a: &str, b: &str) -> bool {
    let a = cell_key(a);
    !a.is_empty() && a == cell_key(b)
}

/// The people of `in_custody` in `cell`, in the order given.
pub fn occupants_of<'a>(cell: &str, in_custody: &'a [Occupant]) -> Vec<&'a Occupant> {
    in_custody
        .iter()
        .filter(|o| same_cell(cell, &o.cell))
        .collect()
}

/// A reason for sharing a cell when it says enough (at least [`SHARED_REASON_MIN_WORDS`]
/// words), trimmed and with its spaces tidied; `None` otherwise.
pub fn shared_reason(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    (words.len() >= SHARED_REASON_MIN_WORDS).then(|| words.join(" "))
}

/// What the booking screen says the moment an occupied cell is typed: "C4 is occupied by
/// Sean O'BRIEN (NG-26-000036): say why they share, or choose another cell".
/// The cell is named as it was recorded for the first of them (`c4` typed reads "C4").
pub fn occupied_warning(cell: &str, occupants: &[Occupant]) -> String {
    let cell = occupants.first().map_or(cell, |o| o.cell.as_str());
    let names: Vec<String> = occupants.iter().map(Occupant::named).collect();
    let who = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    };
    format!(
        "{} is occupied by {who}: say why they share, or choose another cell",
        cell.trim()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occupant(no: &str, surname: &str, forenames: &str, cell: &str) -> Occupant {
        Occupant {
            custody_no: no.into(),
            surname: surname.into(),
            forenames: forenames.into(),
            cell: cell.into(),
        }
    }

    #[test]
    fn cells_match_as_the_board_counts_them() {
        assert!(same_cell("C4", " c4 "));
        assert!(!same_cell("C4", "C40"));
        assert!(!same_cell("", ""));
        assert!(!same_cell("  ", ""));
        let all = [
            occupant("NG-1", "A", "x", "C4"),
            occupant("NG-2", "B", "y", "C5"),
            occupant("NG-3", "C", "z", ""),
        ];
        let found: Vec<&str> = occupants_of("c4", &all)
            .iter()
            .map(|o| o.custody_no.as_str())
            .collect();
        assert_eq!(found, ["NG-1"]);
        assert!(occupants_of("", &all).is_empty());
    }

    #[test]
    fn the_warning_names_who_is_there() {
        let sean = occupant("NG-26-000036", "O'Brien", "Sean Patrick", "C4");
        assert_eq!(
            occupied_warning(" c4 ", std::slice::from_ref(&sean)),
            "C4 is occupied by Sean O'BRIEN (NG-26-000036): say why they share, or choose another cell"
        );
        let two = [sean, occupant("NG-26-000040", "Begum", "", "c4")];
        assert_eq!(
            occupied_warning("C4", &two),
            "C4 is occupied by Sean O'BRIEN (NG-26-000036) and BEGUM (NG-26-000040): say why they share, or choose another cell"
        );
    }

    #[test]
    fn a_reason_needs_a_few_words() {
        assert_eq!(shared_reason(""), None);
        assert_eq!(shared_reason("ok"), None);
        assert_eq!(shared_reason("suite full"), None);
        assert_eq!(
            shared_reason("  suite   full,  both calm "),
            Some("suite full, both calm".into())
        );
    }
}
