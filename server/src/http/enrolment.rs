//! Enrolment from the dashboard: the link a new device token travels in and its QR code.
//!
//! The link is `<base URL>/enrol#token=<token>` ([`fieldledger_core::enrolment`] writes and
//! reads it). The base URL is the server's `--public-url` when the operator gave one; otherwise
//! it is the address the administrator's own browser used to reach the server: the `Host`
//! header, with `https` when the request came over TLS. Behind a reverse proxy named with
//! `--trusted-proxy`, and only then, `X-Forwarded-Host` and `X-Forwarded-Proto` stand in for
//! them; from anyone else they are ignored, since a client can write them itself.

use axum::http::header;
use axum::http::request::Parts;
use fieldledger_core::enrolment::{EnrolmentLink, server_url_of};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use crate::AppState;
use crate::error::{Code, Error};
use crate::web::client;

/// The side of one QR module in the SVG's own units (pixels when shown at its natural size).
pub const QR_MODULE: u32 = 6;

/// The server's base URL for links made in answer to `parts`: the public URL when configured,
/// else the address the request was made to (see the module's documentation).
pub fn base_url(state: &AppState, parts: &Parts) -> Result<String, Error> {
    if let Some(url) = &state.public_url {
        return Ok(url.to_string());
    }
    let forwarded_host = client::from_proxy(state, parts)
        .then(|| header_text(parts, "x-forwarded-host"))
        .flatten()
        // A proxy that forwarded through others lists every host; the first is the client's.
        .and_then(|h| h.split(',').next().map(str::trim));
    let host = forwarded_host
        .or_else(|| header_text(parts, header::HOST.as_str()))
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        .ok_or_else(|| {
            Error::new(
                Code::Invalid,
                "the request names no host to build the enrolment link with; \
                 start the server with --public-url",
            )
        })?;
    if host.contains('/') {
        return Err(Error::new(
            Code::Invalid,
            "the request's host is not a host; start the server with --public-url",
        ));
    }
    let scheme = if client::over_tls(state, parts) {
        "https"
    } else {
        "http"
    };
    server_url_of(&format!("{scheme}://{host}")).map_err(|e| {
        Error::new(
            Code::Invalid,
            format!("the request's host cannot make an enrolment link ({e}); use --public-url"),
        )
    })
}

fn header_text<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The enrolment link of `token` at `base_url`.
pub fn link(base_url: &str, token: &str) -> Result<String, Error> {
    EnrolmentLink::new(base_url, token)
        .map(|l| l.link())
        .map_err(|e| Error::new(Code::Invalid, e.to_string()))
}

/// `text` as a QR code drawn in SVG: black modules on white, with the quiet zone a scanner
/// needs, each module [`QR_MODULE`] units wide. Error correction at level M (15%): enough for
/// a screen photographed at an angle, while a link of a hundred characters stays a small code.
pub fn qr_svg(text: &str) -> Result<String, Error> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| Error::new(Code::Invalid, format!("no QR code holds this link: {e}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(QR_MODULE, QR_MODULE)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the dark rectangles of an SVG drawn by [`qr_svg`] into a picture of `scale` pixels
    /// per unit, for a QR reader. The path is a run of `M{x} {y}h{w}v{h}H{x}V{y}`.
    fn rasterise(svg: &str) -> (usize, Vec<bool>) {
        let size: usize = svg
            .split("width=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("the SVG's width");
        let path = svg
            .split(" d=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("the SVG's path");
        let mut pixels = vec![false; size * size];
        for rect in path.split('M').filter(|r| !r.is_empty()) {
            let numbers: Vec<usize> = rect
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().expect("a number"))
                .collect();
            let [x, y, w, h, ..] = numbers[..] else {
                panic!("a rectangle of four numbers: {rect}");
            };
            for row in y..y + h {
                for column in x..x + w {
                    pixels[row * size + column] = true;
                }
            }
        }
        (size, pixels)
    }

    #[test]
    fn the_qr_code_reads_back_as_the_link() {
        let token = crate::auth::new_token();
        let link = link("https://service.example.com:8443/fieldledger", &token).expect("link");
        let svg = qr_svg(&link).expect("svg");
        assert!(svg.contains("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<script") && !svg.contains("href"));
        let (size, pixels) = rasterise(&svg);
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| {
            if pixels[y * size + x] { 0 } else { 255 }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code in the picture");
        let (_, text) = grids[0].decode().expect("the code decodes");
        assert_eq!(text, link);
        let parsed = EnrolmentLink::parse(&text).expect("a link");
        assert_eq!(parsed.token, token);
        assert_eq!(
            parsed.server_url,
            "https://service.example.com:8443/fieldledger"
        );
    }

    #[test]
    fn a_link_of_a_bad_base_or_token_is_refused() {
        assert!(link("https://u@example.com", "flt_a").is_err());
        assert!(link("https://example.com", "flt a").is_err());
    }
}
