//! Files people attach to cases, visits and problems (承诺授权书, 走访照片, 整改佐证): what is
//! stored is decided by the bytes, never by the name or the declared type. A photo must decode
//! from its first byte to its end marker; whatever follows the end marker (a second file glued
//! on, the video of a "motion photo") is cut off, and so are the parts of the file an image
//! does not need (JPEG comments and application segments other than JFIF, EXIF, ICC and Adobe;
//! PNG text, private and animation chunks); the stored name carries the extension of the
//! detected type, so a PNG named `x.html` is kept as `x.png`.

use std::sync::atomic::{AtomicU64, Ordering};

/// A photo may have at most this many pixels (40 megapixels: a phone camera's usual output
/// is 12, its largest mode 48–50 and those are asked to shrink). Bounds what decoding a hostile
/// header could ask for.
pub const MAX_PHOTO_PIXELS: u64 = 40_000_000;

/// Memory all photo checks of this process may hold at once. A JPEG is decoded to one byte a
/// pixel, and a progressive one keeps two bytes a pixel for each of three components besides:
/// seven bytes a pixel is reserved before decoding, and an upload that does not fit waits for
/// none — it is asked to retry.
const DECODE_BUDGET: u64 = 512 << 20;

static RESERVED: AtomicU64 = AtomicU64::new(0);

/// The kinds of file the system keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Jpeg,
    Png,
    Pdf,
}

impl FileType {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Pdf => "pdf",
        }
    }

    /// Known by the first bytes.
    fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else {
            None
        }
    }
}

/// A file that passed: its type, the name to keep and the bytes to keep.
#[derive(Debug)]
pub struct CheckedFile {
    pub file_type: FileType,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Why a file is refused, in words for the person who chose it.
#[derive(Debug, PartialEq, Eq)]
pub enum FileProblem {
    NotAllowed,
    Damaged(String),
    TooLarge(String),
    Busy,
}

/// Checks one uploaded file and gives what to store.
pub fn check(name: &str, mut bytes: Vec<u8>) -> Result<CheckedFile, FileProblem> {
    let file_type = FileType::sniff(&bytes).ok_or(FileProblem::NotAllowed)?;
    match file_type {
        FileType::Jpeg => {
            bytes = jpeg_kept(&bytes)
                .ok_or_else(|| FileProblem::Damaged("照片数据不完整（没有结束标记）".into()))?;
            decode_jpeg(&bytes)?;
        }
        FileType::Png => {
            bytes = png_kept(&bytes)
                .ok_or_else(|| FileProblem::Damaged("图片数据块不完整或校验不符".into()))?;
            decode_png(&bytes)?;
        }
        FileType::Pdf => {
            // A PDF ends with %%EOF (then perhaps line ends); a cut-off scan does not.
            let tail = &bytes[bytes.len().saturating_sub(1024)..];
            if memchr::memmem::find(tail, b"%%EOF").is_none() {
                return Err(FileProblem::Damaged("PDF文件不完整（没有结尾标记）".into()));
            }
        }
    }
    Ok(CheckedFile {
        file_type,
        name: stored_name(name, file_type),
        bytes,
    })
}

/// The name to keep: the last path component, without control characters or the given
/// extension, at most 100 characters, then the extension of the detected type.
pub fn stored_name(given: &str, file_type: FileType) -> String {
    let base = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = match base.rfind('.') {
        Some(dot) if dot > 0 => &base[..dot],
        _ => base,
    };
    let stem: String = stem
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
        .take(100)
        .collect();
    let stem = stem.trim().trim_start_matches('.');
    let stem = if stem.is_empty() { "附件" } else { stem };
    format!("{stem}.{}", file_type.extension())
}

/// Runs `work` with `bytes` of the decode budget reserved, or refuses at once.
fn within_budget<T>(
    bytes: u64,
    work: impl FnOnce() -> Result<T, FileProblem>,
) -> Result<T, FileProblem> {
    struct Reserved(u64);
    impl Drop for Reserved {
        fn drop(&mut self) {
            RESERVED.fetch_sub(self.0, Ordering::SeqCst);
        }
    }
    let before = RESERVED.fetch_add(bytes, Ordering::SeqCst);
    let _reserved = Reserved(bytes);
    if before + bytes > DECODE_BUDGET {
        return Err(FileProblem::Busy);
    }
    work()
}

fn too_many_pixels(width: u64, height: u64) -> Result<(), FileProblem> {
    if width.saturating_mul(height) > MAX_PHOTO_PIXELS {
        return Err(FileProblem::TooLarge(format!(
            "照片{width}×{height}像素，超过{}万像素上限，请缩小后再上传",
            MAX_PHOTO_PIXELS / 10_000
        )));
    }
    Ok(())
}

/// Decodes every scan of the JPEG at an eighth of its size: the whole entropy stream is read
/// (a broken one fails) while the output stays small.
fn decode_jpeg(bytes: &[u8]) -> Result<(), FileProblem> {
    use zune_jpeg::zune_core::{
        bytestream::ZCursor, colorspace::ColorSpace, options::DecoderOptions,
    };
    // Grey output: every scan is still decoded in full (a broken one fails), at a third of
    // the memory of colour.
    let options = DecoderOptions::new_cmd()
        .set_strict_mode(true)
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX))
        .jpeg_set_out_colorspace(ColorSpace::Luma);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    let damaged = |e: zune_jpeg::errors::DecodeErrors| {
        tracing::info!(error = %e, "photo refused: JPEG does not decode");
        FileProblem::Damaged("照片无法解码".into())
    };
    decoder.decode_headers().map_err(damaged)?;
    let info = decoder
        .info()
        .ok_or_else(|| FileProblem::Damaged("照片没有尺寸信息".into()))?;
    let pixels = u64::from(info.width) * u64::from(info.height);
    too_many_pixels(u64::from(info.width), u64::from(info.height))?;
    within_budget(pixels * 7, || decoder.decode().map(drop).map_err(damaged))
}

/// Decodes the PNG row by row (one row in memory at a time), checksums included.
fn decode_png(bytes: &[u8]) -> Result<(), FileProblem> {
    let damaged = |e: png::DecodingError| {
        tracing::info!(error = %e, "photo refused: PNG does not decode");
        FileProblem::Damaged("图片无法解码".into())
    };
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let header = decoder.read_header_info().map_err(damaged)?;
    too_many_pixels(u64::from(header.width), u64::from(header.height))?;
    let row = u64::from(header.width) * 8;
    within_budget(row * 2, || {
        let mut reader = decoder.read_info().map_err(damaged)?;
        while reader.next_row().map_err(damaged)?.is_some() {}
        reader.finish().map_err(damaged)
    })
}

/// The first image of a JPEG up to its EOI marker, without comments and application segments
/// an image does not need (kept: APP0 JFIF, APP1 EXIF, APP2 ICC, APP14 Adobe); None when it
/// never ends.
fn jpeg_kept(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut i = 2;
    loop {
        if *b.get(i)? != 0xFF {
            return None;
        }
        while *b.get(i)? == 0xFF {
            i += 1;
        }
        let marker = b[i];
        i += 1;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Some(out);
            }
            0xD0..=0xD7 | 0x01 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            0x00 => return None,
            _ => {}
        }
        let start = i - 2;
        let len = usize::from(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]));
        if len < 2 {
            return None;
        }
        i = i.checked_add(len)?;
        if i > b.len() {
            return None;
        }
        if marker == 0xDA {
            // Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte), a restart
            // marker, or a fill 0xFF; anything else is the next marker.
            loop {
                i += memchr::memchr(0xFF, b.get(i..)?)?;
                match *b.get(i + 1)? {
                    0x00 | 0xD0..=0xD7 => i += 2,
                    0xFF => i += 1,
                    _ => break,
                }
            }
        }
        let needed =
            !matches!(marker, 0xE0..=0xEF | 0xFE) || matches!(marker, 0xE0 | 0xE1 | 0xE2 | 0xEE);
        if needed {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(b.get(start + 2..i)?);
        }
    }
}

/// A PNG up to its IEND chunk, every chunk length within the file and every chunk's CRC
/// checked, keeping only the chunks an image needs (critical ones and colour, transparency and
/// size information; no text, private or animation chunks); None when it never ends.
fn png_kept(b: &[u8]) -> Option<Vec<u8>> {
    const KEPT: [&[u8; 4]; 11] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"pHYs",
    ];
    let mut out = b.get(..8)?.to_vec();
    let mut i = 8;
    loop {
        let len = usize::try_from(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?)).ok()?;
        let kind = b.get(i + 4..i + 8)?;
        let end = i.checked_add(12)?.checked_add(len)?;
        let body = b.get(i + 4..end - 4)?;
        let crc = u32::from_be_bytes(b.get(end - 4..end)?.try_into().ok()?);
        if png_crc(body) != crc {
            return None;
        }
        if KEPT.iter().any(|k| k.as_slice() == kind) {
            out.extend_from_slice(&b[i..end]);
        }
        if kind == b"IEND" {
            return Some(out);
        }
        i = end;
    }
}

fn png_crc(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        let mut writer = encoder.write_header().unwrap();
        writer
            .write_image_data(&vec![90; (width * height * 3) as usize])
            .unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn a_whole_png_passes_and_keeps_its_real_extension() {
        let image = png(8, 4);
        let kept = check("scripts/x.html", image.clone()).unwrap();
        assert_eq!(kept.file_type, FileType::Png);
        assert_eq!(kept.name, "x.png");
        assert_eq!(kept.bytes, image);
    }

    #[test]
    fn what_follows_the_end_of_an_image_is_cut_off() {
        let image = png(3, 3);
        let mut glued = image.clone();
        glued.extend_from_slice(b"<script>alert(1)</script>");
        assert_eq!(check("a.png", glued).unwrap().bytes, image);
    }

    #[test]
    fn junk_after_an_image_header_is_refused() {
        let mut junk = b"\x89PNG\r\n\x1a\n".to_vec();
        junk.extend(std::iter::repeat_n(0x41, 7 << 20));
        assert!(matches!(check("x.png", junk), Err(FileProblem::Damaged(_))));
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
        jpeg.extend(std::iter::repeat_n(0x41, 1 << 20));
        assert!(matches!(check("x.jpg", jpeg), Err(FileProblem::Damaged(_))));
    }

    #[test]
    fn a_png_with_a_broken_pixel_stream_is_refused() {
        let mut image = png(64, 64);
        // Corrupt the compressed pixels and mend the chunk's CRC, so only decoding finds it.
        let idat = image.windows(4).position(|w| w == b"IDAT").unwrap();
        let len = u32::from_be_bytes(image[idat - 4..idat].try_into().unwrap()) as usize;
        for b in &mut image[idat + 6..idat + 4 + len] {
            *b ^= 0x5A;
        }
        let crc = png_crc(&image[idat..idat + 4 + len]);
        image[idat + 4 + len..idat + 8 + len].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(
            check("x.png", image),
            Err(FileProblem::Damaged(_))
        ));
    }

    #[test]
    fn a_header_asking_for_a_huge_image_is_refused_before_decoding() {
        let mut image = png(1, 1);
        image[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        image[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let crc = png_crc(&image[12..29]);
        image[29..33].copy_from_slice(&crc.to_be_bytes());
        match check("x.png", image) {
            Err(FileProblem::TooLarge(m)) => assert!(m.contains("4000万像素"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn text_and_private_chunks_are_not_kept() {
        let image = png(4, 4);
        // A tEXt chunk (a place to hide anything) inserted after IHDR.
        let mut chunk = Vec::new();
        let body = [b"tEXt".as_slice(), b"Comment\0PK\x03\x04hidden"].concat();
        chunk.extend_from_slice(&u32::try_from(body.len() - 4).unwrap().to_be_bytes());
        chunk.extend_from_slice(&body);
        chunk.extend_from_slice(&png_crc(&body).to_be_bytes());
        let with_text = [&image[..33], &chunk, &image[33..]].concat();
        let kept = check("a.png", with_text).unwrap();
        assert_eq!(kept.bytes, image);
    }

    #[test]
    fn jpeg_comments_are_not_kept() {
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 80)
            .encode(&[120; 8 * 8 * 3], 8, 8, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        let comment = [0xFF, 0xFE, 0, 10, b'P', b'K', 3, 4, b'z', b'i', b'p', b'!'];
        let with_comment = [&jpeg[..2], comment.as_slice(), &jpeg[2..]].concat();
        let kept = check("a.jpg", with_comment).unwrap();
        assert_eq!(kept.bytes, jpeg);
        assert_eq!(kept.file_type, FileType::Jpeg);
    }

    #[test]
    fn a_pdf_must_end() {
        assert!(
            check(
                "授权书.PDF",
                b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n".to_vec()
            )
            .is_ok()
        );
        assert!(matches!(
            check("授权书.pdf", b"%PDF-1.4\n1 0 obj << >> endo".to_vec()),
            Err(FileProblem::Damaged(_))
        ));
        assert_eq!(
            check("x", b"MZ\x90\0".to_vec()).unwrap_err(),
            FileProblem::NotAllowed
        );
    }

    #[test]
    fn names_are_tamed() {
        assert_eq!(
            stored_name("..\\..\\a\u{0}b.jpg.exe", FileType::Jpeg),
            "ab.jpg.jpg"
        );
        assert_eq!(stored_name(".htaccess", FileType::Png), "htaccess.png");
        assert_eq!(stored_name("", FileType::Pdf), "附件.pdf");
        assert_eq!(
            stored_name("现场 照片.JPG", FileType::Jpeg),
            "现场 照片.jpg"
        );
        assert_eq!(
            stored_name(&"长".repeat(300), FileType::Pdf)
                .chars()
                .count(),
            104
        );
    }
}
