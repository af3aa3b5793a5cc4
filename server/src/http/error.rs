//! The one place where the server's errors meet HTTP: each [`Code`] has its status here, and an
//! [`Error`] answers `{ "error": code, "message": text }`, with `params` when a screen needs
//! them to translate it and `missing` for a refused close.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::{Code, Error};

/// The HTTP status that answers `code`.
pub(crate) fn status(code: Code) -> StatusCode {
    match code {
        Code::BadAnswer
        | Code::BadBody
        | Code::BadFilter
        | Code::BadHash
        | Code::BadId
        | Code::BadPassword
        | Code::HashMismatch
        | Code::Invalid
        | Code::NotATechnician
        | Code::NotOffice
        | Code::NotSalesRep
        | Code::Reserved
        | Code::UnknownPerson
        | Code::TooLong
        | Code::UnreadableFile
        | Code::UnsupportedVersion => StatusCode::BAD_REQUEST,
        Code::Unauthorized => StatusCode::UNAUTHORIZED,
        Code::Forbidden | Code::Csrf => StatusCode::FORBIDDEN,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::Timeout => StatusCode::REQUEST_TIMEOUT,
        Code::Exists | Code::NotADemo | Code::NotClosable | Code::WrongOffset => {
            StatusCode::CONFLICT
        }
        Code::TooLarge | Code::QuotaExceeded | Code::TooManyDocuments | Code::TooManyRows => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        Code::WrongMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::UnexpectedBody => StatusCode::UNPROCESSABLE_ENTITY,
        Code::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
        Code::Internal | Code::ExportFailed => StatusCode::INTERNAL_SERVER_ERROR,
        Code::Busy | Code::ShuttingDown | Code::StorageFailed => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl Error {
    /// The error that answers a request axum could not extract, by the status axum gives it.
    pub(crate) fn rejected(status: StatusCode, message: String) -> Self {
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => Code::TooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Code::WrongMediaType,
            StatusCode::UNPROCESSABLE_ENTITY => Code::UnexpectedBody,
            _ => Code::BadBody,
        };
        Error::new(code, message)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let code = self.code();
        let status = status(code);
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut body = serde_json::json!({ "error": code, "message": self.public_message() });
        // What a screen needs to say it in the user's language, when there is anything.
        let params = self.params();
        if !params.is_empty() && code != Code::Internal {
            body["params"] = serde_json::Value::Object(params);
        }
        // A refused close also names what is missing, for programs to show.
        if let Some(missing) = self.missing() {
            body["missing"] = serde_json::json!(missing);
        }
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use strum::VariantArray;

    use super::*;
    use crate::error::INTERNAL_MESSAGE;

    async fn body(error: Error) -> (StatusCode, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        (status, serde_json::from_slice(&bytes).expect("json"))
    }

    #[test]
    fn every_code_has_an_error_status_and_travels_as_its_snake_case_name() {
        for &code in Code::VARIANTS {
            let status = status(code);
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{code:?}: {status}"
            );
            assert_eq!(serde_json::json!(code), serde_json::json!(code.as_str()));
        }
        let shared = [Code::BadBody, Code::WrongMediaType, Code::UnexpectedBody];
        let bad_body = Code::VARIANTS.iter().filter(|c| c.as_str() == "bad_body");
        assert_eq!(bad_body.copied().collect::<Vec<_>>(), shared);
        let names: std::collections::BTreeSet<_> =
            Code::VARIANTS.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), Code::VARIANTS.len() + 1 - shared.len());
        assert_eq!(Code::NotADemo.as_str(), "not_a_demo");
        assert_eq!(Code::TooManyDocuments.as_str(), "too_many_documents");
    }

    #[tokio::test]
    async fn a_refusal_answers_its_code_and_message() {
        let (status, answer) = body(Error::new(Code::BadFilter, "unknown role \"x\"")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            answer,
            serde_json::json!({ "error": "bad_filter", "message": "unknown role \"x\"" })
        );
    }

    #[tokio::test]
    async fn an_internal_error_hides_its_message() {
        for error in [
            Error::internal("the worker thread panicked at secret.rs"),
            Error::new(Code::Internal, "secret"),
            Error::Io(std::io::Error::other("/var/secret")),
            fieldledger_core::Error::Corrupt("secret".into()).into(),
        ] {
            let (status, answer) = body(error).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(
                answer,
                serde_json::json!({ "error": "internal", "message": INTERNAL_MESSAGE })
            );
        }
    }

    #[tokio::test]
    async fn a_refused_close_names_what_is_missing() {
        use fieldledger_core::ticket::closure::Requirement;

        let missing = vec![Requirement::Disposition, Requirement::CostAudit];
        let error = Error::from(fieldledger_core::Error::NotClosable {
            missing: missing.clone(),
        });
        let message = error.to_string();
        let (status, answer) = body(error).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(
            answer,
            serde_json::json!({
                "error": "not_closable",
                "message": message,
                "missing": missing,
            })
        );
    }

    #[tokio::test]
    async fn an_invalid_input_names_its_field_and_rule_for_screens_to_translate() {
        use fieldledger_core::{Error as CoreError, Rule};

        let error = Error::from(CoreError::broke(
            "borne by",
            Rule::Required,
            "must name one",
        ));
        let (status, answer) = body(error).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["error"], "invalid");
        assert_eq!(
            answer["params"],
            serde_json::json!({ "field": "borne_by", "rule": "required" })
        );
        let long = Error::from(CoreError::broke("product name", Rule::TooLong(200), "long"));
        let (_, answer) = body(long).await;
        assert_eq!(
            answer["params"],
            serde_json::json!({ "field": "product_name", "rule": "too_long", "max": 200 })
        );
    }

    #[tokio::test]
    async fn a_refusal_carries_the_params_it_was_made_with_and_none_when_it_has_none() {
        let error = Error::new(
            Code::UnknownPerson,
            "the order's assignee tech.nobody is no one",
        )
        .with("person", "tech.nobody")
        .with("known", false);
        let (status, answer) = body(error).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            answer["params"],
            serde_json::json!({ "person": "tech.nobody", "known": false })
        );
        let (_, plain) = body(Error::new(Code::BadFilter, "unknown role")).await;
        assert!(plain.get("params").is_none(), "{plain}");
    }

    #[test]
    fn the_dashboard_says_every_code_in_chinese_and_english() {
        let words = include_str!("../../web/js/i18n.js");
        for &code in Code::VARIANTS {
            let key = format!("\"err.{}\": [", code.as_str());
            assert!(words.contains(&key), "i18n.js has no {key}");
        }
    }

    #[tokio::test]
    async fn a_stale_write_answers_busy() {
        let (status, answer) = body(Error::Stale("ticket t changed".into())).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(answer["error"], "busy");
        assert_eq!(answer["message"], "ticket t changed; try again");
    }
}
