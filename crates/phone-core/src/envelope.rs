//! The envelope the mini-program posts, and the exact bytes Alipay signed
//! (`spec/PROTOCOL.md` section 0, steps 1 to 3).

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::Error;
use crate::json::{depth_exceeds, describe};
use crate::shapes::{Mistake, Shape, diagnose_unparsed, envelope_like, wrapping_field};
use crate::types::{Charset, EncryptType, SignType};

/// The default limit on the posted text: a phone envelope is well under 1 KiB.
pub const DEFAULT_MAX_ENVELOPE_BYTES: usize = 64 * 1024;
/// The default limit on the decoded ciphertext and on the plaintext.
pub const DEFAULT_MAX_CONTENT_BYTES: usize = 32 * 1024;
/// The default limit on JSON nesting (envelope and plaintext): Alipay's are 2 levels deep.
pub const DEFAULT_MAX_JSON_DEPTH: usize = 16;

/// How strictly to read an envelope.
///
/// ```
/// use phone_core::ParseOptions;
/// let opts = ParseOptions::default().max_envelope_bytes(8 * 1024).max_json_depth(4).allow_unsigned(false);
/// assert_eq!(opts.max_envelope_bytes, 8 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseOptions {
    /// Larger envelopes are `payload_too_large` (default 64 KiB).
    pub max_envelope_bytes: usize,
    /// A larger decoded ciphertext is `payload_too_large` (default 32 KiB).
    pub max_ciphertext_bytes: usize,
    /// A larger plaintext is `payload_too_large` (default 32 KiB).
    pub max_plaintext_bytes: usize,
    /// Deeper JSON nesting is `malformed_envelope` / `malformed_plaintext` (default 16).
    pub max_json_depth: usize,
    /// Accept envelopes without `sign`. Off by default: an unsigned envelope proves nothing
    /// about where the number came from. Only for consoles deliberately set up without signing.
    pub allow_unsigned: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            max_envelope_bytes: DEFAULT_MAX_ENVELOPE_BYTES,
            max_ciphertext_bytes: DEFAULT_MAX_CONTENT_BYTES,
            max_plaintext_bytes: DEFAULT_MAX_CONTENT_BYTES,
            max_json_depth: DEFAULT_MAX_JSON_DEPTH,
            allow_unsigned: false,
        }
    }
}

impl ParseOptions {
    /// Sets the size limit in bytes.
    pub fn max_envelope_bytes(mut self, limit: usize) -> Self {
        self.max_envelope_bytes = limit;
        self
    }

    /// Sets the decoded-ciphertext limit in bytes.
    pub fn max_ciphertext_bytes(mut self, limit: usize) -> Self {
        self.max_ciphertext_bytes = limit;
        self
    }

    /// Sets the plaintext limit in bytes.
    pub fn max_plaintext_bytes(mut self, limit: usize) -> Self {
        self.max_plaintext_bytes = limit;
        self
    }

    /// Sets the JSON nesting limit.
    pub fn max_json_depth(mut self, depth: usize) -> Self {
        self.max_json_depth = depth;
        self
    }

    /// Allows or forbids envelopes without a signature.
    pub fn allow_unsigned(mut self, allow: bool) -> Self {
        self.allow_unsigned = allow;
        self
    }
}

/// What `response` carries.
#[derive(Clone, PartialEq, Eq)]
pub enum Content<'a> {
    /// A base64 ciphertext (a string not starting with `{`).
    Encrypted(Cow<'a, str>),
    /// Plain JSON carried as a string (starting with `{`).
    PlainString(Cow<'a, str>),
    /// Plain JSON carried as an object: its raw text exactly as posted.
    PlainObject(Cow<'a, str>),
}

impl Content<'_> {
    /// The same content, owning its text.
    pub fn into_owned(self) -> Content<'static> {
        match self {
            Self::Encrypted(s) => Content::Encrypted(Cow::Owned(s.into_owned())),
            Self::PlainString(s) => Content::PlainString(Cow::Owned(s.into_owned())),
            Self::PlainObject(s) => Content::PlainObject(Cow::Owned(s.into_owned())),
        }
    }
}

impl fmt::Debug for Content<'_> {
    // The content is ciphertext or personal data: show its shape only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, len) = match self {
            Self::Encrypted(s) => ("Encrypted", s.len()),
            Self::PlainString(s) => ("PlainString", s.len()),
            Self::PlainObject(s) => ("PlainObject", s.len()),
        };
        write!(f, "{what}({len} bytes)")
    }
}

/// A parsed envelope, borrowing from the posted text where it can.
///
/// Parsing checks, in the contract's order: size, JSON shape, signature presence, sign type,
/// encrypt type (and charset). Base64 is checked by [`Envelope::decode_signature`] and
/// [`Envelope::decode_ciphertext`], so that the caller keeps the order of checks.
///
/// ```
/// use phone_core::{Content, Envelope, ParseOptions};
/// let body = r#"{"response":{"code":"10000","mobile":"13800138000"},"sign":"c2ln"}"#;
/// let env = Envelope::parse(body, &ParseOptions::default())?;
/// assert!(!env.is_encrypted());
/// // A plain object is signed as its raw text, exactly as posted.
/// assert_eq!(&*env.signed_content(), br#"{"code":"10000","mobile":"13800138000"}"#);
/// # Ok::<(), phone_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Envelope<'a> {
    content: Content<'a>,
    /// The raw posted text of an encrypted `response`, quotes included, when it differs from
    /// the decoded value (a JSON escape); see [`Envelope::raw_signed_content`].
    raw_response: Option<Cow<'a, str>>,
    shape: Shape,
    /// The shape declared no sign type: the app's one pinned type may stand in for the default.
    implied_sign_type: bool,
    /// The field the content came in: `response`, or the event detail's `encryptedData`.
    content_field: &'static str,
    sign: Option<Cow<'a, str>>,
    sign_type: SignType,
    encrypt_type: EncryptType,
    charset: Charset,
    opts: ParseOptions,
}

impl fmt::Debug for Envelope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("shape", &self.shape)
            .field("content", &self.content)
            .field("escaped_response", &self.raw_response.is_some())
            .field("signed", &self.sign.is_some())
            .field("sign_type", &self.sign_type)
            .field("encrypt_type", &self.encrypt_type)
            .field("charset", &self.charset)
            .finish()
    }
}

#[derive(Deserialize)]
struct RawEnvelope<'a> {
    #[serde(borrow)]
    response: Option<&'a RawValue>,
    #[serde(borrow)]
    sign: Option<&'a RawValue>,
    #[serde(borrow)]
    sign_type: Option<&'a RawValue>,
    #[serde(borrow)]
    encrypt_type: Option<&'a RawValue>,
    #[serde(borrow)]
    charset: Option<&'a RawValue>,
    /// The button event's `detail` carries the ciphertext here.
    #[serde(borrow, rename = "encryptedData")]
    encrypted_data: Option<&'a RawValue>,
    /// Alipay's `my.getRunData` sample wraps the envelope text in it.
    #[serde(borrow, rename = "encryptContent")]
    encrypt_content: Option<&'a RawValue>,
}

/// A string field; `null` and `""` count as absent.
fn string_field<'a>(raw: Option<&'a RawValue>, field: &str) -> Result<Option<Cow<'a, str>>, Error> {
    let Some(raw) = raw else { return Ok(None) };
    let text = raw.get();
    if text == "null" {
        return Ok(None);
    }
    if !text.starts_with('"') {
        return Err(Error::MalformedEnvelope(format!("`{field}` is not a string")));
    }
    // RawValue has already validated the string; without escapes its value is the slice itself.
    let inner = &text[1..text.len() - 1];
    let value: Cow<'a, str> = if inner.contains('\\') {
        serde_json::from_str(text).map_err(|e| Error::MalformedEnvelope(describe(&e, field)))?
    } else {
        Cow::Borrowed(inner)
    };
    Ok(Some(value).filter(|v| !v.is_empty()))
}

/// What parsing yields before the types are checked.
struct Fields<'a> {
    content: Content<'a>,
    /// See [`Envelope::raw_signed_content`].
    raw_response: Option<Cow<'a, str>>,
    sign: Option<Cow<'a, str>>,
    sign_type: Option<Cow<'a, str>>,
    encrypt_type: Option<Cow<'a, str>>,
    charset: Option<Cow<'a, str>>,
    shape: Shape,
    /// The shape declares no sign type of its own (the event detail): the app's pin applies.
    implied_sign_type: bool,
    /// Where the content came from: `response` or `encryptedData`.
    content_field: &'static str,
}

impl Fields<'_> {
    fn into_owned(self) -> Fields<'static> {
        let own = |v: Option<Cow<'_, str>>| v.map(|v| Cow::Owned(v.into_owned()));
        Fields {
            content: self.content.into_owned(),
            raw_response: own(self.raw_response),
            sign: own(self.sign),
            sign_type: own(self.sign_type),
            encrypt_type: own(self.encrypt_type),
            charset: own(self.charset),
            shape: self.shape,
            implied_sign_type: self.implied_sign_type,
            content_field: self.content_field,
        }
    }
}

impl<'a> Envelope<'a> {
    /// Parses the posted text, in any accepted shape ([`Shape`]); a known front-end mistake
    /// is refused with its own hint ([`Error::mistake`]).
    pub fn parse(body: &'a str, opts: &ParseOptions) -> Result<Self, Error> {
        Self::parse_pinned(body, opts, None)
    }

    /// [`Envelope::parse`] for an app that pins exactly one sign type (`pinned`): the sign
    /// type of a shape that declares none (the button event's `{encryptedData, sign}`), where
    /// `RSA2` applies otherwise. An envelope's own `sign_type` always wins, and the pin is
    /// still enforced after parsing by whoever holds the keys.
    ///
    /// ```
    /// use phone_core::{Envelope, ParseOptions, Shape, SignType};
    /// let detail = r#"{"encryptedData":"QUJD","sign":"c2ln"}"#;
    /// let opts = ParseOptions::default();
    /// assert_eq!(Envelope::parse(detail, &opts)?.sign_type(), SignType::Rsa2);
    /// let legacy = Envelope::parse_pinned(detail, &opts, Some(SignType::Rsa))?;
    /// assert_eq!((legacy.shape(), legacy.sign_type()), (Shape::EventDetail, SignType::Rsa));
    /// # Ok::<(), phone_core::Error>(())
    /// ```
    pub fn parse_pinned(body: &'a str, opts: &ParseOptions, pinned: Option<SignType>) -> Result<Self, Error> {
        if body.len() > opts.max_envelope_bytes {
            return Err(Error::PayloadTooLarge {
                size: body.len(),
                limit: opts.max_envelope_bytes,
            });
        }
        if depth_exceeds(body.as_bytes(), opts.max_json_depth) {
            return Err(Error::MalformedEnvelope(format!(
                "JSON nested deeper than {} levels",
                opts.max_json_depth
            )));
        }
        let fields = Self::read_fields(body, opts, false)?;
        Self::check(fields, opts, pinned)
    }

    /// The checks after the JSON shape, in the contract's order: signature presence, sign
    /// type, encrypt type, charset.
    fn check(fields: Fields<'a>, opts: &ParseOptions, pinned: Option<SignType>) -> Result<Self, Error> {
        let Fields {
            content,
            raw_response,
            sign,
            sign_type,
            encrypt_type,
            charset,
            shape,
            implied_sign_type,
            content_field,
        } = fields;
        if sign.is_none() && !opts.allow_unsigned {
            return Err(Error::MissingSignature);
        }
        let sign_type_was_absent = sign_type.is_none();
        let sign_type = match sign_type {
            Some(t) => SignType::parse(&t)?,
            None if implied_sign_type => pinned.unwrap_or_default(),
            None => SignType::default(),
        };
        let encrypt_type = encrypt_type.map_or(Ok(EncryptType::default()), |t| EncryptType::parse(&t))?;
        let charset = charset.map_or(Ok(Charset::default()), |c| Charset::parse(&c))?;
        Ok(Self {
            content,
            raw_response,
            shape,
            implied_sign_type: implied_sign_type && sign_type_was_absent,
            content_field,
            sign,
            sign_type,
            encrypt_type,
            charset,
            opts: opts.clone(),
        })
    }

    /// The fields of a body: any valid JSON, through serde_json with raw slices, in every shape
    /// of PROTOCOL.md 0.4; `nested` is the text inside an `encryptContent` wrapper. (A
    /// hand-written scanner for Alipay's canonical flat object used to run first: measured in
    /// issue 19 at about 1% of the pipeline, under the 2% it had to be worth, it was removed.)
    fn read_fields(body: &'a str, opts: &ParseOptions, nested: bool) -> Result<Fields<'a>, Error> {
        // serde's derive also reads a struct from an array, by position: only an object is an
        // envelope (found by the differential fuzz target).
        if starts_array(body) {
            return Err(Error::MalformedEnvelope(
                "the envelope is not a JSON object of the expected shape".into(),
            ));
        }
        let raw: RawEnvelope<'a> =
            serde_json::from_str(body).map_err(|e| match diagnose_unparsed(body, opts.max_json_depth) {
                Some(mistake) => Error::WrongShape(mistake),
                None => Error::MalformedEnvelope(describe(&e, "the envelope")),
            })?;
        match (raw.response, raw.encrypted_data, raw.encrypt_content) {
            (Some(_), Some(_), _) => Err(ambiguous("response", "encryptedData")),
            (Some(_), None, Some(_)) => Err(ambiguous("response", "encryptContent")),
            (None, Some(_), Some(_)) => Err(ambiguous("encryptedData", "encryptContent")),
            (Some(response), None, None) => Self::response_fields(response, &raw, opts),
            (None, Some(data), None) => Self::event_detail_fields(data, &raw),
            (None, None, Some(_)) if nested => Err(Error::WrongShape(Mistake::WrappedTwice)),
            (None, None, Some(wrapped)) => Self::wrapped_fields(wrapped, opts),
            (None, None, None) => Err(match wrapping_field(body, opts.max_json_depth) {
                Some(mistake) => Error::WrongShape(mistake),
                None => Error::MalformedEnvelope("`response` is missing".into()),
            }),
        }
    }

    /// The envelope object: `response` is a ciphertext, a plain string or a plain object.
    fn response_fields(
        response: &'a RawValue,
        raw: &RawEnvelope<'a>,
        opts: &ParseOptions,
    ) -> Result<Fields<'a>, Error> {
        let text = response.get();
        let mut raw_response = None;
        let content = match text.as_bytes().first() {
            Some(b'{') => {
                if envelope_like(text, opts.max_json_depth) {
                    return Err(Error::WrongShape(Mistake::EnvelopeInResponse));
                }
                Content::PlainObject(Cow::Borrowed(text))
            }
            Some(b'"') => {
                let value = string_field(Some(response), "response")?
                    .ok_or_else(|| Error::MalformedEnvelope("`response` is empty".into()))?;
                if value.starts_with('{') {
                    // A whole envelope as text is a mistake, never plain content: its outer
                    // level has no signature, and it must not be reported as a missing one.
                    if envelope_like(&value, opts.max_json_depth) {
                        return Err(Error::WrongShape(Mistake::EnvelopeInResponse));
                    }
                    Content::PlainString(value)
                } else {
                    // `text` is a validated JSON string: its quotes are its first and last bytes.
                    if text[1..text.len() - 1] != *value {
                        raw_response = Some(Cow::Borrowed(text));
                    }
                    Content::Encrypted(value)
                }
            }
            _ => {
                return Err(Error::MalformedEnvelope(
                    "`response` is neither a string nor an object".into(),
                ));
            }
        };
        Ok(Fields {
            content,
            raw_response,
            sign: string_field(raw.sign, "sign")?,
            sign_type: string_field(raw.sign_type, "sign_type")?,
            encrypt_type: string_field(raw.encrypt_type, "encrypt_type")?,
            charset: string_field(raw.charset, "charset")?,
            shape: Shape::Envelope,
            implied_sign_type: false,
            content_field: "response",
        })
    }

    /// The button event's `detail`: `encryptedData` plays the part of an encrypted `response`
    /// (signed as the quoted ciphertext, with the same raw-text fallback); the types default to
    /// the app's pinned sign type (or `RSA2`), `AES` and `UTF-8`.
    fn event_detail_fields(data: &'a RawValue, raw: &RawEnvelope<'a>) -> Result<Fields<'a>, Error> {
        let text = data.get();
        if !text.starts_with('"') {
            return Err(Error::MalformedEnvelope("`encryptedData` is not a string".into()));
        }
        let value = string_field(Some(data), "encryptedData")?
            .ok_or_else(|| Error::MalformedEnvelope("`encryptedData` is empty".into()))?;
        if value.starts_with('{') {
            return Err(Error::MalformedEnvelope(
                "`encryptedData` is not a base64 ciphertext (it holds JSON)".into(),
            ));
        }
        let raw_response = (text[1..text.len() - 1] != *value).then_some(Cow::Borrowed(text));
        let sign_type = string_field(raw.sign_type, "sign_type")?;
        Ok(Fields {
            content: Content::Encrypted(value),
            raw_response,
            sign: string_field(raw.sign, "sign")?,
            implied_sign_type: sign_type.is_none(),
            sign_type,
            encrypt_type: string_field(raw.encrypt_type, "encrypt_type")?,
            charset: string_field(raw.charset, "charset")?,
            shape: Shape::EventDetail,
            content_field: "encryptedData",
        })
    }

    /// One level of `encryptContent`: the inner text is read exactly as if it had been posted
    /// alone (same limits, same signed-bytes rules), and only the shape says it was wrapped.
    fn wrapped_fields(wrapped: &'a RawValue, opts: &ParseOptions) -> Result<Fields<'a>, Error> {
        let text = wrapped.get();
        let inner = match text.as_bytes().first() {
            Some(b'{') => Cow::Borrowed(text),
            Some(b'"') => string_field(Some(wrapped), "encryptContent")?
                .ok_or_else(|| Error::MalformedEnvelope("`encryptContent` is empty".into()))?,
            _ => {
                return Err(Error::MalformedEnvelope(
                    "`encryptContent` is neither a string nor an object".into(),
                ));
            }
        };
        // The string's own text was not counted by the depth check of the outer body.
        if depth_exceeds(inner.as_bytes(), opts.max_json_depth) {
            return Err(Error::MalformedEnvelope(format!(
                "`encryptContent`: JSON nested deeper than {} levels",
                opts.max_json_depth
            )));
        }
        let context = |e: Error| match e {
            Error::MalformedEnvelope(why) => Error::MalformedEnvelope(format!("`encryptContent`: {why}")),
            other => other,
        };
        let mut fields = match inner {
            Cow::Borrowed(text) => Self::read_fields(text, opts, true).map_err(context)?,
            Cow::Owned(text) => Envelope::read_fields(&text, opts, true).map_err(context)?.into_owned(),
        };
        fields.shape = Shape::EncryptContent;
        Ok(fields)
    }

    /// Parses posted bytes, which must be UTF-8.
    pub fn parse_bytes(body: &'a [u8], opts: &ParseOptions) -> Result<Self, Error> {
        Self::parse_bytes_pinned(body, opts, None)
    }

    /// [`Envelope::parse_bytes`] with the app's one pinned sign type (see
    /// [`Envelope::parse_pinned`]).
    pub fn parse_bytes_pinned(body: &'a [u8], opts: &ParseOptions, pinned: Option<SignType>) -> Result<Self, Error> {
        if body.len() > opts.max_envelope_bytes {
            return Err(Error::PayloadTooLarge {
                size: body.len(),
                limit: opts.max_envelope_bytes,
            });
        }
        let text =
            std::str::from_utf8(body).map_err(|_| Error::MalformedEnvelope("the envelope is not UTF-8 text".into()))?;
        Self::parse_pinned(text, opts, pinned)
    }

    /// The envelope, owning its text: for keeping it past the posted body's lifetime.
    pub fn into_owned(self) -> Envelope<'static> {
        let own = |v: Option<Cow<'_, str>>| v.map(|v| Cow::Owned(v.into_owned()));
        Envelope {
            content: self.content.into_owned(),
            raw_response: own(self.raw_response),
            shape: self.shape,
            implied_sign_type: self.implied_sign_type,
            content_field: self.content_field,
            sign: own(self.sign),
            sign_type: self.sign_type,
            encrypt_type: self.encrypt_type,
            charset: self.charset,
            opts: self.opts,
        }
    }

    /// Which accepted shape the body arrived in.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// Whether the sign type was left to the app (a shape that declares none, the button's
    /// event detail): [`Envelope::sign_type`] is then the pinned type given to
    /// [`Envelope::parse_pinned`], or `RSA2`.
    pub fn sign_type_is_implied(&self) -> bool {
        self.implied_sign_type
    }

    /// The same envelope under an app's one pinned sign type, when its shape declared none
    /// (whoever holds the keys parses before it knows the app's pin); `None` when nothing
    /// changes.
    ///
    /// ```
    /// use phone_core::{Envelope, ParseOptions, SignType};
    /// let opts = ParseOptions::default();
    /// let detail = Envelope::parse(r#"{"encryptedData":"QUJD","sign":"c2ln"}"#, &opts)?;
    /// assert_eq!(detail.pinned_to(SignType::Rsa).map(|e| e.sign_type()), Some(SignType::Rsa));
    /// let declared = Envelope::parse(r#"{"response":"QUJD","sign":"c2ln","sign_type":"RSA2"}"#, &opts)?;
    /// assert!(declared.pinned_to(SignType::Rsa).is_none());
    /// # Ok::<(), phone_core::Error>(())
    /// ```
    pub fn pinned_to(&self, pinned: SignType) -> Option<Self> {
        (self.implied_sign_type && self.sign_type != pinned).then(|| Self {
            sign_type: pinned,
            ..self.clone()
        })
    }

    /// What `response` carries.
    pub fn content(&self) -> &Content<'a> {
        &self.content
    }

    /// Whether the content is encrypted.
    pub fn is_encrypted(&self) -> bool {
        matches!(self.content, Content::Encrypted(_))
    }

    /// The declared (or default) sign type.
    pub fn sign_type(&self) -> SignType {
        self.sign_type
    }

    /// The declared (or default) encrypt type; it matters only for encrypted content.
    pub fn encrypt_type(&self) -> EncryptType {
        self.encrypt_type
    }

    /// The declared (or default) charset of the plaintext.
    pub fn charset(&self) -> Charset {
        self.charset
    }

    /// The limits it was parsed under (they also bound the plaintext).
    pub fn options(&self) -> &ParseOptions {
        &self.opts
    }

    /// Whether the envelope carries a signature.
    pub fn is_signed(&self) -> bool {
        self.sign.is_some()
    }

    /// The exact bytes Alipay signed: encrypted content wrapped in double quotes, a plain
    /// string as is, a plain object as its raw posted text. Never re-serialised. When these
    /// bytes do not verify, [`Envelope::raw_signed_content`] gives the one other form to try.
    pub fn signed_content(&self) -> Cow<'_, [u8]> {
        match &self.content {
            Content::Encrypted(value) => {
                let mut quoted = Vec::with_capacity(value.len() + 2);
                quoted.push(b'"');
                quoted.extend_from_slice(value.as_bytes());
                quoted.push(b'"');
                Cow::Owned(quoted)
            }
            Content::PlainString(value) => Cow::Borrowed(value.as_bytes()),
            Content::PlainObject(raw) => Cow::Borrowed(raw.as_bytes()),
        }
    }

    /// The other bytes Alipay may have signed, to try only when [`Envelope::signed_content`]
    /// does not verify: the raw text of an encrypted `response` exactly as posted, its two
    /// surrounding double quotes included, when that text differs from the decoded value
    /// because of a JSON escape (`\/`, `\u0041`, ...). `None` otherwise, so the usual envelope
    /// costs a single verify (`spec/PROTOCOL.md` section 0, step 3).
    ///
    /// Base64 contains `/`, which Java and JavaScript serialisers may escape as `\/`; the
    /// official Java SDK verifies this raw text first, then the unescaped one, so both forms
    /// occur. Plain content never has an alternative: a plain object is already signed as
    /// its raw text, and the protocol signs a plain string as its decoded value without
    /// quotes and defines no second form for it (its raw text escapes every inner `"`, so it
    /// would differ on every envelope and make each failed check pay a useless second
    /// verify). The bytes borrow from the posted text: nothing is allocated.
    ///
    /// ```
    /// use phone_core::{Envelope, ParseOptions};
    /// let opts = ParseOptions::default();
    /// let env = Envelope::parse(r#"{"response":"ab\/cd==","sign":"c2ln"}"#, &opts)?;
    /// assert_eq!(&*env.signed_content(), br#""ab/cd==""#);
    /// assert_eq!(env.raw_signed_content(), Some(&br#""ab\/cd==""#[..]));
    /// // Without an escape there is nothing else to try.
    /// let env = Envelope::parse(r#"{"response":"ab/cd==","sign":"c2ln"}"#, &opts)?;
    /// assert_eq!(env.raw_signed_content(), None);
    /// # Ok::<(), phone_core::Error>(())
    /// ```
    pub fn raw_signed_content(&self) -> Option<&[u8]> {
        self.raw_response.as_deref().map(str::as_bytes)
    }

    /// The signature, strictly base64-decoded; `None` when the envelope is unsigned.
    pub fn decode_signature(&self) -> Result<Option<Vec<u8>>, Error> {
        self.sign
            .as_deref()
            .map(|s| STANDARD.decode(s).map_err(|_| Error::BadBase64 { field: "sign" }))
            .transpose()
    }

    /// The ciphertext, strictly base64-decoded; `None` for plain content.
    pub fn decode_ciphertext(&self) -> Result<Option<Vec<u8>>, Error> {
        match &self.content {
            Content::Encrypted(v) => {
                // Exactly what strict base64 decodes to: 3 bytes per 4 characters, less one per
                // `=` of padding (a length that is not a multiple of 4 is the decoder's to refuse).
                let padding = v.bytes().rev().take(2).take_while(|&b| b == b'=').count();
                let decoded_len = (v.len() / 4 * 3).saturating_sub(padding);
                if decoded_len > self.opts.max_ciphertext_bytes {
                    return Err(Error::PayloadTooLarge {
                        size: decoded_len,
                        limit: self.opts.max_ciphertext_bytes,
                    });
                }
                // Named as the front end posted it: the event detail calls it encryptedData.
                let field = self.content_field;
                STANDARD
                    .decode(v.as_bytes())
                    .map(Some)
                    .map_err(|_| Error::BadBase64 { field })
            }
            _ => Ok(None),
        }
    }

    /// The plain JSON text of unencrypted content; `None` when encrypted.
    pub fn plain_text(&self) -> Option<&str> {
        match &self.content {
            Content::Encrypted(_) => None,
            Content::PlainString(s) => Some(s),
            Content::PlainObject(s) => Some(s),
        }
    }
}

fn ambiguous(first: &'static str, second: &'static str) -> Error {
    Error::WrongShape(Mistake::Ambiguous { first, second })
}

/// Whether JSON text is an array (after JSON's own whitespace).
pub(crate) fn starts_array(text: &str) -> bool {
    text.trim_start_matches([' ', '\t', '\n', '\r']).starts_with('[')
}

// The log label of a failed body parses it again: it lives with the parser, so that the
// shapes (which the error type names) need not know the parser.
impl Shape {
    /// The label a log line gives a body that failed with `error`: the mistake it was refused
    /// as, else the shape it arrived in (read again: only failures pay for it), else `-`.
    ///
    /// ```
    /// use phone_core::{Error, Shape};
    /// let detail = r#"{"encryptedData":"QUJD","sign":"c2ln"}"#;
    /// assert_eq!(Shape::label_of_failed(detail, &Error::BadSignature), "event_detail");
    /// let form = "response=QUJD&sign=c2ln";
    /// let refused = phone_core::Envelope::parse(form, &Default::default()).unwrap_err();
    /// assert_eq!(Shape::label_of_failed(form, &refused), "form_encoded");
    /// assert_eq!(Shape::label_of_failed("garbage", &Error::MalformedEnvelope("x".into())), "-");
    /// ```
    pub fn label_of_failed(body: &str, error: &Error) -> &'static str {
        if let Some(mistake) = error.mistake() {
            return mistake.check_id();
        }
        let opts = ParseOptions::default().allow_unsigned(true);
        Envelope::parse(body, &opts).map_or("-", |env| env.shape().as_str())
    }
}

#[cfg(test)]
mod tests;
