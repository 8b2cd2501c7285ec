//! The priority bands of a request for an HCP: cited, configurable data in
//! `schema/rules/hcp_bands.toml` (reference/safety-and-pathways.md, "HCP waiting and urgency":
//! a Delphi study in the Emergency Medicine Journal used 20 minutes, 2 hours and 4 hours).
//! Parsed and checked like the other rules files: a bad file is named with its line.

use std::sync::OnceLock;

use chrono::TimeDelta;
use serde::Deserialize;

use crate::domain::care::RulesError;

/// The embedded bands file, as a clinician reviews it.
pub const BANDS_FILE: &str = "schema/rules/hcp_bands.toml";
const BANDS_TEXT: &str = include_str!("../../../schema/rules/hcp_bands.toml");

/// One band: how soon the person should be seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    /// Stored with the request (`urgent`, `soon`, `routine`).
    pub name: String,
    pub minutes: u32,
    /// What the request dialog shows.
    pub label: String,
    pub source: String,
}

impl Band {
    pub fn within(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.minutes))
    }
}

/// Every band, most urgent first (the order of the file, which the dialog numbers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HcpBands {
    pub bands: Vec<Band>,
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    source: String,
    #[serde(default)]
    band: Vec<toml::Spanned<RawBand>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    name: String,
    minutes: i64,
    label: String,
    source: String,
}

use crate::domain::text::line_of;

impl HcpBands {
    /// Parses and checks a bands file: at least one band; each named with one lower-case word
    /// used once, more than 0 minutes, no less urgent than the one before, labelled and cited.
    pub fn parse(text: &str, file: &str) -> Result<HcpBands, RulesError> {
        let err = |line: usize, message: String| RulesError {
            file: file.to_string(),
            line,
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            err(line, e.message().trim().to_string())
        })?;
        if raw.source.trim().is_empty() {
            return Err(err(1, "the file must cite its source.".into()));
        }
        let mut bands: Vec<Band> = Vec::new();
        for spanned in raw.band {
            let line = line_of(text, spanned.span().start);
            let b = spanned.into_inner();
            let name = b.name.trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase()) {
                return Err(err(
                    line,
                    format!("band name `{name}` must be one lower-case word."),
                ));
            }
            if bands.iter().any(|x| x.name == name) {
                return Err(err(line, format!("band `{name}` is listed twice.")));
            }
            let minutes = u32::try_from(b.minutes)
                .ok()
                .filter(|m| *m > 0)
                .ok_or_else(|| err(line, format!("band `{name}`: minutes must be more than 0.")))?;
            if bands.last().is_some_and(|prev| prev.minutes > minutes) {
                return Err(err(
                    line,
                    format!(
                        "band `{name}` is more urgent than the one before: list the most urgent first."
                    ),
                ));
            }
            if b.label.trim().is_empty() {
                return Err(err(line, format!("band `{name}` needs a label.")));
            }
            if b.source.trim().is_empty() {
                return Err(err(line, format!("band `{name}` must cite its source.")));
            }
            bands.push(Band {
                name: name.to_string(),
                minutes,
                label: b.label.trim().to_string(),
                source: b.source.trim().to_string(),
            });
        }
        if bands.is_empty() {
            return Err(err(1, "there must be at least one [[band]].".into()));
        }
        Ok(HcpBands {
            bands,
            source: raw.source.trim().to_string(),
        })
    }

    /// The bands embedded in the program, parsed once.
    pub fn embedded() -> Result<&'static HcpBands, RulesError> {
        static BANDS: OnceLock<Result<HcpBands, RulesError>> = OnceLock::new();
        BANDS
            .get_or_init(|| HcpBands::parse(BANDS_TEXT, BANDS_FILE))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The band with this name.
    pub fn band(&self, name: &str) -> Option<&Band> {
        self.bands.iter().find(|b| b.name == name)
    }

    /// The names, for a sentence: `urgent, soon or routine`.
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.bands.iter().map(|b| b.name.as_str()).collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.join(""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_bands_are_the_cited_ones() {
        let bands = HcpBands::embedded().unwrap();
        let got: Vec<(&str, u32)> = bands
            .bands
            .iter()
            .map(|b| (b.name.as_str(), b.minutes))
            .collect();
        assert_eq!(got, [("urgent", 20), ("soon", 120), ("routine", 240)]);
        assert!(bands.source.contains("Emergency Medicine Journal"));
        assert!(bands.bands.iter().all(|b| b.source.contains("Delphi")));
        assert_eq!(bands.names(), "urgent, soon or routine");
        assert_eq!(
            bands.band("soon").map(Band::within),
            Some(TimeDelta::hours(2))
        );
    }

    fn band(name: &str, minutes: i64) -> String {
        format!(
            "\n[[band]]\nname = \"{name}\"\nminutes = {minutes}\nlabel = \"L\"\nsource = \"S\"\n"
        )
    }

    #[test]
    fn a_bad_file_is_named_with_its_line() {
        let head = "source = \"cited\"\n";
        let cases = [
            (format!("{head}{}", band("urgent", 0)), 3, "more than 0"),
            (
                format!("{head}{}{}", band("soon", 120), band("urgent", 20)),
                9,
                "most urgent first",
            ),
            (
                format!("{head}{}{}", band("urgent", 20), band("urgent", 30)),
                9,
                "twice",
            ),
            (format!("{head}{}", band("Very Urgent", 5)), 3, "lower-case"),
            (head.to_string(), 1, "at least one"),
            (
                format!("{head}\n[[band]]\nname = \"x\"\nminutes = 5\nlabel = \"L\"\n"),
                3,
                "source",
            ),
            (
                format!("{head}{}", band("urgent", 20)).replace("cited", ""),
                1,
                "cite",
            ),
        ];
        for (text, line, words) in cases {
            let e = HcpBands::parse(&text, "hcp_bands.toml").unwrap_err();
            assert_eq!(e.line, line, "{text}\n{e}");
            assert!(e.to_string().contains(words), "{e}");
            assert!(e.to_string().starts_with("hcp_bands.toml line"), "{e}");
        }
    }
}
