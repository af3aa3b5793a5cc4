//! Enrolment links: what an administrator hands a technician so that their app enrols without
//! typing a server address and a token.
//!
//! A link is `<server base URL>/enrol#token=<device token>`, for example
//! `https://service.example.com/enrol#token=flt_3f…`. The token travels in the fragment, which a
//! browser never sends to a server, so that it reaches no access log even when the link is
//! opened in a browser. [`EnrolmentLink::parse`] is the one reader of such links: the server
//! writes them with [`EnrolmentLink::link`], and the bindings, the command-line device and any
//! later app read them here, so that every client accepts and refuses exactly the same links.
//!
//! Links come from QR codes and clipboards, so the reader takes nothing on trust: only `http` and
//! `https`, a host without user information, a path of plain characters ending in `/enrol`, no
//! query, exactly one non-empty token of plain characters, and nothing longer than
//! [`MAX_LINK_LENGTH`]. Spaces and line breaks around a pasted link are ignored; inside it they
//! are refused.

use std::fmt;

use crate::error::{Error, Result};

/// The path, after the server's base URL, of an enrolment link.
pub const ENROL_PATH: &str = "/enrol";

/// The longest link read, in bytes.
pub const MAX_LINK_LENGTH: usize = 2048;

/// The longest token read, in bytes (the server's tokens have 68).
pub const MAX_TOKEN_LENGTH: usize = 128;

/// What the field of a refusal is called.
const FIELD: &str = "enrolment link";

/// A server and a device token, as an enrolment link carries them.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrolmentLink {
    /// The server's base URL, without a trailing slash: `https://service.example.com` or
    /// `https://example.com/fieldledger`.
    pub server_url: String,
    /// The device token.
    pub token: String,
}

impl fmt::Debug for EnrolmentLink {
    /// Never shows the token: a link in a log must not enrol whoever reads the log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrolmentLink")
            .field("server_url", &self.server_url)
            .field("token", &"<hidden>")
            .finish()
    }
}

fn refused(reason: impl Into<String>) -> Error {
    Error::invalid(FIELD, reason)
}

impl EnrolmentLink {
    /// The link of `token` at the server whose base URL is `server_url`; both are checked as
    /// [`EnrolmentLink::parse`] checks them, and a trailing slash of the URL is dropped.
    pub fn new(server_url: &str, token: &str) -> Result<Self> {
        Ok(Self {
            server_url: server_url_of(server_url)?,
            token: token_of(token)?.to_owned(),
        })
    }

    /// Reads an enrolment link, `<server base URL>/enrol#token=<token>`; whitespace around it
    /// is ignored. Refuses (`Error::Invalid`) anything else, saying why.
    pub fn parse(link: &str) -> Result<Self> {
        let link = link.trim();
        if link.is_empty() {
            return Err(refused("the link is empty"));
        }
        if link.len() > MAX_LINK_LENGTH {
            return Err(refused(format!(
                "the link is longer than {MAX_LINK_LENGTH} characters"
            )));
        }
        if let Some(c) = link.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(refused(format!(
                "the link contains {c:?}, which a link may not contain"
            )));
        }
        let Some((address, fragment)) = link.split_once('#') else {
            return Err(refused("the link carries no token (nothing after #)"));
        };
        if address.contains('?') {
            return Err(refused("an enrolment link has no query (nothing after ?)"));
        }
        let address = address.strip_suffix('/').unwrap_or(address);
        let Some(base) = strip_suffix_ignoring_case(address, ENROL_PATH) else {
            return Err(refused(format!(
                "this is not an enrolment link: its address does not end in {ENROL_PATH}"
            )));
        };
        let server_url = server_url_of(base)?;
        let mut tokens = fragment
            .split('&')
            .filter_map(|pair| pair.strip_prefix("token="));
        let Some(token) = tokens.next() else {
            return Err(refused("the link carries no token (no token= after #)"));
        };
        if tokens.next().is_some() {
            return Err(refused("the link carries more than one token"));
        }
        Ok(Self {
            server_url,
            token: token_of(token)?.to_owned(),
        })
    }

    /// The link: `<server_url>/enrol#token=<token>`.
    pub fn link(&self) -> String {
        format!("{}{ENROL_PATH}#token={}", self.server_url, self.token)
    }
}

/// `text` without `suffix`, compared without regard to ASCII case.
fn strip_suffix_ignoring_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let (head, tail) = (text.get(..cut)?, text.get(cut..)?);
    tail.eq_ignore_ascii_case(suffix).then_some(head)
}

/// Checks a device token: 1 to [`MAX_TOKEN_LENGTH`] letters, digits, `_` or `-`.
fn token_of(token: &str) -> Result<&str> {
    if token.is_empty() {
        return Err(refused("the token is empty"));
    }
    if token.len() > MAX_TOKEN_LENGTH {
        return Err(refused(format!(
            "the token is longer than {MAX_TOKEN_LENGTH} characters"
        )));
    }
    if let Some(c) = token
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(refused(format!(
            "the token contains {c:?}; tokens have only letters, digits, _ and -"
        )));
    }
    Ok(token)
}

/// Checks a server's base URL and returns it with its scheme in lower case and without a
/// trailing slash: `http` or `https`, a host (a name, an IPv4 address or a bracketed IPv6
/// address) with an optional port, no user information, and an optional path of plain segments
/// (letters, digits, `-`, `.`, `_`, `~`); no query and no fragment. The server checks its
/// `--public-url` with it too.
pub fn server_url_of(url: &str) -> Result<String> {
    let url = url.trim();
    if url.len() > MAX_LINK_LENGTH {
        return Err(refused(format!(
            "the server address is longer than {MAX_LINK_LENGTH} characters"
        )));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| refused("the server address does not start with http:// or https://"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(refused(format!(
            "the server address must be http:// or https://, not {scheme}://"
        )));
    }
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    authority_of(authority)?;
    let path = path.strip_suffix('/').unwrap_or(path);
    for segment in path.split('/').skip(1) {
        if segment.is_empty() || segment == "." || segment == ".." {
            return Err(refused(format!(
                "the server address has an empty, . or .. part in its path {path:?}"
            )));
        }
        if let Some(c) = segment
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-._~".contains(*c)))
        {
            return Err(refused(format!(
                "the server address's path contains {c:?}, which it may not"
            )));
        }
    }
    Ok(format!("{scheme}://{authority}{path}"))
}

/// Checks a URL's authority: a host and an optional port, nothing else.
fn authority_of(authority: &str) -> Result<()> {
    if authority.is_empty() {
        return Err(refused("the server address names no host"));
    }
    if authority.contains('@') {
        return Err(refused(
            "the server address carries a user name (@), which an enrolment link may not",
        ));
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (inside, after) = bracketed
            .split_once(']')
            .ok_or_else(|| refused("the server address opens [ without closing it"))?;
        if inside.is_empty() || !inside.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return Err(refused(
                "the server address's [ ] does not hold an IPv6 address",
            ));
        }
        match after {
            "" => (inside, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (inside, Some(port)),
                None => return Err(refused("the server address has junk after its ]")),
            },
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(refused("the server address names no host"));
    }
    if !authority.starts_with('[')
        && !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(refused(format!(
            "the server's host {host:?} has characters a host name may not"
        )));
    }
    if let Some(port) = port
        && !(!port.is_empty()
            && port.len() <= 5
            && port.chars().all(|c| c.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p > 0))
    {
        return Err(refused(format!(
            "the server's port {port:?} is not a number from 1 to 65535"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const TOKEN: &str = "flt_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn reason(link: &str) -> String {
        match EnrolmentLink::parse(link) {
            Err(Error::Invalid { field, reason, .. }) => {
                assert_eq!(field, FIELD);
                reason
            }
            other => panic!("{link:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn a_servers_link_reads_back_as_its_server_and_token() {
        let link =
            EnrolmentLink::parse(&format!("https://service.example.com/enrol#token={TOKEN}"))
                .expect("a link");
        assert_eq!(link.server_url, "https://service.example.com");
        assert_eq!(link.token, TOKEN);
        let made = EnrolmentLink::new("https://service.example.com/", TOKEN).expect("made");
        assert_eq!(made, link);
        assert_eq!(
            made.link(),
            format!("https://service.example.com/enrol#token={TOKEN}")
        );
    }

    #[test]
    fn ports_prefixes_addresses_and_case_are_kept_as_a_server_needs_them() {
        for (link, server) in [
            (
                "http://127.0.0.1:8080/enrol#token=t",
                "http://127.0.0.1:8080",
            ),
            ("HTTPS://Example.com/Enrol/#token=t", "https://Example.com"),
            (
                "https://example.com/field-ledger/v2/enrol#token=t",
                "https://example.com/field-ledger/v2",
            ),
            ("http://[::1]:8080/enrol#token=t", "http://[::1]:8080"),
            (
                "https://example.com/enrol#lang=zh&token=t",
                "https://example.com",
            ),
        ] {
            let parsed = EnrolmentLink::parse(link).expect(link);
            assert_eq!(parsed.server_url, server, "{link}");
            assert_eq!(parsed.token, "t");
        }
    }

    #[test]
    fn spaces_and_line_breaks_around_a_pasted_link_are_ignored() {
        let link = format!("  \n\thttp://127.0.0.1:8080/enrol#token={TOKEN}\r\n ");
        let parsed = EnrolmentLink::parse(&link).expect("a link");
        assert_eq!(parsed.server_url, "http://127.0.0.1:8080");
        assert_eq!(parsed.token, TOKEN);
    }

    #[test]
    fn other_schemes_are_refused() {
        for link in [
            "ftp://example.com/enrol#token=t",
            "javascript://example.com/enrol#token=t",
            "fieldledger://example.com/enrol#token=t",
            "file:///enrol#token=t",
            "example.com/enrol#token=t",
            "//example.com/enrol#token=t",
            "javascript:alert(1)//enrol#token=t",
        ] {
            let why = reason(link);
            assert!(
                why.contains("http://") || why.contains("no host"),
                "{link}: {why}"
            );
        }
    }

    #[test]
    fn a_link_without_a_token_or_with_an_empty_one_is_refused() {
        assert!(reason("https://example.com/enrol").contains("no token"));
        assert!(reason("https://example.com/enrol#").contains("no token"));
        assert!(reason("https://example.com/enrol#tok=abc").contains("no token"));
        assert!(reason("https://example.com/enrol#token=").contains("empty"));
        assert!(reason("https://example.com/enrol#token=a&token=b").contains("more than one"));
        assert!(reason("").contains("empty"));
        assert!(reason("   \n").contains("empty"));
    }

    #[test]
    fn bad_characters_are_refused_wherever_they_are() {
        for link in [
            "https://example.com/enrol#token=flt_ab cd",
            "https://example.com/enrol#token=flt_<script>",
            "https://example.com/enrol#token=flt_%41",
            "https://example.com/enrol#token=flt_ab\"",
            "https://example.com/enrol#token=flt_ab/cd",
            "https://example.com/enrol#token=flt_令牌",
            "https://exa mple.com/enrol#token=t",
            "https://exam\u{0}ple.com/enrol#token=t",
            "https://exam_ple.com/enrol#token=t",
            "https://example.com/a%2fb/enrol#token=t",
            "https://example.com/../enrol#token=t",
            "https://例子.com/enrol#token=t",
        ] {
            let why = reason(link);
            assert!(
                why.contains("contain") || why.contains("characters") || why.contains(". or .."),
                "{link}: {why}"
            );
        }
    }

    #[test]
    fn hosts_that_hide_another_or_ports_that_are_no_ports_are_refused() {
        assert!(reason("https://good.example@evil.example/enrol#token=t").contains("user name"));
        assert!(reason("https://:8080/enrol#token=t").contains("no host"));
        assert!(reason("https:///enrol#token=t").contains("no host"));
        assert!(reason("https://example.com:0/enrol#token=t").contains("port"));
        assert!(reason("https://example.com:65536/enrol#token=t").contains("port"));
        assert!(reason("https://example.com:/enrol#token=t").contains("port"));
        assert!(reason("https://example.com:80:80/enrol#token=t").contains("port"));
        assert!(reason("https://[::1/enrol#token=t").contains('['));
        assert!(reason("https://[evil.example]/enrol#token=t").contains("IPv6"));
    }

    #[test]
    fn other_paths_and_queries_are_refused() {
        assert!(reason("https://example.com/#token=t").contains("/enrol"));
        assert!(reason("https://example.com/enroll#token=t").contains("/enrol"));
        assert!(reason("https://example.com/enrol/x#token=t").contains("/enrol"));
        assert!(reason("https://example.com/enrol?token=t#token=t").contains("query"));
    }

    #[test]
    fn over_long_links_and_tokens_are_refused() {
        let long = format!(
            "https://example.com/enrol#token={}",
            "a".repeat(MAX_LINK_LENGTH)
        );
        assert!(reason(&long).contains("longer than"));
        let token = "a".repeat(MAX_TOKEN_LENGTH + 1);
        assert!(reason(&format!("https://example.com/enrol#token={token}")).contains("token is"));
        let token = "a".repeat(MAX_TOKEN_LENGTH);
        assert!(EnrolmentLink::parse(&format!("https://example.com/enrol#token={token}")).is_ok());
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let link = EnrolmentLink::new("https://example.com", TOKEN).expect("link");
        let shown = format!("{link:?}");
        assert!(
            !shown.contains(TOKEN) && shown.contains("example.com"),
            "{shown}"
        );
    }

    #[test]
    fn new_checks_what_parse_checks() {
        assert!(EnrolmentLink::new("https://example.com", "").is_err());
        assert!(EnrolmentLink::new("https://example.com", "a b").is_err());
        assert!(EnrolmentLink::new("https://example.com?x=1", "t").is_err());
        assert!(EnrolmentLink::new("https://u@example.com", "t").is_err());
        assert!(server_url_of("https://example.com/#x").is_err());
    }

    proptest! {
        #[test]
        fn any_text_is_read_or_refused_without_a_panic(text in "\\PC{0,300}") {
            let _ = EnrolmentLink::parse(&text);
        }

        #[test]
        fn every_link_made_reads_back_the_same(
            host in "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\\.[a-z]{2,6}){0,2}",
            port in proptest::option::of(1u16..),
            path in proptest::collection::vec("[A-Za-z0-9~_-][A-Za-z0-9._~-]{0,8}", 0..3),
            token in "[A-Za-z0-9_-]{1,128}",
            https in any::<bool>(),
        ) {
            let scheme = if https { "https" } else { "http" };
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let path: String = path.iter().map(|s| format!("/{s}")).collect();
            let server = format!("{scheme}://{host}{port}{path}");
            let made = EnrolmentLink::new(&server, &token).expect("made");
            prop_assert_eq!(EnrolmentLink::parse(&made.link()).expect("read"), made);
        }
    }
}
