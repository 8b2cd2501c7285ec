//! The sergeant's care workflow driven through real keys: setting a plan (refused below the
//! suggestion without a rationale), recording checks in a few keys, the schedule moving from
//! when the check was done (the emergency a failed rousing opens: `emergency_scenarios.rs`).

mod support;

use chrono::Duration;
use crossterm::event::KeyCode;
use sonar_custody::app::care::CareForm;
use sonar_custody::app::{App, Event, Screen, update};
use sonar_custody::domain::flag::{FlagCode, Severity};
use sonar_custody::domain::observation::ObservationLevel;
use support::*;

fn tick(app: &mut App, after: Duration) {
    let now = app.now + after;
    update(app, Event::Tick(now));
}

/// Moves the board selection to the first visible row matching `pred`; returns its detention.
fn select(app: &mut App, pred: impl FnMut(&sonar_custody::domain::board::BoardRow) -> bool) -> i64 {
    let Screen::Board(b) = &app.screen else {
        panic!("not on the board");
    };
    let pos = b.visible_rows().position(pred).expect("a matching row");
    let id = b.visible_rows().nth(pos).unwrap().detention_id;
    key(app, KeyCode::Home);
    for _ in 0..pos {
        key(app, KeyCode::Down);
    }
    let Screen::Board(b) = &app.screen else {
        panic!("not on the board");
    };
    assert_eq!(b.selected_detention(), Some(id));
    id
}

fn row(app: &App, id: i64) -> sonar_custody::domain::board::BoardRow {
    let Screen::Board(b) = &app.screen else {
        panic!("not on the board");
    };
    b.rows
        .iter()
        .find(|r| r.detention_id == id)
        .cloned()
        .unwrap()
}

fn status(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_routine_check_takes_two_keys_and_restarts_the_schedule_from_now() {
    let (_db, mut app) = logged_in("officer");
    let id = select(&mut app, |r| {
        r.observation_level == ObservationLevel::General && r.next_check_due.is_some()
    });
    key(&mut app, KeyCode::Char('c'));
    assert!(matches!(app.care.form, Some(CareForm::Check(_))));
    key(&mut app, KeyCode::Enter);
    assert!(app.care.form.is_none(), "{}", status(&app));
    assert!(
        status(&app).starts_with("Check recorded"),
        "{}",
        status(&app)
    );
    assert_eq!(
        row(&app, id).next_check_due,
        Some(app.now + Duration::minutes(60))
    );
}

#[test]
fn a_rousing_check_asks_the_annex_h_questions_and_a_late_one_needs_a_reason() {
    let (_db, mut app) = logged_in("officer");
    // Someone on level 2 (every 30 minutes) whose last check or plan was more than 10 minutes
    // ago, so a check timed 10 minutes back is after it and restarts the schedule.
    let now = app.now;
    let id = select(&mut app, |r| {
        r.observation_level == ObservationLevel::Intermittent
            && r.next_check_due
                .is_some_and(|d| d <= now + Duration::minutes(20))
    });
    key(&mut app, KeyCode::Char('c'));
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("Rousable?"), "{text}");
    // Enter with nothing answered is refused with a sentence naming the question.
    key(&mut app, KeyCode::Enter);
    let Some(CareForm::Check(f)) = &app.care.form else {
        panic!("the form closed")
    };
    assert!(
        f.error.as_deref().unwrap_or("").contains("roused"),
        "{:?}",
        f.error
    );
    // y y y, then say it was done 10 minutes ago without a reason: refused; with one: saved.
    type_text(&mut app, "yyy");
    key(&mut app, KeyCode::Tab); // condition -> note
    key(&mut app, KeyCode::Tab); // note -> minutes ago
    type_text(&mut app, "10");
    key(&mut app, KeyCode::Enter);
    let Some(CareForm::Check(f)) = &app.care.form else {
        panic!("a late check without a reason was saved")
    };
    assert!(
        f.error.as_deref().unwrap_or("").contains("10 minutes"),
        "{:?}",
        f.error
    );
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "cell fight in C4");
    key(&mut app, KeyCode::Enter);
    assert!(app.care.form.is_none(), "{}", status(&app));
    // The schedule runs from when it was done, 10 minutes ago.
    assert_eq!(
        row(&app, id).next_check_due,
        Some(app.now - Duration::minutes(10) + Duration::minutes(30))
    );
}

#[test]
fn a_plan_below_the_suggestion_needs_a_rationale_which_then_shows_in_the_record() {
    let (_db, mut app) = logged_in("sergeant");
    // Someone suspected of drink and nothing more serious: the suggestion is level 2 (Code C
    // 9.3), not the level 4 a NEWS alert asks for.
    let id = select(&mut app, |r| {
        r.flags
            .iter()
            .any(|(c, s)| *c == FlagCode::Alcohol && *s >= Severity::Attention)
            && r.flags.iter().all(|(c, _)| c.code() != "NEWS")
    });
    key(&mut app, KeyCode::Char('p'));
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("Suggested: Level"), "{text}");
    assert!(text.contains("Code C 9.3"), "{text}");
    type_text(&mut app, "1");
    key(&mut app, KeyCode::Enter);
    let Some(CareForm::Plan(f)) = &app.care.form else {
        panic!("a level below the suggestion was saved without a rationale")
    };
    assert!(
        f.error.as_deref().unwrap_or("").contains("rationale"),
        "{:?}",
        f.error
    );
    // The cursor went to the rationale: type it and save.
    type_text(&mut app, "HCP review 13:40, sober and steady");
    key(&mut app, KeyCode::Enter);
    assert!(app.care.form.is_none(), "{}", status(&app));
    assert_eq!(row(&app, id).observation_level, ObservationLevel::General);
    // The board shows the rationale beside the selected person, as it shows the level.
    let board = screen_text(&app, 120, 40);
    assert!(
        board.contains("below suggested L2: HCP review 13:40, sober and steady"),
        "{board}"
    );
    key(&mut app, KeyCode::Enter);
    for _ in 0..2 {
        key(&mut app, KeyCode::Right);
    }
    let text = screen_text(&app, 120, 40);
    assert!(
        text.contains("HCP review 13:40, sober and steady"),
        "{text}"
    );
    assert!(text.contains("Check timeline"), "{text}");
}

#[test]
fn a_detention_officer_cannot_set_the_plan() {
    let (_db, mut app) = logged_in("officer");
    key(&mut app, KeyCode::Char('p'));
    assert!(app.care.form.is_none());
    assert!(status(&app).contains("sergeant"), "{}", status(&app));
}

#[test]
fn a_pace_review_recorded_from_the_board_moves_the_next_deadline() {
    let (_db, mut app) = logged_in("sergeant");
    // The selected person's record, Care tab, before.
    key(&mut app, KeyCode::Enter);
    for _ in 0..2 {
        key(&mut app, KeyCode::Right);
    }
    let before = screen_text(&app, 120, 40);
    assert!(
        before.contains("Next PACE deadline    1st review"),
        "{before}"
    );
    key(&mut app, KeyCode::Char('r'));
    type_text(&mut app, "Insp Hale");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "continue detention: interview pending");
    // Without the representations (PACE s.40(12)) the review is refused, saying what to give.
    key(&mut app, KeyCode::Enter);
    let Some(CareForm::Pace(f)) = &app.care.form else {
        panic!("a review without representations was recorded")
    };
    assert!(
        f.error.as_deref().unwrap_or("").contains("representations"),
        "{:?}",
        f.error
    );
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "solicitor: asks for release on bail");
    key(&mut app, KeyCode::Enter);
    assert!(app.care.form.is_none(), "{}", status(&app));
    let after = screen_text(&app, 120, 40);
    assert!(
        after.contains("Next PACE deadline    2nd review"),
        "{after}"
    );
    assert!(
        after.contains("by Insp Hale: continue detention: interview pending"),
        "{after}"
    );
    let flat = after.replace('\n', " ");
    assert!(
        flat.contains("representations: solicitor: asks for release on bail"),
        "{after}"
    );
    assert!(!after.contains("LATE"), "on time: no late reason: {after}");
    // An extension beyond 36 hours is refused with the statutory reason.
    key(&mut app, KeyCode::Char('r'));
    key(&mut app, KeyCode::BackTab);
    type_text(&mut app, "2");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "Supt Rowe");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "40");
    key(&mut app, KeyCode::Enter);
    let Some(CareForm::Pace(f)) = &app.care.form else {
        panic!("an extension beyond 36 hours was recorded")
    };
    assert!(
        f.error.as_deref().unwrap_or("").contains("36 hours"),
        "{:?}",
        f.error
    );
}

#[test]
fn a_flag_raised_after_the_plan_shows_the_level_is_now_below_the_suggestion() {
    let (db, mut app) = logged_in("sergeant");
    let id = select(&mut app, |r| {
        r.observation_level == ObservationLevel::General && r.flags.is_empty()
    });
    let board = screen_text(&app, 120, 40);
    assert!(!board.contains("BELOW SUGGESTED"), "{board}");
    // Another terminal raises a self-harm alert flag.
    let other = sonar_custody::store::Store::unlock(&db.path, "hcp", DEMO_PASSWORD, app.now)
        .unwrap()
        .store;
    let person_id = other
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.detention_id == id)
        .unwrap()
        .person_id;
    sonar_custody::store::custody::insert_flag(
        other.conn_for_reports(),
        &sonar_custody::store::custody::NewFlag {
            person_id,
            detention_id: Some(id),
            code: "SH",
            severity: "alert",
            reason: "said he would kill himself tonight",
            source: "HCP assessment",
            raised_by: "hcp",
            raised_at: app.now,
        },
    )
    .unwrap();
    tick(&mut app, Duration::seconds(1));
    let board = screen_text(&app, 120, 40);
    assert!(
        board.contains("BELOW SUGGESTED L3: NO RATIONALE RECORDED"),
        "{board}"
    );
}

#[test]
fn an_hcp_recommendation_is_accepted_by_the_sergeant_in_one_key() {
    let db = demo_db();
    let mut hcp = app(&db.path);
    log_in(&mut hcp, "hcp", DEMO_PASSWORD);
    let id = select(&mut hcp, |r| {
        r.observation_level == ObservationLevel::General && r.flags.is_empty()
    });
    key(&mut hcp, KeyCode::Char('p'));
    assert!(
        screen_text(&hcp, 80, 24).contains("HCP recommendation"),
        "{}",
        screen_text(&hcp, 80, 24)
    );
    type_text(&mut hcp, "3");
    key(&mut hcp, KeyCode::Enter);
    assert!(hcp.care.form.is_none(), "{}", status(&hcp));
    // Recommending does not change the plan.
    assert_eq!(row(&hcp, id).observation_level, ObservationLevel::General);

    let mut sergeant = app(&db.path);
    log_in(&mut sergeant, "sergeant", DEMO_PASSWORD);
    select(&mut sergeant, |r| r.detention_id == id);
    key(&mut sergeant, KeyCode::Char('p'));
    let text = screen_text(&sergeant, 80, 24);
    assert!(text.contains("HCP hcp recommended this"), "{text}");
    key(&mut sergeant, KeyCode::Enter);
    assert!(sergeant.care.form.is_none(), "{}", status(&sergeant));
    assert_eq!(
        row(&sergeant, id).observation_level,
        ObservationLevel::Constant
    );
    // Accepted: the next change starts without it.
    key(&mut sergeant, KeyCode::Char('p'));
    assert!(!screen_text(&sergeant, 80, 24).contains("recommended this"));
}

#[test]
fn a_charge_recorded_from_the_pace_dialog_makes_a_plan_review_due_until_the_plan_is_set() {
    use sonar_custody::domain::observation::to_london;
    let (_db, mut app) = logged_in("sergeant");
    let id = select(&mut app, |_| true);
    let before = screen_text(&app, 120, 40);
    assert!(!before.contains("PLAN REVIEW DUE"), "{before}");
    // r, back to "What", 4 = charged, a note, Enter.
    key(&mut app, KeyCode::Char('r'));
    key(&mut app, KeyCode::BackTab);
    type_text(&mut app, "4");
    let form = screen_text(&app, 120, 40);
    assert!(form.contains("Decision: charged"), "{form}");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "theft x2, remanded for court");
    key(&mut app, KeyCode::Enter);
    assert!(app.care.form.is_none(), "{}", status(&app));
    assert!(status(&app).contains("Plan review due"), "{}", status(&app));
    let due = format!("PLAN REVIEW DUE (charged {})", to_london(app.now));
    let board = screen_text(&app, 120, 40);
    assert!(board.contains(&due), "{board}");
    assert!(app.care.board[&id].review_due.is_some());
    // The record's summary says it too.
    key(&mut app, KeyCode::Enter);
    let record = screen_text(&app, 120, 40);
    assert!(record.contains(&due), "{record}");
    key(&mut app, KeyCode::Esc);
    // Setting the plan again (a minute later) clears it.
    tick(&mut app, Duration::minutes(1));
    key(&mut app, KeyCode::Char('p'));
    key(&mut app, KeyCode::Enter);
    assert!(app.care.form.is_none(), "{}", status(&app));
    let after = screen_text(&app, 120, 40);
    assert!(!after.contains("PLAN REVIEW DUE"), "{after}");
    assert!(app.care.board[&id].review_due.is_none());
}

#[test]
fn a_detention_officer_cannot_record_a_custody_decision() {
    let (_db, mut app) = logged_in("officer");
    key(&mut app, KeyCode::Char('r'));
    assert!(app.care.form.is_none());
    assert!(
        status(&app).contains("custody sergeant"),
        "{}",
        status(&app)
    );
}

#[test]
fn a_late_pace_review_needs_a_reason_and_the_record_and_board_show_it() {
    let (_db, mut app) = logged_in("sergeant");
    // Scott's first review fell due 8 minutes ago: the board says so on his row.
    let now = app.now;
    let id = select(&mut app, |r| r.surname == "Scott");
    assert!(row(&app, id).pace_review_overdue(now));
    assert!(
        board_lines(&app)
            .iter()
            .any(|l| l.contains("SCOTT") && l.contains("REVIEW !-8m")),
        "{:#?}",
        board_lines(&app)
    );
    key(&mut app, KeyCode::Char('r'));
    type_text(&mut app, "Insp Hale");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "continue detention");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "none made; asleep, to be told on waking");
    let form = screen_text(&app, 80, 24);
    assert!(
        form.contains("required: due"),
        "the form says a reason is needed: {form}"
    );
    // Late without a reason: refused, saying how late.
    key(&mut app, KeyCode::Enter);
    let Some(CareForm::Pace(f)) = &app.care.form else {
        panic!("a late review without a reason was recorded")
    };
    assert!(
        f.error.as_deref().unwrap_or("").contains("8m late"),
        "{:?}",
        f.error
    );
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "inspector called to a firearms incident");
    key(&mut app, KeyCode::Enter);
    assert!(app.care.form.is_none(), "{}", status(&app));
    // The row no longer shows an overdue review, and the header counts none.
    assert!(!row(&app, id).pace_review_overdue(now));
    assert!(screen_text(&app, 120, 40).contains("0 PACE reviews"));
    // The record's Care plan tab lists the review with both answers.
    key(&mut app, KeyCode::Enter);
    for _ in 0..2 {
        key(&mut app, KeyCode::Right);
    }
    // Long lines wrap on the tab: read it as one line.
    let text = screen_text(&app, 120, 40).replace('\n', " ");
    assert!(
        text.contains("representations: none made; asleep, to be told on waking"),
        "{text}"
    );
    assert!(
        text.contains("LATE: inspector called to a firearms incident"),
        "{text}"
    );
}
