//! How a service answers with an error: the HTTP status and the contract's failure object.
//! phone-core has no HTTP dependency, so the status is a plain `u16`.

use super::{Error, KeyProblem};
use crate::Lang;

impl Error {
    /// The HTTP status a service answers with for this error. Plain `u16`: phone-core has no
    /// HTTP dependency.
    ///
    /// | status | kinds | whose problem |
    /// | --- | --- | --- |
    /// | 400 | `malformed_envelope` | the request |
    /// | 403 | `missing_signature`, `bad_signature` | the payload is not proven to come from Alipay |
    /// | 413 | `payload_too_large` | the request |
    /// | 422 | `bad_base64`, `unsupported_sign_type`, `unsupported_encrypt_type`, `no_phone`, `alipay_error` (but 20000) | the payload or the user's authorisation |
    /// | 404 | `key_error` with [`KeyProblem::UnknownApp`]: no provider knows the app id (a made-up id is the caller's mistake, not a server fault: no 5xx alert, no load-balancer ejection) | the request |
    /// | 500 | `key_error` (a known app's wrong or missing keys), `decrypt_failed` (a verified payload our AES key cannot open), `encrypt_failed` | this server's configuration |
    /// | 502 | `malformed_plaintext` | Alipay's content is not what the protocol says |
    /// | 503 | `alipay_error` 20000 (Alipay busy), `key_error` with [`KeyProblem::ProviderFailed`] (the key store cannot be reached) | temporary: retry later |
    ///
    /// ```
    /// use phone_core::{AlipayError, Error, KeyProblem, KeyRole};
    /// assert_eq!(Error::BadSignature.http_status(), 403);
    /// assert_eq!(Error::key(KeyRole::App, KeyProblem::UnknownApp("2021".into())).http_status(), 404);
    /// // Temporary: the key store is down, or Alipay is busy.
    /// let store_down = Error::key(KeyRole::KeyProvider, KeyProblem::ProviderFailed("timeout".into()));
    /// assert_eq!(store_down.http_status(), 503);
    /// let busy = Error::AlipayError(AlipayError::new("20000", "Service Currently Unavailable", None, None));
    /// assert_eq!(busy.http_status(), 503);
    /// ```
    pub fn http_status(&self) -> u16 {
        match self {
            Self::MalformedEnvelope(_) | Self::WrongShape(_) => 400,
            Self::MissingSignature | Self::BadSignature => 403,
            Self::PayloadTooLarge { .. } => 413,
            Self::BadBase64 { .. }
            | Self::UnsupportedSignType { .. }
            | Self::UnsupportedEncryptType { .. }
            | Self::NoPhone => 422,
            Self::AlipayError(a) if a.code == "20000" => 503,
            Self::AlipayError(_) => 422,
            Self::KeyError {
                problem: KeyProblem::ProviderFailed(_),
                ..
            } => 503,
            Self::KeyError {
                problem: KeyProblem::UnknownApp(_),
                ..
            } => 404,
            Self::KeyError { .. } | Self::DecryptFailed(_) | Self::EncryptFailed(_) => 500,
            Self::MalformedPlaintext(_) => 502,
        }
    }

    /// The contract's failure object: `{"status":"error","kind","message","hint","hint_zh"}`,
    /// plus `code`, `msg`, `sub_code`, `sub_msg` for an `alipay_error`. `hint` is English and
    /// `hint_zh` the same fix in Chinese (an addition to the contract's fields). The CLI prints
    /// it and HTTP services can return it as is; it holds no key, number or ciphertext.
    ///
    /// ```
    /// let v = phone_core::Error::NoPhone.to_contract_json();
    /// assert_eq!(v["status"], "error");
    /// assert_eq!(v["kind"], "no_phone");
    /// assert_eq!(v["hint"], phone_core::Error::NoPhone.hint().unwrap());
    /// assert!(v["hint_zh"].as_str().unwrap().contains("手机号"));
    /// ```
    pub fn to_contract_json(&self) -> serde_json::Value {
        self.to_contract_json_in(Lang::En)
    }

    /// [`Error::to_contract_json`] with `hint` in `lang` (for a service answering in the
    /// language its client asked for); `hint_zh` is always the Chinese fix.
    ///
    /// ```
    /// use phone_core::{Error, Lang};
    /// let v = Error::BadSignature.to_contract_json_in(Lang::Zh);
    /// assert_eq!(v["hint"], v["hint_zh"]);
    /// assert_eq!(v["kind"], "bad_signature");
    /// ```
    pub fn to_contract_json_in(&self, lang: Lang) -> serde_json::Value {
        let mut v = serde_json::json!({
            "status": "error",
            "kind": self.kind(),
            "message": self.to_string(),
            "hint": self.hint_in(lang),
            "hint_zh": self.hint_in(Lang::Zh),
        });
        if let Some(a) = self.alipay() {
            v["code"] = a.code.clone().into();
            v["msg"] = a.msg.clone().into();
            v["sub_code"] = a.sub_code.clone().into();
            v["sub_msg"] = a.sub_msg.clone().into();
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AlipayError, ErrorKind, KeyRole, codes};

    #[test]
    fn every_kind_has_its_documented_http_status() {
        let example = |kind: ErrorKind| match kind {
            ErrorKind::MalformedEnvelope => Error::MalformedEnvelope("x".into()),
            ErrorKind::MissingSignature => Error::MissingSignature,
            ErrorKind::PayloadTooLarge => Error::PayloadTooLarge { size: 2, limit: 1 },
            ErrorKind::UnsupportedSignType => Error::UnsupportedSignType {
                name: "SM2".into(),
                reason: "r".into(),
            },
            ErrorKind::UnsupportedEncryptType => Error::UnsupportedEncryptType {
                name: "SM4".into(),
                reason: "r".into(),
            },
            ErrorKind::BadBase64 => Error::BadBase64 { field: "sign" },
            ErrorKind::KeyError => Error::key(KeyRole::Aes, KeyProblem::AesKeyLength { len: 7 }),
            ErrorKind::BadSignature => Error::BadSignature,
            ErrorKind::DecryptFailed => Error::DecryptFailed("padding"),
            ErrorKind::MalformedPlaintext => Error::MalformedPlaintext("x".into()),
            ErrorKind::AlipayError => Error::AlipayError(AlipayError::new("40003", "m", None, None)),
            ErrorKind::NoPhone => Error::NoPhone,
            ErrorKind::EncryptFailed => Error::EncryptFailed("x"),
        };
        let want = |kind: ErrorKind| match kind {
            ErrorKind::MalformedEnvelope => 400,
            ErrorKind::MissingSignature | ErrorKind::BadSignature => 403,
            ErrorKind::PayloadTooLarge => 413,
            ErrorKind::UnsupportedSignType
            | ErrorKind::UnsupportedEncryptType
            | ErrorKind::BadBase64
            | ErrorKind::AlipayError
            | ErrorKind::NoPhone => 422,
            ErrorKind::KeyError | ErrorKind::DecryptFailed | ErrorKind::EncryptFailed => 500,
            ErrorKind::MalformedPlaintext => 502,
        };
        for kind in ErrorKind::ALL {
            let e = example(kind);
            assert_eq!(e.error_kind(), kind);
            assert_eq!(e.http_status(), want(kind), "{kind}");
        }
        // The two temporary failures: retry later.
        let busy = Error::AlipayError(AlipayError::new("20000", "Service Currently Unavailable", None, None));
        assert_eq!(busy.http_status(), 503);
        let store_down = Error::key_with_source(
            KeyRole::KeyProvider,
            KeyProblem::ProviderFailed("timeout".into()),
            std::io::Error::other("down"),
        );
        assert_eq!(store_down.http_status(), 503);
        // An app id no provider knows is the request's: 404.
        assert_eq!(
            Error::key(KeyRole::App, KeyProblem::UnknownApp("2021".into())).http_status(),
            404
        );
        // Every other key problem is the configuration: 500.
        for problem in [
            KeyProblem::PrivateKeyAsPublic,
            KeyProblem::PublicKeyAsPrivate,
            KeyProblem::Unparsable("x".into()),
            KeyProblem::WrongAlgorithm("EC".into()),
            KeyProblem::UnsupportedSize { bits: 512 },
            KeyProblem::AesKeyLength { len: 7 },
            KeyProblem::Rejected("x".into()),
        ] {
            assert_eq!(
                Error::key(KeyRole::AlipayPublic, problem.clone()).http_status(),
                500,
                "{problem:?}"
            );
        }
    }

    #[test]
    fn the_contract_json_carries_alipays_fields() {
        let e = Error::AlipayError(AlipayError::new("40006", "Insufficient Permissions", Some("s"), None));
        assert_eq!(e.alipay().map(|a| a.code.as_str()), Some("40006"));
        let v = e.to_contract_json();
        assert_eq!(v["kind"], "alipay_error");
        assert_eq!(v["message"], "Alipay returned 40006 Insufficient Permissions (s)");
        assert_eq!(v["hint"], codes::hint_for("40006", None).unwrap());
        assert_eq!(
            (&v["code"], &v["msg"], &v["sub_code"]),
            (&"40006".into(), &"Insufficient Permissions".into(), &"s".into())
        );
        assert!(v["sub_msg"].is_null());
        assert_eq!(Error::NoPhone.alipay(), None);
    }
}
