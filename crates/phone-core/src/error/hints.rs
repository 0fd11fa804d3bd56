//! How to fix each error, in English and in Chinese with the console's own names: the texts
//! are most of the error's code, and they change for other reasons than the type does.

use super::{AlipayError, Error, KeyProblem};
use crate::{Lang, codes};

impl AlipayError {
    /// The documented fix for this code and sub-code, where Alipay documents one (English).
    pub fn hint(&self) -> Option<&'static str> {
        self.hint_in(Lang::En)
    }

    /// The documented fix in `lang`, where Alipay documents one.
    ///
    /// ```
    /// use phone_core::{AlipayError, Lang};
    /// let e = AlipayError::new("40006", "Insufficient Permissions", None, None);
    /// assert!(e.hint_in(Lang::Zh).unwrap().contains("获取会员手机号"));
    /// ```
    pub fn hint_in(&self, lang: Lang) -> Option<&'static str> {
        codes::hint_for_in(&self.code, self.sub_code.as_deref(), lang)
    }
}

impl Error {
    /// How to fix it: the documented fix where Alipay documents one, otherwise our advice.
    /// English; [`Error::hint_in`] gives it in another language.
    pub fn hint(&self) -> Option<&'static str> {
        self.hint_in(Lang::En)
    }

    /// How to fix it, in `lang`: the same advice as [`Error::hint`], written in Chinese with the
    /// console's own names for [`Lang::Zh`].
    ///
    /// ```
    /// use phone_core::{Error, Lang};
    /// let e = Error::DecryptFailed("bad padding");
    /// assert!(e.hint_in(Lang::Zh).unwrap().contains("接口内容加密方式"));
    /// assert_eq!(e.hint_in(Lang::En), e.hint());
    /// ```
    pub fn hint_in(&self, lang: Lang) -> Option<&'static str> {
        let (en, zh) = match self {
            Self::MalformedEnvelope(_) => (
                "post the mini-program's res.response unchanged as the request body (JSON, not form-encoded)",
                "把小程序拿到的 res.response 原样作为请求体提交给后端（JSON 格式，不要用表单编码，也不要改动或再包一层）",
            ),
            Self::MissingSignature => (
                "Alipay signs the response only when the console has a signing method (接口加签方式) with the Alipay public key, a content-encryption key (接口内容加密方式) and an application gateway configured; fix the console, then the user must authorise again",
                "只有在开放平台控制台配好接口加签方式（并取得支付宝公钥）、接口内容加密方式和应用网关后，支付宝才会对返回内容加签；改好控制台配置后，用户需要重新授权",
            ),
            Self::PayloadTooLarge { .. } => (
                "a phone-number envelope is well under 1 KiB; raise the limit only if you really expect larger bodies",
                "获取会员手机号的返回报文远小于 1 KiB；只有确实要处理更大的请求体时才调高上限（max_envelope_bytes）",
            ),
            Self::UnsupportedSignType { .. } => (
                "Alipay signs this flow with RSA2 (SHA256withRSA) or RSA (SHA1withRSA); SM2 needs a backend that supports it",
                "这个接口的返回由支付宝用 RSA2（SHA256withRSA）或 RSA（SHA1withRSA）加签；SM2 需要换用支持国密的后端",
            ),
            Self::UnsupportedEncryptType { .. } => (
                "the phone flow is encrypted with AES (接口内容加密方式 = AES); check the console setting or pick a backend that supports the type",
                "手机号内容用 AES 加密（接口内容加密方式选 AES）；请检查控制台设置，或换一个支持该加密类型的后端",
            ),
            Self::BadBase64 { .. } => (
                "if the base64 has spaces where '+' belonged, the front end sent the payload form-encoded: post res.response as JSON instead",
                "如果 base64 里本该是 '+' 的地方变成了空格，说明前端用表单编码提交了数据：请把 res.response 作为 JSON 原样提交",
            ),
            Self::KeyError { problem, .. } => return Some(problem.hint_in(lang)),
            Self::WrongShape(m) => return Some(m.hint_in(lang)),
            Self::BadSignature => (
                "verify with the Alipay public key (支付宝公钥), not the app's own public key; check RSA vs RSA2; the signed bytes of encrypted content include a pair of double quotes",
                "验签要用支付宝公钥，不是自己上传的应用公钥；核对接口加签方式是 RSA 还是 RSA2；加密内容的待验签字符串两侧带有双引号",
            ),
            Self::DecryptFailed(_) => (
                "the AES key (接口内容加密方式) does not match the one in the Alipay console for this mini-program; after a key reset, configure the new key",
                "AES 密钥和开放平台控制台里这个小程序的接口内容加密方式不一致；如果重置过密钥，要换成新的密钥",
            ),
            Self::MalformedPlaintext(_) => (
                "the content decrypted to something that is not Alipay's JSON: usually the wrong AES key or charset",
                "解密出来的不是支付宝的 JSON：通常是 AES 密钥（接口内容加密方式）或字符集（charset）不对",
            ),
            Self::AlipayError(e) => return e.hint_in(lang),
            Self::NoPhone => (
                "the user has no phone number bound to the Alipay account; they must bind one in Alipay's account settings",
                "该用户的支付宝账号没有绑定手机号，需要用户先在支付宝的账号设置里绑定手机号",
            ),
            Self::EncryptFailed(_) => (
                "check the content key's length (16, 24 or 32 bytes) and that the backend supports the encrypt type",
                "检查内容加密密钥的长度（16、24 或 32 字节），以及所选后端是否支持这种加密类型",
            ),
        };
        Some(pick(lang, en, zh))
    }
}

/// One of a pair of texts by language.
fn pick(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

impl KeyProblem {
    /// A targeted hint for this problem (English; [`KeyProblem::hint_in`] for another language).
    pub fn hint(&self) -> &'static str {
        self.hint_in(Lang::En)
    }

    /// A targeted hint for this problem, in `lang`.
    ///
    /// ```
    /// use phone_core::{KeyProblem, Lang};
    /// assert!(KeyProblem::PrivateKeyAsPublic.hint_in(Lang::Zh).contains("支付宝公钥"));
    /// ```
    pub fn hint_in(&self, lang: Lang) -> &'static str {
        let (en, zh) = match self {
            Self::PrivateKeyAsPublic => (
                "configure the Alipay public key (支付宝公钥) from the console's key settings; never put a private key here",
                "这里要填开放平台控制台接口加签方式里查看到的支付宝公钥；私钥绝不能填在这里",
            ),
            Self::PublicKeyAsPrivate => (
                "an Alipay-side signer needs the RSA private key, PKCS#8 or PKCS#1",
                "模拟支付宝签名的工具需要 RSA 私钥（PKCS#8 或 PKCS#1 格式）",
            ),
            Self::Unparsable(_) => (
                "paste the key as the console shows it (one line of base64), or as PEM (BEGIN PUBLIC KEY), PKCS#1 (BEGIN RSA PUBLIC KEY) or an X.509 certificate",
                "按控制台显示的样子粘贴密钥（一行 base64），或者用 PEM（BEGIN PUBLIC KEY）、PKCS#1（BEGIN RSA PUBLIC KEY）或 X.509 证书（公钥证书模式下的 alipayCertPublicKey_RSA2.crt）",
            ),
            Self::WrongAlgorithm(_) => (
                "the phone flow's RSA and RSA2 sign types need an RSA key",
                "手机号接口的 RSA、RSA2 加签方式需要 RSA 密钥",
            ),
            Self::UnsupportedSize { .. } => (
                "Alipay keys are RSA-2048 (RSA2) or, for legacy apps, RSA-1024",
                "支付宝的密钥是 RSA-2048（RSA2），老应用也可能是 RSA-1024",
            ),
            Self::AesKeyLength { .. } => (
                "the AES key (接口内容加密方式) is 24 characters of base64 in the console; a much longer value is usually an RSA key pasted by mistake",
                "控制台接口内容加密方式里的 AES 密钥是 24 个字符的 base64；长得多的值通常是误贴进来的 RSA 密钥",
            ),
            Self::Rejected(_) => (
                "check that the key is a valid RSA key; try another backend to compare",
                "检查这是不是有效的 RSA 密钥；可以换一个后端对比一下",
            ),
            Self::UnknownApp(_) => (
                "add the app id to the key configuration (a keyring table, ALIPAY_PUBLIC_KEY_<APPID>/ALIPAY_AES_KEY_<APPID>, or your provider)",
                "把这个 AppID 加进密钥配置（keyring 文件里的表、环境变量 ALIPAY_PUBLIC_KEY_<APPID>/ALIPAY_AES_KEY_<APPID>，或你自己的密钥提供方）",
            ),
            Self::ProviderFailed(_) => (
                "the key store is unreachable or slow; the request can be retried",
                "密钥存储连不上或响应太慢；这个请求可以稍后重试",
            ),
            Self::Misconfigured(_) => (
                "fix the key provider's configuration as the message says (the keyring file, the database URL, the provider given to the client); retrying will not help",
                "按错误信息修正密钥提供方的配置（keyring 文件、数据库连接串、传给客户端的 provider）；重试不会有用",
            ),
        };
        pick(lang, en, zh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeyRole;

    #[test]
    fn aes_key_length_hint_mentions_pasted_rsa_key() {
        let e = Error::key(KeyRole::Aes, KeyProblem::AesKeyLength { len: 1218 });
        assert_eq!(e.kind(), "key_error");
        assert!(e.hint().unwrap().contains("RSA key"));
        assert!(e.to_string().contains("1218 bytes"));
    }

    #[test]
    fn alipay_error_hints_come_from_the_codes_table() {
        let e = AlipayError::new("40003", "m", Some("isv.invalid-auth-relations"), None);
        assert_eq!(e.hint(), Some(codes::hint_for("40003", None).unwrap()));
        assert_eq!(AlipayError::new("12345", "m", None, None).hint(), None);
    }
}
