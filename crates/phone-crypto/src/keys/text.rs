//! Key text as users paste it (PEM, bare base64, with line breaks, stray spaces and literal
//! `\n` escapes) turned into DER; what the DER holds is each key type's business.

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use der::Decode;
use der::pem;
use phone_core::{Error, KeyProblem, KeyRole};
use zeroize::Zeroizing;

use super::key_error;

/// Key text is base64 with lenient padding; the key itself is validated by DER parsing.
pub(super) const KEY_B64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A PEM block as found in pasted text or a certificate file, its body not yet judged.
pub(crate) struct PemBlock<'a> {
    /// The type label, its spacing normalised.
    pub(crate) label: String,
    body: &'a str,
}

/// A BEGIN line that opens no complete block.
pub(crate) struct BrokenPem {
    pub(crate) why: &'static str,
    /// Known once the header line closed.
    pub(crate) label: Option<String>,
}

/// Finds the first PEM block in `text`, or what is wrong with it, and the text after it; `None`
/// when `text` has no BEGIN line.
///
/// The lenient half of PEM reading: `pem-rfc7468` implements RFC 7468's strict grammar, which
/// refuses what users paste and what Alipay ships (certificates wrapped at 76 columns, the
/// Node SDK's keys as one 392-character line, indented or CRLF lines, doubled spaces in the
/// labels, text around the block).
pub(crate) fn find_pem(text: &str) -> Option<(Result<PemBlock<'_>, BrokenPem>, &str)> {
    const BEGIN: &str = "-----BEGIN";
    const END: &str = "-----END";
    const DASHES: &str = "-----";
    let after = &text[text.find(BEGIN)? + BEGIN.len()..];
    // A broken block resumes the search right after its BEGIN, so that a BEGIN line it
    // swallowed (as its label, or while looking for its END) is still found.
    let broken = |why, label| Some((Err(BrokenPem { why, label }), after));
    let Some(label_end) = after.find(DASHES) else {
        return broken("a PEM header without its closing dashes", None);
    };
    let label = normalise_label(&after[..label_end]);
    let rest = &after[label_end + DASHES.len()..];
    let end = rest.match_indices(END).find_map(|(start, _)| {
        let tail = &rest[start + END.len()..];
        let close = tail.find(DASHES)?;
        (normalise_label(&tail[..close]) == label).then_some((start, start + END.len() + close + DASHES.len()))
    });
    let Some((body_end, block_end)) = end else {
        return broken("a PEM block without its END line", Some(label));
    };
    let block = PemBlock {
        label,
        body: &rest[..body_end],
    };
    Some((Ok(block), &rest[block_end..]))
}

fn normalise_label(raw: &str) -> String {
    raw.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

impl PemBlock<'_> {
    /// The DER inside: the block is rewritten as strict RFC 7468 PEM, which `pem-rfc7468` then
    /// checks and decodes (its base64 is constant-time, as private keys deserve).
    pub(crate) fn decode(&self) -> Result<Zeroizing<Vec<u8>>, String> {
        // Sized up front (with room for padding): growing a Zeroizing<Vec> would leave
        // unzeroized copies behind.
        let mut b64 = Zeroizing::new(Vec::with_capacity(self.body.len() + 3));
        // RFC 1421 headers (Proc-Type, DEK-Info of legacy encrypted keys) are not RFC 7468.
        b64.extend(
            self.body
                .lines()
                .filter(|l| !l.contains(':'))
                .flat_map(str::bytes)
                .filter(|b| !b.is_ascii_whitespace()),
        );
        // pem-rfc7468 refuses an empty body; an empty DER still lets the label speak (a private
        // key's block where the public key belongs keeps its targeted error).
        if b64.is_empty() {
            return Ok(Zeroizing::new(Vec::new()));
        }
        // Padding lost in copying is restored (base64ct insists on it). A length of `4n + 1`
        // is not base64 at all: padded to `x===` the decoder still refuses it, so no case is
        // needed for it.
        let padded = b64.len().next_multiple_of(4);
        b64.resize(padded, b'=');
        let lines = b64.chunks(pem::BASE64_WRAP_WIDTH);
        let mut strict = Zeroizing::new(Vec::with_capacity(b64.len() + lines.len() + 2 * self.label.len() + 32));
        for part in [b"-----BEGIN ", self.label.as_bytes(), b"-----\n"] {
            strict.extend_from_slice(part);
        }
        for line in lines {
            strict.extend_from_slice(line);
            strict.push(b'\n');
        }
        for part in [b"-----END ", self.label.as_bytes(), b"-----\n"] {
            strict.extend_from_slice(part);
        }
        let describe = |e: pem::Error| match e {
            pem::Error::Base64(_) | pem::Error::Length => "the PEM body is not base64".to_owned(),
            other => format!("a PEM block this SDK cannot read ({other})"),
        };
        let mut decoder = pem::Decoder::new(&strict).map_err(describe)?;
        let mut der = Zeroizing::new(Vec::new());
        decoder.decode_to_end(&mut der).map_err(describe)?;
        Ok(der)
    }
}

/// Decodes key text: PEM (first block, lenient about line lengths and spacing) or bare base64.
/// Returns `None` as the label for bare base64.
pub(super) fn decode_text(text: &str, role: KeyRole) -> Result<(Option<String>, Zeroizing<Vec<u8>>), Error> {
    let text = text.trim().replace("\\n", "\n").replace("\\r", "");
    let unparsable = |why: String| key_error(role, KeyProblem::Unparsable(why));
    if let Some((found, _)) = find_pem(&text) {
        let block = found.map_err(|broken| unparsable(broken.why.to_owned()))?;
        let der = block.decode().map_err(unparsable)?;
        return Ok((Some(block.label), der));
    }
    let compact: Zeroizing<String> = Zeroizing::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    if compact.is_empty() {
        return Err(key_error(role, KeyProblem::Unparsable("the key is empty".into())));
    }
    let der = KEY_B64
        .decode(compact.as_bytes())
        .map_err(|_| key_error(role, KeyProblem::Unparsable("not base64 or PEM".into())))?;
    Ok((None, Zeroizing::new(der)))
}

pub(super) fn is_private_label(label: &str) -> bool {
    label.ends_with("PRIVATE KEY")
}

pub(super) fn looks_like_private_der(der: &[u8]) -> bool {
    pkcs8::PrivateKeyInfoRef::from_der(der).is_ok() || pkcs1::RsaPrivateKeyRef::from_der(der).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::testing::{demo, test_key};
    use crate::keys::{RsaPublicKey, Sm2PublicKey};

    #[test]
    fn find_pem_returns_exactly_the_text_after_the_block() {
        let text = "before -----BEGIN A-----\nQUJD\n-----END A-----TAIL-----BEGIN B-----";
        let (block, rest) = find_pem(text).unwrap();
        assert_eq!(block.ok().unwrap().label, "A");
        assert_eq!(rest, "TAIL-----BEGIN B-----");
    }

    #[test]
    fn pem_padding_lost_in_copying_is_restored() {
        let block = |body| PemBlock {
            label: "PUBLIC KEY".into(),
            body,
        };
        assert_eq!(*block("QQ").decode().unwrap(), b"A");
        assert_eq!(*block("QUI").decode().unwrap(), b"AB");
        assert_eq!(*block("QUJD").decode().unwrap(), b"ABC");
        assert_eq!(*block("QUJDRA").decode().unwrap(), b"ABCD");
        assert_eq!(*block("QUJDREU").decode().unwrap(), b"ABCDE");
        // Four characters and one: not base64, with or without padding.
        assert!(block("QUJDR").decode().is_err());
        // A whole public key with its `=` lost still parses.
        let pem = test_key("sm2_public.pem");
        assert!(pem.contains("=\n"), "the fixture should end in padding");
        let want = Sm2PublicKey::parse(&pem).unwrap();
        assert_eq!(Sm2PublicKey::parse(&pem.replace('=', "")).unwrap(), want);
    }

    #[test]
    fn pasted_pem_is_made_strict_before_pem_rfc7468_reads_it() {
        let pem = demo("alipay_public_key.pem");
        let want = RsaPublicKey::parse(&pem).unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let wrap = |width: usize, eol: &str| -> String {
            body.as_bytes()
                .chunks(width)
                .map(|c| format!("{}{eol}", std::str::from_utf8(c).unwrap()))
                .collect()
        };
        for pasted in [
            // Alipay's certificates wrap at 76 columns, the Node SDK's keys not at all.
            format!("-----BEGIN PUBLIC KEY-----\n{}-----END PUBLIC KEY-----", wrap(76, "\n")),
            format!("-----BEGIN PUBLIC KEY-----{body}-----END PUBLIC KEY-----"),
            format!(
                "-----BEGIN PUBLIC KEY-----\r\n{}-----END PUBLIC KEY-----\r\n",
                wrap(64, "\r\n")
            ),
            format!(
                "  -----BEGIN  PUBLIC KEY-----\n\t{}\n  -----END  PUBLIC KEY-----  ",
                wrap(40, " \n\t")
            ),
            format!(
                "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----",
                body.trim_end_matches('=')
            ),
            format!("-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\n\n{body}\n-----END PUBLIC KEY-----"),
            format!("the key:\n-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\nthanks"),
        ] {
            let got = RsaPublicKey::parse(&pasted).unwrap_or_else(|e| panic!("{pasted:?}: {e}"));
            assert_eq!(got.pkcs1_der(), want.pkcs1_der(), "{pasted:?}");
        }
        // An empty block is still judged by its label.
        let empty = "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----";
        assert!(matches!(
            RsaPublicKey::parse(empty),
            Err(Error::KeyError {
                problem: KeyProblem::PrivateKeyAsPublic,
                ..
            })
        ));
        for broken in [
            format!("-----BEGIN PUBLIC KEY-----\n{body}!\n-----END PUBLIC KEY-----"),
            format!("-----BEGIN PUBLIC KEY-----\n{body}A\n-----END PUBLIC KEY-----"),
            format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PRIVATE KEY-----"),
        ] {
            assert!(matches!(
                RsaPublicKey::parse(&broken),
                Err(Error::KeyError {
                    problem: KeyProblem::Unparsable(_),
                    ..
                })
            ));
        }
    }
}
