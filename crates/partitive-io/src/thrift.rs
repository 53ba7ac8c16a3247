//! A small reader of the Thrift compact protocol, bounded in depth and work, for checking
//! Parquet page headers (`parquet_pages.rs`) and footers (`parquet_check.rs`) before the
//! `parquet` crate reads them.
//!
//! Written from the specification: `doc/specs/thrift-compact-protocol.md` of
//! <https://github.com/apache/thrift> (field headers holding an id delta and a type, 0 the
//! stop byte; zigzag ULEB128 integers; binary as a varint length and bytes; list and set
//! headers with the size in the high nibble, 15 for a varint size; maps as a varint size
//! and a key/value type byte; booleans as the field's type, one byte in containers; UUIDs
//! as 16 bytes). Where the `parquet` crate departs from it, this reader reads as the crate
//! does, so that both see the same structure: a field byte of type 0 ends a struct, a list
//! header byte 0 is an empty list, and a boolean in a container takes no byte (their
//! number bounded by [`WORK_SLACK`]).
//!
//! Refused ([`Stop::Bad`]): nesting deeper than the caller's limit, a container claiming
//! more elements than the bytes left could encode, a varint longer than 10 bytes, a field
//! id beyond `i16`, reading past the end; [`Stop::Loop`] when the crate would loop over
//! the elements even reading from memory: a container of booleans claiming more than the
//! bytes left, or more booleans in containers than [`WORK_SLACK`] beyond the bytes read.
//! An unknown type is [`Stop::Fails`]: the crate fails on it too.

/// Why a structure could not be read.
#[derive(Debug, PartialEq)]
pub(crate) enum Stop {
    /// The window ended before the header did, and the chunk goes on: read more.
    More,
    /// It is malformed (the reason), in a way the `parquet` crate would misread,
    /// mishandle or not see.
    Bad(String),
    /// It holds a container of elements that the crate reads as taking no byte (booleans),
    /// claiming more of them than the bytes could hold: the crate would loop over every
    /// one, even reading from memory (the reason).
    Loop(String),
    /// It is malformed in a way on which the `parquet` crate fails, cleanly and at once:
    /// the caller may leave the error to the crate.
    Fails,
}

/// Booleans in containers a structure may hold beyond its length in bytes. Every value takes
/// at least a byte by the specification, a boolean in a container too, but the `parquet`
/// crate reads those as taking none (and the walk, to read the same header), so their
/// number is bounded apart (the crate would loop over as many as claimed). Each other value
/// and field read consumes a byte, so the work is linear in the length read.
pub(crate) const WORK_SLACK: usize = 1024;

/// Thrift compact-protocol types (the low nibble of a field header).
pub(crate) const T_TRUE: u8 = 1;
pub(crate) const T_FALSE: u8 = 2;
pub(crate) const T_I8: u8 = 3;
pub(crate) const T_I16: u8 = 4;
pub(crate) const T_I32: u8 = 5;
pub(crate) const T_I64: u8 = 6;
pub(crate) const T_DOUBLE: u8 = 7;
pub(crate) const T_BINARY: u8 = 8;
pub(crate) const T_LIST: u8 = 9;
pub(crate) const T_SET: u8 = 10;
pub(crate) const T_MAP: u8 = 11;
pub(crate) const T_STRUCT: u8 = 12;
pub(crate) const T_UUID: u8 = 13;

/// A compact-protocol reader over `buf`, the first bytes of the `limit` bytes of the
/// structure read (a page header: those left in its column chunk).
pub(crate) struct Thrift<'a> {
    buf: &'a [u8],
    pos: usize,
    limit: usize,
    /// Booleans read in containers, taking no byte each (see [`WORK_SLACK`]).
    empty: usize,
    /// Deepest nesting accepted (the outer struct is depth 0).
    max_depth: usize,
    /// What is read, for messages ("a page header"), and what holds it ("column chunk").
    what: &'static str,
    within: &'static str,
}

impl<'a> Thrift<'a> {
    /// A reader of `what` (in `within`) at the start of `buf`, the first of `limit` bytes.
    pub(crate) fn new(
        buf: &'a [u8],
        limit: usize,
        max_depth: usize,
        what: &'static str,
        within: &'static str,
    ) -> Self {
        Thrift {
            buf,
            pos: 0,
            limit,
            empty: 0,
            max_depth,
            what,
            within,
        }
    }

    /// Bytes read so far.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The next `n` bytes.
    fn take(&mut self, n: usize) -> Result<&[u8], Stop> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.limit);
        match end {
            None => Err(Stop::Bad(format!(
                "{} runs past the end of its {}",
                self.what, self.within
            ))),
            Some(e) if e > self.buf.len() => Err(Stop::More),
            Some(e) => {
                let s = &self.buf[self.pos..e];
                self.pos = e;
                Ok(s)
            }
        }
    }

    fn byte(&mut self) -> Result<u8, Stop> {
        Ok(self.take(1)?[0])
    }

    /// An unsigned LEB128 varint of at most 10 bytes (64 bits).
    fn varint(&mut self) -> Result<u64, Stop> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            if i == 9 && bits > 1 {
                return Err(Stop::Bad("a varint overflows 64 bits".into()));
            }
            v |= bits << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Stop::Bad("a varint is longer than 10 bytes".into()))
    }

    /// A zigzag varint (`i16`, `i32`, `i64`).
    fn zigzag(&mut self) -> Result<i64, Stop> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// An `i32` (or enum) field, read whatever its wire type as the crate reads it: a
    /// zigzag varint, truncated to 32 bits.
    pub(crate) fn i32(&mut self) -> Result<i32, Stop> {
        Ok(self.zigzag()? as i32)
    }

    /// `n` elements of a container, each taking at least `min_bytes` bytes by the
    /// specification: more than the bytes left can hold is malformed, and slow to skip
    /// ([`Stop::Loop`] when the crate reads them as taking no byte, `empty`).
    fn count(&mut self, n: u64, min_bytes: u64, empty: bool) -> Result<u64, Stop> {
        let left = (self.limit - self.pos) as u64;
        if n.saturating_mul(min_bytes) > left {
            let why = format!(
                "{}'s container claims {n} elements in {left} bytes",
                self.what
            );
            return Err(if empty {
                Stop::Loop(why)
            } else {
                Stop::Bad(why)
            });
        }
        Ok(n)
    }

    /// Skips a value of wire type `t` at nesting `depth`.
    pub(crate) fn skip(&mut self, t: u8, depth: usize) -> Result<(), Stop> {
        if depth > self.max_depth {
            return Err(Stop::Bad(format!(
                "{} nests deeper than {} levels",
                self.what, self.max_depth
            )));
        }
        match t {
            // A boolean field's value is its type; one in a container takes a byte by the
            // specification, none for the crate (see `WORK_SLACK`).
            T_TRUE | T_FALSE => Ok(()),
            T_I8 => self.take(1).map(drop),
            T_I16 | T_I32 | T_I64 => self.varint().map(drop),
            T_DOUBLE => self.take(8).map(drop),
            T_UUID => self.take(16).map(drop),
            T_BINARY => {
                let n = self.varint()?;
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                self.take(n).map(drop)
            }
            T_LIST | T_SET => {
                let (n, et) = self.list_header()?;
                for _ in 0..n {
                    self.tick(et)?;
                    self.skip(et, depth + 1)?;
                }
                Ok(())
            }
            T_MAP => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                let kv = self.byte()?;
                let (kt, vt) = (kv >> 4, kv & 0x0f);
                let n = self.count(n, 2, is_bool(kt) && is_bool(vt))?;
                for _ in 0..n {
                    self.tick(kt)?;
                    self.skip(kt, depth + 1)?;
                    self.tick(vt)?;
                    self.skip(vt, depth + 1)?;
                }
                Ok(())
            }
            T_STRUCT => self.fields(depth + 1, |r, t, _, d| r.skip(t, d)),
            // An unknown type: the crate fails on it too.
            _ => Err(Stop::Fails),
        }
    }

    /// Counts an element of type `t` about to be read in a container: a boolean (no byte),
    /// refused beyond [`WORK_SLACK`] more than the bytes read.
    fn tick(&mut self, t: u8) -> Result<(), Stop> {
        if is_bool(t) {
            self.empty += 1;
            if self.empty > self.pos + WORK_SLACK {
                return Err(Stop::Loop(format!(
                    "{} holds more than {} booleans in {} bytes",
                    self.what,
                    self.empty - 1,
                    self.pos
                )));
            }
        }
        Ok(())
    }

    /// A list or set header: the element count (checked against the bytes left) and type.
    fn list_header(&mut self) -> Result<(u64, u8), Stop> {
        let b = self.byte()?;
        // Some writers give an empty list element type 0 (the crate accepts that).
        if b == 0 {
            return Ok((0, T_I8));
        }
        let et = b & 0x0f;
        let n = match b >> 4 {
            15 => self.varint()?,
            n => u64::from(n),
        };
        Ok((self.count(n, 1, is_bool(et))?, et))
    }

    /// Reads the fields of a struct at nesting `depth` up to its stop byte, handing each
    /// (wire type, field id, depth) to `field`, which must consume its value.
    pub(crate) fn fields(
        &mut self,
        depth: usize,
        mut field: impl FnMut(&mut Self, u8, i16, usize) -> Result<(), Stop>,
    ) -> Result<(), Stop> {
        if depth > self.max_depth {
            return Err(Stop::Bad(format!(
                "{} nests deeper than {} levels",
                self.what, self.max_depth
            )));
        }
        let mut last: i16 = 0;
        loop {
            let b = self.byte()?;
            // A stop byte is 0; any byte of type 0 ends the struct for the `parquet`
            // crate, so for this walk too (both then read the same header).
            if b & 0x0f == 0 {
                return Ok(());
            }
            let t = b & 0x0f;
            let id = match b >> 4 {
                0 => {
                    let v = self.zigzag()?;
                    i16::try_from(v).map_err(|_| {
                        Stop::Bad(format!("{}'s field id {v} is not an i16", self.what))
                    })?
                }
                d => last.checked_add(i16::from(d)).ok_or_else(|| {
                    Stop::Bad(format!("{}'s field id overflows after {last}", self.what))
                })?,
            };
            last = id;
            field(self, t, id, depth)?;
        }
    }
}

/// Whether wire type `t` is a boolean (`true` or `false`; either marks a container's).
fn is_bool(t: u8) -> bool {
    matches!(t, T_TRUE | T_FALSE)
}
