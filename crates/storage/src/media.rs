//! What uploaded bytes are (sniffed with `infer`, plain UTF-8 text recognised too) and, for
//! images, their dimensions and a thumbnail (the `image` crate, decoded within limits).

use async_trait::async_trait;
use bytes::Bytes;
use image::{ImageFormat, ImageReader, Limits};
use palaver_domain::attachment::{ContentType, THUMBNAIL_MAX_SIDE};
use palaver_domain::ports::{MediaInspector, Thumbnail};
use std::io::Cursor;

/// Decoding refuses images larger than this many pixels a side, and allocations beyond
/// [`MAX_DECODE_BYTES`]: a small file that unpacks into gigabytes is refused, not decoded.
const MAX_SIDE: u32 = 12_000;
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, Default)]
pub struct ImageMedia;

#[async_trait]
impl MediaInspector for ImageMedia {
    fn sniff(&self, head: &[u8]) -> ContentType {
        if let Some(kind) = infer::get(head)
            && let Ok(found) = ContentType::parse(kind.mime_type())
        {
            return found;
        }
        if looks_like_text(head) {
            return ContentType::parse("text/plain; charset=utf-8")
                .unwrap_or_else(|_| ContentType::octet_stream());
        }
        ContentType::octet_stream()
    }

    async fn thumbnail(&self, image: Bytes) -> Option<Thumbnail> {
        match tokio::task::spawn_blocking(move || make_thumbnail(&image)).await {
            Ok(Ok(thumbnail)) => Some(thumbnail),
            Ok(Err(error)) => {
                tracing::debug!(%error, "no thumbnail: the image does not decode");
                None
            }
            Err(error) => {
                tracing::warn!(%error, "the thumbnail task failed");
                None
            }
        }
    }
}

/// UTF-8 (a character cut at the end of the sample is fine) with no control characters
/// but whitespace.
fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(error) if error.error_len().is_none() && head.len() - error.valid_up_to() < 4 => {
            match std::str::from_utf8(&head[..error.valid_up_to()]) {
                Ok(text) => text,
                Err(_) => return false,
            }
        }
        Err(_) => return false,
    };
    !text.is_empty()
        && text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
}

fn make_thumbnail(bytes: &[u8]) -> Result<Thumbnail, image::ImageError> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    if !matches!(
        reader.format(),
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP)
    ) {
        return Err(image::ImageError::Unsupported(
            image::error::UnsupportedError::from_format_and_kind(
                image::error::ImageFormatHint::Unknown,
                image::error::UnsupportedErrorKind::Format(image::error::ImageFormatHint::Unknown),
            ),
        ));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let decoded = reader.decode()?;
    let (width, height) = (decoded.width(), decoded.height());
    let small = if width.max(height) > THUMBNAIL_MAX_SIDE {
        decoded.thumbnail(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE)
    } else {
        decoded
    };
    let mut png = Vec::new();
    small.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)?;
    Ok(Thumbnail {
        width,
        height,
        png: Bytes::from(png),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 10, 10]));
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn types_come_from_the_bytes() {
        let media = ImageMedia;
        assert_eq!(media.sniff(&png(2, 2)).as_str(), "image/png");
        assert_eq!(
            media
                .sniff(b"<!DOCTYPE html><html><script>alert(1)</script>")
                .essence(),
            "text/html"
        );
        assert_eq!(
            media.sniff("héllo\nworld".as_bytes()).essence(),
            "text/plain"
        );
        assert_eq!(
            media.sniff(&[0, 159, 146, 150, 1, 2]).as_str(),
            "application/octet-stream"
        );
        // A multi-byte character cut by the sample's end is still text.
        assert_eq!(
            media.sniff(&"é".as_bytes()[..1]).essence(),
            "application/octet-stream"
        );
        assert_eq!(
            media.sniff("aé".as_bytes()[..2].as_ref()).essence(),
            "text/plain"
        );
    }

    #[tokio::test]
    async fn images_get_their_size_and_a_small_thumbnail() {
        let thumbnail = ImageMedia
            .thumbnail(Bytes::from(png(1000, 500)))
            .await
            .unwrap();
        assert_eq!((thumbnail.width, thumbnail.height), (1000, 500));
        let small = image::load_from_memory(&thumbnail.png).unwrap();
        assert_eq!((small.width(), small.height()), (320, 160));
    }

    #[tokio::test]
    async fn a_lying_or_huge_image_gets_no_thumbnail() {
        assert!(
            ImageMedia
                .thumbnail(Bytes::from_static(b"\x89PNG\r\n\x1a\nnope"))
                .await
                .is_none()
        );
        // A PNG header announcing 100000 x 100000 pixels: refused by the limits.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(ImageMedia.thumbnail(Bytes::from(bomb)).await.is_none());
    }
}
