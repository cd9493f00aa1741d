//! What the two generating sources (`Stability`, `OpenAiImages`) share: the builder methods
//! of their configurations, base64 image fields, and turning the generated pictures of one
//! fetch into the candidates it returns.

use ytempire_core::{Error, ErrorKind, ImageRequest, ImageResponse, Result, Usage, Visual};

use super::inspect::decode_image;

/// The builder methods both generator configurations share (`with_base_url`,
/// `with_max_images`, `with_timeout`), for a config struct with `base_url`, `max_images` and
/// `timeout` fields.
macro_rules! generator_config_builders {
    ($config:ident) => {
        impl $config {
            /// Set the base URL (a test server, a proxy, a compatible server).
            #[must_use]
            pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
                self.base_url = base_url.into();
                self
            }

            /// Set how many images one fetch may generate (at least 1).
            #[must_use]
            pub fn with_max_images(mut self, n: u32) -> Self {
                self.max_images = n.max(1);
                self
            }

            /// Set the per-request timeout.
            #[must_use]
            pub fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.timeout = timeout;
                self
            }
        }
    };
}
pub(crate) use generator_config_builders;

/// The picture in a base64 answer field (`field` names it in the error).
///
/// # Errors
/// `InvalidResponse` naming the field when `text` is not base64.
pub(crate) fn decode_base64(label: &str, field: &str, text: &str) -> Result<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("{label}: {field} is not valid base64: {e}"),
            )
            .with_provider(label)
        })
}

/// The pictures one fetch generated, checked one by one.
#[derive(Debug)]
pub(crate) struct Candidates<'a> {
    label: &'a str,
    request: &'a ImageRequest,
    provider: String,
    visuals: Vec<Visual>,
    last_err: Option<Error>,
}

impl<'a> Candidates<'a> {
    /// Candidates for `request`, reported as coming from `provider`; errors name `label`.
    pub(crate) fn new(label: &'a str, request: &'a ImageRequest, provider: &str) -> Self {
        Self {
            label,
            request,
            provider: provider.to_owned(),
            visuals: Vec::new(),
            last_err: None,
        }
    }

    /// Whether no picture has been accepted yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.visuals.is_empty()
    }

    /// Decode `bytes` as picture `id`: a good new one becomes a candidate, one the request
    /// excludes is skipped, and a bad one is kept as the error to report if none is good.
    pub(crate) fn offer(&mut self, id: String, bytes: Vec<u8>) {
        match decode_image(&bytes, &id) {
            Ok(_) if self.request.exclude.contains(&id) => {}
            Ok(img) => {
                let mime = img.mime();
                self.visuals.push(
                    Visual::image_bytes(id, img.width(), img.height(), mime, bytes)
                        .with_origin(self.provider.clone(), self.request.query.clone()),
                );
            }
            Err(e) => self.last_err = Some(e.with_provider(self.label)),
        }
    }

    /// A picture that could not be had at all; reported if none is good.
    pub(crate) fn fail(&mut self, e: Error) {
        self.last_err = Some(e);
    }

    /// The answer with `usage`.
    ///
    /// # Errors
    /// When no picture was good: the last bad picture's error, else `NotFound` with
    /// `none_new` (every picture was excluded).
    pub(crate) fn finish(self, usage: Usage, none_new: &str) -> Result<ImageResponse> {
        if self.visuals.is_empty() {
            return Err(self.last_err.unwrap_or_else(|| {
                Error::new(ErrorKind::NotFound, format!("{}: {none_new}", self.label))
                    .with_provider(self.label)
            }));
        }
        Ok(ImageResponse::new(self.visuals, usage))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::DynamicImage::ImageRgb8(image::RgbImage::new(w, h));
        super::super::inspect::encode_png(&img).unwrap()
    }

    #[test]
    fn good_pictures_are_kept_and_bad_or_excluded_ones_are_not() {
        let mut request = ImageRequest::new("a lighthouse", 8, 8);
        request.exclude.push("p:used".to_owned());
        let mut c = Candidates::new("p/m", &request, "p");
        c.offer("p:used".to_owned(), png(4, 4));
        assert!(c.is_empty());
        c.offer("p:bad".to_owned(), b"<html>".to_vec());
        c.offer("p:good".to_owned(), png(4, 2));
        let answer = c.finish(Usage::default(), "none").unwrap();
        assert_eq!(answer.visuals.len(), 1);
        assert_eq!((answer.visuals[0].width, answer.visuals[0].height), (4, 2));
        assert_eq!(answer.visuals[0].provider, "p");
    }

    #[test]
    fn nothing_good_reports_the_last_error_or_not_found() {
        let request = ImageRequest::new("a lighthouse", 8, 8);
        let mut c = Candidates::new("p/m", &request, "p");
        c.offer("p:bad".to_owned(), Vec::new());
        let e = c.finish(Usage::default(), "none").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
        let e = Candidates::new("p/m", &request, "p")
            .finish(Usage::default(), "every picture was used")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("p/m: every picture was used"), "{e}");
        let e = decode_base64("p/m", "b64_json", "!!").unwrap_err();
        assert!(
            e.to_string().contains("b64_json is not valid base64"),
            "{e}"
        );
    }
}
