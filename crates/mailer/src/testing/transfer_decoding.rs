//! Just enough Content-Transfer-Encoding decoding to read test mail. Malformed input is
//! passed through or skipped rather than rejected.

/// Drops soft line breaks (`=` at the end of a line) and turns `=XX` into the byte 0xXX.
pub(super) fn decode_quoted_printable(encoded: &str) -> Vec<u8> {
    let bytes = encoded.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let rest = &bytes[index..];
        if rest.starts_with(b"=\r\n") {
            index += 3;
        } else if rest.starts_with(b"=\n") {
            index += 2;
        } else if let [b'=', high, low, ..] = rest
            && let (Some(high), Some(low)) = (hex_value(*high), hex_value(*low))
        {
            decoded.push(high << 4 | low);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    decoded
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

/// Decodes standard base64, ignoring line breaks, padding and anything else outside the
/// alphabet.
pub(super) fn decode_base64(encoded: &str) -> Vec<u8> {
    let mut decoded = Vec::with_capacity(encoded.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut buffered_bits = 0;
    for sextet in encoded.bytes().filter_map(base64_value) {
        buffer = buffer << 6 | u32::from(sextet);
        buffered_bits += 6;
        if buffered_bits >= 8 {
            buffered_bits -= 8;
            decoded.extend(u8::try_from((buffer >> buffered_bits) & 0xFF).ok());
        }
    }
    decoded
}

fn base64_value(symbol: u8) -> Option<u8> {
    match symbol {
        b'A'..=b'Z' => Some(symbol - b'A'),
        b'a'..=b'z' => Some(symbol - b'a' + 26),
        b'0'..=b'9' => Some(symbol - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}
