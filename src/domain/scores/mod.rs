//! Clinical scores used in custody healthcare, implemented exactly as published
//! (`reference/clinical-scores.md`). Pure functions: inputs in, score and band out. Each
//! module cites its source and is tested against every band boundary.

pub mod audit_c;
pub mod ciwa;
pub mod cows;
pub mod facts;
pub mod gcs;
pub mod news2;

/// An input outside what the scoring table accepts, said in one sentence naming the range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item} must be {range}; {given} is not")]
pub struct OutOfRange {
    pub item: &'static str,
    pub range: String,
    pub given: String,
}

pub(crate) fn check_range(
    item: &'static str,
    value: i32,
    lo: i32,
    hi: i32,
) -> Result<u8, OutOfRange> {
    if (lo..=hi).contains(&value) {
        u8::try_from(value).map_err(|_| OutOfRange {
            item,
            range: format!("{lo} to {hi}"),
            given: value.to_string(),
        })
    } else {
        Err(OutOfRange {
            item,
            range: format!("{lo} to {hi}"),
            given: value.to_string(),
        })
    }
}
