//! The readable page, `docs/safety/hazard-log.md`, written from the validated log.

use super::{Hazard, HazardLog, Likelihood, REGENERATE, Risk, Severity, rating_meaning};

impl HazardLog {
    /// The readable page, `docs/safety/hazard-log.md`.
    pub fn render_markdown(&self) -> String {
        let mut out = String::new();
        let controls: usize = self.hazards.iter().map(|h| h.controls.len()).sum();
        let open: usize = self
            .hazards
            .iter()
            .flat_map(|h| &h.controls)
            .filter(|c| c.open.is_some())
            .count();
        let untested = self
            .hazards
            .iter()
            .flat_map(|h| &h.controls)
            .filter(|c| c.tests.is_empty())
            .count();
        push_lines(
            &mut out,
            &[
                "# Hazard log".to_string(),
                String::new(),
                format!(
                    "Generated from [`hazards.toml`](hazards.toml) by `tests/hazard_log.rs`: do not edit this page; edit the log and run `{REGENERATE}`."
                ),
                String::new(),
                format!(
                    "{} hazards, {controls} controls naming {} tests; {open} controls have something open ({untested} with no test at all). \
                     A test of `tests/hazard_log.rs` fails when a hazard has no control, a control names no test without saying why, \
                     or a named test does not exist.",
                    self.hazards.len(),
                    self.tests().len()
                ),
                String::new(),
                "Risk is rated on the NHS clinical risk matrix of DCB0129 (manufacturers) and DCB0160 (deployers): \
                 severity and likelihood, each on five levels, give a rating from 1 to 5. \
                 *Before* is the risk without the controls below; *after* is the risk with them in place. \
                 Every control names the tests that prove it; what is not yet proven or not yet built is marked **Open**."
                    .to_string(),
                String::new(),
                "## Summary".to_string(),
                String::new(),
                "| id | hazard | before | after | controls | open |".to_string(),
                "| --- | --- | --- | --- | --- | --- |".to_string(),
            ],
        );
        for h in &self.hazards {
            let open = h.controls.iter().filter(|c| c.open.is_some()).count();
            out.push_str(&format!(
                "| [{id}](#{anchor}) | {title} | {before} | {after} | {n} | {open} |\n",
                id = h.id,
                anchor = anchor(&h.id, &h.title),
                title = cell(&h.title),
                before = h.before,
                after = h.after,
                n = h.controls.len(),
            ));
        }
        out.push('\n');
        push_matrix(&mut out);
        for h in &self.hazards {
            out.push_str(&format!("\n## {} {}\n\n", h.id, h.title));
            out.push_str(&format!("**Cause.** {}\n\n", h.cause));
            out.push_str(&format!("**Effect on the detainee.** {}\n\n", h.effect));
            out.push_str(&format!(
                "**Risk before controls:** {}. **After:** {}.\n\n",
                h.before, h.after
            ));
            out.push_str(&format!("**Residual risk.** {}\n\n", h.residual));
            if !h.sources.is_empty() {
                out.push_str("**Sources.**\n\n");
                for s in &h.sources {
                    out.push_str(&format!("- {s}\n"));
                }
                out.push('\n');
            }
            out.push_str("**Controls.**\n\n");
            for (n, c) in h.controls.iter().enumerate() {
                out.push_str(&format!("{}. {}\n", n + 1, c.description));
                if c.tests.is_empty() {
                    out.push_str("   - Tests: none yet.\n");
                } else {
                    out.push_str("   - Tests:\n");
                    for t in &c.tests {
                        out.push_str(&format!("     - `{t}`\n"));
                    }
                }
                if let Some(open) = &c.open {
                    out.push_str(&format!("   - **Open:** {open}\n"));
                }
            }
        }
        let open: Vec<(&Hazard, usize, &str)> = self
            .hazards
            .iter()
            .flat_map(|h| {
                h.controls
                    .iter()
                    .enumerate()
                    .filter_map(move |(n, c)| c.open.as_deref().map(|o| (h, n + 1, o)))
            })
            .collect();
        if !open.is_empty() {
            out.push_str(
                "\n## Open\n\nEverything the log says is not yet proven or not yet built.\n\n",
            );
            out.push_str("| hazard | control | open |\n| --- | --- | --- |\n");
            for (h, n, o) in open {
                out.push_str(&format!("| {} | {n} | {} |\n", h.id, cell(o)));
            }
        }
        out
    }
}

fn push_lines(out: &mut String, lines: &[String]) {
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
}

fn push_matrix(out: &mut String) {
    out.push_str("### The risk matrix\n\n| likelihood \\ severity |");
    for s in Severity::ALL {
        out.push_str(&format!(" {} |", s.name()));
    }
    out.push_str("\n| --- |");
    for _ in Severity::ALL {
        out.push_str(" --- |");
    }
    out.push('\n');
    for l in Likelihood::ALL.into_iter().rev() {
        out.push_str(&format!("| {} |", l.name()));
        for s in Severity::ALL {
            let r = Risk {
                severity: s,
                likelihood: l,
            };
            out.push_str(&format!(" {} |", r.rating()));
        }
        out.push('\n');
    }
    out.push_str("\n| rating | meaning |\n| --- | --- |\n");
    for rating in 1..=5 {
        out.push_str(&format!("| {rating} | {} |\n", rating_meaning(rating)));
    }
    out.push_str("\n| severity | for a detainee |\n| --- | --- |\n");
    for s in Severity::ALL {
        out.push_str(&format!("| {} | {} |\n", s.name(), s.meaning()));
    }
    out.push_str("\n| likelihood | meaning |\n| --- | --- |\n");
    for l in Likelihood::ALL {
        out.push_str(&format!("| {} | {} |\n", l.name(), l.meaning()));
    }
}

/// Text fit for a table cell: no pipe ends the cell early.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The anchor GitHub gives the heading `## H01 Wrong person selected`.
fn anchor(id: &str, title: &str) -> String {
    format!("{id} {title}")
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_follow_github() {
        assert_eq!(
            anchor("H06", "A tampered or misattributed bundle accepted"),
            "h06-a-tampered-or-misattributed-bundle-accepted"
        );
        assert_eq!(
            anchor("H07", "A clock or daylight-saving error"),
            "h07-a-clock-or-daylight-saving-error"
        );
    }
}
