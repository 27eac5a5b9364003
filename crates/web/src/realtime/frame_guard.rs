//! Reads WebSocket frame headers as the bytes arrive and refuses a frame whose declared
//! length is over the limit at once. actix-http's frame parser checks a frame's size only
//! once all of it has arrived, so a header declaring gigabytes would otherwise be waited
//! for (and its bytes buffered) until the heartbeat gave up.

/// The longest frame header: 2 bytes, an 8-byte length and a 4-byte mask.
pub(crate) const MAX_HEADER: usize = 14;

/// A frame declared larger than the limit.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Oversized;

/// Follows frame boundaries: collects each header (2 to 14 bytes), then skips the payload
/// it declares.
pub(crate) struct HeaderScanner {
    limit: u64,
    header: Vec<u8>,
    payload_left: u64,
}

impl HeaderScanner {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit: u64::try_from(limit).unwrap_or(u64::MAX),
            header: Vec::with_capacity(MAX_HEADER),
            payload_left: 0,
        }
    }

    pub(crate) fn scan(&mut self, mut bytes: &[u8]) -> Result<(), Oversized> {
        while !bytes.is_empty() {
            if self.payload_left > 0 {
                let skip = usize::try_from(self.payload_left)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                self.payload_left -= skip as u64;
                bytes = &bytes[skip..];
                continue;
            }
            self.header.push(bytes[0]);
            bytes = &bytes[1..];
            if let Some(payload) = self.header_done()? {
                self.payload_left = payload;
                self.header.clear();
            }
        }
        Ok(())
    }

    /// `Err` as soon as the length is known and too large; `Some(length)` once the whole
    /// header (with its mask) is in.
    fn header_done(&mut self) -> Result<Option<u64>, Oversized> {
        let Some(&second) = self.header.get(1) else {
            return Ok(None);
        };
        let extended = match second & 0x7f {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let mask = if second & 0x80 != 0 { 4 } else { 0 };
        if self.header.len() < 2 + extended {
            return Ok(None);
        }
        let length = match extended {
            0 => u64::from(second & 0x7f),
            _ => self.header[2..2 + extended]
                .iter()
                .fold(0u64, |length, byte| (length << 8) | u64::from(*byte)),
        };
        if length > self.limit {
            return Err(Oversized);
        }
        Ok((self.header.len() == 2 + extended + mask).then_some(length))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame header declaring `length` bytes.
    fn header(length: u64) -> Vec<u8> {
        let mut bytes = vec![0x81];
        match length {
            0..=125 => bytes.push(0x80 | length as u8),
            126..=0xffff => {
                bytes.push(0x80 | 126);
                bytes.extend_from_slice(&(length as u16).to_be_bytes());
            }
            _ => {
                bytes.push(0x80 | 127);
                bytes.extend_from_slice(&length.to_be_bytes());
            }
        }
        bytes.extend_from_slice(&[1, 2, 3, 4]);
        bytes
    }

    #[test]
    fn frames_within_the_limit_pass_in_any_split() {
        let mut stream = header(5);
        stream.extend_from_slice(b"hello");
        stream.extend(header(300));
        stream.extend(vec![b'x'; 300]);
        stream.extend(header(0));
        for chunk in [1, 2, 3, 7, 1000] {
            let mut scanner = HeaderScanner::new(1024);
            for piece in stream.chunks(chunk) {
                assert_eq!(scanner.scan(piece), Ok(()), "chunks of {chunk}");
            }
            assert!(scanner.header.is_empty() && scanner.payload_left == 0);
        }
    }

    #[test]
    fn a_header_declaring_too_much_is_refused_before_any_payload() {
        let ten_gib = header(10 << 30);
        let mut scanner = HeaderScanner::new(65_536);
        // The 8-byte length is complete after 10 bytes; the mask is not needed to refuse.
        assert_eq!(scanner.scan(&ten_gib[..9]), Ok(()));
        assert_eq!(scanner.scan(&ten_gib[9..10]), Err(Oversized));

        let mut after_a_good_frame = header(2);
        after_a_good_frame.extend_from_slice(b"ok");
        after_a_good_frame.extend(header(65_537));
        assert_eq!(
            HeaderScanner::new(65_536).scan(&after_a_good_frame),
            Err(Oversized)
        );
        assert_eq!(HeaderScanner::new(65_536).scan(&header(65_536)), Ok(()));
    }
}
