//! The HTTP handlers: the signed directory, ITI-65, ITI-67 and ITI-68.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};

use super::Shared;
use super::audit::Event;
use super::db::{self, Outcome};
use crate::handover::verify::{self, Verified};
use crate::handover::{HandoverError, NHS_NUMBER_SYSTEM, pnc_system};
use crate::national::assertion::{self, AssertionError};
use crate::national::mhd;
use crate::national::{FHIR_JSON, MAX_REQUEST_BYTES};

/// A refusal: the HTTP status, the FHIR issue code and the one sentence.
pub(crate) struct Refusal {
    status: StatusCode,
    code: &'static str,
    sentence: String,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, sentence: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            sentence: sentence.into(),
        }
    }

    fn unavailable(e: db::DbError) -> Refusal {
        // The detail goes to the private log; the caller learns only that it failed here.
        tracing::error!(error = %e, "database failure");
        Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "transient",
            "the national record could not reach its database; try again shortly",
        )
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        fhir(
            self.status,
            &mhd::operation_outcome(self.code, &self.sentence),
        )
    }
}

fn fhir(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, FHIR_JSON)],
        body.to_string(),
    )
        .into_response()
}

/// The suite behind a request, from its verified assertion and the directory.
struct Caller {
    kid: String,
    organisation: String,
    user: String,
}

impl Caller {
    fn event<'a>(&'a self, action: &'a str) -> Event<'a> {
        Event {
            kid: &self.kid,
            organisation: &self.organisation,
            user: &self.user,
            action,
            detail: String::new(),
        }
    }
}

async fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Caller, AssertionError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(AssertionError::Missing)?
        .trim();
    let kid = assertion::claimed_kid(token)?;
    let now = Utc::now();
    let client = shared.pool.get().await.map_err(|e| {
        tracing::error!(error = %e, "database failure during authentication");
        AssertionError::Invalid("the record could not check it just now; try again".into())
    })?;
    let directory = db::directory(&client, "", now).await.map_err(|e| {
        tracing::error!(error = %e, "database failure during authentication");
        AssertionError::Invalid("the record could not check it just now; try again".into())
    })?;
    let entry = directory
        .entries
        .iter()
        .find(|e| e.kid == kid)
        .ok_or_else(|| AssertionError::UnknownKey(kid.clone()))?;
    let claims = assertion::verify(token, &entry.key, &shared.audience, now)?;
    let expires = chrono::DateTime::from_timestamp(claims.exp, 0).unwrap_or(now);
    let first = db::first_use_of_assertion(&client, &claims.jti, &kid, expires, now)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "database failure during authentication");
            AssertionError::Invalid("the record could not check it just now; try again".into())
        })?;
    if !first {
        return Err(AssertionError::Replayed);
    }
    Ok(Caller {
        kid,
        organisation: entry.organisation.clone(),
        user: claims.sonar_user,
    })
}

/// Authenticates, auditing a refusal with whatever key id the caller claimed.
async fn caller(shared: &Shared, headers: &HeaderMap, action: &str) -> Result<Caller, Refusal> {
    match authenticate(shared, headers).await {
        Ok(c) => Ok(c),
        Err(e) => {
            let claimed = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .and_then(|t| assertion::claimed_kid(t.trim()).ok())
                .unwrap_or_default();
            let event = Event {
                kid: &claimed,
                organisation: "",
                user: "",
                action: "refused",
                detail: json!({"asked": action, "reason": e.to_string()}).to_string(),
            };
            if let Err(db) = db::audit_refusal(&shared.pool, &event, Utc::now()).await {
                return Err(Refusal::unavailable(db));
            }
            Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "security",
                e.to_string(),
            ))
        }
    }
}

/// GET /directory: the key directory, signed by the record's key.
pub(crate) async fn directory(State(shared): State<Arc<Shared>>) -> Response {
    let now = Utc::now();
    let kid = crate::handover::keys::kid_of(&shared.record_key.verifying_key());
    let client = match shared.pool.get().await {
        Ok(c) => c,
        Err(e) => return Refusal::unavailable(e.into()).into_response(),
    };
    match db::directory(&client, &kid, now).await {
        Ok(d) => match d.publish(&shared.record_key) {
            Ok(doc) => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                doc.to_string(),
            )
                .into_response(),
            Err(e) => Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "exception",
                e.to_string(),
            )
            .into_response(),
        },
        Err(e) => Refusal::unavailable(e).into_response(),
    }
}

pub(crate) async fn not_found() -> Response {
    Refusal::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "the national record has no such endpoint: it serves /directory and, under /fhir/R4, ITI-65 (POST), DocumentReference (GET) and Binary/{id} (GET)",
    )
    .into_response()
}

/// A refusal of a submission by a known suite, audited before it is returned.
async fn refuse_submission(shared: &Shared, who: &Caller, r: Refusal) -> Response {
    let mut event = who.event("submit refused");
    event.detail = json!({"reason": r.sentence}).to_string();
    match db::audit_refusal(&shared.pool, &event, Utc::now()).await {
        Ok(()) => r.into_response(),
        Err(e) => Refusal::unavailable(e).into_response(),
    }
}

fn verify_refusal(e: HandoverError) -> Refusal {
    match e {
        HandoverError::UnknownKey(kid) => Refusal::new(
            StatusCode::FORBIDDEN,
            "security",
            format!(
                "the document is signed with key {kid}, which is not enrolled in this record's directory"
            ),
        ),
        other => Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("the document does not verify: {other}"),
        ),
    }
}

/// What the record indexes, taken from the verified document.
fn index(
    v: &Verified,
) -> (
    Option<String>,
    Option<String>,
    String,
    String,
    Option<NaiveDate>,
) {
    let id_of = |system: &str| {
        v.identifiers
            .iter()
            .find(|(s, _)| s == system)
            .map(|(_, value)| value.trim().to_string())
    };
    let patient = v.bundle["entry"]
        .as_array()
        .and_then(|e| {
            e.iter()
                .find(|e| e["resource"]["resourceType"] == "Patient")
        })
        .map(|e| &e["resource"]);
    let family = patient
        .and_then(|p| p.pointer("/name/0/family"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let given = patient
        .and_then(|p| p.pointer("/name/0/given"))
        .and_then(Value::as_array)
        .map(|g| {
            g.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let birth = v
        .birth_date
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    (
        id_of(NHS_NUMBER_SYSTEM),
        id_of(&pnc_system()),
        family,
        given,
        birth,
    )
}

/// POST /fhir/R4: ITI-65 Provide Document Bundle.
pub(crate) async fn provide(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let who = match caller(&shared, &headers, "submit").await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let r = Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-costly",
                format!(
                    "the submission is larger than the record's limit of {} KiB",
                    MAX_REQUEST_BYTES / 1024
                ),
            );
            return refuse_submission(&shared, &who, r).await;
        }
        Err(_) => {
            let r = Refusal::new(
                StatusCode::BAD_REQUEST,
                "invalid",
                "the request body could not be read",
            );
            return refuse_submission(&shared, &who, r).await;
        }
    };
    let document = match mhd::parse_provide(&body) {
        Ok(d) => d,
        Err(e) => {
            let r = Refusal::new(StatusCode::BAD_REQUEST, "invalid", e.0);
            return refuse_submission(&shared, &who, r).await;
        }
    };
    let now = Utc::now();
    let directory = {
        let client = match shared.pool.get().await {
            Ok(c) => c,
            Err(e) => return Refusal::unavailable(e.into()).into_response(),
        };
        match db::directory(&client, "", now).await {
            Ok(d) => d,
            Err(e) => return Refusal::unavailable(e).into_response(),
        }
    };
    let trust = directory.trust();
    let doc_bytes = document.clone();
    // Canonicalising and checking Ed25519 is CPU work: keep it off the async workers.
    let verified =
        match tokio::task::spawn_blocking(move || verify::verify(&doc_bytes, &trust)).await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return refuse_submission(&shared, &who, verify_refusal(e)).await,
            Err(_) => {
                let r = Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "exception",
                    "the document could not be checked",
                );
                return refuse_submission(&shared, &who, r).await;
            }
        };
    // The submitting suite must be the signer: the same organisation in the directory. A
    // suite that rotated its key still delivers handovers signed (and queued) before the
    // rotation, once the operator has enrolled the new key for the same organisation.
    if verified.kid != who.kid
        && directory.organisation(&verified.kid) != Some(who.organisation.as_str())
    {
        let signer = directory
            .organisation(&verified.kid)
            .unwrap_or("another suite");
        let r = Refusal::new(
            StatusCode::FORBIDDEN,
            "security",
            format!(
                "the document is signed by {signer}, not by the submitting suite ({}): a suite submits only its own handovers",
                who.organisation
            ),
        );
        return refuse_submission(&shared, &who, r).await;
    }
    let (nhs, pnc, family, given, birth) = index(&verified);
    let identifiers = json!(
        verified
            .identifiers
            .iter()
            .map(|(s, v)| json!([s, v]))
            .collect::<Vec<_>>()
    );
    let new = db::NewDocument {
        bundle_id: &verified.bundle_id,
        payload_sha256: &verified.payload_sha256,
        kid: &verified.kid,
        signed_at: &verified.signed_at,
        submitted_by: &who.user,
        nhs_number: nhs.as_deref(),
        pnc_id: pnc.as_deref(),
        family: &family,
        given: &given,
        birth_date: birth,
        identifiers,
        body: &document,
    };
    let (status, id, received) =
        match db::store(&shared.pool, &new, &who.event("submit"), now).await {
            Ok(Outcome::New(id, at)) => (StatusCode::CREATED, id, at),
            Ok(Outcome::Duplicate(id, at)) => (StatusCode::OK, id, at),
            Ok(Outcome::Conflict) => {
                return Refusal::new(
                    StatusCode::CONFLICT,
                    "duplicate",
                    format!(
                        "a different bundle with the identifier {} is already held",
                        verified.bundle_id
                    ),
                )
                .into_response();
            }
            Err(e) => return Refusal::unavailable(e).into_response(),
        };
    let received = received.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let entry_status = if status == StatusCode::CREATED {
        "201 Created"
    } else {
        "200 OK"
    };
    let response = |location: String| {
        json!({"response": {
            "status": entry_status,
            "location": location,
            "etag": format!("W/\"{}\"", verified.payload_sha256),
            "lastModified": received,
        }})
    };
    fhir(
        status,
        &json!({
            "resourceType": "Bundle",
            "type": "transaction-response",
            "entry": [
                response(format!("List/{id}")),
                response(format!("DocumentReference/{id}")),
                response(format!("Binary/{id}")),
            ],
        }),
    )
}

/// The query an ITI-67 request asks, or the sentence saying why it is not one.
fn parse_query(params: &HashMap<String, String>) -> Result<db::Query, String> {
    for key in params.keys() {
        if ![
            "patient.identifier",
            "patient.family",
            "patient.given",
            "patient.birthdate",
            "status",
        ]
        .contains(&key.as_str())
        {
            return Err(format!(
                "the record does not search by `{key}`: give patient.identifier, or patient.family with patient.birthdate"
            ));
        }
    }
    if let Some(status) = params.get("status")
        && status != "current"
    {
        return Err("the record holds only current documents (status=current)".into());
    }
    if let Some(id) = params.get("patient.identifier") {
        let (system, value) = id
            .split_once('|')
            .ok_or("patient.identifier is system|value")?;
        if system == NHS_NUMBER_SYSTEM {
            let n = crate::domain::nhs_number::NhsNumber::parse(value)
                .map_err(|e| format!("not a valid NHS number: {e}"))?;
            return Ok(db::Query::Nhs(n.as_str().to_string()));
        }
        if system == pnc_system() {
            let pnc = value.trim();
            if pnc.is_empty() || pnc.len() > 32 {
                return Err("the PNC id is empty or too long".into());
            }
            return Ok(db::Query::Pnc(pnc.to_string()));
        }
        return Err(format!(
            "the record searches NHS numbers ({NHS_NUMBER_SYSTEM}) and PNC ids ({}), not {system}",
            pnc_system()
        ));
    }
    let family = params
        .get("patient.family")
        .map(|f| f.trim())
        .filter(|f| !f.is_empty() && f.len() <= 100)
        .ok_or("give patient.identifier, or patient.family with patient.birthdate")?;
    let birth = params
        .get("patient.birthdate")
        .ok_or("a search by name needs patient.birthdate as well")?;
    let birth_date = NaiveDate::parse_from_str(birth.trim(), "%Y-%m-%d")
        .map_err(|_| format!("patient.birthdate `{birth}` is not a date (YYYY-MM-DD)"))?;
    let given = params
        .get("patient.given")
        .map(|g| g.trim().to_string())
        .filter(|g| !g.is_empty() && g.len() <= 100);
    Ok(db::Query::NameDob {
        family: family.to_string(),
        given,
        birth_date,
    })
}

/// GET /fhir/R4/DocumentReference: ITI-67 Find Document References.
pub(crate) async fn find(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let who = match caller(&shared, &headers, "find").await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let query = match params {
        Ok(Query(p)) => parse_query(&p),
        Err(_) => Err("the search parameters could not be read".to_string()),
    };
    let query = match query {
        Ok(q) => q,
        Err(sentence) => {
            let mut event = who.event("find refused");
            event.detail = json!({"reason": sentence}).to_string();
            if let Err(e) = db::audit_refusal(&shared.pool, &event, Utc::now()).await {
                return Refusal::unavailable(e).into_response();
            }
            return Refusal::new(StatusCode::BAD_REQUEST, "invalid", sentence).into_response();
        }
    };
    match db::find(&shared.pool, &query, &who.event("find"), Utc::now()).await {
        Ok(found) => fhir(StatusCode::OK, &mhd::searchset(&found, &shared.fhir_base)),
        Err(e) => Refusal::unavailable(e).into_response(),
    }
}

/// GET /fhir/R4/Binary/{id}: ITI-68 Retrieve Document, the signed bundle as it was submitted.
pub(crate) async fn retrieve(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let who = match caller(&shared, &headers, "retrieve").await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let not_found = || {
        Refusal::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("the record holds no document {id}"),
        )
        .into_response()
    };
    let Ok(number) = id.parse::<i64>() else {
        return not_found();
    };
    match db::retrieve(&shared.pool, number, &who.event("retrieve"), Utc::now()).await {
        Ok(Some((_, body))) => {
            (StatusCode::OK, [(header::CONTENT_TYPE, FHIR_JSON)], body).into_response()
        }
        Ok(None) => not_found(),
        Err(e) => Refusal::unavailable(e).into_response(),
    }
}
