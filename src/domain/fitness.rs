//! Fitness decisions (PACE Code C 9.5-9.8; Annex G for interview): what each kind decides, in
//! the words screens, the escort summary and the bundle all use.

/// What a stored fitness kind decides, as the end of "fit to ...": `detain`, `be interviewed`,
/// `be transferred or released`.
pub fn fit_to(kind: &str) -> &'static str {
    match kind {
        "detain" => "detain",
        "interview" => "be interviewed",
        _ => "be transferred or released",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_as_the_end_of_fit_to() {
        assert_eq!(fit_to("detain"), "detain");
        assert_eq!(fit_to("interview"), "be interviewed");
        assert_eq!(fit_to("transfer_release"), "be transferred or released");
    }
}
