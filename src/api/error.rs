//! One shape for every error answer:
//! `{"error": {"code": "...", "message": "...", "parameter": "..."}}`.
//! The message is in the reader's language (`Accept-Language`: Spanish
//! by default, English); the code never changes.

use serde::Serialize;
use warp::http::StatusCode;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: Text,
    pub parameter: Option<String>,
}

/// A message in the product's two languages.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub es: String,
    pub en: String,
}

impl Text {
    pub fn new(es: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            es: es.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Es => &self.es,
            Lang::En => &self.en,
        }
    }
}

/// The language of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Es,
    En,
}

impl Lang {
    /// The reader's language from `Accept-Language`: the preferred of
    /// Spanish and English by quality; Spanish when neither is named.
    pub fn from_header(value: Option<&str>) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in value.unwrap_or("").split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("es") => Lang::Es,
                Some("en") => Lang::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Es, |(_, l)| l)
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameter: Option<&'a str>,
}

impl ApiError {
    /// A refused parameter: what is wrong and what is accepted, in Spanish and English.
    pub fn bad_parameter(
        parameter: &str,
        es: impl Into<String>,
        en: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_parameter",
            message: Text::new(es, en),
            parameter: Some(parameter.to_string()),
        }
    }

    pub fn not_found(es: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: Text::new(es, en),
            parameter: None,
        }
    }

    /// Any other error, by status and code.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        es: impl Into<String>,
        en: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            message: Text::new(es, en),
            parameter: None,
        }
    }

    pub fn no_data() -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "no_published_run",
            message: Text::new(
                "todavía no se ha publicado ninguna cosecha; ejecute `renec-harvester harvest` (o espere la programada)",
                "no harvest has been published yet; run `renec-harvester harvest` (or wait for the scheduled one)",
            ),
            parameter: None,
        }
    }

    /// An internal failure: the log gets the cause, the client a sentence.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "api_internal_error");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal_error",
            message: Text::new(
                "el servidor no pudo responder; la causa está en su registro",
                "the server could not answer; the cause is in its log",
            ),
            parameter: None,
        }
    }

    pub fn body(&self, lang: Lang) -> Vec<u8> {
        serde_json::to_vec(&Body {
            error: Inner {
                code: self.code,
                message: self.message.get(lang),
                parameter: self.parameter.as_deref(),
            },
        })
        .expect("error serializes")
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        ApiError::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_s_language_is_spanish_unless_english_is_preferred() {
        assert_eq!(Lang::from_header(None), Lang::Es);
        assert_eq!(Lang::from_header(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_header(Some("es-MX,es;q=0.9,en;q=0.8")), Lang::Es);
        assert_eq!(Lang::from_header(Some("fr-FR, en;q=0.5")), Lang::En);
        assert_eq!(Lang::from_header(Some("de")), Lang::Es);
        assert_eq!(Lang::from_header(Some("en;q=0, es;q=0.1")), Lang::Es);
        assert_eq!(Lang::from_header(Some("es;q=0.2, en;q=0.7")), Lang::En);
    }
}
