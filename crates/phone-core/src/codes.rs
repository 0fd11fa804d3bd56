//! Alipay codes and sub-codes of the phone flow, with their documented fixes
//! (`spec/PROTOCOL.md` section 3), in English and Chinese.

use crate::Lang;

/// One known Alipay answer: what Alipay sends and what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlipayCode {
    /// `code`, e.g. `40003`.
    pub code: &'static str,
    /// `msg` as Alipay sends it.
    pub msg: &'static str,
    /// `subCode`, or `None` for the code-level entry.
    pub sub_code: Option<&'static str>,
    /// `subMsg` as Alipay sends it (Chinese), where known.
    pub sub_msg: Option<&'static str>,
    /// The documented fix, in English.
    pub hint: &'static str,
    /// The same fix in Chinese, with the console's own names.
    pub hint_zh: &'static str,
}

const RETRY: &str = "a transient error on Alipay's side: retry later";
const NO_SIGN_TYPE: &str = "the app has no default signing type: set the signing key (接口加签方式) and the application gateway in the console and save the keys again; in ISV mode pass protocols.isvAppId. The user must authorise again afterwards";
const NO_ENCRYPT_KEY: &str =
    "no content-encryption key (接口内容加密方式) is configured in the console; in ISV mode isvAppId is missing";
const NO_SIGNATURE: &str =
    "the request to Alipay carried no signature: set the signing method (接口加签方式) in the console";
const BAD_ENCRYPT: &str = "the AES key is misconfigured: set it again in the console's development settings";
const AUTH: &str = "the user has not authorised: call my.getPhoneNumber only after the <button open-type=\"getAuthorize\" scope=\"phoneNumber\"> tap, in onGetAuthorize; the authorisation may also have expired. For my.getRunData (step counts) the user must first have granted the run-data (运动数据) authorisation";
const PERMISSIONS: &str = "the product 获取会员手机号 is not bound to the mini-program, or the user-information application was not approved; for my.getRunData (step counts), the run-data (运动数据) capability is not bound to it";

const RETRY_ZH: &str = "支付宝系统繁忙，属于临时错误：稍后重试即可";
const NO_SIGN_TYPE_ZH: &str = "应用没有设置默认签名类型：在开放平台控制台的开发设置里配置接口加签方式（上传应用公钥、取得支付宝公钥）和应用网关，并保存；第三方应用（ISV）代调用时要传 protocols.isvAppId。改完后用户需要重新授权";
const NO_ENCRYPT_KEY_ZH: &str =
    "控制台没有设置内容加密密钥（接口内容加密方式）；第三方应用（ISV）代调用时则是缺少 isvAppId";
const NO_SIGNATURE_ZH: &str = "发给支付宝的请求没有签名：在开放平台控制台的开发设置里配置接口加签方式";
const BAD_ENCRYPT_ZH: &str = "AES 密钥配置有误：在控制台开发设置的接口内容加密方式里重新设置 AES 密钥";
const AUTH_ZH: &str = "用户没有授权：要在用户点击 <button open-type=\"getAuthorize\" scope=\"phoneNumber\"> 之后，在 onGetAuthorize 回调里调用 my.getPhoneNumber；也可能是授权已过期。如果是 my.getRunData（步数），要先让用户同意运动数据授权";
const PERMISSIONS_ZH: &str = "小程序没有绑定「获取会员手机号」产品，或者用户信息申请还没有审核通过；如果是 my.getRunData（步数），则是小程序没有绑定运动数据能力";

/// Every code and sub-code this SDK knows, most specific first. Code-level entries
/// (`sub_code: None`) are the fallback for sub-codes Alipay adds later.
pub const KNOWN_CODES: &[AlipayCode] = &[
    AlipayCode {
        code: "20000",
        msg: "Service Currently Unavailable",
        sub_code: Some("aop.unknow-error"),
        sub_msg: Some("系统繁忙"),
        hint: RETRY,
        hint_zh: RETRY_ZH,
    },
    AlipayCode {
        code: "20000",
        msg: "Service Currently Unavailable",
        sub_code: Some("isp.unknow-error"),
        sub_msg: Some("系统繁忙"),
        hint: RETRY,
        hint_zh: RETRY_ZH,
    },
    AlipayCode {
        code: "20000",
        msg: "Service Currently Unavailable",
        sub_code: None,
        sub_msg: None,
        hint: RETRY,
        hint_zh: RETRY_ZH,
    },
    AlipayCode {
        code: "40001",
        msg: "Missing Required Arguments",
        sub_code: Some("isv.missing-default-signature-type"),
        sub_msg: Some("应用未设置默认签名类型"),
        hint: NO_SIGN_TYPE,
        hint_zh: NO_SIGN_TYPE_ZH,
    },
    AlipayCode {
        code: "40001",
        msg: "Missing Required Arguments",
        sub_code: Some("isv.missing-encrypt-key"),
        sub_msg: Some("缺少加密密钥"),
        hint: NO_ENCRYPT_KEY,
        hint_zh: NO_ENCRYPT_KEY_ZH,
    },
    AlipayCode {
        code: "40001",
        msg: "Missing Required Arguments",
        sub_code: Some("isv.missing-signature"),
        sub_msg: Some("缺少签名参数"),
        hint: NO_SIGNATURE,
        hint_zh: NO_SIGNATURE_ZH,
    },
    AlipayCode {
        code: "40001",
        msg: "Missing Required Arguments",
        sub_code: None,
        sub_msg: None,
        hint: "a console setting is missing: check the signing method (接口加签方式), the content-encryption key (接口内容加密方式) and the application gateway; in ISV mode pass protocols.isvAppId",
        hint_zh: "控制台缺少配置：检查接口加签方式、接口内容加密方式和应用网关；第三方应用（ISV）代调用时要传 protocols.isvAppId",
    },
    AlipayCode {
        code: "40002",
        msg: "Invalid Arguments",
        sub_code: Some("isv.invalid-encrypt"),
        sub_msg: Some("加密异常"),
        hint: BAD_ENCRYPT,
        hint_zh: BAD_ENCRYPT_ZH,
    },
    AlipayCode {
        code: "40002",
        msg: "Invalid Arguments",
        sub_code: Some("isv.invalid-app-id"),
        sub_msg: Some("无效的AppID参数"),
        hint: "the app id is wrong or the app is not online",
        hint_zh: "AppID 填错了，或者小程序还没有上线",
    },
    AlipayCode {
        code: "40002",
        msg: "Invalid Arguments",
        sub_code: None,
        sub_msg: None,
        hint: "Alipay rejected an argument of the call: check the app id and the key configuration in the console",
        hint_zh: "支付宝拒绝了调用中的某个参数：检查 AppID 和控制台里的密钥配置",
    },
    AlipayCode {
        code: "40003",
        msg: "Insufficient Conditions",
        sub_code: Some("isv.invalid-auth-relations"),
        sub_msg: Some("无效的授权关系"),
        hint: AUTH,
        hint_zh: AUTH_ZH,
    },
    AlipayCode {
        code: "40003",
        msg: "Insufficient Conditions",
        sub_code: None,
        sub_msg: None,
        hint: AUTH,
        hint_zh: AUTH_ZH,
    },
    AlipayCode {
        code: "40006",
        msg: "Insufficient Permissions",
        sub_code: Some("isv.insufficient-isv-permissions"),
        sub_msg: Some("ISV权限不足"),
        hint: PERMISSIONS,
        hint_zh: PERMISSIONS_ZH,
    },
    AlipayCode {
        code: "40006",
        msg: "Insufficient Permissions",
        sub_code: None,
        sub_msg: None,
        hint: PERMISSIONS,
        hint_zh: PERMISSIONS_ZH,
    },
];

/// The documented fix for `code` (and `sub_code` when known), if Alipay documents one.
///
/// ```
/// assert!(phone_core::hint_for("40006", None).unwrap().contains("获取会员手机号"));
/// assert!(phone_core::hint_for("40001", Some("isv.missing-encrypt-key")).unwrap().contains("接口内容加密方式"));
/// assert_eq!(phone_core::hint_for("99999", None), None);
/// ```
pub fn hint_for(code: &str, sub_code: Option<&str>) -> Option<&'static str> {
    hint_for_in(code, sub_code, Lang::En)
}

/// [`hint_for`] in the given language.
///
/// ```
/// use phone_core::{Lang, hint_for_in};
/// let zh = hint_for_in("40003", Some("isv.invalid-auth-relations"), Lang::Zh).unwrap();
/// assert!(zh.contains("用户没有授权"));
/// assert_eq!(hint_for_in("40003", None, Lang::En), phone_core::hint_for("40003", None));
/// ```
pub fn hint_for_in(code: &str, sub_code: Option<&str>, lang: Lang) -> Option<&'static str> {
    entry_for(code, sub_code).map(|c| c.hint_in(lang))
}

/// The entry whose fix applies: the exact sub-code, else the code-level fallback.
fn entry_for(code: &str, sub_code: Option<&str>) -> Option<&'static AlipayCode> {
    let exact = sub_code.and_then(|sc| KNOWN_CODES.iter().find(|c| c.code == code && c.sub_code == Some(sc)));
    exact.or_else(|| KNOWN_CODES.iter().find(|c| c.code == code && c.sub_code.is_none()))
}

impl AlipayCode {
    /// The fix in `lang`.
    ///
    /// ```
    /// use phone_core::{AlipayCode, Lang};
    /// let c = AlipayCode::lookup("40006", None).unwrap();
    /// assert_eq!(c.hint_in(Lang::En), c.hint);
    /// assert!(c.hint_in(Lang::Zh).contains("获取会员手机号"));
    /// ```
    pub fn hint_in(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.hint,
            Lang::Zh => self.hint_zh,
        }
    }

    /// The code-level entry for `code`, used to fill in an error body (e.g. by `forge`).
    pub fn lookup(code: &str, sub_code: Option<&str>) -> Option<&'static AlipayCode> {
        match sub_code {
            Some(sc) => KNOWN_CODES.iter().find(|c| c.code == code && c.sub_code == Some(sc)),
            None => KNOWN_CODES.iter().find(|c| c.code == code && c.sub_code.is_some()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_code_beats_code_and_unknown_sub_code_falls_back() {
        assert_eq!(hint_for("40001", Some("isv.missing-encrypt-key")), Some(NO_ENCRYPT_KEY));
        assert_eq!(
            hint_for("40001", Some("isv.missing-default-signature-type")),
            Some(NO_SIGN_TYPE)
        );
        assert!(
            hint_for("40001", Some("isv.something-new"))
                .unwrap()
                .contains("console setting")
        );
        assert_eq!(hint_for("40003", Some("isv.invalid-auth-relations")), Some(AUTH));
        assert_eq!(hint_for("10000", None), None);
    }

    #[test]
    fn the_missing_default_signature_type_sub_msg_is_alipays_text() {
        let c = AlipayCode::lookup("40001", Some("isv.missing-default-signature-type")).unwrap();
        assert_eq!(c.sub_msg, Some("应用未设置默认签名类型"));
        assert_eq!(c.msg, "Missing Required Arguments");
        assert_eq!(c.hint, NO_SIGN_TYPE);
    }

    #[test]
    fn the_table_has_every_documented_sub_code_once_with_its_own_fix() {
        // spec/PROTOCOL.md section 3, with Alipay's subMsg.
        let documented = [
            ("20000", "aop.unknow-error", "系统繁忙"),
            ("20000", "isp.unknow-error", "系统繁忙"),
            ("40001", "isv.missing-default-signature-type", "应用未设置默认签名类型"),
            ("40001", "isv.missing-encrypt-key", "缺少加密密钥"),
            ("40001", "isv.missing-signature", "缺少签名参数"),
            ("40002", "isv.invalid-encrypt", "加密异常"),
            ("40002", "isv.invalid-app-id", "无效的AppID参数"),
            ("40003", "isv.invalid-auth-relations", "无效的授权关系"),
            ("40006", "isv.insufficient-isv-permissions", "ISV权限不足"),
        ];
        for (code, sub_code, sub_msg) in documented {
            let found: Vec<_> = KNOWN_CODES
                .iter()
                .filter(|c| c.code == code && c.sub_code == Some(sub_code))
                .collect();
            assert_eq!(found.len(), 1, "{code} {sub_code}");
            assert_eq!(found[0].sub_msg, Some(sub_msg), "{code} {sub_code}");
        }
        assert_eq!(
            KNOWN_CODES.iter().filter(|c| c.sub_code.is_some()).count(),
            documented.len()
        );
        // Every code keeps a code-level fallback.
        for c in KNOWN_CODES {
            assert!(
                KNOWN_CODES.iter().any(|f| f.code == c.code && f.sub_code.is_none()),
                "{}",
                c.code
            );
        }
        assert_eq!(hint_for("40001", Some("isv.missing-signature")), Some(NO_SIGNATURE));
        assert_eq!(
            hint_for("40002", Some("isv.invalid-app-id")),
            Some("the app id is wrong or the app is not online")
        );
        // The first specific entry per code (what `forge --code` fills in) is unchanged.
        assert_eq!(
            AlipayCode::lookup("40002", None).unwrap().sub_code,
            Some("isv.invalid-encrypt")
        );
    }

    #[test]
    fn lookup_fills_an_error_body() {
        let c = AlipayCode::lookup("40003", None).unwrap();
        assert_eq!(c.sub_code, Some("isv.invalid-auth-relations"));
        assert_eq!(c.msg, "Insufficient Conditions");
    }

    #[test]
    fn lookup_with_a_sub_code_finds_that_entry_only() {
        let c = AlipayCode::lookup("40002", Some("isv.invalid-app-id")).unwrap();
        assert_eq!(
            (c.code, c.sub_code, c.sub_msg),
            ("40002", Some("isv.invalid-app-id"), Some("无效的AppID参数"))
        );
        assert_eq!(c.hint, "the app id is wrong or the app is not online");
        // A sub-code of another code, or an unknown one, finds nothing.
        assert_eq!(AlipayCode::lookup("40003", Some("isv.invalid-app-id")), None);
        assert_eq!(AlipayCode::lookup("40002", Some("isv.something-new")), None);
        assert_eq!(AlipayCode::lookup("99999", None), None);
    }
}
